"""Allowed/denied pairs for every kind of rule the engine knows, in precedence order."""

from __future__ import annotations

import datetime as dt

import pytest
from policy_fixtures import DAY, deny, grant, policies, product, with_rules
from pydantic import ValidationError

from policies.engine import decide
from policies.models import TREATMENT_RANK, Grant, Principal, Target

# --- 1. unknown principal or product -------------------------------------------------


def test_unknown_principal_denied_known_allowed() -> None:
    denied = decide("nobody", product(), policies(), day=DAY)
    assert not denied.allowed and "unknown principal" in denied.reasons[0]
    assert decide("street_a", product(), policies(), day=DAY).allowed


def test_unknown_product_denied() -> None:
    decision = decide("street_a", None, policies(), day=DAY, product_name="nope")
    assert not decision.allowed and "unknown product" in decision.reasons[0]


# --- 2. 不予共享 --------------------------------------------------------------------


def test_not_shared_product_denied_even_with_wildcard_grant() -> None:
    assert decide("steward", product(), policies(), day=DAY).allowed
    decision = decide("steward", product(sharing="none"), policies(), day=DAY)
    assert not decision.allowed and "不予共享" in decision.reasons[0]


# --- 3. deny rules: by principal, kind, role, group; deny beats grant ---------------


@pytest.mark.parametrize(
    ("to", "denied", "allowed"),
    [
        ({"principal": "analyst"}, "analyst", "dept_x"),
        ({"kind": "department"}, "analyst", "steward"),
        ({"role": "analysts"}, "analyst", "dept_x"),
        ({"group": "elderly_care_taskforce"}, "analyst", "dept_x"),
        ({"kind": "department", "group": "elderly_care_taskforce"}, "analyst", "dept_x"),
    ],
)
def test_deny_rule_beats_a_grant(to: dict[str, str], denied: str, allowed: str) -> None:
    everyone = grant("g-all", to={}, rows="district")
    rules = with_rules([everyone], [deny("d-test", to)])
    refused = decide(denied, product(), rules, day=DAY)
    assert not refused.allowed
    assert "denied by rule d-test" in refused.reasons[0]
    assert decide(allowed, product(), rules, day=DAY).allowed
    # without the deny rule the same grant lets both in
    assert decide(denied, product(), with_rules([everyone]), day=DAY).allowed


def test_deny_rule_for_another_product_does_not_apply() -> None:
    rules = with_rules(denies=[deny("d-other", {"kind": "street_office"}, ["other_product"])])
    assert decide("street_a", product(), rules, day=DAY).allowed
    assert not decide("street_a", product("other_product"), rules, day=DAY).allowed


def test_wildcard_deny_rule_covers_every_product() -> None:
    rules = with_rules([grant("g-r", to={"kind": "reviewer"})])
    decision = decide("reviewer", product(), rules, day=DAY)
    assert not decision.allowed and "d-reviewer" in decision.reasons[0]


# --- 4. grants: deny by default, validity, conditional products ---------------------


def test_no_grant_means_denied_by_default() -> None:
    decision = decide("dept_x", product(), policies(), day=DAY)
    assert not decision.allowed
    assert "deny by default" in decision.reasons[0]
    assert decide(
        "dept_x", product(), with_rules([grant("g", to={"kind": "department"})]), day=DAY
    ).allowed


@pytest.mark.parametrize(
    "day", [dt.date(2025, 12, 31), dt.date(2027, 1, 1)], ids=["not-yet-valid", "expired"]
)
def test_grant_outside_its_validity_denies_and_says_so(day: dt.date) -> None:
    decision = decide("street_a", product(), policies(), day=day)
    assert not decision.allowed
    assert "g-street" in decision.reasons[0] and f"not valid on {day}" in decision.reasons[0]


@pytest.mark.parametrize("day", [dt.date(2026, 1, 1), dt.date(2026, 12, 31)])
def test_grant_valid_on_its_first_and_last_day(day: dt.date) -> None:
    assert decide("street_a", product(), policies(), day=day).allowed


def test_grant_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValidationError, match="valid_until is before valid_from"):
        Grant.model_validate(grant("g", valid_from="2026-02-01", valid_until="2026-01-01"))


def test_conditional_product_needs_a_grant_naming_it() -> None:
    conditional = product(sharing="conditional")
    # the steward's wildcard grant does not reach a 有条件共享 product
    refused = decide("steward", conditional, policies(), day=DAY)
    assert not refused.allowed and "needs a grant that names" in refused.reasons[0]
    # the street grant names it explicitly, so it applies
    assert decide("street_a", conditional, policies(), day=DAY).allowed


