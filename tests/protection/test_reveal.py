"""Re-identification on a small real lake: allowed/denied pairs, and the audit of each attempt."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from reveal_fixtures import (
    DONGHU,
    LI,
    PEOPLE,
    WANG,
    XILING,
    ZHANG,
    ZHAO,
    RevealLake,
    reveal_lake,
)

from audit.deliveries import register_beside
from audit.verify import verify
from audit.watermark import strip_marks
from policies.models import PolicySet
from protection.reveal import RevealFailed, RevealRefused


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RevealLake]:
    with reveal_lake(tmp_path / "home", monkeypatch) as opened:
        yield opened


def _with(policies: PolicySet, **rules: list[dict[str, object]]) -> PolicySet:
    data = policies.model_dump()
    for key, items in rules.items():
        data[key] = [*data[key], *items]
    return PolicySet.model_validate(data)


def _unmarked(rows: list[dict[str, str | None]]) -> list[dict[str, str | None]]:
    """The revealed values without the delivery's invisible mark (audit.watermark)."""
    return [{k: None if v is None else strip_marks(v) for k, v in row.items()} for row in rows]


def _refused(lake: RevealLake, *args: str, **kwargs: object) -> str:
    with pytest.raises(RevealRefused) as refusal:
        lake.reveal(*args, **kwargs)  # type: ignore[arg-type]
    return str(refusal.value)


def test_department_reveals_the_granted_columns_district_wide(lake: RevealLake) -> None:
    result = lake.reveal(
        "dept_civil_affairs", "assistance", lake.token("resident_id", WANG.id_number)
    )
    assert result.grant == "r-civil-affairs-assistance-check"
    assert result.columns == ["street_code", "community_code", "matched_on", "name", "phone"]
    assert _unmarked(result.rows) == [
        {
            "street_code": XILING,
            "community_code": WANG.community,
            "matched_on": "id_number",
            "name": WANG.name,
            "phone": WANG.phone,
        }
    ]
    assert result.count == 1
    [event] = lake.events()
    assert event["actor"] == "dept_civil_affairs" and event["outcome"] == "revealed"
    assert event["allowed"] is True and event["grant"] == "r-civil-affairs-assistance-check"
    assert event["columns"] == ["name", "phone"] and event["rows"] == 1
    assert event["rows_of"] == "district"


def test_street_office_has_no_reveal_grant_for_assistance(lake: RevealLake) -> None:
    message = _refused(
        lake, "street_xiling", "assistance", lake.token("resident_id", WANG.id_number)
    )
    assert "no reveal grant covers" in message
    [event] = lake.events()
    assert event["actor"] == "street_xiling" and event["outcome"] == "refused"
    assert event["allowed"] is False and event["columns"] == [] and event["rows"] == 0
    assert event["reasons"] == [message]


def test_street_office_gets_only_its_own_streets_rows_of_a_shared_phone(lake: RevealLake) -> None:
    shared = lake.token("phone", LI.phone)  # Li (东湖) and Wang (西岭) share it
    donghu = lake.reveal("street_donghu", "population", shared)
    assert [(r["street_code"], r["name"]) for r in _unmarked(donghu.rows)] == [(DONGHU, LI.name)]
    xiling = lake.reveal("street_xiling", "population", shared)
    assert [(r["street_code"], r["name"]) for r in _unmarked(xiling.rows)] == [(XILING, WANG.name)]
    district = lake.reveal("dept_civil_affairs", "population", shared)
    assert [r["name"] for r in _unmarked(district.rows)] == [LI.name, WANG.name]
    assert {r["matched_on"] for r in district.rows} == {"phone"}
    assert [e["rows_of"] for e in lake.events()] == [
        f"street {DONGHU}",
        f"street {XILING}",
        "district",
    ]


def test_another_streets_resident_is_zero_rows_and_audited(lake: RevealLake) -> None:
    token = lake.token("resident_id", ZHANG.id_number)  # lives in 东湖
    assert lake.reveal("street_donghu", "population", token).count == 1
    other = lake.reveal("street_xiling", "population", token)
    assert other.count == 0 and other.rows == []
    events = lake.events()
    assert [(e["allowed"], e["outcome"], e["rows"]) for e in events] == [
        (True, "revealed", 1),
        (True, "revealed", 0),
    ]


