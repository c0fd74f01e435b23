"""Data rooms: one read-only DuckDB database per principal, built from decisions.

A room holds only what the principal's decisions allow: the rows of its
jurisdiction, and each column clear, masked, reduced to its year, as a
pseudonym, or not at all.
Queries run against the room alone, so even a query that slipped past every
check could reveal only what was granted. A room is built beside the old one
and swapped in with one rename, so readers never see a half-built room.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from catalog.contracts import ProductColumn, ProductContract
from catalog.registry import Catalog
from encryption.field_cipher import open_column
from encryption.keystore import KeyStore
from encryption.tokens import tokenise_column
from lakehouse.connection import LAKE, table_exists
from policies.engine import Decision, decide
from policies.masks import apply_mask, year_only
from policies.models import PolicySet

READ_ROWS = 50_000
MANIFEST_TABLE = "_room_manifest"
ROOM_FORMAT = 1  # bump when a room's layout changes, so every room is rebuilt


@dataclass
class RoomReport:
    principal: str
    path: Path
    products: dict[str, int] = field(default_factory=dict)  # product → rows
    denied: dict[str, str] = field(default_factory=dict)  # product → reason
    reused: bool = False  # nothing it depends on changed, so the room was kept as it was


def room_path(rooms_dir: Path, principal: str) -> Path:
    return rooms_dir / f"{principal}.duckdb"


def _treated(
    column: ProductColumn,
    treatment: str,
    values: pa.Array,
    keystore: KeyStore,
    mask: str | None = None,
) -> pa.Array:
    """One product column as the principal may see it.

    ``mask`` is the named mask the decision chose for a masked column (the
    grant's or the column's); without one the column's own mask applies.
    """
    if column.sealed_from:
        dataset, _, source_col = column.sealed_from.partition(".")
        values = open_column(values, dataset=dataset, column=source_col, keystore=keystore)
    if treatment == "clear":
        return values
    if treatment == "masked":
        name = mask or column.mask
        return pa.array(
            [apply_mask(name, None if v is None else str(v)) for v in values.to_pylist()],
            pa.string(),
        )
    if treatment == "year_only":
        if pa.types.is_date(values.type) or pa.types.is_timestamp(values.type):
            return pc.year(values).cast(pa.int32())
        return pa.array(
            [year_only(str(v)) if v is not None else None for v in values.to_pylist()],
            pa.string(),
        )
    if treatment == "token":
        if column.token_domain:
            return tokenise_column(
                values.cast(pa.string()),
                domain=column.token_domain,
                keystore=keystore,
                on_invalid="null",
            )
        return values  # already a pseudonym column
    raise ValueError(f"treatment {treatment!r} cannot produce a column")


def _one_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _copy_product(
    lake: duckdb.DuckDBPyConnection,
    room: duckdb.DuckDBPyConnection,
    product: ProductContract,
    decision: Decision,
    keystore: KeyStore,
) -> int:
    visible = {c.name: c for c in decision.visible_columns()}
    columns = [c for c in product.columns if c.name in visible]
    select = ", ".join(f'"{c.name}"' for c in columns)
    sql = f"SELECT {select} FROM lake.products.{product.name}"
    params: list[object] = []
    if decision.row_filter:
        sql += f' WHERE "{decision.row_filter.column}" = ?'
        params.append(decision.row_filter.value)

    def treated(batch: pa.RecordBatch | pa.Table) -> pa.Table:
        arrays = [
            _treated(
                col,
                visible[col.name].treatment,
                _one_array(batch.column(col.name)),
                keystore,
                visible[col.name].mask,
            )
            for col in columns
        ]
        return pa.Table.from_arrays(arrays, names=[c.name for c in columns])

    reader = lake.execute(sql, params).fetch_record_batch(READ_ROWS)
    rows = 0
    created = False
    for batch in reader:
        table = treated(batch)
        room.register("incoming", table)
        if created:
            room.execute(f'INSERT INTO "{product.name}" SELECT * FROM incoming')
        else:
            room.execute(f'CREATE TABLE "{product.name}" AS SELECT * FROM incoming')
            created = True
        room.unregister("incoming")
        rows += table.num_rows
    if not created:
        # No rows in the jurisdiction: the table exists, empty, with the granted columns
        # typed as they would be treated.
        room.register("empty", treated(lake.execute(sql + " LIMIT 0", params).fetch_arrow_table()))
        room.execute(f'CREATE TABLE "{product.name}" AS SELECT * FROM empty')
        room.unregister("empty")
    return rows


def build_room(
    lake: duckdb.DuckDBPyConnection,
    rooms_dir: Path,
    principal: str,
    catalog: Catalog,
    policies: PolicySet,
    keystore: KeyStore,
    *,
    day: dt.date | None = None,
    incremental: bool = False,
) -> RoomReport:
    """Build (or, with ``incremental``, keep when nothing it depends on changed) one room."""
    rooms_dir.mkdir(parents=True, exist_ok=True)
    final = room_path(rooms_dir, principal)
    decisions = {p.name: decide(principal, p, policies, day=day) for p in catalog.products.values()}
    fingerprint = _fingerprint(lake, decisions, keystore)
    kept = _kept_report(rooms_dir, principal, fingerprint) if incremental else None
    if kept is not None:
        return kept
    building = final.with_name(f".{final.stem}.building.duckdb")
    building.unlink(missing_ok=True)
    report = RoomReport(principal, final)
    built_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    manifest: list[dict[str, object]] = []
    room = duckdb.connect(str(building))
    try:
        for product in catalog.products.values():
            decision = decisions[product.name]
            if not decision.allowed:
                report.denied[product.name] = "; ".join(decision.reasons)
                continue
            if not table_exists(lake, "products", product.name):
                report.denied[product.name] = "product not built yet"
                continue
            report.products[product.name] = _copy_product(lake, room, product, decision, keystore)
            for col in decision.columns:
                manifest.append(
                    {
                        "product": product.name,
                        "column": col.name,
                        "level": col.level,
                        "treatment": col.treatment,
                        "because": col.because,
                        "rows": decision.row_filter.description
                        if decision.row_filter
                        else "district",
                        "grants": ",".join(decision.grants),
                        "built_at": built_at,
                    }
                )
        room.execute(
            f'CREATE TABLE {MANIFEST_TABLE} (product VARCHAR, "column" VARCHAR, level VARCHAR, '
            'treatment VARCHAR, because VARCHAR, "rows" VARCHAR, grants VARCHAR, '
            "built_at VARCHAR)"
        )
        if manifest:
            room.register("manifest", pa.Table.from_pylist(manifest))
            room.execute(f"INSERT INTO {MANIFEST_TABLE} BY NAME SELECT * FROM manifest")
        room.execute("CHECKPOINT")
    finally:
        room.close()
    os.chmod(building, 0o600)
    os.replace(building, final)
    # Written after the swap: a build stopped in between leaves a stale fingerprint,
    # which only causes one more rebuild.
    build_record_path(rooms_dir, principal).write_text(
        json.dumps(
            {"fingerprint": fingerprint, "products": report.products, "denied": report.denied},
            ensure_ascii=False,
        )
    )
    return report


def build_record_path(rooms_dir: Path, principal: str) -> Path:
    """What the room was built from and holds, beside the room (see _kept_report)."""
    return rooms_dir / f".{principal}.built.json"


def _kept_report(rooms_dir: Path, principal: str, fingerprint: str) -> RoomReport | None:
    final = room_path(rooms_dir, principal)
    try:
        state = json.loads(build_record_path(rooms_dir, principal).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    if not final.exists() or state.get("fingerprint") != fingerprint:
        return None
    return RoomReport(principal, final, state["products"], state["denied"], reused=True)


def _fingerprint(
    lake: duckdb.DuckDBPyConnection, decisions: dict[str, Decision], keystore: KeyStore
) -> str:
    """Everything a room is made from: each decision, each product's data version, the keys.

    Conservative: any change to a decision (grants, validity on ``day``, treatments),
    to a product's files, or to the key store (a shredded key empties a column) rebuilds.
    """
    try:
        rows = lake.execute(
            "SELECT table_name, table_uuid, file_count, file_size_bytes, delete_file_count, "
            f"delete_file_size_bytes FROM ducklake_table_info('{LAKE}')"
        ).fetchall()
    except duckdb.Error:
        return uuid.uuid4().hex  # not a DuckLake: no data version to compare, always rebuild
    versions = {name: [str(v) for v in rest] for name, *rest in rows}
    parts: list[object] = [ROOM_FORMAT]
    for name, decision in decisions.items():
        parts.append([asdict(decision), versions.get(name)])
    try:
        stamp = keystore.path.stat()
        parts.append([stamp.st_mtime_ns, stamp.st_size])
    except FileNotFoundError:
        parts.append(None)
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()


def build_all_rooms(
    lake: duckdb.DuckDBPyConnection,
    rooms_dir: Path,
    catalog: Catalog,
    policies: PolicySet,
    keystore: KeyStore,
    *,
    day: dt.date | None = None,
) -> list[RoomReport]:
    return [
        build_room(lake, rooms_dir, p.id, catalog, policies, keystore, day=day, incremental=True)
        for p in policies.principals
    ]


def report_json(report: RoomReport) -> str:
    return json.dumps(
        {"principal": report.principal, "products": report.products, "denied": report.denied},
        ensure_ascii=False,
    )
