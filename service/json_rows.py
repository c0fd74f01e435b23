"""Rows as JSON a client can read back: dates as ISO text, decimals as numbers."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

import pyarrow as pa
from fastapi.responses import Response


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def json_response(payload: dict[str, Any], status: int = 200) -> Response:
    body = json.dumps(payload, ensure_ascii=False, default=_plain)
    return Response(body, status_code=status, media_type="application/json")


def rows_of(table: pa.Table) -> list[dict[str, Any]]:
    return table.to_pylist()
