"""A scaled-out hub keeps Dagster's runs and events in PostgreSQL (dagster-postgres),
set in the home's dagster.yaml alone: a job run by ``shuzhi run`` is recorded there,
with its steps' events, and nothing in the home's Dagster folder."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_run import DemoRun

from pipelines.run import DAGSTER_YAML


def _psql(sql: str, database: str = "test") -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-tAc", sql],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@pytest.fixture
def database() -> Iterator[str]:
    name = f"shuzhi_dagster_{uuid.uuid4().hex[:12]}"
    _psql(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_run_is_recorded_in_postgres_with_its_events(
    demo: DemoRun, tmp_path: Path, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The password comes from the variable the file names (trust authentication here).
    monkeypatch.setenv("SHUZHI_DAGSTER_PG_PASSWORD", "not-needed-with-trust")
    home = demo.copy(tmp_path / "home")
    dagster = home.home / "dagster"
    for old in ("history", "schedules", "storage"):
        subprocess.run(["rm", "-rf", str(dagster / old)], check=True)
    example = (Path(__file__).parents[2] / "deploy" / "dagster.example.yaml").read_text()
    (dagster / "dagster.yaml").write_text(
        example.replace("10.20.0.5", "127.0.0.1")
        .replace("shuzhi_dagster", database)
        .replace("username: shuzhi", "username: postgres"),
        encoding="utf-8",
    )
    done = home.shuzhi("run", "--job", "sync_ca_assistance", "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout)
    assert outcome["success"] and outcome["run_id"]
    status = _psql(f"SELECT status FROM runs WHERE run_id = '{outcome['run_id']}'", database)
    assert status == "SUCCESS"
    steps = _psql(
        "SELECT count(*) FROM event_logs WHERE run_id = "
        f"'{outcome['run_id']}' AND dagster_event_type = 'STEP_SUCCESS'",
        database,
    )
    assert int(steps) >= 2  # sync, then stage (and the steps after them)
    assert not (dagster / "history").exists()  # nothing of the run in the home's folder


def test_the_default_home_keeps_dagster_in_its_own_folder(demo: DemoRun) -> None:
    assert (demo.home / "dagster" / "dagster.yaml").read_text() == DAGSTER_YAML
    assert (demo.home / "dagster" / "history" / "runs.db").exists()
