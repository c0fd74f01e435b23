import logging

import duckdb
import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from gateway.statement import CheckedStatement, StatementRefused, check_statement


@pytest.mark.parametrize(
    ("sql", "tables"),
    [
        ("SELECT * FROM street_case_stats", ["street_case_stats"]),
        (
            "select community, sum(cases) from main.street_case_stats group by 1",
            ["street_case_stats"],
        ),
        ("FROM street_case_stats", ["street_case_stats"]),
        ("FROM street_case_stats SELECT community WHERE cases > 3", ["street_case_stats"]),
        (
            "WITH busy AS (SELECT * FROM street_case_stats WHERE cases > 50) "
            "SELECT community, count(*) FROM busy GROUP BY community",
            ["street_case_stats"],
        ),
        ("SELECT 1 AS a UNION ALL SELECT 2", []),
        ("SELECT category FROM street_case_stats INTERSECT SELECT '噪音'", ["street_case_stats"]),
        ("SELECT category FROM street_case_stats EXCEPT SELECT '物业'", ["street_case_stats"]),
        ("VALUES (1, 'a'), (2, 'b')", []),
        ("(SELECT 1)", []),
        ("SELECT * FROM range(10) r(i)", []),
        ("SELECT * FROM street_case_stats, unnest([1, 2]) u(x)", ["street_case_stats"]),
        (
            'SELECT * FROM "street_case_stats" a JOIN street_case_stats b USING (cases)',
            ["street_case_stats"],
        ),
        ("SELECT 1; ", []),
        ("-- a note\nSELECT 1 /* ; DROP TABLE t */", []),
    ],
)
def test_read_queries_are_admitted(sql: str, tables: list[str]) -> None:
    checked = check_statement(sql)
    assert isinstance(checked, CheckedStatement)
    assert checked.sql == sql.strip()
    assert checked.tables == tables


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("INSERT INTO street_case_stats VALUES ('a', 'b', 'c', 1)", "change data"),
        ("UPDATE street_case_stats SET cases = 0", "change data"),
        ("DELETE FROM street_case_stats", "change data"),
        ("CREATE TABLE copy AS SELECT * FROM street_case_stats", "schema"),
        ("CREATE TEMP TABLE scratch (a INT)", "schema"),
        ("DROP TABLE street_case_stats", "schema"),
        ("ALTER TABLE street_case_stats ADD COLUMN x INT", "schema"),
        ("ATTACH 'other.duckdb' AS other", "ATTACH"),
        ("DETACH other", "ATTACH"),
        ("COPY street_case_stats TO 'out.csv'", "COPY"),
        ("COPY (SELECT 1) TO 'out.parquet'", "COPY"),
        ("EXPORT DATABASE 'dump'", "EXPORT"),
        ("IMPORT DATABASE 'dump'", "IMPORT"),
        ("SET memory_limit = '8GB'", "SET"),
        ("RESET memory_limit", "RESET"),
        ("PRAGMA version", "PRAGMA"),
        ("INSTALL httpfs", "extensions"),
        ("FORCE INSTALL httpfs", "extensions"),
        ("LOAD httpfs", "extensions"),
        ("UPDATE EXTENSIONS", "extensions"),
        ("CALL pragma_version()", "CALL"),
        ("CHECKPOINT", "CHECKPOINT"),
        ("USE memory", "USE"),
        ("BEGIN TRANSACTION", "Transaction"),
        ("COMMIT", "Transaction"),
        ("ROLLBACK", "Transaction"),
        ("DESCRIBE SELECT 1", "SHOW TABLES"),
        ("DESCRIBE 'outside.csv'", "SHOW TABLES"),
        ('DESCRIBE "../outside.csv"', "SHOW TABLES"),
        ("DESCRIBE other.main.street_case_stats", "SHOW TABLES"),
        ("SHOW ALL TABLES", "SHOW TABLES"),
        ("SHOW DATABASES", "SHOW TABLES"),
        ("SHOW street_case_stats", "SHOW TABLES"),
        ("SUMMARIZE street_case_stats", "read queries"),
        ("EXPLAIN SELECT 1", "read queries"),
        ("SELECT 1; SELECT 2", "one statement"),
        ("SELECT 1; DROP TABLE street_case_stats", "one statement"),
        ("SELECT * INTO copy FROM street_case_stats", "INTO"),
        ("", "empty"),
        (" ; ", "empty"),
        ("SELECT 'unterminated", "could not be read"),
        ("SELEC * FRM street_case_stats", "read queries"),
        ("SELECT * FROM WHERE", "could not be read"),
    ],
)
def test_other_statements_are_refused_with_a_reason(sql: str, reason: str) -> None:
    with pytest.raises(StatementRefused) as refused:
        check_statement(sql)
    message = str(refused.value)
    assert reason in message
    _assert_one_sentence(message)


