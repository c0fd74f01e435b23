"""A steward's overrides of the merge, kept in ``lake.meta.merge_overrides``.

``split`` takes one record out of the case it was merged into (every link of it made
before the override is cut); ``merge`` forces two records into one case. Each is
applied at once and at every later merge run, oldest first, and names the steward and
the reason (cleaned of personal data before it is stored).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

import duckdb

from lakehouse import meta

Action = Literal["split", "merge"]
DDL = """CREATE TABLE IF NOT EXISTS lake.meta.merge_overrides (
    override_id VARCHAR, dataset VARCHAR, action VARCHAR, records VARCHAR, steward VARCHAR,
    reason VARCHAR, made_at TIMESTAMP)"""


@dataclass(frozen=True)
class Override:
    override_id: str
    dataset: str
    action: Action
    records: tuple[str, ...]  # record ids: one to split, two to merge
    steward: str
    reason: str
    made_at: str


def ensure_overrides_table(con: duckdb.DuckDBPyConnection) -> None:
    meta.ensure_meta(con)
    con.execute(DDL)


def load_overrides(con: duckdb.DuckDBPyConnection, dataset: str) -> list[Override]:
    """The dataset's overrides, oldest first."""
    ensure_overrides_table(con)
    rows = con.execute(
        "SELECT override_id, dataset, action, records, steward, reason, made_at "
        "FROM lake.meta.merge_overrides WHERE dataset = ? ORDER BY made_at, override_id",
        [dataset],
    ).fetchall()
    return [
        Override(r[0], r[1], r[2], tuple(json.loads(r[3])), r[4], r[5], meta.utc_iso(r[6]) or "")
        for r in rows
    ]


def record_override(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    action: Action,
    records: tuple[str, ...],
    steward: str,
    reason: str,
) -> Override:
    ensure_overrides_table(con)
    row = con.execute("SELECT count(*) FROM lake.meta.merge_overrides").fetchone()
    override_id = f"mo-{(row[0] if row else 0) + 1:04d}"
    made_at = meta.utcnow()
    con.execute(
        "INSERT INTO lake.meta.merge_overrides VALUES (?, ?, ?, ?, ?, ?, ?)",
        [override_id, dataset, action, json.dumps(list(records)), steward, reason, made_at],
    )
    return Override(
        override_id, dataset, action, records, steward, reason, meta.utc_iso(made_at) or ""
    )
