"""The demo district on the distributed set-up: DuckLake's catalogue in the PostgreSQL on
this machine, its data files in a real S3-speaking server on loopback (moto's, from
PyPI), chosen by one configuration file; Dagster's runs and events in PostgreSQL; the
pipeline's steps on two worker processes at once; and two API servers, each with rooms of
its own built from the lakehouse, sharing sessions and rate limits in Redis. The same code
answers the same street queries as the default home, on both servers, and neither the
bucket nor the catalogue database holds an identifier in clear."""

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
    dagster_database: str
    home_database: str  # the home's shared part: people, keys, audit log


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# .ci/run starts an S3 server and names it here; without it (make test alone), the
# module starts one of its own.
S3_ENDPOINT_ENV = "SHUZHI_TEST_S3_ENDPOINT"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """An S3 server on loopback: the one CI started, or moto's in a process of our own."""
    given = os.environ.get(S3_ENDPOINT_ENV, "").strip()
    if given:
        host, port_text = given.rsplit(":", 1)
        try:
            socket.create_connection((host, int(port_text)), timeout=5).close()
        except OSError:
            pytest.fail(f"{S3_ENDPOINT_ENV}={given}: no S3 server answers there")
        yield given
        return
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
    bucket = f"shuzhi-lake-{uuid.uuid4().hex[:12]}"  # the server may be shared (CI's)
    database = f"shuzhi_lake_{uuid.uuid4().hex[:12]}"
    dagster_database = f"shuzhi_dagster_{uuid.uuid4().hex[:12]}"
    home_database = f"shuzhi_home_{uuid.uuid4().hex[:12]}"
    _s3(s3_endpoint).create_bucket(Bucket=bucket)
    _psql(f"CREATE DATABASE {database}")
    _psql(f"CREATE DATABASE {dagster_database}")
    _psql(f"CREATE DATABASE {home_database}")
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
        "SHUZHI_HOME_DATABASE": f"host=127.0.0.1 port=5432 user=postgres dbname={home_database}",
    }
    home = folder / "home"
    _dagster_in_postgres(home, dagster_database)
    env["SHUZHI_DAGSTER_PG_PASSWORD"] = "not-needed-with-trust"
    done = subprocess.run(
        [str(SHUZHI), "demo", "--scale", "0.1", "--seed", "11", "--workers", "2"],
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
            dagster_database,
            home_database,
        )
    finally:
        _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        _psql(f"DROP DATABASE IF EXISTS {dagster_database} WITH (FORCE)")
        _psql(f"DROP DATABASE IF EXISTS {home_database} WITH (FORCE)")


def _dagster_in_postgres(home: Path, database: str) -> None:
    """The deployment example's dagster.yaml, pointed at this machine's PostgreSQL."""
    example = (Path(__file__).parents[2] / "deploy" / "dagster.example.yaml").read_text()
    (home / "dagster").mkdir(parents=True)
    (home / "dagster" / "dagster.yaml").write_text(
        example.replace("10.20.0.5", "127.0.0.1")
        .replace("shuzhi_dagster", database)
        .replace("username: shuzhi", "username: postgres"),
        encoding="utf-8",
    )


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
    # The run is in PostgreSQL, and its steps ran on two workers at once.
    overlapping = _psql(
        "WITH s AS (SELECT run_id, step_key, "
        "min(timestamp) FILTER (WHERE dagster_event_type = 'STEP_START') AS began, "
        "max(timestamp) FILTER (WHERE dagster_event_type = 'STEP_SUCCESS') AS ended "
        "FROM event_logs WHERE step_key IS NOT NULL GROUP BY run_id, step_key) "
        "SELECT count(*) FROM s x JOIN s y ON x.run_id = y.run_id AND x.step_key < y.step_key "
        "AND x.began < y.ended AND y.began < x.ended",
        scaled_out.dagster_database,
    )
    assert int(overlapping) > 0
    assert not (scaled_out.run.home / "dagster" / "history").exists()


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
    # The home database: people, keys, the audit log and its checkpoints.
    with psycopg_connect(scaled_out.home_database) as home_db:
        rows = home_db.execute("SELECT name, body FROM shuzhi_home_files").fetchall()
        rows += home_db.execute("SELECT name, line FROM shuzhi_home_lines").fetchall()
    names = {name for name, _ in rows}
    assert {"state/users.json", "keys/keystore.json", "audit/audit.log"} <= names, names
    for name, body in rows:
        runs = digit_runs(bytes(body))
        leaked = {r for r in runs if r in ids or r[-11:] in phones or r in phones}
        assert not leaked, f"{name} in the home database holds {len(leaked)} identifiers"


