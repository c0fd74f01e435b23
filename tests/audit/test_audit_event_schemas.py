"""Every kind of audit event has a schema, checked on write; the writers fit it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audit.event_schemas import SCHEMAS, AuditEventInvalid, check_details
from audit.log import AuditLog

REPO = Path(__file__).resolve().parents[2]


def test_a_well_formed_event_is_written(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.log")
    event = log.append(
        "grant",
        "steward_district",
        {"action": "approve", "outcome": "approved", "request": "r-1", "extra": [1]},
    )
    assert event.details["extra"] == [1]  # fields a writer adds are kept


def test_an_unknown_kind_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    with pytest.raises(AuditEventInvalid, match="kind 'teleport' is unknown"):
        AuditLog(path).append("teleport", "cli", {})
    assert not path.exists()


def test_a_missing_required_field_is_refused_naming_kind_and_field(tmp_path: Path) -> None:
    with pytest.raises(AuditEventInvalid, match="'sync' refused: field 'dataset' is missing"):
        AuditLog(tmp_path / "audit.log").append(
            "sync", "pipeline", {"source": "s", "outcome": "ok"}
        )


def test_a_field_of_the_wrong_type_is_refused_naming_kind_and_field(tmp_path: Path) -> None:
    with pytest.raises(AuditEventInvalid, match="'reveal' refused: field 'rows' has the wrong"):
        AuditLog(tmp_path / "audit.log").append(
            "reveal",
            "street:a",
            {
                "dataset": "d",
                "token": "t",
                "purpose": "",
                "outcome": "refused",
                "allowed": False,
                "reasons": [],
                "columns": [],
                "rows": "3",  # a count as text is a writer's bug
            },
        )


def test_an_optional_field_is_typed_too() -> None:
    with pytest.raises(AuditEventInvalid, match="field 'truncated'"):
        check_details(
            "query",
            {"principal": "p", "purpose": "", "statement": "S", "outcome": "x", "truncated": 1},
        )


def test_a_literal_field_refuses_another_value() -> None:
    with pytest.raises(AuditEventInvalid, match="field 'action'"):
        check_details("grant", {"action": "steal", "outcome": "ok"})


def test_the_schema_error_never_quotes_the_value() -> None:
    with pytest.raises(AuditEventInvalid) as refused:
        check_details("demo", {"seed": "secret-value-42", "scale": 1})
    assert "secret-value-42" not in str(refused.value)


def test_every_kind_the_code_writes_has_a_schema() -> None:
    """The kinds named at the append call sites (and identity's KIND constants)."""
    written: set[str] = set()
    for path in REPO.glob("*/**/*.py"):
        if path.parts[len(REPO.parts)] in {"tests", ".venv", "bench"}:
            continue
        text = path.read_text("utf-8")
        written |= set(re.findall(r'\.append\(\s*"([a-z_]+)",\s*\n?\s*[A-Za-z_"(]', text))
        if "audit_events import record" in text:
            written |= set(re.findall(r'^KIND = "([a-z_]+)"', text, re.MULTILINE))
    written.add("steward_action")  # audit.steward_events
    assert {"sync", "query", "grant", "reveal", "api", "sign_in", "user", "api_client"} <= written
    assert written <= set(SCHEMAS), sorted(written - set(SCHEMAS))