@pytest.mark.parametrize(
    "call",
    [
        "read_csv('outside.csv')",
        "read_csv_auto('outside.csv')",
        "read_parquet('x.parquet')",
        "read_json('x.json')",
        "read_json_auto('x.json')",
        "read_text('/etc/passwd')",
        "read_blob('/etc/passwd')",
        "glob('*')",
        "parquet_scan('x.parquet')",
        "sqlite_scan('x.db', 't')",
        "postgres_scan('dbname=x', 'public', 't')",
        "mysql_query('m', 'select 1')",
        "ducklake_snapshots('lake')",
        "iceberg_scan('s3://b/t')",
        "delta_scan('s3://b/t')",
        "query('SELECT 1')",
        "query_table('street_case_stats')",
        "duckdb_settings()",
        "duckdb_extensions()",
        "duckdb_databases()",
        "duckdb_secrets()",
        "pragma_version()",
        "pragma_table_info('street_case_stats')",
        "json_execute_serialized_sql('x')",
        "enable_logging()",
    ],
)
def test_table_functions_that_reach_outside_are_refused(call: str) -> None:
    for sql in (
        f"SELECT * FROM {call}",
        f"FROM {call}",
        f"SELECT * FROM street_case_stats, LATERAL {call}",
        f"SELECT * FROM street_case_stats JOIN {call} AS x ON true",
        f"SELECT * FROM street_case_stats WHERE cases IN (SELECT * FROM {call})",
        f"WITH x AS (SELECT * FROM {call}) SELECT * FROM x",
    ):
        with pytest.raises(StatementRefused) as refused:
            check_statement(sql)
        _assert_one_sentence(str(refused.value))


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT getenv('HOME')",
        "SELECT current_setting('memory_limit')",
        "SELECT 'memory_limit'.current_setting()",
        "SELECT getvariable('x')",
        "SELECT count(*) FROM street_case_stats WHERE getenv('USER') IS NOT NULL",
    ],
)
def test_scalar_functions_that_read_the_environment_are_refused(sql: str) -> None:
    with pytest.raises(StatementRefused, match="not allowed"):
        check_statement(sql)


def test_other_table_functions_are_refused_by_default() -> None:
    with pytest.raises(StatementRefused, match="Table functions"):
        check_statement("SELECT * FROM some_new_table_function(1)")
    with pytest.raises(StatementRefused, match="Table functions"):
        check_statement("SELECT * FROM street_case_stats, LATERAL some_new_table_function(1)")


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("SELECT * FROM 'outside.csv'", "quoted string"),
        ("SELECT * FROM 'street_case_stats'", "quoted string"),
        ("SELECT * FROM street_case_stats, 'x.parquet'", "quoted string"),
        ('SELECT * FROM "outside.csv"', "file path"),
        ('SELECT * FROM "/etc/passwd"', "file path"),
        ("SELECT * FROM other_db.main.street_case_stats", "own data room"),
        ("SELECT * FROM lake.street_case_stats", "own data room"),
        ("SELECT * FROM main.main.street_case_stats", "own data room"),
        ("SELECT * FROM information_schema.tables", "own data room"),
        ("SELECT * FROM system.main.duckdb_tables()", "not allowed"),
    ],
)
def test_table_references_outside_the_room_are_refused(sql: str, reason: str) -> None:
    with pytest.raises(StatementRefused, match=reason):
        check_statement(sql)


