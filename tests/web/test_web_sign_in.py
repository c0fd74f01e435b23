"""Signing in and out of the pages: CSRF, session fixation, sign-out, headers, language.

Each attack is answered with the right status and a page that says why, and
the service answers the next request.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "service"))
from page_client import browser_like, csrf_token_in, sign_in
from service_home import PASSWORD, Served, make_hub, serve

from service.auth import SESSION_COOKIE


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(make_hub(tmp_path_factory.mktemp("web"))) as running:
        yield running


def test_the_front_page_sends_a_stranger_to_sign_in(served: Served) -> None:
    with browser_like(served.url) as client:
        answer = client.get("/")
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in"


def test_a_page_asks_for_sign_in_and_comes_back_after(served: Served) -> None:
    with browser_like(served.url) as client:
        answer = client.get("/me")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/sign-in?next=%2Fme"
        form = client.get(answer.headers["location"])
        signed = client.post(
            "/sign-in",
            data={"login": "reviewer", "password": PASSWORD, "next": "/me",
                  "csrf_token": csrf_token_in(form.text)},
        )  # fmt: skip
    assert signed.status_code == 303 and signed.headers["location"] == "/me"


def test_sign_in_goes_to_the_home_page_of_the_principal_and_me_says_who(served: Served) -> None:
    with browser_like(served.url) as client:
        signed = sign_in(client, "donghu_viewer", PASSWORD)
        assert signed.status_code == 303 and signed.headers["location"] == "/street"
        assert client.cookies.get(SESSION_COOKIE)
        me = client.get("/me")
    assert me.status_code == 200
    assert "东湖街道办事处" in me.text and "street_donghu" in me.text and "donghu_viewer" in me.text


def test_a_wrong_password_is_refused_on_the_page_and_sets_no_session(served: Served) -> None:
    with browser_like(served.url) as client:
        refused = sign_in(client, "donghu_viewer", "not the password")
        assert refused.status_code == 401
        assert "wrong login or password" in refused.text
        assert "not the password" not in refused.text
        assert not client.cookies.get(SESSION_COOKIE)


def test_sign_in_without_the_forms_token_is_refused(served: Served) -> None:
    with browser_like(served.url) as client:
        client.get("/sign-in")
        forged = client.post("/sign-in", data={"login": "donghu_viewer", "password": PASSWORD})
        assert forged.status_code == 403 and "sign-in form has expired" in forged.text
        assert not client.cookies.get(SESSION_COOKIE)
        assert sign_in(client, "donghu_viewer", PASSWORD).status_code == 303  # the next one works


def test_signing_in_replaces_any_session_the_browser_came_with(served: Served) -> None:
    planted = served.sign_in("xiling_viewer")  # a token an attacker got into the victim's browser
    with browser_like(served.url) as client:
        client.cookies.set(SESSION_COOKIE, planted, domain="127.0.0.1")
        sign_in(client, "donghu_viewer", PASSWORD)
        issued = client.cookies.get(SESSION_COOKIE)
    assert issued and issued != planted
    with served.client(planted) as attacker:
        assert attacker.get("/api/v1/me").status_code == 401  # the planted session has ended


def test_sign_out_needs_the_token_and_ends_the_session_on_the_hub(served: Served) -> None:
    with browser_like(served.url) as client:
        sign_in(client, "steward_viewer", PASSWORD)
        token = client.cookies.get(SESSION_COOKIE)
        page = client.get("/me")
        forged = client.post("/sign-out", data={})
        assert forged.status_code == 403
        assert client.get("/me").status_code == 200  # still signed in
        out = client.post("/sign-out", data={"csrf_token": csrf_token_in(page.text)})
        assert out.status_code == 303 and out.headers["location"] == "/sign-in"
    with browser_like(served.url) as replay:
        replay.cookies.set(SESSION_COOKIE, token or "", domain="127.0.0.1")
        assert replay.get("/me").status_code == 303  # the old cookie no longer opens a page


def test_next_never_leads_to_another_site(served: Served) -> None:
    with browser_like(served.url) as client:
        for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
            form = client.get("/sign-in", params={"next": target})
            assert target not in form.text
            signed = client.post(
                "/sign-in",
                data={"login": "reviewer", "password": PASSWORD, "next": target,
                      "csrf_token": csrf_token_in(form.text)},
            )  # fmt: skip
            assert signed.headers["location"] == "/reviewer"


def test_pages_carry_a_policy_with_no_inline_script_and_are_never_framed(served: Served) -> None:
    with browser_like(served.url) as client:
        page = client.get("/sign-in")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert "<script>" not in page.text and " on" + "click=" not in page.text


def test_the_chart_library_is_served_by_the_hub(served: Served) -> None:
    with browser_like(served.url) as client:
        page = client.get("/sign-in")
        script = client.get("/static/vendor/echarts.min.js")
    assert 'src="/static/vendor/echarts.min.js"' in page.text
    assert script.status_code == 200 and len(script.content) > 100_000
    assert "http://" not in page.text and "https://" not in page.text


def test_a_cookie_call_that_changes_state_needs_the_pages_token(served: Served) -> None:
    with browser_like(served.url) as client:
        sign_in(client, "donghu_requester", PASSWORD)
        forged = client.post("/api/v1/auth/sign-out")
        assert forged.status_code == 403 and forged.json()["error"] == "csrf"
        assert client.get("/api/v1/me").status_code == 200  # reading needs no token
        token = csrf_token_in(client.get("/me").text)
        ended = client.post("/api/v1/auth/sign-out", headers={"X-CSRF-Token": token})
        assert ended.status_code == 200 and ended.json()["signed_out"] is True


def test_a_bearer_call_needs_no_page_token(served: Served) -> None:
    with served.client(served.sign_in("donghu_requester")) as client:
        assert client.post("/api/v1/auth/sign-out").status_code == 200


def test_english_on_request_chinese_by_default(served: Served) -> None:
    with browser_like(served.url) as client:
        assert "登录数治" in client.get("/sign-in").text
        switched = client.get("/language/en", params={"next": "/sign-in"})
        assert switched.status_code == 303 and switched.headers["location"] == "/sign-in"
        assert "Sign in to Shuzhi" in client.get("/sign-in").text


def test_what_a_person_types_is_shown_as_text(served: Served) -> None:
    hostile = '<script>alert(1)</script>“引号”"'
    with browser_like(served.url) as client:
        refused = sign_in(client, hostile[:60], "x")
    assert "<script>alert(1)" not in refused.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;“引号”&#34;" in refused.text


def test_an_unknown_page_is_a_404_page_and_page_views_are_audited(served: Served) -> None:
    with browser_like(served.url) as client:
        sign_in(client, "reviewer", PASSWORD)
        missing = client.get("/no-such-page")
        assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
        client.get("/me")
    viewed = [e for e in served.audit_events("api") if e["details"]["endpoint"] == "GET /me"]
    assert viewed and viewed[-1]["details"]["by"].startswith("person u-")


def test_the_service_answers_after_a_hostile_request(served: Served) -> None:
    with httpx.Client(base_url=served.url, timeout=30) as client:
        assert client.post("/sign-in", content=b"\xff\xfe" * 1000).status_code in (403, 422)
        assert client.get("/healthz").status_code == 200
