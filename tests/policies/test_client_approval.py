"""Who may approve a client system: each rule as an allowed/denied pair."""

from __future__ import annotations

from policy_fixtures import policies

from identity.models import Identity
from policies.client_approval import decide_client_approval

POLICIES = policies()


def person(principal: str, *roles: str, user: str = "u-0001") -> Identity:
    return Identity("person", user, principal, "session", roles=frozenset(roles))


def operator(principal: str) -> Identity:
    return Identity("operator", "root", principal, "cli")


def test_steward_allowed() -> None:
    decided = decide_client_approval(POLICIES, operator("steward"), "street_a", "operator root")
    assert decided.allowed and "data steward" in decided.reason


def test_unknown_approver_denied() -> None:
    decided = decide_client_approval(POLICIES, operator("nobody"), "street_a", "operator x")
    assert not decided.allowed and "unknown principal" in decided.reason


def test_non_steward_denied_whatever_its_roles() -> None:
    who = person("dept_x", "viewer", "requester", "approver")
    decided = decide_client_approval(POLICIES, who, "street_a", "operator x")
    assert not decided.allowed and "only a data steward" in decided.reason


def test_steward_person_with_approver_role_allowed() -> None:
    who = person("steward", "viewer", "requester", "approver")
    assert decide_client_approval(POLICIES, who, "street_a", "person u-0009").allowed


def test_steward_person_without_approver_role_denied() -> None:
    who = person("steward", "viewer", "requester")
    decided = decide_client_approval(POLICIES, who, "street_a", "person u-0009")
    assert not decided.allowed and "approver role" in decided.reason


def test_client_of_unknown_principal_denied() -> None:
    decided = decide_client_approval(POLICIES, operator("steward"), "street_zz", "operator x")
    assert not decided.allowed and "unknown" in decided.reason


def test_own_principal_client_approved_by_another_person_allowed() -> None:
    who = person("steward", "viewer", "requester", "approver", user="u-0002")
    assert decide_client_approval(POLICIES, who, "steward", "person u-0001").allowed


def test_own_principal_client_approved_by_its_registrant_denied() -> None:
    who = person("steward", "viewer", "requester", "approver", user="u-0001")
    decided = decide_client_approval(POLICIES, who, "steward", "person u-0001")
    assert not decided.allowed and "another person" in decided.reason
