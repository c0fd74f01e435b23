"""Our governed path for one dataset, stage by stage, with crypto and PII split out.

Sealing, tokens and redaction run inside sync, staging and protection; the
cost meters (``metering.costs``) say how much of each step they took, so the
report shows them as stages of their own and the steps without them.
"""

from __future__ import annotations

from bench.meter import Stage, measure
from connectors.config import AnySource
from metering.costs import CRYPTO, PII, since, snapshot
from pipelines import steps
from pipelines.hub import Hub


def primary_source(hub: Hub, dataset: str) -> AnySource:
    """The source the benchmark measures for a dataset: its first (for cases, the 12345
    hotline's drops, the bulk of the district's channel records)."""
    return hub.catalog.sources_for(dataset)[0]


def governed_dataset(hub: Hub, dataset: str) -> list[Stage]:
    stages: list[Stage] = []
    crypto = Stage(CRYPTO, "governed", dataset)
    pii = Stage(PII, "governed", dataset)

    def run(name: str, work: object) -> None:
        stage = Stage(name, "governed", dataset)
        before = snapshot()
        with measure(stage):
            stage.rows = work()  # type: ignore[operator]
        gained = since(before)
        stage.extra["gross_seconds"] = stage.seconds
        for meter, derived in ((CRYPTO, crypto), (PII, pii)):
            seconds, items = gained.get(meter, (0.0, 0))
            if seconds:
                stage.seconds -= seconds
                derived.seconds += seconds
                derived.rows += items
                derived.peak_rss_mb = max(derived.peak_rss_mb, stage.peak_rss_mb)
        stages.append(stage)

    source = primary_source(hub, dataset)
    run("sync", lambda: steps.sync_source(hub, source.name, full=True).rows_read)
    run("standardise", lambda: sum(r.rows_read for r in steps.stage_dataset(hub, dataset)))
    run("validate", lambda: steps.validate_staged(hub, dataset).rows)
    run("protect", lambda: steps.protect_dataset(hub, dataset).rows)
    crypto.note = "values sealed, opened or tokenised"
    pii.note = "texts analysed" if pii.rows else "column samples scanned"
    return [*stages, crypto, pii]
