"""The district's geography as tables a product's SQL may join.

Registered under these names for the duration of one build:

``communities``  code, name, street_code: every community of the district
``grids``        grid_code, community_code, street_code: every grid cell

Products that list empty cells (a community or grid with nobody in some group)
start from these, so a row exists for every place whether or not data does.

And one function, for the same duration:

``topic_words(text) -> VARCHAR[]``  the words of a redacted description that may
                                   become a hot topic (``products.topic_words``)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pyarrow as pa

from catalog.district import District
from products.topic_words import topic_words


def communities_table(district: District) -> pa.Table:
    return pa.table(
        {
            "code": [c.code for _, c in district.communities],
            "name": [c.name for _, c in district.communities],
            "street_code": [s.code for s, _ in district.communities],
        }
    )


def grids_table(district: District) -> pa.Table:
    rows = [(g, c.code, s.code) for s, c in district.communities for g in c.grid_codes]
    return pa.table(
        {
            "grid_code": [r[0] for r in rows],
            "community_code": [r[1] for r in rows],
            "street_code": [r[2] for r in rows],
        }
    )


@contextmanager
def reference_tables(con: duckdb.DuckDBPyConnection, district: District) -> Iterator[None]:
    """``communities``, ``grids`` and ``topic_words`` registered on ``con`` while the block
    runs."""
    tables = {"communities": communities_table(district), "grids": grids_table(district)}
    for name, table in tables.items():
        con.register(name, table)
    con.create_function("topic_words", topic_words, ["VARCHAR"], "VARCHAR[]")
    try:
        yield
    finally:
        con.remove_function("topic_words")
        for name in tables:
            con.unregister(name)
