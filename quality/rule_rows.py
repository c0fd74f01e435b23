"""Quality rules with ``on_fail: quarantine``, applied to one clean row while staging.

A failing row is held back with the rule named in its reason (``rule NAME: …``); the
reason says what is wrong, never the value (it may be personal data). Bounds and code
lists are the contract's own constants, so they may be named.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from catalog.contracts import DatasetContract
from catalog.district import District
from catalog.quality_rules import QualityRule
from identifiers import credit_code, resident_id

RULE_REASON_PREFIX = "rule "

RowCheck = Callable[[object], str | None]


def rule_reason(rule: str, problem: str) -> str:
    return f"{RULE_REASON_PREFIX}{rule}: {problem}"


class RowRules:
    """The contract's quarantine rules, compiled once per staging run."""

    def __init__(self, contract: DatasetContract, district: District) -> None:
        streets = [s.code for s in district.streets]
        communities = [c.code for _, c in district.communities]
        self.checks: list[tuple[QualityRule, RowCheck]] = [
            (rule, _compile(contract, rule, streets, communities))
            for rule in contract.quality.rules
            if rule.on_fail == "quarantine"
        ]

    def first_failure(self, row: dict[str, object]) -> tuple[str, str] | None:
        """(column, reason) of the first quarantine rule the row breaks, or None."""
        for rule, check in self.checks:
            problem = check(row.get(rule.column))
            if problem is not None:
                return rule.column, rule_reason(rule.name, problem)
        return None


def _compile(
    contract: DatasetContract, rule: QualityRule, streets: list[str], communities: list[str]
) -> RowCheck:
    spec = contract.column(rule.column)
    if rule.check == "not_null":
        return lambda value: "value is missing" if value is None else None
    if rule.check == "checksum":
        valid = (
            resident_id.is_valid
            if (rule.kind or spec.type) == "resident_id"
            else (credit_code.is_valid)
        )
        return lambda value: (
            "check character does not match"
            if value is not None and not valid(str(value))
            else None
        )
    if rule.check == "allowed_values":
        allowed = set(rule.district_values(streets, communities))
        where = f"the district's {rule.values_from}" if rule.values_from else "the allowed values"
        return lambda value: (
            f"not among {where}" if value is not None and str(value) not in allowed else None
        )
    low, high = _bound(rule.min, spec.type), _bound(rule.max, spec.type)

    def in_range(value: object) -> str | None:
        if value is None:
            return None
        if low is not None and value < low:  # type: ignore[operator]
            return f"below the minimum {rule.min}"
        if high is not None and value > high:  # type: ignore[operator]
            return f"above the maximum {rule.max}"
        return None

    return in_range


def _bound(value: object, column_type: str) -> object:
    """A date bound on a datetime column means that day's midnight."""
    if (
        column_type == "datetime"
        and isinstance(value, dt.date)
        and not isinstance(value, dt.datetime)
    ):
        return dt.datetime.combine(value, dt.time())
    return value
