"""Dataset and product contracts: the catalogue's source of truth.

A contract says who owns a dataset, who stewards it, what each column is,
how sensitive it is, how it is protected, how it may be shared and which
quality rules it must pass. Pipelines, protection and policies all read the
same contract, so a column cannot be protected in one place and forgotten in
another.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pii.entities import ENTITIES

Level = Literal["L1", "L2", "L3", "L4"]
SharingType = Literal["unconditional", "conditional", "none"]

SHARING_LABELS: dict[str, str] = {
    "unconditional": "无条件共享",
    "conditional": "有条件共享",
    "none": "不予共享",
}

# How each personal-data level maps to the national grades (GB/T 43697-2024).
LEVEL_GRADES: dict[str, str] = {"L1": "一般", "L2": "一般", "L3": "重要", "L4": "重要"}

ColumnType = Literal[
    "text",
    "free_text",
    "integer",
    "date",
    "datetime",
    "resident_id",
    "phone",
    "credit_code",
    "sex",
    "community_code",
    "community_name",
    "street_code",
    "enum",
]

# protection applied before anything is written to the lakehouse:
#   seal   AES-GCM ciphertext, recoverable with the data key (re-identification)
#   token  keyed HMAC token of the normalised value, deterministic for joins
#   redact free text: personal data found by the detector is replaced by [ENTITY],
#          the original kept sealed
Protection = Literal["none", "seal", "token+seal", "redact"]


class ColumnSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    source: str | None = None  # the department's own column name, if different
    title: str = ""
    type: ColumnType = "text"
    level: Level = "L2"
    required: bool = False
    protection: Protection = "none"
    token_domain: str | None = None
    values: list[str] | None = None  # allowed values for enum columns
    derived_from: str | None = None  # street_code derived from a community column
    # Personal-data entities a steward reviewed and allowed in this column as it is
    # protected, each with the reason (e.g. a business address in a public register).
    reviewed: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> ColumnSpec:
        if self.protection == "token+seal" and not self.token_domain:
            raise ValueError(f"column {self.name}: token+seal needs token_domain")
        if self.type == "enum" and not self.values:
            raise ValueError(f"column {self.name}: enum needs values")
        if self.type == "free_text" and self.protection != "redact":
            raise ValueError(f"column {self.name}: free_text must be protected by redact")
        if self.type in ("resident_id", "phone") and self.protection != "token+seal":
            raise ValueError(f"column {self.name}: direct identifiers must be token+seal")
        for entity, reason in self.reviewed.items():
            if entity not in ENTITIES:
                raise ValueError(
                    f"column {self.name}: reviewed entity {entity!r} is not one of {list(ENTITIES)}"
                )
            if not reason.strip():
                raise ValueError(f"column {self.name}: reviewed {entity} needs a reason")
        return self

    @property
    def source_name(self) -> str:
        return self.source or self.name


class Expectation(BaseModel):
    """One Great Expectations expectation: its class name in snake case and its kwargs."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    expectation: str
    kwargs: dict[str, object] = Field(default_factory=dict)


class DatasetContract(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    description: str
    owner: str  # department id
    steward: str  # principal id of the data steward
    sharing: SharingType
    refusal_reason: str | None = None
    freshness_hours: int = Field(default=26, ge=1)
    key: list[str] = Field(min_length=1)  # rows with the same key are duplicates
    columns: list[ColumnSpec]
    expectations: list[Expectation] = Field(default_factory=list)
    max_quarantine_ratio: float = Field(default=0.2, ge=0, le=1)

    @model_validator(mode="after")
    def _check(self) -> DatasetContract:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError("column names must be unique")
        missing = set(self.key) - set(names)
        if missing:
            raise ValueError(f"key names unknown columns: {sorted(missing)}")
        if self.sharing == "none" and not self.refusal_reason:
            raise ValueError("不予共享 needs a stated refusal_reason")
        return self

    def column(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def level(self) -> Level:
        """The dataset's level: the strictest of its columns (就高从严)."""
        return max((c.level for c in self.columns), key=lambda lv: int(lv[1]))


class ProductColumn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    title: str = ""
    level: Level
    # "dataset.column" whose data key sealed this column; rooms decrypt it only
    # where a grant's treatment needs the clear value (clear or masked)
    sealed_from: str | None = None
    mask: str | None = None  # the named mask used when the treatment is "masked"
    token_domain: str | None = None  # domain of the pseudonym used when the treatment is "token"


class Downgrade(BaseModel):
    """A steward's recorded decision to publish below the inputs' level."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    to: Level
    by: str
    reason: str


class ProductContract(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    description: str
    owner: str
    steward: str
    sharing: SharingType
    inputs: list[str] = Field(min_length=1)  # dataset names
    street_column: str = "street_code"
    community_column: str | None = "community_code"
    columns: list[ProductColumn]
    small_count_threshold: int | None = None
    downgrade: Downgrade | None = None

    @property
    def level(self) -> Level:
        if self.downgrade:
            return self.downgrade.to
        return max((c.level for c in self.columns), key=lambda lv: int(lv[1]))
