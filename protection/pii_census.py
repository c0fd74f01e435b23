"""What personal data each text column of a staged dataset holds, from a sample.

Every text-like column is classified (``pii.column_classifier``): clear columns
from their values, sealed ones from a sample opened in memory only. The result
is recorded in ``lake.meta.pii_columns`` for the catalogue, and it is checked
against the contract (deny by default): a column the contract leaves clear
must not hold personal data, unless a steward reviewed that entity for that
column and wrote down why (``reviewed: {ADDRESS: reason}`` in the dataset
YAML). A refusal names dataset, column, entity and share, never a value.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from catalog.contracts import ColumnSpec, DatasetContract
from encryption.field_cipher import open_column
from encryption.keystore import KeyStore
from lakehouse.meta import utcnow
from pii.column_classifier import ColumnClassification
from pii.entities import PERSONAL_ENTITIES

SAMPLE_ROWS = 1_000
TEXT_TYPES = ("text", "free_text", "resident_id", "phone", "credit_code")

DDL = """CREATE TABLE IF NOT EXISTS lake.meta.pii_columns (
    dataset VARCHAR, column_name VARCHAR, protection VARCHAR, entity VARCHAR, score DOUBLE,
    kind VARCHAR, sampled BIGINT, matched BIGINT, also_seen VARCHAR, classified_at TIMESTAMP)"""


class UndeclaredPersonalData(RuntimeError):
    """A column declared unprotected holds personal data."""


@dataclass(frozen=True)
class ColumnCensus:
    spec: ColumnSpec
    classification: ColumnClassification

    @property
    def undeclared(self) -> str | None:
        """The personal entity a clear column holds without a steward's review, if any."""
        if self.spec.protection != "none":
            return None
        for entity in self.classification.reported:
            if entity in PERSONAL_ENTITIES and entity not in self.spec.reviewed:
                return entity
        return None


def take_census(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract, keystore: KeyStore
) -> list[ColumnCensus]:
    """Classify, record and check every text column of ``lake.staged.<dataset>``."""
    from pii.column_classifier import classify_column
    from pii.text_scan import default_detector

    specs = [spec for spec in contract.columns if spec.type in TEXT_TYPES]
    if not specs:
        return []
    sample = _sample(con, contract, specs)
    detector = default_detector()
    census = []
    for spec in specs:
        values = _clear_values(sample, contract, spec, keystore)
        census.append(
            ColumnCensus(spec, classify_column(spec.title or spec.name, values, detector=detector))
        )
    _record(con, contract, census)
    for item in census:
        entity = item.undeclared
        if entity is not None:
            c = item.classification
            raise UndeclaredPersonalData(
                f"dataset {contract.name}, column {item.spec.name}: {entity} found in "
                f"{c.matches[entity]} of {c.sampled} sampled values, but the contract "
                f"declares no protection. Declare it in config/datasets/{contract.name}.yaml "
                f"(protection), or record why it may stay clear (reviewed: {{{entity}: reason}})."
            )
    return census


def _sample(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract, specs: list[ColumnSpec]
) -> pa.Table:
    columns = ", ".join(f'"{_stored_name(spec)}"' for spec in specs)
    return con.execute(
        f"SELECT {columns} FROM lake.staged.{contract.name} "
        f"USING SAMPLE reservoir({SAMPLE_ROWS} ROWS) REPEATABLE (7)"
    ).fetch_arrow_table()


def _stored_name(spec: ColumnSpec) -> str:
    return spec.name if spec.protection == "none" else f"{spec.name}_sealed"


def _clear_values(
    sample: pa.Table, contract: DatasetContract, spec: ColumnSpec, keystore: KeyStore
) -> pa.Array:
    stored = sample.column(_stored_name(spec))
    if spec.protection == "none":
        return stored.combine_chunks().cast(pa.string())
    # Opened in memory for classification only; nothing clear is written.
    return open_column(stored, dataset=contract.name, column=spec.name, keystore=keystore)


def _record(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract, census: list[ColumnCensus]
) -> None:
    con.execute(DDL)
    con.execute("DELETE FROM lake.meta.pii_columns WHERE dataset = ?", [contract.name])
    now = utcnow()
    con.executemany(
        "INSERT INTO lake.meta.pii_columns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                contract.name,
                item.spec.name,
                item.spec.protection,
                item.classification.entity,
                item.classification.score,
                item.classification.kind,
                item.classification.sampled,
                item.classification.matched,
                ", ".join(
                    f"{e} {s:.2f}"
                    for e, s in item.classification.entities.items()
                    if e != item.classification.entity
                ),
                now,
            ]
            for item in census
        ],
    )
