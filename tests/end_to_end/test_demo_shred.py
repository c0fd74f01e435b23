"""Shredding cuts every path back to the person (on a copy of the shared demo home).

Before ``shuzhi keys shred --dataset assistance`` each route leads from an assistance
row (最低生活保障, 独居老人 …) to a resident; after it, none does: a join with the
population on the token in the lake and in a room, the product rebuilt after the shred,
a reveal, time travel to an older snapshot, the raw copy's quasi-identifiers.
"""

from __future__ import annotations

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

JOIN = (
    "SELECT count(*) FROM lake.{layer}.assistance a "
    "JOIN lake.protected.population p ON p.id_number_token = a.id_number_token"
)
ELDERLY_ROOM = "street_donghu"  # granted proactive_elderly_alone for its own street


@pytest.fixture(scope="module")
def home(demo: DemoRun, tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    copied = copy_home(demo.home, tmp_path_factory.mktemp("shred") / "home")
    return DemoRun(copied, "", 0)


def _hub(run: DemoRun) -> Hub:
    return Hub(Home(run.home))


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def _on_roll_in_room(run: DemoRun) -> int:
    answer = run.query_json(
        ELDERLY_ROOM,
        "SELECT count(*) AS n FROM proactive_elderly_alone WHERE on_living_alone_roll",
    )
    return int(answer["rows"][0]["n"])


def _reveal(run: DemoRun, token: str) -> tuple[int, str]:
    done = run.shuzhi(
        "reveal", "--as", "dept_civil_affairs", "--purpose", "救助对象核查", "--json",
        "assistance", token,
    )  # fmt: skip
    if done.returncode != 0:
        return -1, done.stderr
    return len(json.loads(done.stdout)["rows"]), ""


@pytest.fixture(scope="module")
def before(home: DemoRun) -> dict[str, object]:
    """Every route, walked before the shred: each must lead somewhere for the test to mean
    anything (the room excepted, see below)."""
    with _hub(home).lake() as con:
        found: dict[str, object] = {
            "token": con.execute(
                "SELECT a.id_number_token FROM lake.protected.assistance a JOIN "
                "lake.protected.population p USING (id_number_token) LIMIT 1"
            ).fetchone()[0],  # type: ignore[index]
            "lake_join": _count(con, JOIN.format(layer="protected")),
            "staged_join": _count(con, JOIN.format(layer="staged")),
            "product": _count(
                con,
                "SELECT count(*) FROM lake.products.proactive_elderly_alone "
                "WHERE on_living_alone_roll",
            ),
            "snapshot": current_snapshot(con),
        }
    found["reveal"] = _reveal(home, str(found["token"]))[0]
    # The room of the one office granted the list (street_donghu) may have no one on the
    # roll in its street; the lake's product is the positive control for it.
    for route in ("lake_join", "staged_join", "product", "reveal"):
        assert found[route], f"{route} led nowhere before the shred"
    return found


@pytest.fixture(scope="module")
def shredded(home: DemoRun, before: dict[str, object]) -> DemoRun:
    done = home.shuzhi(
        "keys", "shred", "--dataset", "assistance", "--reason", "救助终止，保留期满", "--yes"
    )
    assert done.returncode == 0, done.stderr
    assert "rows unlinked" in done.stdout and "key versions" in done.stdout
    return home


def test_the_token_no_longer_joins_the_population_in_any_layer(shredded: DemoRun) -> None:
    with _hub(shredded).lake() as con:
        assert _count(con, JOIN.format(layer="protected")) == 0
        assert _count(con, JOIN.format(layer="staged")) == 0
        # The rows stay for counting, with their categories, but nothing that singles out.
        rows = con.execute(
            "SELECT count(*), count(category), count(birth_date), count(name_sealed) "
            "FROM lake.protected.assistance"
        ).fetchone()
        assert rows is not None and rows[0] == rows[1] > 0 and rows[2] == rows[3] == 0
        raw = con.execute(
            "SELECT count(*), count(birth_date), count(id_number) FROM lake.raw.assistance"
        ).fetchone()
        assert raw is not None and raw[0] > 0 and raw[1] == raw[2] == 0


def test_the_product_rebuilt_after_the_shred_and_the_room_link_no_one(
    shredded: DemoRun, before: dict[str, object]
) -> None:
    with _hub(shredded).lake() as con:
        assert (
            _count(
                con,
                "SELECT count(*) FROM lake.products.proactive_elderly_alone "
                "WHERE on_living_alone_roll",
            )
            == 0
        )
    assert _on_roll_in_room(shredded) == 0
    # Every room was rebuilt by the shred, after the product.
    events = list(AuditLog(shredded.home / "audit" / "audit.log").events())
    shred_at = max(i for i, e in enumerate(events) if e.kind == "key_shred")
    builds = [i for i, e in enumerate(events) if e.kind == "product_build"]
    rooms = {
        e.details["principal"] for e in events[max(builds) : shred_at] if e.kind == "room_build"
    }
    assert ELDERLY_ROOM in rooms and len(rooms) >= 10


def test_a_reveal_of_a_shredded_rows_token_is_refused(
    shredded: DemoRun, before: dict[str, object]
) -> None:
    rows, refusal = _reveal(shredded, str(before["token"]))
    assert rows == -1 and "crypto-shredded" in refusal
    reveals = list(AuditLog(shredded.home / "audit" / "audit.log").events("reveal"))
    assert reveals[-1].details["outcome"] == "refused"


def test_time_travel_to_a_snapshot_before_the_shred_finds_nothing(
    shredded: DemoRun, before: dict[str, object]
) -> None:
    with _hub(shredded).lake() as con:
        with pytest.raises(duckdb.Error, match="No snapshot found"):
            con.execute(
                f"SELECT id_number_token FROM lake.protected.assistance "
                f"AT (VERSION => {before['snapshot']})"
            ).fetchall()
        assert [
            r[0] for r in con.execute("SELECT snapshot_id FROM lake.snapshots()").fetchall()
        ] == [current_snapshot(con)]


def test_the_shred_is_audited_with_counts_only(shredded: DemoRun) -> None:
    event = list(AuditLog(shredded.home / "audit" / "audit.log").events("key_shred"))[-1]
    details = event.details
    assert details["dataset"] == "assistance"
    assert details["rows_unlinked"]["assistance.protected"] > 0
    assert "id_number_token" in details["columns_emptied"]["protected"]
    assert details["snapshots_expired"] > 0
    assert "proactive_elderly_alone" in details["products_rebuilt"]


def test_the_lifecycle_register_shows_the_shred_and_a_retirement(shredded: DemoRun) -> None:
    refused = shredded.shuzhi(
        "catalog", "retire", "assistance", "--as", "street_donghu", "--reason", "不再需要"
    )
    assert refused.returncode != 0 and "only a data steward" in refused.stderr
    done = shredded.shuzhi(
        "catalog", "retire", "assistance", "--as", "steward_district", "--reason", "救助政策调整"
    )
    assert done.returncode == 0, done.stderr
    shown = shredded.shuzhi("catalog", "lifecycle", "assistance", "--json")
    assert shown.returncode == 0, shown.stderr
    register = json.loads(shown.stdout)
    stages = {s["stage"]: s for s in register["stages"]}
    assert register["retired"] is True
    assert stages["collected"]["events"] > 0 and stages["shared"]["events"] > 0
    assert stages["used"]["events"] > 0  # the reveals above
    assert "steward_district" in stages["retired"]["actors"]
    assert stages["supervised"]["events"] >= 1  # the refused retirement is supervision
