"""Dataset and product contracts: the catalogue's source of truth.

A contract says who owns a dataset, who stewards it, what each column is,
how sensitive it is, how it is protected, how it may be shared and which
quality rules it must pass. Pipelines, protection and policies all read the
same contract, so a column cannot be protected in one place and forgotten in
another.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from catalog.levels import (
    LEVEL_GRADES,
    LEVELS,
    SHARING_LABELS,
    SHARING_STRICTNESS,
    Level,
    SharingType,
    strictest,
)
from catalog.quality_rules import QualitySpec
from pii.entities import ENTITIES

# The level table lives in catalog.levels; these names stay importable from here.
__all__ = [
    "LEVELS",
    "LEVEL_GRADES",
    "SHARING_LABELS",
    "BarsChart",
    "Chart",
    "ColumnSpec",
    "DatasetContract",
    "DerivedColumn",
    "Downgrade",
    "Level",
    "Margin",
    "MergeRule",
    "MergeSpec",
    "NetworkChart",
    "ProductColumn",
    "ProductContract",
    "ProductParameter",
    "Retention",
    "SharingType",
    "Suppression",
    "TrendChart",
    "UpdateSpec",
]

ColumnType = Literal[
    "text",
    "free_text",
    "integer",
    "date",
    "datetime",
    "resident_id",
    "phone",
    "credit_code",
    "household_no",
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
    # Other spellings of an enum's values (a legacy code, a synonym) → the value they mean.
    aliases: dict[str, str] = Field(default_factory=dict)
    derived_from: str | None = None  # street_code derived from a community column
    # A category tree (YAML under config/) whose leaves are the column's only values;
    # its keywords classify texts for channels that send no category.
    vocabulary: str | None = None
    # Personal-data entities a steward reviewed and allowed in this column as it is
    # protected, each with the reason (e.g. a business address in a public register).
    reviewed: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> ColumnSpec:
        if self.protection == "token+seal" and not self.token_domain:
            raise ValueError(f"column {self.name}: token+seal needs token_domain")
        if self.type == "enum" and not self.values:
            raise ValueError(f"column {self.name}: enum needs values")
        if self.aliases and self.type != "enum":
            raise ValueError(f"column {self.name}: aliases are for enum columns")
        unknown = sorted({v for v in self.aliases.values() if v not in (self.values or [])})
        if unknown:
            raise ValueError(f"column {self.name}: aliases map to {unknown}, not among values")
        if self.type == "free_text" and self.protection != "redact":
            raise ValueError(f"column {self.name}: free_text must be protected by redact")
        if (
            self.type in ("resident_id", "phone", "household_no")
            and self.protection != "token+seal"
        ):
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


# How often the owner updates a dataset (or the hub rebuilds a product), and the shortest
# period each frequency stands for: a freshness expectation shorter than it is a typo.
Frequency = Literal["hourly", "daily", "weekly", "monthly"]
FREQUENCY_HOURS: dict[str, int] = {"hourly": 1, "daily": 24, "weekly": 168, "monthly": 720}
FREQUENCY_LABELS: dict[str, str] = {
    "hourly": "每小时",
    "daily": "每日",
    "weekly": "每周",
    "monthly": "每月",
}


class UpdateSpec(BaseModel):
    """How often the data is updated and how old it may get before it is stale (过期).

    ``freshness_hours`` is measured from the last committed sync of each source (for a
    product, its last build); the catalogue, ``sources list`` and Dagster's freshness
    checks all flag the same data by it (``catalog.freshness``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    frequency: Frequency
    freshness_hours: int = Field(ge=1)

    @model_validator(mode="after")
    def _check(self) -> UpdateSpec:
        period = FREQUENCY_HOURS[self.frequency]
        if self.freshness_hours < period:
            raise ValueError(
                f"freshness_hours {self.freshness_hours} is shorter than one {self.frequency} "
                f"update ({period} h): data updated {FREQUENCY_LABELS[self.frequency]} would "
                "always be stale; raise freshness_hours or change frequency"
            )
        return self


class Retention(BaseModel):
    """How long the hub keeps the data, counted from ``basis`` (e.g. 自救助终止之日起),
    and on which rule (a law, a regulation, the department's own schedule)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    keep_days: int = Field(ge=1)
    basis: str = Field(min_length=1)
    rule: str = Field(min_length=1)
    # The date (or datetime) column the period counts from, when the data carries the
    # basis (visits: 走访日期); without it, from the row's load into the hub (its batch).
    date_column: str | None = None


def _unique_terms(terms: list[str]) -> list[str]:
    twice = sorted({t for t in terms if terms.count(t) > 1})
    if twice:
        raise ValueError(f"{twice} listed twice")
    return terms


# Terms of the district glossary (config/glossary.yaml) the data is about, e.g. 低保.
GlossaryTerms = Annotated[list[Annotated[str, Field(min_length=1)]], AfterValidator(_unique_terms)]


def _moved_freshness(data: object) -> object:
    """``freshness_hours`` moved under ``update`` (with the update frequency); say so."""
    if isinstance(data, dict) and "freshness_hours" in data:
        raise ValueError(
            "freshness_hours: moved under update; write update: {frequency: daily, "
            f"freshness_hours: {data['freshness_hours']}}}"
        )
    return data


class MergeRule(BaseModel):
    """Two records of different channels are one case when they share ``same``'s token,
    were received within ``within_hours`` of each other and their redacted texts are at
    least ``min_similarity`` alike."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    same: str  # a token+seal column: the records share its join token
    within_hours: float = Field(gt=0)
    min_similarity: float = Field(ge=0, le=1)


class MergeSpec(BaseModel):
    """How channel records of one incident become one case (see ``case_merge``).

    Similarity is the Sørensen–Dice coefficient of the sets of character bigrams of the
    two redacted texts once placeholders ([CN_MOBILE]…), digits, blanks and punctuation
    are taken out: Chinese needs no word segmenter for it, re-ordered and re-framed
    wording (a letter's greeting, a post's hashtags) still scores high, and personal
    data cannot make two texts alike."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    time_column: str = "received_at"
    text_column: str = "description"
    similarity: Literal["char_bigram_dice"] = "char_bigram_dice"
    # Records of one channel are never merged automatically: a channel's own system
    # already gives a repeat its own number; stewards may still merge them by hand.
    across_sources_only: bool = True
    id_column: str = Field(default="case_id", pattern=r"^[a-z][a-z0-9_]*$")
    rules: list[MergeRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> MergeSpec:
        names = [r.name for r in self.rules]
        if len(set(names)) != len(names):
            raise ValueError("merge rule names must be unique")
        return self


class DatasetContract(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    description: str
    owner: str  # department id
    steward: str  # principal id of the data steward
    sharing: SharingType
    refusal_reason: str | None = None
    update: UpdateSpec = UpdateSpec(frequency="daily", freshness_hours=26)
    retention: Retention | None = None
    glossary: GlossaryTerms = Field(default_factory=list)
    key: list[str] = Field(min_length=1)  # rows with the same key are duplicates
    columns: list[ColumnSpec]
    expectations: list[Expectation] = Field(default_factory=list)
    # Quality rules (catalog.quality_rules): suite, blocking check and quarantine reasons.
    quality: QualitySpec = Field(default_factory=QualitySpec)
    max_quarantine_ratio: float = Field(default=0.2, ge=0, le=1)
    # How much smaller than the last full batch a full sync may be before it is refused
    # (a paged API that stopped early looks exactly like a register that shrank).
    max_shrink_ratio: float = Field(default=0.2, ge=0, le=1)
    merge: MergeSpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, data: object) -> object:
        return _moved_freshness(data)

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
        if self.merge is not None:
            self._check_merge(self.merge, set(names))
        if self.retention is not None and self.retention.date_column is not None:
            self._check_retention_column(self.retention.date_column, set(names))
        self.quality.check_against({c.name: (c.type, c.protection) for c in self.columns})
        return self

    def _check_retention_column(self, column: str, names: set[str]) -> None:
        if column not in names:
            raise ValueError(f"retention.date_column: no column named {column!r}")
        spec = self.column(column)
        if spec.type not in ("date", "datetime") or spec.protection != "none":
            raise ValueError(
                f"retention.date_column: {column!r} must be an unprotected date or datetime "
                "column (the retention job compares it in the staged layer)"
            )

    def _check_merge(self, merge: MergeSpec, names: set[str]) -> None:
        for where, column in (
            ("time_column", merge.time_column),
            ("text_column", merge.text_column),
        ):
            if column not in names:
                raise ValueError(f"merge.{where}: no column named {column!r}")
        if self.column(merge.time_column).type != "datetime":
            raise ValueError(f"merge.time_column: {merge.time_column!r} is not a datetime column")
        if self.column(merge.text_column).protection != "redact":
            raise ValueError(
                f"merge.text_column: {merge.text_column!r} is not redacted free text; "
                "texts are compared only once personal data is out of them"
            )
        for index, rule in enumerate(merge.rules):
            if rule.same not in names or self.column(rule.same).protection != "token+seal":
                raise ValueError(
                    f"merge.rules.{index}.same: {rule.same!r} is not a token+seal column; "
                    "records are compared by join token, never by value"
                )

    def column(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def level(self) -> Level:
        """The dataset's level: the strictest of its columns (就高从严)."""
        return strictest(c.level for c in self.columns)


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
    # The column's sharing type; by default the one its level defaults to (see
    # catalog.levels). A looser one than that default needs the steward's reason.
    sharing: SharingType | None = None
    sharing_reason: str | None = None

    @model_validator(mode="after")
    def _check(self) -> ProductColumn:
        default = LEVELS[self.level].default_sharing
        if (
            self.sharing is not None
            and SHARING_STRICTNESS[self.sharing] < SHARING_STRICTNESS[default]
            and not (self.sharing_reason or "").strip()
        ):
            raise ValueError(
                f"column {self.name}: sharing {self.sharing} is looser than level "
                f"{self.level}'s default {default} ({SHARING_LABELS[default]}); "
                "give a sharing_reason"
            )
        return self

    @property
    def effective_sharing(self) -> SharingType:
        """The column's own sharing type: declared, or its level's default."""
        return self.sharing or LEVELS[self.level].default_sharing


class Downgrade(BaseModel):
    """A steward's recorded decision to publish below the inputs' level.

    ``by`` names the steward principal who decided it (checked against
    ``principals.yaml`` when the catalogue loads); ``reason`` says why the
    product is safe at the lower level (e.g. aggregated, small cells suppressed).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    to: Level
    by: str = Field(min_length=1)
    reason: str

    @model_validator(mode="after")
    def _check(self) -> Downgrade:
        if not self.by.strip():
            raise ValueError("downgrade needs `by`: the steward who decided it")
        if not self.reason.strip():
            raise ValueError("downgrade needs a stated reason")
        return self


# Parameters the build supplies itself; every other parameter is a constant of the contract.
#   today      the day the product is built (ages, "next month", "in the last 90 days")
#   threshold  the suppression threshold of the contract's ``suppression`` block
BUILD_PARAMETERS: dict[str, str] = {"today": "date", "threshold": "integer"}
ParameterType = Literal["date", "integer", "number", "text"]


class ProductParameter(BaseModel):
    """One named parameter (``$name``) of the product's SQL, and what it means.

    ``today`` and ``threshold`` are supplied by the build (``BUILD_PARAMETERS``);
    any other parameter is a constant the steward sets here with ``value``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    type: ParameterType
    meaning: str = Field(min_length=1)
    value: int | float | dt.date | str | None = None


class Margin(BaseModel):
    """Rows that share the values of ``by`` add up to a total someone can know.

    A margin is declared when the group's sum is published (by this or another
    product) or derivable (from a rate, a report, the rows of a coarser table):
    secondary suppression then keeps every suppressed cell of the group from
    being recovered by subtraction. ``known_from`` says where the total is known.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    by: list[str] = Field(min_length=1)
    known_from: str = Field(min_length=1)


class DerivedColumn(BaseModel):
    """A column computed from count columns (a rate, an average): blanked with its inputs,
    since ``rate × base`` would give a suppressed count back."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    column: str
    inputs: list[str] = Field(min_length=1, alias="from")


class Suppression(BaseModel):
    """Small-cell protection, applied after the product's SQL and before it is written.

    Primary: a count below ``threshold`` (and above zero) is blanked (NULL).
    Secondary: more cells are blanked until no blanked cell can be recovered from
    the declared ``margins`` (see ``products.suppression`` for the attacker it
    defeats). ``derived`` columns are blanked wherever one of their inputs is.
    ``empty_cells_listed``: the product lists every group, with 0 where there is
    nobody, so a blank row does not tell that its count is at least 1.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    threshold: int = Field(ge=2)
    counts: list[str] = Field(min_length=1)
    margins: list[Margin] = Field(default_factory=list)
    derived: list[DerivedColumn] = Field(default_factory=list)
    empty_cells_listed: bool = False

    def derived_from(self, count: str) -> list[str]:
        """Columns to blank where ``count`` is blanked."""
        return [d.column for d in self.derived if count in d.inputs]


# Charts draw what users read from a product (``shuzhi products chart``): always from the
# principal's own room, through the query gateway, and only over columns at L1/L2 that
# carry no identity, so a chart can never show whom a list names.
_CHART_LEVELS = ("L1", "L2")


class BarsChart(BaseModel):
    """Bars per value of ``by`` (a community, an age band), of ``value`` added up over the
    rows of each bar, split by ``stack`` when given; without ``value``, the number of rows
    (how many a list holds per community, never who). ``latest`` keeps only the rows of
    that column's latest value (the latest month)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["bars"]
    title: str = ""
    by: str
    value: str | None = None
    stack: str | None = None
    latest: str | None = None
    sort: Literal["label", "value"] = "label"  # age bands read in order, communities by size
    value_title: str = ""  # the value axis's title; by default the value column's (or 条数)

    def columns(self) -> dict[str, str]:
        return _named(by=self.by, value=self.value, stack=self.stack, latest=self.latest)


class NetworkChart(BaseModel):
    """A linkage network: one node per value of ``source`` and ``target``, one edge per
    pair, as thick as ``weight`` added up over its rows; ``label`` names each edge by the
    value of its heaviest row (the category two departments share most)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["network"]
    title: str = ""
    source: str
    target: str
    weight: str
    label: str | None = None
    latest: str | None = None

    def columns(self) -> dict[str, str]:
        return _named(
            source=self.source,
            target=self.target,
            weight=self.weight,
            label=self.label,
            latest=self.latest,
        )


class TrendChart(BaseModel):
    """``value`` over ``x`` (a week, a month), one line per value of ``series`` (the
    ``top`` largest by total), with ``alert`` drawn as a dashed alert line: a number, or
    a column holding the threshold of each point."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["trend"]
    title: str = ""
    x: str
    value: str
    series: str | None = None
    alert: int | float | str | None = None
    top: int = Field(default=8, ge=1, le=20)

    def columns(self) -> dict[str, str]:
        alert = self.alert if isinstance(self.alert, str) else None
        return _named(x=self.x, value=self.value, series=self.series, alert=alert)


Chart = Annotated[BarsChart | NetworkChart | TrendChart, Field(discriminator="kind")]


def _named(**keys: str | None) -> dict[str, str]:
    return {key: column for key, column in keys.items() if column is not None}


def _check_chart(chart: Chart, columns: dict[str, ProductColumn], person_level: bool) -> None:
    for key, name in chart.columns().items():
        column = columns.get(name)
        if column is None:
            raise ValueError(f"chart.{key}: {name!r} is not a column of the product")
        if column.level not in _CHART_LEVELS or column.sealed_from or column.token_domain:
            raise ValueError(
                f"chart.{key}: {name!r} is {column.level}"
                f"{' and identifies someone' if column.sealed_from or column.token_domain else ''}"
                "; a chart draws only L1/L2 columns that identify nobody"
            )
    if person_level and not (isinstance(chart, BarsChart) and chart.value is None):
        raise ValueError(
            "chart: a list of people is charted only as a count of rows (kind: bars "
            "without value), never by anything that tells who is on it"
        )
    if isinstance(chart, BarsChart) and chart.stack is not None and chart.stack == chart.by:
        raise ValueError("chart.stack: the bars are already one per value of that column")


class Alerts(BaseModel):
    """Rows of a product that call for attention (a topic rising): where ``column`` is
    true. A non-blocking Dagster check of the product warns, listing each alert by the
    ``shown`` columns (``products.alerts``): aggregates only, never personal data.

    ``latest``: for a product holding a series of periods (a trend), the column naming
    the period; only the rows of its greatest value alert, older periods being history.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    column: str
    title: str
    shown: list[str] = Field(min_length=1)
    latest: str | None = None


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
    # Named parameters of config/products/<name>.sql ($today, $threshold, …), with meaning.
    parameters: dict[str, ProductParameter] = Field(default_factory=dict)
    suppression: Suppression | None = None
    # One row per person (a proactive-service list): only a grant that names both the
    # product and the principal reaches it, never a grant to a kind, role or group.
    person_level: bool = False
    alerts: Alerts | None = None
    downgrade: Downgrade | None = None
    # How the product is drawn for its users (shuzhi products chart); see BarsChart & co.
    chart: Chart | None = None
    # How often the product is rebuilt and how old it may get; its input datasets'
    # freshness counts too (a product built on stale data is stale).
    update: UpdateSpec = UpdateSpec(frequency="daily", freshness_hours=26)
    retention: Retention | None = None
    glossary: GlossaryTerms = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, data: object) -> object:
        return _moved_freshness(data)

    @model_validator(mode="after")
    def _check(self) -> ProductContract:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError("column names must be unique")
        for name, parameter in self.parameters.items():
            _check_parameter(name, parameter, self.suppression)
        if self.suppression is not None:
            _check_suppression(self.suppression, set(names))
        if self.alerts is not None:
            named = [self.alerts.column, *self.alerts.shown, self.alerts.latest]
            unknown = [n for n in named if n is not None and n not in names]
            if unknown:
                raise ValueError(f"alerts: {unknown} are not columns of the product")
        if self.person_level and self.sharing == "unconditional":
            raise ValueError(
                "person_level: a list of people is not 无条件共享; set sharing: conditional"
            )
        if self.chart is not None:
            _check_chart(self.chart, {c.name: c for c in self.columns}, self.person_level)
        return self

    @property
    def columns_level(self) -> Level:
        """The strictest level of the product's own columns."""
        return strictest(c.level for c in self.columns)

    @property
    def level(self) -> Level:
        """The product's level: a recorded downgrade's, else its strictest column's.

        At load the registry checks it is at least the strictest level of the
        input datasets (就高从严) unless a steward recorded a downgrade.
        """
        if self.downgrade:
            return self.downgrade.to
        return self.columns_level


def _check_parameter(
    name: str, parameter: ProductParameter, suppression: Suppression | None
) -> None:
    if not name.isidentifier() or not name.islower():
        raise ValueError(f"parameters.{name}: a parameter name is lower case, like today")
    built = BUILD_PARAMETERS.get(name)
    if built is not None:
        if parameter.type != built:
            raise ValueError(f"parameters.{name}: the build supplies {name} as a {built}")
        if parameter.value is not None:
            raise ValueError(f"parameters.{name}: the build supplies {name}; remove its value")
        if name == "threshold" and suppression is None:
            raise ValueError(
                "parameters.threshold: the build takes it from the suppression block, "
                "and the product has none"
            )
        return
    if parameter.value is None:
        raise ValueError(
            f"parameters.{name}: give its value (only {', '.join(BUILD_PARAMETERS)} are "
            "supplied by the build)"
        )
    kinds = {"integer": (int,), "number": (int, float), "text": (str,), "date": (str, dt.date)}
    if isinstance(parameter.value, bool) or not isinstance(parameter.value, kinds[parameter.type]):
        raise ValueError(
            f"parameters.{name}: value {parameter.value!r} is not of type {parameter.type}"
        )
    if parameter.type == "date" and isinstance(parameter.value, str):
        try:
            dt.date.fromisoformat(str(parameter.value))
        except ValueError:
            raise ValueError(
                f"parameters.{name}: value {parameter.value!r} is not a date (YYYY-MM-DD)"
            ) from None


def _check_suppression(suppression: Suppression, columns: set[str]) -> None:
    def known(where: str, names: list[str]) -> None:
        unknown = [n for n in names if n not in columns]
        if unknown:
            raise ValueError(f"suppression.{where}: {unknown} are not columns of the product")

    known("counts", suppression.counts)
    for index, margin in enumerate(suppression.margins):
        known(f"margins.{index}.by", margin.by)
        counted = [n for n in margin.by if n in suppression.counts]
        if counted:
            raise ValueError(f"suppression.margins.{index}.by: {counted} are count columns")
    for index, derived in enumerate(suppression.derived):
        known(f"derived.{index}.column", [derived.column])
        not_counts = [n for n in derived.inputs if n not in suppression.counts]
        if not_counts:
            raise ValueError(
                f"suppression.derived.{index}.from: {not_counts} are not count columns "
                "(a derived column is blanked where one of the counts it is made from is)"
            )
        if derived.column in suppression.counts:
            raise ValueError(f"suppression.derived.{index}.column: {derived.column} is a count")
