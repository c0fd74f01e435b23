"""Hand-made products and tables for the chart tests: a department linkage network and a
weekly hot-topic trend with its alert threshold, shaped like the products other work adds."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from catalog.contracts import ProductContract


def contract(
    name: str, columns: dict[str, str], chart: dict[str, Any], **extra: Any
) -> ProductContract:
    """A product contract of L1 columns (name → title) with ``chart`` as its chart block."""
    return ProductContract.model_validate(
        {
            "name": name,
            "title": extra.pop("title", name),
            "description": "hand-made for the chart tests",
            "owner": "hotline_12345",
            "steward": "steward_district",
            "sharing": "unconditional",
            "inputs": ["cases"],
            "columns": [
                {"name": column, "title": title, "level": extra.pop(f"{column}_level", "L1")}
                for column, title in columns.items()
            ],
            "chart": chart,
            **extra,
        }
    )


LINKAGE = contract(
    "department_linkage",
    {
        "street_code": "街道",
        "department_a": "部门甲",
        "department_b": "部门乙",
        "category": "诉求类别",
        "shared_cases": "共同办理工单数",
    },
    {
        "kind": "network",
        "title": "部门联动网络",
        "source": "department_a",
        "target": "department_b",
        "weight": "shared_cases",
        "label": "category",
    },
)
# None: a cell the product's suppression blanked.
LINKAGE_ROWS = [
    ("城管局", "住建局", "违章搭建", 40),
    ("城管局", "住建局", "占道经营", 12),
    ("住建局", "城管局", "物业纠纷", None),
    ("城管局", "生态环境局", "噪音扰民", 25),
    ("市场监管局", "城管局", "占道经营", 18),
    ("市场监管局", "卫健委", "食品安全", 9),
    ("公安分局", "生态环境局", "噪音扰民", None),
    ("公安分局", "城管局", "停车管理", 30),
    ("水务局", "住建局", "供水供电", 7),
]

HOT_TOPICS = contract(
    "street_hot_topics",
    {
        "street_code": "街道",
        "week": "周",
        "topic": "话题",
        "cases": "工单数",
        "alert_threshold": "预警阈值",
    },
    {
        "kind": "trend",
        "title": "热点话题周趋势",
        "x": "week",
        "value": "cases",
        "series": "topic",
        "alert": "alert_threshold",
    },
)
WEEKS = [f"2026-W{n:02d}" for n in range(40, 49)]
TOPIC_CASES: dict[str, list[int | None]] = {
    "噪音扰民": [6, 8, 7, 12, 15, 22, 30, 28, 35],
    "停车管理": [10, 11, 9, None, 12, 10, 11, 13, 12],
    "环境卫生": [5, None, None, 6, 7, 5, 8, 6, 9],
}


def linkage_table() -> pa.Table:
    names = ["department_a", "department_b", "category", "shared_cases"]
    rows = [dict(zip(names, row, strict=True)) for row in LINKAGE_ROWS]
    return pa.Table.from_pylist(
        [{"street_code": "440399001", **row} for row in rows],
        schema=pa.schema(
            [("street_code", pa.string())]
            + [(n, pa.string()) for n in names[:3]]
            + [("shared_cases", pa.int64())]
        ),
    )


def hot_topics_table(alert: int = 20) -> pa.Table:
    rows = [
        {
            "street_code": "440399001",
            "week": week,
            "topic": topic,
            "cases": cases[i],
            "alert_threshold": alert,
        }
        for topic, cases in TOPIC_CASES.items()
        for i, week in enumerate(WEEKS)
    ]
    return pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("street_code", pa.string()),
                ("week", pa.string()),
                ("topic", pa.string()),
                ("cases", pa.int64()),
                ("alert_threshold", pa.int64()),
            ]
        ),
    )


def answer(product: ProductContract, table: pa.Table, sql: str) -> pa.Table:
    """The chart's query run on ``table`` as the product, in a DuckDB of its own."""
    db = duckdb.connect()
    try:
        db.register(product.name, table)
        return db.execute(sql).fetch_arrow_table()
    finally:
        db.close()
