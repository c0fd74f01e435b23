"""The code flow's HTTP legs: the URL the browser is sent to, and what cannot be had."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from identity.oidc_code_flow import (
    ProviderUnavailable,
    authorization_url,
    error_code,
    exchange_code,
)
from identity.settings import OidcProvider
from identity.sso_flows import SsoFlowStore

SECRET_ENV = "SHUZHI_TEST_UNSET_CLIENT_SECRET"
PROVIDER = OidcProvider(
    name="district",
    issuer="https://idp.example",
    audience="shuzhi",
    jwks_url="https://idp.example/jwks",
    authorization_endpoint="https://idp.example/auth?realm=district",
    token_endpoint="https://idp.example/token",
    client_id="shuzhi-pages",
    client_secret_env=SECRET_ENV,
)


def test_the_authorization_url_keeps_the_endpoints_own_query(tmp_path: Path) -> None:
    started = SsoFlowStore.in_folder(tmp_path).start("district", dt.datetime.now(dt.UTC))
    url = authorization_url(PROVIDER, started, "https://hub.example/cb")
    asked = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert asked["realm"] == "district" and asked["state"] == started.flow.state
    assert asked["code_challenge"] == started.code_challenge and started.flow.verifier not in url


def test_a_missing_client_secret_names_the_variable_and_calls_nobody(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    with pytest.raises(ProviderUnavailable, match=SECRET_ENV):
        exchange_code(PROVIDER, code="c", verifier="v" * 43, redirect_uri="https://hub/cb")


@pytest.mark.parametrize(
    ("sent", "shown"),
    [("access_denied", "access_denied"), ("login_required<b>x", "login_required"),
     ("<script>", "no error code"), (None, "no error code"), ("x" * 99, "x" * 40)],
)  # fmt: skip
def test_the_providers_error_code_is_kept_short_and_plain(sent: object, shown: str) -> None:
    assert error_code(sent) == shown
