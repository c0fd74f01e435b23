"""The departments' sharing assessment as grouped bars, the series ``catalog.assessment``
draws for ``shuzhi catalog assessment --chart``."""

from __future__ import annotations

from catalog.assessment import DepartmentAssessment


def assessment_chart(rows: list[DepartmentAssessment]) -> dict[str, object]:
    def percent(part: int, whole: int) -> float:
        return round(100 * part / whole, 1) if whole else 0.0

    return {
        "kind": "bar",
        "title": "各部门数据共享考核",
        "x": [r.name for r in rows],
        "series": [
            {"name": "数据按时更新率 (%)", "data": [percent(r.fresh, r.datasets) for r in rows]},
            {"name": "数据质量得分", "data": [r.quality_score or 0 for r in rows]},
            {"name": "申请答复率 (%)", "data": [percent(r.answered, r.requests) for r in rows]},
        ],
    }
