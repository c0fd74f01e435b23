"""Where sealed values and join tokens live in the lakehouse, derived from the contracts.

Key rotation, retirement and token rotation must reach every copy of a value:
a sealed column missed by rotation would become unreadable when its old key
is retired. The inventory is derived from the dataset and product contracts
(the same rules that wrote the columns), and :func:`unlisted_binary_columns`
names any binary column the rules do not explain, so a new layer that seals
values cannot silently escape rotation.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from catalog.registry import Catalog
from protection.fields import REJECTED_ROW_COLUMN

DATASET_LAYERS = ("raw", "staged", "quarantine", "protected")


@dataclass(frozen=True)
class SealedColumn:
    """One lake column of sealed values, and the data key slot that sealed them."""

    schema: str
    table: str
    column: str
    dataset: str  # key slot: dataset
    key_column: str  # key slot: column

    @property
    def where(self) -> str:
        return f"{self.schema}.{self.table}.{self.column}"


@dataclass(frozen=True)
class TokenColumn:
    """One lake column of join tokens, beside the sealed canonical value they were made from."""

    schema: str
    table: str
    column: str
    sealed_column: str
    dataset: str
    key_column: str
    domain: str

    @property
    def where(self) -> str:
        return f"{self.schema}.{self.table}.{self.column}"


def _lake_columns(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, str], str]:
    rows = con.execute(
        "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = 'lake'"
    ).fetchall()
    return {(schema, table, column): kind for schema, table, column, kind in rows}


def _candidates(catalog: Catalog) -> list[SealedColumn]:
    found: list[SealedColumn] = []
    for contract in catalog.datasets.values():
        name = contract.name
        for spec in contract.columns:
            if spec.protection == "none":
                continue
            found.append(SealedColumn("raw", name, spec.name, name, spec.name))
            for layer in ("staged", "protected"):
                found.append(SealedColumn(layer, name, f"{spec.name}_sealed", name, spec.name))
        found.append(
            SealedColumn("quarantine", name, REJECTED_ROW_COLUMN, name, REJECTED_ROW_COLUMN)
        )
    for product in catalog.products.values():
        for column in product.columns:
            if column.sealed_from:
                dataset, _, source = column.sealed_from.partition(".")
                found.append(SealedColumn("products", product.name, column.name, dataset, source))
    return found


def sealed_columns(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, datasets: set[str] | None = None
) -> list[SealedColumn]:
    """Every sealed column present in the lake (of the given datasets' keys, if named)."""
    present = _lake_columns(con)
    return [
        c
        for c in _candidates(catalog)
        if present.get((c.schema, c.table, c.column)) == "BLOB"
        and (datasets is None or c.dataset in datasets)
    ]


def unlisted_binary_columns(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> list[str]:
    """Binary columns in the lake that the inventory does not account for."""
    listed = {(c.schema, c.table, c.column) for c in _candidates(catalog)}
    return sorted(
        f"{schema}.{table}.{column}"
        for (schema, table, column), kind in _lake_columns(con).items()
        if kind == "BLOB" and (schema, table, column) not in listed
    )


def token_columns(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, domain: str | None = None
) -> list[TokenColumn]:
    """Every token column of the layers of record (staged, protected), of one domain if named.

    Products and rooms are derived from these and rebuilt, not rewritten.
    """
    present = _lake_columns(con)
    found: list[TokenColumn] = []
    for contract in catalog.datasets.values():
        for spec in contract.columns:
            if spec.protection != "token+seal" or spec.token_domain is None:
                continue
            if domain is not None and spec.token_domain != domain:
                continue
            for layer in ("staged", "protected"):
                token, sealed = f"{spec.name}_token", f"{spec.name}_sealed"
                if (layer, contract.name, token) in present and (
                    present.get((layer, contract.name, sealed)) == "BLOB"
                ):
                    found.append(
                        TokenColumn(
                            layer,
                            contract.name,
                            token,
                            sealed,
                            contract.name,
                            spec.name,
                            spec.token_domain,
                        )
                    )
    return found
