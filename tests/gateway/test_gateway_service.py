"""The gateway decides again at query time and audits every outcome."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from audit.log import AuditLog
from catalog.registry import load_catalog
from gateway.service import AccessRefused, QueryGateway, statement_shape
from gateway.statement import StatementRefused
from home.layout import DEFAULT_CONFIG_DIR
from policies.loader import load_policies

IN_FORCE = dt.date(2026, 6, 1)
EXPIRED = dt.date(2028, 1, 1)  # config/grants.yaml grants end 2027-12-31


@pytest.fixture
def gateway(tmp_path: Path) -> QueryGateway:
    rooms = tmp_path / "rooms"
    rooms.mkdir()
    room = duckdb.connect(str(rooms / "street_donghu.duckdb"))
    room.execute(
        "CREATE TABLE street_case_stats AS SELECT '440399001' AS street_code, "
        "'噪音扰民' AS category, 7 AS cases"
    )
    room.close()
    return QueryGateway(
        load_catalog(DEFAULT_CONFIG_DIR),
        load_policies(DEFAULT_CONFIG_DIR),
        rooms,
        AuditLog(tmp_path / "audit.log"),
    )


def _events(gw: QueryGateway) -> list[dict]:
    return [json.loads(line) for line in gw.audit.path.read_text().splitlines()]


def test_answered_query_is_audited_with_grant_and_rows(gateway: QueryGateway) -> None:
    answer = gateway.query(
        "street_donghu",
        "select * from street_case_stats where cases > 3",
        purpose="street_governance",
        day=IN_FORCE,
    )
    assert answer.result.table.num_rows == 1
    event = _events(gateway)[-1]
    assert event["details"]["outcome"] == "answered"
    assert event["details"]["grants"] == ["g-street-returned-products"]
    assert event["details"]["rows"] == 1
    assert event["details"]["statement"] == "SELECT * FROM street_case_stats WHERE cases > ?"


def test_expired_grant_is_refused_even_though_the_room_still_has_the_data(
    gateway: QueryGateway,
) -> None:
    with pytest.raises(AccessRefused, match="not valid"):
        gateway.query(
            "street_donghu",
            "select * from street_case_stats",
            purpose="street_governance",
            day=EXPIRED,
        )
    details = _events(gateway)[-1]["details"]
    # The refusal names the product it is about, so a reviewer's search by product finds it.
    assert details["outcome"] == "refused" and details["products"] == ["street_case_stats"]


def test_table_outside_the_catalogue_is_refused(gateway: QueryGateway) -> None:
    with pytest.raises(AccessRefused, match="'staged_population' is not a table in street_donghu"):
        gateway.query(
            "street_donghu",
            "select * from staged_population",
            purpose="street_governance",
            day=IN_FORCE,
        )


def test_denied_principal_refused_and_audited(gateway: QueryGateway) -> None:
    with pytest.raises(AccessRefused, match="d-reviewers-see-no-data"):
        gateway.query(
            "reviewer_security",
            "select * from street_case_stats",
            purpose="street_governance",
            day=IN_FORCE,
        )
    event = _events(gateway)[-1]
    assert event["actor"] == "reviewer_security" and event["details"]["outcome"] == "refused"


def test_write_statement_refused_and_audited(gateway: QueryGateway) -> None:
    with pytest.raises(StatementRefused):
        gateway.query(
            "street_donghu",
            "delete from street_case_stats",
            purpose="street_governance",
            day=IN_FORCE,
        )
    assert _events(gateway)[-1]["details"]["outcome"] == "refused"


def test_principal_without_room_is_told_to_run_the_pipeline(gateway: QueryGateway) -> None:
    with pytest.raises(AccessRefused, match="no data room"):
        gateway.query(
            "street_xiling",
            "select * from street_case_stats",
            purpose="street_governance",
            day=IN_FORCE,
        )


def test_statement_shape_drops_every_literal() -> None:
    shaped = statement_shape(
        "select * from t where id = '440305199003071236' and phone like '138%' and n > 5"
    )
    assert "4403" not in shaped and "138" not in shaped and "5" not in shaped
    assert shaped.count("?") == 3


def test_statement_shape_names_made_up_names_without_digits() -> None:
    """Aliases and CTE names become name_a, name_b…: a digit in the shape made the audit
    guard run the personal-data recognizers (Presidio) on every aliased query."""
    shaped = statement_shape(
        "with mine as (select cases as 张伟 from street_case_stats) select 张伟 from mine",
        ["street_case_stats", "cases"],
    )
    assert shaped == (
        "WITH name_a AS (SELECT cases AS name_b FROM street_case_stats) SELECT name_b FROM name_a"
    )
    assert not any(ch.isdigit() for ch in shaped)


# --- purposes: a read is answered only for a purpose its grant accepts ---------------

READ = "select * from street_case_stats"


@pytest.mark.parametrize("purpose", ["street_governance", "街道日常治理与服务"])
def test_a_purpose_the_grant_accepts_is_answered_and_audited_as_its_code(
    gateway: QueryGateway, purpose: str
) -> None:
    answer = gateway.query("street_donghu", READ, purpose=purpose, day=IN_FORCE)
    assert answer.result.table.num_rows > 0
    details = _events(gateway)[-1]["details"]
    assert (details["outcome"], details["purpose"]) == ("answered", "street_governance")


@pytest.mark.parametrize(
    ("purpose", "said"),
    [
        (None, "a purpose is required"),
        ("", "a purpose is required"),
        ("随便看看", "the stated purpose is not one its grants accept"),
        ("department_statistics", "purpose 'department_statistics' is not one"),  # another grant's
        ("home_visit", "purpose 'home_visit' is not one"),  # a reveal grant's
    ],
)
def test_no_purpose_or_one_the_grant_does_not_accept_is_refused(
    gateway: QueryGateway, purpose: str | None, said: str
) -> None:
    with pytest.raises(AccessRefused) as refused:
        gateway.query("street_donghu", READ, purpose=purpose, day=IN_FORCE)
    message = str(refused.value)
    assert said in message
    assert (
        "grant g-street-returned-products accepts street_governance (街道日常治理与服务)" in message
    )
    details = _events(gateway)[-1]["details"]
    assert details["outcome"] == "refused" and "accepts street_governance" in details["reason"]
    assert details["products"] == ["street_case_stats"]


def test_a_statement_reading_no_product_needs_no_purpose(gateway: QueryGateway) -> None:
    assert (
        gateway.query("street_donghu", "select 1 as one", day=IN_FORCE).result.table.num_rows == 1
    )


# --- SHOW TABLES and DESCRIBE: the engine decides each table, as for a query ------------


def test_show_tables_lists_the_products_the_engine_allows_now(gateway: QueryGateway) -> None:
    shown = gateway.query("street_donghu", "show tables", day=IN_FORCE)
    assert shown.result.table.to_pylist() == [{"name": "street_case_stats"}]
    details = _events(gateway)[-1]["details"]
    assert details["outcome"] == "answered" and details["statement"].upper() == "SHOW TABLES"


def test_show_tables_leaves_out_a_product_whose_grant_lapsed(gateway: QueryGateway) -> None:
    shown = gateway.query("street_donghu", "show tables", day=EXPIRED)
    assert shown.result.table.num_rows == 0


def test_describe_gives_the_columns_of_an_allowed_table(gateway: QueryGateway) -> None:
    described = gateway.query("street_donghu", "describe street_case_stats", day=IN_FORCE)
    rows = described.result.table.to_pylist()
    assert [r["column_name"] for r in rows] == ["street_code", "category", "cases"]
    assert described.products == ["street_case_stats"] and described.grants
    assert _events(gateway)[-1]["details"]["products"] == ["street_case_stats"]


def test_describe_of_a_table_whose_grant_lapsed_is_refused(gateway: QueryGateway) -> None:
    with pytest.raises(AccessRefused, match="not valid"):
        gateway.query("street_donghu", "describe street_case_stats", day=EXPIRED)
    assert _events(gateway)[-1]["details"]["outcome"] == "refused"


def test_describe_of_a_table_outside_the_room_is_refused(gateway: QueryGateway) -> None:
    with pytest.raises(AccessRefused, match="not a product in street_donghu"):
        gateway.query("street_donghu", "describe staged_population", day=IN_FORCE)
