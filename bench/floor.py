"""The floor: the fastest plain read of each source into a DuckDB table.

No checks, no protection, no bookkeeping: what a careless script would do.
The governed path is judged against these times, measured in the same run.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import httpx
import pyarrow as pa
import pyarrow.csv as pacsv
from python_calamine import CalamineWorkbook

from connectors.config import FileDropSource, HttpJsonSource, SqlSource, expand_home
from connectors.encoding import detect_encoding
from connectors.files import FileDropConnector
from lakehouse.extensions import load_extensions, offline_connection


def _into(con: duckdb.DuckDBPyConnection, table: str, data: pa.Table) -> int:
    con.register("incoming", data)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM incoming")
    finally:
        con.unregister("incoming")
    return data.num_rows


def read_sql(con: duckdb.DuckDBPyConnection, source: SqlSource) -> int:
    """DuckDB's own SQLite scanner, one statement."""
    path = expand_home(source.connection.path or "")
    load_extensions(con, "sqlite_scanner")
    con.execute(
        f"CREATE OR REPLACE TABLE {source.dataset} AS "
        f"SELECT * FROM sqlite_scan('{path}', '{source.table}')"
    )
    row = con.execute(f"SELECT count(*) FROM {source.dataset}").fetchone()
    return int(row[0]) if row else 0


def read_http(con: duckdb.DuckDBPyConnection, source: HttpJsonSource, token: str) -> int:
    """Every page in turn with one keep-alive client, records straight into Arrow."""
    records: list[dict] = []
    page, pages = 1, 1
    pg = source.pagination
    with httpx.Client(
        base_url=source.resolved_base_url(), headers={"Authorization": f"Bearer {token}"}
    ) as client:
        while page <= pages:
            body = client.get(
                source.endpoint, params={pg.page_param: page, pg.size_param: pg.size}
            ).json()
            records.extend(body[pg.records_field])
            pages = int(body[pg.total_pages_field or "total_pages"])
            page += 1
    return _into(con, source.dataset, pa.Table.from_pylist(records))


def _read_csv(path: Path) -> pa.Table:
    encoding = detect_encoding(path)
    return pacsv.read_csv(path, read_options=pacsv.ReadOptions(encoding=encoding))


def _read_excel(path: Path, sheet: str | None) -> list[pa.Table]:
    book = CalamineWorkbook.from_path(str(path))
    tables = []
    for name in [sheet] if sheet else book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python()
        header = [str(h) for h in rows[0]]
        columns = list(zip(*rows[1:], strict=True)) if len(rows) > 1 else [()] * len(header)
        tables.append(
            pa.table(
                {h: pa.array([str(v) for v in col]) for h, col in zip(header, columns, strict=True)}
            )
        )
    return tables


def read_files(con: duckdb.DuckDBPyConnection, source: FileDropSource) -> int:
    """pyarrow's multithreaded CSV reader (transcoding GBK) and calamine for workbooks."""
    tables: list[pa.Table] = []
    for drop in FileDropConnector(source, settle_seconds=0).pending():
        if drop.path.suffix.lower() == ".xlsx":
            tables += _read_excel(drop.path, source.sheet)
        else:
            tables.append(_read_csv(drop.path))
    tables = [t.cast(pa.schema([(n, pa.string()) for n in t.column_names])) for t in tables]
    merged = pa.concat_tables(tables, promote_options="permissive") if tables else pa.table({})
    return _into(con, source.dataset, merged)


def plain_connection(path: Path, *, keep: bool = False) -> duckdb.DuckDBPyConnection:
    """A plain DuckDB file: new unless ``keep`` opens what an earlier read wrote."""
    if not keep:
        path.unlink(missing_ok=True)
    return offline_connection(str(path))