def test_refusal_never_echoes_the_statement() -> None:
    literal = "110101199003071233"
    for sql in (
        f"INSERT INTO t VALUES ('{literal}')",
        f"SELECT * FROM '{literal}.csv'",
        f"SELECT '{literal}'; SELECT 1",
        f"'{literal}'",
        f"SELECT read_{literal}(1)",
    ):
        with pytest.raises(StatementRefused) as refused:
            check_statement(sql)
        assert literal not in str(refused.value)


def test_fallback_warning_never_logs_the_statement(caplog: pytest.LogCaptureFixture) -> None:
    literal = "13912345678"
    with caplog.at_level(logging.DEBUG, logger="sqlglot"), pytest.raises(StatementRefused):
        check_statement(f"WITH range(3) ( LOAD = '{literal}'")
    assert literal not in caplog.text


def _assert_one_sentence(message: str) -> None:
    assert message.endswith(".")
    assert "\n" not in message
    assert message[0].isupper()


# --- property: nothing but a single read query ever gets through ---------------

_FRAGMENTS = [
    "SELECT",
    "select",
    "FROM",
    "WITH",
    "x AS",
    "(",
    ")",
    ",",
    ";",
    "*",
    "1",
    "'a'",
    "'",
    '"',
    "--",
    "/*",
    "*/",
    "$$",
    "\n",
    "street_case_stats",
    "main.",
    "lake.",
    "UNION",
    "VALUES",
    "INSERT INTO t",
    "DELETE",
    "DROP TABLE t",
    "ATTACH 'x.db'",
    "COPY",
    "TO 'out.csv'",
    "SET",
    "PRAGMA",
    "CALL",
    "LOAD",
    "INSTALL",
    "read_csv('f.csv')",
    "getenv('HOME')",
    "E'\\''",
    "INTO",
    "WHERE",
    "AND",
    "=",
    "x",
    "BEGIN",
    "EXPORT DATABASE",
    "'f.csv'",
    "range(3)",
]

_sql_like = st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=12).map(" ".join)
_select_like = _sql_like.map(lambda tail: "SELECT " + tail)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=80), _sql_like, _select_like))
def test_only_single_read_queries_get_through(text: str) -> None:
    try:
        checked = check_statement(text)
    except StatementRefused:
        return
    trees = [tree for tree in sqlglot.parse(checked.sql, read="duckdb") if tree is not None]
    assert len(trees) == 1
    query = trees[0]
    while isinstance(query, exp.Subquery):
        query = query.this
    assert isinstance(query, exp.Select | exp.SetOperation | exp.Values)
    # DuckDB's own parser, when it accepts the text at all, must see one SELECT too.
    try:
        statements = duckdb.extract_statements(checked.sql)
    except duckdb.Error:
        return
    assert [s.type for s in statements] == [duckdb.StatementType.SELECT]


# --- the room's own catalogue: SHOW TABLES and DESCRIBE <table> (names, never rows) ------


@pytest.mark.parametrize(
    ("sql", "kind", "tables"),
    [
        ("SHOW TABLES", "show_tables", []),
        ("show tables;", "show_tables", []),
        ("DESCRIBE street_case_stats", "describe", ["street_case_stats"]),
        ("describe main.street_case_stats", "describe", ["street_case_stats"]),
        ('DESCRIBE "street_case_stats"', "describe", ["street_case_stats"]),
        ("DESCRIBE Street_Case_Stats", "describe", ["street_case_stats"]),
    ],
)
def test_show_tables_and_describe_of_one_table_are_admitted(
    sql: str, kind: str, tables: list[str]
) -> None:
    checked = check_statement(sql)
    assert (checked.catalogue, checked.tables) == (kind, tables)


def test_a_plain_query_is_no_catalogue_statement() -> None:
    assert check_statement("SELECT * FROM street_case_stats").catalogue is None
