"""How many rows each batch of a source held back, per rule and field: counts, never values.

Reasons are grouped as staging groups them for the reconciliation (``quality.staging.
reason_kind``: ``rule not_null_case_no: value is missing`` → ``rule not_null_case_no``),
so the counts add up to each batch's ``rows_quarantined``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import duckdb

from lakehouse import meta
from pipelines.hub import Hub
from quality.staging import reason_kind
from web.department import LAKE_WAIT_S

UNREADABLE = "(whole row)"  # a row the source could not read has no field


@dataclass(frozen=True)
class QuarantineCount:
    batch_id: str
    rule: str
    field: str
    rows: int


def quarantine_counts(hub: Hub, dataset: str, batch_ids: list[str]) -> list[QuarantineCount]:
    """Rows quarantined in ``batch_ids`` of ``dataset``, per (batch, rule, field)."""
    if not batch_ids:
        return []
    counts: Counter[tuple[str, str, str]] = Counter()
    with hub.lake(wait_s=LAKE_WAIT_S) as con:
        meta.ensure_meta(con)
        try:
            rows = con.execute(
                f"SELECT _batch_id, field, reason, count(*) FROM lake.quarantine.{dataset} "
                "WHERE list_contains(?, _batch_id) GROUP BY ALL",
                [batch_ids],
            ).fetchall()
        except duckdb.CatalogException:
            return []  # nothing of the dataset was ever quarantined: no table yet
    for batch_id, field, reason, n in rows:
        counts[(batch_id, reason_kind(reason or ""), field or UNREADABLE)] += int(n)
    return [
        QuarantineCount(batch_id, rule, field, rows)
        for (batch_id, rule, field), rows in sorted(counts.items())
    ]
