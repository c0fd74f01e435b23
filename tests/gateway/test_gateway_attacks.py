"""Every attempt leaves exactly one audit event, and every limit binds (issue 13).

Each test here is an attack that once got through: a statement that made the
audit shaping raise before anything was logged, free text that made the audit
write raise after the query ran, a scalar function the timer could not stop,
one value far over the room's memory, and an IN list whose shaping took
minutes before the timer started.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gateway_district import IN_FORCE, District, build_district

from gateway.room_connection import QueryFailed, QueryStopped, QueryTimeout
from gateway.room_worker import RoomLimits
from gateway.service import AccessRefused, QueryGateway
from gateway.statement import StatementRefused

PRINCIPAL = "street_nanqiao"
PHONE = "138-0013-8000"
ID_SPACED = "110101 19900307 1233"  # a valid number, written with spaces


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    return build_district(tmp_path_factory.mktemp("district"), principals=(PRINCIPAL,))


@pytest.fixture
def gateway(district: District, tmp_path: Path) -> QueryGateway:
    return district.gateway(tmp_path / "audit.log")


def _query_events(gateway: QueryGateway) -> list[dict]:
    lines = gateway.audit.path.read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if json.loads(line)["kind"] == "query"]


def _log_text(gateway: QueryGateway) -> str:
    """What the events say, without their hashes and times: a random hash holds "0013"
    now and then, which is no leak (the test failed on one)."""
    lines = gateway.audit.path.read_text("utf-8").splitlines()
    events = [json.loads(line) for line in lines if line.strip()]
    return "\n".join(
        json.dumps({k: v for k, v in e.items() if k not in ("hash", "prev_hash", "at")},
                   ensure_ascii=False)
        for e in events
    )  # fmt: skip


# --- one event for every attempt --------------------------------------------------------


def test_deeply_nested_statement_is_refused_and_audited(gateway: QueryGateway) -> None:
    sql = "SELECT " + "(" * 3000 + "1" + ")" * 3000
    with pytest.raises(StatementRefused):
        gateway.query(PRINCIPAL, sql, purpose="street_governance", day=IN_FORCE)
    (event,) = _query_events(gateway)
    assert event["details"]["outcome"] == "refused"
    assert len(event["details"]["statement"]) < 20_000


@pytest.mark.parametrize(
    "purpose", [f"回访 {PHONE}", f"核查身份证 {ID_SPACED}", "核查 +86 139 1234 5678 的诉求"]
)
def test_personal_data_in_the_purpose_is_cleaned_and_the_refusal_audited(
    gateway: QueryGateway, purpose: str
) -> None:
    # No grant accepts such a purpose: refused, and what was typed is audited cleaned.
    with pytest.raises(AccessRefused, match="not one its grants accept"):
        gateway.query(
            PRINCIPAL, "SELECT count(*) AS n FROM street_case_stats", purpose=purpose, day=IN_FORCE
        )
    (event,) = _query_events(gateway)
    assert event["details"]["outcome"] == "refused"
    assert event["details"]["purpose"].startswith(purpose[:2])
    text = _log_text(gateway)
    for secret in ("0013", "8000", "19900307", "1234 5678"):
        assert secret not in text


def test_phone_in_a_column_alias_does_not_reach_the_log(gateway: QueryGateway) -> None:
    answer = gateway.query(
        PRINCIPAL,
        'SELECT count(*) AS "13800138000", 1 AS "张伟的电话" FROM street_case_stats '
        "/* 回访 王小明 13900139000 */",
        purpose="street_governance",
        day=IN_FORCE,
    )
    assert answer.result.table.column_names == ["13800138000", "张伟的电话"]
    (event,) = _query_events(gateway)
    assert event["details"]["outcome"] == "answered"
    text = _log_text(gateway)
    for secret in ("13800138000", "张伟", "王小明", "13900139000"):
        assert secret not in text
    assert "street_case_stats" in event["details"]["statement"]


@pytest.mark.parametrize("principal", [PHONE, "13800138000", ID_SPACED])
def test_unknown_principal_holding_personal_data_is_refused_and_audited_cleanly(
    gateway: QueryGateway, principal: str
) -> None:
    with pytest.raises(AccessRefused, match="unknown principal"):
        gateway.query(principal, "SELECT 1", purpose="street_governance", day=IN_FORCE)
    (event,) = _query_events(gateway)
    assert event["details"]["outcome"] == "refused"
    assert event["actor"] == "unknown-principal"
    digits = "".join(ch for ch in principal if ch.isdigit())
    assert digits[-4:] not in _log_text(gateway)


def test_known_principal_is_recorded_by_name(gateway: QueryGateway) -> None:
    gateway.query(PRINCIPAL, "SELECT 1 AS one", purpose="street_governance", day=IN_FORCE)
    (event,) = _query_events(gateway)
    assert (event["actor"], event["details"]["principal"]) == (PRINCIPAL, PRINCIPAL)


# --- limits that bind ------------------------------------------------------------------


def test_long_in_list_is_refused_before_any_parsing_and_audited(gateway: QueryGateway) -> None:
    values = ", ".join(f"'{i:09d}'" for i in range(40_000))
    with pytest.raises(StatementRefused, match="longer than"):
        gateway.query(
            PRINCIPAL,
            f"SELECT * FROM street_case_stats WHERE month IN ({values})",
            purpose="street_governance",
            day=IN_FORCE,
        )
    (event,) = _query_events(gateway)
    assert event["details"]["outcome"] == "refused"
    assert "40000 values" in event["details"]["statement"]


def test_statement_with_too_many_words_is_refused(gateway: QueryGateway) -> None:
    values = ",".join("1" for _ in range(12_000))  # short enough, but 24,000 tokens
    with pytest.raises(StatementRefused, match="more than 10,000 words"):
        gateway.query(
            PRINCIPAL, f"SELECT 1 WHERE 1 IN ({values})", purpose="street_governance", day=IN_FORCE
        )
    assert _query_events(gateway)[0]["details"]["outcome"] == "refused"


def test_scalar_function_past_the_deadline_is_stopped_and_audited(
    gateway: QueryGateway,
) -> None:
    # One call of an O(n²) function on two long strings: DuckDB never checks for
    # interruption inside it, so only killing the worker stops it.
    gateway.limits = RoomLimits(timeout_s=2)
    sql = "SELECT levenshtein(repeat('a', 200000), repeat('b', 200000)) AS d"
    with pytest.raises(QueryTimeout, match="longer than 2 s"):
        gateway.query(PRINCIPAL, sql, purpose="street_governance", day=IN_FORCE)
    (event,) = _query_events(gateway)
    assert (event["details"]["outcome"], event["details"]["limit"]) == ("stopped", "time")
    # The gateway answers the next query as usual.
    gateway.limits = None
    assert (
        gateway.query(
            PRINCIPAL, "SELECT 1 AS one", purpose="street_governance", day=IN_FORCE
        ).result.table.num_rows
        == 1
    )


def test_one_value_far_over_the_memory_limit_is_stopped(gateway: QueryGateway) -> None:
    with pytest.raises(QueryStopped, match="more memory") as stopped:
        gateway.query(
            PRINCIPAL,
            "SELECT length(repeat('x', 3000000000)) AS n",
            purpose="street_governance",
            day=IN_FORCE,
        )
    assert stopped.value.limit == "memory"
    (event,) = _query_events(gateway)
    assert (event["details"]["outcome"], event["details"]["limit"]) == ("stopped", "memory")


def test_answer_larger_than_the_cap_is_stopped(gateway: QueryGateway) -> None:
    gateway.limits = RoomLimits(max_result_bytes=8 * 1024**2)
    with pytest.raises(QueryStopped, match="larger than 8 MB") as stopped:
        gateway.query(
            PRINCIPAL,
            "SELECT repeat('x', 20000000) AS big",
            purpose="street_governance",
            day=IN_FORCE,
        )
    assert stopped.value.limit == "size"
    (event,) = _query_events(gateway)
    assert (event["details"]["outcome"], event["details"]["limit"]) == ("stopped", "size")


def test_answer_under_the_cap_is_returned_whole(gateway: QueryGateway) -> None:
    gateway.limits = RoomLimits(max_result_bytes=8 * 1024**2)
    answer = gateway.query(
        PRINCIPAL, "SELECT repeat('x', 1000000) AS big", purpose="street_governance", day=IN_FORCE
    )
    assert len(answer.result.table.column("big")[0].as_py()) == 1_000_000


def test_a_failed_query_is_one_event_naming_the_error_type_only(gateway: QueryGateway) -> None:
    with pytest.raises(QueryFailed):
        gateway.query(
            PRINCIPAL,
            "SELECT CAST('13800138000x' AS INTEGER) AS n",
            purpose="street_governance",
            day=IN_FORCE,
        )
    (event,) = _query_events(gateway)
    assert (event["details"]["outcome"], event["details"]["error"]) == ("failed", "QueryFailed")
    assert "13800138000" not in _log_text(gateway)


def test_the_worker_does_not_inherit_the_hubs_secrets(
    gateway: QueryGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gateway import room_worker

    monkeypatch.setenv("SHUZHI_MASTER_KEY", "not-for-workers")
    environment = room_worker._worker_environment()
    assert "SHUZHI_MASTER_KEY" not in environment and "PATH" in environment
