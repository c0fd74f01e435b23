"""Quality scores per dataset, department and community, from stored results.

A dataset's score (0-100) is the mean of three shares:
  rows passing   1 - failing rows / rows checked, over the rules of its latest check run
  not quarantined 1 - quarantined / read, over each source's newest staged batch
  fresh          1 when every source's last good sync is younger than the contract's
                 freshness_hours, else 0 (last sync age; no sync yet counts as stale)
A department's score is the mean of its datasets'; a community's is the mean of the rows
passing and freshness of the datasets that place rows in it (a quarantined row never
reached a community, so the quarantine share is the dataset's alone).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import duckdb

from catalog.freshness import dataset_freshness
from catalog.registry import Catalog
from lakehouse import meta
from quality import results


@dataclass(frozen=True)
class Score:
    name: str
    title: str
    score: float
    rows_passing: float
    quarantine_share: float | None
    fresh: float
    datasets: int

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _latest_run(con: duckdb.DuckDBPyConnection, dataset: str) -> list[tuple]:
    return con.execute(
        """SELECT community, sum(rows_checked), sum(failing_rows) FROM lake.meta.quality_results
           WHERE dataset = ? AND checked_at = (SELECT max(checked_at)
               FROM lake.meta.quality_results WHERE dataset = ?)
           GROUP BY community""",
        [dataset, dataset],
    ).fetchall()


def _fresh(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, dataset: str, now: dt.datetime
) -> bool:
    """Fresh as the catalogue says (catalog.freshness): every source synced within the
    contract's update.freshness_hours."""
    sources = [source.name for source in catalog.sources_for(dataset)]
    state = dataset_freshness(catalog.datasets[dataset].update, sources, meta.last_syncs(con), now)
    return state.state == "fresh"


def _share(checked: int, failing: int) -> float:
    return 1 - failing / checked if checked else 1.0


def scores(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, by: str, now: dt.datetime | None = None
) -> list[Score]:
    meta.ensure_meta(con)
    results.ensure_results(con)
    now = now or meta.utcnow()
    per_dataset: dict[str, Score] = {}
    per_community: dict[str, list[tuple[float, float]]] = {}
    for name, contract in catalog.datasets.items():
        run = _latest_run(con, name)
        whole = next(((c, f) for k, c, f in run if k is None), (0, 0))
        batches = results.latest_batches(con, name)
        read = sum(n for _, n in batches)
        held = 0
        if batches:
            row = con.execute(
                "SELECT sum(rows_quarantined) FROM lake.meta.reconciliation "
                "WHERE list_contains(?, batch_id)",
                [[b for b, _ in batches]],
            ).fetchone()
            held = int(row[0] or 0) if row else 0
        quarantine = held / read if read else 0.0
        fresh = 1.0 if _fresh(con, catalog, name, now) else 0.0
        passing = _share(int(whole[0] or 0), int(whole[1] or 0))
        per_dataset[name] = Score(
            name, contract.title, round(100 * (passing + 1 - quarantine + fresh) / 3, 1),
            round(passing, 4), round(quarantine, 4), fresh, 1,
        )  # fmt: skip
        for community, checked, failing in run:
            if community is not None:
                per_community.setdefault(community, []).append(
                    (_share(int(checked), int(failing)), fresh)
                )
    if by == "dataset":
        return sorted(per_dataset.values(), key=lambda s: s.score)
    if by == "department":
        out = []
        for dept_id, dept in catalog.departments.items():
            mine = [s for n, s in per_dataset.items() if catalog.datasets[n].owner == dept_id]
            if mine:
                out.append(_mean(dept_id, dept.name, mine))
        return sorted(out, key=lambda s: s.score)
    names = {c.code: c.name for _, c in catalog.district.communities}
    out = []
    for code, parts in per_community.items():
        passing = sum(p for p, _ in parts) / len(parts)
        fresh = sum(f for _, f in parts) / len(parts)
        out.append(
            Score(code, names.get(code, code), round(100 * (passing + fresh) / 2, 1),
                  round(passing, 4), None, round(fresh, 4), len(parts))
        )  # fmt: skip
    return sorted(out, key=lambda s: s.score)


def _mean(name: str, title: str, parts: list[Score]) -> Score:
    n = len(parts)
    return Score(
        name, title, round(sum(s.score for s in parts) / n, 1),
        round(sum(s.rows_passing for s in parts) / n, 4),
        round(sum(s.quarantine_share or 0 for s in parts) / n, 4),
        round(sum(s.fresh for s in parts) / n, 4), n,
    )  # fmt: skip
