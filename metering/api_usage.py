"""What the API delivered: calls, rows, bytes, errors and latency per caller, principal,
product and day, kept in the hub's own lakehouse (``lake.meta.api_usage``).

The service appends one line per call to ``state/api_usage.jsonl`` (one write,
no lake session: a long sync holds the lakehouse and must not stall the API);
``load_pending`` moves those lines into the lake, then ``usage_report`` sums
them. Lines hold ids, route templates and counts only, never values.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from home.private_files import exclusive_lock
from lakehouse.connection import LAKE, lake_transaction, table_exists

PENDING_FILE = "api_usage.jsonl"
TABLE = f"{LAKE}.meta.api_usage"


@dataclass(frozen=True)
class UsageLine:
    called_at: str  # UTC, ISO seconds
    caller: str  # "client c-0001", "person u-0002", "anonymous"
    principal: str
    route: str  # "GET /api/v1/products/{name}/rows"
    product: str
    status: int
    rows: int
    bytes: int
    ms: float


def record(state_dir: Path, line: UsageLine) -> None:
    """Append one call (one write() on an O_APPEND file: lines from threads never mix)."""
    data = (json.dumps(asdict(line), ensure_ascii=False) + "\n").encode()
    fd = os.open(state_dir / PENDING_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


_SCHEMA = pa.schema(
    [
        ("called_at", pa.timestamp("s", tz="UTC")),
        ("caller", pa.string()),
        ("principal", pa.string()),
        ("route", pa.string()),
        ("product", pa.string()),
        ("status", pa.int32()),
        ("rows", pa.int64()),
        ("bytes", pa.int64()),
        ("ms", pa.float64()),
    ]
)


def load_pending(con: duckdb.DuckDBPyConnection, state_dir: Path) -> int:
    """Move the pending lines into the lake in one transaction; return how many. Two
    loaders on one machine (a server's refresh, `shuzhi api usage`) take turns."""
    with exclusive_lock(state_dir / f".{PENDING_FILE}.lock"):
        return _load_pending(con, state_dir)


def _load_pending(con: duckdb.DuckDBPyConnection, state_dir: Path) -> int:
    pending = state_dir / PENDING_FILE
    if not pending.exists() and not pending.with_name(f"{PENDING_FILE}.loading").exists():
        return 0
    taking = pending.with_name(f"{PENDING_FILE}.loading")
    if not taking.exists():  # a load that died midway is retried as it was
        os.replace(pending, taking)
    lines = [json.loads(text) for text in taking.read_text("utf-8").splitlines() if text.strip()]
    for line in lines:
        line["called_at"] = dt.datetime.fromisoformat(line["called_at"])
    table = pa.Table.from_pylist(lines, schema=_SCHEMA)
    with lake_transaction(con):
        if not table_exists(con, "meta", "api_usage"):
            con.execute(
                f"CREATE TABLE {TABLE} (called_at TIMESTAMPTZ, caller VARCHAR, principal VARCHAR, "
                "route VARCHAR, product VARCHAR, status INTEGER, rows BIGINT, bytes BIGINT, "
                "ms DOUBLE)"
            )
        if table.num_rows:
            con.register("usage_lines", table)
            con.execute(f"INSERT INTO {TABLE} BY NAME SELECT * FROM usage_lines")
            con.unregister("usage_lines")
    taking.unlink()
    return table.num_rows


def usage_report(
    con: duckdb.DuckDBPyConnection, *, since: dt.date | None = None
) -> list[dict[str, Any]]:
    """Calls, rows, bytes, errors and latency per day, caller, principal and product."""
    if not table_exists(con, "meta", "api_usage"):
        return []
    rows = con.execute(
        f"""
        SELECT CAST(called_at AS DATE) AS day, caller, principal, product,
               count(*) AS calls, sum(rows) AS rows, sum(bytes) AS bytes,
               count(*) FILTER (WHERE status >= 400) AS errors,
               round(median(ms), 1) AS p50_ms, round(quantile_cont(ms, 0.95), 1) AS p95_ms
        FROM {TABLE}
        WHERE ? IS NULL OR CAST(called_at AS DATE) >= ?
        GROUP BY ALL ORDER BY day, caller, principal, product
        """,
        [since, since],
    ).fetch_arrow_table()
    return rows.to_pylist()
