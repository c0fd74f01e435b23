"""A worker process killed in the middle of a sync loses and doubles nothing: the run on
several workers is taken up again from where it failed, and the lakehouse holds exactly
what one whole sync gives.

The department's registry is the demo's, served from the real PostgreSQL here. The test
holds the registry's table locked, so the sync is caught inside its read, then kills the
worker that holds the source's sync lock (not the run's own process) and lets go of the
table."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from demo_run import SHUZHI, DemoRun

from demo.population_db import copy_population_sqlite_to_postgres
from home.layout import DEFAULT_CONFIG_DIR, Home
from pipelines.hub import Hub

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
SOURCE = "ps_population"


@pytest.fixture
def registry_schema() -> Iterator[str]:
    schema = f"ps_kill_{uuid.uuid4().hex[:10]}"
    try:
        yield schema
    finally:
        with psycopg.connect(DSN, autocommit=True) as pg:
            pg.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _config_reading_postgres(target: Path, schema: str) -> Path:
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


def _lake_counts(home: Path) -> dict[str, int]:
    sql = {
        "batches": f"SELECT count(*) FROM lake.meta.batches WHERE source = '{SOURCE}'",
        "staged": "SELECT count(*) FROM lake.staged.population",
        "protected": "SELECT count(*) FROM lake.protected.population",
        "profile": "SELECT sum(residents) FROM lake.products.street_population_profile",
    }
    with Hub(Home(home)).lake() as con:
        return {name: int(con.execute(q).fetchone()[0]) for name, q in sql.items()}  # type: ignore[index]


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


def test_a_worker_killed_mid_sync_is_retried_and_nothing_is_lost_or_doubled(
    demo: DemoRun, tmp_path: Path, registry_schema: str
) -> None:
    home = demo.copy(tmp_path / "home").home
    config = _config_reading_postgres(tmp_path / "config", registry_schema)
    registry = home / "departments" / "public_security" / "population.sqlite"
    copy_population_sqlite_to_postgres(registry, DSN, registry_schema)
    with psycopg.connect(DSN, autocommit=True) as pg:  # SQLite's integers are 64-bit
        pg.execute(f'ALTER TABLE "{registry_schema}".residents ALTER person_id TYPE BIGINT')
    before = _lake_counts(home)

    env = {**os.environ, "SHUZHI_HOME": str(home), "SHUZHI_CONFIG": str(config)}
    command = [str(SHUZHI), "run", "--job", f"sync_{SOURCE}", "--workers", "2", "--json"]
    with psycopg.connect(DSN) as holder, psycopg.connect(DSN, autocommit=True) as watcher:
        holder.execute(f'LOCK TABLE "{registry_schema}".residents IN ACCESS EXCLUSIVE MODE')
        run = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            deadline = time.monotonic() + 180
            while not (_waiting_on_the_lock(watcher, registry_schema) and _sync_holder(home)):
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
    outcome = json.loads(out)
    assert outcome["success"] and len(outcome["retry_run_ids"]) == 1, outcome
    after = _lake_counts(home)
    # One whole batch more; the killed sync committed nothing. The same registry gives the
    # same staged, protected and product rows as the demo's own sync did.
    assert after == {**before, "batches": before["batches"] + 1}
