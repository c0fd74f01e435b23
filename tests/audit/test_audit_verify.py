import json
from pathlib import Path

import pytest
from audit_log_samples import write_sample_log

from audit.events import entry_hash
from audit.log import AuditLog
from audit.verify import verify


@pytest.fixture
def filled_log(tmp_path: Path) -> Path:
    return write_sample_log(tmp_path / "audit.jsonl")


def _lines(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines(keepends=True)


def _write(path: Path, lines: list[str]) -> None:
    path.write_text("".join(lines), "utf-8")


def test_missing_and_empty_logs_verify_with_no_events(tmp_path: Path) -> None:
    missing = verify(tmp_path / "nope.jsonl")
    assert missing.ok and missing.events == 0 and missing.head_hash is None
    empty = tmp_path / "empty.jsonl"
    empty.touch()
    assert verify(empty).ok and verify(empty).events == 0


def test_edited_entry_is_found_on_its_line(filled_log: Path) -> None:
    lines = _lines(filled_log)
    lines[2] = lines[2].replace('"allowed":true', '"allowed":false')
    _write(filled_log, lines)

    result = verify(filled_log)
    assert not result.ok
    assert result.line == 3
    assert "line 3" in str(result.problem) and "altered" in str(result.problem)
    assert result.events == 2


def test_edited_and_rehashed_entry_breaks_the_next_link(filled_log: Path) -> None:
    lines = _lines(filled_log)
    entry = json.loads(lines[1])
    entry["details"]["columns"] = ["age_band", "resident_id"]
    del entry["hash"]
    entry["hash"] = entry_hash(entry)
    lines[1] = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
    _write(filled_log, lines)

    result = verify(filled_log)
    assert (result.ok, result.line) == (False, 3)
    assert "prev_hash" in str(result.problem)


def test_deleted_entry_is_found(filled_log: Path) -> None:
    lines = _lines(filled_log)
    del lines[1]
    _write(filled_log, lines)

    result = verify(filled_log)
    assert (result.ok, result.line) == (False, 2)
    assert "removed" in str(result.problem)


def test_deleted_first_entry_is_found(filled_log: Path) -> None:
    _write(filled_log, _lines(filled_log)[1:])
    result = verify(filled_log)
    assert (result.ok, result.line, result.events) == (False, 1, 0)


def test_deleted_entry_with_renumbering_is_found(filled_log: Path) -> None:
    # A careful forger renumbers the following entries; the hashes still give it away.
    lines = _lines(filled_log)
    del lines[1]
    for index in range(1, len(lines)):
        entry = json.loads(lines[index])
        entry["seq"] = index + 1
        lines[index] = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        lines[index] += "\n"
    _write(filled_log, lines)

    result = verify(filled_log)
    assert (result.ok, result.line) == (False, 2)


def test_reordered_entries_are_found(filled_log: Path) -> None:
    lines = _lines(filled_log)
    lines[2], lines[3] = lines[3], lines[2]
    _write(filled_log, lines)

    result = verify(filled_log)
    assert (result.ok, result.line) == (False, 3)
    assert "reordered" in str(result.problem)


def test_truncated_last_line_is_found(filled_log: Path) -> None:
    data = filled_log.read_bytes()
    filled_log.write_bytes(data[:-25])

    result = verify(filled_log)
    assert (result.ok, result.line, result.events) == (False, 5, 4)
    assert "truncated" in str(result.problem)


def test_last_line_without_its_newline_is_truncated(filled_log: Path) -> None:
    filled_log.write_bytes(filled_log.read_bytes()[:-1])
    result = verify(filled_log)
    assert (result.ok, result.line) == (False, 5)


def test_non_json_line_is_found(filled_log: Path) -> None:
    lines = _lines(filled_log)
    lines.insert(3, "this is not json\n")
    _write(filled_log, lines)

    result = verify(filled_log)
    assert (result.ok, result.line) == (False, 4)
    assert "JSON" in str(result.problem)


def test_reformatted_line_is_found(filled_log: Path) -> None:
    lines = _lines(filled_log)
    lines[0] = json.dumps(json.loads(lines[0]), sort_keys=True) + "\n"
    _write(filled_log, lines)

    result = verify(filled_log)
    assert (result.ok, result.line) == (False, 1)


def test_head_hash_tracks_the_last_good_event(filled_log: Path) -> None:
    events = list(AuditLog(filled_log).events())
    lines = _lines(filled_log)
    lines[3] = lines[3].replace("count", "COUNT")
    _write(filled_log, lines)

    result = verify(filled_log)
    assert result.line == 4
    assert result.head_hash == events[2].hash


@pytest.mark.parametrize(
    ("made", "sign"),
    [
        ("lakehouse/catalog.ducklake", "lakehouse"),
        ("lakehouse/catalog.sqlite", "lakehouse"),
        ("rooms/street_donghu.duckdb", "data rooms"),
        ("keys/keystore.json", "key store"),
    ],
)
def test_signs_of_history_know_every_catalogue(tmp_path: Path, made: str, sign: str) -> None:
    from audit.verify import signs_of_history

    assert signs_of_history(tmp_path) == []
    (tmp_path / made).parent.mkdir(parents=True)
    (tmp_path / made).write_bytes(b"")
    assert signs_of_history(tmp_path) == [sign]
