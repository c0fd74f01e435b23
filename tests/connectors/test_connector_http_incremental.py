"""Incremental HTTP sources: the last watermark goes to the API as a query parameter.

A real API on loopback (``fake_department_api``) filters by the parameter the source's
``incremental: {param, field}`` names. The first sync reads in full; the next one sends
the watermark and lands only the newer records; ``full=True`` (``--full``) reads
everything again; a watermark field the records lack stops the read naming it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fake_department_api import FakeApi, serve

from catalog.registry import load_catalog
from catalog.source_mapping import channel_fields
from connectors.config import HttpJsonSource, SourceConfigError
from connectors.http_json import HttpJsonConnector
from connectors.watermark import Watermark, WatermarkError
from encryption.keystore import KeyStore, open_keystore
from encryption.master_key import MASTER_KEY_ENV, create_key_file
from home.layout import Home, config_dir
from lakehouse import meta
from lakehouse.connection import open_lake
from lakehouse.raw_landing import SyncResult, land

ENTERPRISES = load_catalog(config_dir()).datasets["enterprises"]
PARAM, FIELD = "updated_after", "updated_at"


def record(n: int, updated_at: str | None) -> dict[str, Any]:
    fields = channel_fields(ENTERPRISES, None)
    row: dict[str, Any] = {name: f"{name}-{n}" for name in fields}
    row["uscc"] = f"U{n:04d}"
    row[FIELD] = updated_at
    return row


def register(days: range) -> list[dict[str, Any]]:
    """One record per day of November 2026, changed at 08:00 that day."""
    return [record(day, f"2026-11-{day:02d} 08:00:00") for day in days]


def source(api: FakeApi, **incremental: Any) -> HttpJsonSource:
    return HttpJsonSource.model_validate(
        {
            "kind": "http_json",
            "name": "mr_changes",
            "dataset": "enterprises",
            "base_url": api.base_url,
            "endpoint": "/api/v1/enterprises",
            "pagination": {"style": "page", "size": 4},
            "primary_key": ["uscc"],
            "max_retries": 0,
            "incremental": {"param": PARAM, "field": FIELD, **incremental},
        }
    )


@dataclass
class Lake:
    con: duckdb.DuckDBPyConnection
    keystore: KeyStore

    def sync(self, api: FakeApi, **kw: Any) -> SyncResult:
        return land(self.con, source(api), ENTERPRISES, self.keystore, **kw)

    def raw_usccs(self, batch_id: str) -> list[str]:
        rows = self.con.execute(
            "SELECT uscc FROM lake.raw.enterprises WHERE _batch_id = ? ORDER BY uscc", [batch_id]
        ).fetchall()
        return [r[0] for r in rows]


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lake]:
    for var in (MASTER_KEY_ENV, "SHUZHI_LAKE_CATALOG", "SHUZHI_LAKE_DATA_PATH"):
        monkeypatch.delenv(var, raising=False)
    home = Home(tmp_path / "home").ensure()
    create_key_file(home.keys / "master.key")
    with open_lake(home, threads=1) as con:
        yield Lake(con, open_keystore(home.keys))


def asked(api: FakeApi) -> list[str | None]:
    return [seen.params.get(PARAM) for seen in api.seen]


def test_first_sync_is_full_and_sends_no_watermark(lake: Lake) -> None:
    with serve(FakeApi(register(range(1, 11)), changed_after=(PARAM, FIELD))) as api:
        first = lake.sync(api)
    assert (first.mode, first.rows_raw, first.declared_rows) == ("full", 10, 10)
    assert first.watermark == Watermark("timestamp", dt.datetime(2026, 11, 10, 8))
    assert set(asked(api)) == {None}


def test_next_sync_sends_the_watermark_and_lands_only_newer_records(lake: Lake) -> None:
    with serve(FakeApi(register(range(1, 11)), changed_after=(PARAM, FIELD))) as api:
        lake.sync(api)
        api.records = register(range(1, 14))  # three records changed since
        api.seen.clear()
        second = lake.sync(api)
    assert (second.mode, second.rows_raw) == ("incremental", 3)
    assert lake.raw_usccs(second.batch_id) == ["U0011", "U0012", "U0013"]
    assert set(asked(api)) == {"2026-11-10T08:00:00"}
    assert second.watermark == Watermark("timestamp", dt.datetime(2026, 11, 13, 8))
    last = meta.last_batch(lake.con, "mr_changes", with_watermark=True)
    assert last is not None and last.watermark == second.watermark


def test_nothing_new_keeps_the_watermark(lake: Lake) -> None:
    with serve(FakeApi(register(range(1, 6)), changed_after=(PARAM, FIELD))) as api:
        first = lake.sync(api)
        again = lake.sync(api)
    assert (again.mode, again.rows_raw, again.watermark) == ("incremental", 0, first.watermark)


def test_full_reads_everything_and_sends_no_watermark(lake: Lake) -> None:
    with serve(FakeApi(register(range(1, 11)), changed_after=(PARAM, FIELD))) as api:
        lake.sync(api)
        api.seen.clear()
        again = lake.sync(api, full=True)
    assert (again.mode, again.rows_raw) == ("full", 10)
    assert set(asked(api)) == {None}
    assert again.watermark == Watermark("timestamp", dt.datetime(2026, 11, 10, 8))


def test_a_watermark_field_the_records_lack_names_source_and_field(lake: Lake) -> None:
    with serve(FakeApi(register(range(1, 4)))) as api:
        connector = HttpJsonConnector(source(api, field="modified"))
        with pytest.raises(SourceConfigError, match=r"mr_changes.*'modified'.*updated_at"):
            list(connector.read())


def test_a_record_without_a_usable_change_value_is_rejected_never_the_watermark(
    lake: Lake,
) -> None:
    records = [*register(range(1, 4)), record(4, None), record(5, "not a time")]
    with serve(FakeApi(records)) as api:
        batches = list(HttpJsonConnector(source(api)).read())
    rejected = [r for b in batches for r in b.rejected]
    assert [r.position for r in rejected] == ["page 1 item 4", "page 2 item 1"]
    assert "updated_at is empty" in rejected[0].reason
    assert "'not a time' is not a timestamp" in rejected[1].reason
    assert sum(b.records.num_rows for b in batches) == 3
    top = max(b.watermark for b in batches if b.watermark is not None)
    assert top == Watermark("timestamp", dt.datetime(2026, 11, 3, 8))


def test_integer_change_values_send_an_integer(lake: Lake) -> None:
    records = [record(n, str(n * 10)) for n in range(1, 4)]
    with serve(FakeApi(records)) as api:
        connector = HttpJsonConnector(source(api, kind="integer"))
        batches = list(connector.read(since=Watermark("integer", 5)))
    assert {seen.params[PARAM] for seen in api.seen} == {"5"}
    assert max(b.watermark for b in batches if b.watermark) == Watermark("integer", 30)


def test_a_watermark_of_the_other_kind_is_refused_with_the_fix(lake: Lake) -> None:
    with serve(FakeApi(register(range(1, 3)))) as api:
        connector = HttpJsonConnector(source(api))
        with pytest.raises(WatermarkError, match=r"mr_changes.*sync in full"):
            list(connector.read(since=Watermark("integer", 5)))
    assert api.seen == []


def test_incremental_names_a_param_and_a_field() -> None:
    with pytest.raises(ValueError, match="param"):
        HttpJsonSource.model_validate(
            {
                "kind": "http_json",
                "name": "mr_changes",
                "dataset": "enterprises",
                "base_url": "http://127.0.0.1:1",
                "endpoint": "/x",
                "primary_key": ["uscc"],
                "incremental": {"field": FIELD},
            }
        )
