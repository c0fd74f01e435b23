"""Access requests: each refusal, approval honoured by the engine, revocation and expiry
taking effect at once in decide(), the data room and the gateway."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from policy_fixtures import DAY, new_keystore, policies, product, room_catalog, stand_in_lake

from audit.log import AuditLog
from catalog.contracts import ProductContract
from catalog.errors import ConfigError
from catalog.registry import Catalog
from encryption.keystore import KeyStore
from gateway.service import AccessRefused, QueryGateway
from policies.access_requests import (
    AccessRequestRefused,
    AccessRequestStore,
    UnknownRequest,
    merge_grants,
    one_year_after,
)
from policies.engine import decide
from policies.explain import explain
from policies.models import PolicySet
from policies.rooms import build_room

CONDITIONAL = product("case_details", sharing="conditional")
OPEN = product("street_case_stats")  # unconditional; street offices hold a grant for it
SECRET = product("case_secrets", sharing="none")
PRODUCTS: dict[str, ProductContract] = {p.name: p for p in (CONDITIONAL, OPEN, SECRET)}
UNTIL = DAY + dt.timedelta(days=30)
CONFIG = policies()


@pytest.fixture
def store(tmp_path: Path) -> AccessRequestStore:
    return AccessRequestStore.in_folder(tmp_path / "state")


def _ask(
    store: AccessRequestStore,
    principal: str = "dept_x",
    name: str = "case_details",
    until: dt.date = UNTIL,
    purpose: str = "核实诉求办理情况",
) -> str:
    return store.request(
        CONFIG, PRODUCTS, principal=principal, product=name, purpose=purpose, until=until, day=DAY
    ).id


def _approve(store: AccessRequestStore, request_id: str, steward: str = "steward") -> None:
    store.approve(CONFIG, PRODUCTS, request_id, steward=steward, reason="职责所需", day=DAY)


def _live(store: AccessRequestStore) -> PolicySet:
    return store.policies(CONFIG)


# --- requests: refused with a reason ------------------------------------------------


def test_a_request_may_run_to_the_same_date_next_year_and_no_further(
    store: AccessRequestStore,
) -> None:
    common_year = dt.date(2026, 3, 1)
    assert one_year_after(common_year) == dt.date(2027, 3, 1)
    assert one_year_after(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)
    ok = store.request(
        CONFIG, PRODUCTS, principal="dept_x", product="case_details", purpose="核实",
        until=dt.date(2027, 3, 1), day=common_year,
    )  # fmt: skip
    assert ok.until == dt.date(2027, 3, 1)
    with pytest.raises(
        AccessRequestRefused, match=r"more than a year ahead \(at most 2027-03-01\)"
    ):
        store.request(
            CONFIG, PRODUCTS, principal="dept_x", product="case_details", purpose="核实另一件",
            until=dt.date(2027, 3, 2), day=common_year,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("principal", "name", "until", "purpose", "why"),
    [
        ("nobody", "case_details", UNTIL, "p", "unknown principal"),
        ("dept_x", "no_such_product", UNTIL, "p", "unknown product"),
        ("dept_x", "case_secrets", UNTIL, "p", "不予共享"),
        ("street_a", "street_case_stats", UNTIL, "p", "already sees street_case_stats"),
        ("reviewer", "case_details", UNTIL, "p", "deny rule d-reviewer"),
        ("dept_x", "case_details", DAY, "p", "not in the future"),
        ("dept_x", "case_details", DAY - dt.timedelta(days=1), "p", "not in the future"),
        ("dept_x", "case_details", one_year_after(DAY) + dt.timedelta(days=1), "p", "a year"),
        ("dept_x", "case_details", UNTIL, "  ", "purpose is required"),
    ],
)
def test_request_refused(
    store: AccessRequestStore, principal: str, name: str, until: dt.date, purpose: str, why: str
) -> None:
    with pytest.raises(AccessRequestRefused, match=why):
        _ask(store, principal, name, until, purpose)
    assert store.all() == []


def test_request_recorded_with_a_short_id_and_a_duplicate_refused(
    store: AccessRequestStore,
) -> None:
    first = _ask(store)
    assert first == "req-0001"
    with pytest.raises(AccessRequestRefused, match="req-0001 already asks"):
        _ask(store)
    assert _ask(store, "street_b") == "req-0002"
    request = store.get(first)
    assert request.state == "requested" and request.until == UNTIL and request.grant is None
    saved = json.loads(store.path.read_text(encoding="utf-8"))
    assert [r["id"] for r in saved["requests"]] == ["req-0001", "req-0002"]
    assert store.path.stat().st_mode & 0o777 == 0o600


# --- decisions: only a steward, never on its own request ------------------------------


@pytest.mark.parametrize(
    ("who", "why"),
    [
        ("street_a", "street_office; only a data steward"),
        ("dept_x", "department; only a data steward"),
        ("reviewer", "reviewer; only a data steward"),
        ("nobody", "unknown principal"),
    ],
)
def test_only_a_steward_decides(store: AccessRequestStore, who: str, why: str) -> None:
    request_id = _ask(store)
    for action in (store.deny, store.revoke):
        with pytest.raises(AccessRequestRefused, match=why):
            action(CONFIG, request_id, steward=who, reason="r", day=DAY)
    with pytest.raises(AccessRequestRefused, match=why):
        _approve(store, request_id, steward=who)
    assert store.get(request_id).state == "requested"


def test_steward_cannot_decide_its_own_request(store: AccessRequestStore) -> None:
    request_id = _ask(store, principal="steward")  # the wildcard grant skips conditional products
    with pytest.raises(AccessRequestRefused, match="its own request"):
        _approve(store, request_id)
    with pytest.raises(AccessRequestRefused, match="its own request"):
        store.deny(CONFIG, request_id, steward="steward", reason="r", day=DAY)


def test_personal_data_in_purpose_and_reasons_is_stored_as_tags(
    store: AccessRequestStore,
) -> None:
    request_id = _ask(store, purpose="回访反映人王秀英 139-1234-5678")
    store.approve(
        CONFIG, PRODUCTS, request_id, steward="steward",
        reason="张建国的证件号 440303 19900102 0475 已核实", day=DAY,
    )  # fmt: skip
    request = store.get(request_id)
    assert request.purpose == "回访反映人[PERSON] [CN_MOBILE]"
    assert (
        request.last is not None
        and request.last.reason == "[PERSON]的证件号 [CN_RESIDENT_ID] 已核实"
    )
    assert request.grant is not None and "张建国" not in request.grant.reason
    saved = store.path.read_text(encoding="utf-8")
    for typed in ("王秀英", "张建国", "139-1234-5678", "1234-5678", "19900102"):
        assert typed not in saved


def test_decision_needs_a_reason_and_a_known_request(store: AccessRequestStore) -> None:
    request_id = _ask(store)
    with pytest.raises(AccessRequestRefused, match="reason is required"):
        store.approve(CONFIG, PRODUCTS, request_id, steward="steward", reason=" ", day=DAY)
    with pytest.raises(UnknownRequest):
        _approve(store, "req-9999")


def test_denied_request_grants_nothing_and_cannot_be_approved_later(
    store: AccessRequestStore,
) -> None:
    request_id = _ask(store)
    denied = store.deny(CONFIG, request_id, steward="steward", reason="目的不明确", day=DAY)
    assert denied.state == "denied" and denied.last is not None
    assert (denied.last.by, denied.last.reason) == ("steward", "目的不明确")
    with pytest.raises(AccessRequestRefused, match="it is denied, not requested"):
        _approve(store, request_id)
    assert not decide("dept_x", CONDITIONAL, _live(store), day=DAY).allowed
    with pytest.raises(AccessRequestRefused, match="it is denied, not approved"):
        store.revoke(CONFIG, request_id, steward="steward", reason="r", day=DAY)


# --- approval creates a grant the engine honours --------------------------------------


def test_approval_creates_a_conservative_grant_the_engine_honours(
    store: AccessRequestStore,
) -> None:
    assert not decide("dept_x", CONDITIONAL, _live(store), day=DAY).allowed
    request_id = _ask(store)
    _approve(store, request_id)
    grant = store.get(request_id).grant
    assert grant is not None and grant.id == "g-req-0001"
    assert grant.to.principal == "dept_x" and grant.products == ["case_details"]
    assert grant.rows == "district"  # a department has no jurisdiction of its own
    assert (grant.valid_from, grant.valid_until) == (DAY, UNTIL)
    assert grant.purpose == "核实诉求办理情况"
    # The request's purpose is the one its grant accepts: reads for any other are refused.
    assert grant.purposes == ["核实诉求办理情况"]
    assert decide("dept_x", CONDITIONAL, _live(store), day=DAY, purpose="核实诉求办理情况").allowed
    other = decide("dept_x", CONDITIONAL, _live(store), day=DAY, purpose="随便看看")
    assert not other.allowed and "g-req-0001 accepts 核实诉求办理情况" in other.reasons[0]

    decision = decide("dept_x", CONDITIONAL, _live(store), day=DAY)
    assert decision.allowed and decision.grants == ["g-req-0001"]
    assert decision.row_filter is None
    treatments = {c.name: c.treatment for c in decision.columns}
    assert treatments["cases"] == "clear"
    assert treatments["reporter_phone"] == "masked"
    assert treatments["reporter_id"] == "withheld"
    # Only the named principal: its neighbours still need their own request.
    assert not decide("analyst", CONDITIONAL, _live(store), day=DAY).allowed
    with pytest.raises(AccessRequestRefused, match="already sees case_details through g-req-0001"):
        _ask(store)


def test_street_office_gets_its_own_street_only(store: AccessRequestStore) -> None:
    _approve(store, _ask(store, principal="street_b"))
    decision = decide("street_b", CONDITIONAL, _live(store), day=DAY)
    assert decision.allowed and decision.row_filter is not None
    assert decision.row_filter.value == "440399002"


def test_explain_names_the_grant_and_every_reason_for_a_denial(
    store: AccessRequestStore,
) -> None:
    before = explain("dept_x", CONDITIONAL, _live(store), product_name="case_details", day=DAY)
    assert not before.allowed and before.hint and "access request" in before.hint
    steward = explain("steward", CONDITIONAL, _live(store), product_name="case_details", day=DAY)
    assert any("g-steward covers every product" in r for r in steward.reasons)

    request_id = _ask(store)
    waiting = explain(
        "dept_x",
        CONDITIONAL,
        _live(store),
        product_name="case_details",
        requests=store.all(),
        day=DAY,
    )
    assert any(f"{request_id} waits" in r for r in waiting.reasons) and waiting.hint is None

    _approve(store, request_id)
    found = explain("dept_x", CONDITIONAL, _live(store), product_name="case_details", day=DAY)
    assert found.allowed and found.rows == "district"
    assert [g["id"] for g in found.grants] == ["g-req-0001"]
    assert found.grants[0]["source"] == "access request req-0001"
    assert {c.name: c.treatment for c in found.decision.columns}["cases"] == "clear"
    assert json.loads(json.dumps(found.as_json()))["rows"] == "district"


def test_configured_grants_stay_authoritative(store: AccessRequestStore) -> None:
    _approve(store, _ask(store))
    grant = store.grants()[0]
    clashing = CONFIG.model_copy(update={"grants": [*CONFIG.grants, grant]})
    with pytest.raises(ConfigError, match="g-req-0001"):
        merge_grants(clashing, store.grants())


# --- revocation and expiry: decide(), the room and the gateway ------------------------


@pytest.fixture
def keystore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KeyStore:
    return new_keystore(tmp_path, monkeypatch)


@pytest.fixture
def lake() -> Iterator[duckdb.DuckDBPyConnection]:
    """A stand-in lake: an in-memory database attached as ``lake`` with case_details."""
    con = stand_in_lake()
    con.execute(
        """CREATE TABLE lake.products.case_details AS
           SELECT * FROM (VALUES
             ('440399001', '440399001001', 3, '02000001111', 't_a'),
             ('440399002', '440399002001', 5, '02000002222', 't_b')
           ) t(street_code, community_code, cases, reporter_phone, reporter_id)"""
    )
    yield con
    con.close()


@dataclass
class Approved:
    """dept_x's approved request for case_details, and the lake, room and gateway it reaches."""

    request_id: str
    store: AccessRequestStore
    lake: duckdb.DuckDBPyConnection
    catalog: Catalog
    keystore: KeyStore
    folder: Path

    def room_tables(self, day: dt.date = DAY) -> set[str]:
        """The tables in dept_x's data room, rebuilt from the live policies on ``day``."""
        report = build_room(
            self.lake,
            self.folder / "rooms",
            "dept_x",
            self.catalog,
            _live(self.store),
            self.keystore,
            day=day,
        )
        room = duckdb.connect(str(report.path), read_only=True)
        try:
            tables = room.execute("SELECT table_name FROM duckdb_tables()").fetchall()
            return {row[0] for row in tables}
        finally:
            room.close()

    def gateway(self) -> QueryGateway:
        """A gateway reading the policies as they are now."""
        return QueryGateway(
            self.catalog,
            _live(self.store),
            self.folder / "rooms",
            AuditLog(self.folder / "audit" / "audit.log"),
        )


