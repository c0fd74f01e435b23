"""Take products out of a data room at once, without the lakehouse.

When a grant is revoked or lapses, refusing the query is not enough: the
room file still holds the rows. The gateway cannot rebuild a room (that
needs the lake and the keys), but it can write a copy of the room without
the products the engine no longer allows and swap it in with one rename,
so the data is physically gone from the room the moment it is refused.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import duckdb

from home.private_files import write_private_json
from policies.rooms import MANIFEST_TABLE, build_record_path, room_path


def products_in_room(rooms_dir: Path, principal: str) -> list[str]:
    """The products the room's build record says it holds (none when there is no record)."""
    try:
        record = json.loads(build_record_path(rooms_dir, principal).read_text("utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return []
    products = record.get("products")
    return sorted(products) if isinstance(products, dict) else []


def prune_room(rooms_dir: Path, principal: str, products: dict[str, str]) -> list[str]:
    """Remove ``products`` (name → why) from the room; return the ones actually removed."""
    final = room_path(rooms_dir, principal)
    if not final.exists() or not products:
        return []
    pruning = final.with_name(f".{final.stem}.pruning-{uuid.uuid4().hex}.duckdb")
    removed: list[str] = []
    try:
        con = duckdb.connect(str(pruning))
        try:
            quoted = str(final).replace("'", "''")
            con.execute(f"ATTACH '{quoted}' AS old (READ_ONLY)")
            tables = [
                name
                for (name,) in con.execute(
                    "SELECT table_name FROM duckdb_tables() "
                    "WHERE database_name = 'old' AND schema_name = 'main' ORDER BY table_name"
                ).fetchall()
            ]
            for table in tables:
                if table in products:
                    removed.append(table)
                    continue
                con.execute(f'CREATE TABLE main."{table}" AS SELECT * FROM old.main."{table}"')
            if MANIFEST_TABLE in tables:
                con.execute(
                    f"DELETE FROM main.{MANIFEST_TABLE} WHERE product IN "
                    "(SELECT unnest(?::VARCHAR[]))",
                    [sorted(products)],
                )
            con.execute("DETACH old")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.chmod(pruning, 0o600)
        os.replace(pruning, final)
    finally:
        pruning.unlink(missing_ok=True)
    _record_removal(rooms_dir, principal, {p: products[p] for p in removed})
    return removed


def _record_removal(rooms_dir: Path, principal: str, removed: dict[str, str]) -> None:
    """The build record follows the room; a pruned room is never kept as up to date."""
    path = build_record_path(rooms_dir, principal)
    try:
        record = json.loads(path.read_text("utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return
    for product, why in removed.items():
        record.get("products", {}).pop(product, None)
        record.setdefault("denied", {})[product] = why
    record["fingerprint"] = "pruned"
    write_private_json(path, record)
