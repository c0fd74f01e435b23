"""The session-end scan of stored audit logs and state files (tests/stored_leaks.py)."""

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from stored_leaks import PERSON, report, scan, scan_session, stored_files

from audit.log import AuditLog
from identifiers import resident_id

VALID_ID = resident_id.make("110105", dt.date(1990, 3, 7), 123)


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """A home whose planted leaks are removed again, so the session-end scan never sees them."""
    root = tmp_path / "planted"
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _clean_log(home: Path) -> Path:
    log = AuditLog(home / "audit" / "audit.log")
    log.append(
        "grant",
        "steward_district",
        {
            "action": "request",
            "outcome": "requested",
            "purpose": "核实[PERSON]住址",
        },
    )
    log.append(
        "query",
        "street_donghu",
        {
            "principal": "street:a",
            "purpose": "",
            "outcome": "answered",
            "statement": "SELECT count(*) FROM people",
            "rows": 13912345,  # a count that reads like digits, never an identifier
        },
    )
    return log.path


def _plant(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def test_a_clean_home_has_no_leaks(home: Path) -> None:
    _clean_log(home)
    (home / "state").mkdir()
    (home / "state" / "access_requests.json").write_text(
        json.dumps({"requests": [{"purpose": "回访[PERSON] [CN_MOBILE]"}]}, ensure_ascii=False)
    )
    assert len(stored_files(home)) == 2
    assert scan_session(home) == []


def test_planted_identifiers_and_names_are_found_by_line_and_kind_never_by_value(
    home: Path,
) -> None:
    log = _clean_log(home)
    _plant(log, json.dumps({"kind": "grant", "details": {"reason": "电话 138-0013-8000"}}))
    _plant(log, json.dumps({"kind": "query", "details": {"statement": f"... '{VALID_ID}'"}}))
    _plant(
        log,
        json.dumps({"kind": "reveal", "details": {"purpose": "核实王秀英"}}, ensure_ascii=False),
    )
    state = home / "state" / "access_requests.json"
    state.parent.mkdir()
    state.write_text(
        json.dumps({"purpose": f"{VALID_ID[:6]} {VALID_ID[6:14]} {VALID_ID[14:]}"}, indent=1)
    )
    leaks = scan_session(home)
    assert [(leak.path.name, leak.line, leak.kind, leak.event) for leak in leaks] == [
        ("audit.log", 3, "CN_MOBILE", "grant"),
        ("audit.log", 4, "CN_RESIDENT_ID", "query"),
        ("audit.log", 5, PERSON, "reveal"),
        ("access_requests.json", 2, "CN_RESIDENT_ID", None),
    ]
    text = report(leaks, home)
    assert "1 in 'query' events, 3 elsewhere" in text
    assert "audit/audit.log:4: CN_RESIDENT_ID in a 'query' event" in text
    for value in ("138-0013-8000", VALID_ID, "王秀英", VALID_ID[6:14]):
        assert value not in text


def test_names_are_those_given_and_the_key_store_is_not_read(home: Path) -> None:
    keys = home / "keys" / "keystore.json"
    keys.parent.mkdir(parents=True)
    keys.write_text(json.dumps({"reason": "13800138000"}))
    audit = home / "audit" / "audit.jsonl"
    audit.parent.mkdir()
    audit.write_text("司徒小明到访\n", encoding="utf-8")
    assert stored_files(home) == [audit]
    assert scan([audit], set()) == []
    assert [leak.kind for leak in scan([audit], {"司徒小明"})] == [PERSON]


def test_a_delivery_register_kept_beside_a_log_elsewhere_is_scanned(home: Path) -> None:
    register = home / "gateway" / "queries.deliveries.jsonl"
    register.parent.mkdir(parents=True)
    register.write_text(json.dumps({"purpose": "回访 13800138000"}) + "\n")
    assert stored_files(home) == [register]
    assert [leak.kind for leak in scan_session(home)] == ["CN_MOBILE"]


def test_signed_checkpoints_are_not_read_as_personal_data(home: Path) -> None:
    """Regression: a checkpoint's random key id held 14739198426, a mobile number's shape."""
    log = _clean_log(home)
    checkpoints = log.with_name("audit.checkpoints")
    checkpoints.write_text(
        json.dumps({"hash": "6c32", "key_id": "7feab14739198426", "seq": 1}) + "\n",
        encoding="utf-8",
    )
    assert checkpoints not in stored_files(home)
    assert scan_session(home) == []
