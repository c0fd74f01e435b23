"""A contract's quality rules as Great Expectations expectations on the staged table.

Each rule becomes one expectation on a staged column; a protected column is read through
its join token (not null, unique, exists in another dataset). Checksums and references
are expectations on a computed validity column (``_rule_<name>``: true, false, or null
where the value is missing), not GX custom expectations: GX's results, samples and Data
Docs then only ever hold true/false for them, never an identity number or a token, the
sealed value is opened inside the check and dropped at once, and the check digit code is
the same ``identifiers`` parser the staging step uses.

The contract's older ``expectations:`` (GX kwargs written out) join the suite, each
named after its expectation and column, blocking as before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb

from catalog.contracts import DatasetContract
from catalog.district import District
from catalog.quality_rules import OnFail, QualityRule
from encryption.keystore import KeyStore
from lakehouse.connection import table_exists

COMPUTED_PREFIX = "_rule_"


@dataclass(frozen=True)
class SuiteItem:
    """One expectation of the suite and the rule it stands for."""

    rule: str
    title: str
    on_fail: OnFail
    expectation: str  # GX class name in snake case
    kwargs: dict[str, Any]
    column: str | None  # the contract column (for reports); None for table-level
    # Computed validity columns this expectation reads: (name, rule)
    computed: tuple[str, ...] = field(default=())


def staged_column(contract: DatasetContract, name: str) -> str:
    """The staged column that stands for a contract column without its plaintext."""
    if name.startswith("_"):
        return name  # staged bookkeeping (_source, _batch_id)
    spec = contract.column(name)
    if spec.protection == "token+seal":
        return f"{name}_token"
    if spec.protection != "none":
        return f"{name}_sealed"
    return name


def suite_items(contract: DatasetContract, district: District) -> list[SuiteItem]:
    """Every expectation of the dataset's suite, rules first."""
    streets = [s.code for s in district.streets]
    communities = [c.code for _, c in district.communities]
    items = [_rule_item(contract, rule, streets, communities) for rule in contract.quality.rules]
    for exp in contract.expectations:
        column = exp.kwargs.get("column")
        columns = exp.kwargs.get("column_list")
        listed = [str(c) for c in columns] if isinstance(columns, list) else []
        label = str(column) if column else ",".join(listed) or None
        items.append(
            SuiteItem(
                rule=f"{exp.expectation}({label})" if label else exp.expectation,
                title="",
                on_fail="block",
                expectation=exp.expectation,
                kwargs=dict(exp.kwargs),
                column=label,
            )
        )
    return items


def _rule_item(
    contract: DatasetContract, rule: QualityRule, streets: list[str], communities: list[str]
) -> SuiteItem:
    mostly = {"mostly": 1 - rule.max_failing_share} if rule.max_failing_share else {}
    column = staged_column(contract, rule.column)

    def item(expectation: str, kwargs: dict[str, Any], computed: tuple[str, ...] = ()) -> SuiteItem:
        return SuiteItem(
            rule=rule.name,
            title=rule.title,
            on_fail=rule.on_fail,
            expectation=expectation,
            kwargs={**kwargs, **mostly},
            column=",".join(rule.columns),
            computed=computed,
        )

    if rule.check == "not_null":
        return item("expect_column_values_to_not_be_null", {"column": column})
    if rule.check == "unique":
        staged = [staged_column(contract, c) for c in rule.columns]
        if len(staged) == 1:
            return item("expect_column_values_to_be_unique", {"column": staged[0]})
        return item("expect_compound_columns_to_be_unique", {"column_list": staged})
    if rule.check == "allowed_values":
        values = rule.district_values(streets, communities)
        return item("expect_column_values_to_be_in_set", {"column": column, "value_set": values})
    if rule.check == "range":
        bounds = {
            key: _as_timestamp(value)
            for key, value in (("min_value", rule.min), ("max_value", rule.max))
            if value is not None
        }
        return item("expect_column_values_to_be_between", {"column": column, **bounds})
    computed = f"{COMPUTED_PREFIX}{rule.name}"
    return item(
        "expect_column_values_to_be_in_set",
        {"column": computed, "value_set": [True]},
        computed=(computed,),
    )


def _as_timestamp(value: object) -> object:
    """DuckDB hands DATE columns to pandas as timestamps: a date bound is its midnight."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    return value


def frame_columns(items: list[SuiteItem]) -> set[str]:
    """Staged columns the suite reads directly (computed ones are built apart)."""
    cols: set[str] = set()
    for it in items:
        if it.computed:
            continue
        if "column" in it.kwargs:
            cols.add(str(it.kwargs["column"]))
        column_list = it.kwargs.get("column_list")
        if isinstance(column_list, list):
            cols.update(str(name) for name in column_list)
    return cols


def load_frame(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    items: list[SuiteItem],
    keystore: KeyStore | None,
) -> Any:
    """The staged table as a pandas frame of just the columns the suite reads, plus each
    rule's computed validity column and ``community_code`` (for per-community counts)."""
    select = frame_select(con, contract, items)
    frame = con.execute(f"SELECT {select} FROM lake.staged.{contract.name}").df()
    return suite_frame(frame, contract, items, keystore)


