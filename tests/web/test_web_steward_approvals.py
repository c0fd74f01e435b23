"""The approvals queue: a steward's approver decides access requests and client systems,
each with a reason, through the API's and CLI's own code path. Pairs: the approver may,
a steward's viewer and a street office may not; a missing reason or CSRF token changes
nothing; what a requester typed is shown as text."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "service"))
from page_client import csrf_token_in
from service_home import Served, make_hub, serve
from steward_pages import ESCAPED, HOSTILE, signed_in

from identity.clients import get_client, register_client

PRODUCT = "proactive_turning_sixty"  # 有条件共享, not granted to 东湖 in config/grants.yaml


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(make_hub(tmp_path_factory.mktemp("approvals"))) as running:
        yield running


def _ask(
    served: Served, purpose: str, product: str = PRODUCT, login: str = "donghu_requester"
) -> str:
    """A request filed through the API (东湖's requester by default), as a page would."""
    with served.client(served.sign_in(login)) as client:
        made = client.post(
            "/api/v1/access-requests",
            json={"product": product, "purpose": purpose, "until": "2027-06-30"},
        )
    assert made.status_code == 201, made.text
    request_id: str = made.json()["id"]
    return request_id


def _requester_products(served: Served) -> set[str]:
    with served.client(served.sign_in("donghu_requester")) as client:
        answer = client.get("/api/v1/products")
    assert answer.status_code == 200
    return {p["name"] for p in answer.json()["products"]}


def _state(served: Served, request_id: str) -> str:
    return served.hub.access_requests.get(request_id).state


def _decide(
    client: httpx.Client, request_id: str, action: str, reason: str, *, token: str | None = None
) -> httpx.Response:
    if token is None:
        token = csrf_token_in(client.get("/steward/approvals").text)
    return client.post(
        f"/steward/approvals/requests/{request_id}/{action}",
        data={"csrf_token": token, "reason": reason},
    )


def test_approving_with_a_reason_opens_the_product_to_the_requester_and_is_audited(
    served: Served,
) -> None:
    request_id = _ask(served, "年满60周岁居民养老服务告知")
    assert PRODUCT not in _requester_products(served)
    with signed_in(served, "steward_approver") as client:
        queue = client.get("/steward/approvals")
        assert request_id in queue.text and "年满60周岁居民养老服务告知" in queue.text
        approved = _decide(client, request_id, "approve", "街道养老服务告知，职责所需")
        assert approved.status_code == 303
        assert approved.headers["location"] == f"/steward/approvals?decided={request_id}"
        after = client.get(approved.headers["location"])
    assert PRODUCT in _requester_products(served)
    assert _state(served, request_id) == "approved"
    decided = after.text.split("已决定的访问申请")[1]
    assert (
        request_id in decided and "approved" in decided and "街道养老服务告知，职责所需" in decided
    )
    grants = [e for e in served.audit_events("grant") if e["details"].get("request") == request_id]
    approve = [e for e in grants if e["details"]["action"] == "approve"]
    assert approve and approve[-1]["details"]["outcome"] == "approved"
    assert approve[-1]["details"]["reason"] == "街道养老服务告知，职责所需"
    assert approve[-1]["actor"] == "steward_district"
    page_calls = [
        e for e in served.audit_events("api")
        if e["details"]["endpoint"] == "POST /steward/approvals/requests/{request_id}/{action}"
    ]  # fmt: skip
    assert page_calls and page_calls[-1]["details"]["by"].startswith("person u-")


def test_deny_without_a_reason_is_shown_in_place_and_changes_nothing(served: Served) -> None:
    request_id = _ask(served, "东湖街道走访排期", "proactive_disabled_unvisited")
    before = len(served.audit_events("grant"))
    with signed_in(served, "steward_approver") as client:
        refused = _decide(client, request_id, "deny", "   ")
    assert refused.status_code == 422
    assert "请写明理由" in refused.text and 'role="alert"' in refused.text
    row = refused.text.split(f'<tr id="{request_id}">')[1].split("</tr>")[0]
    assert "请写明理由" in row  # beside the request it was about
    assert _state(served, request_id) == "requested"
    assert len(served.audit_events("grant")) == before
    with signed_in(served, "steward_approver") as client:
        denied = _decide(client, request_id, "deny", "请先说明走访对象范围")
    assert denied.status_code == 303 and _state(served, request_id) == "denied"


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(served: Served) -> None:
    request_id = _ask(served, "企业核实", "street_enterprise_roster", "hotline_requester")
    with signed_in(served, "steward_approver") as client:
        forged = client.post(
            f"/steward/approvals/requests/{request_id}/approve", data={"reason": "伪造"}
        )
        wrong = _decide(client, request_id, "approve", "伪造", token="0" * 64)
    assert forged.status_code == 403 and wrong.status_code == 403
    assert "CSRF" in forged.text
    assert _state(served, request_id) == "requested"


def test_a_stewards_viewer_sees_the_page_but_may_not_decide(served: Served) -> None:
    request_id = _ask(served, "社会组织核实", "street_social_organisations", "hotline_requester")
    with signed_in(served, "steward_viewer") as client:
        page = client.get("/steward/approvals")
        refused = _decide(client, request_id, "approve", "职责所需", token=csrf_token_in(page.text))
    assert page.status_code == 200 and "审批人角色" in page.text
    assert f"/steward/approvals/requests/{request_id}/approve" not in page.text
    assert refused.status_code == 403 and "rule 5" in refused.text
    assert _state(served, request_id) == "requested"


def test_a_street_office_may_not_decide_even_its_own_request(served: Served) -> None:
    request_id = _ask(served, "东湖街道自行审批", "department_linkage")
    with signed_in(served, "donghu_requester") as client:
        token = csrf_token_in(client.get("/me").text)
        refused = _decide(client, request_id, "approve", "我自己批准", token=token)
    assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
    assert _state(served, request_id) == "requested"


def test_what_a_requester_and_a_steward_typed_is_shown_as_text(served: Served) -> None:
    request_id = _ask(served, f"走访{HOSTILE}", "street_case_channels", "civil_requester")
    with signed_in(served, "steward_approver") as client:
        waiting = client.get("/steward/approvals").text
        _decide(client, request_id, "deny", f"不符合{HOSTILE}")
        decided = client.get("/steward/approvals").text
    assert "<script>alert(1)" not in waiting and f"走访{ESCAPED}" in waiting
    assert "<script>alert(1)" not in decided and f"不符合{ESCAPED}" in decided


def test_a_client_system_is_approved_with_its_key_shown_once_or_denied(served: Served) -> None:
    hub = served.hub
    first = register_client(hub, principal="street_donghu", name="东湖网格系统",
                            scopes=["products:read"], requested_by="person u-9999")  # fmt: skip
    second = register_client(hub, principal="street_donghu", name=f"未知系统{HOSTILE}",
                             scopes=["query"], requested_by="person u-9999")  # fmt: skip
    with signed_in(served, "steward_approver") as client:
        queue = client.get("/steward/approvals")
        assert first.id in queue.text and "东湖网格系统" in queue.text
        assert "<script>alert(1)" not in queue.text
        token = csrf_token_in(queue.text)
        missing = client.post(f"/steward/approvals/clients/{first.id}/approve",
                              data={"csrf_token": token, "reason": ""})  # fmt: skip
        assert missing.status_code == 422 and get_client(hub, first.id).state == "pending"
        approved = client.post(f"/steward/approvals/clients/{first.id}/approve",
                               data={"csrf_token": token, "reason": "网格系统接入，已核实"})  # fmt: skip
        denied = client.post(f"/steward/approvals/clients/{second.id}/deny",
                             data={"csrf_token": token, "reason": "用途不明"})  # fmt: skip
    assert approved.status_code == 200
    key = re.search(r"szk_c-[0-9]{4}_[A-Za-z0-9_-]{43}", approved.text)
    assert key, "the key is shown once on the answer"
    with served.client(key.group(0)) as system:
        assert system.get("/api/v1/products").status_code == 200
    assert denied.status_code == 303 and get_client(hub, second.id).state == "revoked"
    assert get_client(hub, first.id).reason == "网格系统接入，已核实"
    with signed_in(served, "steward_approver") as client:
        assert key.group(0) not in client.get("/steward/approvals").text  # never again


def test_a_stewards_viewer_may_not_approve_a_client(served: Served) -> None:
    client_made = register_client(served.hub, principal="dept_hotline_12345", name="热线系统",
                                  scopes=["products:read"], requested_by="person u-9998")  # fmt: skip
    with signed_in(served, "steward_viewer") as client:
        token = csrf_token_in(client.get("/steward/approvals").text)
        refused = client.post(f"/steward/approvals/clients/{client_made.id}/approve",
                              data={"csrf_token": token, "reason": "职责所需"})  # fmt: skip
    assert refused.status_code == 403
    assert get_client(served.hub, client_made.id).state == "pending"


# --- approving narrower than asked, through the engine's one rule (policies.grant_narrowing) ---


def _decide_narrowed(
    client: httpx.Client, request_id: str, rows: str, treatments: str
) -> httpx.Response:
    token = csrf_token_in(client.get("/steward/approvals").text)
    return client.post(
        f"/steward/approvals/requests/{request_id}/approve",
        data={"csrf_token": token, "reason": "职责所需", "rows": rows, "treatments": treatments},
    )


def test_the_approval_form_grants_narrower_rows_and_treatments_than_asked(
    served: Served,
) -> None:
    with served.client(served.sign_in("donghu_requester")) as client:
        made = client.post(
            "/api/v1/access-requests",
            json={"product": "proactive_disabled_unvisited", "purpose": "残疾人走访排期",
                  "until": "2027-06-30", "rows": "district"},
        )  # fmt: skip
    assert made.status_code == 201, made.text
    request_id = made.json()["id"]
    with signed_in(served, "steward_approver") as client:
        form = client.get("/steward/approvals").text
        row = form.split(f'<tr id="{request_id}">')[1].split("</tr>")[0]
        assert 'name="rows"' in row and "district" in row  # the asked rows, shown to narrow
        approved = _decide_narrowed(client, request_id, "own_street", "community_name=masked")
    assert approved.status_code == 303, approved.text
    grant = served.hub.access_requests.get(request_id).grant
    assert grant is not None and grant.rows == "own_street"
    assert grant.column_treatments == {"community_name": "masked"}


def test_the_approval_form_refuses_a_weaker_treatment_than_asked(served: Served) -> None:
    request_id = _ask(served, "重复投诉核实", "street_repeat_complaints", "hotline_requester")
    with signed_in(served, "steward_approver") as client:
        refused = _decide_narrowed(client, request_id, "", "L4=clear")
    assert refused.status_code == 403
    assert "L4: clear shows more than the withheld the request asked for" in refused.text
    assert _state(served, request_id) == "requested"
