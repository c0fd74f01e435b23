"""raw → staged: every row loaded or quarantined with a reason, duplicates and upserts."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from staging_fixtures import CASE, StagingHub, case, staging_hub

from encryption.tokens import tokenise_value
from quality.staging import ReconciliationError, key_columns, staged_columns


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StagingHub]:
    with staging_hub(tmp_path / "home", monkeypatch) as opened:
        yield opened


def test_clean_rows_are_typed_tokenised_and_sealed(hub: StagingHub) -> None:
    hub.drop_file("a.csv", [case(1), case(2, 所属社区="桃源村", 转派次数="2")])
    batch = hub.land()
    result = hub.stage(batch)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 2, 0)
    rows = hub.rows(
        "SELECT case_no, received_at, community_code, street_code, transfers, deadline, "
        "reporter_phone_token, _source_pos FROM lake.staged.cases ORDER BY case_no"
    )
    token = tokenise_value("13912345678", domain="phone", keystore=hub.keystore)
    assert rows == [
        (
            "C0001",
            dt.datetime(2023, 5, 1, 8, 30),
            "440399001001",
            "440399001",
            0,
            dt.date(2023, 5, 8),
            token,
            "a.csv:row 2",
        ),
        (
            "C0002",
            dt.datetime(2023, 5, 1, 8, 30),
            "440399002003",
            "440399002",
            2,
            dt.date(2023, 5, 8),
            token,
            "a.csv:row 3",
        ),
    ]
    names = [n for n, _ in staged_columns(hub.catalog.datasets["cases"])]
    assert "reporter_phone" not in names and "reporter_phone_sealed" in names
    sealed = hub.rows("SELECT reporter_phone_sealed, reporter_name_sealed FROM lake.staged.cases")
    for phone, name in sealed:
        assert b"13912345678" not in phone and CASE["反映人"].encode() not in name


def test_read_always_equals_loaded_plus_quarantined(hub: StagingHub) -> None:
    hub.drop_file(
        "mixed.csv",
        [case(1), case(2, 受理时间="未知"), case(1), case(3, 联系电话="12345")],
        tail="C0009,网格巡查",
    )
    batch = hub.land()
    result = hub.stage(batch)
    assert result.rows_read == 5
    assert result.rows_loaded + result.rows_quarantined == result.rows_read
    assert (result.rows_loaded, result.rows_quarantined) == (1, 4)
    recon = hub.rows(
        "SELECT rows_read, rows_loaded, rows_quarantined, reasons FROM lake.meta.reconciliation "
        "WHERE batch_id = ?",
        [batch],
    )
    assert recon[0][:3] == (5, 1, 4)
    assert json.loads(recon[0][3]) == {
        "not a date-time": 1,
        "duplicate": 1,
        "invalid phone": 1,
        "unreadable row": 1,
    }


def test_duplicate_key_in_one_batch_is_quarantined_naming_the_first(hub: StagingHub) -> None:
    hub.drop_file("dup.csv", [case(1), case(1, 诉求类别="道路破损")])
    batch = hub.land()
    hub.stage(batch)
    [(position, field, reason)] = hub.quarantined(batch)
    assert (position, field) == ("dup.csv:row 3", "case_no")
    assert reason.startswith("duplicate")
    assert reason == "duplicate: same case_no as dup.csv:row 2"
    assert hub.rows("SELECT category FROM lake.staged.cases") == [("噪音扰民",)]


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"受理时间": "2023-13-45"}, "received_at", "not a date-time"),
        ({"受理时间": ""}, "received_at", "required value is missing"),
        ({"诉求类别": "  "}, "category", "required value is missing"),
        ({"联系电话": "1391234"}, "reporter_phone", "invalid phone"),
        ({"所属社区": "不存在社区"}, "community_code", "unknown community name"),
        ({"紧急程度": "很急"}, "urgency", "not one of"),
        ({"满意度": "还行"}, "satisfaction", "not one of"),
        ({"转派次数": "两次"}, "transfers", "not a whole number"),
        ({"办结时限": "下周"}, "deadline", "not a date"),
        ({"办结时间": "2023-05-01 25:00"}, "closed_at", "not a date-time"),
    ],
)
def test_each_unfixable_value_is_quarantined_with_its_field(
    hub: StagingHub, changes: dict[str, str], field: str, reason: str
) -> None:
    hub.drop_file("bad.csv", [case(1), case(2, **changes)])
    batch = hub.land()
    result = hub.stage(batch)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    [(position, got_field, got_reason)] = hub.quarantined(batch)
    assert (position, got_field) == ("bad.csv:row 3", field)
    assert got_reason.startswith(reason)
    for value in changes.values():
        if value.strip():
            assert value not in got_reason  # reasons never repeat the value


def test_optional_empty_values_load_as_null(hub: StagingHub) -> None:
    hub.drop_file("a.csv", [case(1, 联系电话="", 办结时间="", 满意度="")])
    hub.stage(hub.land())
    rows = hub.rows("SELECT reporter_phone_token, closed_at, satisfaction FROM lake.staged.cases")
    assert rows == [(None, None, None)]


def test_unreadable_rows_from_landing_are_counted(hub: StagingHub) -> None:
    hub.drop_file("cut.csv", [case(1)], tail="C0002,x,y")
    batch = hub.land()
    result = hub.stage(batch)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    assert result.reasons["unreadable row"] == 1
    assert hub.quarantined(batch) == [("cut.csv:row 3", None, "row has 3 fields, expected 15")]


def test_identical_row_in_a_later_drop_is_a_repeat_export(hub: StagingHub) -> None:
    hub.drop_file("monday.csv", [case(1), case(2)])
    first = hub.land()
    hub.stage(first)
    hub.drop_file("tuesday.csv", [case(2), case(3)])  # case 2 exported again, unchanged
    second = hub.land()
    result = hub.stage(second)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    [(position, field, reason)] = hub.quarantined(second)
    assert (position, field) == ("tuesday.csv:row 2", "case_no")
    assert reason == f"duplicate: identical row already loaded in batch {first}"
    staged = hub.rows("SELECT case_no, _batch_id FROM lake.staged.cases ORDER BY case_no")
    assert staged == [("C0001", first), ("C0002", first), ("C0003", second)]


def test_changed_row_with_the_same_key_replaces_the_old_one(hub: StagingHub) -> None:
    hub.drop_file("monday.csv", [case(1), case(2)])
    first = hub.land()
    hub.stage(first)
    hub.drop_file("tuesday.csv", [case(2, 满意度="不满意", 转派次数="3")])
    second = hub.land()
    result = hub.stage(second)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 0)
    staged = hub.rows(
        "SELECT case_no, satisfaction, transfers, _batch_id FROM lake.staged.cases ORDER BY case_no"
    )
    assert staged == [("C0001", "满意", 0, first), ("C0002", "不满意", 3, second)]


def test_replace_rebuilds_staged_from_the_batch(hub: StagingHub) -> None:
    hub.drop_file("monday.csv", [case(1), case(2)])
    hub.stage(hub.land())
    hub.drop_file("full.csv", [case(2), case(3)])
    full = hub.land()
    result = hub.stage(full, replace=True)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 0)  # no "identical row" check
    staged = hub.rows("SELECT case_no, _batch_id FROM lake.staged.cases ORDER BY case_no")
    assert staged == [("C0002", full), ("C0003", full)]


def test_rows_going_missing_fail_staging_and_stage_nothing(hub: StagingHub) -> None:
    hub.drop_file("a.csv", [case(1), case(2)])
    batch = hub.land()
    hub.con.execute(
        "UPDATE lake.meta.batches SET rows_read = rows_read + 1 WHERE batch_id = ?", [batch]
    )
    with pytest.raises(ReconciliationError, match="source read 3 rows, staging saw 2"):
        hub.stage(batch)
    assert hub.rows("SELECT count(*) FROM lake.staged.cases") == [(0,)]
    assert hub.rows("SELECT count(*) FROM lake.meta.reconciliation") == [(0,)]


def test_key_columns_use_tokens_for_protected_identifiers(hub: StagingHub) -> None:
    assert key_columns(hub.catalog.datasets["cases"]) == ["case_no"]
    assert key_columns(hub.catalog.datasets["population"]) == ["id_number_token"]


def test_a_batch_larger_than_one_read_is_staged_whole(
    hub: StagingHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: writes between reads once closed the raw reader after its first block."""
    import quality.staging

    monkeypatch.setattr(quality.staging, "READ_ROWS", 100)
    hub.drop_file("big.csv", [case(n) for n in range(1, 351)])
    result = hub.stage(hub.land())
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (350, 350, 0)
    assert hub.rows("SELECT count(*) FROM lake.staged.cases") == [(350,)]


