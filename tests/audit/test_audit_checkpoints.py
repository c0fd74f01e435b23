"""Signed checkpoints: every way of rewriting the log is found, and where."""

from __future__ import annotations

import json
import multiprocessing
import time
from pathlib import Path

import pytest

from audit.checkpoints import (
    Checkpointing,
    checkpoint_lines,
    checkpoints_path,
    export_document,
    signed_bytes,
)
from audit.events import GENESIS_HASH, canonical_json, seal
from audit.log import AuditLog
from audit.sealed_verify import SealedResult, verify_sealed
from audit.signing_key import (
    SIGNING_KEY_ENV,
    SIGNING_KEY_FILE,
    load_signing_key,
    new_seed_text,
    rotate_signing_key,
    trusted_public_keys,
)

EVERY = 10
EVENTS = 55  # checkpoints at seq 1 (the first append), 11, 21, 31, 41, 51


def _query(n: int) -> dict[str, object]:
    return {"principal": "street:a", "purpose": "", "statement": "S", "outcome": "answered", "n": n}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(SIGNING_KEY_ENV, raising=False)
    return tmp_path


def _log(home: Path) -> Path:
    return home / "audit" / "audit.log"


def _write(home: Path, events: int = EVENTS, every: int = EVERY) -> Path:
    log = AuditLog(_log(home), Checkpointing(home / "keys", every=every))
    for n in range(events):
        log.append("query", "street:a", _query(n))
    return _log(home)


def _check(home: Path, against: Path | None = None) -> SealedResult:
    return verify_sealed(_log(home), trusted_public_keys(home / "keys"), against=against)


def _export(home: Path, out: Path) -> Path:
    lines = checkpoint_lines(checkpoints_path(_log(home)))
    document = export_document(lines, trusted_public_keys(home / "keys"))
    out.write_text(json.dumps(document), "utf-8")
    return out


