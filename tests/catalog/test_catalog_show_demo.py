"""``shuzhi catalog show`` on the demo district: lineage from Dagster's graph and the
product SQL, detected personal data beside the declared, and readers decided by the
policy engine. Uses the session's demo home (the ``demo`` fixture of tests/conftest.py)."""

from __future__ import annotations

import json
from typing import Any


def test_show_product_lists_upstream_datasets_columns_and_readers(demo: Any) -> None:
    done = demo.shuzhi("catalog", "show", "street_case_stats", "--json")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["kind"] == "product" and shown["owner"] == "hotline_12345"
    assert shown["freshness"]["state"] in ("fresh", "stale")
    # table level: Dagster's graph
    assert {"protected_cases", "merged_cases", "protected_population"} <= set(
        shown["lineage"]["upstream"]
    )
    assert shown["lineage"]["downstream"] == ["data_rooms"]
    # column level: the product SQL, traced to the protected-layer columns
    reads = shown["lineage"]["upstream_columns"]
    assert {"cases", "population", "cases_merged"} <= set(reads)
    assert {"category", "closed_at", "satisfaction"} <= set(reads["cases"])
    by_column = {c["column"]: c["reads"] for c in shown["columns"]}
    assert by_column["satisfaction_rate"] == ["cases.satisfaction"]
    assert "population.*" in by_column["cases_per_10k_residents"]
    # readers: the engine's decisions, a pair
    readers = {r["principal"]: r for r in shown["readers"]}
    assert readers["street_donghu"]["allowed"]
    assert readers["street_donghu"]["rows"] == "street 440399001"
    assert not readers["reviewer_security"]["allowed"]
    assert "d-reviewers-see-no-data" in readers["reviewer_security"]["because"]

    table = demo.shuzhi("catalog", "show", "street_case_stats")
    assert table.returncode == 0, table.stderr
    assert "reads cases:" in table.stdout and "Who sees it" in table.stdout


def test_show_dataset_has_detected_pii_quality_and_products(demo: Any) -> None:
    done = demo.shuzhi("catalog", "show", "assistance", "--json")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["glossary"][0]["term"] == "低保"
    assert "最低生活保障" in shown["glossary"][0]["also"]
    columns = {c["column"]: c for c in shown["columns"]}
    assert columns["id_number"]["level"] == "L4" and columns["id_number"]["grade"]
    assert columns["id_number"]["protection"] == "token+seal"
    assert columns["id_number"]["sampled"] is not None  # the census ran on the demo
    assert shown["quality"] is not None
    assert any(r["rule"] == "id_number_checksum" for r in shown["quality"]["rules"])
    assert shown["lineage"]["sources"] == [
        {"source": "ca_assistance", "department": "civil_affairs"}
    ]
    assert {"raw_assistance", "staged_assistance", "protected_assistance"} <= set(
        shown["lineage"]["assets"]
    )
    assert "proactive_disabled_unvisited" in shown["lineage"]["downstream"]
    assert "proactive_disabled_unvisited" in shown["lineage"]["read_by_products"]
    readers = {r["principal"]: r for r in shown["readers"]}
    assert not readers["reviewer_security"]["through_products"]
    assert any(r["through_products"] for r in readers.values())


def test_show_unknown_name_is_an_error(demo: Any) -> None:
    done = demo.shuzhi("catalog", "show", "no_such_thing")
    assert done.returncode != 0
    assert "no dataset or product" in done.stdout + done.stderr


def test_columns_and_show_agree(demo: Any) -> None:
    columns = demo.shuzhi("catalog", "columns", "assistance", "--json")
    assert columns.returncode == 0, columns.stderr
    shown = json.loads(demo.shuzhi("catalog", "show", "assistance", "--json").stdout)
    assert json.loads(columns.stdout)["columns"] == shown["columns"]
