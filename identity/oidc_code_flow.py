"""The two HTTP legs of the OpenID Connect authorization code flow (with PKCE, S256).

The browser is sent to the provider's authorization endpoint with the flow's
``state``, ``nonce`` and code challenge; the code it brings back is exchanged,
server to server, at the token endpoint with the PKCE verifier and the client's
credentials (HTTP Basic when the provider has a client secret, whose value is
read from the environment variable the settings name, at the moment it is
needed). Only the ID token of the answer is used; it is verified by
``identity.oidc.verify_id_token``.
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote_plus, urlencode

import httpx

from identity.models import AuthenticationFailed
from identity.settings import OidcProvider
from identity.sso_flows import StartedFlow

TOKEN_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# The provider's ``error`` code as shown and audited: its leading plain characters only.
ERROR_CODE = re.compile(r"[A-Za-z0-9_.-]{1,40}")


class ProviderUnavailable(AuthenticationFailed):
    """The provider's token endpoint cannot be reached or answers nonsense, or the hub
    lacks the client secret (HTTP 502): nothing the person did wrong; try again later."""


def authorization_url(provider: OidcProvider, started: StartedFlow, redirect_uri: str) -> str:
    """Where to send the browser to sign in at ``provider`` for this flow."""
    endpoint = _browser_setting(provider, provider.authorization_endpoint)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": provider.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(provider.scopes),
            "state": started.flow.state,
            "nonce": started.flow.nonce,
            "code_challenge": started.code_challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


def exchange_code(provider: OidcProvider, *, code: str, verifier: str, redirect_uri: str) -> str:
    """The ID token the token endpoint gives for ``code``; ProviderUnavailable when it
    cannot be had, AuthenticationFailed when the provider refuses the code."""
    endpoint = _browser_setting(provider, provider.token_endpoint)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
        "client_id": provider.client_id or "",
    }
    try:
        with httpx.Client(
            timeout=TOKEN_TIMEOUT, follow_redirects=False, auth=_client_credentials(provider)
        ) as client:
            answer = client.post(endpoint, data=form, headers={"Accept": "application/json"})
    except httpx.HTTPError as error:
        raise ProviderUnavailable(
            f"the token endpoint of identity provider {provider.name} cannot be reached just "
            f"now ({type(error).__name__}); try again in a moment"
        ) from None
    if answer.status_code in (400, 401):  # RFC 6749 5.2: the code or the client is refused
        raise AuthenticationFailed(
            f"identity provider {provider.name} refused the sign-in code "
            f"({error_code(_json(answer).get('error'))}); start again"
        )
    if answer.status_code != 200:
        raise ProviderUnavailable(
            f"the token endpoint of identity provider {provider.name} answered HTTP "
            f"{answer.status_code}; try again in a moment"
        )
    id_token = _json(answer).get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise ProviderUnavailable(
            f"the token endpoint of identity provider {provider.name} answered without an "
            "ID token (is 'openid' among the scopes it grants this client?)"
        )
    return id_token


def error_code(value: object) -> str:
    """A provider's error code as safe, short text (it arrives in a URL anyone can write)."""
    found = ERROR_CODE.match(value) if isinstance(value, str) else None
    return found.group(0) if found else "no error code"


def _client_credentials(provider: OidcProvider) -> httpx.BasicAuth | None:
    if provider.client_secret_env is None:
        return None  # a public client: the PKCE verifier alone proves the code is ours
    secret = os.environ.get(provider.client_secret_env)
    if not secret:
        raise ProviderUnavailable(
            f"the client secret of identity provider {provider.name} is not set: the hub's "
            f"operator sets the environment variable {provider.client_secret_env}"
        )
    # RFC 6749 2.3.1: both are form-encoded before they go into the Basic header.
    return httpx.BasicAuth(quote_plus(provider.client_id or ""), quote_plus(secret))


def _browser_setting(provider: OidcProvider, value: str | None) -> str:
    if value is None or provider.client_id is None:
        raise ProviderUnavailable(
            f"identity provider {provider.name} is not set up for signing in on the pages "
            "(config/identity.yaml: authorization_endpoint, token_endpoint, client_id)"
        )
    return value


def _json(answer: httpx.Response) -> dict[str, object]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
