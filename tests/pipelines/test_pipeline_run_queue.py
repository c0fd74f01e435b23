"""The run queue of a scaled-out hub (deploy/dagster.example.yaml) lets one sync per
department run at a time and holds back a second one, while another department's sync
goes ahead: judged by Dagster's own queue counter, on the jobs' own tags."""

from pathlib import Path

import pytest
import yaml
from dagster import DagsterRun
from dagster._utils.tags import TagConcurrencyLimitsCounter

from catalog.registry import load_catalog
from home.layout import DEFAULT_CONFIG_DIR
from pipelines.definitions import REFRESH_JOB, build_definitions
from pipelines.schedules import DEPARTMENT_TAG

EXAMPLE = Path(__file__).parents[2] / "deploy" / "dagster.example.yaml"


@pytest.fixture(scope="module")
def jobs() -> dict:
    defs = build_definitions(DEFAULT_CONFIG_DIR)
    return {j.name: j for j in defs.resolve_all_job_defs() if not j.name.startswith("__")}


def _queue(*running: DagsterRun) -> TagConcurrencyLimitsCounter:
    settings = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["run_coordinator"]
    assert settings["class"] == "QueuedRunCoordinator"
    return TagConcurrencyLimitsCounter(settings["config"]["tag_concurrency_limits"], list(running))


def _run(jobs: dict, job: str) -> DagsterRun:
    return DagsterRun(job_name=job, run_id=f"run-{job}", tags=dict(jobs[job].tags))


def test_every_sync_job_carries_its_departments_tag(jobs: dict) -> None:
    catalog = load_catalog(DEFAULT_CONFIG_DIR)
    assert len(catalog.sources) > 5
    for source in catalog.sources.values():
        tags = jobs[f"sync_{source.name}"].tags
        assert tags[DEPARTMENT_TAG] == catalog.department_of_source(source.name).id


def test_a_second_sync_of_the_same_department_waits(jobs: dict) -> None:
    # Civil affairs has two sources: the roll of assistance and the social organisations.
    queue = _queue(_run(jobs, "sync_ca_assistance"))
    assert queue.is_blocked(_run(jobs, "sync_ca_social_organisations"))


def test_another_departments_sync_goes_ahead(jobs: dict) -> None:
    queue = _queue(_run(jobs, "sync_ca_assistance"))
    assert not queue.is_blocked(_run(jobs, "sync_ps_population"))
    assert not queue.is_blocked(_run(jobs, REFRESH_JOB))


def test_one_district_refresh_at_a_time(jobs: dict) -> None:
    assert _queue(_run(jobs, REFRESH_JOB)).is_blocked(_run(jobs, REFRESH_JOB))
    assert not _queue().is_blocked(_run(jobs, REFRESH_JOB))
