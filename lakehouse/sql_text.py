"""SQL string literals, for the statements that must not bind parameters.

DuckDB's Python client imports pandas (and numpy, pyarrow) to convert any bound
parameter, which costs a command that never needs pandas seconds of start-up. The few
statements on such a command's path (opening the lake, ``shuzhi catalog list``) write
their values in as literals instead; only values the hub itself holds (paths, names
from the contracts), never what a user typed as SQL.
"""

from __future__ import annotations


def sql_string(text: str) -> str:
    """``text`` as a SQL string literal: in single quotes, each quote doubled."""
    return "'" + text.replace("'", "''") + "'"
