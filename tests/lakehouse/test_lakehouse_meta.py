"""Batch bookkeeping in the lakehouse's meta schema."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from lake_fixtures import OpenLake, temp_lake

from connectors.watermark import Watermark
from encryption.master_key import MASTER_KEY_ENV
from identifiers.in_text import holds_identifier
from lakehouse import meta


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenLake]:
    for var in (MASTER_KEY_ENV, "SHUZHI_LAKE_CATALOG", "SHUZHI_LAKE_DATA_PATH"):
        monkeypatch.delenv(var, raising=False)
    with temp_lake(tmp_path / "home") as opened:
        yield opened


def _batch(lake: OpenLake, batch_id: str, source: str, finished: dt.datetime, **kw: object) -> None:
    meta.ensure_meta(lake.con)
    meta.insert_batch(
        lake.con,
        batch_id=batch_id,
        source=source,
        dataset=kw.get("dataset", "people"),
        mode=kw.get("mode", "incremental"),
        started_at=finished,
        finished_at=finished,
        rows_read=kw.get("rows_read", 0),
        rows_raw=0,
        rows_rejected=0,
        watermark=kw.get("watermark"),
        origins="[]",
        rows_through_watermark=kw.get("through"),
    )


def test_batch_ids_name_the_source_and_never_repeat() -> None:
    ids = {meta.new_batch_id("ps_population") for _ in range(200)}
    assert len(ids) == 200
    for batch_id in ids:
        assert re.fullmatch(r"ps_population-\d{8}T\d{6}Z-[0-9a-f]{6}", batch_id)


@pytest.mark.parametrize("hour", range(24))
def test_batch_ids_never_look_like_a_mobile_number_to_the_audit_guard(hour: int) -> None:
    """Regression: between 13:00 and 19:59 UTC one batch id in ten ("…T171303-00000e")
    held 11 digits starting 1[3-9], and the audit guard refused the whole sync."""
    now = dt.datetime(2026, 12, 6, hour, 13, 3, tzinfo=dt.UTC)
    for _ in range(500):
        assert not holds_identifier(meta.new_batch_id("mr_enterprises", now=now))


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
    _batch(lake, "b1", "ps", t0, watermark="integer:9")
    _batch(lake, "b2", "ps", t0 + dt.timedelta(hours=1), watermark="integer:12")
    _batch(lake, "b3", "ps", t0 + dt.timedelta(hours=2), watermark=None)
    _batch(lake, "b4", "other", t0 + dt.timedelta(hours=3), watermark="integer:99")
    assert meta.last_watermark(lake.con, "ps") == Watermark("integer", 12)


def test_watermarks_are_typed_and_older_untyped_ones_still_read(lake: OpenLake) -> None:
    t0 = dt.datetime(2023, 5, 1)
    _batch(lake, "b1", "ts", t0, watermark="timestamp:2023-05-01 08:30:00")
    assert meta.last_watermark(lake.con, "ts") == Watermark(
        "timestamp", dt.datetime(2023, 5, 1, 8, 30)
    )
    _batch(lake, "b2", "legacy_int", t0, watermark="10")
    _batch(lake, "b3", "legacy_ts", t0, watermark="2023-05-01 08:30:00")
    assert meta.last_watermark(lake.con, "legacy_int") == Watermark("integer", 10)
    assert meta.last_watermark(lake.con, "legacy_ts") == Watermark(
        "timestamp", dt.datetime(2023, 5, 1, 8, 30)
    )
    assert Watermark("integer", 9) < Watermark("integer", 10)  # not text order


def test_last_batch_by_mode_carries_what_the_source_said(lake: OpenLake) -> None:
    t0 = dt.datetime(2023, 5, 1)
    _batch(lake, "b1", "ps", t0, mode="full", rows_read=548, through=548, watermark="integer:5")
    _batch(lake, "b2", "ps", t0 + dt.timedelta(hours=1), rows_read=3)
    full = meta.last_batch(lake.con, "ps", mode="full")
    assert full is not None and (full.batch_id, full.rows_read) == ("b1", 548)
    assert full.rows_through_watermark == 548 and full.watermark == Watermark("integer", 5)
    latest = meta.last_batch(lake.con, "ps")
    assert latest is not None and latest.batch_id == "b2"


def test_an_acceptance_holds_for_one_sync(lake: OpenLake) -> None:
    assert meta.pending_acceptance(lake.con, "mr", "shrink") is None
    meta.record_acceptance(lake.con, "mr", "shrink", "steward_district", "注销")
    assert meta.pending_acceptance(lake.con, "mr", "shrink") == ("steward_district", "注销")
    assert meta.pending_acceptance(lake.con, "mr", "schema") is None
    meta.use_acceptance(lake.con, "mr", "shrink", "b9")
    assert meta.pending_acceptance(lake.con, "mr", "shrink") is None


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
        meta.insert_file(lake.con, source, "f.csv", sha, 1, "b")
    assert meta.processed_files(lake.con, "hl") == {"aa", "bb"}
