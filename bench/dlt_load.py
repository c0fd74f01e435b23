"""The tool a data team would pick instead: dlt's ``sql_database`` source into DuckDB.

The same population table the floor and the governed path read, loaded by dlt
with its defaults except the faster Arrow backend (what its documentation
recommends for large tables), into its DuckDB destination. No checks, no
protection: dlt's plain load is the bar our governed path has to beat.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, cast

from bench.meter import Stage, measure
from connectors.config import SqlSource, expand_home

Backend = Literal["pyarrow", "sqlalchemy"]
BACKENDS: tuple[Backend, ...] = ("pyarrow", "sqlalchemy")


def dlt_load(source: SqlSource, work: Path, backend: Backend = "pyarrow") -> Stage:
    """One full load of ``source``'s table by dlt; its working folder and database in ``work``."""
    if backend not in BACKENDS:
        raise ValueError(f"dlt backend {backend!r}: one of {', '.join(BACKENDS)}")
    # dlt reads its settings from the environment: no telemetry, no home folder of its own.
    os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    os.environ["DLT_DATA_DIR"] = str(work / "dlt-data")
    import dlt
    from dlt.sources.sql_database import sql_database

    path = expand_home(source.connection.path or "")
    database = work / f"dlt-{backend}.duckdb"
    database.unlink(missing_ok=True)
    options: dict[str, Any] = {}
    if os.environ.get("SHUZHI_BENCH_DLT_PROGRESS"):
        options["progress"] = "log"
    pipeline = dlt.pipeline(
        pipeline_name=f"bench_{backend}",
        pipelines_dir=str(work / "dlt-pipelines"),
        destination=cast(Any, dlt.destinations.duckdb(str(database))),
        dataset_name="plain",
        **options,
    )
    stage = Stage(f"dlt sql_database ({backend})", "dlt", source.dataset)
    with measure(stage):
        data = sql_database(f"sqlite:///{path}", table_names=[source.table], backend=backend)
        pipeline.run(data, write_disposition="replace")
        with pipeline.sql_client() as client:
            rows = client.execute_sql(f"SELECT count(*) FROM {source.table}")
        stage.rows = int(rows[0][0]) if rows else 0
    stage.note = "plain load, no checks or protection"
    return stage