def test_a_batch_staged_again_finds_every_row_already_loaded_by_itself(
    hub: StagingHub,
) -> None:
    hub.drop_file("monday.csv", [case(1), case(2)])
    batch = hub.land()
    hub.stage(batch)
    again = hub.stage(batch)
    assert (again.rows_loaded, again.rows_quarantined) == (0, 2)
    reasons = {reason for _, _, reason in hub.quarantined(batch) if reason.startswith("dup")}
    assert reasons == {f"duplicate: identical row already loaded in batch {batch}"}
    staged = hub.rows("SELECT case_no, _batch_id FROM lake.staged.cases ORDER BY case_no")
    assert staged == [("C0001", batch), ("C0002", batch)]


def test_in_one_drop_the_first_changed_version_wins_over_repeats_and_later_ones(
    hub: StagingHub,
) -> None:
    hub.drop_file("monday.csv", [case(1)])
    first = hub.land()
    hub.stage(first)
    hub.drop_file(
        "tuesday.csv",
        [case(1), case(1, 满意度="不满意"), case(1, 满意度="基本满意")],
    )
    second = hub.land()
    result = hub.stage(second)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 2)
    assert hub.quarantined(second) == [
        (
            "tuesday.csv:row 2",
            "case_no",
            f"duplicate: identical row already loaded in batch {first}",
        ),
        ("tuesday.csv:row 4", "case_no", "duplicate: same case_no as tuesday.csv:row 3"),
    ]
    staged = hub.rows("SELECT _source_pos FROM lake.staged.cases")
    assert staged == [("tuesday.csv:row 3",)]


