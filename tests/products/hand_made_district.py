"""A tiny hand-made district: protected tables written row by row, for product SQL tests.

The tables have the protected layer's real columns and types (from the dataset
contracts), in an in-memory DuckDB attached as ``lake``; a row names only the
columns a test cares about, the rest stay NULL. Sealed values are stand-in
bytes: products carry them through unopened.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pyarrow as pa

from catalog.registry import Catalog, load_catalog
from home.layout import DEFAULT_CONFIG_DIR
from products.build import build_product, checked_sql
from products.parameters import parameter_values
from products.reference_tables import reference_tables
from protection.protect_dataset import protected_select
from quality.staging import staged_columns

CATALOG: Catalog = load_catalog(DEFAULT_CONFIG_DIR)
TODAY = dt.date(2026, 12, 15)
# Codes of the demo district (config/district.yaml).
DONGHU, XILING = "440399001", "440399002"
DONGHU_C1, DONGHU_C2, DONGHU_C3 = "440399001001", "440399001002", "440399001003"
XILING_C1 = "440399002001"


def hand_made_lake() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS lake")
    for schema in ("protected", "products", "meta"):
        con.execute(f"CREATE SCHEMA lake.{schema}")
    return con


def put(con: duckdb.DuckDBPyConnection, dataset: str, rows: list[dict[str, object]]) -> None:
    """``lake.protected.<dataset>`` with the layer's columns, holding these rows."""
    contract = CATALOG.datasets[dataset]
    types = dict(staged_columns(contract))
    for spec in contract.columns:
        types.setdefault(spec.name, "VARCHAR")  # free text, carried redacted
    # The protection step adds each free-text column, redacted, after the layer's columns.
    names = protected_select(contract) + [
        c.name for c in contract.columns if c.protection == "redact"
    ]
    columns = ", ".join(f'"{n}" {types[n]}' for n in names)
    con.execute(f"CREATE OR REPLACE TABLE lake.protected.{dataset} ({columns})")
    unknown = {k for row in rows for k in row} - set(names)
    assert not unknown, f"{dataset} has no protected columns {unknown}"
    if rows:
        data = pa.Table.from_pylist([{n: row.get(n) for n in names} for row in rows])
        con.register("hand_rows", data)
        select = ", ".join(f'CAST("{n}" AS {types[n]}) AS "{n}"' for n in names)
        con.execute(f"INSERT INTO lake.protected.{dataset} SELECT {select} FROM hand_rows")
        con.unregister("hand_rows")


def merged(con: duckdb.DuckDBPyConnection, cases: dict[str, list[tuple[str, str]]]) -> None:
    """``lake.protected.cases_merged`` as the merge step writes it: case id → its records
    (source, case_no). Records of ``lake.protected.cases`` named in no case are a case of
    their own."""
    groups = dict(cases)
    named = {record for records in groups.values() for record in records}
    for source, case_no in con.execute(
        "SELECT _source, case_no FROM lake.protected.cases"
    ).fetchall():
        if (source, case_no) not in named:
            groups[f"C-{source}-{case_no}"] = [(source, case_no)]
    rows = [
        {"record_id": f"{source}:{case_no}", "_source": source, "case_no": case_no,
         "case_id": case_id, "case_records": len(records)}
        for case_id, records in groups.items()
        for source, case_no in records
    ]  # fmt: skip
    con.register("hand_merged", pa.Table.from_pylist(rows))
    con.execute(
        "CREATE OR REPLACE TABLE lake.protected.cases_merged AS SELECT record_id, _source, "
        "case_no, case_id, case_records::INTEGER AS case_records FROM hand_merged"
    )
    con.unregister("hand_merged")


def built(con: duckdb.DuckDBPyConnection, product: str) -> list[dict[str, Any]]:
    """Build the product as the pipeline does (its SQL, parameters, suppression) on ``TODAY``."""
    build_product(con, CATALOG, product, today=TODAY)
    return con.execute(f"SELECT * FROM lake.products.{product}").fetch_arrow_table().to_pylist()


def raw_answer(con: duckdb.DuckDBPyConnection, product: str) -> list[dict[str, Any]]:
    """What the product's SQL alone answers on ``TODAY`` (before small-cell protection)."""
    parameters = parameter_values(CATALOG.products[product], TODAY)
    with reference_tables(con, CATALOG.district):
        sql = checked_sql(con, CATALOG, product, parameters)
        return con.execute(sql, parameters).fetch_arrow_table().to_pylist()


def people(count: int, **fields: object) -> list[dict[str, object]]:
    """``count`` residents alike but for their token."""
    serial = people.__dict__.setdefault("serial", [0])
    out = []
    for _ in range(count):
        serial[0] += 1
        out.append({"id_number_token": f"t1_person{serial[0]:04d}", **fields})
    return out
