"""Sample audit logs for the audit tests (a plain module, so no conftest is shared)."""

from pathlib import Path

from audit.log import AuditLog


def write_sample_log(path: Path) -> Path:
    """A log of five events, one per kind the hub writes most."""
    log = AuditLog(path)
    log.append(
        "sync",
        "pipeline:population",
        {"source": "population_db", "dataset": "population", "outcome": "ok", "rows_read": 1200},
    )
    log.append(
        "grant",
        "reviewer:zhang",
        {"action": "approve", "outcome": "approved", "principal": "street:nanshan"},
    )
    log.append(
        "decision",
        "policies",
        {"principal": "street:nanshan", "product": "p", "allowed": True, "reasons": []},
    )
    log.append(
        "query",
        "street:nanshan",
        {
            "principal": "street:nanshan",
            "purpose": "",
            "outcome": "answered",
            "statement": "SELECT count(*) FROM t WHERE x = ?",
        },
    )
    log.append(
        "reveal",
        "reviewer:zhang",
        {
            "dataset": "population",
            "token": "tok_9f2a",
            "purpose": "案件核查",
            "outcome": "revealed",
            "allowed": True,
            "reasons": [],
            "columns": ["resident_id"],
            "rows": 1,
        },
    )
    return path
