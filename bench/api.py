"""The API stage (issue 14): the hub's HTTP API under load, next to Datasette on the same rows.

Both servers run in processes of their own on loopback ports: the hub's API
(bench.api_server, with a bench client's key) and Datasette serving a SQLite
copy of the street's product with no authentication at all. The load
generator (bench.api_load, one more process) runs the same mix against each in
turn. Then one typical query is timed through the API and through the
in-process gateway, and the audit log, which got one event per call, must
still verify.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import httpx

from bench import api_load
from bench.extras import QUERY_REPEATS, STREET_OFFICE
from bench.meter import Stage, measure, median_stage, served_peak
from bench.served import Command, serving
from pipelines.hub import Hub

GROUP = "api"
PRODUCT = "street_case_stats"
# Portable SQL (no GROUP BY ALL) so DuckDB behind the API and SQLite behind Datasette
# answer the very same statement.
TYPICAL_QUERY = (
    "SELECT community_name, category, sum(cases) AS cases, avg(on_time_rate) AS on_time "
    f"FROM {PRODUCT} GROUP BY community_name, category ORDER BY cases DESC"
)
SERVERS = ("shuzhi", "datasette")
KINDS = ("page", "csv", "query")
ALL_CALLS = "all calls"
API_QUERY = "typical query (API)"
GATEWAY_QUERY = "typical query (in-process gateway)"
AUDIT_VERIFY = "audit log verify"
DEFAULT_SECONDS = 30.0


def load_stage_name(kind: str, server: str) -> str:
    return f"{kind} ({server})"


def api_stages(hub: Hub, out: Path, seconds: float = DEFAULT_SECONDS) -> list[Stage]:
    key = _bench_key(hub)
    sqlite_path = out / "datasette" / f"{api_load.DATASETTE_DB}.db"
    rows = _export_for_datasette(hub, sqlite_path)
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    stages: list[Stage] = []
    with (
        serving(_shuzhi_command, "/healthz", logs / "api-server.log") as shuzhi,
        serving(_datasette_command(sqlite_path), "/-/versions.json", logs / "datasette.log") as ds,
    ):
        shuzhi.wait_until_up()  # both were started at once: their start-ups overlap
        ds.wait_until_up()
        stages += _query_times(hub, shuzhi.url, key)
        for name, server in (("shuzhi", shuzhi), ("datasette", ds)):
            key_of = key if name == "shuzhi" else None
            stages += _load(name, server.url, server.process.pid, rows, seconds, key_of)
    stages.append(_verify_audit(hub))
    return stages


def _bench_key(hub: Hub) -> str:
    """A client system of the street with an approved key, as a steward would issue it."""
    from identity.clients import approve_client, register_client
    from identity.models import Identity

    client = register_client(
        hub,
        principal=STREET_OFFICE,
        name="bench load generator",
        scopes=["products:read", "query"],
        requested_by="operator bench",
    )
    steward = Identity("person", "u-bench", "steward_district", "session", frozenset({"approver"}))
    issued = approve_client(hub, client.id, approver=steward, reason="bench")
    return issued.key


def _export_for_datasette(hub: Hub, path: Path) -> int:
    """The street's product as it stands in its data room, as one SQLite table."""
    room = hub.home.rooms / f"{STREET_OFFICE}.duckdb"
    with duckdb.connect(str(room), read_only=True) as con:
        table = con.execute(f"SELECT * FROM {PRODUCT}").fetch_arrow_table()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    columns = ", ".join(f'"{c}"' for c in table.column_names)
    marks = ", ".join("?" for _ in table.column_names)
    rows = [[_sqlite_value(v) for v in row.values()] for row in table.to_pylist()]
    copy = sqlite3.connect(path)
    try:
        with copy:  # one transaction
            copy.execute(f"CREATE TABLE {PRODUCT} ({columns})")
            copy.executemany(f"INSERT INTO {PRODUCT} VALUES ({marks})", rows)
    finally:
        copy.close()
    return table.num_rows


def _sqlite_value(value: object) -> object:
    # SQLite stores text, numbers and NULL; dates go as ISO text, as Datasette shows them.
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def _shuzhi_command(port: int) -> list[str]:
    return [sys.executable, "-m", "bench.api_server", "--port", str(port)]


