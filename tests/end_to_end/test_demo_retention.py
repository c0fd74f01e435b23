"""Retention over the demo district (on a copy of the shared demo home): rows past their
contract's period are gone from every layer and from every snapshot; rows within stay.

Visits count from their visit day (``retention.date_column: visited_on``, 1095 days):
run "as of" 1096 days after the median visit, so about half the visits are past it.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest
from demo_run import DemoRun
from home_copy import copy_home

from audit.log import AuditLog
from home.layout import Home
from lakehouse.snapshots import current_snapshot
from pipelines.hub import Hub

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def home(demo: DemoRun, tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    copied = copy_home(demo.home, tmp_path_factory.mktemp("retention") / "home")
    return DemoRun(copied, "", 0)


def _hub(run: DemoRun) -> Hub:
    return Hub(Home(run.home))


def _visit_days(con: duckdb.DuckDBPyConnection, table: str = "lake.staged.visits") -> list:
    return [r[0] for r in con.execute(f"SELECT visited_on FROM {table}").fetchall()]


@pytest.fixture(scope="module")
def before(home: DemoRun) -> dict[str, object]:
    """The visits, the rooms' proactive list and the snapshot before retention runs."""
    with _hub(home).lake() as con:
        days = sorted(_visit_days(con))
        return {
            "days": days,
            "snapshot": current_snapshot(con),
            "protected": con.execute("SELECT count(*) FROM lake.protected.visits").fetchone(),
            "raw": con.execute("SELECT count(*) FROM lake.raw.visits").fetchone(),
        }


def _as_of(before: dict[str, object]) -> dt.date:
    days = before["days"]
    assert isinstance(days, list)
    return days[len(days) // 2] + dt.timedelta(days=1096)


def test_a_dry_run_counts_per_dataset_and_layer_and_deletes_nothing(
    home: DemoRun, before: dict[str, object]
) -> None:
    done = home.shuzhi("lake", "retention", "--dry-run", "--as-of", str(_as_of(before)), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    visits = next(d for d in report["datasets"] if d["dataset"] == "visits")
    assert visits["counted_from"] == "visited_on"
    assert 0 < visits["rows"]["staged"] < len(before["days"])  # type: ignore[arg-type]
    assert visits["rows"]["raw"] >= visits["rows"]["staged"]
    assert visits["rows"]["protected"] == visits["rows"]["staged"]
    population = next(d for d in report["datasets"] if d["dataset"] == "population")
    assert population["counted_from"] == "load time" and population["rows"]["staged"] == 0
    with _hub(home).lake() as con:
        assert sorted(_visit_days(con)) == before["days"]
        assert current_snapshot(con) == before["snapshot"]


def test_rows_past_retention_are_gone_from_every_layer_and_every_snapshot(
    home: DemoRun, before: dict[str, object]
) -> None:
    as_of = _as_of(before)
    cutoff = as_of - dt.timedelta(days=1095)
    done = home.shuzhi("lake", "retention", "--as-of", str(as_of), "--by", "steward_district")
    assert done.returncode == 0, done.stderr
    assert "rows deleted" in done.stdout

    days = before["days"]
    assert isinstance(days, list)
    kept = [d for d in days if d >= cutoff]
    with _hub(home).lake() as con:
        # Within retention: every row stays, in staged and protected.
        assert sorted(_visit_days(con)) == kept
        assert sorted(_visit_days(con, "lake.protected.visits")) == kept
        # Raw holds the text as read: no copy of an expired row is left.
        gone = len(days) - len(kept)
        raw = con.execute("SELECT count(*) FROM lake.raw.visits").fetchone()
        assert raw is not None and before["raw"] is not None
        assert raw[0] == before["raw"][0] - gone  # type: ignore[index]
        # No way back: the older snapshots are expired, time travel finds none of them.
        snapshots = [
            r[0] for r in con.execute("SELECT snapshot_id FROM lake.snapshots()").fetchall()
        ]
        assert snapshots == [current_snapshot(con)]
        with pytest.raises(duckdb.Error, match="No snapshot found"):
            con.execute(
                f"SELECT visited_on FROM lake.staged.visits AT (VERSION => {before['snapshot']})"
            ).fetchall()
        # The product made from visits was rebuilt from what is left.
        built = con.execute(
            "SELECT max(built_at) FROM lake.meta.product_builds "
            "WHERE product = 'proactive_disabled_unvisited'"
        ).fetchone()
        assert built is not None and built[0] is not None

    events = list(AuditLog(home.home / "audit" / "audit.log").events("retention"))
    last = events[-1].details
    assert last["dry_run"] is False and last["rows_by_table"]["visits.staged"] == gone
    assert (
        last["snapshots_expired"] > 0 and "proactive_disabled_unvisited" in last["products_rebuilt"]
    )
    assert events[-1].actor == "steward_district"


def test_a_second_run_finds_nothing_more_to_delete(
    home: DemoRun, before: dict[str, object]
) -> None:
    done = home.shuzhi("lake", "retention", "--as-of", str(_as_of(before)), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows"] == 0


def test_the_nightly_job_runs_retention_on_the_hub_and_audits_it(home: DemoRun) -> None:
    from pipelines.definitions import build_definitions
    from pipelines.resources import HubResource
    from pipelines.retention_job import RETENTION_ACTOR, RETENTION_JOB, retention_job

    defs = build_definitions()
    schedule = defs.get_schedule_def("schedule_retention")
    assert schedule.job_name == RETENTION_JOB and schedule.execution_timezone == "Asia/Shanghai"
    result = retention_job.execute_in_process(resources={"hub": HubResource(home=str(home.home))})
    assert result.success
    last = list(AuditLog(home.home / "audit" / "audit.log").events("retention"))[-1]
    assert last.actor == RETENTION_ACTOR and last.details["dry_run"] is False
