"""A narrower approval really narrows what the requester's room returns (demo district).

东湖's neighbour 西岭 asks for the district-wide list of elderly people living alone; the
steward approves its own street only and the community names masked. 西岭's queries
then see its own street only, and no community name in clear; approving wider rows than
asked is refused with the reason, and nothing changes.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from cli_home import Shuzhi, demo_config, shuzhi_in

pytestmark = pytest.mark.slow

PRODUCT = "proactive_elderly_alone"  # 有条件共享, person-level; not granted to 西岭
ASKER = "street_xiling"
XILING = "440399002"
STEWARD = "steward_district"
PURPOSE = "独居老人关爱走访"


@pytest.fixture(scope="module")
def home(demo: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Shuzhi]:
    """A copy of the session's demo district (approvals rebuild rooms)."""
    root = tmp_path_factory.mktemp("narrowed")
    copied = demo.copy(root / "home")
    return copied.home, shuzhi_in(copied.home, demo_config(root / "config"), timeout=900)


def test_a_narrower_grant_narrows_the_requesters_rows_and_columns(
    home: tuple[Path, Shuzhi],
) -> None:
    _, shuzhi = home
    until = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    asked = shuzhi(
        "access", "request", "--as", ASKER, PRODUCT, "--purpose", PURPOSE, "--until", until,
        "--rows", "district",
    )  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    request_id = asked.stdout.split(":")[0]

    approved = shuzhi(
        "access", "approve", request_id, "--as", STEWARD, "--reason", "本街道走访",
        "--rows", "own_street", "--treat", "community_name=masked",
    )  # fmt: skip
    assert approved.returncode == 0, approved.stderr
    assert "rows own_street" in approved.stdout

    sql = f"select street_code, community_name from {PRODUCT}"
    done = shuzhi("query", "--as", ASKER, "--purpose", PURPOSE, "--json", sql)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["rows"]
    assert rows, "the demo has elderly people living alone in 西岭"
    assert {r["street_code"] for r in rows} == {XILING}
    assert not any("社区" in (r["community_name"] or "") for r in rows)  # masked, not names

    explained = json.loads(shuzhi("access", "explain", "--as", ASKER, PRODUCT, "--json").stdout)
    assert explained["rows"] != "district"
    columns = {c["name"]: c["treatment"] for c in explained["columns"]}
    assert columns["community_name"] == "masked"


def test_approving_wider_rows_than_asked_is_refused(home: tuple[Path, Shuzhi]) -> None:
    _, shuzhi = home
    until = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    asked = shuzhi(
        "access", "request", "--as", ASKER, "proactive_turning_sixty", "--purpose", PURPOSE,
        "--until", until,
    )  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    request_id = asked.stdout.split(":")[0]
    wider = shuzhi(
        "access", "approve", request_id, "--as", STEWARD, "--reason", "全区", "--rows", "district"
    )
    assert wider.returncode == 2
    assert wider.stderr.startswith("refused:") and "wider than the own_jurisdiction" in wider.stderr
    bad = shuzhi("access", "approve", request_id, "--as", STEWARD, "--reason", "x", "--treat", "x")
    assert bad.returncode != 0 and "COLUMN=TREATMENT" in bad.stderr
    listed = json.loads(shuzhi("access", "list", "--json").stdout)
    assert [e["state"] for e in listed if e["id"] == request_id] == ["requested"]
