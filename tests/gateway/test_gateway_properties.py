"""Property: whatever a street office asks the gateway, it sees its own street only.

Rooms are real (gateway_district: real catalogue, grants, engine, key store and
masks). Generated queries — plain selects, WHERE with random predicates naming
any street, GROUP BY, UNION ALL, subqueries, CTEs (also ones shadowing a room
table), ORDER/LIMIT, and attempts on withheld columns, other rooms, the
catalogue and system views — run through QueryGateway.query. An answer may
never hold a value found only in another street's rows, a withheld or clear
L3 value, a withheld column, or another street's code; a refusal must be one
of the gateway's own errors, never a crash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb
import pytest
from gateway_district import IN_FORCE, STREET_OFFICES, STREETS, WITHHELD, District, build_district
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gateway.room_connection import QueryFailed
from gateway.service import AccessRefused, GatewayAnswer, QueryGateway
from gateway.statement import StatementRefused
from policies.rooms import MANIFEST_TABLE

WITHHELD_COLUMNS = {column for columns in WITHHELD.values() for column in columns}


@dataclass
class Setting:
    district: District
    gateway: QueryGateway
    columns: dict[str, dict[str, str]]  # room table → column → DuckDB type


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> Setting:
    folder = tmp_path_factory.mktemp("district")
    district = build_district(folder)
    con = duckdb.connect(str(district.room("street_donghu")), read_only=True)
    try:
        rows = con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
        ).fetchall()
    finally:
        con.close()
    columns: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        columns.setdefault(table, {})[column] = data_type
    assert not WITHHELD_COLUMNS & set(columns["street_enterprise_roster"])
    return Setting(district, district.gateway(folder / "audit.log"), columns)


# --- the query generator -----------------------------------------------------------

_ROOM_TABLES = ("street_case_stats", "street_population_profile", "street_enterprise_roster")
_OUTSIDE_TABLES = (
    MANIFEST_TABLE,
    "street_xiling",
    "street_nanqiao",
    "main.street_case_stats",
    "lake.products.street_case_stats",
    "street_xiling.main.street_case_stats",
    "duckdb_databases",
    "pragma_database_list",
    "sqlite_master",
    "information_schema.tables",
    "staged_population",
)
_STREET_CODES = tuple(STREETS)
_TEXT_LITERALS = (
    *_STREET_CODES,
    *(f"{code}00{k}" for code in _STREET_CODES for k in (1, 2)),
    "噪音扰民",
    "餐饮",
    "2026-05",
    "",
)
_NUMBER_LITERALS = ("0", "10", "11", "21", "1.5", "-1", "9")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class Gen:
    columns: dict[str, dict[str, str]]

    def column_of(self, table: str) -> dict[str, str]:
        return self.columns.get(table.rsplit(".", 1)[-1], {})


@st.composite
def _table(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from(_OUTSIDE_TABLES))
    return draw(st.sampled_from(_ROOM_TABLES))


@st.composite
def _column(draw: st.DrawFn, gen: Gen, table: str) -> str:
    known = sorted(gen.column_of(table))
    # Now and then ask for a withheld column or one of another table.
    if not known or draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(sorted(WITHHELD_COLUMNS | {"grid_code", "uscc"})))
    return draw(st.sampled_from(known))


@st.composite
def _predicate(draw: st.DrawFn, gen: Gen, table: str, depth: int = 0) -> str:
    column = draw(_column(gen, table))
    kind = gen.column_of(table).get(column, "VARCHAR")
    numeric = kind.startswith(("INT", "BIGINT", "DOUBLE", "DECIMAL", "FLOAT"))
    literal = draw(
        st.sampled_from(_NUMBER_LITERALS)
        if numeric
        else st.sampled_from(_TEXT_LITERALS).map(_quote)
    )
    choices = [
        f"{column} = {literal}",
        f"{column} <> {literal}",
        f"{column} IS NOT NULL",
        f"{column} IS NULL",
        "TRUE",
        "street_code IN (" + ", ".join(map(_quote, _STREET_CODES)) + ")",
        f"street_code <> {_quote(draw(st.sampled_from(_STREET_CODES)))}",
    ]
    if not numeric:
        prefix = draw(st.sampled_from(("4403990", "440399002", "街", "%", "9144")))
        choices.append(f"{column} LIKE {_quote(prefix + '%')}")
    if depth < 2:
        left = draw(_predicate(gen, table, depth + 1))
        right = draw(_predicate(gen, table, depth + 1))
        choices += [f"({left} OR {right})", f"({left} AND {right})", f"NOT ({left})"]
    return draw(st.sampled_from(choices))


@st.composite
def _where(draw: st.DrawFn, gen: Gen, table: str) -> str:
    if draw(st.booleans()):
        return ""
    return " WHERE " + draw(_predicate(gen, table))


@st.composite
def _tail(draw: st.DrawFn) -> str:
    tail = draw(st.sampled_from(("", " ORDER BY 1", " ORDER BY 1 DESC")))
    if draw(st.booleans()):
        tail += f" LIMIT {draw(st.integers(0, 50))}"
    return tail


@st.composite
def _plain_select(draw: st.DrawFn, gen: Gen) -> str:
    table = draw(_table())
    if draw(st.booleans()):
        items = "*"
    else:
        names = draw(st.lists(_column(gen, table), min_size=1, max_size=3, unique=True))
        items = ", ".join(
            f"{name} AS c{i}" if draw(st.booleans()) else name for i, name in enumerate(names)
        )
    return f"SELECT {items} FROM {table}{draw(_where(gen, table))}{draw(_tail())}"


@st.composite
def _grouped(draw: st.DrawFn, gen: Gen) -> str:
    table = draw(_table())
    keys = draw(st.lists(_column(gen, table), min_size=1, max_size=2, unique=True))
    measured = draw(_column(gen, table))
    return (
        f"SELECT {', '.join(keys)}, count(*) AS n, min({measured}) AS lo, max({measured}) AS hi "
        f"FROM {table}{draw(_where(gen, table))} GROUP BY ALL{draw(_tail())}"
    )


@st.composite
def _union_all(draw: st.DrawFn, gen: Gen) -> str:
    first, second = draw(_table()), draw(_table())
    columns = draw(st.sampled_from(("street_code, community_code", "*", "street_code")))
    return (
        f"SELECT {columns} FROM {first}{draw(_where(gen, first))} "
        f"UNION ALL SELECT {columns} FROM {second}{draw(_where(gen, second))}"
    )


@st.composite
def _nested(draw: st.DrawFn, gen: Gen) -> str:
    inner = draw(st.one_of(_plain_select(gen), _grouped(gen), _union_all(gen)))
    table = draw(_table())
    shapes = [
        f"SELECT * FROM ({inner}) AS s{draw(_tail())}",
        f"WITH c AS ({inner}) SELECT * FROM c{draw(_tail())}",
        # A CTE named like a room table: DuckDB reads the room's table inside it.
        f"WITH {table} AS (SELECT * FROM {table}{draw(_where(gen, table))}) SELECT * FROM {table}",
        f"SELECT * FROM {table} WHERE street_code IN (SELECT street_code FROM {draw(_table())})",
        f"SELECT (SELECT max(community_code) FROM {draw(_table())}) AS m, * FROM {table}",
    ]
    return draw(st.sampled_from(shapes))


def queries(gen: Gen) -> st.SearchStrategy[str]:
    return st.one_of(_plain_select(gen), _grouped(gen), _union_all(gen), _nested(gen))


# --- checking one answer ------------------------------------------------------------


def _assert_own_street_only(setting: Setting, principal: str, answer: GatewayAnswer) -> None:
    table = answer.result.table
    own = STREET_OFFICES[principal]
    assert not WITHHELD_COLUMNS & set(table.column_names), table.column_names
    if "street_code" in table.column_names:
        assert set(table.column("street_code").to_pylist()) <= {own, None}
    forbidden = setting.district.only_elsewhere(principal) | setting.district.never_shown
    for row in table.to_pylist():
        for name, value in row.items():
            assert not (isinstance(value, str) and value in forbidden), (name, value)


def _last_event(gateway: QueryGateway) -> dict:
    with gateway.audit.path.open("rb") as log:
        log.seek(max(0, gateway.audit.path.stat().st_size - 8192))
        return json.loads(log.read().splitlines()[-1])


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), principal=st.sampled_from(sorted(STREET_OFFICES)))
def test_no_generated_query_shows_another_street_or_a_withheld_value(
    setting: Setting, data: st.DataObject, principal: str
) -> None:
    sql = data.draw(queries(Gen(setting.columns)), label="sql")
    try:
        answer = setting.gateway.query(principal, sql, purpose="street_governance", day=IN_FORCE)
    except (StatementRefused, AccessRefused) as refusal:
        event(f"refused: {type(refusal).__name__}")
        assert _last_event(setting.gateway)["details"]["outcome"] == "refused"
        return
    except QueryFailed:
        event("failed")
        assert _last_event(setting.gateway)["details"]["outcome"] == "failed"
        return
    event("answered" if answer.result.table.num_rows else "answered, no rows")
    _assert_own_street_only(setting, principal, answer)
    details = _last_event(setting.gateway)["details"]
    assert (details["outcome"], details["principal"], details["rows"]) == (
        "answered",
        principal,
        answer.result.table.num_rows,
    )


# --- the property is not vacuous: these shapes are answered, with rows ---------------


@pytest.mark.parametrize("principal", sorted(STREET_OFFICES))
@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM street_enterprise_roster",
        "SELECT * FROM street_case_stats WHERE street_code <> '440399001' OR TRUE",
        "SELECT street_code, count(*) AS n, max(community_name) AS hi "
        "FROM street_population_profile GROUP BY ALL",
        "SELECT street_code, community_code FROM street_case_stats "
        "UNION ALL SELECT street_code, community_code FROM street_enterprise_roster",
        "WITH street_enterprise_roster AS (SELECT * FROM street_enterprise_roster) "
        "SELECT * FROM street_enterprise_roster",
        "SELECT (SELECT max(community_code) FROM street_population_profile) AS m, * "
        "FROM street_case_stats",
    ],
)
def test_representative_queries_are_answered_with_own_rows(
    setting: Setting, principal: str, sql: str
) -> None:
    answer = setting.gateway.query(principal, sql, purpose="street_governance", day=IN_FORCE)
    assert answer.result.table.num_rows > 0
    _assert_own_street_only(setting, principal, answer)
    own_values = {
        value
        for row in answer.result.table.to_pylist()
        for value in row.values()
        if isinstance(value, str)
    }
    assert STREET_OFFICES[principal] in own_values or "m" in answer.result.table.column_names


def test_another_streets_rows_are_absent_even_when_asked_for_by_name(setting: Setting) -> None:
    answer = setting.gateway.query(
        "street_donghu",
        "SELECT * FROM street_enterprise_roster WHERE street_code = '440399002'",
        purpose="street_governance",
        day=IN_FORCE,
    )
    assert answer.result.table.num_rows == 0


def test_masked_columns_hold_masked_values_only(setting: Setting) -> None:
    answer = setting.gateway.query(
        "street_xiling",
        "SELECT legal_rep, legal_rep_phone FROM street_enterprise_roster",
        purpose="street_governance",
        day=IN_FORCE,
    )
    rows = answer.result.table.to_pylist()
    assert rows and all(
        row["legal_rep"].startswith("欧阳") and "*" in row["legal_rep"] for row in rows
    )
    assert all(row["legal_rep_phone"][3:7] == "****" for row in rows)
