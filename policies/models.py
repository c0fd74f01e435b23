"""Principals, grants and deny rules, as data with a reason attached."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

PrincipalKind = Literal["street_office", "department", "steward", "reviewer"]
Treatment = Literal["clear", "masked", "token", "withheld"]
RowScope = Literal["own_jurisdiction", "district"]

# How much each treatment reveals; when several grants apply, the most revealing wins.
TREATMENT_RANK: dict[str, int] = {"withheld": 0, "token": 1, "masked": 2, "clear": 3}


class Principal(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: PrincipalKind
    name: str
    street: str | None = None
    community: str | None = None
    department: str | None = None
    roles: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Principal:
        if self.kind == "street_office" and not self.street:
            raise ValueError(f"street office {self.id} needs a street")
        return self

    @property
    def jurisdiction(self) -> str:
        if self.community:
            return f"community {self.community}"
        if self.street:
            return f"street {self.street}"
        return "district"


class Target(BaseModel):
    """Who a rule applies to: a principal id, a kind, or a role."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    principal: str | None = None
    kind: PrincipalKind | None = None
    role: str | None = None

    def matches(self, who: Principal) -> bool:
        return (
            (self.principal is None or self.principal == who.id)
            and (self.kind is None or self.kind == who.kind)
            and (self.role is None or self.role in who.roles)
        )

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in self.model_dump().items() if v]
        return ", ".join(parts) or "everyone"


class Grant(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    to: Target
    products: list[str]
    rows: RowScope
    treatments: dict[Literal["L1", "L2", "L3", "L4"], Treatment]
    column_treatments: dict[str, Treatment] = Field(default_factory=dict)
    purpose: str
    valid_from: dt.date
    valid_until: dt.date
    reason: str

    def covers(self, product: str) -> bool:
        return product in self.products or "*" in self.products

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_until


class RevealGrant(BaseModel):
    """Leave to re-identify: open the sealed values of some columns of some datasets.

    ``columns`` are contract column names whose sealed originals may be decrypted,
    ``"*"`` meaning every protected column of the dataset. ``datasets`` must be
    named one by one: re-identification is never granted by wildcard.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    to: Target
    datasets: list[str] = Field(min_length=1)
    columns: list[str] = Field(min_length=1)
    rows: RowScope
    purpose: str
    valid_from: dt.date
    valid_until: dt.date
    reason: str

    @model_validator(mode="after")
    def _check(self) -> RevealGrant:
        if "*" in self.datasets:
            raise ValueError(f"reveal grant {self.id}: name each dataset, not '*'")
        if self.valid_until < self.valid_from:
            raise ValueError(f"reveal grant {self.id}: valid_until is before valid_from")
        if not self.purpose.strip() or not self.reason.strip():
            raise ValueError(f"reveal grant {self.id}: needs a purpose and a reason")
        return self

    def covers(self, dataset: str) -> bool:
        return dataset in self.datasets

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_until

    def allows_column(self, column: str) -> bool:
        return column in self.columns or "*" in self.columns


class Deny(BaseModel):
    """Forbids products (data rooms, queries) and/or re-identification in datasets."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    to: Target
    products: list[str] = Field(default_factory=list)
    datasets: list[str] = Field(default_factory=list)
    reason: str

    @model_validator(mode="after")
    def _check(self) -> Deny:
        if not self.products and not self.datasets:
            raise ValueError(f"deny rule {self.id}: names no products and no datasets")
        return self

    def covers(self, product: str) -> bool:
        return product in self.products or "*" in self.products

    def covers_dataset(self, dataset: str) -> bool:
        """Whether the rule forbids re-identification in this dataset."""
        return dataset in self.datasets or "*" in self.datasets


class PolicySet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    principals: list[Principal]
    grants: list[Grant] = Field(default_factory=list)
    denies: list[Deny] = Field(default_factory=list)
    reveals: list[RevealGrant] = Field(default_factory=list)

    def principal(self, principal_id: str) -> Principal | None:
        return next((p for p in self.principals if p.id == principal_id), None)
