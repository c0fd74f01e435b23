"""The action rule for the pages' new actions, in pairs: allowed, then denied.

Syncing a source is a department's, by someone who may change things (requester
or approver); stewarding the catalogue is a steward principal's approver's.
"""

from __future__ import annotations

from identity.models import Identity
from policies.api_permissions import may


def person(role: str) -> Identity:
    return Identity(kind="person", id="u-0001", principal="p", via="session",
                    roles=frozenset({role}))  # fmt: skip


def client(*scopes: str) -> Identity:
    return Identity(kind="client", id="c-0001", principal="p", via="api-key",
                    scopes=frozenset(scopes))  # fmt: skip


def test_a_department_requester_may_sync_its_sources() -> None:
    decided = may(person("requester"), "sync_sources", "department")
    assert decided.allowed and "requester" in decided.reason


def test_a_department_viewer_may_not_sync() -> None:
    decided = may(person("viewer"), "sync_sources", "department")
    assert not decided.allowed and "rule 5" in decided.reason


def test_a_street_office_approver_may_not_sync_anything() -> None:
    decided = may(person("approver"), "sync_sources", "street_office")
    assert not decided.allowed and "only a department principal" in decided.reason


def test_a_client_with_the_scope_may_sync_and_one_without_may_not() -> None:
    assert may(client("sources:sync"), "sync_sources", "department").allowed
    assert not may(client("sources:read"), "sync_sources", "department").allowed


def test_a_steward_approver_may_steward_the_catalogue() -> None:
    assert may(person("approver"), "steward_catalogue", "steward").allowed


def test_a_steward_viewer_may_not_steward_the_catalogue() -> None:
    assert not may(person("viewer"), "steward_catalogue", "steward").allowed


def test_a_department_approver_may_not_steward_the_catalogue() -> None:
    decided = may(person("approver"), "steward_catalogue", "department")
    assert not decided.allowed and "only a steward principal" in decided.reason