def test_a_list_of_people_needs_a_grant_naming_the_principal() -> None:
    listed = product(sharing="conditional").model_copy(update={"person_level": True})
    # The street offices' kind-wide grant names the product, but not the office.
    refused = decide("street_a", listed, policies(), day=DAY)
    assert not refused.allowed
    assert "a list of people needs one that names street_a too" in refused.reasons[0]
    named = with_rules([grant("g-named", to={"principal": "street_a"}, rows="own_street")])
    assert decide("street_a", listed, named, day=DAY).allowed
    # ... and only that office: the other street still needs its own.
    assert not decide("street_b", listed, named, day=DAY).allowed


def test_a_list_of_people_is_never_shared_unconditionally() -> None:
    from catalog.contracts import ProductContract

    data = product().model_dump()
    with pytest.raises(ValidationError, match="person_level"):
        ProductContract.model_validate({**data, "person_level": True})


def test_group_target_matches_only_members_of_the_group() -> None:
    rules = with_rules([grant("g-taskforce", to={"group": "elderly_care_taskforce"})])
    assert decide("analyst", product(), rules, day=DAY).allowed
    assert not decide("dept_x", product(), rules, day=DAY).allowed


def test_role_target_matches_only_holders_of_the_role() -> None:
    rules = with_rules([grant("g-analysts", to={"role": "analysts"})])
    assert decide("analyst", product(), rules, day=DAY).allowed
    assert not decide("dept_x", product(), rules, day=DAY).allowed


def test_target_fields_are_combined_with_and() -> None:
    target = Target(kind="department", group="elderly_care_taskforce")
    who = policies().principal("analyst")
    other = policies().principal("dept_x")
    assert who is not None and other is not None
    assert target.matches(who) and not target.matches(other)
    assert Target().matches(other)  # no field: everyone


# --- 5. rows ------------------------------------------------------------------------


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


def test_own_jurisdiction_narrows_a_community_principal_to_its_community() -> None:
    decision = decide("community_a1", product(), policies(), day=DAY)
    assert decision.row_filter is not None
    assert (decision.row_filter.column, decision.row_filter.value) == (
        "community_code",
        "440399001002",
    )


def test_own_street_gives_a_community_principal_its_whole_street() -> None:
    rules = with_rules([grant("g-s", rows="own_street")], replace=True)
    decision = decide("community_a1", product(), rules, day=DAY)
    assert decision.row_filter is not None
    assert (decision.row_filter.column, decision.row_filter.value) == ("street_code", "440399001")


def test_own_community_needs_a_community() -> None:
    rules = with_rules([grant("g-c", rows="own_community")], replace=True)
    allowed = decide("community_a1", product(), rules, day=DAY)
    assert allowed.allowed and allowed.row_filter is not None
    assert allowed.row_filter.value == "440399001002"
    refused = decide("street_a", product(), rules, day=DAY)
    assert not refused.allowed
    assert (
        "no rows" in refused.reasons[0] and "own community, and it has none" in refused.reasons[0]
    )


def test_own_community_needs_a_community_column_in_the_product() -> None:
    rules = with_rules([grant("g-c", rows="own_community")], replace=True)
    no_community = product().model_copy(update={"community_column": None})
    refused = decide("community_a1", no_community, rules, day=DAY)
    assert not refused.allowed and "has no community column" in refused.reasons[0]


@pytest.mark.parametrize("rows", ["own_street", "own_jurisdiction", "own_community"])
def test_own_scope_without_jurisdiction_gives_no_rows(rows: str) -> None:
    rules = with_rules([grant("g-dept", to={"kind": "department"}, rows=rows)])
    decision = decide("dept_x", product(), rules, day=DAY)
    assert not decision.allowed
    assert decision.reasons[0].startswith("no rows") and "g-dept" in decision.reasons[0]


def test_district_grant_removes_row_filter() -> None:
    decision = decide("steward", product(), policies(), day=DAY)
    assert decision.allowed and decision.row_filter is None
    assert "all rows of the district" in decision.reasons[0]


def test_widest_scope_wins_and_narrower_grants_do_not_stretch_over_it() -> None:
    wide = grant("g-wide", rows="district", treatments={"L1": "clear"})
    narrow = grant("g-narrow", rows="own_street", treatments={"L1": "clear", "L2": "clear"})
    decision = decide("street_a", product(), with_rules([narrow, wide], replace=True), day=DAY)
    assert decision.allowed and decision.row_filter is None
    assert decision.grants == ["g-wide"]
    treatments = {c.name: c.treatment for c in decision.columns}
    # L2 "cases" is clear only under the street-wide grant, so not over the whole district
    assert treatments["cases"] == "withheld"
    assert any("g-narrow" in r and "narrower" in r for r in decision.reasons)


