"""Purposes are real: a read or a re-identification is allowed only for a purpose its grant
accepts. Pairs: allowed with an accepted purpose; denied without one, with a made-up one,
and with another grant's."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from catalog.errors import ConfigError
from catalog.registry import load_catalog
from home.layout import DEFAULT_CONFIG_DIR
from policies.engine import decide
from policies.loader import load_policies
from policies.models import Grant
from policies.purposes import ANY_PURPOSE, resolve_purpose
from policies.reveal_decision import decide_reveal

DAY = dt.date(2026, 6, 1)
CATALOG = load_catalog(DEFAULT_CONFIG_DIR)
DEMO = load_policies(DEFAULT_CONFIG_DIR)
CASES = CATALOG.products["street_case_stats"]
ASSISTANCE = CATALOG.datasets["assistance"]


# --- queries (policies.engine, step 4) ------------------------------------------------


@pytest.mark.parametrize(
    "purpose", ["street_governance", "街道日常治理与服务", " street_governance "]
)
def test_a_street_office_reads_for_a_purpose_its_grant_accepts(purpose: str) -> None:
    decision = decide("street_donghu", CASES, DEMO, day=DAY, purpose=purpose)
    assert decision.allowed and decision.grants == ["g-street-returned-products"]


@pytest.mark.parametrize(
    ("purpose", "said"),
    [
        (None, "a purpose is required"),
        ("", "a purpose is required"),
        ("随便看看", "the stated purpose is not one its grants accept"),
        ("department_statistics", "purpose 'department_statistics' is not one"),
        ("home_visit", "purpose 'home_visit' is not one"),
    ],
)
def test_a_street_office_is_refused_without_an_accepted_purpose(
    purpose: str | None, said: str
) -> None:
    decision = decide("street_donghu", CASES, DEMO, day=DAY, purpose=purpose)
    assert not decision.allowed
    assert said in decision.reasons[0]
    assert (
        "grant g-street-returned-products accepts street_governance (街道日常治理与服务)"
        in (decision.reasons[0])
    )


def test_a_department_reads_for_its_own_purpose_and_not_the_streets() -> None:
    assert decide(
        "dept_civil_affairs", CASES, DEMO, day=DAY, purpose="department_statistics"
    ).allowed
    refused = decide("dept_civil_affairs", CASES, DEMO, day=DAY, purpose="street_governance")
    assert not refused.allowed and "g-departments-own-products accepts" in refused.reasons[0]


def test_building_a_room_asks_no_purpose() -> None:
    assert decide("street_donghu", CASES, DEMO, day=DAY).allowed
    assert decide("street_donghu", CASES, DEMO, day=DAY, purpose=ANY_PURPOSE).allowed


def test_only_the_grants_accepting_the_purpose_apply() -> None:
    wider = Grant.model_validate(
        {
            "id": "g-visits",
            "to": {"principal": "street_donghu"},
            "products": ["street_case_stats"],
            "rows": "district",
            "treatments": {"L1": "clear", "L2": "clear", "L3": "clear", "L4": "withheld"},
            "purpose": "入户走访",
            "purposes": ["home_visit"],
            "valid_from": "2026-01-01",
            "valid_until": "2026-12-31",
            "reason": "test",
        }
    )
    both = DEMO.model_copy(update={"grants": [*DEMO.grants, wider]})
    governance = decide("street_donghu", CASES, both, day=DAY, purpose="street_governance")
    assert governance.grants == ["g-street-returned-products"]
    assert governance.row_filter is not None  # its own street, not g-visits' district
    visits = decide("street_donghu", CASES, both, day=DAY, purpose="home_visit")
    assert visits.grants == ["g-visits"] and visits.row_filter is None


# --- re-identification (policies.reveal_decision, step 4) -----------------------------


@pytest.mark.parametrize("purpose", ["assistance_check", "救助对象核查"])
def test_civil_affairs_reveals_for_the_purpose_its_reveal_grant_accepts(purpose: str) -> None:
    decision = decide_reveal("dept_civil_affairs", ASSISTANCE, DEMO, day=DAY, purpose=purpose)
    assert decision.allowed and decision.grant == "r-civil-affairs-assistance-check"


@pytest.mark.parametrize("purpose", [None, "", "随便看看", "home_visit", "department_statistics"])
def test_civil_affairs_is_refused_a_reveal_without_an_accepted_purpose(purpose: str | None) -> None:
    decision = decide_reveal("dept_civil_affairs", ASSISTANCE, DEMO, day=DAY, purpose=purpose)
    assert not decision.allowed
    assert (
        "r-civil-affairs-assistance-check accepts assistance_check (救助对象核查)"
        in (decision.reasons[0])
    )


# --- the catalogue and the grants that use it ----------------------------------------


def test_every_demo_grant_accepts_catalogue_purposes() -> None:
    codes = {p.code for p in DEMO.purposes}
    assert codes and all(p.name for p in DEMO.purposes)
    for grant in DEMO.grants:
        assert grant.purposes and set(grant.purposes) <= codes, grant.id
    for reveal in DEMO.reveals:
        assert reveal.purposes and set(reveal.purposes) <= codes, reveal.id


def test_a_stated_purpose_resolves_by_code_or_name_and_otherwise_stays_as_typed() -> None:
    assert resolve_purpose("入户走访", DEMO.purposes) == "home_visit"
    assert resolve_purpose("home_visit", DEMO.purposes) == "home_visit"
    assert resolve_purpose(" 随便  看看 ", DEMO.purposes) == "随便 看看"
    assert resolve_purpose(None, DEMO.purposes) == ""


def _config(tmp_path: Path, grant_purposes: object, catalogue: list[dict[str, str]]) -> Path:
    (tmp_path / "principals.yaml").write_text(
        yaml.safe_dump({"principals": [{"id": "s", "kind": "steward", "name": "S"}]})
    )
    grant: dict[str, object] = {
        "id": "g-test", "to": {"kind": "steward"}, "products": ["*"], "rows": "district",
        "treatments": {"L1": "clear"}, "purpose": "p", "valid_from": "2026-01-01",
        "valid_until": "2026-12-31", "reason": "r",
    }  # fmt: skip
    if grant_purposes is not None:
        grant["purposes"] = grant_purposes
    (tmp_path / "grants.yaml").write_text(yaml.safe_dump({"grants": [grant]}), encoding="utf-8")
    (tmp_path / "purposes.yaml").write_text(
        yaml.safe_dump({"purposes": catalogue}, allow_unicode=True), encoding="utf-8"
    )
    return tmp_path


OVERSIGHT = [{"code": "oversight", "name": "监督检查"}]


def test_the_loader_reads_a_grant_with_catalogue_purposes(tmp_path: Path) -> None:
    loaded = load_policies(_config(tmp_path, ["oversight"], OVERSIGHT))
    assert loaded.grants[0].purposes == ["oversight"] and loaded.purposes[0].name == "监督检查"


@pytest.mark.parametrize(
    ("purposes", "catalogue", "said"),
    [
        (None, OVERSIGHT, "g-test: purposes: list the purpose codes it accepts"),
        ([], OVERSIGHT, "g-test: purposes: list the purpose codes it accepts"),
        (["随便看看"], OVERSIGHT, "purposes: 随便看看 not in purposes.yaml (known: oversight)"),
        (["oversight"], OVERSIGHT * 2, "purposes: codes must be unique"),
    ],
)
def test_the_loader_refuses_a_grant_without_real_purposes(
    tmp_path: Path, purposes: object, catalogue: list[dict[str, str]], said: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(said)):
        load_policies(_config(tmp_path, purposes, catalogue))