def test_community_office_sees_its_own_community_only(lake: RevealLake) -> None:
    # community_cuizhu is 翠竹社区 (440399001002) inside 东湖 street.
    assert lake.reveal("community_cuizhu", "population", lake.token("phone", LI.phone)).count == 1
    zhang = lake.token("resident_id", ZHANG.id_number)  # 东湖社区, same street
    assert lake.reveal("community_cuizhu", "population", zhang).count == 0
    assert lake.events()[-1]["rows_of"] == f"community {LI.community}"


def test_ungranted_columns_are_not_opened(lake: RevealLake) -> None:
    token = lake.token("resident_id", ZHANG.id_number)
    street = lake.reveal("street_donghu", "population", token)  # name, phone only
    assert street.revealed == ["name", "phone"]
    assert ZHANG.address not in repr(street.rows) and ZHANG.id_number not in repr(street.rows)
    department = lake.reveal("dept_civil_affairs", "population", token)  # name, phone, address
    assert department.revealed == ["name", "phone", "address"]
    assert _unmarked(department.rows)[0]["address"] == ZHANG.address
    # Not even the unprotected columns of the dataset come along.
    assert "birth_date" not in department.columns and "reg_type" not in department.columns


def test_expired_grant_is_refused_and_named(lake: RevealLake) -> None:
    token = lake.token("resident_id", ZHANG.id_number)
    message = _refused(lake, "street_donghu", "population", token, day=dt.date(2028, 1, 1))
    assert "reveal grants not valid on 2028-01-01: r-street-home-visits" in message
    assert lake.reveal("street_donghu", "population", token, day=dt.date(2027, 12, 31)).count == 1


def test_deny_rule_beats_a_reveal_grant(lake: RevealLake) -> None:
    policies = _with(
        lake.policies,
        denies=[
            {
                "id": "d-donghu-audit-hold",
                "to": {"principal": "street_donghu"},
                "datasets": ["population"],
                "reason": "re-identification suspended during an inquiry",
            }
        ],
    )
    token = lake.token("resident_id", ZHANG.id_number)
    message = _refused(lake, "street_donghu", "population", token, policies=policies)
    assert (
        message
        == "denied by rule d-donghu-audit-hold: re-identification suspended during an inquiry"
    )
    assert lake.reveal("street_nanqiao", "population", token, policies=policies).count == 0
    # The demo's reviewer deny rule covers re-identification too.
    assert "denied by rule d-reviewers-see-no-data" in _refused(
        lake, "reviewer_security", "population", token
    )


def test_purpose_is_required(lake: RevealLake) -> None:
    token = lake.token("phone", ZHAO.phone)
    for purpose in ("", "   "):
        message = _refused(lake, "street_nanqiao", "population", token, purpose)
        assert message.startswith("a purpose is required: grant r-street-home-visits accepts")
    assert lake.reveal("street_nanqiao", "population", token, "入户走访").count == 1
    events = lake.events()
    assert [e["allowed"] for e in events] == [False, False, True]
    # The Chinese name is audited as the purpose's code.
    assert events[0]["purpose"] == "" and events[-1]["purpose"] == "home_visit"


@pytest.mark.parametrize(
    "purpose", ["随便看看", "看看", "assistance_check", "救助对象核查", "street_governance"]
)
def test_a_purpose_the_reveal_grant_does_not_accept_is_refused(
    lake: RevealLake, purpose: str
) -> None:
    # Another reveal grant's purpose, a query grant's, or a made-up one: all refused.
    token = lake.token("phone", ZHAO.phone)
    message = _refused(lake, "street_nanqiao", "population", token, purpose)
    assert "is not one its grants accept" in message
    assert "r-street-home-visits accepts home_visit (入户走访)" in message
    assert lake.reveal("street_nanqiao", "population", token, "home_visit").count == 1
    assert [e["outcome"] for e in lake.events()] == ["refused", "revealed"]


def test_purpose_holding_an_identifier_is_refused_and_kept_out_of_the_log(
    lake: RevealLake,
) -> None:
    token = lake.token("phone", ZHAO.phone)
    message = _refused(lake, "street_nanqiao", "population", token, f"核实 {ZHAO.phone} 的户主")
    assert "must not contain" in message
    [event] = lake.events()
    assert event["purpose"] == "核实 [CN_MOBILE] 的户主"
    assert ZHAO.phone not in lake.audit.path.read_text(encoding="utf-8")


def test_a_name_in_the_purpose_is_audited_as_a_tag(lake: RevealLake) -> None:
    token = lake.token("phone", ZHAO.phone)
    _refused(lake, "street_nanqiao", "population", token, "入户核实王秀英的住址")
    [event] = lake.events()
    assert event["purpose"] == "入户核实[PERSON]的住址"
    assert "王秀英" not in lake.audit.path.read_text(encoding="utf-8")


