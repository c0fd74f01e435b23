"""Look for plaintext identifiers in what the lakehouse holds, value by value, inside DuckDB.

A byte scan of encrypted Parquet proves little; this reads the decrypted
values. Every text cell (VARCHAR, and BLOB read as its bytes) is brought to
half-width digits without blanks or dashes, its runs of 11 or more digits are
cut into every window of 11, 15 and 18 characters, and the windows are joined
against the forms of the known identifiers (``searched_forms``): an ID, its
15-digit legacy form or a mobile number anywhere inside a value is found,
however it is spelled around it (+86, blanks, dashes, full-width digits).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

SCHEMAS = ("raw", "staged", "quarantine", "protected", "products", "meta")

_SETUP = r"""
CREATE OR REPLACE TEMP MACRO scan_digits(v) AS
    upper(regexp_replace(
        translate(v, '０１２３４５６７８９Ｘｘ', '0123456789XX'), '[\s\-\x{3000}]', '', 'g'));
-- A BLOB cast to VARCHAR keeps printable ASCII and writes other bytes as \xNN:
-- full-width digits in UTF-8 (EF BC 90-99) or GBK (A3 B0-B9) become digits again.
CREATE OR REPLACE TEMP MACRO scan_bytes(b) AS
    regexp_replace(regexp_replace(regexp_replace(regexp_replace(CAST(b AS VARCHAR),
        '\\xEF\\xBC\\x9([0-9])', '\1', 'g'),
        '\\xA3\\xB([0-9])', '\1', 'g'),
        '\\xEF\\xBC\\xB8|\\xEF\\xBD\\x98', 'X', 'g'),
        '\\xE3\\x80\\x80', ' ', 'g');
"""

_HITS = """
WITH cells AS (
    SELECT place, row_number() OVER () AS cell, text FROM ({cells})
), runs AS (
    SELECT place, cell, unnest(regexp_extract_all(text, '[0-9]{{11,}}X?')) AS run FROM cells
), windows AS (
    SELECT place, cell, unnest(flatten(list_transform([11, 15, 18], lambda k:
        list_transform(range(1, length(run) - k + 2), lambda p: substr(run, p, k))))) AS w
    FROM runs
), hits AS (
    SELECT DISTINCT place, cell FROM windows WHERE w IN (SELECT value FROM scan_searched)
)
SELECT c.place, count(*) AS cells, count(h.cell) AS hits
FROM cells c LEFT JOIN hits h USING (place, cell)
GROUP BY c.place ORDER BY c.place
"""


@dataclass
class Scan:
    """Per place (a column, or a file's table column): cells read and cells holding an identifier."""

    cells: dict[str, int] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    tables: set[str] = field(default_factory=set)

    @property
    def leaks(self) -> dict[str, int]:
        return {place: n for place, n in self.hits.items() if n}

    def add(self, rows: Iterable[tuple[str, int, int]]) -> None:
        for place, cells, hits in rows:
            self.cells[place] = self.cells.get(place, 0) + cells
            self.hits[place] = self.hits.get(place, 0) + hits


def prepare(con: duckdb.DuckDBPyConnection, searched: set[str]) -> None:
    """The searched forms as a temporary table, and the normalising macros."""
    con.register("scan_searched_arrow", pa.table({"value": sorted(searched)}))
    con.execute("CREATE OR REPLACE TEMP TABLE scan_searched AS FROM scan_searched_arrow")
    con.unregister("scan_searched_arrow")
    con.execute(_SETUP)
    con.execute("SET enable_progress_bar = false")


def scan_lake(
    con: duckdb.DuckDBPyConnection,
    searched: set[str],
    database: str = "lake",
    schemas: Sequence[str] = SCHEMAS,
) -> Scan:
    """Every VARCHAR and BLOB column of every table in the lakehouse's schemas (or in
    ``schemas`` of another attached ``database``, such as the decrypted catalogue)."""
    prepare(con, searched)
    columns = con.execute(
        "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name IN (SELECT unnest(?)) "
        "AND data_type IN ('VARCHAR', 'BLOB') ORDER BY ALL",
        [database, list(schemas)],
    ).fetchall()
    scan = Scan()
    per_table: dict[tuple[str, str], list[str]] = {}
    for schema, table, column, kind in columns:
        place = f"{schema}.{table}.{column}"
        scan.tables.add(f"{schema}.{table}")
        scan.cells[place] = scan.hits[place] = 0  # a column with no values still counts as read
        value = _quote(column) if kind == "VARCHAR" else f"scan_bytes({_quote(column)})"
        per_table.setdefault((schema, table), []).append(
            f"{{'place': '{place}', 'text': scan_digits({value})}}"
        )
    # One read per table (each DuckLake scan has a fixed cost), unpivoted to (place, text).
    branches = [
        f"SELECT unnest([{', '.join(cells)}], recursive := true) "
        f"FROM {database}.{_quote(schema)}.{_quote(table)}"
        for (schema, table), cells in per_table.items()
    ]
    if branches:
        union = " UNION ALL ".join(branches)
        scan.add(
            con.execute(
                _HITS.format(cells=f"SELECT place, text FROM ({union}) WHERE text IS NOT NULL")
            ).fetchall()
        )
    return scan


def scan_sqlite(path: Path, searched: set[str]) -> Scan:
    """Every text and blob cell of every table of a SQLite file (read only)."""
    places: list[str] = []
    texts: list[str | None] = []
    blobs: list[bytes | None] = []
    tables: set[str] = set()
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in names:
            tables.add(table)
            cursor = db.execute(f"SELECT * FROM {_quote(table)}")
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                for column, cell in zip(columns, row, strict=True):
                    if isinstance(cell, str | bytes):
                        places.append(f"{table}.{column}")
                        texts.append(cell if isinstance(cell, str) else None)
                        blobs.append(cell if isinstance(cell, bytes) else None)
    finally:
        db.close()
    scan = scan_cells(places, texts, blobs, searched)
    scan.tables = tables
    return scan


def scan_text_file(path: Path, searched: set[str]) -> Scan:
    """Each line of a text file (e.g. the key store) as one cell."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return scan_cells([path.name] * len(lines), lines, [None] * len(lines), searched)


def scan_cells(
    places: Sequence[str],
    texts: Sequence[str | None],
    blobs: Sequence[bytes | None],
    searched: set[str],
) -> Scan:
    """Cells given as text or as bytes (one of the two per cell), per place."""
    cells = pa.table(
        {
            "place": pa.array(places, pa.string()),
            "text": pa.array(texts, pa.string()),
            "blob": pa.array(blobs, pa.binary()),
        }
    )
    scan = Scan()
    with duckdb.connect() as con:
        prepare(con, searched)
        con.register("scan_cells", cells)
        scan.add(
            con.execute(
                _HITS.format(
                    cells="SELECT place, scan_digits(coalesce(text, scan_bytes(blob))) AS text "
                    "FROM scan_cells"
                )
            ).fetchall()
        )
    return scan


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
