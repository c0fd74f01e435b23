"""Steward actions on a dataset, decided in one place: allowed and denied in pairs.

Sections follow the precedence in ``policies/steward_actions.py``.
"""

from __future__ import annotations

import pytest

from catalog.registry import load_catalog
from home.layout import config_dir
from policies.models import PolicySet, Principal
from policies.steward_actions import (
    MERGE_CASE_RECORDS,
    SPLIT_CASE_RECORD,
    StewardActionRefused,
    decide_steward_action,
    require_steward_action,
)

POPULATION = load_catalog(config_dir()).datasets["population"]
POLICIES = PolicySet(
    principals=[
        Principal(id="steward_district", kind="steward", name="区数据管家"),
        Principal(id="steward_other", kind="steward", name="另一位管家"),
        Principal(id="street_donghu", kind="street_office", name="东湖街道", street="440399001"),
        Principal(id="dept_x", kind="department", name="某局", roles=["steward"]),
    ]
)
ACTION = "accept a shrink"


# 1. unknown principal
def test_1_an_unknown_principal_is_refused() -> None:
    decided = decide_steward_action(POLICIES, "nobody", POPULATION, ACTION)
    assert not decided.allowed and "unknown principal 'nobody'" in decided.reason


# 2. not a steward, whatever its roles
def test_2_a_street_office_is_refused() -> None:
    decided = decide_steward_action(POLICIES, "street_donghu", POPULATION, ACTION)
    assert not decided.allowed and "only a data steward" in decided.reason


def test_2_a_department_with_a_steward_role_is_still_refused() -> None:
    assert not decide_steward_action(POLICIES, "dept_x", POPULATION, ACTION).allowed


# 3. another dataset's steward
def test_3_a_steward_of_other_datasets_is_refused() -> None:
    decided = decide_steward_action(POLICIES, "steward_other", POPULATION, ACTION)
    assert not decided.allowed
    assert "steward_district is" in decided.reason
    with pytest.raises(StewardActionRefused):
        require_steward_action(POLICIES, "steward_other", POPULATION, ACTION)


# 4. the dataset's own steward
def test_4_the_datasets_own_steward_is_allowed() -> None:
    decided = require_steward_action(POLICIES, "steward_district", POPULATION, ACTION)
    assert decided.allowed and decided.reason == "steward_district is the steward of population"


# The merge overrides are steward actions too, decided by the same rules.
CASES = load_catalog(config_dir()).datasets["cases"]


@pytest.mark.parametrize("action", [SPLIT_CASE_RECORD, MERGE_CASE_RECORDS])
def test_only_the_cases_steward_may_split_or_merge_case_records(action: str) -> None:
    allowed = decide_steward_action(POLICIES, "steward_district", CASES, action)
    assert allowed.allowed and allowed.action == action
    for other in ("steward_other", "street_donghu", "dept_x", "nobody"):
        refused = decide_steward_action(POLICIES, other, CASES, action)
        assert not refused.allowed, other
        assert action in refused.reason or "unknown principal" in refused.reason
