"""Killing a worker in the middle of a sync, for the tests that check nothing is lost or
doubled (on the default home and on PostgreSQL + S3).

The department's registry is the demo's, served from the real PostgreSQL here. The
registry's table is held locked, so the sync is caught inside its read; then the worker
that holds the source's sync lock (not the run's own process) is killed, and the table
let go."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg
from demo_run import SHUZHI

from demo.population_db import copy_population_sqlite_to_postgres
from home.layout import DEFAULT_CONFIG_DIR, Home
from pipelines.hub import Hub

DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
SOURCE = "ps_population"


def config_reading_postgres(target: Path, schema: str) -> Path:
    """The repository's configuration, with the population registry read from PostgreSQL
    in full every time (so the sync after the kill reads every row again)."""
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    dept = target / "departments" / "public_security.yaml"
    text = dept.read_text(encoding="utf-8")
    sqlite_source = (
        "    dialect: sqlite\n    connection:\n"
        "      path: ${SHUZHI_HOME}/departments/public_security/population.sqlite\n"
    )
    assert sqlite_source in text and "    incremental: {column: updated_at}\n" in text
    text = text.replace(
        sqlite_source,
        "    dialect: postgres\n    connection: {host: 127.0.0.1, port: 5432, user: postgres, "
        f"database: test, schema: {schema}}}\n    batch_rows: 200\n",
    ).replace("    incremental: {column: updated_at}\n", "")
    dept.write_text(text, encoding="utf-8")
    return target


def serve_registry_from_postgres(home: Path, schema: str) -> None:
    registry = home / "departments" / "public_security" / "population.sqlite"
    copy_population_sqlite_to_postgres(registry, DSN, schema)
    with psycopg.connect(DSN, autocommit=True) as pg:  # SQLite's integers are 64-bit
        pg.execute(f'ALTER TABLE "{schema}".residents ALTER person_id TYPE BIGINT')


def lake_counts(home: Path, env: dict[str, str]) -> dict[str, int]:
    """Batches of the source, and rows of each layer it feeds, read with ``env`` set."""
    sql = {
        "batches": f"SELECT count(*) FROM lake.meta.batches WHERE source = '{SOURCE}'",
        "staged": "SELECT count(*) FROM lake.staged.population",
        "protected": "SELECT count(*) FROM lake.protected.population",
        "profile": "SELECT sum(residents) FROM lake.products.street_population_profile",
    }
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        with Hub(Home(home)).lake() as con:
            return {name: int(con.execute(q).fetchone()[0]) for name, q in sql.items()}  # type: ignore[index]
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _waiting_on_the_lock(pg: psycopg.Connection, schema: str) -> bool:
    row = pg.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE %s",
        [f"%{schema}%residents%"],
    ).fetchone()
    return bool(row and row[0])


def _sync_holder(home: Path) -> int | None:
    lock = home / "state" / "locks" / f"sync-{SOURCE}.lock"
    try:
        text = lock.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return int(json.loads(text)["pid"]) if text else None


def sync_with_a_worker_killed(home: Path, schema: str, env: dict[str, str]) -> dict[str, Any]:
    """Run the source's sync on two workers, kill the worker inside the read, and return
    the run's outcome (``shuzhi run --json``) once it ends; it must end well."""
    command = [str(SHUZHI), "run", "--job", f"sync_{SOURCE}", "--workers", "2", "--json"]
    with psycopg.connect(DSN) as holder, psycopg.connect(DSN, autocommit=True) as watcher:
        holder.execute(f'LOCK TABLE "{schema}".residents IN ACCESS EXCLUSIVE MODE')
        run = subprocess.Popen(
            command,
            env={**os.environ, **env, "SHUZHI_HOME": str(home)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 180
            while not (_waiting_on_the_lock(watcher, schema) and _sync_holder(home)):
                assert run.poll() is None, run.communicate()
                assert time.monotonic() < deadline, "the sync never reached the registry"
                time.sleep(0.1)
            worker = _sync_holder(home)
            assert worker is not None and worker != run.pid  # a worker, not the run itself
            os.kill(worker, signal.SIGKILL)
        except BaseException:
            run.kill()
            raise
        finally:
            holder.rollback()  # the registry is readable again
        out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err[-3000:]
    return dict(json.loads(out))