@dataclass
class ApiServer:
    url: str
    process: subprocess.Popen[bytes]
    home: Path
    rooms: Path


def _serve(scaled_out: ScaledOut, config: Path, machine: Path, prefix: str) -> ApiServer:
    """A server on a machine of its own: an empty home, its own rooms, the master key from
    the environment; everything shared is in PostgreSQL, the bucket and Redis."""
    port = _free_port()
    home, rooms = machine / "home", machine / "rooms"
    master_key = (scaled_out.run.home / "keys" / "master.key").read_text(encoding="ascii")
    env = {
        **_without_master_key(),
        **scaled_out.env,
        "SHUZHI_HOME": str(home),
        "SHUZHI_MASTER_KEY": master_key.strip(),
        "SHUZHI_CONFIG": str(config),
        "SHUZHI_ROOMS_DIR": str(rooms),
        "SHUZHI_REDIS_URL": "redis://127.0.0.1:6379/0",
        "SHUZHI_REDIS_PREFIX": prefix,
    }
    process = subprocess.Popen(
        [str(SHUZHI), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return ApiServer(f"http://127.0.0.1:{port}", process, home, rooms)


def _wait_ready(server: ApiServer) -> None:
    import httpx

    deadline = time.monotonic() + 180
    while True:
        assert server.process.poll() is None, "the API server stopped"
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the API server did not start"
        time.sleep(0.3)


@pytest.fixture(scope="module")
def two_servers(
    scaled_out: ScaledOut, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ApiServer, ApiServer]]:
    """Two API processes on the scaled-out hub, each building its own rooms from the
    lakehouse, with sessions and limits in Redis; a low rate limit so it can be reached."""
    import shutil

    import redis

    from home.layout import DEFAULT_CONFIG_DIR

    assert scaled_out.run.returncode == 0, scaled_out.run.output[-3000:]
    folder = tmp_path_factory.mktemp("servers")
    config = folder / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    api = (config / "api.yaml").read_text(encoding="utf-8")
    (config / "api.yaml").write_text(
        api.replace("requests_per_minute: 600", f"requests_per_minute: {RATE}"), encoding="utf-8"
    )
    prefix = f"shuzhi-test-{uuid.uuid4().hex[:10]}:"
    servers = [_serve(scaled_out, config, folder / f"machine-{n}", prefix) for n in ("a", "b")]
    try:
        for server in servers:
            _wait_ready(server)
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.process.terminate()
            server.process.wait(timeout=60)
        client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)


RATE = 12  # calls a minute per person on the two servers' shared limit


