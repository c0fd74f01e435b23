"""SQL databases (SQLite, PostgreSQL, MySQL/MariaDB) read through DuckDB's scanners.

One code path for all three: the source is ATTACHed read-only in a private
in-memory DuckDB session and streamed out as Arrow record batches of bounded
size. Values are cast to text so the raw layer is an exact copy.

Incremental sources are read by their change column, compared as a typed value
(a timestamp or an integer, see ``connectors.watermark``), never as text:

1. The kind is ``incremental.kind`` if configured, else the column's declared type:
   integer types compare as integers; DATE, TIMESTAMP and text as timestamps, text
   parsed in the forms departments write (``quality.dates.parse_datetime``).
2. Rows whose change value is NULL, a zero date or unparseable are never skipped and
   never become the watermark: every sync (full or incremental) reports them as
   rejected rows, until the department fixes them.
3. Values the source cannot type are the row's problem, not the source's: SQLite is
   read with ``sqlite_all_varchar`` (any value may sit in any column there), and
   MySQL's DATE/DATETIME/TIMESTAMP columns are fetched as text (``0000-00-00`` and
   ``2024-00-00`` would stop DuckDB's mysql scanner).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Iterator

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from duckdb import func

from connectors.batch import RejectedRow, SourceBatch, SourceUnavailable, strings_batch
from connectors.config import SourceConfigError, SqlSource, expand_home
from connectors.watermark import Watermark, WatermarkError, WatermarkKind
from lakehouse.extensions import load_extensions, offline_connection
from quality.dates import DateError, parse_datetime

_SCANNER = {"sqlite": "sqlite_scanner", "postgres": "postgres_scanner", "mysql": "mysql_scanner"}

_INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
}
# Tried in DuckDB first; whatever none of them reads goes to ``parse_datetime``.
_TIMESTAMP_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y%m%d %H%M%S",
    "%Y%m%d",
]
_PARSE_UDF = "shuzhi_parse_timestamp"
_HELD_BACK = (
    "incremental syncs cannot place the row, so it is held back and reported on every "
    "sync until the department corrects it at the source"
)
_SHOWN_CHARS = 40  # of an unreadable change value, in the reason


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _backtick(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


def _is_temporal(declared: str) -> bool:
    name = declared.upper()
    return name == "DATE" or name.startswith(("TIMESTAMP", "DATETIME"))


def _is_integer(declared: str) -> bool:
    return declared.upper() in _INTEGER_TYPES


def _is_text(declared: str) -> bool:
    return declared.upper().startswith(("VARCHAR", "CHAR", "TEXT", "STRING", "ENUM"))


class _TextTimestamps:
    """The DuckDB function behind ``shuzhi_parse_timestamp``: each distinct text parsed once."""

    def __init__(self, limit: int = 100_000) -> None:
        self._seen: dict[str, dt.datetime | None] = {}
        self._limit = limit

    def _parse(self, text: str | None) -> dt.datetime | None:
        if text is None:
            return None
        if text not in self._seen:
            if len(self._seen) >= self._limit:
                self._seen.clear()
            try:
                self._seen[text] = parse_datetime(text)
            except (DateError, ValueError, OverflowError):
                self._seen[text] = None
        return self._seen[text]

    def __call__(self, values: pa.Array | pa.ChunkedArray) -> pa.Array:
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        unique = pc.unique(values)
        parsed = pa.array([self._parse(v) for v in unique.to_pylist()], pa.timestamp("us"))
        return pc.take(parsed, pc.index_in(values, value_set=unique))


class SqlConnector:
    def __init__(self, source: SqlSource) -> None:
        self.source = source
        # Set once ``read`` has been consumed (see ``connectors.batch.Connector``). For an
        # incremental read, declared_rows counts the rows that read covers: those changed
        # after ``since`` plus those whose change value is unusable. For an incremental
        # source, rows_through_watermark counts the source rows at or before the highest
        # change value the read reached (or ``since``), in the read's own snapshot.
        self.declared_rows: int | None = None
        self.rows_through_watermark: int | None = None
        self.source_schema: dict[str, str] = {}

    # --- connecting -------------------------------------------------------------------------

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
        except BaseException:
            con.close()
            raise
        return con

    def _open(self) -> tuple[duckdb.DuckDBPyConnection, dict[str, str]]:
        """A session on the source and its columns' declared types, ready to read values."""
        con = self._attach()
        try:
            types = self.column_types(con)
            if self.source.dialect == "sqlite":
                # Declared types are read above; values are read as text from here on.
                con.execute("SET sqlite_all_varchar = true")
            con.create_function(
                _PARSE_UDF,
                _TextTimestamps(),
                [duckdb.sqltype("VARCHAR")],
                duckdb.sqltype("TIMESTAMP"),
                type=func.ARROW,
                null_handling=func.SPECIAL,
            )
        except BaseException:
            con.close()
            raise
        return con, types

    def _table_ref(self) -> str:
        schema = self.source.connection.db_schema
        if self.source.dialect == "postgres":
            schema = schema or "public"
        parts = ["src", *([schema] if schema else []), self.source.table]
        return ".".join(_quote(p) for p in parts)

    def _from(self, types: dict[str, str], columns: list[str]) -> str:
        """What to select ``columns`` from; MySQL dates come as text (zero dates stop DuckDB)."""
        if self.source.dialect != "mysql":
            return self._table_ref()
        fields = [
            f"CAST({_backtick(c)} AS CHAR) AS {_backtick(c)}"
            if _is_temporal(types[c])
            else _backtick(c)
            for c in columns
        ]
        schema = self.source.connection.db_schema
        table = ".".join(_backtick(p) for p in [*([schema] if schema else []), self.source.table])
        query = f"SELECT {', '.join(fields)} FROM {table}"
        return f"mysql_query('src', {_sql_literal(query)})"

    def column_types(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        try:
            rows = con.execute(f"DESCRIBE SELECT * FROM {self._table_ref()}").fetchall()
        except duckdb.Error as exc:
            raise SourceUnavailable(
                f"source {self.source.name}: table {self.source.table!r} cannot be read: "
                f"{str(exc).splitlines()[0]}"
            ) from None
        return {row[0]: row[1] for row in rows}

    # --- the change column ------------------------------------------------------------------

    def _change_kind(self, types: dict[str, str]) -> WatermarkKind:
        src = self.source
        assert src.incremental is not None
        column = src.incremental.column
        if column not in types:
            raise SourceConfigError(
                f"source {src.name}: incremental.column {column!r} is not a column of "
                f"{src.table!r} (columns: {', '.join(types)})"
            )
        declared = types[column]
        if src.incremental.kind == "integer" and _is_temporal(declared):
            raise SourceConfigError(
                f"source {src.name}: incremental.kind is integer but {column!r} is {declared}; "
                "set incremental.kind to timestamp or leave it out"
            )
        if src.incremental.kind is not None:
            return src.incremental.kind
        if _is_integer(declared):
            return "integer"
        if _is_temporal(declared) or _is_text(declared):
            return "timestamp"
        raise SourceConfigError(
            f"source {src.name}: incremental.column {column!r} is {declared}, which is neither "
            "an integer, a date-time nor text; set incremental.kind to timestamp or integer"
        )

    def _parsed(self, types: dict[str, str], kind: WatermarkKind) -> str:
        """SQL for the change column's typed value: NULL when it has none we can use."""
        assert self.source.incremental is not None
        column = self.source.incremental.column
        value = _quote(column)
        declared = types[column]
        # SQLite values are all text here, and so are MySQL's dates (see ``_from``).
        typed = self.source.dialect == "postgres" or (
            self.source.dialect == "mysql" and not _is_temporal(declared)
        )
        text = f"trim(CAST({value} AS VARCHAR))"
        if kind == "integer":
            if typed and _is_integer(declared):
                return f"TRY_CAST({value} AS BIGINT)"
            return (
                f"CASE WHEN regexp_full_match({text}, '[+-]?[0-9]+') "
                f"THEN TRY_CAST({text} AS BIGINT) END"
            )
        if typed and _is_temporal(declared):
            return f"CASE WHEN isfinite({value}) THEN CAST({value} AS TIMESTAMP) END"
        formats = "[" + ", ".join(_sql_literal(f) for f in _TIMESTAMP_FORMATS) + "]"
        return (
            f"CASE WHEN {value} IS NULL THEN NULL "
            f"ELSE coalesce(try_strptime({text}, {formats}), {_PARSE_UDF}({text})) END"
        )

    def _changes(self, types: dict[str, str], kind: WatermarkKind) -> str:
        """A query with one column, ``__chg``: each row's typed change value."""
        assert self.source.incremental is not None
        column = self.source.incremental.column
        return f"SELECT {self._parsed(types, kind)} AS __chg FROM {self._from(types, [column])}"

    def _check_since(self, since: Watermark, kind: WatermarkKind) -> None:
        if since.kind != kind:
            assert self.source.incremental is not None
            column = self.source.incremental.column
            raise WatermarkError(
                f"source {self.source.name}: the last watermark {since.encode()} is "
                f"{_a(since.kind)} but {column!r} now reads as {_a(kind)}; "
                "sync in full once to start over"
            )

    # --- the connector ----------------------------------------------------------------------

    def check(self) -> dict[str, object]:
        """Columns and rows; for incremental sources the typed highest change value
        (``max_<column>`` as text, ``watermark`` in its stored form) and how many rows have
        no usable change value (``unusable_<column>``)."""
        con, types = self._open()
        try:
            count = con.execute(f"SELECT count(*) FROM {self._table_ref()}").fetchone()
            info: dict[str, object] = {
                "table": self.source.table,
                "columns": list(types),
                "rows": count[0] if count else 0,
            }
            if self.source.incremental:
                column = self.source.incremental.column
                kind = self._change_kind(types)
                row = con.execute(
                    f"SELECT max(__chg), count(*) FILTER (WHERE __chg IS NULL) "
                    f"FROM ({self._changes(types, kind)})"
                ).fetchone()
                top, unusable = row if row else (None, 0)
                watermark = None if top is None else Watermark(kind, top)
                info["max_" + column] = None if watermark is None else str(watermark)
                info["watermark"] = None if watermark is None else watermark.encode()
                info["unusable_" + column] = unusable
            return info
        finally:
            con.close()

    def count_through(self, since: Watermark) -> int:
        """Rows at the source whose change value is at or before ``since``."""
        if self.source.incremental is None:
            raise SourceConfigError(
                f"source {self.source.name}: count_through needs an incremental column"
            )
        con, types = self._open()
        try:
            kind = self._change_kind(types)
            self._check_since(since, kind)
            row = con.execute(
                f"SELECT count(*) FROM ({self._changes(types, kind)}) WHERE __chg <= ?",
                [since.value],
            ).fetchone()
            return int(row[0]) if row else 0
        finally:
            con.close()

    def read(self, *, since: Watermark | None = None) -> Iterator[SourceBatch]:
        src = self.source
        self.declared_rows = self.rows_through_watermark = None
        con, types = self._open()
        try:
            cols = list(types)
            self.source_schema = dict(types)
            select = ", ".join(f"CAST({_quote(c)} AS VARCHAR) AS {_quote(c)}" for c in cols)
            key_expr = " || '/' || ".join(f"CAST({_quote(k)} AS VARCHAR)" for k in src.primary_key)
            column = src.incremental.column if src.incremental else None
            kind = self._change_kind(types) if src.incremental else None
            change = ""
            where = ""
            params: list[object] = []
            if column is not None and kind is not None:
                change = (
                    f", CAST({_quote(column)} AS VARCHAR) AS __chg_raw, "
                    f"{self._parsed(types, kind)} AS __chg"
                )
                if since is not None:
                    self._check_since(since, kind)
                    # Rows without a usable change value come in every sync, as rejected rows.
                    where = " WHERE __chg > ? OR __chg IS NULL"
                    params.append(since.value)
            rows = f"SELECT {select}, {key_expr} AS __pos{change} FROM {self._from(types, cols)}"
            con.execute("BEGIN TRANSACTION")  # the count below sees what the read saw
            reader = con.execute(f"SELECT * FROM ({rows}){where}", params).fetch_record_batch(
                src.batch_rows
            )
            yielded = False
            read_so_far = 0
            reached = since.value if since is not None else None
            for batch in reader:
                if batch.num_rows == 0:
                    continue
                yielded = True
                positions = self._positions(batch.column("__pos"), read_so_far)
                read_so_far += batch.num_rows
                if column is None or kind is None:
                    yield self._batch(batch.select(cols), positions)
                    continue
                usable = pc.is_valid(batch.column("__chg"))
                good = batch.filter(usable)
                top = pc.max(good.column("__chg")).as_py() if good.num_rows else None
                if top is not None and (reached is None or top > reached):
                    reached = top
                yield self._batch(
                    good.select(cols),
                    positions.filter(usable),
                    watermark=None if top is None else Watermark(kind, top),
                    rejected=self._rejected(
                        batch.filter(pc.invert(usable)),
                        positions.filter(pc.invert(usable)),
                        cols,
                        column,
                        kind,
                    ),
                )
            if not yielded:  # nothing changed: the columns still let the landing check the schema
                yield self._batch(strings_batch(cols, []), pa.array([], pa.string()))
            if kind is None:
                count = con.execute(f"SELECT count(*) FROM {self._table_ref()}").fetchone()
                self.declared_rows = int(count[0]) if count else 0
            else:
                # One scan of the change column gives both counts, in the read's snapshot.
                covered = (
                    f"count(*) FILTER ({where.removeprefix(' WHERE ')})" if where else "count(*)"
                )
                counts = con.execute(
                    f"SELECT {covered}, count(*) FILTER (WHERE __chg <= ?) "
                    f"FROM ({self._changes(types, kind)})",
                    [*params, reached],
                ).fetchone()
                self.declared_rows = int(counts[0]) if counts else 0
                if reached is not None:
                    self.rows_through_watermark = int(counts[1]) if counts else 0
            con.execute("COMMIT")
        finally:
            con.close()

    def _positions(self, keys: pa.Array, read_before: int) -> pa.Array:
        """``table#key`` per row; a row whose key is NULL is named by its place in the read
        (``table#(no person_id, row 17 as read)``) so a steward can still find it."""
        table = self.source.table
        positions = pc.binary_join_element_wise(f"{table}#", keys, "")
        missing = pc.is_null(keys)
        if not pc.any(missing).as_py():
            return positions
        label = "/".join(self.source.primary_key)
        places = pa.array(
            [f"{table}#(no {label}, row {read_before + i + 1} as read)" for i in range(len(keys))]
        )
        return pc.if_else(missing, places, positions)

    def _batch(
        self,
        records: pa.RecordBatch,
        positions: pa.Array,
        *,
        watermark: Watermark | None = None,
        rejected: list[RejectedRow] | None = None,
    ) -> SourceBatch:
        table = self.source.table
        return SourceBatch(
            records=records,
            positions=positions,
            origin=table,
            watermark=watermark,
            rejected=rejected or [],
        )

    def _rejected(
        self,
        batch: pa.RecordBatch,
        positions: pa.Array,
        cols: list[str],
        column: str,
        kind: WatermarkKind,
    ) -> list[RejectedRow]:
        out = []
        for row, position in zip(batch.to_pylist(), positions.to_pylist(), strict=True):
            out.append(
                RejectedRow(
                    position=position,
                    reason=_unusable_reason(column, kind, row["__chg_raw"]),
                    text=_csv_line([row[c] for c in cols]),
                )
            )
        return out


def _a(kind: WatermarkKind) -> str:
    return f"an {kind}" if kind == "integer" else f"a {kind}"


def _unusable_reason(column: str, kind: WatermarkKind, raw: str | None) -> str:
    """Why a row has no usable change value; quotes only the change value itself."""
    if raw is None:
        return f"{column} is NULL: {_HELD_BACK}"
    shown = raw if len(raw) <= _SHOWN_CHARS else raw[:_SHOWN_CHARS] + "…"
    what = "an integer" if kind == "integer" else "a timestamp"
    return f"{column} '{shown}' is not {what}: {_HELD_BACK}"


def _csv_line(values: list[str | None]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(["" if v is None else v for v in values])
    return out.getvalue()


def _sql_literal(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"
