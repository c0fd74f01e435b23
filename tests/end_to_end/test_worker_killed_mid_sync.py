"""A worker process killed in the middle of a sync loses and doubles nothing: the run on
several workers is taken up again from where it failed, and the lakehouse holds exactly
what one whole sync gives (tests/end_to_end/worker_kill.py says how the kill is made;
the same on PostgreSQL + S3 is in test_demo_on_postgres_and_s3.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from demo_run import DemoRun
from worker_kill import (
    DSN,
    config_reading_postgres,
    lake_counts,
    serve_registry_from_postgres,
    sync_with_a_worker_killed,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def registry_schema() -> Iterator[str]:
    schema = f"ps_kill_{uuid.uuid4().hex[:10]}"
    try:
        yield schema
    finally:
        with psycopg.connect(DSN, autocommit=True) as pg:
            pg.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_a_worker_killed_mid_sync_is_retried_and_nothing_is_lost_or_doubled(
    demo: DemoRun, tmp_path: Path, registry_schema: str
) -> None:
    home = demo.copy(tmp_path / "home").home
    config = config_reading_postgres(tmp_path / "config", registry_schema)
    serve_registry_from_postgres(home, registry_schema)
    before = lake_counts(home, {})

    outcome = sync_with_a_worker_killed(home, registry_schema, {"SHUZHI_CONFIG": str(config)})

    assert outcome["success"] and len(outcome["retry_run_ids"]) == 1, outcome
    after = lake_counts(home, {})
    # One whole batch more; the killed sync committed nothing. The same registry gives the
    # same staged, protected and product rows as the demo's own sync did.
    assert after == {**before, "batches": before["batches"] + 1}
