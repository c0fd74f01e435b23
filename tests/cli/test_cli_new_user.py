"""Rough edges a new user met on the demo district: each answer says what exists, and a
name that does not exist is never a quiet success."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from catalog.registry import load_catalog
from home.layout import DEFAULT_CONFIG_DIR

pytestmark = pytest.mark.slow

PRINCIPALS = ("street_donghu", "steward_district", "dept_civil_affairs")


def _json(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _one_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, (done.stdout, done.stderr)
    assert len(done.stderr.strip().splitlines()) == 1 and "unexpected" not in done.stderr
    return done.stderr


# --- catalog columns takes a product as well as a dataset ---------------------------------


def test_catalog_columns_of_a_product_gives_level_sharing_and_protection(demo: Any) -> None:
    found = _json(demo.shuzhi("catalog", "columns", "street_enterprise_roster", "--json"))
    assert found["product"] == "street_enterprise_roster"
    columns = {c["column"]: c for c in found["columns"]}
    contract = load_catalog(DEFAULT_CONFIG_DIR).products["street_enterprise_roster"]
    assert list(columns) == [c.name for c in contract.columns]
    assert all(columns[c.name]["level"] == c.level for c in contract.columns)
    assert columns["legal_rep_phone"]["protection"].startswith("sealed from ")
    table = demo.shuzhi("catalog", "columns", "street_enterprise_roster")
    assert table.returncode == 0 and "legal_rep_phone" in table.stdout


def test_catalog_columns_of_a_dataset_still_shows_what_was_detected(demo: Any) -> None:
    found = _json(demo.shuzhi("catalog", "columns", "population", "--json"))
    assert found["dataset"] == "population" and "detected" in found["columns"][0]


def test_catalog_columns_of_an_unknown_name_lists_datasets_and_products(demo: Any) -> None:
    line = _one_line(demo.shuzhi("catalog", "columns", "nosuch"), 1)
    assert "'nosuch'" in line and "population" in line and "street_case_stats" in line


# --- an unknown principal is told which principals exist ----------------------------------


def test_a_query_as_an_unknown_principal_lists_the_known_ones(demo: Any) -> None:
    line = _one_line(demo.shuzhi("query", "--as", "nosuch", "select 1"), 2)
    assert line.startswith("refused: unknown principal")
    assert "known principals (10): " in line and all(p in line for p in PRINCIPALS)


def test_a_known_principal_is_refused_without_the_list(demo: Any) -> None:
    line = _one_line(demo.shuzhi("query", "--as", "street_donghu", "select * from nosuch"), 2)
    assert "known principals" not in line


def test_access_list_as_an_unknown_principal_lists_the_known_ones(demo: Any) -> None:
    line = _one_line(demo.shuzhi("access", "list", "--as", "nosuch"), 2)
    assert "'nosuch'" in line and all(p in line for p in PRINCIPALS)


# --- access explain of a name that does not exist fails ------------------------------------


def test_explain_of_an_unknown_product_exits_1_naming_it_and_the_products(demo: Any) -> None:
    line = _one_line(demo.shuzhi("access", "explain", "nosuch", "--as", "street_donghu"), 1)
    assert "'nosuch'" in line and "street_case_stats" in line and "street_enterprise_roster" in line
    as_json = demo.shuzhi("access", "explain", "nosuch", "--as", "street_donghu", "--json")
    assert as_json.returncode == 1 and as_json.stdout == ""


def test_explain_for_an_unknown_principal_is_refused_listing_the_known_ones(demo: Any) -> None:
    line = _one_line(demo.shuzhi("access", "explain", "street_case_stats", "--as", "nosuch"), 2)
    assert "'nosuch'" in line and all(p in line for p in PRINCIPALS)


def test_explain_of_a_known_product_for_a_known_principal_still_exits_0(demo: Any) -> None:
    found = _json(
        demo.shuzhi("access", "explain", "street_case_stats", "--as", "street_donghu", "--json")
    )
    assert found["allowed"] is True


# --- timestamps carry their zone --------------------------------------------------------

ZONED = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00$"


def test_sync_and_check_times_are_printed_with_their_zone(demo: Any) -> None:
    import re

    statuses = _json(demo.shuzhi("sources", "list", "--json"))
    assert all(re.match(ZONED, s["last_sync"]) for s in statuses)
    batches = _json(demo.shuzhi("sources", "batches", "ps_population", "--json"))
    assert batches and all(re.match(ZONED, b["finished_at"]) for b in batches)
    shown = _json(demo.shuzhi("catalog", "show", "population", "--json"))
    assert re.match(ZONED, shown["quality"]["checked_at"])
    assert re.match(ZONED, shown["freshness"]["last_update"])
    entries = _json(demo.shuzhi("catalog", "list", "--json"))
    assert all(re.match(ZONED, e["last_sync"]) for e in entries if e["last_sync"])
    trend = _json(demo.shuzhi("quality", "report", "population", "--json"))
    assert trend and all(re.match(ZONED, p["at"]) for p in trend)


# --- SHOW TABLES and DESCRIBE in a room (the engine decides each table) -------------------


def test_show_tables_in_a_room_lists_its_products(demo: Any) -> None:
    shown = _json(demo.shuzhi("query", "--as", "street_donghu", "--json", "show tables"))
    names = [row["name"] for row in shown["rows"]]
    assert "street_case_stats" in names and "street_enterprise_roster" in names


def test_show_tables_of_an_office_without_the_roster_leaves_it_out(demo: Any) -> None:
    shown = _json(demo.shuzhi("query", "--as", "dept_civil_affairs", "--json", "show tables"))
    assert "street_enterprise_roster" not in [row["name"] for row in shown["rows"]]


def test_describe_of_a_granted_product_gives_its_columns(demo: Any) -> None:
    described = _json(
        demo.shuzhi("query", "--as", "street_donghu", "--json", "describe street_case_stats")
    )
    assert "category" in [row["column_name"] for row in described["rows"]]
    assert described["products"] == ["street_case_stats"]


def test_describe_of_a_product_not_granted_is_refused(demo: Any) -> None:
    line = _one_line(
        demo.shuzhi("query", "--as", "dept_civil_affairs", "describe street_enterprise_roster"), 2
    )
    assert line.startswith("refused: street_enterprise_roster: ")
