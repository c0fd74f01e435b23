"""Allowed/denied pairs for every kind of rule the engine knows."""

from __future__ import annotations

import datetime as dt

from policy_fixtures import DAY, policies, product

from policies.engine import decide


def test_street_office_sees_own_street_only() -> None:
    decision = decide("street_a", product(), policies(), day=DAY)
    assert decision.allowed
    assert decision.row_filter is not None
    assert (decision.row_filter.column, decision.row_filter.value) == ("street_code", "440399001")
    assert decision.grants == ["g-street"]


def test_other_street_office_gets_its_own_street() -> None:
    decision = decide("street_b", product(), policies(), day=DAY)
    assert decision.allowed and decision.row_filter is not None
    assert decision.row_filter.value == "440399002"


def test_community_principal_is_narrowed_to_its_community() -> None:
    decision = decide("community_a1", product(), policies(), day=DAY)
    assert decision.row_filter is not None
    assert (decision.row_filter.column, decision.row_filter.value) == (
        "community_code",
        "440399001002",
    )


def test_treatments_follow_levels() -> None:
    decision = decide("street_a", product(), policies(), day=DAY)
    treatments = {c.name: c.treatment for c in decision.columns}
    assert treatments == {
        "street_code": "clear",
        "community_code": "clear",
        "cases": "clear",
        "reporter_phone": "masked",
        "reporter_id": "withheld",
    }
    because = {c.name: c.because for c in decision.columns}
    assert because["reporter_phone"] == "grant g-street, level L3"


def test_unknown_principal_denied() -> None:
    decision = decide("nobody", product(), policies(), day=DAY)
    assert not decision.allowed
    assert "unknown principal" in decision.reasons[0]


def test_unknown_product_denied() -> None:
    decision = decide("street_a", None, policies(), day=DAY, product_name="nope")
    assert not decision.allowed and "unknown product" in decision.reasons[0]


def test_no_grant_means_denied_by_default() -> None:
    decision = decide("dept_x", product(), policies(), day=DAY)
    assert not decision.allowed
    assert "deny by default" in decision.reasons[0]


def test_deny_rule_beats_a_grant() -> None:
    extra = policies().model_dump()
    extra["grants"].append(
        {
            "id": "g-reviewer",
            "to": {"kind": "reviewer"},
            "products": ["street_case_stats"],
            "rows": "district",
            "treatments": {"L1": "clear"},
            "purpose": "p",
            "valid_from": "2026-01-01",
            "valid_until": "2026-12-31",
            "reason": "r",
        }
    )
    with_grant = type(policies()).model_validate(extra)
    decision = decide("reviewer", product(), with_grant, day=DAY)
    assert not decision.allowed
    assert "d-reviewer" in decision.reasons[0]


def test_expired_grant_denies_and_says_so() -> None:
    decision = decide("street_a", product(), policies(), day=dt.date(2027, 1, 1))
    assert not decision.allowed
    assert "g-street" in decision.reasons[0] and "not valid" in decision.reasons[0]


def test_grant_not_yet_valid_denies() -> None:
    assert not decide("street_a", product(), policies(), day=dt.date(2025, 12, 31)).allowed


def test_not_shared_product_denied_even_with_wildcard_grant() -> None:
    decision = decide("steward", product(sharing="none"), policies(), day=DAY)
    assert not decision.allowed and "不予共享" in decision.reasons[0]


def test_conditional_product_needs_a_grant_naming_it() -> None:
    conditional = product(sharing="conditional")
    # the steward's wildcard grant does not reach a 有条件共享 product
    assert not decide("steward", conditional, policies(), day=DAY).allowed
    # the street grant names it explicitly, so it applies
    assert decide("street_a", conditional, policies(), day=DAY).allowed


def test_most_revealing_treatment_wins_across_grants() -> None:
    data = policies().model_dump()
    data["grants"].append(
        {
            "id": "g-street-contacts",
            "to": {"principal": "street_a"},
            "products": ["street_case_stats"],
            "rows": "own_jurisdiction",
            "treatments": {},
            "column_treatments": {"reporter_phone": "clear"},
            "purpose": "callbacks",
            "valid_from": "2026-01-01",
            "valid_until": "2026-12-31",
            "reason": "r",
        }
    )
    both = type(policies()).model_validate(data)
    a = {c.name: c for c in decide("street_a", product(), both, day=DAY).columns}
    b = {c.name: c for c in decide("street_b", product(), both, day=DAY).columns}
    assert a["reporter_phone"].treatment == "clear"
    assert "column rule" in a["reporter_phone"].because
    assert b["reporter_phone"].treatment == "masked"


def test_district_grant_removes_row_filter() -> None:
    decision = decide("steward", product(), policies(), day=DAY)
    assert decision.allowed and decision.row_filter is None
    treatments = {c.name: c.treatment for c in decision.columns}
    assert treatments["reporter_phone"] == "token"
    assert treatments["reporter_id"] == "withheld"  # no treatment for L4 in that grant


def test_role_target_matches_only_holders_of_the_role() -> None:
    data = policies().model_dump()
    data["grants"].append(
        {
            "id": "g-analysts",
            "to": {"role": "analysts"},
            "products": ["street_case_stats"],
            "rows": "district",
            "treatments": {"L1": "clear"},
            "purpose": "p",
            "valid_from": "2026-01-01",
            "valid_until": "2026-12-31",
            "reason": "r",
        }
    )
    with_role = type(policies()).model_validate(data)
    assert decide("analyst", product(), with_role, day=DAY).allowed
    assert not decide("dept_x", product(), with_role, day=DAY).allowed


def test_own_jurisdiction_grant_without_jurisdiction_gives_no_rows() -> None:
    data = policies().model_dump()
    data["grants"].append(
        {
            "id": "g-dept",
            "to": {"kind": "department"},
            "products": ["street_case_stats"],
            "rows": "own_jurisdiction",
            "treatments": {"L1": "clear"},
            "purpose": "p",
            "valid_from": "2026-01-01",
            "valid_until": "2026-12-31",
            "reason": "r",
        }
    )
    decision = decide("dept_x", product(), type(policies()).model_validate(data), day=DAY)
    assert not decision.allowed and "no jurisdiction" in decision.reasons[0]


def test_all_columns_withheld_is_a_denial() -> None:
    data = policies().model_dump()
    data["grants"][0]["treatments"] = {"L4": "clear"}
    only_l4 = product().model_copy(update={"columns": product().columns[:3]})
    decision = decide("street_a", only_l4, type(policies()).model_validate(data), day=DAY)
    assert not decision.allowed and "withheld" in decision.reasons[0]
