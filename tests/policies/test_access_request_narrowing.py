"""A steward approves narrower rows and treatments than a request asked for, never wider.

Pairs: each narrowing is allowed (and the engine shows exactly that), its widening twin is
refused with a message that names what was asked and what was given.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from policy_fixtures import DAY, policies, product

from catalog.contracts import ProductContract
from policies.access_requests import AccessRequestRefused, AccessRequestStore
from policies.engine import decide

_BASE = product("case_details", sharing="conditional")
# reporter_phone can be pseudonymised (a token domain); cases cannot.
CONDITIONAL = _BASE.model_copy(
    update={
        "columns": [
            c.model_copy(update={"token_domain": "phone"}) if c.name == "reporter_phone" else c
            for c in _BASE.columns
        ]
    }
)
PRODUCTS: dict[str, ProductContract] = {CONDITIONAL.name: CONDITIONAL}
UNTIL = DAY + dt.timedelta(days=30)
CONFIG = policies()


@pytest.fixture
def store(tmp_path: Path) -> AccessRequestStore:
    return AccessRequestStore.in_folder(tmp_path / "state")


def _ask(store: AccessRequestStore, principal: str, rows: str | None = None) -> str:
    return store.request(
        CONFIG, PRODUCTS, principal=principal, product="case_details", purpose="核实",
        until=UNTIL, day=DAY, rows=rows,  # type: ignore[arg-type]
    ).id  # fmt: skip


def _approve(store: AccessRequestStore, request_id: str, **narrowing: object) -> None:
    store.approve(
        CONFIG, PRODUCTS, request_id, steward="steward", reason="职责所需", day=DAY,
        **narrowing,  # type: ignore[arg-type]
    )  # fmt: skip


def _treatments(store: AccessRequestStore, principal: str) -> dict[str, str]:
    decision = decide(principal, CONDITIONAL, store.policies(CONFIG), day=DAY)
    assert decision.allowed, decision.reasons
    return {c.name: c.treatment for c in decision.columns}


# --- rows ------------------------------------------------------------------------------------


def test_a_request_states_the_rows_it_asks_for_and_defaults_to_its_jurisdiction(
    store: AccessRequestStore,
) -> None:
    assert store.get(_ask(store, "street_a")).rows == "own_jurisdiction"
    assert store.get(_ask(store, "dept_x")).rows == "district"
    assert store.get(_ask(store, "street_b", rows="district")).rows == "district"


def test_rows_the_principal_cannot_have_are_refused_when_asked(store: AccessRequestStore) -> None:
    with pytest.raises(AccessRequestRefused, match="dept_x has no street"):
        _ask(store, "dept_x", rows="own_street")


def test_narrower_rows_allowed(store: AccessRequestStore) -> None:
    request_id = _ask(store, "street_a", rows="district")
    _approve(store, request_id, rows="own_street")
    grant = store.get(request_id).grant
    assert grant is not None and grant.rows == "own_street"
    decision = decide("street_a", CONDITIONAL, store.policies(CONFIG), day=DAY)
    assert decision.row_filter is not None and decision.row_filter.value == "440399001"


def test_wider_rows_denied(store: AccessRequestStore) -> None:
    request_id = _ask(store, "street_a")
    with pytest.raises(
        AccessRequestRefused, match=r"rows district are wider than the own_jurisdiction asked"
    ):
        _approve(store, request_id, rows="district")
    assert store.get(request_id).state == "requested"


def test_community_rows_within_a_street_allowed(store: AccessRequestStore) -> None:
    request_id = _ask(store, "community_a1", rows="own_street")
    _approve(store, request_id, rows="own_community")
    decision = decide("community_a1", CONDITIONAL, store.policies(CONFIG), day=DAY)
    assert decision.row_filter is not None and decision.row_filter.value == "440399001002"


def test_street_rows_over_a_community_request_denied(store: AccessRequestStore) -> None:
    request_id = _ask(store, "community_a1")  # own_jurisdiction: its community
    with pytest.raises(AccessRequestRefused, match="wider than"):
        _approve(store, request_id, rows="own_street")


def test_rows_that_show_the_principal_nothing_denied(store: AccessRequestStore) -> None:
    request_id = _ask(store, "street_a")
    with pytest.raises(AccessRequestRefused, match="street_a has no community"):
        _approve(store, request_id, rows="own_community")


# --- treatments ------------------------------------------------------------------------------


def test_stricter_column_treatment_allowed(store: AccessRequestStore) -> None:
    request_id = _ask(store, "dept_x")
    _approve(store, request_id, treatments={"cases": "masked", "reporter_phone": "token"})
    shown = _treatments(store, "dept_x")
    assert (shown["cases"], shown["reporter_phone"]) == ("masked", "token")
    assert shown["street_code"] == "clear"  # what the steward did not narrow is as asked


def test_weaker_column_treatment_denied(store: AccessRequestStore) -> None:
    request_id = _ask(store, "dept_x")
    with pytest.raises(
        AccessRequestRefused,
        match=r"reporter_phone: clear shows more than the masked the request asked for",
    ):
        _approve(store, request_id, treatments={"reporter_phone": "clear"})
    assert store.get(request_id).grant is None


def test_stricter_level_treatment_allowed(store: AccessRequestStore) -> None:
    request_id = _ask(store, "dept_x")
    _approve(store, request_id, treatments={"L3": "withheld"})
    assert _treatments(store, "dept_x")["reporter_phone"] == "withheld"


def test_weaker_level_treatment_denied(store: AccessRequestStore) -> None:
    request_id = _ask(store, "dept_x")
    with pytest.raises(AccessRequestRefused, match=r"L4: token shows more than the withheld"):
        _approve(store, request_id, treatments={"L4": "token"})


def test_token_on_a_column_with_a_token_domain_allowed(store: AccessRequestStore) -> None:
    request_id = _ask(store, "dept_x")
    _approve(store, request_id, treatments={"reporter_phone": "token"})
    assert _treatments(store, "dept_x")["reporter_phone"] == "token"


def test_token_on_a_column_without_a_token_domain_denied(store: AccessRequestStore) -> None:
    # A room shows such a column as it is under token: that would narrow nothing.
    request_id = _ask(store, "dept_x")
    with pytest.raises(AccessRequestRefused, match="token would show cases as it is"):
        _approve(store, request_id, treatments={"cases": "token"})
    with pytest.raises(AccessRequestRefused, match="token would show street_code, community_code"):
        _approve(store, request_id, treatments={"L1": "token"})


def test_the_same_mask_allowed(store: AccessRequestStore) -> None:
    request_id = _ask(store, "dept_x")
    _approve(store, request_id, treatments={"cases": "masked:keep_first3_last4"})
    assert _treatments(store, "dept_x")["cases"] == "masked"


def test_another_mask_over_a_masked_request_denied(store: AccessRequestStore) -> None:
    request_id = _ask(store, "dept_x")
    with pytest.raises(AccessRequestRefused, match="another mask than the request's masked"):
        _approve(store, request_id, treatments={"reporter_phone": "masked:keep_first3_last4"})


@pytest.mark.parametrize(
    ("treatments", "why"),
    [
        ({"no_such_column": "withheld"}, "no column 'no_such_column' in case_details"),
        ({"cases": "blurred"}, "unknown treatment 'blurred'"),
    ],
)
def test_unknown_columns_and_treatments_are_refused(
    store: AccessRequestStore, treatments: dict[str, str], why: str
) -> None:
    request_id = _ask(store, "dept_x")
    with pytest.raises(AccessRequestRefused, match=why):
        _approve(store, request_id, treatments=treatments)


def test_a_narrowed_grant_says_how_in_its_reason(store: AccessRequestStore) -> None:
    request_id = _ask(store, "street_a", rows="district")
    _approve(store, request_id, rows="own_street", treatments={"cases": "withheld"})
    grant = store.get(request_id).grant
    assert grant is not None
    assert "narrowed: rows own_street (asked district); cases withheld" in grant.reason
    summary = store.get(request_id).summary(DAY)
    assert (summary["rows"], summary["granted_rows"]) == ("district", "own_street")
    assert summary["granted_treatments"] == {"cases": "withheld"}
