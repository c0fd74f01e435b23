"""Data key rotation over the lakehouse: new versions, every value re-encrypted, resumable.

``rotate_data_keys`` makes a new data key version current for each column of
the datasets asked for, then re-encrypts, table by table, every value still
under an older version (one DuckLake transaction per table, so readers see a
table entirely before or entirely after, and keep reading throughout: old
versions stay in the key store until retired). A rotation killed midway
leaves the key store marking the unfinished slots; running it again resumes
with the same versions and touches only the values still stale.

``retire_unused_versions`` deletes old versions once no value in the lake
uses them. Older DuckLake snapshots may still hold values under a retired
version; those become unreadable, which is what retiring a key is for.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
from duckdb import sqltypes

from catalog.registry import Catalog
from encryption.field_cipher import key_versions, reseal_column
from encryption.keystore import KeyStore, KeyStoreError
from lakehouse.connection import lake_transaction
from lakehouse.functions import arrow_function
from protection.sealed_columns import SealedColumn, sealed_columns, unlisted_binary_columns

MAX_PASSES = 3  # a writer that opened the key store before the rotation may add stale values

Slot = tuple[str, str]  # (dataset, column)
Progress = Callable[[str], None]


class RotationIncomplete(KeyStoreError):
    """Values are still under an old key version after every pass (rerun to finish)."""


@dataclass
class TableRotation:
    table: str
    columns: list[str]
    rows: int  # rows re-encrypted


@dataclass
class RotationReport:
    targets: dict[Slot, int] = field(default_factory=dict)  # slot → the version now current
    tables: list[TableRotation] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


@dataclass(frozen=True)
class LakeFunctions:
    """SQL names of ``reseal(blob, dataset, column)`` and ``key_version(blob)``."""

    reseal: str
    key_version: str


@contextmanager
def lake_functions(con: duckdb.DuckDBPyConnection, keystore: KeyStore) -> Iterator[LakeFunctions]:
    """Register the re-encryption functions on ``con`` for the duration of a rotation."""

    def reseal(values: pa.Array, dataset: pa.Array, column: pa.Array) -> pa.Array:
        if len(values) == 0:
            return values.cast(pa.binary())
        return reseal_column(
            values, dataset=dataset[0].as_py(), column=column[0].as_py(), keystore=keystore
        )

    blob, text = sqltypes.BLOB, sqltypes.VARCHAR
    with (
        arrow_function(con, "shuzhi_reseal", reseal, [blob, text, text], blob) as reseal_name,
        arrow_function(
            con, "shuzhi_key_version", key_versions, [blob], sqltypes.BIGINT
        ) as version_name,
    ):
        yield LakeFunctions(reseal_name, version_name)


def _stale(fn: LakeFunctions, column: SealedColumn, target: int) -> str:
    name = f'"{column.column}"'
    return f"({name} IS NOT NULL AND {fn.key_version}({name}) IS DISTINCT FROM {int(target)})"


def _by_table(inventory: list[SealedColumn]) -> dict[str, list[SealedColumn]]:
    tables: dict[str, list[SealedColumn]] = defaultdict(list)
    for column in inventory:
        tables[f"{column.schema}.{column.table}"].append(column)
    return dict(sorted(tables.items()))


def _reseal_table(
    con: duckdb.DuckDBPyConnection,
    fn: LakeFunctions,
    table: str,
    columns: list[SealedColumn],
    targets: dict[Slot, int],
) -> int:
    """Re-encrypt one table's stale values in one transaction → rows changed."""
    where = " OR ".join(_stale(fn, c, targets[(c.dataset, c.key_column)]) for c in columns)
    stale = con.execute(f"SELECT count(*) FROM lake.{table} WHERE {where}").fetchone()
    if not stale or not stale[0]:
        return 0
    assignments = ", ".join(f'"{c.column}" = {fn.reseal}("{c.column}", ?, ?)' for c in columns)
    params = [part for c in columns for part in (c.dataset, c.key_column)]
    with lake_transaction(con):
        con.execute(f"UPDATE lake.{table} SET {assignments} WHERE {where}", params)
    return int(stale[0])


