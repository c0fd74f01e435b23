"""Principals, grants and deny rules, as data with a reason attached.

Treatments a grant can give a column (per level in ``treatments``, per column
in ``column_treatments``), from least to most revealing:

- ``withheld``: the column is not in the room at all.
- ``token``: a keyed pseudonym: joins across datasets, shows nothing.
- ``year_only``: a date reduced to its year (an integer; text dates keep their
  first four characters).
- ``masked``: the value with the column's named mask applied (``mask:`` in the
  product contract; ``hide_all`` if it names none), or ``masked:<mask>`` to
  name the mask in the grant, one of ``policies.masks.MASKS`` (e.g.
  ``masked:keep_first3_last4``).
- ``clear``: the value itself.

``year_only`` ranks below ``masked`` because a year is a coarse value many
people share, while a mask keeps parts of the value itself (a phone's first
three and last four digits). When several grants treat a column, the most
revealing treatment wins (``TREATMENT_RANK``); between two masks the earlier
grant in ``grants.yaml`` wins.

Row scopes of a grant: ``own_street``, ``own_community``, ``district``, and
``own_jurisdiction`` (kept for older files): the principal's community if it
has one, else its street.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from policies.masks import MASKS
from policies.purposes import Purpose

PrincipalKind = Literal["street_office", "department", "steward", "reviewer"]
TreatmentKind = Literal["withheld", "token", "year_only", "masked", "clear"]
RowScope = Literal["own_street", "own_community", "own_jurisdiction", "district"]
# Re-identification keeps its own, older scopes (see policies.reveal_decision).
RevealRowScope = Literal["own_jurisdiction", "district"]

# How much each treatment reveals; when several grants apply, the most revealing wins.
TREATMENT_RANK: dict[str, int] = {
    "withheld": 0,
    "token": 1,
    "year_only": 2,
    "masked": 3,
    "clear": 4,
}


def parse_treatment(value: str) -> tuple[str, str | None]:
    """``"masked:keep_first6"`` → ``("masked", "keep_first6")``; others carry no mask."""
    kind, _, mask = value.partition(":")
    return kind, (mask or None)


def check_treatment(value: str) -> str:
    """The treatment as written, or ValueError saying what is wrong with it."""
    kind, mask = parse_treatment(value)
    if kind not in TREATMENT_RANK:
        raise ValueError(f"unknown treatment {value!r} (known: {', '.join(TREATMENT_RANK)})")
    if ":" in value and kind != "masked":
        raise ValueError(f"treatment {value!r}: only masked takes a mask name")
    if ":" in value and mask not in MASKS:
        raise ValueError(f"treatment {value!r}: no mask named {mask!r} (known: {', '.join(MASKS)})")
    return value


# clear | masked | masked:<mask> | token | year_only | withheld
Treatment = Annotated[str, AfterValidator(check_treatment)]


class Principal(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: PrincipalKind
    name: str
    street: str | None = None
    community: str | None = None
    department: str | None = None
    roles: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Principal:
        if self.kind == "street_office" and not self.street:
            raise ValueError(f"street office {self.id} needs a street")
        if self.community and not self.street:
            raise ValueError(f"principal {self.id}: a community jurisdiction needs its street too")
        return self

    @property
    def jurisdiction(self) -> str:
        if self.community:
            return f"community {self.community}"
        if self.street:
            return f"street {self.street}"
        return "district"


class Target(BaseModel):
    """Who a rule applies to: a principal id, a kind, a role, a group.

    Every field given must match (they are combined with AND); none given
    means everyone.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    principal: str | None = None
    kind: PrincipalKind | None = None
    role: str | None = None
    group: str | None = None

    def matches(self, who: Principal) -> bool:
        return (
            (self.principal is None or self.principal == who.id)
            and (self.kind is None or self.kind == who.kind)
            and (self.role is None or self.role in who.roles)
            and (self.group is None or self.group in who.groups)
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
    # Codes of config/purposes.yaml a caller may state (policies.loader requires them in
    # grants.yaml); an access request's grant accepts its request's purpose.
    purposes: list[str] = Field(default_factory=list)
    valid_from: dt.date
    valid_until: dt.date
    reason: str

    @model_validator(mode="after")
    def _check(self) -> Grant:
        if self.valid_until < self.valid_from:
            raise ValueError(f"grant {self.id}: valid_until is before valid_from")
        return self

    def covers(self, product: str) -> bool:
        return product in self.products or "*" in self.products

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_until

    @property
    def accepted_purposes(self) -> list[str]:
        # A request grant stored before grants listed purposes accepts its stated one.
        return self.purposes or [self.purpose]


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
    rows: RevealRowScope
    purpose: str
    purposes: list[str] = Field(default_factory=list)  # codes a caller may state
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

    @property
    def accepted_purposes(self) -> list[str]:
        return self.purposes or [self.purpose]


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
    purposes: list[Purpose] = Field(default_factory=list)  # the catalogue of purposes

    def principal(self, principal_id: str) -> Principal | None:
        return next((p for p in self.principals if p.id == principal_id), None)

    def steward_refusal(self, principal_id: str, doing: str) -> str | None:
        """Why ``principal_id`` is not a data steward (``doing``: what only one does), or None."""
        who = self.principal(principal_id)
        if who is None:
            return f"unknown principal {principal_id!r}"
        if who.kind != "steward":
            return f"{principal_id} is a {who.kind}; only a data steward {doing}"
        return None