def test_grant_giving_no_rows_is_named_when_another_applies() -> None:
    community = grant("g-c", rows="own_community", treatments={"L1": "clear", "L2": "clear"})
    street = grant("g-s", rows="own_street")
    decision = decide("street_a", product(), with_rules([community, street], replace=True), day=DAY)
    assert decision.allowed and decision.grants == ["g-s"]
    assert any(r.startswith("not applied") and "g-c" in r for r in decision.reasons)


# --- 6. columns ---------------------------------------------------------------------


def test_treatments_follow_levels_and_explain_themselves() -> None:
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
    assert because["reporter_phone"] == (
        "grant g-street, level L3 → masked keep_first3_last4 (the column's mask)"
    )
    assert because["cases"] == "grant g-street, level L2 → clear"
    assert "不予共享 (level L4 default)" in because["reporter_id"]


def test_l4_column_is_withheld_whatever_the_grant_says() -> None:
    everything = {"L1": "clear", "L2": "clear", "L3": "clear", "L4": "clear"}
    rules = with_rules(
        [grant("g-all", treatments=everything, column_treatments={"reporter_id": "clear"})],
        replace=True,
    )
    columns = {c.name: c for c in decide("street_a", product(), rules, day=DAY).columns}
    assert columns["reporter_id"].treatment == "withheld"
    assert columns["reporter_phone"].treatment == "clear"


def test_l4_column_declared_shareable_by_its_steward_follows_the_grant() -> None:
    base = product()
    columns = [
        c.model_copy(update={"sharing": "conditional", "sharing_reason": "joins by pseudonym"})
        if c.name == "reporter_id"
        else c
        for c in base.columns
    ]
    shareable = base.model_copy(update={"columns": columns})
    rules = with_rules([grant("g-tok", treatments={"L1": "clear", "L4": "token"})], replace=True)
    decided = {c.name: c for c in decide("street_a", shareable, rules, day=DAY).columns}
    assert decided["reporter_id"].treatment == "token"
    assert decide("street_a", product(), rules, day=DAY).columns[-1].treatment == "withheld"


def test_token_on_a_column_with_no_token_domain_is_withheld_and_on_a_pseudonym_shown() -> None:
    """A room shows a token column as it is: only pseudonyms and columns it can
    pseudonymise may be shown under token (a grant's L3: token once showed the clear
    value of an L3 column with no token_domain)."""
    columns = [
        *product().columns[:3],
        product().columns[3].model_copy(update={"token_domain": None}),
        product()
        .columns[4]
        .model_copy(update={"name": "reporter_token", "level": "L3", "token_domain": None}),
    ]
    plain = product().model_copy(update={"columns": columns})
    rules = with_rules(
        [grant("g-tok", treatments={"L1": "clear", "L3": "token", "L4": "token"})], replace=True
    )
    decided = {c.name: c for c in decide("street_a", plain, rules, day=DAY).columns}
    assert decided["reporter_phone"].treatment == "withheld"
    assert "no token_domain" in decided["reporter_phone"].because
    assert decided["reporter_token"].treatment == "token"
    with_domain = {c.name: c for c in decide("street_a", product(), rules, day=DAY).columns}
    assert with_domain["reporter_phone"].treatment == "token"


def test_l3_column_needs_a_grant_naming_the_product() -> None:
    named = grant("g-named", to={"kind": "steward"}, treatments={"L1": "clear", "L3": "token"})
    # the steward's own grant is a wildcard: the conditional L3 column stays withheld
    wildcard = {c.name: c for c in decide("steward", product(), policies(), day=DAY).columns}
    assert wildcard["reporter_phone"].treatment == "withheld"
    assert "有条件共享 (level L3 default)" in wildcard["reporter_phone"].because
    assert "g-steward" in wildcard["reporter_phone"].because
    # a grant that names the product reaches it
    columns = {
        c.name: c for c in decide("steward", product(), with_rules([named]), day=DAY).columns
    }
    assert columns["reporter_phone"].treatment == "token"
    assert columns["reporter_phone"].because == "grant g-named, level L3 → token"


def test_column_rule_beats_the_same_grants_level_rule_both_ways() -> None:
    rules = with_rules(
        [
            grant(
                "g-cols",
                treatments={"L1": "clear", "L2": "clear", "L3": "masked"},
                column_treatments={"cases": "withheld", "reporter_phone": "clear"},
            )
        ],
        replace=True,
    )
    columns = {c.name: c for c in decide("street_a", product(), rules, day=DAY).columns}
    assert columns["cases"].treatment == "withheld"
    assert columns["cases"].because == "grant g-cols, column rule → withheld"
    assert columns["reporter_phone"].treatment == "clear"
    assert columns["street_code"].because == "grant g-cols, level L1 → clear"


