"""Staging a batch's chunks in worker processes gives what staging them here gives."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from staging_fixtures import StagingHub, case, staging_hub

import quality.chunk_pool
import quality.staging
from encryption.field_cipher import open_column
from metering.costs import CRYPTO, since, snapshot
from quality.chunk_pool import PARALLEL_MIN_ROWS, WORKERS_ENV, stage_workers

ROWS = [
    case(1),
    case(2, 联系电话="139-1234-5678"),  # standardised: sealed again
    case(3, 受理时间="2023-13-45"),  # quarantined by standardisation
    case(4),
    case(1, 诉求类别="道路破损"),  # a duplicate of row 2, two chunks later
    case(5, 工单编号=""),  # no key
    case(6),
    case(4, 诉求内容="重复"),  # a duplicate of a row in the chunk before
    case(7),
    case(8, 满意度="还行"),
]


def staged_result(hub: StagingHub) -> dict[str, Any]:
    """Everything a user sees of a staged batch, with the hub's own keys taken out."""
    hub.drop_file("cases.csv", ROWS)
    first = hub.land()
    before = snapshot()
    result = hub.stage(first)
    crypto_items = since(before).get(CRYPTO, (0.0, 0))[1]
    hub.drop_file("again.csv", [case(7), case(9), case(6, 诉求内容="更新")])
    second = hub.stage(hub.land())
    rows = hub.con.execute(
        "SELECT _source_pos, _batch_id = ? AS first, category, reporter_phone_sealed "
        "FROM lake.staged.cases ORDER BY _source_pos",
        [first],
    ).fetch_arrow_table()
    phones = open_column(
        rows.column("reporter_phone_sealed"),
        dataset="cases",
        column="reporter_phone",
        keystore=hub.keystore,
    )
    return {
        "counts": [
            (r.rows_read, r.rows_loaded, r.rows_quarantined, dict(r.reasons))
            for r in (result, second)
        ],
        "crypto_items": crypto_items,
        "staged": list(
            zip(
                rows.column("_source_pos").to_pylist(),
                rows.column("first").to_pylist(),
                rows.column("category").to_pylist(),
                phones.to_pylist(),
                strict=True,
            )
        ),
        # Batch ids differ from hub to hub: the reasons naming them are compared without.
        "quarantined": [
            (position, origin, field, reason.replace(first, "<first batch>"))
            for position, origin, field, reason in hub.rows(
                "SELECT _source_pos, _origin, field, reason FROM lake.quarantine.cases "
                "ORDER BY _source_pos"
            )
        ],
    }


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Three raw rows a chunk: duplicates fall in other chunks than their first row; and
    # a batch of ten rows is large enough for workers.
    monkeypatch.setattr(quality.staging, "READ_ROWS", 3)
    monkeypatch.setattr(quality.chunk_pool, "PARALLEL_MIN_ROWS", 1)
    yield


def stage_with(workers: int, root: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv(WORKERS_ENV, str(workers))
    with staging_hub(root, monkeypatch) as hub:
        return staged_result(hub)


def test_workers_stage_every_row_as_this_process_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_chunks: None
) -> None:
    here = stage_with(0, tmp_path / "here", monkeypatch)
    workers = stage_with(2, tmp_path / "workers", monkeypatch)
    assert workers == here
    # The batch was judged, not waved through: duplicates and bad rows are in it.
    reasons = here["counts"][0][3]
    assert reasons["duplicate"] == 2
    assert here["counts"][0][:3] == (10, 5, 5)
    assert here["crypto_items"] > 0


def test_a_worker_that_fails_fails_the_batch_and_stages_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_chunks: None
) -> None:
    monkeypatch.setenv(WORKERS_ENV, "2")
    with staging_hub(tmp_path / "home", monkeypatch) as hub:
        hub.drop_file("cases.csv", ROWS)
        batch = hub.land()
        # A raw value altered after landing: the worker that opens it raises.
        hub.con.execute(
            "UPDATE lake.raw.cases SET reporter_name = reporter_name || 'x'::BLOB "
            "WHERE _source_pos = 'cases.csv:row 9'"
        )
        with pytest.raises(ValueError, match=r"row \d+ of cases.reporter_name"):
            hub.stage(batch)
        assert hub.rows("SELECT count(*) FROM lake.staged.cases") == [(0,)]
        assert hub.rows("SELECT count(*) FROM lake.meta.reconciliation") == [(0,)]


def test_workers_are_asked_for_and_then_only_for_a_large_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    assert stage_workers(lambda: 10 * PARALLEL_MIN_ROWS) == 0
    monkeypatch.setenv(WORKERS_ENV, "3")
    assert stage_workers(lambda: PARALLEL_MIN_ROWS) == 3
    assert stage_workers(lambda: PARALLEL_MIN_ROWS - 1) == 0
    monkeypatch.setenv(WORKERS_ENV, "0")
    assert stage_workers(lambda: 10 * PARALLEL_MIN_ROWS) == 0


def test_a_bad_number_of_workers_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKERS_ENV, "two")
    with pytest.raises(ValueError, match=f"{WORKERS_ENV}='two'"):
        stage_workers(lambda: PARALLEL_MIN_ROWS)


def test_a_script_read_from_standard_input_stages_in_its_own_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_chunks: None
) -> None:
    # A spawned worker would try to import "<stdin>" and the pool would break.
    monkeypatch.setattr(sys.modules["__main__"], "__file__", "<stdin>", raising=False)
    assert stage_with(2, tmp_path / "stdin", monkeypatch)["counts"][0][:3] == (10, 5, 5)