def _ask(server: ApiServer, token: str, sql: str) -> Any:
    import httpx

    return httpx.post(
        f"{server.url}/api/v1/query",
        json={"sql": sql, "purpose": "street_governance"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=120,
    )


def _sign_in(server: ApiServer, scaled_out: ScaledOut) -> str:
    import httpx

    password = scaled_out.run.sign_ins()["donghu"]
    signed_in = httpx.post(
        f"{server.url}/api/v1/auth/sign-in", json={"login": "donghu", "password": password}
    )
    assert signed_in.status_code == 200, signed_in.text
    return str(signed_in.json()["token"])


def test_two_api_servers_answer_the_same_street_query_on_one_session(
    scaled_out: ScaledOut, two_servers: tuple[ApiServer, ApiServer]
) -> None:
    import httpx

    one, other = two_servers
    # Each server built the rooms it serves from the lakehouse; no shared rooms folder.
    for server in two_servers:
        assert len(list(server.rooms.glob("*.duckdb"))) >= 5
    token = _sign_in(one, scaled_out)
    sql = QUERIES["street_donghu"]
    answers = [_ask(server, token, sql) for server in (one, other)]  # signed in on one only
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    on_one, on_other = (a.json()["rows"] for a in answers)
    assert on_one and on_one == on_other
    assert on_one == _query(scaled_out.run, scaled_out.env, "street_donghu", sql)
    # Signed out on the other server: refused on both.
    out = httpx.post(
        f"{other.url}/api/v1/auth/sign-out", headers={"Authorization": f"Bearer {token}"}
    )
    assert out.status_code < 300, out.text
    assert [_ask(server, token, sql).status_code for server in (one, other)] == [401, 401]
    # Neither machine holds people, keys or the audit log: they are in the home database.
    for server in two_servers:
        held = {p.name for p in server.home.rglob("*") if p.is_file()}
        assert not held & {"users.json", "sessions.json", "keystore.json", "audit.log"}, held


def test_what_both_servers_audited_is_one_chain_a_reviewer_verifies_from_anywhere(
    scaled_out: ScaledOut,
    two_servers: tuple[ApiServer, ApiServer],
    tmp_path: Path,
) -> None:
    import json

    one, other = two_servers
    before = _verify_from(scaled_out, tmp_path / "reviewer-a")
    token = _sign_in(one, scaled_out)
    for server in (one, other):
        assert _ask(server, token, "SELECT 1").status_code == 200
    after = _verify_from(scaled_out, tmp_path / "reviewer-b")
    assert after["ok"] and after["checkpoints"] >= 1, after
    assert after["events"] >= before["events"] + 3  # a sign-in and two queries, at least
    with psycopg_connect(scaled_out.home_database) as con:
        events = [
            json.loads(bytes(line))
            for (line,) in con.execute(
                "SELECT line FROM shuzhi_home_lines WHERE name = 'audit/audit.log' AND seq > %s",
                (before["events"],),
            )
        ]
    queries = [e for e in events if e["kind"] == "query"]
    assert len(queries) >= 2, events
    assert {(e["actor"], e["details"]["by"].split()[0]) for e in queries} == {
        ("street_donghu", "person")
    }


def _verify_from(scaled_out: ScaledOut, empty_home: Path) -> dict[str, Any]:
    """`shuzhi audit verify` on a machine that holds nothing of the hub but the settings."""
    import json

    done = subprocess.run(
        [str(SHUZHI), "audit", "verify", "--json"],
        env={**_without_master_key(), **scaled_out.env, "SHUZHI_HOME": str(empty_home)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads(done.stdout))


def psycopg_connect(database: str) -> Any:
    import psycopg

    return psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={database}")


def test_two_api_servers_hold_one_rate_limit_per_person(
    scaled_out: ScaledOut, two_servers: tuple[ApiServer, ApiServer]
) -> None:
    one, other = two_servers
    token = _sign_in(other, scaled_out)
    statuses = [_ask(server, token, "SELECT 1").status_code for server in (one, other) * RATE]
    # Alone, each server would have admitted all RATE of its calls.
    assert set(statuses) == {200, 429} and statuses.count(200) <= RATE, statuses


def test_a_worker_killed_mid_sync_on_postgres_and_s3_loses_and_doubles_nothing(
    scaled_out: ScaledOut, tmp_path: Path
) -> None:
    """Last in this module: it syncs the registry once more (the same rows)."""
    from worker_kill import (
        config_reading_postgres,
        lake_counts,
        serve_registry_from_postgres,
        sync_with_a_worker_killed,
    )

    assert scaled_out.run.returncode == 0, scaled_out.run.output[-3000:]
    home, schema = scaled_out.run.home, f"ps_kill_{uuid.uuid4().hex[:10]}"
    env = {**scaled_out.env, "SHUZHI_CONFIG": str(config_reading_postgres(tmp_path / "c", schema))}
    try:
        serve_registry_from_postgres(home, schema)
        before = lake_counts(home, scaled_out.env)
        outcome = sync_with_a_worker_killed(home, schema, env)
        assert outcome["success"] and len(outcome["retry_run_ids"]) == 1, outcome
        assert lake_counts(home, scaled_out.env) == {**before, "batches": before["batches"] + 1}
    finally:
        _psql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
