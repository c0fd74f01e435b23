"""The YAML the new-source form starts with: a file drop of one of the department's own
datasets, which the catalogue accepts as it stands (the person edits names and folder)."""

from __future__ import annotations

from catalog.registry import Catalog


def example_source(catalog: Catalog, department: str) -> str:
    owned = sorted(name for name, d in catalog.datasets.items() if d.owner == department)
    dataset = owned[0] if owned else "DATASET"
    taken = set(catalog.sources)
    name = next(
        candidate for n in range(1, 1000) if (candidate := f"{department}_export_{n}") not in taken
    )
    return (
        "# 一个数据源：部门按约定把导出文件放进共享目录，数治按计划读取。\n"
        "# One source: the department drops its exports in a shared folder; the hub reads them.\n"
        "kind: file_drop\n"
        f"name: {name}\n"
        f"dataset: {dataset}\n"
        f"folder: ${{SHUZHI_HOME}}/departments/{department}/{name}\n"
        'patterns: ["*.csv", "*.xlsx"]\n'
        "encoding: auto\n"
        'schedule: {cron: "0 6 * * *", timezone: Asia/Shanghai}\n'
    )
