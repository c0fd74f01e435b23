"""An Arrow table as the file a caller asked for: CSV (UTF-8 with BOM, so Excel opens
Chinese text), XLSX, Parquet or Arrow IPC."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
    "arrow": "application/vnd.apache.arrow.stream",
}


def encode(table: pa.Table, kind: str) -> bytes:
    if kind == "csv":
        sink = io.BytesIO()
        sink.write("\ufeff".encode())
        pacsv.write_csv(table, sink)
        return sink.getvalue()
    if kind == "parquet":
        sink = io.BytesIO()
        pq.write_table(table, sink)
        return sink.getvalue()
    if kind == "arrow":
        out = pa.BufferOutputStream()
        with pa.ipc.new_stream(out, table.schema) as writer:
            writer.write_table(table)
        return bytes(out.getvalue().to_pybytes())
    if kind == "xlsx":
        return _xlsx(table)
    raise ValueError(f"unknown format {kind!r}")


def _xlsx(table: pa.Table) -> bytes:
    import xlsxwriter  # only for this format

    sink = io.BytesIO()
    book = xlsxwriter.Workbook(sink, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("data")
    for col, name in enumerate(table.column_names):
        sheet.write_string(0, col, name)
    for row_index, row in enumerate(table.to_pylist(), start=1):
        for col, value in enumerate(row.values()):
            if value is None:
                continue
            if isinstance(value, bool | int | float):
                sheet.write_number(row_index, col, float(value))
            else:
                # Text stays text: an ID-like code must not turn into a number.
                sheet.write_string(row_index, col, str(value))
    book.close()
    return sink.getvalue()
