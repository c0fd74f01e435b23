"""Escaping the room through the whole gateway path: each attempt refused, clearly, and audited.

test_gateway_statement.py checks the statement check alone and
test_gateway_room_connection.py the locked connection alone; here every
attempt goes through QueryGateway.query on real rooms (gateway_district), so
the refusal, its message and its audit event are checked together, with real
paths: a file beside the rooms, another principal's room, the lakehouse
catalogue. Revocation and expiry are checked on a room that still holds the
product's table.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from gateway_district import IN_FORCE, District, build_district

from gateway.service import AccessRefused, QueryGateway
from gateway.statement import StatementRefused
from policies.models import PolicySet

PRINCIPAL = "street_donghu"
STREET_GRANT = "g-street-returned-products"
EXPIRED = dt.date(2028, 1, 1)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    folder = tmp_path_factory.mktemp("district")
    district = build_district(folder, principals=("street_donghu", "street_xiling"))
    # Files an escaping query would go for, all real.
    (folder / "outside.csv").write_text("secret\n110101199003071233\n", "utf-8")
    (folder / "lakehouse").mkdir()
    sqlite3.connect(folder / "lakehouse" / "catalog.sqlite").close()
    return district


@pytest.fixture
def gateway(district: District, tmp_path: Path) -> QueryGateway:
    return district.gateway(tmp_path / "audit.log")


def _events(gateway: QueryGateway) -> list[dict]:
    return [json.loads(line) for line in gateway.audit.path.read_text("utf-8").splitlines()]


def _assert_one_sentence(message: str) -> None:
    assert message[:1].isupper() and message.endswith(".") and "\n" not in message


# Each escape: a statement built from the real paths, the error, and words of its message.
Escape = tuple[str, Callable[[District], str], type[Exception], str]


def _folder(d: District) -> Path:
    return d.rooms_dir.parent


ESCAPES: list[Escape] = [
    # reading files
    ("read_csv", lambda d: f"SELECT * FROM read_csv('{_folder(d) / 'outside.csv'}')", StatementRefused, "read_csv"),
    ("read_csv_auto", lambda d: f"SELECT * FROM read_csv_auto('{_folder(d) / 'outside.csv'}')", StatementRefused, "read_csv_auto"),
    ("read_parquet", lambda d: f"SELECT * FROM read_parquet('{_folder(d) / 'outside.csv'}')", StatementRefused, "read_parquet"),
    ("read_text", lambda d: f"SELECT content FROM read_text('{_folder(d) / 'outside.csv'}')", StatementRefused, "read_text"),
    ("glob", lambda d: f"SELECT * FROM glob('{_folder(d)}/*')", StatementRefused, "glob"),
    ("read_text in WHERE", lambda d: f"SELECT * FROM street_case_stats WHERE EXISTS (SELECT * FROM read_text('{_folder(d) / 'outside.csv'}'))", StatementRefused, "read_text"),
    ("path in FROM", lambda d: f"SELECT * FROM '{_folder(d) / 'outside.csv'}'", StatementRefused, "quoted string"),
    ("double-quoted path in FROM", lambda d: f'SELECT * FROM "{_folder(d) / "outside.csv"}"', StatementRefused, "file path"),
    ("relative path in FROM", lambda d: "SELECT * FROM 'outside.csv'", StatementRefused, "quoted string"),
    # other rooms and the lakehouse
    ("ATTACH another room", lambda d: f"ATTACH '{d.room('street_xiling')}' AS xiling (READ_ONLY)", StatementRefused, "ATTACH"),
    ("ATTACH the lakehouse catalogue", lambda d: f"ATTACH 'ducklake:sqlite:{_folder(d) / 'lakehouse' / 'catalog.sqlite'}' AS lake", StatementRefused, "ATTACH"),
    ("ATTACH the catalogue as sqlite", lambda d: f"ATTACH '{_folder(d) / 'lakehouse' / 'catalog.sqlite'}' AS cat (TYPE sqlite)", StatementRefused, "ATTACH"),
    ("another room by qualified name", lambda d: "SELECT * FROM street_xiling.main.street_case_stats", StatementRefused, "own data room"),
    ("the lake by qualified name", lambda d: "SELECT * FROM lake.products.street_case_stats", StatementRefused, "own data room"),
    ("another room's file in FROM", lambda d: f"SELECT * FROM '{d.room('street_xiling')}'", StatementRefused, "quoted string"),
    ("another room's file as identifier", lambda d: f'SELECT * FROM "{d.room("street_xiling")}"', StatementRefused, "file path"),
    ("another room by its name", lambda d: "SELECT * FROM street_xiling", AccessRefused, "not a table in street_donghu's data room"),
    ("read_duckdb of another room", lambda d: f"SELECT * FROM read_duckdb('{d.room('street_xiling')}')", StatementRefused, "read_duckdb"),
    ("sqlite_scan of the catalogue", lambda d: f"SELECT * FROM sqlite_scan('{_folder(d) / 'lakehouse' / 'catalog.sqlite'}', 'ducklake_table')", StatementRefused, "sqlite_scan"),
    ("ducklake table function", lambda d: "SELECT * FROM ducklake_snapshots('lake')", StatementRefused, "ducklake_"),
    ("postgres_scan", lambda d: "SELECT * FROM postgres_scan('host=127.0.0.1 dbname=lake', 'public', 't')", StatementRefused, "postgres_scan"),
    # writing files
    ("COPY TO", lambda d: f"COPY street_case_stats TO '{_folder(d) / 'stolen.csv'}'", StatementRefused, "COPY"),
    ("COPY query TO", lambda d: f"COPY (SELECT * FROM street_case_stats) TO '{_folder(d) / 'stolen.parquet'}' (FORMAT parquet)", StatementRefused, "COPY"),
    ("COPY FROM", lambda d: f"COPY street_case_stats FROM '{_folder(d) / 'outside.csv'}'", StatementRefused, "COPY"),
    ("EXPORT DATABASE", lambda d: f"EXPORT DATABASE '{_folder(d) / 'dump'}'", StatementRefused, "EXPORT"),
    # configuration
    ("SET memory_limit", lambda d: "SET memory_limit = '64GB'", StatementRefused, "SET"),
    ("SET enable_external_access", lambda d: "SET enable_external_access = true", StatementRefused, "SET"),
    ("RESET memory_limit", lambda d: "RESET memory_limit", StatementRefused, "RESET"),
    ("SET GLOBAL", lambda d: "SET GLOBAL lock_configuration = false", StatementRefused, "SET"),
    ("PRAGMA", lambda d: "PRAGMA database_list", StatementRefused, "PRAGMA"),
    ("pragma_ table function", lambda d: "SELECT * FROM pragma_database_list()", StatementRefused, "pragma_"),
    ("current_setting", lambda d: "SELECT current_setting('memory_limit') AS m", StatementRefused, "current_setting"),
    ("getenv", lambda d: "SELECT getenv('HOME') AS home", StatementRefused, "getenv"),
    ("duckdb_settings()", lambda d: "SELECT * FROM duckdb_settings()", StatementRefused, "duckdb_settings"),
    ("duckdb_databases()", lambda d: "SELECT path FROM duckdb_databases()", StatementRefused, "duckdb_databases"),
    # System views name the room file's path: not products, so refused.
    ("duckdb_databases view", lambda d: "SELECT * FROM duckdb_databases", StatementRefused, "system views"),
    ("pragma_database_list view", lambda d: "SELECT * FROM pragma_database_list", StatementRefused, "system views"),
    ("pg_settings view", lambda d: "SELECT setting FROM pg_settings WHERE name = 'secret_directory'", StatementRefused, "system views"),
    # A recursive CTE named like a system view reads the view; an unnest alias made
    # DuckDB's name extraction raise, which counted as "no tables" and let it run.
    ("recursive CTE over a system view", lambda d: "WITH RECURSIVE duckdb_databases AS (SELECT * FROM duckdb_databases) SELECT * FROM duckdb_databases, unnest([1]) AS u(x)", StatementRefused, "system views"),
    ("recursive CTE over the settings", lambda d: "WITH RECURSIVE pg_settings AS (SELECT * FROM pg_settings) SELECT name, setting FROM pg_settings, unnest([1]) AS u(x)", StatementRefused, "system views"),
    ("information_schema", lambda d: "SELECT * FROM information_schema.tables", StatementRefused, "own data room"),
    # extensions and procedures
    ("INSTALL", lambda d: "INSTALL httpfs", StatementRefused, "extensions"),
    ("LOAD", lambda d: "LOAD sqlite_scanner", StatementRefused, "extensions"),
    ("LOAD from a path", lambda d: f"LOAD '{_folder(d) / 'evil.duckdb_extension'}'", StatementRefused, "extensions"),
    ("CALL", lambda d: "CALL pragma_database_list()", StatementRefused, "CALL"),
    ("USE another database", lambda d: "USE street_xiling", StatementRefused, "USE"),
    ("DETACH", lambda d: "DETACH street_donghu", StatementRefused, "ATTACH"),
    # a CTE named like a system view, used outside its own scope, still reads the view
    ("CTE shadowing a system view", lambda d: "SELECT * FROM (WITH duckdb_databases AS (SELECT 1 AS a) SELECT * FROM duckdb_databases) AS t, duckdb_databases", StatementRefused, "system views"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("sql_for", "error", "words"), [e[1:] for e in ESCAPES], ids=[e[0] for e in ESCAPES]
)
def test_escape_is_refused_clearly_and_audited(
    district: District,
    gateway: QueryGateway,
    sql_for: Callable[[District], str],
    error: type[Exception],
    words: str,
) -> None:
    sql = sql_for(district)
    with pytest.raises(error) as refused:
        gateway.query(PRINCIPAL, sql, purpose="street_governance", day=IN_FORCE)
    message = str(refused.value)
    assert words in message
    if error is StatementRefused:
        _assert_one_sentence(message)

    (event,) = _events(gateway)
    assert event["kind"] == "query" and event["actor"] == PRINCIPAL
    details = event["details"]
    assert details["outcome"] == "refused"
    assert details["reason"] == message
    assert details["purpose"] == "street_governance"
    # No path, file name or other literal the user typed reaches the log.
    log = gateway.audit.path.read_text("utf-8")
    for secret in (str(_folder(district)), "outside.csv", "catalog.sqlite", "64GB", "HOME"):
        assert secret not in log
    # Nothing was written beside the rooms.
    assert not (_folder(district) / "stolen.csv").exists()
    assert not (_folder(district) / "stolen.parquet").exists()
    assert not (_folder(district) / "dump").exists()


def test_the_room_is_still_queried_normally_after_refusals(gateway: QueryGateway) -> None:
    answer = gateway.query(
        PRINCIPAL,
        "SELECT count(*) AS n FROM street_case_stats",
        purpose="street_governance",
        day=IN_FORCE,
    )
    assert answer.result.table.to_pylist() == [{"n": 8}]
    assert answer.grants == [STREET_GRANT]


# --- revocation and expiry take effect at once, though the room still has the table -----


def _without_grant(policies: PolicySet, grant_id: str) -> PolicySet:
    grants = [g for g in policies.grants if g.id != grant_id]
    assert len(grants) == len(policies.grants) - 1
    return policies.model_copy(update={"grants": grants})


RESTRICTED_QUERIES = [
    "SELECT * FROM street_case_stats",
    "SELECT count(*) FROM main.street_case_stats",
    "SELECT 1 AS one FROM street_enterprise_roster LIMIT 1",
    # A CTE named like the product reads the room's table inside its own definition.
    "WITH street_case_stats AS (SELECT * FROM street_case_stats) SELECT * FROM street_case_stats",
    "WITH x AS (SELECT * FROM street_case_stats), street_case_stats AS (SELECT 1 AS a) "
    "SELECT * FROM x",
    "SELECT * FROM (WITH street_case_stats AS (SELECT 1 AS a) SELECT * FROM street_case_stats) "
    "AS t, street_case_stats",
    "(WITH street_case_stats AS (SELECT 1 AS a) SELECT * FROM street_case_stats) "
    "UNION ALL SELECT count(*) FROM street_case_stats",
    # A recursive CTE named like the product reads the product; the unnest alias made
    # DuckDB's name extraction raise, which counted as "no tables" and let it run.
    "WITH RECURSIVE street_case_stats AS (SELECT * FROM street_case_stats) "
    "SELECT * FROM street_case_stats, unnest([1]) AS u(x)",
    # count(*) is answered from statistics: the executed plan scans nothing.
    "SELECT count(*) AS n FROM street_case_stats",
]


@pytest.mark.parametrize("sql", RESTRICTED_QUERIES)
def test_revoked_grant_is_refused_and_leaves_the_room_at_once(
    district: District, tmp_path: Path, sql: str
) -> None:
    own = district.with_own_rooms(tmp_path)
    gateway = own.gateway(tmp_path / "audit.log")
    assert (
        gateway.query(
            PRINCIPAL, sql, purpose="street_governance", day=IN_FORCE
        ).result.table.num_rows
        > 0
    )

    gateway.policies = _without_grant(district.policies, STREET_GRANT)  # the steward revokes it
    with pytest.raises(AccessRefused, match="deny by default"):
        gateway.query(PRINCIPAL, sql, purpose="street_governance", day=IN_FORCE)
    _assert_taken_out(own, gateway)
    # Asked again, the product is gone from the room and the reason is still the engine's.
    with pytest.raises(AccessRefused, match="deny by default"):
        gateway.query(PRINCIPAL, sql, purpose="street_governance", day=IN_FORCE)
    outcomes = [e["details"]["outcome"] for e in _events(gateway) if e["kind"] == "query"]
    assert outcomes == ["answered", "refused", "refused"]


@pytest.mark.parametrize("sql", RESTRICTED_QUERIES)
def test_expired_grant_is_refused_and_leaves_the_room_at_once(
    district: District, tmp_path: Path, sql: str
) -> None:
    own = district.with_own_rooms(tmp_path)
    gateway = own.gateway(tmp_path / "audit.log")
    with pytest.raises(AccessRefused, match="not valid on 2028-01-01"):
        gateway.query(PRINCIPAL, sql, purpose="street_governance", day=EXPIRED)
    assert [e for e in _events(gateway) if e["kind"] == "query"][-1]["details"][
        "outcome"
    ] == "refused"
    _assert_taken_out(own, gateway)


def _assert_taken_out(district: District, gateway: QueryGateway) -> None:
    """The room file itself no longer holds the street products the grant gave."""
    con = duckdb.connect(str(district.room(PRINCIPAL)), read_only=True)
    try:
        left = {
            name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
    finally:
        con.close()
    assert not left & {"street_case_stats", "street_enterprise_roster"}, left
    (pruned,) = [e for e in _events(gateway) if e["kind"] == "room_prune"]
    assert pruned["details"]["outcome"] == "removed"
    assert "street_case_stats" in pruned["details"]["products"]