def _lines(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines(keepends=True)


def _rechain(lines: list[str]) -> list[str]:
    """What a forger with the public tools does: renumber and recompute every hash."""
    out, prev = [], GENESIS_HASH
    for seq, line in enumerate(lines, start=1):
        entry = json.loads(line)
        event = seal(
            seq=seq,
            at=entry["at"],
            kind=entry["kind"],
            actor=entry["actor"],
            details=entry["details"],
            prev_hash=prev,
        )
        prev = event.hash
        out.append(event.to_line())
    return out


def _one_problem(result: SealedResult) -> str:
    assert not result.ok
    return " | ".join(result.problems)


# --- the writer --------------------------------------------------------------------------


def test_checkpoints_are_written_every_n_events_and_the_log_verifies(home: Path) -> None:
    _write(home)
    seqs = [json.loads(line)["seq"] for line in checkpoint_lines(checkpoints_path(_log(home)))]
    assert seqs == [1, 11, 21, 31, 41, 51]
    result = _check(home)
    assert result.ok, result.problems
    assert (result.events, result.checkpoints, result.unsealed) == (EVENTS, 6, 4)


def test_the_signing_key_lives_in_keys_not_beside_the_log(home: Path) -> None:
    _write(home, events=3)
    assert (home / "keys" / SIGNING_KEY_FILE).exists()
    assert sorted(p.name for p in (home / "audit").iterdir()) == [
        "audit.checkpoints",
        "audit.log",
    ]


def test_a_quiet_spell_of_m_minutes_brings_a_checkpoint(home: Path) -> None:
    log = AuditLog(_log(home), Checkpointing(home / "keys", every=1000, minutes=0.0001))
    for n in range(3):
        log.append("query", "street:a", _query(n))
        time.sleep(0.02)  # longer than 0.0001 minutes
    assert len(checkpoint_lines(checkpoints_path(_log(home)))) == 3


def test_without_a_quiet_spell_or_n_events_no_new_checkpoint(home: Path) -> None:
    log = AuditLog(_log(home), Checkpointing(home / "keys", every=1000, minutes=10))
    for n in range(3):
        log.append("query", "street:a", _query(n))
    assert len(checkpoint_lines(checkpoints_path(_log(home)))) == 1  # only the first


def test_the_key_can_come_from_the_environment(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SIGNING_KEY_ENV, new_seed_text())
    _write(home, events=12)
    assert not (home / "keys" / SIGNING_KEY_FILE).exists()
    key = load_signing_key(home / "keys")
    assert key.key_id in trusted_public_keys(home / "keys")
    assert _check(home).ok


def test_checkpoints_signed_before_a_key_rotation_still_verify(home: Path) -> None:
    _write(home, events=15)
    old = load_signing_key(home / "keys").key_id
    new = rotate_signing_key(home / "keys").key_id
    _write(home, events=15)
    used = {json.loads(line)["key_id"] for line in checkpoint_lines(checkpoints_path(_log(home)))}
    assert old != new and used == {old, new}
    assert _check(home).ok


# --- tampering, each found where it happened ------------------------------------------------


def test_a_changed_line_is_named(home: Path) -> None:
    path = _write(home)
    lines = _lines(path)
    lines[24] = lines[24].replace('"n":24', '"n":99')
    path.write_text("".join(lines), "utf-8")
    assert "line 25: hash does not match" in _one_problem(_check(home))


def test_a_removed_line_is_named(home: Path) -> None:
    path = _write(home)
    lines = _lines(path)
    del lines[24]
    path.write_text("".join(lines), "utf-8")
    assert "line 25: seq is 26 where 25 was expected" in _one_problem(_check(home))


def test_an_inserted_line_is_named(home: Path) -> None:
    path = _write(home)
    lines = _lines(path)
    lines.insert(30, lines[5])
    path.write_text("".join(lines), "utf-8")
    assert "line 31: seq is 6 where 31 was expected" in _one_problem(_check(home))


def test_reordered_lines_are_named(home: Path) -> None:
    path = _write(home)
    lines = _lines(path)
    lines[40], lines[41] = lines[41], lines[40]
    path.write_text("".join(lines), "utf-8")
    assert "line 41: seq is 42 where 41 was expected" in _one_problem(_check(home))


def test_a_full_rechain_after_removing_an_entry_is_caught_by_the_next_checkpoint(
    home: Path,
) -> None:
    path = _write(home)
    lines = _lines(path)
    del lines[24]  # seq 25
    path.write_text("".join(_rechain(lines)), "utf-8")
    problem = _one_problem(_check(home))
    # The chain itself holds; checkpoint #4 (seq 31) is the first signature it fails.
    assert "line 31: seq 31 has hash" in problem
    assert "checkpoint #4" in problem
    assert "after seq 21 (checkpoint #3" in problem and "up to seq 31" in problem


def test_a_full_rechain_after_editing_an_entry_is_caught(home: Path) -> None:
    path = _write(home)
    lines = _lines(path)
    entry = json.loads(lines[4])
    entry["details"]["outcome"] = "refused"
    lines[4] = canonical_json(entry) + "\n"
    path.write_text("".join(_rechain(lines)), "utf-8")
    problem = _one_problem(_check(home))
    assert "checkpoint #2" in problem and "after seq 1 (checkpoint #1" in problem


def test_tail_truncation_is_caught_against_the_last_checkpoint(home: Path) -> None:
    path = _write(home)
    path.write_text("".join(_lines(path)[:45]), "utf-8")
    problem = _one_problem(_check(home))
    assert "ends at seq 45" in problem and "checkpoint #6" in problem
    assert "seq 46..51, were removed" in problem


def test_tail_truncation_with_its_checkpoints_is_caught_against_the_export(
    home: Path, tmp_path: Path
) -> None:
    path = _write(home)
    exported = _export(home, tmp_path / "kept-elsewhere.json")
    # The forger cuts both the log and the checkpoint file back to a consistent state.
    path.write_text("".join(_lines(path)[:45]), "utf-8")
    cp_path = checkpoints_path(path)
    cp_path.write_text("".join(_lines(cp_path)[:5]), "utf-8")
    assert _check(home).ok  # consistent on its own: only the copy kept elsewhere can tell
    problem = _one_problem(_check(home, against=exported))
    assert "checkpoint #6 (seq 51) is in the exported copy but not in" in problem
    assert "ends at seq 45" in problem and "exported copy" in problem


def test_a_rewritten_checkpoint_file_disagrees_with_the_export(home: Path, tmp_path: Path) -> None:
    path = _write(home)
    exported = _export(home, tmp_path / "kept.json")
    lines = _lines(path)
    del lines[24]
    path.write_text("".join(_rechain(lines)), "utf-8")
    # Even a forger holding the key, who re-signs, is caught by the copy kept elsewhere.
    cp_path = checkpoints_path(path)
    cp_path.unlink()
    key = load_signing_key(home / "keys")
    events = [json.loads(line) for line in _lines(path)]
    prev = GENESIS_HASH
    from audit.checkpoints import line_hash

    out = []
    for n, seq in enumerate([1, 11, 21, 31, 41], start=1):
        checkpoint = {
            "n": n,
            "seq": seq,
            "hash": events[seq - 1]["hash"],
            "at": events[seq - 1]["at"],
            "key_id": key.key_id,
            "every": EVERY,
            "minutes": 10.0,
            "prev": prev,
        }
        checkpoint["signature"] = key.sign(signed_bytes(checkpoint))
        text = canonical_json(checkpoint)
        prev = line_hash(text)
        out.append(text + "\n")
    cp_path.write_text("".join(out), "utf-8")
    assert _check(home).ok
    problem = _one_problem(_check(home, against=exported))
    assert "checkpoint #4 in" in problem and "differs from the exported copy" in problem


def test_a_checkpoint_file_signed_by_another_key_is_refused(home: Path, tmp_path: Path) -> None:
    path = _write(home)
    lines = _lines(path)
    del lines[24]
    path.write_text("".join(_rechain(lines)), "utf-8")
    # The forger signs fresh checkpoints with a key of their own.
    forger_home = tmp_path / "forger"
    forged_log = forger_home / "audit" / "audit.log"
    forged_log.parent.mkdir(parents=True)
    forged_log.write_text("".join(_lines(path)), "utf-8")
    log = AuditLog(forged_log, Checkpointing(forger_home / "keys", every=EVERY))
    log.append("query", "street:a", _query(0))
    checkpoints_path(path).write_text(checkpoints_path(forged_log).read_text("utf-8"), "utf-8")
    problem = _one_problem(_check(home))
    assert "checkpoint #1 is signed by key" in problem and "not a trusted" in problem


def test_an_altered_checkpoint_fails_its_signature(home: Path) -> None:
    path = _write(home)
    cp_path = checkpoints_path(path)
    lines = _lines(cp_path)
    entry = json.loads(lines[2])
    entry["seq"] = 20
    lines[2] = canonical_json(entry) + "\n"
    cp_path.write_text("".join(lines), "utf-8")
    problem = _one_problem(_check(home))
    assert "line 3: checkpoint #3 has a signature that does not verify" in problem


def test_a_removed_checkpoint_is_named(home: Path) -> None:
    path = _write(home)
    cp_path = checkpoints_path(path)
    lines = _lines(cp_path)
    del lines[2]
    cp_path.write_text("".join(lines), "utf-8")
    assert "checkpoint #4 where #3 was expected" in _one_problem(_check(home))


def test_a_removed_checkpoint_file_is_named(home: Path) -> None:
    path = _write(home)
    checkpoints_path(path).unlink()
    assert "holds no signed checkpoint" in _one_problem(_check(home))


def test_an_export_signed_by_another_key_is_refused(home: Path, tmp_path: Path) -> None:
    _write(home)
    exported = _export(home, tmp_path / "kept.json")
    document = json.loads(exported.read_text("utf-8"))
    other = tmp_path / "other"
    _write(other)
    document["checkpoints"] = [
        json.loads(line) for line in checkpoint_lines(checkpoints_path(_log(other)))
    ]
    exported.write_text(json.dumps(document), "utf-8")
    problem = _one_problem(_check(home, against=exported))
    assert "exported copy" in problem and "not a trusted" in problem


# --- many writers ------------------------------------------------------------------------------


def _append_many(home: str, writer: int, count: int) -> None:
    log = AuditLog(_log(Path(home)), Checkpointing(Path(home) / "keys", every=50))
    for n in range(count):
        log.append("query", f"writer:{writer}", _query(n))


def test_concurrent_writers_never_fork_the_chain_or_its_checkpoints(home: Path) -> None:
    load_signing_key(home / "keys")  # one key, made before the writers race
    ctx = multiprocessing.get_context("fork")
    writers = [ctx.Process(target=_append_many, args=(str(home), w, 200)) for w in range(4)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=300)
    assert [p.exitcode for p in writers] == [0, 0, 0, 0]
    result = _check(home)
    assert result.ok, result.problems
    assert result.events == 800 and result.checkpoints >= 800 // (50 + 512)
    per_writer: dict[str, list[int]] = {}
    for event in AuditLog(_log(home)).events():
        per_writer.setdefault(event.actor, []).append(event.details["n"])
    assert per_writer == {f"writer:{w}": list(range(200)) for w in range(4)}
