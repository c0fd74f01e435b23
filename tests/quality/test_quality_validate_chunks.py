"""Validating a staged table a chunk at a time gives what one frame of the whole table
gives (counts, verdicts, per-community counts), duplicates far apart included, while no
frame GX sees is larger than a chunk; the copy it reads from is removed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest
from quality_hub import load_population, make_hub, resident

from catalog.contracts import DatasetContract
from catalog.registry import load_catalog
from home.layout import config_dir
from pipelines import steps
from quality import results, staged_chunks
from quality.expectations import chunkable, validate_frame, validate_frames
from quality.rule_suite import SuiteItem, load_frame, suite_items

CATALOG = load_catalog(config_dir())
COMMUNITIES = ["440399001001", "440399001002", "440399002001"]
ROWS = 10_000
CHUNK = 2_048  # the least a DuckDB chunk holds


def _contract(rules: list[dict[str, Any]], expectations: list[dict[str, Any]]) -> DatasetContract:
    data = CATALOG.datasets["enterprises"].model_dump(by_alias=True)
    data["quality"] = {"rules": rules}
    data["expectations"] = expectations
    return DatasetContract.model_validate(data)


def _rules(share: float) -> list[dict[str, Any]]:
    return [
        {"name": "uscc_unique", "check": "unique", "columns": ["uscc"]},
        {"name": "uscc_present", "check": "not_null", "columns": ["uscc"],
         "max_failing_share": share},
        {"name": "status_allowed", "check": "allowed_values", "columns": ["status"],
         "values": ["存续", "在业"], "max_failing_share": share},
        {"name": "community_known", "check": "allowed_values", "columns": ["community_code"],
         "values_from": "communities"},
        {"name": "established_range", "check": "range", "columns": ["established"],
         "min": dt.date(1980, 1, 1)},
    ]  # fmt: skip


EXPECTATIONS = [
    {"expectation": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 10}},
    {"expectation": "expect_compound_columns_to_be_unique",
     "kwargs": {"column_list": ["status", "community_code", "established"]}},
]  # fmt: skip


def _lake() -> duckdb.DuckDBPyConnection:
    """A staged enterprises table: duplicates of one key at rows 3 and 9,990, missing keys,
    bad statuses, an unknown community, dates out of range; one compound key repeated."""
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS lake")
    con.execute("CREATE SCHEMA lake.staged")
    con.execute(
        """CREATE TABLE lake.staged.enterprises AS
           SELECT CASE WHEN i = 9990 THEN 'T3' WHEN i % 97 = 0 THEN NULL ELSE 'T' || i END AS uscc,
                  CASE WHEN i % 13 = 0 THEN '注销' ELSE '存续' END AS status,
                  CASE WHEN i = 500 THEN '440399009009'
                       ELSE ['440399001001', '440399001002', '440399002001'][1 + i % 3] END
                      AS community_code,
                  CASE WHEN i IN (7, 8000) THEN DATE '1970-01-01'
                       ELSE DATE '1990-01-01' + i::INTEGER END AS established
           FROM range(10000) r(i)"""
    )
    return con


def _chunked(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract, items: list[SuiteItem], tmp: Path
) -> Any:
    with staged_chunks.staged_chunks(con, contract, items, tmp, chunk_rows=CHUNK) as chunks:
        frames = staged_chunks.checked_frames(chunks, contract, items, None)
        return validate_frames(contract, chunks.rows, frames, items)


@pytest.mark.parametrize("share", [0.01, 0.2], ids=["strict-fails", "lenient-passes"])
def test_chunks_give_what_one_frame_gives(tmp_path: Path, share: float) -> None:
    contract = _contract(_rules(share), EXPECTATIONS)
    items = suite_items(contract, CATALOG.district)
    con = _lake()
    whole = validate_frame(contract, load_frame(con, contract, items, None), items)
    chunked = _chunked(con, contract, items, tmp_path)
    assert chunked == whole
    found = {o.rule: o for o in chunked.outcomes}
    # The two rows of key T3 are 9,987 rows apart: still found, in their communities.
    assert found["uscc_unique"].failing_rows == 2 and not found["uscc_unique"].success
    assert found["uscc_unique"].by_community == {"440399001001": 2}
    (missing,) = con.execute(
        "SELECT count(*) - count(uscc) FROM lake.staged.enterprises"
    ).fetchall()[0]
    assert found["uscc_present"].failing_rows == missing > 0
    assert found["status_allowed"].success is (share > 0.1)
    assert found["expect_table_row_count_to_be_between"].success
    assert chunked.community_rows["440399009009"] == 1 and sum(chunked.community_rows.values())
    assert list(tmp_path.iterdir()) == []  # the copy is gone


def test_no_frame_is_larger_than_a_chunk_but_the_repeated_keys(tmp_path: Path) -> None:
    contract = _contract(_rules(0.0), [])
    items = suite_items(contract, CATALOG.district)
    with staged_chunks.staged_chunks(
        _lake(), contract, items, tmp_path, chunk_rows=CHUNK
    ) as chunks:
        sizes = [len(frame) for frame in chunks.frames()]
        assert chunks.folder.exists()
    assert sizes[0] == 2  # both rows of the repeated key, together
    assert max(sizes[1:]) <= CHUNK and len(sizes) >= ROWS // CHUNK and sum(sizes) == ROWS
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("pass_rows", [3_000, 7], ids=["three-passes", "thousands-of-passes"])
def test_repeated_keys_found_in_passes_give_what_one_frame_gives(
    tmp_path: Path, pass_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key hashes counted a share at a time (flat memory) find the same repeated keys."""
    monkeypatch.setattr(staged_chunks, "HASH_PASS_ROWS", pass_rows)
    contract = _contract(_rules(0.01), EXPECTATIONS)
    items = suite_items(contract, CATALOG.district)
    con = _lake()
    whole = validate_frame(contract, load_frame(con, contract, items, None), items)
    assert _chunked(con, contract, items, tmp_path) == whole
    with staged_chunks.staged_chunks(con, contract, items, tmp_path, chunk_rows=CHUNK) as chunks:
        assert len(next(iter(chunks.frames()))) == 2  # the repeated key's two rows, together
    temporary = con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()
    assert temporary == (0,)  # the hashes' table is dropped


