"""The suite's frame of a staged table, in chunks of bounded size.

Validating the whole staged table as one pandas frame made validate's memory grow with
the district (7.5 GiB at 10 million residents). The frame's columns are copied once, by
DuckDB, into a temporary Parquet folder of the home, the lakehouse is let go, and the
frames are read back a chunk at a time.

Uniqueness cannot be judged a chunk at a time, so the copy is split in two: the rows whose
key (any unique rule's) may occur more than once in the whole table come first, as one
chunk of their own (the duplicates GX must see side by side; staging quarantines duplicate
keys, so there are few), and every other row, unique on every key and so unique in any
chunk, follows in chunks. Summed over the chunks, the counts equal one frame's.

Which keys repeat is found from a 64-bit hash of each key, counted in passes of at most
``HASH_PASS_ROWS`` rows' worth of hashes, so DuckDB never holds every key of a large table
at once: a hash table of ten million text keys, and a partitioned COPY's buffers, made
validate's memory grow to 4.9 GiB at ten million residents. Equal keys have equal hashes,
so every repeated key's rows land in the first chunk; two different keys that share a
hash (about one in a million at ten million keys) only put a few unique rows there too,
where GX still judges them on their values. Each part is a COPY of its own (a streamed
write; a partitioned one buffered every partition).

The folder holds what the staged table holds (tokens and sealed values, never plaintext)
and is removed when the chunks are done.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
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
HASH_PASS_ROWS = 2_000_000
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
                    frame = reader.df()
                    if not frame.empty:
                        yield frame
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


def _key_hash_sql(key: list[str], alias: str = "t") -> str:
    return "hash(" + ", ".join(f'{alias}."{c}"' for c in key) + ")"


def _key_present_sql(key: list[str], alias: str = "t") -> str:
    """GX ignores a row whose key is all missing (for one column: a missing value) and
    compares the rest with missing values equal, as grouping and hashing do."""
    return "NOT (" + " AND ".join(f'{alias}."{c}" IS NULL' for c in key) + ")"


def _repeated_hashes(
    con: duckdb.DuckDBPyConnection, table: str, keys: list[list[str]], rows: int
) -> str | None:
    """A temporary table of (key number, hash) for the key hashes found more than once,
    or None when the table has no unique rule."""
    if not keys:
        return None
    name = f"_shuzhi_repeated_{uuid.uuid4().hex}"
    con.execute(f"CREATE TEMP TABLE {name} (key INTEGER, h UBIGINT)")
    passes = max(1, -(-rows // HASH_PASS_ROWS))
    for number, key in enumerate(keys):
        hashed = _key_hash_sql(key)
        for part in range(passes):
            con.execute(
                f"INSERT INTO {name} SELECT {number}, h FROM (SELECT {hashed} AS h FROM {table} t "
                f"WHERE {_key_present_sql(key)} AND {hashed} % {passes} = {part}) "
                "GROUP BY h HAVING count(*) > 1"
            )
    return name


def _repeated_sql(keys: list[list[str]], hashes: str | None) -> str:
    """True where the row's key hash is one found more than once."""
    if hashes is None:
        return "false"
    return " OR ".join(
        f"({_key_present_sql(key)} AND {_key_hash_sql(key)} IN "
        f"(SELECT h FROM {hashes} WHERE key = {number}))"
        for number, key in enumerate(keys)
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
        counted = con.execute(f"SELECT count(*) FROM {table}").fetchone()
        rows = counted[0] if counted else 0
        hashes = _repeated_hashes(con, table, keys, rows)
        try:
            repeated = _repeated_sql(keys, hashes)
            select = frame_select(con, contract, items)
            for flag, where in (("true", repeated), ("false", f"NOT ({repeated})")):
                part = target / f"{_PART}={flag}"
                part.mkdir(parents=True)
                con.execute(
                    f"COPY (SELECT {select} FROM {table} t WHERE {where}) "
                    f"TO '{(part / 'rows.parquet').as_posix()}' (FORMAT parquet)"
                )
        finally:
            if hashes is not None:
                con.execute(f"DROP TABLE IF EXISTS {hashes}")
        yield StagedChunks(rows, target, chunk_rows)
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
