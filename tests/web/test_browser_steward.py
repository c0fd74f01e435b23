"""The steward in the browser, end to end on a live `shuzhi serve` of the demo district:
the 东湖 street office (login ``donghu``) asks for a product through the API, the steward
(login ``steward``) approves it on the approvals page with a reason, and the street's room
changes: 东湖 now sees the product and reads its rows. Screenshot docs/screenshots/steward.png."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from browser import screenshot, sign_in
from live_server import LiveServer
from playwright.sync_api import Page, expect

# 有条件共享 products config/grants.yaml gives 东湖 no grant for, in the order tried.
CANDIDATES = ("proactive_turning_sixty", "proactive_disabled_unvisited", "department_linkage")
PURPOSE = "年满60周岁居民养老服务政策告知"
REASON = "东湖街道养老服务政策告知，职责所需，仅限本街道"


@contextmanager
def _street(server: LiveServer, password: str) -> Iterator[httpx.Client]:
    """东湖's requester on the API, signed in with a bearer token."""
    with httpx.Client(base_url=server.url, timeout=120) as client:
        signed = client.post("/api/v1/auth/sign-in", json={"login": "donghu", "password": password})
        assert signed.status_code == 200, signed.text
        client.headers["Authorization"] = f"Bearer {signed.json()['token']}"
        yield client


def _products(street: httpx.Client) -> set[str]:
    answer = street.get("/api/v1/products")
    assert answer.status_code == 200, answer.text
    return {p["name"] for p in answer.json()["products"]}


def _ask(street: httpx.Client) -> tuple[str, str]:
    """(request id, product) of a request 东湖 files for a product it cannot see yet."""
    until = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    seen = _products(street)
    refusals = []
    for product in (p for p in CANDIDATES if p not in seen):
        made = street.post(
            "/api/v1/access-requests", json={"product": product, "purpose": PURPOSE, "until": until}
        )
        if made.status_code == 201:
            return made.json()["id"], product
        refusals.append(made.text)
    raise AssertionError(f"东湖 could ask for none of {CANDIDATES}: {refusals}")


def test_the_steward_approves_a_street_request_and_the_streets_room_changes(
    web_server: LiveServer, web_home: Any, page: Page
) -> None:
    passwords = web_home.sign_ins()
    with _street(web_server, passwords["donghu"]) as street:
        request_id, product = _ask(street)
        assert product not in _products(street)

        sign_in(page, web_server.url, "steward", passwords["steward"], "/steward/approvals")
        page.wait_for_url("**/steward/approvals")
        row = page.locator(f"tr#{request_id}")
        expect(row).to_contain_text(PURPOSE)
        row.locator("form[action$='/approve'] input[name=reason]").fill(REASON)
        row.locator("form[action$='/approve'] button").click()
        page.wait_for_url(f"**/steward/approvals?decided={request_id}")

        decided = page.locator("table.requests-decided").locator(f"tr#{request_id}")
        expect(decided).to_contain_text("approved")
        expect(decided).to_contain_text(REASON)
        screenshot(page, "steward")

        assert product in _products(street)  # the engine now decides for 东湖
        rows = street.get(f"/api/v1/products/{product}/rows", params={"purpose": PURPOSE})
        assert rows.status_code == 200, rows.text  # read in 东湖's rebuilt room
