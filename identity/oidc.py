"""Single sign-on: verify an OpenID Connect token from a configured identity provider.

The provider is picked by the token's ``iss`` (read unverified only to choose);
its JWKS is fetched over HTTP and cached (``jwt.PyJWKClient``); the signature,
``exp``, ``iat``, ``iss``, ``aud`` and ``sub`` are then checked by PyJWT with the
provider's algorithms only (RS256/ES256: never ``none``, never HS*). Claims map
to the person and their principal (``identity.settings.ClaimMap``); a principal
the policies do not know is refused.

An ID token from the pages' sign-in (``identity.sso_sign_in``) is verified the same
way against the provider the flow started with, for the hub's ``client_id`` as
audience, and must carry the flow's ``nonce``.
"""

from __future__ import annotations

import hmac
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt

from identity.models import AuthenticationFailed, Identity
from identity.settings import OidcProvider, load_identity_settings
from identity.users import ROLES, Role, roles_of

if TYPE_CHECKING:
    from pipelines.hub import Hub
    from policies.models import PolicySet

JWKS_CACHE_SECONDS = 300
JWKS_TIMEOUT_SECONDS = 5
USER_ID = re.compile(r"^[A-Za-z0-9@._:-]{1,128}$")
_clients: dict[str, jwt.PyJWKClient] = {}
_clients_lock = threading.Lock()


def _jwks_client(url: str) -> jwt.PyJWKClient:
    with _clients_lock:
        client = _clients.get(url)
        if client is None:
            client = jwt.PyJWKClient(
                url, cache_keys=True, lifespan=JWKS_CACHE_SECONDS, timeout=JWKS_TIMEOUT_SECONDS
            )
            _clients[url] = client
        return client


@dataclass(frozen=True)
class ClaimedPerson:
    """Who a verified token says the person is: their id at the provider, the principal
    they act for and their role (both checked against the policies)."""

    subject: str
    principal: str
    role: Role
    name: str | None  # the ``name`` claim, personal data: sealed if kept, never logged


def verify_oidc_token(hub: Hub, token: str) -> Identity:
    providers = load_identity_settings(hub.config).oidc
    return verify_with_providers(providers, hub.policies, token)


def verify_with_providers(
    providers: list[OidcProvider], policies: PolicySet, token: str
) -> Identity:
    if not providers:
        raise AuthenticationFailed("single sign-on is not configured (config/identity.yaml: oidc)")
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise AuthenticationFailed("the single sign-on token is malformed") from None
    provider = next((p for p in providers if p.issuer == unverified.get("iss")), None)
    if provider is None:
        raise AuthenticationFailed("the single sign-on token is from an unknown issuer")
    _check_algorithm(provider, header)
    claims = _verified_claims(provider, token, provider.audience)
    return _identity(provider, policies, claims)


def verify_id_token(
    provider: OidcProvider, policies: PolicySet, token: str, *, nonce: str
) -> ClaimedPerson:
    """The person an ID token from ``provider``'s token endpoint names, for this hub's
    client and the sign-in that asked with ``nonce``; AuthenticationFailed otherwise."""
    if provider.client_id is None:
        raise AuthenticationFailed(f"identity provider {provider.name} has no client_id")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise AuthenticationFailed("the single sign-on token is malformed") from None
    _check_algorithm(provider, header)
    claims = _verified_claims(provider, token, provider.client_id)
    presented = claims.get("nonce")
    # The nonce ties the token to this browser's sign-in: a token minted for another
    # sign-in (a replayed or injected one) does not carry it.
    if not isinstance(presented, str) or not hmac.compare_digest(
        presented.encode("utf-8"), nonce.encode("utf-8")
    ):
        raise AuthenticationFailed("the ID token's nonce does not match this sign-in")
    party = claims.get("azp")
    if party is not None and party != provider.client_id:
        raise AuthenticationFailed("the ID token was issued to another client (azp)")
    return claimed_person(provider, policies, claims)