def test_a_duplicate_in_a_later_read_of_the_batch_names_the_first(
    hub: StagingHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    import quality.staging

    monkeypatch.setattr(quality.staging, "READ_ROWS", 2)
    hub.drop_file("a.csv", [case(1), case(2), case(3), case(1)])
    batch = hub.land()
    result = hub.stage(batch)
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    assert hub.quarantined(batch) == [
        ("a.csv:row 5", "case_no", "duplicate: same case_no as a.csv:row 2")
    ]


def test_memory_stays_flat_across_the_reads_of_one_batch(
    hub: StagingHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: each chunk written into the batch's transaction was held by DuckDB until
    commit (a registered Arrow table), so a source's whole batch stayed in memory."""
    import quality.staging

    monkeypatch.setattr(quality.staging, "READ_ROWS", 50)
    after_each_write: list[int] = []
    write = quality.staging._write

    def measured(*args: Any, **kwargs: Any) -> None:
        write(*args, **kwargs)
        after_each_write.append(pa.total_allocated_bytes())

    monkeypatch.setattr(quality.staging, "_write", measured)
    hub.drop_file("big.csv", [case(n) for n in range(1, 801)])
    result = hub.stage(hub.land())
    assert result.rows_loaded == 800 and len(after_each_write) == 16
    # Only the chunk in hand is alive: the sixteenth write holds what the second did.
    assert after_each_write[-1] <= after_each_write[1] * 1.5 + 65_536
