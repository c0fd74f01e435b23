"""Sample audit logs for the audit tests (a plain module, so no conftest is shared)."""

from pathlib import Path

from audit.log import AuditLog


def write_sample_log(path: Path) -> Path:
    """A log of five events, one per kind the hub writes most."""
    log = AuditLog(path)
    log.append("sync", "pipeline:population", {"dataset": "population", "rows": 1200})
    log.append("grant", "reviewer:zhang", {"principal": "street:nanshan", "columns": ["age_band"]})
    log.append("decision", "policies", {"principal": "street:nanshan", "allowed": True})
    log.append("query", "street:nanshan", {"statement": "SELECT count(*) FROM t WHERE x = ?"})
    log.append(
        "reveal", "reviewer:zhang", {"field": "resident_id", "token": "tok_9f2a", "why": "案件核查"}
    )
    return path
