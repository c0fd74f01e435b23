"""Batch bookkeeping in the lakehouse's meta schema."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from lake_fixtures import OpenLake, temp_lake

from encryption.master_key import MASTER_KEY_ENV
from lakehouse import meta


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenLake]:
    for var in (MASTER_KEY_ENV, "SHUZHI_LAKE_CATALOG", "SHUZHI_LAKE_DATA_PATH"):
        monkeypatch.delenv(var, raising=False)
    with temp_lake(tmp_path / "home") as opened:
        yield opened


def _batch(lake: OpenLake, batch_id: str, source: str, finished: dt.datetime, **kw: object) -> None:
    meta.ensure_meta(lake.con)
    lake.con.execute(
        "INSERT INTO lake.meta.batches VALUES (?, ?, ?, ?, ?, ?, 0, 0, 0, ?, '[]')",
        [
            batch_id,
            source,
            kw.get("dataset", "people"),
            kw.get("mode", "incremental"),
            finished,
            finished,
            kw.get("watermark"),
        ],
    )


def test_batch_ids_name_the_source_and_never_repeat() -> None:
    ids = {meta.new_batch_id("ps_population") for _ in range(200)}
    assert len(ids) == 200
    for batch_id in ids:
        assert re.fullmatch(r"ps_population-\d{8}T\d{6}-[0-9a-f]{6}", batch_id)


def test_utcnow_is_naive_utc() -> None:
    now = meta.utcnow()
    assert now.tzinfo is None
    aware = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert abs((aware - now).total_seconds()) < 5


def test_ensure_meta_is_idempotent(lake: OpenLake) -> None:
    meta.ensure_meta(lake.con)
    meta.ensure_meta(lake.con)
    assert lake.count("meta.batches") == 0
    assert lake.count("meta.files") == 0
    assert lake.count("meta.reconciliation") == 0


def test_last_watermark_is_the_latest_non_empty_one_of_that_source(lake: OpenLake) -> None:
    assert meta.last_watermark(lake.con, "ps") is None
    t0 = dt.datetime(2023, 5, 1)
    _batch(lake, "b1", "ps", t0, watermark="9")
    _batch(lake, "b2", "ps", t0 + dt.timedelta(hours=1), watermark="12")
    _batch(lake, "b3", "ps", t0 + dt.timedelta(hours=2), watermark=None)
    _batch(lake, "b4", "other", t0 + dt.timedelta(hours=3), watermark="99")
    assert meta.last_watermark(lake.con, "ps") == "12"


def test_latest_batch_of_a_dataset(lake: OpenLake) -> None:
    assert meta.latest_batch(lake.con, "people") is None
    t0 = dt.datetime(2023, 5, 1)
    _batch(lake, "b1", "ps", t0, mode="full")
    _batch(lake, "b2", "ps", t0 + dt.timedelta(minutes=5), mode="incremental")
    _batch(lake, "b3", "x", t0 + dt.timedelta(hours=1), dataset="cases")
    assert meta.latest_batch(lake.con, "people") == ("b2", "incremental")


def test_processed_files_are_the_hashes_of_that_source(lake: OpenLake) -> None:
    assert meta.processed_files(lake.con, "hl") == set()
    for source, sha in [("hl", "aa"), ("hl", "bb"), ("other", "cc")]:
        lake.con.execute(
            "INSERT INTO lake.meta.files VALUES (?, 'f.csv', ?, 1, 'b', ?)",
            [source, sha, meta.utcnow()],
        )
    assert meta.processed_files(lake.con, "hl") == {"aa", "bb"}
