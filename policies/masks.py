"""Named masks: how a value is shown when a grant says "masked"."""

from __future__ import annotations

from collections.abc import Callable

COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐")


def keep_first3_last4(value: str) -> str:
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def surname_only(value: str) -> str:
    keep = 2 if value.startswith(COMPOUND_SURNAMES) else 1
    return value[:keep] + "*" * max(len(value) - keep, 1)


def year_only(value: str) -> str:
    return value[:4]


def keep_first6(value: str) -> str:
    return value[:6] + "*" * max(len(value) - 6, 0)


def hide_all(value: str) -> str:
    return "*" * len(value)


MASKS: dict[str, Callable[[str], str]] = {
    "keep_first3_last4": keep_first3_last4,
    "surname_only": surname_only,
    "year_only": year_only,
    "keep_first6": keep_first6,
    "hide_all": hide_all,
}


def apply_mask(name: str | None, value: str | None) -> str | None:
    if value is None:
        return None
    return MASKS[name or "hide_all"](value)
