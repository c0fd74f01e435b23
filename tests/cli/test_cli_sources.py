"""``shuzhi sources list / check / sync / batches`` on a small generated district."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.department_apis import serve_department_apis
from demo.generate import generate_district
from demo.sizes import DistrictSize
from encryption.master_key import create_key_file
from home.layout import DEFAULT_CONFIG_DIR, Home
from pipelines.hub import Hub

SHUZHI = Path(sys.executable).with_name("shuzhi")

pytestmark = pytest.mark.slow  # runs the whole refresh of a generated district


class Cli:
    def __init__(self, home: Home, env: dict[str, str]) -> None:
        self.home = home
        self.env = {**os.environ, "SHUZHI_HOME": str(home.root), "COLUMNS": "200", **env}
        self.env.pop("SHUZHI_DEBUG", None)
        self.env.pop("SHUZHI_MASTER_KEY", None)

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SHUZHI), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def json(self, *args: str) -> object:
        done = self(*args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    home = Home(tmp_path_factory.mktemp("sources") / "home").ensure()
    create_key_file(home.keys / "master.key")
    district = Hub(home, DEFAULT_CONFIG_DIR).catalog.district
    generate_district(home, seed=9, size=DistrictSize.demo(0.02), district=district)
    with serve_department_apis(home) as api_env:
        yield Cli(home, api_env)


def _statuses(cli: Cli) -> dict[str, dict]:
    listed = cli.json("sources", "list", "--json")
    assert isinstance(listed, list)
    return {s["source"]: s for s in listed}


def test_list_before_any_sync_shows_every_source_never_synced(cli: Cli) -> None:
    statuses = _statuses(cli)
    assert set(statuses) == {
        "ps_population", "mr_enterprises", "hl_cases", "ca_assistance",
        "mb_cases", "wx_cases", "gd_cases", "wb_cases", "dp_transfers",
        "ca_social_organisations", "so_visits",
    }  # fmt: skip
    assert {s["dataset"] for s in statuses.values() if s["source"].endswith("_cases")} == {"cases"}
    assert statuses["ps_population"]["kind"] == "sql"
    assert statuses["ps_population"]["schedule"] == "0 2 * * * (Asia/Shanghai)"
    assert statuses["hl_cases"]["schedule"].endswith("on file drop")
    assert {s["status"] for s in statuses.values()} == {"never synced"}


def test_check_reports_what_each_kind_of_source_holds(cli: Cli) -> None:
    sql = cli.json("sources", "check", "ps_population", "--json")
    assert isinstance(sql, dict) and sql["kind"] == "sql"
    planted = json.loads((cli.home.departments / "manifest.json").read_text(encoding="utf-8"))
    [population] = [m for m in planted["sources"].values() if m["dataset"] == "population"]
    assert sql["rows"] == population["rows_written"]
    assert "id_number" in sql["columns"]
    api = cli.json("sources", "check", "mr_enterprises", "--json")
    assert isinstance(api, dict) and "uscc" in api["fields"]
    drop = cli.json("sources", "check", "hl_cases", "--json")
    assert isinstance(drop, dict) and len(drop["ready_files"]) == 3
    assert drop["processed_files"] == []
    wechat = cli.json("sources", "check", "wx_cases", "--json")
    assert isinstance(wechat, dict) and {"ticket_id", "category_code"} <= set(wechat["fields"])
    grid = cli.json("sources", "check", "gd_cases", "--json")
    assert isinstance(grid, dict) and grid["table"] == "grid_events" and grid["watermark"]
    feed = cli.json("sources", "check", "wb_cases", "--json")
    assert isinstance(feed, dict) and [Path(f).suffix for f in feed["ready_files"]] == [".jsonl"]
    people = cli("sources", "check", "ps_population")
    assert people.returncode == 0 and "kind: sql" in people.stdout
    assert f"rows: {population['rows_written']}" in people.stdout


def test_sync_lands_and_stages_then_list_and_batches_show_it(cli: Cli) -> None:
    done = cli("sources", "sync", "hl_cases")
    assert done.returncode == 0, done.stderr
    assert "loaded" in done.stdout and "quarantined" in done.stdout

    status = _statuses(cli)["hl_cases"]
    assert status["status"] == "ok" and status["last_sync"]
    assert status["rows_read"] == status["rows_loaded"] + status["rows_quarantined"]
    drop = cli.json("sources", "check", "hl_cases", "--json")
    assert isinstance(drop, dict)
    assert drop["ready_files"] == [] and len(drop["processed_files"]) == 3

    history = cli.json("sources", "batches", "hl_cases", "--json")
    assert isinstance(history, list) and len(history) == 1
    batch = history[0]
    assert batch["batch_id"] == status["last_batch"] and batch["reconciles"] is True

    table = cli("sources", "batches", "hl_cases")
    assert batch["batch_id"] in table.stdout and "✓" in table.stdout


def test_second_sync_of_a_sql_source_is_incremental_and_adds_nothing(cli: Cli) -> None:
    first = cli("sources", "sync", "ps_population")
    assert first.returncode == 0, first.stderr
    watermark = _statuses(cli)["ps_population"]["watermark"]
    assert watermark

    again = cli("sources", "sync", "ps_population")
    assert again.returncode == 0, again.stderr
    assert "read 0 = loaded 0 + quarantined 0" in again.stdout
    # The same as a program reads it: stdout is one JSON document, progress on stderr.
    third = cli.json("sources", "sync", "ps_population", "--json")
    assert isinstance(third, dict) and third["source"] == "ps_population"
    assert third["mode"] == "incremental" and third["rows_read"] == 0
    assert [s["rows_loaded"] for s in third["staged"]] in ([], [0])
    history = cli.json("sources", "batches", "ps_population", "--json")
    assert isinstance(history, list) and len(history) == 3
    assert [b["mode"] for b in history] == ["incremental", "incremental", "full"]
    assert history[0]["rows_read"] == 0 and history[0]["watermark"] in (None, watermark)


def test_each_channel_syncs_on_its_own_and_a_full_sync_replaces_only_its_rows(cli: Cli) -> None:
    from pipelines.steps import reconciliation

    planted = json.loads((cli.home.departments / "manifest.json").read_text(encoding="utf-8"))
    expected = {m["source"]: m for m in planted["sources"].values()}
    # Two channels of other kinds than the hotline's drop (every channel reconciles in the
    # end-to-end demo run); each syncs and stages on its own.
    channels = ("wx_cases", "gd_cases")
    for name in channels:
        done = cli("sources", "sync", name)
        assert done.returncode == 0, (name, done.stderr)
    hub = Hub(cli.home, DEFAULT_CONFIG_DIR)
    with hub.lake() as con:
        before = dict(
            con.execute("SELECT _source, count(*) FROM lake.staged.cases GROUP BY 1").fetchall()
        )
    for name in channels:
        [rec] = [r for r in reconciliation(hub) if r.source == name]
        assert rec.rows_read == expected[name]["rows_written"], name
        dirt = expected[name]
        planted_out = sum(dirt["unfixable"].values()) + dirt["duplicates"] + 2 * dirt["conflicts"]
        assert rec.holds and rec.rows_quarantined == planted_out, (name, rec.reasons)
        status = _statuses(cli)[name]
        assert status["status"] == "ok", name

    again = cli("sources", "sync", "wx_cases", "--full")  # an API is read whole every time
    assert again.returncode == 0, again.stderr
    with hub.lake() as con:
        after = dict(
            con.execute("SELECT _source, count(*) FROM lake.staged.cases GROUP BY 1").fetchall()
        )
    assert after == before and set(after) >= {"hl_cases", *channels}
    history = cli.json("sources", "batches", "wx_cases", "--json")
    assert isinstance(history, list) and [b["mode"] for b in history] == ["full", "full"]


def test_unknown_source_is_one_line_naming_the_known_ones(cli: Cli) -> None:
    done = cli("sources", "check", "nope")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "ps_population" in done.stderr


def test_a_source_that_is_down_is_one_clear_line(cli: Cli) -> None:
    down = Cli(
        cli.home, {"SHUZHI_MARKET_API_URL": "http://127.0.0.1:9", "SHUZHI_MARKET_API_TOKEN": "x"}
    )
    done = down("sources", "check", "mr_enterprises")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert "mr_enterprises" in done.stderr


def test_run_names_unknown_jobs_and_missing_inputs_then_refreshes(cli: Cli) -> None:
    unknown = cli("run", "--job", "sync_nope")
    assert unknown.returncode == 1 and "sync_hl_cases" in unknown.stderr

    # Case statistics divide by population, which has been staged but never protected.
    early = cli("run", "--job", "sync_hl_cases")
    assert early.returncode == 1
    assert "street_case_stats needs protected_population" in early.stderr

    done = cli("run")
    assert done.returncode == 0, done.stderr
    assert "succeeded" in done.stdout
    assert "build product street_case_stats" in done.stderr
    assert (cli.home.rooms / "street_donghu.duckdb").exists()
    again = cli.json("run", "--job", "sync_hl_cases", "--json")
    assert isinstance(again, dict) and again["job"] == "sync_hl_cases"
    assert again["success"] is True and again["run_id"] and again["failures"] == []
