"""Apply a dataset contract's column protections to Arrow columns.

Raw keeps each protected column as the value exactly as read, sealed; staged
keeps the canonical value sealed and, for identifiers, a join token beside it.
Column naming in staged: ``<name>_token``, ``<name>_sealed``.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from catalog.contracts import ColumnSpec, DatasetContract
from encryption.field_cipher import key_versions, open_column, seal_column
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


def open_raw_columns(
    batch: pa.RecordBatch | pa.Table, contract: DatasetContract, keystore: KeyStore
) -> dict[str, pa.Array]:
    """Every contract column of a raw batch as a string column, sealed ones opened."""
    out: dict[str, pa.Array] = {}
    for spec in contract.columns:
        if spec.name not in batch.schema.names:
            continue
        array = batch.column(spec.name)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if is_protected(spec):
            with metered(CRYPTO, len(array) - array.null_count):
                array = open_column(
                    array, dataset=contract.name, column=spec.name, keystore=keystore
                )
        out[spec.name] = array.cast(pa.string())
    return out


def protect_staged(
    spec: ColumnSpec,
    canonical: pa.Array,
    dataset: str,
    keystore: KeyStore,
    *,
    tokens: pa.Array | None = None,
    as_read: tuple[pa.Array, pa.Array] | None = None,
) -> dict[str, pa.Array]:
    """The staged columns that stand for one protected contract column.

    ``tokens``: the column's join tokens when the caller made them already (a key's).
    ``as_read``: the raw sealed column and its opened text, row for row: a canonical
    value that is the text as read keeps its raw ciphertext, which is a valid staged
    one (raw and staged seal under one (dataset, column) key and associated data), so
    only the values standardisation changed are sealed again.
    """
    result: dict[str, pa.Array] = {}
    if spec.protection == "token+seal":
        if tokens is None:
            assert spec.token_domain is not None
            with metered(CRYPTO, len(canonical) - canonical.null_count):
                tokens = tokenise_column(canonical, domain=spec.token_domain, keystore=keystore)
        result[f"{spec.name}_token"] = tokens
    result[f"{spec.name}_sealed"] = _sealed(spec, canonical, dataset, keystore, as_read)
    return result


def _sealed(
    spec: ColumnSpec,
    canonical: pa.Array,
    dataset: str,
    keystore: KeyStore,
    as_read: tuple[pa.Array, pa.Array] | None,
) -> pa.Array:
    if as_read is None:
        with metered(CRYPTO, len(canonical) - canonical.null_count):
            return seal_column(canonical, dataset=dataset, column=spec.name, keystore=keystore)
    raw_sealed, raw_text = as_read
    raw_sealed = raw_sealed.cast(pa.binary())
    current, _ = keystore.data_key(dataset, spec.name)
    keep = pc.fill_null(
        pc.and_(pc.equal(canonical, raw_text), pc.equal(key_versions(raw_sealed), current)),
        False,
    )
    reseal = pc.and_(pc.invert(keep), pc.is_valid(canonical))
    kept = pc.if_else(keep, raw_sealed, pa.scalar(None, pa.binary()))
    fresh = canonical.filter(reseal)
    if not len(fresh):
        return kept
    with metered(CRYPTO, len(fresh)):
        sealed = seal_column(fresh, dataset=dataset, column=spec.name, keystore=keystore)
    return pc.replace_with_mask(kept, reseal, sealed)


def seal_rejected_rows(texts: list[str], dataset: str, keystore: KeyStore) -> pa.Array:
    return seal_column(
        pa.array(texts, pa.string()), dataset=dataset, column=REJECTED_ROW_COLUMN, keystore=keystore
    )
