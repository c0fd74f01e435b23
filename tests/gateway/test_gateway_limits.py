"""The row limit and the memory limit hold on the whole gateway path, and are audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gateway_district import IN_FORCE, District, build_district

from gateway.room_connection import QueryStopped
from gateway.service import QueryGateway

PRINCIPAL = "street_nanqiao"


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    return build_district(tmp_path_factory.mktemp("district"), principals=(PRINCIPAL,))


@pytest.fixture
def gateway(district: District, tmp_path: Path) -> QueryGateway:
    return district.gateway(tmp_path / "audit.log")


def _last_details(gateway: QueryGateway) -> dict:
    return json.loads(gateway.audit.path.read_text("utf-8").splitlines()[-1])["details"]


def test_row_limit_truncates_and_the_audit_says_so(gateway: QueryGateway) -> None:
    gateway.row_limit = 5
    answer = gateway.query(
        PRINCIPAL,
        "SELECT uscc FROM street_enterprise_roster ORDER BY uscc",
        purpose="street_governance",
        day=IN_FORCE,
    )
    assert (answer.result.table.num_rows, answer.result.truncated) == (5, True)
    assert answer.result.table.column("uscc").to_pylist() == [
        f"91440300MA003{i:05d}X" for i in range(5)
    ]
    details = _last_details(gateway)
    assert (details["outcome"], details["rows"], details["truncated"]) == ("answered", 5, True)


def test_row_limit_met_exactly_is_not_truncated(gateway: QueryGateway) -> None:
    gateway.row_limit = 6
    answer = gateway.query(
        PRINCIPAL,
        "SELECT * FROM street_enterprise_roster",
        purpose="street_governance",
        day=IN_FORCE,
    )
    assert (answer.result.table.num_rows, answer.result.truncated) == (6, False)
    assert _last_details(gateway)["truncated"] is False


def test_row_limit_bounds_generated_rows_too(gateway: QueryGateway) -> None:
    gateway.row_limit = 1000
    answer = gateway.query(
        PRINCIPAL,
        "SELECT r.i, s.street_code FROM range(100000) r(i), street_case_stats s",
        purpose="street_governance",
        day=IN_FORCE,
    )
    assert (answer.result.table.num_rows, answer.result.truncated) == (1000, True)


def test_memory_hungry_query_fails_cleanly_and_is_audited(gateway: QueryGateway) -> None:
    # About 1 GB of text against the room's 512 MB limit.
    sql = (
        "SELECT length(string_agg(repeat(community_code, 100), '')) AS n "
        "FROM street_case_stats, range(1000000) r(i)"
    )
    with pytest.raises(QueryStopped, match="more memory than a query may use") as stopped:
        gateway.query(PRINCIPAL, sql, purpose="street_governance", day=IN_FORCE)
    assert "\n" not in str(stopped.value)
    details = _last_details(gateway)
    assert (details["outcome"], details["limit"]) == ("stopped", "memory")
    # The next query on the same room is answered as usual.
    answer = gateway.query(
        PRINCIPAL,
        "SELECT count(*) AS n FROM street_case_stats",
        purpose="street_governance",
        day=IN_FORCE,
    )
    assert answer.result.table.to_pylist() == [{"n": 8}]