def _check_algorithm(provider: OidcProvider, header: dict[str, Any]) -> None:
    algorithm = header.get("alg")
    if algorithm not in provider.algorithms:
        raise AuthenticationFailed(
            f"the single sign-on token uses algorithm {str(algorithm)[:10]!r}; "
            f"{provider.name} accepts only {', '.join(provider.algorithms)}"
        )


def _verified_claims(provider: OidcProvider, token: str, audience: str) -> dict[str, Any]:
    try:
        signing_key = _jwks_client(provider.jwks_url).get_signing_key_from_jwt(token)
    except jwt.PyJWKClientConnectionError:
        raise AuthenticationFailed(
            f"the keys of identity provider {provider.name} cannot be fetched just now"
        ) from None
    except jwt.PyJWKClientError:
        raise AuthenticationFailed(
            f"the single sign-on token is signed with a key {provider.name} does not publish"
        ) from None
    try:
        return jwt.decode(
            token,
            signing_key.key,
            algorithms=list(provider.algorithms),
            audience=audience,
            issuer=provider.issuer,
            leeway=provider.leeway_seconds,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationFailed("the single sign-on token has expired") from None
    except jwt.InvalidAudienceError:
        raise AuthenticationFailed("the single sign-on token is for another audience") from None
    except jwt.InvalidIssuerError:
        raise AuthenticationFailed("the single sign-on token is from another issuer") from None
    except jwt.InvalidSignatureError:
        raise AuthenticationFailed("the single sign-on token's signature is not valid") from None
    except jwt.MissingRequiredClaimError as missing:
        raise AuthenticationFailed(
            f"the single sign-on token lacks the {missing.claim!r} claim"
        ) from None
    except jwt.PyJWTError as error:
        raise AuthenticationFailed(
            f"the single sign-on token is not valid ({type(error).__name__})"
        ) from None


def _identity(provider: OidcProvider, policies: PolicySet, claims: dict[str, Any]) -> Identity:
    person = claimed_person(provider, policies, claims)
    return Identity(
        kind="person",
        id=f"oidc:{person.subject}",
        principal=person.principal,
        via="oidc",
        roles=roles_of(person.role),
    )


def claimed_person(
    provider: OidcProvider, policies: PolicySet, claims: dict[str, Any]
) -> ClaimedPerson:
    """The person verified ``claims`` name, mapped by the provider's claim map."""
    mapping = provider.claims
    user = claims.get(mapping.user)
    if not isinstance(user, str) or not USER_ID.fullmatch(user):
        raise AuthenticationFailed(f"the {mapping.user!r} claim is missing or not a plain id")
    principal = _principal(provider, claims)
    who = policies.principal(principal)
    if who is None:
        raise AuthenticationFailed(
            f"the token names principal {principal[:64]!r}, which is unknown"
        )
    role = claims.get(mapping.role) if mapping.role else None
    role = role if role is not None else "viewer"
    if role not in ROLES:
        raise AuthenticationFailed(
            f"the token's role {str(role)[:32]!r} is not one of {', '.join(ROLES)}"
        )
    checked: Role = role
    if checked == "approver" and who.kind != "steward":
        checked = "requester"  # the role means nothing outside a steward office
    name = claims.get("name")
    return ClaimedPerson(
        subject=user, principal=who.id, role=checked, name=name if isinstance(name, str) else None
    )


def _principal(provider: OidcProvider, claims: dict[str, Any]) -> str:
    mapping = provider.claims
    if mapping.principal and isinstance(claims.get(mapping.principal), str):
        return str(claims[mapping.principal])
    if mapping.groups:
        groups = claims.get(mapping.groups)
        found = {
            mapping.group_principals[g]
            for g in (groups if isinstance(groups, list) else [])
            if isinstance(g, str) and g in mapping.group_principals
        }
        if len(found) == 1:
            return found.pop()
        if len(found) > 1:
            raise AuthenticationFailed("the token's groups map to more than one principal")
    raise AuthenticationFailed("the token names no principal this hub knows")
