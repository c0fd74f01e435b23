import json
import multiprocessing
import os
import re
import stat
import threading
from pathlib import Path

import pytest
from audit_log_samples import write_sample_log

from audit.events import GENESIS_HASH, AuditEvent, canonical_json, entry_hash
from audit.log import AuditLog, AuditLogDamaged, read_lines
from audit.verify import verify

SEED = {"seed": 1, "scale": 1}
QUERY = {"principal": "street:a", "purpose": "", "outcome": "answered", "statement": "S"}


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "audit" / "audit.jsonl"


@pytest.fixture
def filled_log(log_path: Path) -> Path:
    return write_sample_log(log_path)


def test_append_returns_chained_events(log_path: Path) -> None:
    log = AuditLog(log_path)
    first = log.append(
        "sync", "pipeline:cases", {"source": "cases_db", "dataset": "cases", "outcome": "ok"}
    )
    second = log.append(
        "query",
        "street:a",
        {"principal": "street:a", "purpose": "", "outcome": "answered", "statement": "SELECT 1"},
    )

    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first.at)


def test_hash_is_sha256_of_prev_hash_and_canonical_entry(log_path: Path) -> None:
    import hashlib

    event = AuditLog(log_path).append("demo", "cli", {"seed": 1, "scale": 1, "b": 1, "a": "数治"})
    entry = {k: v for k, v in json.loads(log_path.read_text("utf-8")).items() if k != "hash"}
    expected = hashlib.sha256((event.prev_hash + canonical_json(entry)).encode()).hexdigest()
    assert event.hash == expected == entry_hash(entry)


def test_lines_are_canonical_json(log_path: Path) -> None:
    AuditLog(log_path).append(
        "demo", "cli", {"seed": 1, "scale": 1, "z": 1, "a": "街道", "m": [1, 2]}
    )
    line = log_path.read_text("utf-8")
    assert line.endswith("\n") and line.count("\n") == 1
    body = line[:-1]
    assert body == json.dumps(
        json.loads(body), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    assert "街道" in body  # ensure_ascii=False


def test_file_is_created_private(log_path: Path) -> None:
    AuditLog(log_path).append("demo", "cli", {"seed": 1, "scale": 1})
    assert stat.S_IMODE(log_path.stat().st_mode) == 0o600


def test_round_trip_and_verify(filled_log: Path) -> None:
    log = AuditLog(filled_log)
    events = list(log.events())
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert all(isinstance(e, AuditEvent) for e in events)
    assert events[4].details["purpose"] == "案件核查"

    result = verify(filled_log)
    assert result.ok and result.problem is None and result.line is None
    assert result.events == 5
    assert result.head_hash == events[-1].hash


def test_events_filtered_by_kind(filled_log: Path) -> None:
    kinds = [e.kind for e in AuditLog(filled_log).events(kind="grant")]
    assert kinds == ["grant"]


def test_returned_event_equals_what_is_read_back(log_path: Path) -> None:
    log = AuditLog(log_path)
    written = log.append(
        "demo", "policies", {"seed": 1, "scale": 1, "ids": (1, 2), "by_code": {3: "three"}}
    )
    assert [written] == list(log.events())
    assert written.details == {**SEED, "ids": [1, 2], "by_code": {"3": "three"}}


def test_details_must_be_json(log_path: Path) -> None:
    log = AuditLog(log_path)
    with pytest.raises(ValueError, match="JSON"):
        log.append("demo", "cli", {"seed": 1, "scale": 1, "when": object()})
    with pytest.raises(ValueError, match="JSON"):
        log.append("demo", "cli", {"seed": 1, "scale": 1, "ratio": float("nan")})
    assert not log_path.exists() or log_path.read_text() == ""


def test_append_refuses_to_extend_a_truncated_log(filled_log: Path) -> None:
    data = filled_log.read_bytes()
    filled_log.write_bytes(data[:-10])
    with pytest.raises(AuditLogDamaged, match="truncated"):
        AuditLog(filled_log).append("demo", "cli", {"seed": 1, "scale": 1})
    assert filled_log.read_bytes() == data[:-10]


def test_append_continues_a_long_last_line(log_path: Path) -> None:
    # The last line is longer than one read-back chunk.
    log = AuditLog(log_path)
    log.append("demo", "cli", {"seed": 1, "scale": 1, "note": "x"})
    big = log.append("demo", "cli", {"seed": 1, "scale": 1, "note": "长" * 100_000})
    after = log.append("demo", "cli", {"seed": 1, "scale": 1})
    assert after.prev_hash == big.hash and after.seq == 3
    assert verify(log_path).ok


def _append_many(path: str, worker: int, count: int) -> None:
    log = AuditLog(Path(path))
    for n in range(count):
        log.append("query", f"worker:{worker}", {**QUERY, "n": n})


def test_concurrent_appends_from_processes_form_one_chain(log_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_append_many, args=(str(log_path), w, 50)) for w in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=120)
        assert process.exitcode == 0

    result = verify(log_path)
    assert result.ok, result.problem
    assert result.events == 200
    per_worker: dict[str, list[int]] = {}
    for event in AuditLog(log_path).events():
        per_worker.setdefault(event.actor, []).append(event.details["n"])
    assert per_worker == {f"worker:{w}": list(range(50)) for w in range(4)}


