"""The menu each kind of principal sees: its pages, in the order of its daily work."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MenuEntry:
    path: str
    zh: str
    en: str


MENUS: dict[str, tuple[MenuEntry, ...]] = {
    "street_office": (
        MenuEntry("/street", "街道首页", "Street home"),
        MenuEntry("/street/products", "数据产品", "Products"),
        MenuEntry("/street/sql", "SQL 查询", "SQL"),
        MenuEntry("/street/requests", "数据申请", "Requests"),
    ),
    "steward": (
        MenuEntry("/steward", "数据目录", "Catalogue"),
        MenuEntry("/steward/approvals", "审批", "Approvals"),
        MenuEntry("/steward/assessment", "部门考核", "Assessment"),
    ),
    "reviewer": (
        MenuEntry("/reviewer", "审计总览", "Audit dashboard"),
        MenuEntry("/reviewer/search", "审计检索", "Search"),
        MenuEntry("/reviewer/who-saw", "谁看过", "Who saw"),
        MenuEntry("/reviewer/trace", "泄露溯源", "Leak trace"),
    ),
    "department": (
        MenuEntry("/department", "我的数据源", "My sources"),
        MenuEntry("/department/new-source", "登记数据源", "New source"),
    ),
}


def home_of(kind: str) -> str:
    """The first page of a kind of principal (``/me`` for a kind with no pages)."""
    menu = MENUS.get(kind)
    return menu[0].path if menu else "/me"
