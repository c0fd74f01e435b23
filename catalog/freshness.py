"""Is the data as fresh as its contract expects? One rule for every place that asks.

A source is fresh while its last committed sync (``lake.meta.batches``) is younger than
its dataset's ``update.freshness_hours``; a sync that found nothing new still counts, a
failed one does not. A dataset is as fresh as its stalest source (a channel that stopped
makes the dataset stale). A product is fresh while its last build is younger than its own
expectation and every input dataset is fresh: a product built on stale data is stale.

The catalogue (``catalog list``), ``sources list`` and the Dagster freshness checks all
call these functions on the same timestamps, so the three always agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from catalog.contracts import UpdateSpec
from catalog.registry import Catalog
from lakehouse.meta import utc_iso

State = Literal["fresh", "stale", "never"]
STATE_LABELS: dict[str, str] = {"fresh": "及时", "stale": "过期", "never": "从未同步"}


@dataclass(frozen=True)
class Freshness:
    state: State
    expected_hours: int
    last_update: dt.datetime | None  # naive UTC, as the lakehouse keeps it
    now: dt.datetime
    stale_because: tuple[str, ...] = ()  # sources or inputs that make it stale

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def age_hours(self) -> float | None:
        if self.last_update is None:
            return None
        return (self.now - self.last_update).total_seconds() / 3600

    @property
    def fresh_until(self) -> dt.datetime | None:
        if self.last_update is None:
            return None
        return self.last_update + dt.timedelta(hours=self.expected_hours)

    def text(self) -> str:
        """``过期 (31 h > 26 h)``: the state with why, for tables."""
        if self.state == "never":
            return self.label
        age = self.age_hours or 0.0
        shown = f"{self.label} ({age:.0f} h {'>' if age > self.expected_hours else '≤'} "
        shown += f"{self.expected_hours} h)"
        if self.stale_because:
            shown += f" {', '.join(self.stale_because)}"
        return shown

    def as_dict(self) -> dict[str, object]:
        return {
            "state": self.state,
            "label": self.label,
            "expected_hours": self.expected_hours,
            "last_update": utc_iso(self.last_update),
            "age_hours": None if self.age_hours is None else round(self.age_hours, 2),
            "stale_because": list(self.stale_because),
        }


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def freshness_of(
    update: UpdateSpec, last_update: dt.datetime | None, now: dt.datetime
) -> Freshness:
    """One source (or one build): fresh while younger than ``update.freshness_hours``."""
    hours = update.freshness_hours
    if last_update is None:
        return Freshness("never", hours, None, now)
    stale = now - last_update > dt.timedelta(hours=hours)
    return Freshness("stale" if stale else "fresh", hours, last_update, now)


def dataset_freshness(
    update: UpdateSpec,
    sources: list[str],
    last_syncs: Mapping[str, dt.datetime],
    now: dt.datetime,
) -> Freshness:
    """A dataset is as fresh as its stalest source; never synced if no source ever was."""
    each = {s: freshness_of(update, last_syncs.get(s), now) for s in sources}
    synced = [f.last_update for f in each.values() if f.last_update is not None]
    if not synced:
        return Freshness("never", update.freshness_hours, None, now)
    behind = tuple(s for s, f in each.items() if f.state != "fresh")
    oldest = min(synced)
    if behind:
        because = behind if len(sources) > 1 else ()
        return Freshness("stale", update.freshness_hours, oldest, now, because)
    return Freshness("fresh", update.freshness_hours, oldest, now)


def product_freshness(
    update: UpdateSpec,
    last_build: dt.datetime | None,
    inputs: Mapping[str, Freshness],
    now: dt.datetime,
) -> Freshness:
    """A product: its own build age, and stale whenever an input dataset is not fresh."""
    own = freshness_of(update, last_build, now)
    if own.state == "never":
        return own
    behind = tuple(name for name, f in inputs.items() if f.state != "fresh")
    if behind:
        return Freshness("stale", own.expected_hours, last_build, now, behind)
    return own


@dataclass(frozen=True)
class CatalogFreshness:
    """The freshness of every source, dataset and product of a catalogue at one moment."""

    sources: dict[str, Freshness]
    datasets: dict[str, Freshness]
    products: dict[str, Freshness]


def catalog_freshness(
    catalog: Catalog,
    last_syncs: Mapping[str, dt.datetime],
    last_builds: Mapping[str, dt.datetime],
    now: dt.datetime | None = None,
) -> CatalogFreshness:
    """``last_syncs``/``last_builds``: from ``lakehouse.meta.last_syncs``/``last_builds``."""
    now = now or utcnow()
    sources = {
        name: freshness_of(catalog.datasets[s.dataset].update, last_syncs.get(name), now)
        for name, s in catalog.sources.items()
    }
    datasets = {
        name: dataset_freshness(
            contract.update,
            [s.name for s in catalog.sources.values() if s.dataset == name],
            last_syncs,
            now,
        )
        for name, contract in catalog.datasets.items()
    }
    products = {
        name: product_freshness(
            product.update,
            last_builds.get(name),
            {d: datasets[d] for d in product.inputs if d in datasets},
            now,
        )
        for name, product in catalog.products.items()
    }
    return CatalogFreshness(sources, datasets, products)
