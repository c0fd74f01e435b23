"""The demo district on the scale-out lakehouse: DuckLake's catalogue in the PostgreSQL
on this machine, its data files in a real S3-speaking server on loopback (moto's, from
PyPI), chosen by one configuration file. The same code answers the same street queries
as the default home, and neither the bucket nor the catalogue database holds an
identifier in clear."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from demo_run import SHUZHI, DemoRun, digit_runs, known_identifiers, searched_forms
from identifier_scan import SCHEMAS, scan_lake

QUERIES = {
    "street_donghu": "SELECT community_name, category, sum(cases) AS n FROM street_case_stats "
    "GROUP BY ALL ORDER BY ALL",
    "street_xiling": "SELECT count(*) AS n, sum(residents) AS r FROM street_population_profile",
    "dept_hotline_12345": "SELECT street_code, count(*) AS n FROM street_case_stats "
    "GROUP BY 1 ORDER BY 1",
}
KEY_ID, SECRET = "shuzhi-test-key", "shuzhi-test-secret"


@dataclass
class ScaledOut:
    run: DemoRun
    env: dict[str, str]
    bucket: str
    endpoint: str
    database: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server in a process of its own, on a loopback port."""
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the S3 server did not start"
                time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def _s3(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=f"http://{endpoint}",
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )


def _psql(sql: str, database: str = "test") -> str:
    done = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-tAc", sql],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture(scope="module")
def scaled_out(s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaledOut]:
    folder = tmp_path_factory.mktemp("scaled-out")
    bucket, database = "shuzhi-lake", f"shuzhi_lake_{uuid.uuid4().hex[:12]}"
    _s3(s3_endpoint).create_bucket(Bucket=bucket)
    _psql(f"CREATE DATABASE {database}")
    config = folder / "lake.yaml"
    config.write_text(
        f"""catalog:
  postgres: {{host: 127.0.0.1, port: 5432, database: {database}, user: postgres}}
storage:
  s3:
    bucket: {bucket}
    prefix: district/
    endpoint: "{s3_endpoint}"
    url_style: path
    use_ssl: false
    key_id_env: SHUZHI_TEST_S3_KEY
    secret_env: SHUZHI_TEST_S3_SECRET
""",
        encoding="utf-8",
    )
    env = {
        "SHUZHI_LAKE_CONFIG": str(config),
        "SHUZHI_TEST_S3_KEY": KEY_ID,
        "SHUZHI_TEST_S3_SECRET": SECRET,
    }
    home = folder / "home"
    done = subprocess.run(
        [str(SHUZHI), "demo", "--scale", "0.1", "--seed", "11"],
        env={**_without_master_key(), "SHUZHI_HOME": str(home), "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    try:
        yield ScaledOut(
            DemoRun(home, done.stdout + done.stderr, done.returncode),
            env,
            bucket,
            s3_endpoint,
            database,
        )
    finally:
        _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def _without_master_key() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "SHUZHI_MASTER_KEY"}


def _query(run: DemoRun, env: dict[str, str], principal: str, sql: str) -> list:
    import json

    from demo_run import demo_purpose

    purpose = demo_purpose(principal, sql)
    done = subprocess.run(
        [str(SHUZHI), "query", "--as", principal, "--purpose", purpose, "--json", sql],
        env={**os.environ, "SHUZHI_HOME": str(run.home), **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["rows"]


def test_the_demo_runs_on_postgres_and_s3_and_answers_as_the_default_home(
    scaled_out: ScaledOut, demo: DemoRun
) -> None:
    assert scaled_out.run.returncode == 0, scaled_out.run.output[-3000:]
    for principal, sql in QUERIES.items():
        on_s3 = _query(scaled_out.run, scaled_out.env, principal, sql)
        assert on_s3 and on_s3 == demo.query_json(principal, sql)["rows"], principal
    # Nothing of the lake is in the home: its catalogue is in PostgreSQL, its files in S3.
    lakehouse = scaled_out.run.home / "lakehouse"
    assert not [p for p in lakehouse.rglob("*") if p.suffix in (".parquet", ".ducklake")]
    tables = _psql(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'ducklake_data_file'",
        scaled_out.database,
    )
    assert int(tables) == 1


def test_the_bucket_and_the_catalogue_database_hold_no_identifier_in_clear(
    scaled_out: ScaledOut,
) -> None:
    from home.layout import Home
    from lakehouse.extensions import load_extensions, offline_connection
    from pipelines.hub import Hub

    assert scaled_out.run.returncode == 0, scaled_out.run.output[-3000:]
    ids, phones = known_identifiers(scaled_out.run.home / "departments")
    assert len(ids) > 100 and len(phones) > 100
    s3 = _s3(scaled_out.endpoint)
    keys = [
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=scaled_out.bucket)
        for item in page.get("Contents", [])
    ]
    assert len(keys) > 50 and all(k.startswith("district/") for k in keys)
    for key in keys:
        blob = s3.get_object(Bucket=scaled_out.bucket, Key=key)["Body"].read()
        runs = digit_runs(blob)
        leaked = {r for r in runs if r in ids or r[-11:] in phones or r in phones}
        assert not leaked, f"{key} holds {len(leaked)} plaintext identifiers"
    # Read through DuckLake (decrypted), every layer, and the catalogue database's tables.
    searched = searched_forms(ids, phones)
    os.environ.update(scaled_out.env)
    try:
        with Hub(Home(scaled_out.run.home)).lake() as con:
            lake = scan_lake(con, searched)
    finally:
        for name in scaled_out.env:
            os.environ.pop(name, None)
    # The catalogue database as anyone with access to it reads it.
    con = offline_connection(":memory:")
    try:
        load_extensions(con, "postgres_scanner")
        con.execute(
            f"ATTACH 'dbname={scaled_out.database} host=127.0.0.1 user=postgres' AS catalogue "
            "(TYPE postgres, READ_ONLY)"
        )
        catalogue = scan_lake(con, searched, database="catalogue", schemas=["public"])
    finally:
        con.close()
    assert {table.split(".")[0] for table in lake.tables} == set(SCHEMAS)
    assert sum(lake.cells.values()) > 50_000 and not lake.leaks, lake.leaks
    assert "public.ducklake_data_file" in catalogue.tables
    assert sum(catalogue.cells.values()) > 1_000 and not catalogue.leaks, catalogue.leaks
