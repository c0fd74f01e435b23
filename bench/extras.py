"""Benchmark stages beyond one dataset: products, a room, a query, incremental, PII anchor."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from bench.meter import Stage, measure, median_stage
from connectors.config import SqlSource, expand_home
from pipelines import steps
from pipelines.hub import Hub

STREET_OFFICE = "street_donghu"
STREET_QUERY = (
    "SELECT community_name, category, sum(cases) AS cases, avg(on_time_rate) AS on_time "
    "FROM street_case_stats GROUP BY ALL ORDER BY cases DESC"
)
QUERY_REPEATS = 15


def products(hub: Hub) -> Stage:
    """Every product whose inputs the benchmark governs (the datasets it measures)."""
    from bench.report import DATASETS

    names = [p.name for p in hub.catalog.products.values() if set(p.inputs) <= set(DATASETS)]
    stage = Stage("products", "governed")
    merged = {
        d for p in names for d in hub.catalog.products[p].inputs if hub.catalog.datasets[d].merge
    }
    with measure(stage):
        for dataset in sorted(merged):  # case products read the merge's case ids
            steps.merge_step(hub, dataset)
        stage.rows = sum(steps.build_product_step(hub, p) for p in names)
    stage.note = f"{len(names)} products"
    return stage


def one_room(hub: Hub) -> Stage:
    from policies.rooms import build_room

    stage = Stage("data room (one street)", "governed")
    with measure(stage), hub.lake() as con:
        report = build_room(
            con, hub.home.rooms, STREET_OFFICE, hub.catalog, hub.policies, hub.keystore
        )
        stage.rows = sum(report.products.values())
    stage.note = STREET_OFFICE
    return stage


def street_query(hub: Hub, plain_dir: Path) -> list[Stage]:
    """The same street query through the gateway and on a plain DuckDB copy of the product."""
    from gateway.service import QueryGateway

    plain = plain_dir / "street_case_stats.duckdb"
    plain.unlink(missing_ok=True)
    room = hub.home.rooms / f"{STREET_OFFICE}.duckdb"
    with duckdb.connect(str(plain)) as copy:
        copy.execute(f"ATTACH '{room}' AS room (READ_ONLY)")
        copy.execute("CREATE TABLE street_case_stats AS SELECT * FROM room.street_case_stats")
        copy.execute("DETACH room")
    gateway = QueryGateway(hub.catalog, hub.policies, hub.home.rooms, hub.audit)

    def via_gateway() -> int:
        answer = gateway.query(STREET_OFFICE, STREET_QUERY, purpose="street_governance")
        return answer.result.table.num_rows

    def on_plain_copy() -> int:
        with duckdb.connect(str(plain), read_only=True) as con:
            return con.execute(STREET_QUERY).fetch_arrow_table().num_rows

    return [
        median_stage("street query (gateway)", "query", via_gateway, QUERY_REPEATS),
        median_stage("street query (plain)", "query", on_plain_copy, QUERY_REPEATS),
    ]


def change_one_percent(source: SqlSource) -> int:
    """A department edits 1% of its residents: new phone, later updated_at."""
    path = expand_home(source.connection.path or "")
    con = sqlite3.connect(path)
    try:
        # Now is later than every earlier edit, so each benchmark run sees a fresh change.
        later = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        cur = con.execute(
            f"UPDATE {source.table} SET updated_at = ? WHERE person_id % 100 = 7", [later]
        )
        con.commit()
        return cur.rowcount
    finally:
        con.close()


def incremental(hub: Hub, full_seconds: float) -> Stage:
    source = hub.catalog.source_for("population")
    assert isinstance(source, SqlSource)
    changed = change_one_percent(source)
    stage = Stage("incremental sync (1% changed)", "incremental", "population")
    with measure(stage):
        steps.sync_dataset(hub, "population")
        stage.rows = sum(r.rows_read for r in steps.stage_dataset(hub, "population"))
    stage.note = f"{changed:,} rows changed at the source"
    stage.extra["full_sync_seconds"] = full_seconds
    stage.extra["share_of_full"] = stage.seconds / full_seconds if full_seconds else 0.0
    return stage


def pii_anchor(texts: pa.Array) -> list[Stage]:
    """Our detection (both cores, then one) against plain Presidio batch analysis.

    Same recognizers, same texts; the stage notes say whether the findings are
    identical (equal recall is the condition of the comparison). Workers are
    started before timing, as a running code server holds them. Each side starts
    with jieba's segment caches empty, so neither reuses the other's work. The
    one-core stages also record CPU seconds: on a shared machine the wall clock
    counts other processes' time too, the CPU time counts only this one's.
    """
    from presidio_analyzer import BatchAnalyzerEngine

    from pii import segmenter
    from pii.detector import Finding, resolve_overlaps
    from pii.parallel import available_workers, find_column, prestart
    from pii.registry import LANGUAGE
    from pii.text_scan import default_detector

    detector = default_detector()
    workers = available_workers()
    started = prestart(workers)
    if started is not None:
        started.result()
    find_column(texts.slice(0, 1), detector=detector, workers=workers)

    found: dict[str, list[list[Finding]]] = {}
    stages = []
    runs = (("PII detection (shuzhi, all cores)", workers), ("PII detection (shuzhi, 1 core)", 1))
    for name, count in runs:
        stage = Stage(name, "pii", "cases")
        stage.extra["workers"] = count
        segmenter.clear_caches()
        cpu = time.process_time()
        with measure(stage):
            found[name] = find_column(texts, detector=detector, workers=count)
            stage.rows = len(texts)
        if count == 1:
            stage.extra["cpu_seconds"] = time.process_time() - cpu
        stages.append(stage)

    plain = Stage("PII detection (plain Presidio batch)", "pii", "cases")
    plain.extra["workers"] = 1
    batch = BatchAnalyzerEngine(analyzer_engine=detector.analyzer)
    values = [t or "" for t in texts.to_pylist()]
    segmenter.clear_caches()
    cpu = time.process_time()
    with measure(plain):
        results = list(
            batch.analyze_iterator(
                values, language=LANGUAGE, batch_size=500, score_threshold=detector.threshold
            )
        )
        plain.rows = len(values)
    plain.extra["cpu_seconds"] = time.process_time() - cpu
    stages.append(plain)
    reference = [
        resolve_overlaps(Finding(r.entity_type, r.start, r.end, r.score) for r in row)
        for row in results
    ]
    for stage, rows in zip(stages, [*found.values(), reference], strict=True):
        total = sum(len(row) for row in rows)
        same = "identical to" if rows == reference else "DIFFERENT from"
        stage.note = (
            f"{total:,} findings in {sum(1 for r in rows if r):,} texts; {same} plain Presidio"
        )
        stage.extra["texts_per_second"] = stage.rows_per_second
        stage.extra["findings"] = total
        stage.extra["identical"] = float(rows == reference)
        if stage.extra.get("cpu_seconds"):
            stage.extra["cpu_texts_per_second"] = stage.rows / stage.extra["cpu_seconds"]
    return stages
