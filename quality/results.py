"""Quality results kept per batch in the lakehouse: counts only, never values.

lake.meta.quality_results, one row per rule per check run (``community`` NULL), and one
per rule and community where failing rows could be placed (datasets with a community
column): dataset, batch_id (the newest staged batch the run judged), rule, column,
on_fail, success, rows_checked, failing_rows, failing_share, checked_at.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import duckdb

from catalog.contracts import DatasetContract
from lakehouse import meta
from quality.expectations import SuiteOutcome
from quality.rule_rows import rule_reason

DDL = """CREATE TABLE IF NOT EXISTS lake.meta.quality_results (
    dataset VARCHAR, batch_id VARCHAR, rule VARCHAR, "column" VARCHAR, on_fail VARCHAR,
    success BOOLEAN, rows_checked BIGINT, failing_rows BIGINT, failing_share DOUBLE,
    community VARCHAR, checked_at TIMESTAMP)"""


def ensure_results(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def latest_batches(con: duckdb.DuckDBPyConnection, dataset: str) -> list[tuple[str, int]]:
    """(batch_id, rows_read) of each source's newest staged batch, newest first."""
    meta.ensure_meta(con)
    return [
        (str(b), int(n))
        for b, n in con.execute(
            """SELECT batch_id, rows_read FROM lake.meta.reconciliation WHERE dataset = ?
               QUALIFY row_number() OVER (PARTITION BY source ORDER BY staged_at DESC) = 1
               ORDER BY staged_at DESC""",
            [dataset],
        ).fetchall()
    ]


def add_quarantined(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract, outcome: SuiteOutcome
) -> SuiteOutcome:
    """Rules that quarantine rows: the rows they held back in each source's newest batch
    count as checked and failing too (the staged table holds only the rows that passed)."""
    batches = latest_batches(con, contract.name)
    if not batches:
        return outcome
    ids = [b for b, _ in batches]
    read = sum(n for _, n in batches)
    held: dict[str, int] = {}
    for rule in contract.quality.rules:
        if rule.on_fail != "quarantine":
            continue
        row = con.execute(
            f"SELECT count(*) FROM lake.quarantine.{contract.name} "
            "WHERE list_contains(?, _batch_id) AND starts_with(reason, ?)",
            [ids, rule_reason(rule.name, "")],
        ).fetchone()
        held[rule.name] = int(row[0]) if row else 0
    outcomes = []
    for o in outcome.outcomes:
        if o.rule in held and o.expectation != "expect_table_row_count_to_be_between":
            o = replace(
                o,
                rows_checked=max(read, o.rows_checked),
                failing_rows=o.failing_rows + held[o.rule],
                observed=f"{held[o.rule]} of {read} rows read quarantined; {o.observed}",
            )
        outcomes.append(o)
    outcome.outcomes = outcomes
    return outcome


def record(
    con: duckdb.DuckDBPyConnection, outcome: SuiteOutcome, *, at: dt.datetime | None = None
) -> str | None:
    """Store one check run's results; returns the batch id they are filed under."""
    ensure_results(con)
    batches = latest_batches(con, outcome.dataset)
    batch_id = batches[0][0] if batches else None
    when = at or meta.utcnow()
    rows: list[tuple[object, ...]] = []
    for o in outcome.outcomes:
        rows.append(
            (outcome.dataset, batch_id, o.rule, o.column, o.on_fail, o.success, o.rows_checked,
             o.failing_rows, round(o.failing_share, 6), None, when)
        )  # fmt: skip
        if outcome.community_rows and o.expectation != "expect_table_row_count_to_be_between":
            for community, n in sorted(outcome.community_rows.items()):
                failing = o.by_community.get(community, 0)
                rows.append(
                    (outcome.dataset, batch_id, o.rule, o.column, o.on_fail, failing == 0, n,
                     failing, round(failing / n, 6) if n else 0.0, community, when)
                )  # fmt: skip
    if rows:
        con.executemany(
            "INSERT INTO lake.meta.quality_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return batch_id


@dataclass(frozen=True)
class TrendPoint:
    at: dt.datetime
    batch_id: str | None
    rule: str
    column: str | None
    on_fail: str
    success: bool
    rows_checked: int
    failing_rows: int
    failing_share: float


def trend(
    con: duckdb.DuckDBPyConnection, dataset: str, since: dt.date | None = None
) -> list[TrendPoint]:
    """Every stored run of the dataset's rules (whole dataset), oldest first."""
    ensure_results(con)
    rows = con.execute(
        """SELECT checked_at, batch_id, rule, "column", on_fail, success, rows_checked, failing_rows,
                  failing_share
           FROM lake.meta.quality_results
           WHERE dataset = ? AND community IS NULL AND (? IS NULL OR checked_at >= ?)
           ORDER BY checked_at, rule""",
        [dataset, since, since],
    ).fetchall()
    return [TrendPoint(*r) for r in rows]
