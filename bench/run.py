"""Run the benchmark: generate (or reuse) the district, then floor and governed side by side.

The crypto stage needs no district: it measures whole-column sealing, opening
and tokenising on synthetic values, and runs first (it is short, and a
mismatch with its per-row baseline should stop the run before the long stages).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pyarrow as pa

from bench import audit_verify, crypto, extras, floor, startup
from bench.api import DEFAULT_SECONDS as API_SECONDS
from bench.api import api_stages
from bench.dlt_load import BACKENDS as DLT_BACKENDS
from bench.dlt_load import dlt_load
from bench.governed import governed_dataset, primary_source
from bench.meter import Stage, measure
from bench.pages import page_stages
from bench.report import DATASETS, BenchReport
from connectors.config import FileDropSource, HttpJsonSource, SqlSource
from demo.sizes import DistrictSize
from home.layout import Home, config_dir
from pipelines.hub import Hub

STAGES = (
    "floor", "dlt", "governed", "products", "room", "query", "api", "pages", "incremental", "pii",
    "crypto", "audit", "startup",
)  # fmt: skip
# What each stage needs to have run before it (run, but not reported, when not asked for).
NEEDS = {
    "products": {"governed"},
    "room": {"governed", "products"},
    "query": {"governed", "products", "room"},
    "api": {"governed", "products", "room"},
    "pages": {"governed", "products", "room"},
    "incremental": {"governed"},
    "startup": {"governed", "products", "room"},
}
# Stages that read the generated district (all but crypto and audit).
DISTRICT_STAGES = frozenset(STAGES) - {"crypto", "audit"}
PII_SAMPLE = 20_000
CRYPTO_VALUES = 200_000

Say = Callable[[str], None]
Keep = Callable[[list[Stage], str], None]  # report these stages if this stage was asked for


def plan(asked: Iterable[str]) -> tuple[set[str], set[str]]:
    """(stages to report, stages to run): prerequisites run too."""
    report = set(asked)
    unknown = report - set(STAGES)
    if unknown:
        raise ValueError(
            f"unknown stage(s) {', '.join(sorted(unknown))}; stages: {', '.join(STAGES)}"
        )
    run = set(report)
    for stage in report:
        run |= NEEDS.get(stage, set())
    return report, run


def generate_or_reuse_district(hub: Hub, seed: int, size: DistrictSize, say: Say) -> None:
    from demo.generate import generate_district
    from demo.manifest import DemoManifest

    manifest_path = hub.home.departments / "manifest.json"
    if manifest_path.exists():
        known = DemoManifest.load(hub.home.departments)
        if known.seed == seed and known.size == size:
            say(f"reusing the generated district in {hub.home.departments}")
            return
    say(f"generating the district ({size.residents:,} residents, {size.cases:,} cases)…")
    started = time.monotonic()
    generate_district(hub.home, seed=seed, size=size, district=hub.catalog.district)
    say(f"generated in {time.monotonic() - started:.0f}s")


def _floor(hub: Hub, dataset: str, plain_dir: Path, token: str) -> Stage:
    source = primary_source(hub, dataset)
    stage = Stage("plain read", "floor", dataset)
    con = floor.plain_connection(plain_dir / f"{dataset}.duckdb")
    try:
        with measure(stage):
            if isinstance(source, SqlSource):
                stage.rows = floor.read_sql(con, source)
            elif isinstance(source, HttpJsonSource):
                stage.rows = floor.read_http(con, source, token)
            else:
                assert isinstance(source, FileDropSource)
                stage.rows = floor.read_files(con, source)
    finally:
        con.close()
    stage.note = source.kind
    return stage


def _case_texts(hub: Hub, plain_dir: Path, limit: int) -> pa.Array:
    """Case texts from the floor's plain copy of the drops (read here if the floor did not run)."""
    path = plain_dir / "cases.duckdb"
    if not path.exists():
        source = primary_source(hub, "cases")
        assert isinstance(source, FileDropSource)
        with floor.plain_connection(path) as con:
            floor.read_files(con, source)
    with floor.plain_connection(path, keep=True) as con:
        present = {r[0] for r in con.execute("DESCRIBE cases").fetchall()}
        text_columns = [c for c in ("诉求内容", "问题描述") if c in present]
        expr = "coalesce(" + ", ".join(f'"{c}"' for c in text_columns) + ")"
        return (
            con.execute(f"SELECT {expr} AS text FROM cases LIMIT {limit}")
            .fetch_arrow_table()
            .column("text")
            .combine_chunks()
        )


def _warm_up(hub: Hub, say: Say) -> None:
    """Load what a running code server holds already: GX, the PII detector, the lakehouse.

    One-off import and start-up costs would otherwise land on whichever dataset
    comes first and say nothing about governing data.
    """
    started = time.monotonic()
    import great_expectations  # noqa: F401

    from pii.warm_worker import warm
    from quality import expectations  # noqa: F401

    warm()
    with hub.lake() as con:
        con.execute("SELECT 1")
    say(f"warmed up (imports, PII detector, lakehouse) in {time.monotonic() - started:.1f}s")