def test_an_operator_process_names_the_operator_on_every_event(tmp_path: Path) -> None:
    from audit.log import set_operator

    log = AuditLog(tmp_path / "audit.log")
    set_operator("alice")
    try:
        acting = log.append(
            "grant", "steward_district", {"action": "approve", "outcome": "approved"}
        )
        explicit = log.append(
            "query",
            "street_donghu",
            {
                "principal": "street:a",
                "purpose": "",
                "outcome": "answered",
                "statement": "",
                "by": "client c-0001",
            },
        )
    finally:
        set_operator(None)
    plain = log.append(
        "query",
        "street_donghu",
        {"principal": "street:a", "purpose": "", "outcome": "answered", "statement": ""},
    )
    assert acting.details["by"] == "operator alice" and acting.actor == "steward_district"
    assert explicit.details["by"] == "client c-0001"
    assert "by" not in plain.details


# --- group commit: threads of one process share a write and its fsync ----------------


def _append_from_threads(path: str, name: str, threads: int, count: int) -> None:
    log = AuditLog(Path(path))

    def append_many(thread: int) -> None:
        for n in range(count):
            log.append("query", f"{name}:{thread}", {**QUERY, "n": n})

    workers = [threading.Thread(target=append_many, args=(t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def test_concurrent_appends_from_threads_form_one_chain(log_path: Path) -> None:
    returned: list[AuditEvent] = []
    log = AuditLog(log_path)

    def append_many(thread: int) -> None:
        for n in range(40):
            returned.append(log.append("query", f"thread:{thread}", {**QUERY, "n": n}))

    workers = [threading.Thread(target=append_many, args=(t,)) for t in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    result = verify(log_path)
    assert result.ok, result.problem
    assert result.events == 320
    on_disk = list(AuditLog(log_path).events())
    # What each caller was given is exactly the line written for it.
    assert sorted(returned, key=lambda e: e.seq) == on_disk
    per_thread: dict[str, list[int]] = {}
    for event in on_disk:
        per_thread.setdefault(event.actor, []).append(event.details["n"])
    assert per_thread == {f"thread:{t}": list(range(40)) for t in range(8)}


def test_concurrent_appends_from_threads_of_several_processes_form_one_chain(
    log_path: Path,
) -> None:
    ctx = multiprocessing.get_context("spawn")
    processes = [
        ctx.Process(target=_append_from_threads, args=(str(log_path), f"p{p}", 4, 20))
        for p in range(3)
    ]
    for process in processes:
        process.start()
    _append_from_threads(str(log_path), "parent", 4, 20)  # this process appends meanwhile
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0

    result = verify(log_path)
    assert result.ok, result.problem
    assert result.events == 4 * 4 * 20
    per_writer: dict[str, list[int]] = {}
    for event in AuditLog(log_path).events():
        per_writer.setdefault(event.actor, []).append(event.details["n"])
    names = [f"{p}:{t}" for p in ("p0", "p1", "p2", "parent") for t in range(4)]
    assert per_writer == {name: list(range(20)) for name in names}


def test_a_forked_child_appends_through_its_own_committer(log_path: Path) -> None:
    log = AuditLog(log_path)
    log.append(
        "query", "parent", {**QUERY, "n": 0}
    )  # the parent's committer exists before the fork
    ctx = multiprocessing.get_context("fork")
    child = ctx.Process(target=_append_from_threads, args=(str(log_path), "child", 3, 10))
    child.start()
    _append_from_threads(str(log_path), "parent", 3, 10)
    child.join(timeout=120)
    assert child.exitcode == 0
    result = verify(log_path)
    assert result.ok, result.problem
    assert result.events == 1 + 2 * 3 * 10


def test_no_append_returns_before_an_fsync_covered_its_line(
    log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import audit.log as audit_log

    synced: list[int] = []  # the file's size at each fsync of the log
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        real_fsync(fd)
        synced.append(os.fstat(fd).st_size)

    monkeypatch.setattr(audit_log.os, "fsync", recording_fsync)
    log = AuditLog(log_path)
    durable_at_return: dict[int, int] = {}

    def append_many(thread: int) -> None:
        for n in range(25):
            event = log.append("query", f"thread:{thread}", {**QUERY, "n": n})
            durable_at_return[event.seq] = max(synced)

    workers = [threading.Thread(target=append_many, args=(t,)) for t in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    line_end = 0
    ends: dict[int, int] = {}
    for number, line in read_lines(log_path):
        line_end += len(line)
        ends[number] = line_end
    assert len(ends) == 150
    assert all(durable_at_return[seq] >= ends[seq] for seq in ends)
    assert len(synced) <= 150  # never more than one fsync per event


def test_a_failed_fsync_fails_the_append_and_the_next_append_continues_the_chain(
    log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import audit.log as audit_log

    log = AuditLog(log_path)
    log.append("query", "street:a", {**QUERY, "n": 1})
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(audit_log.os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        log.append("query", "street:a", {**QUERY, "n": 2})
    monkeypatch.setattr(audit_log.os, "fsync", real_fsync)
    log.append("query", "street:a", {**QUERY, "n": 3})
    assert verify(log_path).ok
