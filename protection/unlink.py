"""Cut a shredded dataset's rows loose from the people they were about.

Destroying a dataset's data keys (``KeyStore.shred``) makes its sealed values
unreadable, but the rows would keep their join tokens, which still name the person
through every other dataset (``population.id_number_token``), and the columns that
single a person out without a token (a birth date beside a community). So, in every
layer of the dataset, the rows present at the shred keep only what cannot lead back
to a person:

1. Every protected column is emptied: tokens (``<column>_token``), sealed values
   (``<column>_sealed``, raw's sealed copies) and redacted free text.
2. Every other column at L3 or L4 is emptied unless it is a category (``enum``): a
   birth date or a disability grade is a quasi-identifier, 最低生活保障 alone is not.
3. Quarantined rows lose their sealed source row.
4. The old→new maps of a token rotation (``lake.meta.token_maps``) lose the tokens the
   rows held, so no earlier token leads to the person either.

What is left (sex, community, category, dates at L2 and below) still counts in
statistics. Products and rooms are rebuilt, and old snapshots expired, by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from catalog.contracts import ColumnSpec, DatasetContract
from catalog.levels import level_rank
from lakehouse.connection import lake_transaction, table_exists
from protection.fields import REJECTED_ROW_COLUMN

LAYERS = ("raw", "staged", "protected")
MAP_TABLE = "lake.meta.token_maps"


@dataclass
class UnlinkReport:
    dataset: str
    rows: dict[str, int] = field(default_factory=dict)  # "layer": rows unlinked
    columns: dict[str, list[str]] = field(default_factory=dict)  # "layer": columns emptied
    token_maps_dropped: int = 0


def links_to_a_person(spec: ColumnSpec) -> bool:
    """Whether a column can lead back to a person (rules 1 and 2)."""
    if spec.protection != "none":
        return True
    return level_rank(spec.level) >= level_rank("L3") and spec.type != "enum"


def emptied_columns(contract: DatasetContract, present: list[str]) -> list[str]:
    """The columns of a layer's table (``present``) that are emptied."""
    wanted: set[str] = set()
    for spec in contract.columns:
        if links_to_a_person(spec):
            wanted |= {spec.name, f"{spec.name}_token", f"{spec.name}_sealed"}
    return [name for name in present if name in wanted]


def unlink_dataset(con: duckdb.DuckDBPyConnection, contract: DatasetContract) -> UnlinkReport:
    """Empty every linking column of every row of ``contract``'s tables, in one transaction."""
    report = UnlinkReport(contract.name)
    name = contract.name
    with lake_transaction(con):
        tokens = [
            c
            for c in _columns(con, "protected", name) + _columns(con, "staged", name)
            if c.endswith("_token")
        ]
        if tokens and table_exists(con, "meta", "token_maps"):
            report.token_maps_dropped = _drop_token_maps(con, name, sorted(set(tokens)))
        for layer in LAYERS:
            if not table_exists(con, layer, name):
                continue
            columns = emptied_columns(contract, _columns(con, layer, name))
            report.rows[layer] = _count(con, f"lake.{layer}.{name}")
            report.columns[layer] = columns
            if columns and report.rows[layer]:
                assignments = ", ".join(f'"{c}" = NULL' for c in columns)
                con.execute(f"UPDATE lake.{layer}.{name} SET {assignments}")
        if table_exists(con, "quarantine", name):
            report.rows["quarantine"] = _count(con, f"lake.quarantine.{name}")
            report.columns["quarantine"] = [REJECTED_ROW_COLUMN]
            con.execute(f"UPDATE lake.quarantine.{name} SET {REJECTED_ROW_COLUMN} = NULL")
    return report


def _drop_token_maps(con: duckdb.DuckDBPyConnection, name: str, tokens: list[str]) -> int:
    held = " UNION ".join(
        f'SELECT "{c}" AS token FROM lake.{layer}.{name} WHERE "{c}" IS NOT NULL'
        for layer in ("staged", "protected")
        for c in tokens
        if c in _columns(con, layer, name)
    )
    where = f"old_token IN ({held}) OR new_token IN ({held})"
    row = con.execute(f"SELECT count(*) FROM {MAP_TABLE} WHERE {where}").fetchone()
    dropped = int(row[0]) if row else 0
    if dropped:
        con.execute(f"DELETE FROM {MAP_TABLE} WHERE {where}")
    return dropped


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'lake' "
            "AND schema_name = ? AND table_name = ? ORDER BY column_index",
            [schema, table],
        ).fetchall()
    ]


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0
