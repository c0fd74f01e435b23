"""Property: the products DuckDB reads are exactly the products decided and audited.

Generated statements mix CTEs (recursive ones, and ones named like a product
or a system view), aliases (also named like another product), unnest, lateral
joins, nested and scalar subqueries, and system view names. The oracle is
DuckDB itself, asked independently of the gateway: a statement reads product P
exactly when it no longer binds in a copy of the room without P. Every answered
statement's audit event must list exactly those products; no answer may show
the room's path or a setting; every attempt leaves one event.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from gateway_district import IN_FORCE, District, build_district
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gateway.room_connection import QueryFailed
from gateway.service import AccessRefused, QueryGateway
from gateway.statement import StatementRefused
from policies.room_prune import prune_room

PRINCIPAL = "street_donghu"
PRODUCTS = ("street_case_stats", "street_population_profile", "street_enterprise_roster")
SYSTEM_VIEWS = ("duckdb_databases", "pg_settings", "duckdb_tables", "sqlite_master", "pg_class")


@dataclass
class Setting:
    gateway: QueryGateway
    room: Path
    without: dict[str, duckdb.DuckDBPyConnection]  # product → a room copy lacking it


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setting]:
    folder = tmp_path_factory.mktemp("plan-district")
    district: District = build_district(folder, principals=(PRINCIPAL,))
    without: dict[str, duckdb.DuckDBPyConnection] = {}
    for product in PRODUCTS:
        rooms = folder / f"without-{product}"
        shutil.copytree(district.rooms_dir, rooms)
        assert prune_room(rooms, PRINCIPAL, {product: "oracle"}) == [product]
        without[product] = duckdb.connect(str(rooms / f"{PRINCIPAL}.duckdb"), read_only=True)
    yield Setting(district.gateway(folder / "audit.log"), district.room(PRINCIPAL), without)
    for con in without.values():
        con.close()


def _oracle(setting: Setting, sql: str) -> set[str]:
    """The products whose absence makes the statement stop binding: the ones it reads."""
    read = set()
    for product, con in setting.without.items():
        try:
            con.execute(f"EXPLAIN {sql}")
        except duckdb.Error as error:
            if product in str(error):
                read.add(product)
    return read


# --- the statement generator --------------------------------------------------------


_NAMES = (*PRODUCTS, *SYSTEM_VIEWS, "c1", "r")


@st.composite
def _source(draw: st.DrawFn, depth: int = 0) -> str:
    """Something a FROM can name: a table or view, maybe aliased, or a subquery."""
    kinds = ["table", "table", "view"] + (["subquery", "lateral"] if depth < 2 else [])
    kind = draw(st.sampled_from(kinds))
    alias = draw(st.sampled_from(("", " AS t", " AS s", *(f" AS {p}" for p in PRODUCTS))))
    if kind == "table":
        return draw(st.sampled_from(PRODUCTS)) + alias
    if kind == "view":
        return draw(st.sampled_from(SYSTEM_VIEWS)) + alias
    inner = draw(_select(depth + 1))
    if kind == "lateral":
        return f"{draw(st.sampled_from(PRODUCTS))} AS a, LATERAL ({inner}) AS l"
    return f"({inner}) AS q{depth}"


@st.composite
def _select(draw: st.DrawFn, depth: int = 0) -> str:
    source = draw(_source(depth))
    shape = draw(st.integers(0, 5))
    if shape == 0:
        return f"SELECT * FROM {source}"
    if shape == 1:
        return f"SELECT 1 AS one FROM {source}, unnest([1, 2]) AS u(x)"
    if shape == 2:
        return f"SELECT unnest([1, 2]) AS x FROM {source}"
    if shape == 3 and depth < 2:
        table = draw(st.sampled_from(PRODUCTS))
        return f"SELECT (SELECT count(*) FROM {table}) AS n FROM {source}"
    if shape == 4 and depth < 2:
        table = draw(st.sampled_from(PRODUCTS))
        return f"SELECT * FROM {source} WHERE EXISTS (SELECT 1 FROM {table})"
    return f"SELECT count(*) AS n FROM {source}"


@st.composite
def statements(draw: st.DrawFn) -> str:
    body = draw(_select())
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return body
    name = draw(st.sampled_from(_NAMES))
    recursive = draw(st.sampled_from(("", "RECURSIVE ")))
    if kind == 1:
        # A CTE, maybe named like a product or view, maybe reading that same name.
        inner = draw(st.one_of(_select(1), st.just(f"SELECT * FROM {name}")))
        tail = draw(st.sampled_from((f"SELECT * FROM {name}", body, f"{body} UNION ALL {body}")))
        return f"WITH {recursive}{name} AS ({inner}) {tail}"
    if kind == 2:
        # A real recursive CTE beside a source.
        return (
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) "
            f"SELECT * FROM r, ({body}) AS b"
        )
    return f"SELECT * FROM ({body}) AS outer_q UNION ALL SELECT * FROM ({body}) AS again"


# --- the property ---------------------------------------------------------------------


def _events(gateway: QueryGateway) -> int:
    return len(gateway.audit.path.read_text("utf-8").splitlines())


def _last(gateway: QueryGateway) -> dict:
    return json.loads(gateway.audit.path.read_text("utf-8").splitlines()[-1])["details"]


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sql=statements())
def test_products_read_are_exactly_the_products_decided_and_audited(
    setting: Setting, sql: str
) -> None:
    gateway = setting.gateway
    before = _events(gateway) if gateway.audit.path.exists() else 0
    try:
        answer = gateway.query(PRINCIPAL, sql, purpose="street_governance", day=IN_FORCE)
    except (StatementRefused, AccessRefused):
        event("refused")
        assert _last(gateway)["outcome"] == "refused"
        assert _events(gateway) == before + 1
        return
    except QueryFailed:
        event("failed")
        assert _last(gateway)["outcome"] == "failed"
        assert _events(gateway) == before + 1
        return
    event("answered")
    assert _events(gateway) == before + 1
    details = _last(gateway)
    assert details["outcome"] == "answered"
    assert set(details["products"]) == _oracle(setting, sql)
    assert set(answer.products) == set(details["products"])
    shown = json.dumps(answer.result.table.to_pylist(), default=str, ensure_ascii=False)
    assert str(setting.room.parent) not in shown and "secret" not in shown.lower()


@pytest.mark.parametrize(
    ("sql", "products"),
    [
        ("WITH RECURSIVE street_case_stats AS (SELECT * FROM street_case_stats) "
         "SELECT * FROM street_case_stats, unnest([1]) AS u(x)", {"street_case_stats"}),
        ("SELECT count(*) AS n FROM street_enterprise_roster AS street_case_stats",
         {"street_enterprise_roster"}),
        ("SELECT * FROM street_case_stats AS a, LATERAL (SELECT count(*) AS n FROM "
         "street_population_profile AS b WHERE b.street_code = a.street_code) AS l",
         {"street_case_stats", "street_population_profile"}),
        ("SELECT 1 AS one WHERE EXISTS (SELECT 1 FROM street_enterprise_roster)",
         {"street_enterprise_roster"}),
    ],
)  # fmt: skip
def test_the_property_is_not_vacuous(setting: Setting, sql: str, products: set[str]) -> None:
    answer = setting.gateway.query(PRINCIPAL, sql, purpose="street_governance", day=IN_FORCE)
    assert set(answer.products) == products == _oracle(setting, sql)
