"""Python functions over Arrow arrays, callable from SQL on one connection for a while."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import pyarrow as pa
from duckdb import func
from duckdb.sqltypes import DuckDBPyType


@contextmanager
def arrow_function(
    con: duckdb.DuckDBPyConnection,
    stem: str,
    function: Callable[..., pa.Array],
    parameters: list[DuckDBPyType],
    return_type: DuckDBPyType,
) -> Iterator[str]:
    """Register ``function`` (nulls passed through to it) and yield its SQL name.

    The name is ``stem`` plus a unique suffix: DuckDB keeps Python functions in
    the database's catalogue, where a removed one can linger after DuckLake
    transactions, so a name is never registered twice.
    """
    name = f"{stem}_{uuid.uuid4().hex[:12]}"
    con.create_function(
        name,
        function,
        list[Any](parameters),
        return_type,
        type=func.ARROW,
        null_handling=func.SPECIAL,
    )
    try:
        yield name
    finally:
        with contextlib.suppress(duckdb.Error):
            con.remove_function(name)