def test_malformed_token_is_refused_and_not_echoed(lake: RevealLake) -> None:
    for typed in (ZHAO.id_number, "t1_short", "T1_" + "a" * 26, "t1_" + "a" * 25 + "1"):
        assert _refused(lake, "street_nanqiao", "population", typed).startswith("malformed token")
    assert lake.reveal("street_nanqiao", "population", lake.token("phone", ZHAO.phone)).count == 1
    assert [e["token"] for e in lake.events()][:4] == ["<malformed>"] * 4
    assert ZHAO.id_number not in lake.audit.path.read_text(encoding="utf-8")


def test_token_of_another_key_version_is_refused(lake: RevealLake) -> None:
    current = lake.token("resident_id", ZHANG.id_number)
    assert current.startswith("t1_")
    stale = "t2_" + current.removeprefix("t1_")
    message = _refused(lake, "street_donghu", "population", stale)
    assert "token-key version 2" in message and "resident_id v1" in message
    assert "translated to the current version" in message
    assert lake.reveal("street_donghu", "population", current).count == 1
    assert lake.events()[0]["allowed"] is False and lake.events()[0]["token"] == stale


def test_unknown_dataset_and_principal_are_refused(lake: RevealLake) -> None:
    token = lake.token("phone", ZHAO.phone)
    assert _refused(lake, "street_nanqiao", "nope", token) == "unknown dataset 'nope'"
    assert _refused(lake, "nobody", "population", token) == "unknown principal 'nobody'"
    assert _refused(lake, ZHAO.phone, "population", token).startswith("unknown principal")
    assert _refused(lake, "street_nanqiao", ZHAO.id_number, token).startswith("unknown dataset")
    assert lake.reveal("street_nanqiao", "population", token).count == 1
    actors = [e["actor"] for e in lake.events()]
    assert actors == ["street_nanqiao", "nobody", "unknown", "street_nanqiao", "street_nanqiao"]


def test_dataset_not_protected_yet_fails_and_is_audited(lake: RevealLake) -> None:
    policies = _with(
        lake.policies,
        reveals=[
            {
                "id": "r-market-reps",
                "to": {"principal": "dept_market_regulation"},
                "datasets": ["enterprises"],
                "columns": ["*"],
                "rows": "district",
                "purpose": "法定代表人核查",
                "valid_from": "2026-01-01",
                "valid_until": "2026-12-31",
                "reason": "test",
            }
        ],
    )
    token = lake.token("phone", ZHAO.phone)
    with pytest.raises(RevealFailed, match="no protected table yet"):
        lake.reveal("dept_market_regulation", "enterprises", token, policies=policies)
    [event] = lake.events()
    assert event["outcome"] == "failed" and event["allowed"] is True and event["rows"] == 0


def test_every_attempt_is_chained_and_the_log_holds_no_plaintext(lake: RevealLake) -> None:
    for person in PEOPLE:
        for principal in ("dept_civil_affairs", "street_donghu", "reviewer_security"):
            with contextlib.suppress(RevealRefused):
                lake.reveal(principal, "population", lake.token("resident_id", person.id_number))
    assert len(lake.events()) == 3 * len(PEOPLE)
    assert verify(lake.audit.path).ok
    log = lake.audit.path.read_text(encoding="utf-8")
    for person in PEOPLE:
        for field in dataclasses.fields(person):
            if field.name in ("name", "id_number", "phone", "address"):
                assert getattr(person, field.name) not in log


def test_an_answered_reveal_is_a_marked_registered_delivery(lake: RevealLake) -> None:
    token = lake.token("resident_id", WANG.id_number)
    result = lake.reveal("dept_civil_affairs", "assistance", token)
    (delivery,) = register_beside(lake.audit.path).of_token(token)
    assert (delivery.kind, delivery.principal) == ("reveal", "dept_civil_affairs")
    assert delivery.grants == ["r-civil-affairs-assistance-check"]
    assert lake.events()[-1]["delivery"] == delivery.id
    name = str(result.rows[0]["name"])
    assert name != WANG.name and strip_marks(name) == WANG.name
    assert WANG.name not in register_beside(lake.audit.path).path.read_text(encoding="utf-8")


def test_a_refused_reveal_is_no_delivery(lake: RevealLake) -> None:
    token = lake.token("resident_id", WANG.id_number)
    _refused(lake, "street_donghu", "assistance", token)
    assert register_beside(lake.audit.path).of_token(token) == []
    assert "delivery" not in lake.events()[-1]