def rotate_data_keys(
    con: duckdb.DuckDBPyConnection,
    keystore: KeyStore,
    catalog: Catalog,
    datasets: set[str] | None = None,
    progress: Progress | None = None,
) -> RotationReport:
    """Rotate the data keys of ``datasets`` (all when None) and re-encrypt their values."""
    say = progress or (lambda _: None)
    unknown = (datasets or set()) - set(catalog.datasets)
    if unknown:
        raise KeyStoreError(f"unknown dataset(s): {', '.join(sorted(unknown))}")
    wanted = datasets or set(catalog.datasets)
    # Only keys that exist: a column never sealed under any key holds no values to move.
    slots = sorted((d, column) for d in wanted for column in keystore.data_columns(d))
    inventory = [
        c for c in sealed_columns(con, catalog, wanted) if (c.dataset, c.key_column) in slots
    ]
    report = RotationReport()
    for dataset, column in slots:
        report.targets[(dataset, column)] = keystore.begin_rotation(dataset, column)
    say(f"{len(slots)} data keys at their new versions; re-encrypting {len(inventory)} columns")
    tables = _by_table(inventory)
    done: Counter[str] = Counter()
    with lake_functions(con, keystore) as fn:
        for attempt in range(1, MAX_PASSES + 1):
            changed = 0
            for table, columns in tables.items():
                rows = _reseal_table(con, fn, table, columns, report.targets)
                done[table] += rows
                changed += rows
                say(f"{table}: {rows:,} rows re-encrypted")
            if not changed or not _stale_values(con, fn, tables, report.targets):
                break
            if attempt == MAX_PASSES:
                raise RotationIncomplete(
                    "values written under old keys during the rotation remain; run it again"
                )
    report.tables = [
        TableRotation(table, [c.column for c in columns], done[table])
        for table, columns in tables.items()
    ]
    for dataset, column in slots:
        keystore.finish_rotation(dataset, column)
    return report


def _stale_values(
    con: duckdb.DuckDBPyConnection,
    fn: LakeFunctions,
    tables: dict[str, list[SealedColumn]],
    targets: dict[Slot, int],
) -> int:
    total = 0
    for table, columns in tables.items():
        where = " OR ".join(_stale(fn, c, targets[(c.dataset, c.key_column)]) for c in columns)
        row = con.execute(f"SELECT count(*) FROM lake.{table} WHERE {where}").fetchone()
        total += int(row[0]) if row else 0
    return total


def version_counts(
    con: duckdb.DuckDBPyConnection, keystore: KeyStore, catalog: Catalog
) -> dict[Slot, Counter[int | None]]:
    """How many values in the lake each data key version sealed (None: malformed)."""
    counts: dict[Slot, Counter[int | None]] = defaultdict(Counter)
    with lake_functions(con, keystore) as fn:
        for column in sealed_columns(con, catalog):
            rows = con.execute(
                f'SELECT {fn.key_version}("{column.column}"), count(*) '
                f'FROM lake.{column.schema}.{column.table} WHERE "{column.column}" IS NOT NULL '
                "GROUP BY ALL"
            ).fetchall()
            for version, count in rows:
                counts[(column.dataset, column.key_column)][version] += count
    return dict(counts)


@dataclass(frozen=True)
class RetireOutcome:
    key: str  # "dataset.column" for a data key, "token:domain" for a token key
    version: int
    retired: bool
    values_left: int


def retire_unused_versions(
    con: duckdb.DuckDBPyConnection,
    keystore: KeyStore,
    catalog: Catalog,
    datasets: set[str] | None = None,
) -> list[RetireOutcome]:
    """Delete every old data key version no value in the lake uses; report the rest."""
    unlisted = unlisted_binary_columns(con, catalog)
    if unlisted:
        # A sealed column the inventory does not know could hold values under any version.
        raise KeyStoreError(
            "refusing to retire keys: binary columns of unknown origin in the lake: "
            + ", ".join(unlisted)
        )
    counts = version_counts(con, keystore, catalog)
    outcomes: list[RetireOutcome] = []
    for info in keystore.slots():
        if info.kind != "data" or (datasets is not None and info.dataset not in datasets):
            continue
        assert info.dataset is not None and info.column is not None
        for version in info.versions:
            if version in (info.current, info.rotating_to):
                continue
            left = counts.get((info.dataset, info.column), Counter())[version]
            if not left:
                keystore.retire(info.dataset, info.column, version)
            outcomes.append(RetireOutcome(info.name, version, not left, left))
    return outcomes
