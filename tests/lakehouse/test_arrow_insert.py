"""Arrow rows written inside one transaction are released chunk by chunk, not at commit."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from lakehouse.arrow_insert import create_from_arrow, insert_arrow


def _chunk(start: int) -> pa.Table:
    return pa.table(
        {
            "n": pa.array(range(start, start + 20_000), pa.int64()),
            "sealed": pa.array([b"x" * 64] * 20_000, pa.binary()),
        }
    )


def test_chunks_inserted_in_one_transaction_are_not_kept_until_commit() -> None:
    con = duckdb.connect()
    create_from_arrow(con, "t", _chunk(0).slice(0, 0))
    baseline = pa.total_allocated_bytes()
    con.execute("BEGIN")
    held = []
    for i in range(10):
        insert_arrow(con, "t", _chunk(i * 20_000))
        held.append(pa.total_allocated_bytes() - baseline)
    con.execute("COMMIT")
    assert con.execute("SELECT count(*), count(DISTINCT n) FROM t").fetchone() == (200_000, 200_000)
    # At most the chunk just written may linger (1.6 MB); all ten held would be 16 MB.
    assert max(held) < 4_000_000


def test_insert_matches_columns_by_name() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a VARCHAR, b BIGINT)")
    insert_arrow(con, "t", pa.table({"b": [1, 2], "a": ["x", "y"]}))
    assert con.execute("SELECT a, b FROM t ORDER BY b").fetchall() == [("x", 1), ("y", 2)]
