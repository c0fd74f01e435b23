"""The suite's frame of a staged table, in chunks of bounded size.

Validating the whole staged table as one pandas frame made validate's memory grow with
the district (7.5 GiB at 10 million residents). The frame's columns are copied once, by
DuckDB, into a temporary Parquet folder of the home, the lakehouse is let go, and the
frames are read back a chunk at a time.

Uniqueness cannot be judged a chunk at a time, so the copy is split in two: the rows whose
key (any unique rule's) occurs more than once in the whole table come first, as one chunk
of their own (the duplicates GX must see side by side; staging quarantines duplicate keys,
so there are few), and every other row, unique on every key and so unique in any chunk,
follows in chunks. Summed over the chunks, the counts equal one frame's.

The folder holds what the staged table holds (tokens and sealed values, never plaintext)
and is removed when the chunks are done.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from catalog.contracts import DatasetContract
from encryption.keystore import KeyStore
from quality.rule_suite import SuiteItem, frame_select, staged_column_names, suite_frame

CHUNK_ROWS = 250_000
UNIQUE_EXPECTATIONS = frozenset(
    {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}
)
_PART = "_shuzhi_repeated_key"


@dataclass
class StagedChunks:
    """The staged table's row count and its frames, read from the copy on demand."""

    rows: int
    folder: Path
    chunk_rows: int | None  # None: every row in one frame

    def frames(self) -> Iterator[Any]:
        reader = duckdb.connect()
        try:
            for repeated in (True, False):
                files = sorted((self.folder / f"{_PART}={str(repeated).lower()}").glob("*.parquet"))
                if not files:
                    continue
                listed = ", ".join(f"'{f.as_posix()}'" for f in files)
                reader.execute(
                    f"SELECT * EXCLUDE ({_PART}) FROM read_parquet([{listed}], "
                    "hive_partitioning = true)"
                )
                if repeated or self.chunk_rows is None:
                    # every repeated key's rows in one frame, whatever their number
                    yield reader.df()
                    continue
                vectors = max(1, self.chunk_rows // duckdb.__standard_vector_size__)
                while True:
                    frame = reader.fetch_df_chunk(vectors)
                    if frame.empty:
                        break
                    yield frame
        finally:
            reader.close()


def unique_keys(items: list[SuiteItem]) -> list[list[str]]:
    """Each uniqueness expectation's key columns."""
    keys = []
    for it in items:
        if it.expectation not in UNIQUE_EXPECTATIONS:
            continue
        column_list = it.kwargs.get("column_list")
        keys.append([str(c) for c in column_list] if column_list else [str(it.kwargs["column"])])
    return keys


def _repeated_key_sql(table: str, key: list[str]) -> str:
    """True where the row's key occurs more than once. GX ignores a row whose key is all
    missing (for one column: a missing value) and compares the rest with missing values
    equal, which is what grouping and ``IS NOT DISTINCT FROM`` do."""
    cols = ", ".join(f'"{c}"' for c in key)
    missing = " AND ".join(f'"{c}" IS NULL' for c in key)
    same = " AND ".join(f'd."{c}" IS NOT DISTINCT FROM t."{c}"' for c in key)
    return (
        f"EXISTS (SELECT 1 FROM (SELECT {cols} FROM {table} WHERE NOT ({missing}) "
        f"GROUP BY {cols} HAVING count(*) > 1) d WHERE {same})"
    )


@contextmanager
def staged_chunks(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    items: list[SuiteItem],
    workdir: Path,
    *,
    chunk_rows: int | None = CHUNK_ROWS,
) -> Iterator[StagedChunks]:
    """Copy the suite's columns of ``lake.staged.<dataset>`` out of the lakehouse (the
    caller may let the lake go as soon as this is entered) and give them back in chunks."""
    table = f"lake.staged.{contract.name}"
    workdir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"validate-{contract.name}-", dir=workdir))
    try:
        target = folder / "frame"
        staged = staged_column_names(con, contract.name)
        # A key column the table lacks fails its rule in GX ("could not be evaluated").
        keys = [k for k in unique_keys(items) if set(k) <= staged]
        repeated = " OR ".join(_repeated_key_sql(table, k) for k in keys) or "false"
        select = frame_select(con, contract, items)
        con.execute(
            f"COPY (SELECT {select}, ({repeated}) AS {_PART} FROM {table} t) "
            f"TO '{target.as_posix()}' (FORMAT parquet, PARTITION_BY ({_PART}))"
        )
        counted = con.execute(f"SELECT count(*) FROM {table}").fetchone()
        yield StagedChunks(counted[0] if counted else 0, target, chunk_rows)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def checked_frames(
    chunks: StagedChunks,
    contract: DatasetContract,
    items: list[SuiteItem],
    keystore: KeyStore | None,
) -> Iterator[Any]:
    """Each chunk's frame with its checksum validity columns computed."""
    for frame in chunks.frames():
        yield suite_frame(frame, contract, items, keystore)