def test_an_aggregate_expectation_needs_the_whole_table() -> None:
    plain = _contract(_rules(0.0), EXPECTATIONS)
    assert chunkable(suite_items(plain, CATALOG.district))
    mean = {"expectation": "expect_column_values_to_be_between", "kwargs": {"column": "x"}}
    aggregate = {"expectation": "expect_column_mean_to_be_between", "kwargs": {"column": "x"}}
    assert chunkable(suite_items(_contract([], [mean]), CATALOG.district))
    assert not chunkable(suite_items(_contract([], [aggregate]), CATALOG.district))
    for name in CATALOG.datasets:  # every dataset of the demo runs in chunks
        assert chunkable(suite_items(CATALOG.datasets[name], CATALOG.district)), name


def test_validate_staged_in_chunks_equals_the_whole_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Population: sealed IDs opened and checked per chunk, a birth date out of range."""
    hub = make_hub(tmp_path, monkeypatch)
    people = [resident(i, community=COMMUNITIES[i % 3]) for i in range(1, 40)]
    load_population(hub, [*people, resident(60, born=dt.date(1895, 3, 1))])
    contract = hub.catalog.datasets["population"]
    items = suite_items(contract, hub.catalog.district)
    with hub.lake() as con:
        frame = load_frame(con, contract, items, hub.keystore)
        whole = results.add_quarantined(con, contract, validate_frame(contract, frame, items))
    default = steps.validate_staged(hub, "population", keep=False)
    assert default == whole and default.rows == len(frame) > 30
    assert {o.rule: o.failing_rows for o in default.outcomes}["birth_date_range"] == 1
    assert not list(hub.home.state.glob("validate-*"))


def test_microsecond_times_are_compared_as_nanoseconds_with_the_same_verdict() -> None:
    """GX compares only nanosecond times column-wise: the conversion must not change a count;
    a year nanoseconds cannot hold keeps its column as it was."""
    import numpy as np
    import pandas as pd

    from quality.rule_suite import nanosecond_times

    contract = _contract(_rules(0.0)[-1:], [])
    items = suite_items(contract, CATALOG.district)
    days = ["1970-01-01", "1990-05-04", None, "1979-12-31", "2001-01-01"] * 200
    micro = pd.DataFrame({"established": np.array(days, dtype="datetime64[us]")})
    converted = nanosecond_times(micro.copy())
    assert converted["established"].dtype == "<M8[ns]"
    slow, fast = (validate_frame(contract, f, items).outcomes[0] for f in (micro, converted))
    assert fast == slow and fast.failing_rows == 400
    ancient = pd.DataFrame({"established": np.array(["1500-01-01", *days], dtype="datetime64[us]")})
    kept = nanosecond_times(ancient.copy())
    assert kept["established"].dtype == "<M8[us]"
    assert validate_frame(contract, kept, items).outcomes[0].failing_rows == 401
