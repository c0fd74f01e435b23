"""The district's assessment of each department's sharing (共享考核), per department:

datasets registered   contracts the department owns in the catalogue
freshness met         how many of them are fresh now (``catalog.freshness``)
quality score         mean of its datasets' scores (``quality.scores``, 0-100)
requests answered     access requests for its products (有条件共享) that a steward has
                      decided, of all made, and the median hours from request to answer
                      (``policies.access_requests``; a pending one counts as unanswered)
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

    from catalog.registry import Catalog
    from policies.access_requests import AccessRequest


@dataclass(frozen=True)
class DepartmentAssessment:
    department: str
    name: str
    datasets: int
    products: int
    fresh: int
    quality_score: float | None
    requests: int
    answered: int
    median_hours_to_answer: float | None

    @property
    def fresh_share(self) -> float | None:
        return self.fresh / self.datasets if self.datasets else None

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "fresh_share": self.fresh_share}


def _hours(request: AccessRequest) -> float | None:
    if not request.history:
        return None
    asked = dt.datetime.fromisoformat(request.requested_at)
    answered = dt.datetime.fromisoformat(request.history[0].at)
    return max(0.0, (answered - asked).total_seconds() / 3600)


def assess(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    requests: list[AccessRequest],
    now: dt.datetime | None = None,
) -> list[DepartmentAssessment]:
    from catalog.freshness import catalog_freshness
    from lakehouse import meta
    from quality.scores import scores

    meta.ensure_meta(con)
    now = now or meta.utcnow()
    fresh = catalog_freshness(catalog, meta.last_syncs(con), meta.last_builds(con), now)
    quality = {s.name: s.score for s in scores(con, catalog, "department", now)}
    out = []
    for dept_id, dept in catalog.departments.items():
        datasets = [n for n, c in catalog.datasets.items() if c.owner == dept_id]
        products = {n for n, p in catalog.products.items() if p.owner == dept_id}
        asked = [r for r in requests if r.product in products]
        hours = [h for r in asked if (h := _hours(r)) is not None]
        out.append(
            DepartmentAssessment(
                dept_id,
                dept.name,
                len(datasets),
                len(products),
                sum(1 for n in datasets if fresh.datasets[n].state == "fresh"),
                quality.get(dept_id),
                len(asked),
                len(hours),
                round(statistics.median(hours), 1) if hours else None,
            )
        )
    return out


def draw_assessment(rows: list[DepartmentAssessment], out: Path) -> None:
    """Grouped bars per department: freshness met (%), quality score, requests answered (%)."""
    import matplotlib

    matplotlib.use("Agg")
    from charts.fonts import cjk_family

    matplotlib.rcParams["font.family"] = [cjk_family(), "sans-serif"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    import matplotlib.pyplot as plt

    series = {
        "数据按时更新率 (%)": [100 * (r.fresh_share or 0) for r in rows],
        "数据质量得分": [r.quality_score or 0 for r in rows],
        "申请答复率 (%)": [100 * r.answered / r.requests if r.requests else 0 for r in rows],
    }
    fig, ax = plt.subplots(figsize=(max(8, 1.6 * len(rows)), 4.8))
    width = 0.8 / len(series)
    for index, (label, values) in enumerate(series.items()):
        xs = [i + (index - 1) * width for i in range(len(rows))]
        ax.bar(xs, values, width=width, label=label)
    ax.set_xticks(range(len(rows)), [r.name for r in rows], rotation=20, ha="right")
    ax.set_ylim(0, 125)  # room above the bars for the legend
    ax.set_yticks(range(0, 101, 20))
    ax.set_title("各部门数据共享考核")
    ax.legend(loc="upper center", ncol=len(series), fontsize="small")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
