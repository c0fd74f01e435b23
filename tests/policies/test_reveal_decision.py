"""Re-identification decisions: an allowed/denied pair for every rule, in precedence order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from policy_fixtures import DAY, policies
from pydantic import ValidationError

from catalog.contracts import DatasetContract
from catalog.errors import ConfigError
from catalog.registry import load_catalog
from home.layout import DEFAULT_CONFIG_DIR
from policies.loader import load_policies
from policies.models import Deny, PolicySet, RevealGrant
from policies.reveal_decision import decide_reveal, protected_columns


def roll(name: str = "roll", *, community_type: str = "community_code") -> DatasetContract:
    return DatasetContract.model_validate(
        {
            "name": name,
            "title": "t",
            "description": "d",
            "owner": "civil_affairs",
            "steward": "steward",
            "sharing": "conditional",
            "key": ["id_number"],
            "columns": [
                {"name": "name", "level": "L3", "protection": "seal"},
                {
                    "name": "id_number",
                    "type": "resident_id",
                    "level": "L4",
                    "protection": "token+seal",
                    "token_domain": "resident_id",
                },
                {
                    "name": "phone",
                    "type": "phone",
                    "level": "L3",
                    "protection": "token+seal",
                    "token_domain": "phone",
                },
                {"name": "category", "type": "enum", "values": ["a", "b"], "level": "L4"},
                {"name": "community_code", "type": community_type, "level": "L1"},
                {"name": "street_code", "type": "street_code", "level": "L1"},
            ],
        }
    )


def reveal_grant(**changes: object) -> dict[str, object]:
    return {
        "id": "r-test",
        "to": {"kind": "street_office"},
        "datasets": ["roll"],
        "columns": ["name", "phone"],
        "rows": "own_jurisdiction",
        "purpose": "入户走访",
        "purposes": ["home_visit"],
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
        "reason": "visits",
        **changes,
    }


def with_reveals(
    *grants: dict[str, object], denies: list[dict[str, object]] | None = None
) -> PolicySet:
    base = policies()
    extra = {"reveals": list(grants)}
    if denies is not None:
        extra["denies"] = [d.model_dump() for d in base.denies] + denies
    return policies(**extra)


def test_street_office_reveals_granted_columns_of_its_own_street() -> None:
    decision = decide_reveal("street_a", roll(), with_reveals(reveal_grant()), day=DAY)
    assert decision.allowed and decision.grant == "r-test"
    assert decision.columns == ["name", "phone"]
    assert decision.row_filter is not None
    assert (decision.row_filter.column, decision.row_filter.value) == ("street_code", "440399001")
    assert decision.purpose == "入户走访"


def test_community_principal_is_narrowed_to_its_community_whatever_the_column_type() -> None:
    for community_type in ("community_code", "community_name"):
        decision = decide_reveal(
            "community_a1",
            roll(community_type=community_type),
            with_reveals(reveal_grant()),
            day=DAY,
        )
        assert decision.row_filter is not None
        assert (decision.row_filter.column, decision.row_filter.value) == (
            "community_code",
            "440399001002",
        )


def test_district_grant_has_no_row_filter_and_own_jurisdiction_needs_a_jurisdiction() -> None:
    district = reveal_grant(to={"kind": "department"}, rows="district")
    decision = decide_reveal("dept_x", roll(), with_reveals(district), day=DAY)
    assert decision.allowed and decision.row_filter is None
    own = reveal_grant(to={"kind": "department"})
    denied = decide_reveal("dept_x", roll(), with_reveals(own), day=DAY)
    assert not denied.allowed and "no jurisdiction" in denied.reasons[0]


def test_unknown_principal_denied() -> None:
    assert decide_reveal("street_a", roll(), with_reveals(reveal_grant()), day=DAY).allowed
    decision = decide_reveal("nobody", roll(), with_reveals(reveal_grant()), day=DAY)
    assert not decision.allowed and decision.reasons == ["unknown principal 'nobody'"]


def test_unknown_dataset_denied() -> None:
    decision = decide_reveal(
        "street_a", None, with_reveals(reveal_grant()), day=DAY, dataset_name="nope"
    )
    assert not decision.allowed and decision.reasons == ["unknown dataset 'nope'"]
    assert decision.dataset == "nope"


def test_deny_rule_beats_a_reveal_grant() -> None:
    deny: dict[str, object] = {
        "id": "d-hold",
        "to": {"principal": "street_a"},
        "datasets": ["roll"],
        "reason": "held",
    }
    rules = with_reveals(reveal_grant(), denies=[deny])
    denied = decide_reveal("street_a", roll(), rules, day=DAY)
    assert not denied.allowed and denied.reasons == ["denied by rule d-hold: held"]
    assert decide_reveal("street_b", roll(), rules, day=DAY).allowed


def test_deny_rule_with_wildcard_datasets_covers_every_dataset() -> None:
    deny: dict[str, object] = {
        "id": "d-all",
        "to": {"kind": "street_office"},
        "datasets": ["*"],
        "reason": "no",
    }
    rules = with_reveals(reveal_grant(), denies=[deny])
    assert not decide_reveal("street_b", roll(), rules, day=DAY).allowed


def test_deny_rule_naming_only_products_does_not_touch_reveal() -> None:
    # The fixture's reviewer rule names products only; a reveal grant still applies.
    grant = reveal_grant(to={"kind": "reviewer"}, rows="district")
    assert decide_reveal("reviewer", roll(), with_reveals(grant), day=DAY).allowed
    deny: dict[str, object] = {
        "id": "d-rev",
        "to": {"kind": "reviewer"},
        "datasets": ["*"],
        "reason": "audit only",
    }
    assert not decide_reveal(
        "reviewer", roll(), with_reveals(grant, denies=[deny]), day=DAY
    ).allowed


def test_no_reveal_grant_means_denied_by_default() -> None:
    # A product grant is no leave to re-identify.
    decision = decide_reveal("street_a", roll(), policies(), day=DAY)
    assert not decision.allowed and "deny by default" in decision.reasons[0]
    other = reveal_grant(datasets=["other_roll"])
    assert not decide_reveal("street_a", roll(), with_reveals(other), day=DAY).allowed
    assert decide_reveal("street_a", roll("other_roll"), with_reveals(other), day=DAY).allowed


def test_expired_grant_denied_and_named() -> None:
    rules = with_reveals(reveal_grant())
    later = dt.date(2027, 1, 1)
    decision = decide_reveal("street_a", roll(), rules, day=later)
    assert not decision.allowed
    assert "reveal grants not valid on 2027-01-01: r-test" in decision.reasons[0]
    assert decide_reveal("street_a", roll(), rules, day=dt.date(2026, 12, 31)).allowed


def test_wildcard_columns_are_every_protected_column() -> None:
    decision = decide_reveal("street_a", roll(), with_reveals(reveal_grant(columns=["*"])), day=DAY)
    assert decision.columns == protected_columns(roll()) == ["name", "id_number", "phone"]


def test_grant_naming_no_protected_column_of_the_dataset_is_denied() -> None:
    unprotected = reveal_grant(columns=["category", "address"])
    decision = decide_reveal("street_a", roll(), with_reveals(unprotected), day=DAY)
    assert not decision.allowed and "names none of the protected columns" in decision.reasons[0]
    partly = reveal_grant(columns=["category", "phone"])
    assert decide_reveal("street_a", roll(), with_reveals(partly), day=DAY).columns == ["phone"]


def test_first_valid_grant_is_used_alone() -> None:
    narrow = reveal_grant(id="r-narrow", columns=["name"])
    wide = reveal_grant(id="r-wide", columns=["*"], rows="district")
    decision = decide_reveal("street_a", roll(), with_reveals(narrow, wide), day=DAY)
    assert decision.grant == "r-narrow" and decision.grants == ["r-narrow", "r-wide"]
    assert decision.columns == ["name"] and decision.row_filter is not None
    assert "also valid, not merged: r-wide" in decision.reasons


def test_reveal_grants_name_their_datasets_and_deny_rules_name_something() -> None:
    with pytest.raises(ValidationError, match="name each dataset"):
        RevealGrant.model_validate(reveal_grant(datasets=["*"]))
    with pytest.raises(ValidationError, match="valid_until is before valid_from"):
        RevealGrant.model_validate(reveal_grant(valid_until="2025-01-01"))
    with pytest.raises(ValidationError, match="names no products and no datasets"):
        Deny.model_validate({"id": "d", "to": {}, "reason": "r"})
    assert (
        Deny.model_validate({"id": "d", "to": {}, "datasets": ["x"], "reason": "r"}).products == []
    )


def test_loader_reads_reveals_and_names_the_file_on_error(tmp_path: Path) -> None:
    (tmp_path / "principals.yaml").write_text(
        yaml.safe_dump({"principals": [{"id": "s", "kind": "steward", "name": "S"}]})
    )
    grants = tmp_path / "grants.yaml"
    grants.write_text(yaml.safe_dump({"reveals": [reveal_grant(to={"principal": "s"})]}))
    assert [g.id for g in load_policies(tmp_path).reveals] == ["r-test"]
    grants.write_text(yaml.safe_dump({"reveals": [reveal_grant(), reveal_grant()]}))
    with pytest.raises(ConfigError, match="reveals: ids must be unique"):
        load_policies(tmp_path)
    grants.write_text(yaml.safe_dump({"reveals": [reveal_grant(rows="everywhere")]}))
    with pytest.raises(ConfigError, match=str(grants)):
        load_policies(tmp_path)


def test_demo_reveal_grants_name_real_protected_columns() -> None:
    catalog = load_catalog(DEFAULT_CONFIG_DIR)
    demo = load_policies(DEFAULT_CONFIG_DIR)
    assert demo.reveals
    for grant in demo.reveals:
        assert set(grant.datasets) <= set(catalog.datasets), grant.id
        protected = {c for d in grant.datasets for c in protected_columns(catalog.datasets[d])}
        assert "*" in grant.columns or set(grant.columns) <= protected, grant.id


def test_demo_policies_allow_civil_affairs_and_deny_the_reviewer() -> None:
    catalog = load_catalog(DEFAULT_CONFIG_DIR)
    demo = load_policies(DEFAULT_CONFIG_DIR)
    assistance = catalog.datasets["assistance"]
    allowed = decide_reveal("dept_civil_affairs", assistance, demo, day=DAY)
    assert allowed.allowed and allowed.columns == ["name", "phone"] and allowed.row_filter is None
    denied = decide_reveal("reviewer_security", assistance, demo, day=DAY)
    assert not denied.allowed and "d-reviewers-see-no-data" in denied.reasons[0]
    street = decide_reveal("street_donghu", catalog.datasets["population"], demo, day=DAY)
    assert street.allowed and street.columns == ["name", "phone"]
    assert not decide_reveal("street_donghu", assistance, demo, day=DAY).allowed