def test_most_revealing_treatment_wins_across_grants() -> None:
    contacts = grant(
        "g-street-contacts",
        to={"principal": "street_a"},
        rows="own_jurisdiction",
        treatments={},
        column_treatments={"reporter_phone": "clear"},
    )
    both = with_rules([contacts])
    a = {c.name: c for c in decide("street_a", product(), both, day=DAY).columns}
    b = {c.name: c for c in decide("street_b", product(), both, day=DAY).columns}
    assert a["reporter_phone"].treatment == "clear"
    assert "g-street-contacts, column rule" in a["reporter_phone"].because
    assert b["reporter_phone"].treatment == "masked"


@pytest.mark.parametrize(
    ("first", "second", "wins"),
    [
        ("withheld", "token", "token"),
        ("token", "year_only", "year_only"),
        ("year_only", "masked", "masked"),
        ("masked", "clear", "clear"),
        ("clear", "withheld", "clear"),
        ("masked:keep_first6", "masked:hide_all", "masked:keep_first6"),  # a tie: the first
    ],
)
def test_rank_of_treatments(first: str, second: str, wins: str) -> None:
    rules = with_rules(
        [
            grant("g-1", treatments={"L1": "clear", "L3": first}),
            grant("g-2", treatments={"L1": "clear", "L3": second}),
        ],
        replace=True,
    )
    phone = decide("street_a", product(), rules, day=DAY).columns[3]
    kind, _, mask = wins.partition(":")
    assert phone.treatment == kind
    if mask:
        assert phone.mask == mask and phone.because.startswith("grant g-1")


def test_treatment_rank_order() -> None:
    assert sorted(TREATMENT_RANK, key=TREATMENT_RANK.__getitem__) == [
        "withheld",
        "token",
        "year_only",
        "masked",
        "clear",
    ]


def test_grant_given_mask_beats_the_columns_mask() -> None:
    rules = with_rules(
        [grant("g-m", treatments={"L1": "clear", "L3": "masked:keep_first6"})], replace=True
    )
    phone = decide("street_a", product(), rules, day=DAY).columns[3]
    assert (phone.treatment, phone.mask) == ("masked", "keep_first6")
    assert phone.because == "grant g-m, level L3 → masked keep_first6 (the grant's mask)"


def test_masked_column_without_a_mask_hides_everything() -> None:
    rules = with_rules([grant("g-m", treatments={"L1": "clear", "L2": "masked"})], replace=True)
    cases = decide("street_a", product(), rules, day=DAY).columns[2]
    assert (cases.treatment, cases.mask) == ("masked", "hide_all")


@pytest.mark.parametrize(
    ("treatment", "message"),
    [
        ("blurred", "unknown treatment"),
        ("masked:keep_everything", "no mask named"),
        ("token:keep_first6", "only masked takes a mask name"),
    ],
)
def test_unknown_treatments_and_masks_are_refused(treatment: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Grant.model_validate(grant("g", treatments={"L1": treatment}))
    with pytest.raises(ValidationError, match=message):
        Grant.model_validate(grant("g", column_treatments={"cases": treatment}))


# --- 7. nothing visible -------------------------------------------------------------


def test_all_columns_withheld_is_a_denial() -> None:
    only_l4 = with_rules([grant("g-l4", treatments={"L4": "clear"})], replace=True)
    decision = decide("street_a", product(), only_l4, day=DAY)
    assert not decision.allowed and "every column is withheld" in decision.reasons[0]
    assert "reporter_id: 不予共享" in decision.reasons[0]


# --- principals ---------------------------------------------------------------------


def test_principal_jurisdiction_is_a_street_or_a_community() -> None:
    street = Principal(id="s", kind="street_office", name="s", street="440399001")
    community = Principal(
        id="c", kind="street_office", name="c", street="440399001", community="440399001002"
    )
    assert street.jurisdiction == "street 440399001"
    assert community.jurisdiction == "community 440399001002"
    with pytest.raises(ValidationError, match="needs a street"):
        Principal(id="x", kind="street_office", name="x")
    with pytest.raises(ValidationError, match="community jurisdiction needs its street"):
        Principal(id="y", kind="department", name="y", community="440399001002")


def test_every_decision_names_its_grants_and_purpose() -> None:
    decision = decide("street_a", product(), policies(), day=DAY)
    assert decision.purpose == "street work"
    assert decision.reasons[-1] == "4 of 5 columns visible; grants g-street"