@pytest.fixture
def approved(
    tmp_path: Path,
    store: AccessRequestStore,
    lake: duckdb.DuckDBPyConnection,
    keystore: KeyStore,
) -> Approved:
    request_id = _ask(store)
    _approve(store, request_id)
    catalog = room_catalog(tmp_path, CONDITIONAL)
    return Approved(request_id, store, lake, catalog, keystore, tmp_path)


def test_revocation_takes_effect_at_once(approved: Approved) -> None:
    store, request_id = approved.store, approved.request_id
    assert "case_details" in approved.room_tables()
    answer = approved.gateway().query(
        "dept_x", "SELECT sum(cases) AS n FROM case_details", purpose="核实诉求办理情况", day=DAY
    )
    assert answer.result.table.to_pylist() == [{"n": 8}] and answer.grants == ["g-req-0001"]
    stale = approved.gateway()  # policies read before the revocation

    revoked = store.revoke(CONFIG, request_id, steward="steward", reason="核实结束", day=DAY)
    assert revoked.state == "revoked" and store.grants() == []
    assert not decide("dept_x", CONDITIONAL, _live(store), day=DAY).allowed
    with pytest.raises(AccessRefused, match="case_details"):
        approved.gateway().query(
            "dept_x", "SELECT count(*) FROM case_details", purpose="核实诉求办理情况", day=DAY
        )
    assert "case_details" not in approved.room_tables()
    # Even a gateway holding the old policies cannot read what the room no longer has.
    with pytest.raises(Exception, match="case_details"):
        stale.query(
            "dept_x", "SELECT count(*) FROM case_details", purpose="核实诉求办理情况", day=DAY
        )
    with pytest.raises(AccessRequestRefused, match="it is revoked, not approved"):
        store.revoke(CONFIG, request_id, steward="steward", reason="again", day=DAY)


