"""Apply a dataset contract's column protections to Arrow columns.

Raw keeps each protected column as the value exactly as read, sealed; staged
keeps the canonical value sealed and, for identifiers, a join token beside it.
Column naming in staged: ``<name>_token``, ``<name>_sealed``.
"""

from __future__ import annotations

import pyarrow as pa

from catalog.contracts import ColumnSpec, DatasetContract
from encryption.field_cipher import open_column, seal_column
from encryption.keystore import KeyStore
from encryption.tokens import tokenise_column
from metering.costs import CRYPTO, metered

REJECTED_ROW_COLUMN = "_rejected_row"


def is_protected(column: ColumnSpec) -> bool:
    return column.protection != "none"


def seal_raw(
    batch: pa.RecordBatch, contract: DatasetContract, keystore: KeyStore
) -> pa.RecordBatch:
    """Seal every protected column of a raw batch (column names are the contract's)."""
    arrays, names = [], []
    for name, array in zip(batch.schema.names, batch.columns, strict=True):
        spec = next((c for c in contract.columns if c.name == name), None)
        if spec is not None and is_protected(spec):
            with metered(CRYPTO, len(array)):
                array = seal_column(array, dataset=contract.name, column=name, keystore=keystore)
        arrays.append(array)
        names.append(name)
    return pa.RecordBatch.from_arrays(arrays, names=names)


def open_raw(
    batch: pa.RecordBatch | pa.Table, contract: DatasetContract, keystore: KeyStore
) -> dict[str, list[str | None]]:
    """Every contract column of a raw batch as plain Python text, sealed ones opened."""
    out: dict[str, list[str | None]] = {}
    for spec in contract.columns:
        if spec.name not in batch.schema.names:
            continue
        array = batch.column(spec.name)
        if is_protected(spec):
            with metered(CRYPTO, len(array)):
                array = open_column(
                    array, dataset=contract.name, column=spec.name, keystore=keystore
                )
        out[spec.name] = array.to_pylist()
    return out


def protect_staged(
    spec: ColumnSpec, canonical: pa.Array, dataset: str, keystore: KeyStore
) -> dict[str, pa.Array]:
    """The staged columns that stand for one protected contract column."""
    result: dict[str, pa.Array] = {}
    with metered(CRYPTO, len(canonical)):
        if spec.protection == "token+seal":
            assert spec.token_domain is not None
            result[f"{spec.name}_token"] = tokenise_column(
                canonical, domain=spec.token_domain, keystore=keystore
            )
        result[f"{spec.name}_sealed"] = seal_column(
            canonical, dataset=dataset, column=spec.name, keystore=keystore
        )
    return result


def seal_rejected_rows(texts: list[str], dataset: str, keystore: KeyStore) -> pa.Array:
    return seal_column(
        pa.array(texts, pa.string()), dataset=dataset, column=REJECTED_ROW_COLUMN, keystore=keystore
    )
