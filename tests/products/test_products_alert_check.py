"""A product's alerts in Dagster: street_hot_topics' asset, materialised in process on a
hand-made lake, reports a topic rising in the latest week as a WARN check result (not
blocking), beside its blocking check, and names no person; a rise in an older week of the
trend is history, not a warning."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import pytest
from hand_made_district import DONGHU_C1, put

from encryption.master_key import MASTER_KEY_ENV, create_key_file
from home.layout import DEFAULT_CONFIG_DIR, Home
from pipelines.hub import Hub
from pipelines.product_assets import product_asset
from pipelines.resources import HubResource

PRODUCT = "street_hot_topics"
NAME, PHONE = "张晓芳", "13812345678"


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Hub:
    for var in (MASTER_KEY_ENV, "SHUZHI_LAKE_CATALOG", "SHUZHI_LAKE_DATA_PATH"):
        monkeypatch.delenv(var, raising=False)
    home = Home(tmp_path / "home").ensure()
    monkeypatch.setenv("SHUZHI_HOME", str(home.root))
    create_key_file(home.keys / "master.key")
    return Hub(home, DEFAULT_CONFIG_DIR)


def _lake_with_cases(hub: Hub, weeks: list[int]) -> None:
    """Fume complaints in 东湖社区, each this many weeks before the build date (0: this
    week), from a reporter of its own; every record its own case."""
    today = dt.datetime.combine(dt.date.today(), dt.time(9))
    # 2 and 9 days back: in this week and last week whatever the day the build runs on.
    cases = [
        {"_source": "hl_cases", "case_no": f"K{n:03d}", "category": "环境卫生",
         "received_at": today - dt.timedelta(days=2 + 7 * ago),
         "community_code": DONGHU_C1, "street_code": DONGHU_C1[:9],
         "reporter_phone_token": f"t1_phone{n}",
         "description": f"楼下餐馆油烟很大。联系人{NAME}，电话{PHONE}"}
        for n, ago in enumerate(weeks)
    ]  # fmt: skip
    with hub.lake() as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS lake.protected")
        put(con, "cases", cases)
        con.execute(
            """CREATE OR REPLACE TABLE lake.protected.cases_merged AS
               SELECT _source || ':' || case_no AS record_id, _source, case_no,
                      'C-' || case_no AS case_id, 1 AS case_records
               FROM lake.protected.cases"""
        )


def _evaluations(hub: Hub) -> dict[str, dg.AssetCheckEvaluation]:
    asset = product_asset(hub.catalog.products[PRODUCT])
    result = dg.materialize(
        [asset], resources={"hub": HubResource(home=str(hub.home.root))}, raise_on_error=False
    )
    assert result.success
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_a_rising_topic_is_a_warning_listed_in_the_check(hub: Hub) -> None:
    _lake_with_cases(hub, [1] * 2 + [0] * 10)  # 2 last week, 10 this week
    found = _evaluations(hub)
    assert found[f"check_{PRODUCT}"].passed
    assert found[f"check_{PRODUCT}"].severity == dg.AssetCheckSeverity.ERROR
    alert = found[f"alert_{PRODUCT}"]
    assert not alert.passed and alert.severity == dg.AssetCheckSeverity.WARN
    metadata = {k: v.value for k, v in alert.metadata.items()}
    listed = str(metadata["热点升温"])
    assert "440399001 关键词 油烟 <5 10" in listed
    assert "440399001 类别 环境卫生 <5 10" in listed
    assert NAME not in str(metadata) and PHONE not in str(metadata)


def test_a_rise_in_an_older_week_is_no_warning(hub: Hub) -> None:
    _lake_with_cases(hub, [1] * 10 + [0] * 10)  # rising last week, not this week (< 2 × 10)
    found = _evaluations(hub)
    assert found[f"alert_{PRODUCT}"].passed
    with hub.lake() as con:
        risen = con.execute(
            f"SELECT week_end, cases FROM lake.products.{PRODUCT} WHERE rising AND topic = '油烟'"
        ).fetchall()
    assert risen == [(dt.date.today() - dt.timedelta(days=7), 10)]


def test_no_rise_no_warning(hub: Hub) -> None:
    _lake_with_cases(hub, [1] * 6 + [0] * 6)
    found = _evaluations(hub)
    assert found[f"alert_{PRODUCT}"].passed
    assert found[f"check_{PRODUCT}"].passed
