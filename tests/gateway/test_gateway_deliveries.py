"""A query answer holding person-level data leaves the gateway marked and registered."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from audit.deliveries import register_beside
from audit.log import AuditLog
from audit.watermark import strip_marks
from catalog.registry import load_catalog
from gateway.service import QueryGateway
from home.layout import DEFAULT_CONFIG_DIR
from policies.loader import load_policies

DAY = dt.date(2026, 12, 1)  # inside g-donghu-elderly-alone-visits
TOKEN = "t1_" + "abcdefghijklmnopqrstuvwxyz"
OTHER = "t1_" + "bcdefghijklmnopqrstuvwxyz2"


@pytest.fixture
def gateway(tmp_path: Path) -> QueryGateway:
    rooms = tmp_path / "rooms"
    rooms.mkdir()
    room = duckdb.connect(str(rooms / "street_donghu.duckdb"))
    room.execute(
        "CREATE TABLE street_case_stats AS SELECT '440399001' AS street_code, "
        "'噪音扰民' AS category, 7 AS cases"
    )
    room.execute(
        "CREATE TABLE proactive_elderly_alone AS SELECT * FROM (VALUES "
        f"('440399001', '440399001001', '东湖社区', '{TOKEN}', '测甲乙', '138****0001', 81, true),"
        f"('440399001', '440399001002', '柳岸社区', '{OTHER}', '测丙丁', '139****0002', 77, false)"
        ") AS t(street_code, community_code, community_name, person_token, name, phone, age, "
        "on_living_alone_roll)"
    )
    room.close()
    return QueryGateway(
        load_catalog(DEFAULT_CONFIG_DIR),
        load_policies(DEFAULT_CONFIG_DIR),
        rooms,
        AuditLog(tmp_path / "audit.log"),
    )


def _last_event(gw: QueryGateway) -> dict:
    return json.loads(gw.audit.path.read_text().splitlines()[-1])


def test_a_person_level_list_is_marked_registered_and_named_in_its_event(
    gateway: QueryGateway,
) -> None:
    answer = gateway.query(
        "street_donghu",
        "SELECT * FROM proactive_elderly_alone",
        day=DAY,
        purpose="proactive_elderly_visits",
        by="person u-0007",
        delivery_kind="download",
        delivery_format="csv",
    )
    event = _last_event(gateway)
    assert answer.delivery is not None and event["details"]["delivery"] == answer.delivery
    rows = answer.result.table.to_pylist()
    assert [r["person_token"] for r in rows] == [TOKEN, OTHER]  # tokens untouched
    assert rows[0]["name"] != "测甲乙" and strip_marks(rows[0]["name"]) == "测甲乙"
    assert rows[0]["age"] == 81 and rows[0]["community_name"] == "东湖社区"
    (delivery,) = register_beside(gateway.audit.path).of_token(TOKEN)
    assert delivery.id == answer.delivery
    assert (delivery.kind, delivery.format, delivery.by) == ("download", "csv", "person u-0007")
    assert delivery.grants == ["g-donghu-elderly-alone-visits"]
    assert delivery.statement == event["details"]["statement"]
    assert set(delivery.marked_columns) == {"name", "phone"}


def test_a_query_kind_is_a_list_when_it_reads_a_person_level_product(
    gateway: QueryGateway,
) -> None:
    answer = gateway.query(
        "street_donghu",
        "SELECT person_token, age FROM proactive_elderly_alone",
        day=DAY,
        purpose="proactive_elderly_visits",
    )
    (delivery,) = register_beside(gateway.audit.path).of_token(OTHER)
    assert delivery.id == answer.delivery and delivery.kind == "list"
    assert delivery.mark is None  # nothing but tokens and numbers to carry one


def test_an_aggregate_answer_is_no_delivery(gateway: QueryGateway) -> None:
    answer = gateway.query(
        "street_donghu", "SELECT * FROM street_case_stats", day=DAY, purpose="street_governance"
    )
    assert answer.delivery is None
    assert "delivery" not in _last_event(gateway)["details"]
    assert list(register_beside(gateway.audit.path).deliveries()) == []
    assert answer.result.table.to_pylist()[0]["category"] == "噪音扰民"


def test_an_aggregate_of_a_list_without_its_person_columns_is_no_delivery(
    gateway: QueryGateway,
) -> None:
    answer = gateway.query(
        "street_donghu",
        "SELECT community_name, count(*) AS n FROM proactive_elderly_alone GROUP BY 1",
        day=DAY,
        purpose="proactive_elderly_visits",
    )
    assert answer.delivery is None


def test_a_person_level_answer_naming_a_column_twice_keeps_both_columns(
    gateway: QueryGateway,
) -> None:
    """Regression: rows as dicts merged the two ``name`` columns and the mark step raised."""
    answer = gateway.query(
        "street_donghu",
        "SELECT name, age, name FROM proactive_elderly_alone",
        day=DAY,
        purpose="proactive_elderly_visits",
    )
    table = answer.result.table
    assert table.column_names == ["name", "age", "name"]
    assert answer.delivery is not None
    first, second = table.column(0).to_pylist(), table.column(2).to_pylist()
    assert [strip_marks(v) for v in first] == [strip_marks(v) for v in second]
    assert first[0] != strip_marks(first[0])  # both carry the mark
    assert second[0] != strip_marks(second[0])