def suite_frame(
    frame: Any, contract: DatasetContract, items: list[SuiteItem], keystore: KeyStore | None
) -> Any:
    """A frame read from the staged table (whole or a chunk) made ready for GX."""
    return add_checksums(nanosecond_times(frame), contract, items, keystore)


def staged_column_names(con: duckdb.DuckDBPyConnection, dataset: str) -> set[str]:
    return {d[0] for d in con.execute(f"SELECT * FROM lake.staged.{dataset} LIMIT 0").description}


def nanosecond_times(frame: Any) -> Any:
    """DuckDB hands timestamps to pandas in microseconds; GX compares only nanosecond
    columns as a whole and maps a Python function over every other value (a third of
    validate's time for a million birth dates). Columns outside nanoseconds' years
    (1677-2262) stay as they are, compared the slow way."""
    import pandas as pd

    for name in frame.columns:
        column = frame[name]
        if not pd.api.types.is_datetime64_dtype(column.dtype) or column.dtype == "<M8[ns]":
            continue
        low, high = column.min(), column.max()
        if pd.isna(low) or (pd.Timestamp.min <= low and high <= pd.Timestamp.max):
            frame[name] = column.astype("datetime64[ns]")
    return frame


def frame_select(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract, items: list[SuiteItem]
) -> str:
    """The select list of the suite's frame over ``lake.staged.<dataset>``: the columns it
    reads, ``community_code``, reference validity, and the sealed source of each checksum
    (``add_checksums`` turns it into the validity column)."""
    wanted = sorted(frame_columns(items))
    staged = staged_column_names(con, contract.name)
    extra = ["community_code"] if "community_code" in staged else []
    select = [f'"{c}"' for c in dict.fromkeys([*wanted, *extra]) if c in staged]
    rules = {r.name: r for r in contract.quality.rules}
    for it in items:
        for computed in it.computed:
            rule = rules[it.rule]
            if rule.check == "exists_in":
                select.append(_reference_sql(con, contract, rule, computed))
            else:
                select.append(f'"{_checksum_source(contract, rule)}" AS "{computed}"')
    return ", ".join(select) or "_batch_id"


def add_checksums(
    frame: Any, contract: DatasetContract, items: list[SuiteItem], keystore: KeyStore | None
) -> Any:
    """Each checksum rule's column of sealed (or plain) values replaced by its validity
    (``keystore`` opens the sealed ones; none is needed where no checksum is sealed)."""
    import pandas as pd

    rules = {r.name: r for r in contract.quality.rules}
    for it in items:
        for computed in it.computed:
            rule = rules[it.rule]
            if rule.check == "checksum":
                frame[computed] = pd.Series(
                    _checksum_validity(contract, rule, frame[computed], keystore),
                    dtype="object",
                    index=frame.index,
                )
    return frame


def _reference_sql(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract, rule: QualityRule, computed: str
) -> str:
    """True where the row's join token is among the referenced dataset's protected tokens."""
    ref_dataset, ref_column = rule.reference
    mine = staged_column(contract, rule.column)
    if not table_exists(con, "protected", ref_dataset):
        # Nothing to compare with yet: every row that has a value fails, visibly.
        return f'CASE WHEN "{mine}" IS NULL THEN NULL ELSE false END AS "{computed}"'
    return (
        f'CASE WHEN "{mine}" IS NULL THEN NULL ELSE "{mine}" IN '
        f"(SELECT {ref_column}_token FROM lake.protected.{ref_dataset} "
        f'WHERE {ref_column}_token IS NOT NULL) END AS "{computed}"'
    )


def _checksum_source(contract: DatasetContract, rule: QualityRule) -> str:
    spec = contract.column(rule.column)
    return f"{spec.name}_sealed" if spec.protection != "none" else spec.name


def _checksum_validity(
    contract: DatasetContract, rule: QualityRule, values: Any, keystore: KeyStore | None
) -> list[bool | None]:
    """Each value's check character verified; sealed values are opened here and dropped."""
    import pyarrow as pa

    from identifiers import credit_code, resident_id

    spec = contract.column(rule.column)
    kind = rule.kind or spec.type
    valid = resident_id.is_valid if kind == "resident_id" else credit_code.is_valid
    if spec.protection != "none":
        from encryption.field_cipher import open_column

        if keystore is None:
            raise ValueError(f"{contract.name}.{spec.name}: sealed values need the key store")

        sealed = pa.array([None if v is None else bytes(v) for v in values], pa.binary())
        opened = open_column(sealed, dataset=contract.name, column=spec.name, keystore=keystore)
    else:
        opened = pa.array([None if v is None or v != v else str(v) for v in values], pa.string())
    texts = opened.to_pylist()
    if kind != "resident_id":
        return [None if t is None else valid(t) for t in texts]
    # Canonical IDs are settled a whole column at a time (only ones the parser accepts as
    # they are); the parser judges the rest, one value at a time, as before.
    from quality.column_standardise import resident_id_valid

    settled = resident_id_valid(opened, dt.date.today()).to_pylist()
    return [
        None if t is None else (True if ok else valid(t))
        for t, ok in zip(texts, settled, strict=True)
    ]
