"""A dataset contract's quality rules: what the data must satisfy, and what a breach does.

Rules are data in the contract (``quality: {rules: [...]}``), so a steward changes a rule
without touching code. One rule becomes one Great Expectations expectation on the staged
table (``quality.rule_suite``); a rule with ``on_fail: quarantine`` is also applied row by
row while staging, and a failing row goes to quarantine with the rule named in its reason.

on_fail:
  quarantine  the row is held back in quarantine (reason ``rule NAME: …``); the rows that
              pass flow on. Only for rules one row can be judged by alone.
  block       the dataset's blocking Dagster check fails and nothing downstream is built.
  warn        the check reports the breach (severity WARN); data flows on.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

RuleCheck = Literal["not_null", "unique", "checksum", "allowed_values", "range", "exists_in"]
OnFail = Literal["quarantine", "block", "warn"]
# Code lists the district configuration supplies (config/district.yaml).
DistrictCodes = Literal["streets", "communities"]
ChecksumKind = Literal["resident_id", "credit_code"]
# Rules a single row can be judged by; unique and exists_in need the whole table.
ROW_CHECKS = frozenset({"not_null", "checksum", "allowed_values", "range"})
# date before datetime: a bound read back from text ('1900-01-01', an ODCS export) stays a
# date instead of turning into midnight of that day.
Bound = int | float | dt.date | dt.datetime


class QualityRule(BaseModel):
    """One rule. ``columns`` names contract columns (not staged ones): a protected column is
    checked through its join token (not_null, unique, exists_in) or by opening its sealed
    value inside the check (checksum), never as plaintext in a result."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = ""  # what a steward reads in reports (Chinese)
    check: RuleCheck
    columns: list[str] = Field(min_length=1)
    on_fail: OnFail = "block"
    # A share of failing rows tolerated before the rule fails (GX's ``mostly``).
    max_failing_share: float = Field(default=0.0, ge=0, lt=1)
    # checksum: which identifier's check character (default: the column's type)
    kind: ChecksumKind | None = None
    # allowed_values: a list, or the district's own code list
    values: list[str] | None = None
    values_from: DistrictCodes | None = None
    # range: inclusive bounds (numbers, dates or times)
    min: Bound | None = None
    max: Bound | None = None
    # exists_in: "dataset.column" whose join tokens the values must be among (same domain)
    in_: str | None = Field(default=None, alias="in")

    @model_validator(mode="after")
    def _check(self) -> QualityRule:
        where = f"rule {self.name}"
        if self.check != "unique" and len(self.columns) != 1:
            raise ValueError(f"{where}: {self.check} takes one column")
        if self.on_fail == "quarantine" and self.check not in ROW_CHECKS:
            raise ValueError(
                f"{where}: on_fail quarantine needs a rule one row can be judged by "
                f"({', '.join(sorted(ROW_CHECKS))}); use block or warn"
            )
        if self.check == "allowed_values" and (self.values is None) == (self.values_from is None):
            raise ValueError(f"{where}: allowed_values needs exactly one of values, values_from")
        if self.check == "range" and self.min is None and self.max is None:
            raise ValueError(f"{where}: range needs min, max or both")
        if self.check == "exists_in" and (not self.in_ or "." not in self.in_):
            raise ValueError(f"{where}: exists_in needs in: dataset.column")
        stray = {
            "kind": self.check != "checksum" and self.kind is not None,
            "values": self.check != "allowed_values" and self.values is not None,
            "values_from": self.check != "allowed_values" and self.values_from is not None,
            "min/max": self.check != "range" and (self.min, self.max) != (None, None),
            "in": self.check != "exists_in" and self.in_ is not None,
        }
        unused = [key for key, bad in stray.items() if bad]
        if unused:
            raise ValueError(f"{where}: {', '.join(unused)} do not apply to {self.check}")
        return self

    @property
    def column(self) -> str:
        return self.columns[0]

    @property
    def reference(self) -> tuple[str, str]:
        """(dataset, column) of an exists_in rule."""
        assert self.in_
        dataset, _, column = self.in_.partition(".")
        return dataset, column

    def district_values(self, streets: list[str], communities: list[str]) -> list[str]:
        """The allowed values, the district's code list where the rule names one."""
        if self.values_from == "streets":
            return streets
        if self.values_from == "communities":
            return communities
        return list(self.values or [])


class QualitySpec(BaseModel):
    """The contract's ``quality:`` block."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rules: list[QualityRule] = Field(default_factory=list)

    def check_against(self, columns: dict[str, tuple[str, str]]) -> None:
        """Rule names unique, columns known and checkable as protected.

        ``columns``: contract column → (type, protection)."""
        names = [r.name for r in self.rules]
        duplicate = sorted({n for n in names if names.count(n) > 1})
        if duplicate:
            raise ValueError(f"quality.rules: rule names must be unique: {duplicate}")
        for index, rule in enumerate(self.rules):
            where = f"quality.rules.{index} ({rule.name})"
            unknown = [c for c in rule.columns if c not in columns]
            if unknown:
                raise ValueError(f"{where}: {unknown} are not columns of the contract")
            kind, protection = columns[rule.column]
            if rule.check == "checksum" and (rule.kind or kind) not in (
                "resident_id",
                "credit_code",
            ):
                raise ValueError(f"{where}: checksum needs kind: resident_id or credit_code")
            if rule.check in ("allowed_values", "range") and protection != "none":
                raise ValueError(
                    f"{where}: {rule.column} is protected ({protection}); a {rule.check} rule "
                    "would read its plaintext"
                )
            if rule.check == "exists_in" and protection != "token+seal":
                raise ValueError(f"{where}: exists_in compares join tokens; {rule.column} has none")
            if rule.check == "unique":
                sealed_only = [c for c in rule.columns if columns[c][1] in ("seal", "redact")]
                if sealed_only:
                    raise ValueError(
                        f"{where}: {sealed_only} are sealed without a join token; uniqueness "
                        "cannot be judged"
                    )
