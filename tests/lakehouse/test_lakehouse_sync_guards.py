"""The guards a batch must pass before commit: complete, not shrunk, no type changed."""

from __future__ import annotations

import pytest

from catalog.registry import load_catalog
from home.layout import config_dir
from lakehouse.meta import BatchRecord
from lakehouse.sync_guards import (
    Acceptance,
    IncompleteSync,
    SchemaTypeChanged,
    ShrinkRefused,
    check_complete,
    check_schema,
    check_shrink,
    type_changes,
)

ENTERPRISES = load_catalog(config_dir()).datasets["enterprises"]


def _batch(rows: int, schema: dict[str, str] | None = None) -> BatchRecord:
    return BatchRecord("mr-1", "full", rows, rows, None, None, schema or {})


def test_a_read_of_every_declared_row_is_complete() -> None:
    check_complete("mr", 548, 548)
    check_complete("mr", None, 137)  # a source that says nothing is judged by size alone


def test_a_read_short_of_the_declared_total_is_refused_with_both_numbers() -> None:
    with pytest.raises(IncompleteSync, match="says it holds 548 rows but this full sync read 137"):
        check_complete("mr_enterprises", 548, 137)


def test_a_shrink_within_the_contract_tolerance_passes() -> None:
    assert ENTERPRISES.max_shrink_ratio == pytest.approx(0.2)
    assert check_shrink("mr", ENTERPRISES, 450, _batch(548), None) is None
    assert check_shrink("mr", ENTERPRISES, 137, None, None) is None  # the first sync


def test_a_shrink_beyond_tolerance_is_refused_naming_the_last_batch_and_the_fix() -> None:
    with pytest.raises(ShrinkRefused) as refused:
        check_shrink("mr_enterprises", ENTERPRISES, 137, _batch(548), None)
    message = str(refused.value)
    assert "read 137 rows where the last full batch mr-1 read 548 (-75%" in message
    assert "allows -20%" in message
    assert "shuzhi sources accept mr_enterprises --change shrink" in message


def test_an_accepted_shrink_passes_and_says_who_accepted_it() -> None:
    note = check_shrink("mr", ENTERPRISES, 137, _batch(548), Acceptance("steward_x", "注销"))
    assert note and note.startswith("shrink accepted by steward_x")


def test_json_nulls_and_integer_versus_number_are_not_type_changes() -> None:
    before = {"uscc": "string", "capital": "integer", "closed": "null"}
    assert type_changes({"uscc": "string", "capital": "number", "closed": "string"}, before) == []


def test_a_column_that_changed_type_is_refused_unless_accepted() -> None:
    previous = _batch(10, {"updated_at": "TIMESTAMP", "person_id": "BIGINT"})
    assert (
        check_schema("ps", {"updated_at": "TIMESTAMP", "person_id": "BIGINT"}, previous, None)
        is None
    )
    with pytest.raises(SchemaTypeChanged, match=r"updated_at: TIMESTAMP → VARCHAR"):
        check_schema("ps", {"updated_at": "VARCHAR", "person_id": "BIGINT"}, previous, None)
    note = check_schema(
        "ps", {"updated_at": "VARCHAR", "person_id": "BIGINT"}, previous, Acceptance("s", "迁移")
    )
    assert note and "accepted by s" in note