def run_bench(
    out: Path,
    *,
    scale: float,
    seed: int,
    asked: Iterable[str],
    say: Say,
    crypto_values: int = CRYPTO_VALUES,
    api_seconds: float = API_SECONDS,
    audit_events: int = audit_verify.EVENTS,
    startup_runs: int = startup.RUNS,
) -> BenchReport:
    report_stages, run_stages = plan(asked)
    out.mkdir(parents=True, exist_ok=True)
    size = DistrictSize.bench(scale)
    report = BenchReport(
        scale,
        seed,
        {
            "residents": size.residents,
            "enterprises": size.enterprises,
            "cases": size.cases,
            "assistance": size.assistance,
        },
    )

    def keep(stages: list[Stage], name: str) -> None:
        if name in report_stages:
            report.stages.extend(stages)
            for s in stages:
                say(
                    f"{s.group:<11} {s.dataset or '':<12} {s.name:<34} {s.seconds:8.2f}s  {s.rows:>10,} rows  {s.peak_rss_mb:7.0f} MiB"
                )

    if "crypto" in run_stages:
        say(f"crypto: {crypto_values:,} values per column, ours next to per-row loops…")
        keep(crypto.crypto_throughput(crypto_values, seed=seed), "crypto")
    if "audit" in run_stages:
        say(f"audit: verifying a log of {audit_events:,} events and its signed checkpoints…")
        keep(audit_verify.audit_verify(out.resolve() / "audit-bench", audit_events), "audit")
    if run_stages & DISTRICT_STAGES:
        _district_stages(out, seed, size, run_stages, keep, say, api_seconds, startup_runs)
    return report


def _district_stages(
    out: Path,
    seed: int,
    size: DistrictSize,
    run_stages: set[str],
    keep: Keep,
    say: Say,
    api_seconds: float,
    startup_runs: int,
) -> None:
    """Every stage that reads the generated district, in its order."""
    from demo.enterprise_api import EnterpriseApiServer
    from demo.generate import api_token_path
    from encryption.master_key import MASTER_KEY_FILE, create_key_file

    home = Home(out.resolve() / "home").ensure()
    os.environ["SHUZHI_HOME"] = str(home.root)  # source paths say ${SHUZHI_HOME}
    os.environ.pop("SHUZHI_MASTER_KEY", None)
    hub = Hub(home, config_dir())
    if not (home.keys / MASTER_KEY_FILE).exists():
        create_key_file(home.keys / MASTER_KEY_FILE)
    generate_or_reuse_district(hub, seed, size, say)
    for folder in (home.lakehouse, home.rooms):
        shutil.rmtree(folder, ignore_errors=True)
    home.ensure()
    plain_dir = out.resolve() / "plain"
    shutil.rmtree(plain_dir, ignore_errors=True)
    plain_dir.mkdir()

    _warm_up(hub, say)
    token = api_token_path(home).read_text(encoding="utf-8").strip()
    data = home.departments / "market_regulation" / "enterprises.jsonl"
    with EnterpriseApiServer(data, token) as api:
        os.environ["SHUZHI_MARKET_API_URL"] = api.url
        os.environ["SHUZHI_MARKET_API_TOKEN"] = token
        full_population = 0.0
        for dataset in DATASETS:
            if "floor" in run_stages:
                keep([_floor(hub, dataset, plain_dir, token)], "floor")
            if "dlt" in run_stages and dataset == "population":
                source = primary_source(hub, dataset)
                assert isinstance(source, SqlSource)
                keep([dlt_load(source, plain_dir, backend) for backend in DLT_BACKENDS], "dlt")
            if "governed" in run_stages:
                stages = governed_dataset(hub, dataset)
                if dataset == "population":
                    # What a full sync costs, crypto included, to set the incremental against.
                    full_population = sum(
                        s.extra["gross_seconds"]
                        for s in stages
                        if s.name in ("sync", "standardise")
                    )
                keep(stages, "governed")
        if "products" in run_stages:
            keep([extras.products(hub)], "products")
        if "room" in run_stages:
            keep([extras.one_room(hub)], "room")
        if "query" in run_stages:
            keep(extras.street_query(hub, plain_dir), "query")
        if "api" in run_stages:
            say(f"api: the hub's API and Datasette, {api_seconds:g}s of load on each…")
            keep(api_stages(hub, out.resolve(), api_seconds), "api")
        if "pages" in run_stages:
            say("pages: each user's pages through the served hub…")
            keep(page_stages(hub, out.resolve()), "pages")
        if "startup" in run_stages:
            say(f"startup: each command {startup_runs} times as a new process…")
            keep(startup.startup_stages(hub, startup_runs), "startup")
        if "incremental" in run_stages:
            keep([extras.incremental(hub, full_population)], "incremental")
    if "pii" in run_stages:
        texts = _case_texts(hub, plain_dir, PII_SAMPLE)
        keep(extras.pii_anchor(texts), "pii")
