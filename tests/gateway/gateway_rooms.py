"""Small data rooms for the gateway tests (a plain module, so no conftest is shared)."""

from pathlib import Path

import duckdb


def build_room(path: Path) -> Path:
    """A data room holding one product, street_case_stats (100 rows)."""
    con = duckdb.connect(str(path))
    con.execute(
        """
        CREATE TABLE street_case_stats AS
        SELECT
            'nanshan' AS street,
            'community-' || (i % 5)::VARCHAR AS community,
            ['噪音', '环境卫生', '物业', '交通'][1 + i % 4] AS category,
            i AS cases
        FROM range(100) t(i)
        """
    )
    con.close()
    return path
