"""A bounded HTTP load on one server: ``python -m bench.api_load --server shuzhi --url …``.

Runs in a process of its own so the client's work never shares an interpreter
with the server it measures. 16 asyncio clients share one keep-alive pool and
each cycles through the same mix of calls (product pages, CSV downloads,
aggregate queries) until the time is up; each call is timed from sending to
the last byte. Prints one JSON summary: per kind of call, the count, the
statuses, and p50/p95/p99 latency of the answered (2xx) calls.

The API key comes from SHUZHI_BENCH_API_KEY, never the command line (which
every user of the machine can read).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

KEY_VARIABLE = "SHUZHI_BENCH_API_KEY"
CLIENTS = 16
PAGE_ROWS = 100
CSV_ROWS = 1000
# Typical street use: mostly browsing pages, now and then a download or a summary.
MIX = ("page", "query", "page", "csv", "page")
DATASETTE_DB = "bench"


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    params: dict[str, str | int] = field(default_factory=dict)
    body: dict[str, str] | None = None


MakeCall = Callable[[int], Call]  # the n-th call of its kind → what to send


# A purpose the street offices' grants accept (config/purposes.yaml): every read states one.
PURPOSE = "street_governance"


def shuzhi_calls(product: str, sql: str, rows: int) -> dict[str, MakeCall]:
    pages = max(1, rows // PAGE_ROWS)
    base = f"/api/v1/products/{product}/rows"
    return {
        "page": lambda n: Call(
            "GET", base, {"limit": PAGE_ROWS, "offset": n % pages * PAGE_ROWS, "purpose": PURPOSE}
        ),
        "csv": lambda n: Call(
            "GET", base, {"format": "csv", "limit": CSV_ROWS, "purpose": PURPOSE}
        ),
        "query": lambda n: Call("POST", "/api/v1/query", body={"sql": sql, "purpose": PURPOSE}),
    }


def datasette_calls(product: str, sql: str, rows: int) -> dict[str, MakeCall]:
    """The same reads from Datasette: rowid keyset pages (_next) stand in for offsets."""
    pages = max(1, rows // PAGE_ROWS)
    table = f"/{DATASETTE_DB}/{product}"

    def page(n: int) -> Call:
        params: dict[str, str | int] = {"_size": PAGE_ROWS, "_shape": "objects"}
        if n % pages:
            params["_next"] = n % pages * PAGE_ROWS
        return Call("GET", f"{table}.json", params)

    return {
        "page": page,
        "csv": lambda n: Call("GET", f"{table}.csv", {"_size": CSV_ROWS}),
        "query": lambda n: Call("GET", f"/{DATASETTE_DB}.json", {"sql": sql, "_shape": "objects"}),
    }


FLAVOURS = {"shuzhi": shuzhi_calls, "datasette": datasette_calls}


@dataclass
class Timings:
    statuses: Counter[str] = field(default_factory=Counter)
    answered: list[float] = field(default_factory=list)  # seconds of each 2xx call

    def summary(self) -> dict[str, object]:
        ms = sorted(t * 1000 for t in self.answered)
        return {
            "requests": sum(self.statuses.values()),
            "ok": len(ms),
            "statuses": dict(self.statuses),
            "p50_ms": _percentile(ms, 50),
            "p95_ms": _percentile(ms, 95),
            "p99_ms": _percentile(ms, 99),
        }


def _percentile(sorted_ms: list[float], p: int) -> float:
    if len(sorted_ms) < 2:
        return sorted_ms[0] if sorted_ms else 0.0
    return statistics.quantiles(sorted_ms, n=100, method="inclusive")[p - 1]


async def _send(client: httpx.AsyncClient, call: Call) -> str:
    try:
        answer = await client.request(call.method, call.path, params=call.params, json=call.body)
    except httpx.HTTPError as failure:
        return type(failure).__name__  # a refused or timed-out call is an error too
    return str(answer.status_code)


async def _one_client(
    client: httpx.AsyncClient,
    calls: dict[str, MakeCall],
    first: int,
    deadline: float,
    timings: dict[str, Timings],
) -> None:
    n = first  # clients start at different points of the mix, so every kind runs at once
    while time.perf_counter() < deadline:
        kind = MIX[n % len(MIX)]
        started = time.perf_counter()
        status = await _send(client, calls[kind](n // len(MIX)))
        elapsed = time.perf_counter() - started
        timings[kind].statuses[status] += 1
        if status.startswith("2"):
            timings[kind].answered.append(elapsed)
        n += 1


async def run_load(
    url: str, calls: dict[str, MakeCall], seconds: float, headers: dict[str, str]
) -> dict[str, object]:
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=60
    ) as client:
        # Not measured: opening the connections, filling caches, starting the workers a
        # running server keeps warm (one per call that may run at once).
        for make in calls.values():
            await asyncio.gather(*(_send(client, make(i)) for i in range(CLIENTS)))
        timings = {kind: Timings() for kind in calls}
        started = time.perf_counter()
        await asyncio.gather(
            *(_one_client(client, calls, i, started + seconds, timings) for i in range(CLIENTS))
        )
        elapsed = time.perf_counter() - started
    return {
        "seconds": elapsed,
        "clients": CLIENTS,
        "kinds": {kind: t.summary() for kind, t in timings.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", choices=sorted(FLAVOURS), required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--product", required=True)
    parser.add_argument("--sql", required=True)
    parser.add_argument("--rows", type=int, required=True, help="rows in the product")
    parser.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args()
    key = os.environ.get(KEY_VARIABLE)
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    calls = FLAVOURS[args.server](args.product, args.sql, args.rows)
    print(json.dumps(asyncio.run(run_load(args.url, calls, args.seconds, headers))))


if __name__ == "__main__":
    main()
