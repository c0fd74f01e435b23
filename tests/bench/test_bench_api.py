"""``shuzhi bench --stages api,pages`` serves, loads, compares and verifies, and times every
user's pages (never its timings).

At a small scale (5,000 residents and cases) with a 2-second load on each server: the
stage must run end to end and report sane, non-empty numbers, whatever they are.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import api

pytestmark = pytest.mark.slow
SHUZHI = Path(sys.executable).with_name("shuzhi")


@pytest.fixture(scope="module")
def bench(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], dict]:
    out = tmp_path_factory.mktemp("bench-api")
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("SHUZHI_HOME", None)
    done = subprocess.run(
        [str(SHUZHI), "bench", "--scale", "0.005", "--stages", "api,pages", "--api-seconds", "2",
         "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done, json.loads((out / "bench.json").read_text(encoding="utf-8"))


def test_only_the_api_and_pages_stages_are_reported(bench) -> None:
    done, report = bench
    assert {s["group"] for s in report["stages"]} == {"api", "pages"}
    assert "API under load" in done.stdout


def test_each_users_pages_answer_and_are_timed(bench) -> None:
    _, report = bench
    pages = [s for s in report["stages"] if s["group"] == "pages"]
    principals = {s["dataset"] for s in pages}
    assert principals == {"street_donghu", "steward_district", "reviewer_security",
                          "dept_hotline_12345"}  # fmt: skip
    homes = {s["name"] for s in pages}
    assert {"page /street", "page /steward", "page /reviewer", "page /department"} <= homes
    assert all(s["seconds"] > 0 for s in pages)
    answered = {s["name"]: s["note"] for s in pages}
    for home in ("/street", "/steward", "/reviewer", "/department"):
        assert answered[f"page {home}"] == "HTTP 200"
    # Only the engine's explained refusals besides answers: a list the crawl's purpose does
    # not cover (403), a product the bench's partial district never built (404).
    assert set(answered.values()) <= {"HTTP 200", "HTTP 403", "HTTP 404"}, answered
    assert sum(note == "HTTP 200" for note in answered.values()) > len(answered) * 0.8
    assert any(s["name"].startswith("chart data ") for s in pages)
    assert any(t["target"].startswith("slowest page") for t in report["targets"])


def test_every_kind_of_call_is_answered_on_both_servers(bench) -> None:
    _, report = bench
    for server in api.SERVERS:
        kinds = report["api"][server]
        assert set(kinds) == {*api.KINDS, api.ALL_CALLS}
        for kind, numbers in kinds.items():
            assert numbers["requests"] > 0, (server, kind)
            assert numbers["requests_per_second"] > 0, (server, kind)
            assert numbers["errors"] == 0, (server, kind)
            if kind != api.ALL_CALLS:
                assert 0 < numbers["p50_ms"] <= numbers["p95_ms"] <= numbers["p99_ms"]


def test_query_times_and_audit_are_reported_as_targets(bench) -> None:
    _, report = bench
    by_name = {s["name"]: s for s in report["stages"]}
    assert by_name[api.API_QUERY]["seconds"] > 0
    assert by_name[api.GATEWAY_QUERY]["seconds"] > 0
    assert by_name[api.API_QUERY]["rows"] == by_name[api.GATEWAY_QUERY]["rows"] > 0
    audit = by_name[api.AUDIT_VERIFY]
    assert audit["note"] == "intact" and audit["rows"] > 0
    targets = {t["target"] for t in report["targets"]}
    assert {
        "API calls/s vs Datasette (same mix)",
        "API page read p99 (ms)",
        "API errors other than 429",
        "API query / in-process gateway",
        "audit log verifies after the API load",
    } <= targets


@pytest.mark.parametrize("slow", [False, True])
def test_api_targets_are_marked(slow: bool) -> None:
    from bench.meter import Stage
    from bench.report import BenchReport
    from bench.run import plan

    assert plan(["api"]) == ({"api"}, {"api", "room", "products", "governed"})

    def load(server: str, per_second: float, p99: float) -> list[Stage]:
        return [
            Stage(api.load_stage_name(kind, server), api.GROUP, seconds=1.0, rows=int(per_second),
                  extra={"requests_per_second": per_second, "p50_ms": p99 / 2,
                         "p95_ms": p99, "p99_ms": p99, "errors": 0, "rate_limited": 0})
            for kind in (*api.KINDS, api.ALL_CALLS)
        ]  # fmt: skip

    report = BenchReport(0.1, 7, {}, [
        *load("shuzhi", 50.0 if slow else 200.0, 400.0 if slow else 40.0),
        *load("datasette", 100.0, 20.0),
        Stage(api.API_QUERY, api.GROUP, seconds=0.05 if slow else 0.011),
        Stage(api.GATEWAY_QUERY, api.GROUP, seconds=0.01),
        Stage(api.AUDIT_VERIFY, api.GROUP, rows=9, note="intact", extra={"intact": 1.0}),
    ])  # fmt: skip
    met = {t["target"]: t["met"] for t in report.targets()}
    for target in (
        "API calls/s vs Datasette (same mix)",
        "API page read p99 (ms)",
        "API query / in-process gateway",
    ):
        assert met[target] is not slow, target
    assert met["API errors other than 429"] and met["audit log verifies after the API load"]
