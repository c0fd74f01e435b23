"""Single sign-on from the sign-in page against a real OpenID Connect provider on loopback.

The browser is an httpx client that follows no redirect by itself: each step of
the flow (to the provider, back to the hub) is taken here, so a test can tamper
with it (another state, a replay, a token with another nonce) and see it refused
with a page that says why, and the next sign-in still work.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "service"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "identity"))
from loopback_provider import (
    CLIENT_ID,
    FORGED_KEY,
    LoopbackProvider,
    loopback_provider,
    redirect_target,
)
from page_client import browser_like
from service_home import Served, make_hub, serve

from identity.people import disable_user
from identity.users import users_of
from pipelines.hub import Hub
from service.auth import SESSION_COOKIE
from web.routes_sso import FLOW_COOKIE

SECRET_ENV = "SHUZHI_TEST_SSO_CLIENT_SECRET"
DISPLAY_NAME = "区统一身份认证“东湖”<script>"


@dataclass
class Sso:
    served: Served
    provider: LoopbackProvider


@pytest.fixture(scope="module")
def sso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sso]:
    from loopback_provider import CLIENT_SECRET

    root = tmp_path_factory.mktemp("web-sso")
    with pytest.MonkeyPatch.context() as env, loopback_provider() as provider:
        env.setenv(SECRET_ENV, CLIENT_SECRET)  # the secret only ever reaches the hub this way
        made = make_hub(root)
        config = root / "config"
        shutil.copytree(made.config, config)
        settings = provider.settings_yaml(secret_env=SECRET_ENV, display_name=DISPLAY_NAME)
        (config / "identity.yaml").write_text(settings, encoding="utf-8")
        with serve(Hub(made.home, config)) as served:
            yield Sso(served, provider)


@pytest.fixture
def provider(sso: Sso) -> Iterator[LoopbackProvider]:
    yield sso.provider
    sso.provider.reset()


def start(client: httpx.Client, next_path: str = "") -> str:
    """Press the provider's button: the URL of the provider's authorization endpoint."""
    params = {"next": next_path} if next_path else {}
    answer = client.get("/sign-in/sso/district", params=params)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def at_provider(authorize_url: str) -> str:
    """Sign in at the provider: the callback URL it sends the browser back to."""
    with httpx.Client(follow_redirects=False, timeout=30) as browser:
        answer = browser.get(authorize_url)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def sso_sign_in(client: httpx.Client, next_path: str = "") -> httpx.Response:
    return client.get(at_provider(start(client, next_path)))


def refusals(served: Served) -> list[dict]:
    return [e for e in served.audit_events("sign_in") if e["details"]["outcome"] == "refused"]


# 1. The sign-in page offers the provider.


def test_the_sign_in_page_has_a_button_for_the_provider(sso: Sso) -> None:
    with browser_like(sso.served.url) as client:
        page = client.get("/sign-in", params={"next": "/me"})
        client.get("/language/en")
        english = client.get("/sign-in")
    assert page.status_code == 200
    assert 'href="/sign-in/sso/district?next=/me"' in page.text
    assert "使用统一身份认证登录" in page.text
    assert "区统一身份认证“东湖”&lt;script&gt;" in page.text and "<script>“" not in page.text
    assert "Sign in with" in english.text


def test_the_button_sends_the_browser_to_the_provider_with_state_nonce_and_s256(
    sso: Sso,
) -> None:
    with browser_like(sso.served.url) as client:
        answer = client.get("/sign-in/sso/district")
    endpoint, asked = redirect_target(answer.headers["location"])
    assert answer.status_code == 303 and endpoint == f"{sso.provider.url}/authorize"
    assert asked["client_id"] == CLIENT_ID and asked["response_type"] == "code"
    assert asked["redirect_uri"] == f"{sso.served.url}/sign-in/sso/district/callback"
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
    assert len(asked["state"]) >= 43 and len(asked["nonce"]) >= 43
    assert asked["state"] != asked["nonce"] and "code_verifier" not in asked
    assert asked["scope"] == "openid profile"
    cookie = answer.headers["set-cookie"].lower()
    assert cookie.startswith(FLOW_COOKIE) and "httponly" in cookie and "samesite=lax" in cookie
    assert "path=/sign-in/sso" in cookie and "max-age=600" in cookie


def test_an_unknown_provider_is_a_404_page(sso: Sso) -> None:
    with browser_like(sso.served.url) as client:
        answer = client.get("/sign-in/sso/atlantis")
    assert answer.status_code == 404 and "text/html" in answer.headers["content-type"]


# 2. Signing in.


def test_sign_in_through_the_provider_opens_a_page_session(
    sso: Sso, provider: LoopbackProvider
) -> None:
    with browser_like(sso.served.url) as client:
        callback = at_provider(start(client))
        landed = client.get(callback)
        assert landed.status_code == 200, landed.text
        assert '<meta http-equiv="refresh" content="0; url=/street">' in landed.text
        assert client.cookies.get(SESSION_COOKIE) and not client.cookies.get(FLOW_COOKIE)
        me = client.get("/me")
    assert me.status_code == 200
    assert "street_donghu" in me.text and "district:emp-1001" in me.text and "requester" in me.text
    signed = sso.served.audit_events("sign_in")[-1]
    assert signed["details"]["outcome"] == "signed in"
    assert signed["details"]["provider"] == "district"
    assert signed["actor"].startswith("person u-")
    _, values = redirect_target(callback)
    logged = str(sso.served.audit_events())
    assert values["code"] not in logged and values["state"] not in logged
    assert "欧阳测试" not in logged and "emp-1001" not in logged  # ids of the hub, not the provider


@pytest.mark.parametrize(
    ("asked", "landed_on"), [("/me", "/me"), ("//evil.example/", "/street"),
                             ("https://evil.example/", "/street")],
)  # fmt: skip
def test_the_person_returns_to_the_page_they_asked_for_on_this_site(
    sso: Sso, provider: LoopbackProvider, asked: str, landed_on: str
) -> None:
    with browser_like(sso.served.url) as client:
        landed = sso_sign_in(client, next_path=asked)
    assert f'<a class="button" href="{landed_on}">' in landed.text
    assert "evil.example" not in landed.text


def test_signing_in_again_finds_the_same_person(sso: Sso, provider: LoopbackProvider) -> None:
    with browser_like(sso.served.url) as first, browser_like(sso.served.url) as second:
        sso_sign_in(first)
        sso_sign_in(second)
        pages = [client.get("/me").text for client in (first, second)]
    assert all("district:emp-1001" in page for page in pages)
    linked = [u for u in users_of(sso.served.hub).all() if u.sso == "district:emp-1001"]
    assert len(linked) == 1 and linked[0].password is None  # no password to guess


# 3. Answers that are not this browser's sign-in are refused (400).


def test_a_wrong_state_is_refused(sso: Sso, provider: LoopbackProvider) -> None:
    with browser_like(sso.served.url) as client:
        callback = at_provider(start(client))
        endpoint, values = redirect_target(callback)
        forged = client.get(endpoint, params={**values, "state": "not-the-flows-state"})
        assert forged.status_code == 400 and "state differs" in forged.text
        assert not client.cookies.get(SESSION_COOKIE)
    assert "state differs" in refusals(sso.served)[-1]["details"]["reason"]


def test_a_replayed_callback_is_refused(sso: Sso, provider: LoopbackProvider) -> None:
    with browser_like(sso.served.url) as client:
        callback = at_provider(start(client))
        flow = client.cookies.get(FLOW_COOKIE)
        assert client.get(callback).status_code == 200
        again = client.get(callback)
    assert again.status_code == 400 and "expired or was already used" in again.text
    with browser_like(sso.served.url) as replay:  # even with the flow's cookie
        replay.cookies.set(FLOW_COOKIE, flow or "", domain="127.0.0.1", path="/sign-in/sso")
        replayed = replay.get(callback)
        assert replayed.status_code == 400 and not replay.cookies.get(SESSION_COOKIE)


def test_a_callback_without_the_flow_cookie_is_refused(
    sso: Sso, provider: LoopbackProvider
) -> None:
    with browser_like(sso.served.url) as victim, browser_like(sso.served.url) as attacker:
        callback = at_provider(start(attacker))  # the attacker's own code, in the victim's browser
        answer = victim.get(callback)
        assert answer.status_code == 400 and not victim.cookies.get(SESSION_COOKIE)


# 4. A provider's answer that does not sign the person in (401).


def test_the_providers_refusal_is_shown(sso: Sso, provider: LoopbackProvider) -> None:
    provider.refuse_with = "access_denied<script>"
    with browser_like(sso.served.url) as client:
        answer = sso_sign_in(client)
    assert answer.status_code == 401 and "did not sign you in (access_denied)" in answer.text
    assert "<script>" not in answer.text.split("<main>")[1]


def test_an_id_token_with_another_nonce_is_refused(sso: Sso, provider: LoopbackProvider) -> None:
    provider.nonce = "a-nonce-of-another-sign-in"
    with browser_like(sso.served.url) as client:
        answer = sso_sign_in(client)
        assert answer.status_code == 401 and "nonce does not match" in answer.text
        assert not client.cookies.get(SESSION_COOKIE)
    assert "nonce" in refusals(sso.served)[-1]["details"]["reason"]


def test_an_id_token_with_a_forged_signature_is_refused(
    sso: Sso, provider: LoopbackProvider
) -> None:
    provider.signing_key = FORGED_KEY
    with browser_like(sso.served.url) as client:
        answer = sso_sign_in(client)
    assert answer.status_code == 401 and "signature is not valid" in answer.text


def test_an_unknown_principal_is_refused(sso: Sso, provider: LoopbackProvider) -> None:
    provider.claims["shuzhi_principal"] = "street_atlantis"
    with browser_like(sso.served.url) as client:
        answer = sso_sign_in(client)
        assert answer.status_code == 401 and "which is unknown" in answer.text
        assert not client.cookies.get(SESSION_COOKIE)
    refused = refusals(sso.served)[-1]
    assert refused["details"]["provider"] == "district" and refused["actor"] == "person unknown"


# 5. The provider's token endpoint fails (502), and the next sign-in works.


@pytest.mark.parametrize(
    ("mode", "said"), [("down", "cannot be reached"), ("failing", "answered HTTP 503")]
)
def test_a_failing_token_endpoint_is_said_and_the_next_sign_in_works(
    sso: Sso, provider: LoopbackProvider, mode: str, said: str
) -> None:
    provider.token_mode = mode  # type: ignore[assignment]
    with browser_like(sso.served.url) as client:
        failed = sso_sign_in(client)
        assert failed.status_code == 502 and said in failed.text
        assert not client.cookies.get(SESSION_COOKIE)
        provider.token_mode = "working"
        assert sso_sign_in(client).status_code == 200
        assert client.get("/me").status_code == 200


# 6. No session fixation: the session the browser held ends.


@pytest.mark.parametrize("sent_back", [False, True], ids=["strict-cookie-withheld", "sent"])
def test_a_planted_session_is_replaced_and_ended(
    sso: Sso, provider: LoopbackProvider, sent_back: bool
) -> None:
    planted = sso.served.sign_in("xiling_viewer")  # a token an attacker got into the browser
    with browser_like(sso.served.url) as client:
        client.cookies.set(SESSION_COOKIE, planted, domain="127.0.0.1")
        callback = at_provider(start(client))
        if not sent_back:  # a browser does not send a SameSite=Strict cookie on the way back
            client.cookies.delete(SESSION_COOKIE)
        assert client.get(callback).status_code == 200
        issued = client.cookies.get(SESSION_COOKIE)
        assert "street_donghu" in client.get("/me").text
    assert issued and issued != planted
    with sso.served.client(planted) as attacker:
        assert attacker.get("/api/v1/me").status_code == 401


# 7. The hub's record of the person: the operator's word and the provider's claims.


def test_a_person_disabled_on_the_hub_is_refused(sso: Sso, provider: LoopbackProvider) -> None:
    provider.claims["sub"] = "emp-2002"
    with browser_like(sso.served.url) as allowed:
        assert sso_sign_in(allowed).status_code == 200
    disable_user(sso.served.hub, "district:emp-2002", actor="operator test")
    with browser_like(sso.served.url) as denied:
        answer = sso_sign_in(denied)
        assert answer.status_code == 401 and "disabled" in answer.text
        assert not denied.cookies.get(SESSION_COOKIE)
    assert refusals(sso.served)[-1]["actor"].startswith("person u-")


def test_the_person_follows_the_providers_claims(sso: Sso, provider: LoopbackProvider) -> None:
    provider.claims["sub"] = "emp-3003"
    with browser_like(sso.served.url) as before:
        sso_sign_in(before)
        provider.claims["shuzhi_principal"] = "street_xiling"
        with browser_like(sso.served.url) as after:
            sso_sign_in(after)
            assert "street_xiling" in after.get("/me").text
        assert before.get("/me").status_code == 303  # the session for the old principal ended
    moved = [e for e in sso.served.audit_events("user") if e["details"]["outcome"] == "changed"]
    assert moved[-1]["details"]["was_principal"] == "street_donghu"
