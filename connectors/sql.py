"""SQL databases (SQLite, PostgreSQL, MySQL/MariaDB) read through DuckDB's scanners.

One code path for all three: the source is ATTACHed read-only in a private
in-memory DuckDB session and streamed out as Arrow record batches of bounded
size. Values are cast to text so the raw layer is an exact copy.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import duckdb
import pyarrow.compute as pc

from connectors.batch import SourceBatch, SourceUnavailable
from connectors.config import SourceConfigError, SqlSource, expand_home
from lakehouse.extensions import load_extensions, offline_connection

_SCANNER = {"sqlite": "sqlite_scanner", "postgres": "postgres_scanner", "mysql": "mysql_scanner"}


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class SqlConnector:
    def __init__(self, source: SqlSource) -> None:
        self.source = source

    def _attach(self) -> duckdb.DuckDBPyConnection:
        src = self.source
        con = offline_connection()
        load_extensions(con, _SCANNER[src.dialect])
        conn = src.connection
        try:
            if src.dialect == "sqlite":
                if not conn.path:
                    raise SourceConfigError(f"source {src.name}: sqlite needs connection.path")
                path = expand_home(conn.path)
                if not os.path.exists(path):
                    raise SourceUnavailable(f"source {src.name}: database file {path} not found")
                con.execute(f"ATTACH {_sql_literal(path)} AS src (TYPE sqlite, READ_ONLY)")
            else:
                password = ""
                if conn.password_env:
                    password = os.environ.get(conn.password_env, "")
                # A secret keeps the password out of the ATTACH string and so out of errors.
                params = {
                    "HOST": conn.host or "127.0.0.1",
                    "PORT": conn.port or (5432 if src.dialect == "postgres" else 3306),
                    "USER": conn.user or ("postgres" if src.dialect == "postgres" else "root"),
                    "PASSWORD": password,
                    "DATABASE": conn.database or "",
                }
                kind = "postgres" if src.dialect == "postgres" else "mysql"
                options = ", ".join(f"{k} {_sql_literal(v)}" for k, v in params.items())
                con.execute(
                    f"CREATE OR REPLACE TEMPORARY SECRET src_secret (TYPE {kind}, {options})"
                )
                con.execute(f"ATTACH '' AS src (TYPE {kind}, SECRET src_secret, READ_ONLY)")
        except duckdb.Error as exc:
            con.close()
            raise SourceUnavailable(
                f"source {src.name}: cannot connect to {src.dialect} database: "
                f"{str(exc).splitlines()[0]}"
            ) from None
        return con

    def _table_ref(self) -> str:
        schema = self.source.connection.db_schema
        if self.source.dialect == "postgres":
            schema = schema or "public"
        parts = ["src", *([schema] if schema else []), self.source.table]
        return ".".join(_quote(p) for p in parts)

    def column_types(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        try:
            rows = con.execute(f"DESCRIBE SELECT * FROM {self._table_ref()}").fetchall()
        except duckdb.Error as exc:
            raise SourceUnavailable(
                f"source {self.source.name}: table {self.source.table!r} cannot be read: "
                f"{str(exc).splitlines()[0]}"
            ) from None
        return {row[0]: row[1] for row in rows}

    def check(self) -> dict[str, object]:
        con = self._attach()
        try:
            cols = list(self.column_types(con))
            count = con.execute(f"SELECT count(*) FROM {self._table_ref()}").fetchone()
            info: dict[str, object] = {
                "table": self.source.table,
                "columns": cols,
                "rows": count[0] if count else 0,
            }
            if self.source.incremental:
                col = _quote(self.source.incremental.column)
                top = con.execute(f"SELECT max({col})::VARCHAR FROM {self._table_ref()}").fetchone()
                info["max_" + self.source.incremental.column] = top[0] if top else None
            return info
        finally:
            con.close()

    def read(self, *, since: str | None = None) -> Iterator[SourceBatch]:
        src = self.source
        con = self._attach()
        try:
            types = self.column_types(con)
            cols = list(types)
            select = ", ".join(f"CAST({_quote(c)} AS VARCHAR) AS {_quote(c)}" for c in cols)
            key_expr = " || '/' || ".join(f"CAST({_quote(k)} AS VARCHAR)" for k in src.primary_key)
            inc = src.incremental.column if src.incremental else None
            # The watermark is compared in the column's own type: text order is wrong for
            # integer keys ("10" < "9").
            wm_expr = f", {_quote(inc)} AS __wm" if inc else ""
            sql = f"SELECT {select}, {key_expr} AS __pos{wm_expr} FROM {self._table_ref()}"
            params: list[object] = []
            if inc and since is not None:
                sql += f" WHERE {_quote(inc)} > CAST(? AS {types[inc]})"
                params.append(since)
            reader = con.execute(sql, params).fetch_record_batch(src.batch_rows)
            for batch in reader:
                if batch.num_rows == 0:
                    continue
                records = batch.select(cols)
                watermark = None
                if inc:
                    top = pc.max(batch.column("__wm")).as_py()
                    watermark = None if top is None else str(top)
                positions = pc.binary_join_element_wise(f"{src.table}#", batch.column("__pos"), "")
                yield SourceBatch(
                    records=records, positions=positions, origin=src.table, watermark=watermark
                )
        finally:
            con.close()


def _sql_literal(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"
