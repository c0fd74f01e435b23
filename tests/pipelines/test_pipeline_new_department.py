"""A new department joins with two YAML files and no code.

The housing bureau's rental register is described in a department file and a
dataset contract; the graph grows its assets, checks, schedule and sync job,
and that job runs end to end on the bureau's own database.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest

from encryption.master_key import create_key_file
from home.layout import DEFAULT_CONFIG_DIR, Home
from identifiers.resident_id import make
from pipelines.hub import Hub

DEPARTMENT = """\
id: housing
name: 示范区住房和建设局
contact: 住建局信息科
steward: steward_district
sources:
  - kind: sql
    name: hs_rentals
    dataset: rentals
    dialect: sqlite
    connection: {{path: {db}}}
    table: rentals
    primary_key: [rental_id]
    incremental: {{column: rental_id}}
    schedule: {{cron: "15 4 * * *", timezone: Asia/Shanghai}}
"""

CONTRACT = """\
name: rentals
title: 房屋租赁登记
description: Rental registrations of the district, one row per registration.
owner: housing
steward: steward_district
sharing: conditional
key: [rental_id]
columns:
  - {name: rental_id, title: 登记编号, type: integer, level: L2, required: true}
  - {name: tenant_id, title: 承租人身份证号, type: resident_id, level: L4, protection: token+seal, token_domain: resident_id, required: true}
  - {name: street_code, title: 街道, type: street_code, level: L1, required: true}
  - {name: community_code, title: 社区, type: community_code, level: L1, required: true}
expectations:
  - {expectation: expect_column_values_to_not_be_null, kwargs: {column: tenant_id_token}}
"""


@pytest.fixture
def housing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Hub:
    db = tmp_path / "rentals.sqlite"
    con = sqlite3.connect(db)
    con.execute(
        "CREATE TABLE rentals (rental_id INTEGER PRIMARY KEY, tenant_id TEXT, "
        "street_code TEXT, community_code TEXT)"
    )
    rows = [
        (n, make("440301", dt.date(1990, n % 12 + 1, 15), 100 + n), "440399001", "440399001002")
        for n in range(1, 41)
    ]
    rows.append((41, "44030119900101123X", "440399001", "440399001002"))  # bad check digit
    con.executemany("INSERT INTO rentals VALUES (?, ?, ?, ?)", rows)
    con.commit()
    con.close()

    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    (config / "departments" / "housing.yaml").write_text(DEPARTMENT.format(db=db), encoding="utf-8")
    (config / "datasets" / "rentals.yaml").write_text(CONTRACT, encoding="utf-8")
    monkeypatch.setenv("SHUZHI_CONFIG", str(config))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    home = Home(tmp_path / "home").ensure()
    create_key_file(home.keys / "master.key")
    return Hub(home, config)


def test_the_graph_grows_assets_checks_schedule_and_job(housing: Hub) -> None:
    from pipelines.definitions import build_definitions

    defs = build_definitions(housing.config)
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"raw_rentals", "staged_rentals", "protected_rentals"} <= keys
    checks = {k.name for k in defs.resolve_asset_graph().asset_check_keys}
    assert {"check_staged_rentals", "check_quarantine_rentals"} <= checks
    schedule = defs.resolve_schedule_def("schedule_hs_rentals")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("15 4 * * *", "Asia/Shanghai")
    assert defs.resolve_job_def("sync_hs_rentals")


def test_the_new_sync_job_runs_end_to_end(housing: Hub) -> None:
    from pipelines.run import run_job
    from pipelines.source_status import source_statuses

    outcome = run_job(housing, "sync_hs_rentals")
    assert outcome.success, outcome.failures

    [status] = [s for s in source_statuses(housing) if s.source == "hs_rentals"]
    assert (status.rows_read, status.rows_loaded, status.rows_quarantined) == (41, 40, 1)
    assert status.watermark == "41" and status.status == "ok"
    with housing.lake() as con:
        tokens = con.execute("SELECT count(DISTINCT tenant_id_token) FROM lake.staged.rentals")
        assert tokens.fetchone() == (40,)
        reason = con.execute("SELECT reason FROM lake.quarantine.rentals").fetchall()
    assert len(reason) == 1 and "resident ID" in reason[0][0]