def _datasette_command(path: Path) -> Command:
    def command(port: int) -> list[str]:
        # Immutable (-i): a read-only file, as the street's room is read-only to its readers.
        return [
            sys.executable, "-m", "datasette", "serve", "-i", str(path),
            "--host", "127.0.0.1", "--port", str(port),
            "--setting", "default_page_size", str(api_load.PAGE_ROWS),
            "--setting", "max_returned_rows", str(api_load.CSV_ROWS),
        ]  # fmt: skip

    return command


def _query_times(hub: Hub, url: str, key: str) -> list[Stage]:
    """Median answer time of one typical query through the API and in process."""
    from gateway.service import QueryGateway

    gateway = QueryGateway(hub.catalog, hub.policies, hub.home.rooms, hub.audit)
    body = {"sql": TYPICAL_QUERY, "purpose": "street_governance"}
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as c:

        def via_api() -> int:
            answer = c.post("/api/v1/query", json=body)
            answer.raise_for_status()
            return len(answer.json()["rows"])

        def in_process() -> int:
            answer = gateway.query(STREET_OFFICE, TYPICAL_QUERY, purpose="street_governance")
            return answer.result.table.num_rows

        stages = [
            median_stage(name, GROUP, run, QUERY_REPEATS, PRODUCT)
            for name, run in ((API_QUERY, via_api), (GATEWAY_QUERY, in_process))
        ]
    return stages


def _load(
    server: str, url: str, pid: int, rows: int, seconds: float, key: str | None
) -> list[Stage]:
    """One load run on one server: a stage per kind of call and one for all of them."""
    env = {k: v for k, v in os.environ.items() if k != api_load.KEY_VARIABLE}
    if key:
        env[api_load.KEY_VARIABLE] = key
    command = [
        sys.executable, "-m", "bench.api_load", "--server", server, "--url", url,
        "--product", PRODUCT, "--sql", TYPICAL_QUERY, "--rows", str(rows),
        "--seconds", str(seconds),
    ]  # fmt: skip
    total = Stage(load_stage_name(ALL_CALLS, server), GROUP, PRODUCT)
    with measure(total), served_peak(total, pid):
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=seconds + 300, check=True
        )
    result = json.loads(done.stdout)
    window = float(result["seconds"])
    stages = []
    statuses: dict[str, int] = {}
    for kind in KINDS:
        summary = result["kinds"][kind]
        stage = Stage(load_stage_name(kind, server), GROUP, PRODUCT, seconds=window)
        stage.rows = summary["ok"]
        stage.peak_rss_mb = total.peak_rss_mb
        stage.extra["server_peak_rss_mb"] = total.extra["server_peak_rss_mb"]
        _describe(stage, summary["statuses"])
        for p in ("p50_ms", "p95_ms", "p99_ms"):
            stage.extra[p] = summary[p]
        stages.append(stage)
        for status, count in summary["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    total.seconds = window
    total.rows = sum(s.rows for s in stages)
    _describe(total, statuses)
    total.note += f"; {result['clients']} clients"
    return [*stages, total]


def _describe(stage: Stage, statuses: dict[str, int]) -> None:
    """Answered calls/s, and every other outcome counted by its status (429s apart)."""
    stage.extra["requests_per_second"] = stage.rows_per_second
    stage.extra["rate_limited"] = statuses.get("429", 0)
    stage.extra["errors"] = sum(
        n for status, n in statuses.items() if not status.startswith("2") and status != "429"
    )
    others = {s: n for s, n in sorted(statuses.items()) if not s.startswith("2")}
    stage.note = "no errors" if not others else ", ".join(f"{n:,}× {s}" for s, n in others.items())


def _verify_audit(hub: Hub) -> Stage:
    from audit.verify import verify

    stage = Stage(AUDIT_VERIFY, GROUP)
    with measure(stage):
        result = verify(hub.home.audit / "audit.log")
    stage.rows = result.events
    stage.extra["intact"] = 1.0 if result.ok else 0.0
    stage.note = "intact" if result.ok else f"DAMAGED at line {result.line}: {result.problem}"
    return stage