def test_expiry_takes_effect_the_day_after_until(approved: Approved) -> None:
    store, request_id = approved.store, approved.request_id
    last_day, after = UNTIL, UNTIL + dt.timedelta(days=1)
    assert decide("dept_x", CONDITIONAL, _live(store), day=last_day).allowed
    assert store.get(request_id).state_on(last_day) == "approved"

    lapsed = decide("dept_x", CONDITIONAL, _live(store), day=after)
    assert not lapsed.allowed and "g-req-0001" in lapsed.reasons[0]
    assert store.get(request_id).state_on(after) == "expired"
    assert "case_details" not in approved.room_tables(after)
    with pytest.raises(AccessRefused, match="not valid"):
        approved.gateway().query(
            "dept_x", "SELECT count(*) FROM case_details", purpose="核实诉求办理情况", day=after
        )
    assert store.expire_due(last_day) == []
    [expired] = store.expire_due(after)
    assert expired.id == request_id and store.get(request_id).state == "expired"
    assert store.expire_due(after) == []
    with pytest.raises(AccessRequestRefused, match="it is expired"):
        store.revoke(CONFIG, request_id, steward="steward", reason="r", day=after)


def test_a_request_whose_period_passed_before_approval_is_refused(
    store: AccessRequestStore,
) -> None:
    request_id = _ask(store)
    with pytest.raises(AccessRequestRefused, match="has passed"):
        store.approve(CONFIG, PRODUCTS, request_id, steward="steward", reason="r", day=UNTIL)
