"""The front door's settings, from ``config/identity.yaml`` (every part optional).

Lockout, session lifetimes and the single sign-on providers. A missing file
means the defaults below and no single sign-on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from catalog.errors import ConfigError

SETTINGS_FILE = "identity.yaml"

# Only asymmetric algorithms: with HS* a verifier holding the public key could be fooled
# by a token "signed" with that public key as the shared secret.
OidcAlgorithm = Literal["RS256", "ES256"]


class Lockout(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    failures: int = Field(default=5, ge=1, le=100)  # failed sign-ins in a row that lock the account
    minutes: int = Field(default=15, ge=1, le=24 * 60)  # how long it stays locked


class SessionTimes(BaseModel):
    """A page session ends after 8 h without use or 12 h after sign-in, whichever is first
    (one working day, never overnight); a bearer token for scripts lives 1 h."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    page_idle_minutes: int = Field(default=8 * 60, ge=1)
    page_absolute_minutes: int = Field(default=12 * 60, ge=1)
    bearer_minutes: int = Field(default=60, ge=1, le=24 * 60)


class ClaimMap(BaseModel):
    """Which claims say who the person is, whom they act for, and their role."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    user: str = "sub"
    principal: str | None = "shuzhi_principal"  # a claim naming the principal directly
    groups: str | None = None  # or a claim listing groups ...
    group_principals: dict[str, str] = Field(default_factory=dict)  # ... mapped to principals
    role: str | None = "shuzhi_role"  # viewer | requester | approver; absent → viewer


# The settings a provider needs to sign people in on the pages (authorization code flow);
# a provider without them only verifies bearer tokens.
BROWSER_SETTINGS = ("authorization_endpoint", "token_endpoint", "client_id")


class OidcProvider(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    display_name: str | None = Field(default=None, min_length=1, max_length=40)
    issuer: str = Field(min_length=1)
    audience: str = Field(min_length=1)
    jwks_url: str = Field(pattern=r"^https?://")
    algorithms: list[OidcAlgorithm] = Field(
        default_factory=lambda: list[OidcAlgorithm](["RS256", "ES256"]), min_length=1
    )
    leeway_seconds: int = Field(default=30, ge=0, le=120)  # clock skew tolerated on exp/iat/nbf
    claims: ClaimMap = ClaimMap()
    # Sign-in on the pages (OpenID Connect authorization code flow with PKCE):
    authorization_endpoint: str | None = Field(default=None, pattern=r"^https?://")
    token_endpoint: str | None = Field(default=None, pattern=r"^https?://")
    client_id: str | None = Field(default=None, min_length=1)
    # The client secret is never in a file: only the name of the environment variable
    # holding it (none for a public client, which PKCE alone protects).
    client_secret_env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    scopes: list[str] = Field(default_factory=lambda: ["openid"])
    # Where the provider sends the browser back; by default this hub's own address as the
    # request reached it (set it behind a proxy: it must match what the provider registered).
    redirect_uri: str | None = Field(default=None, pattern=r"^https?://")

    @model_validator(mode="after")
    def _browser_settings_together(self) -> OidcProvider:
        given = [key for key in BROWSER_SETTINGS if getattr(self, key) is not None]
        if given and len(given) < len(BROWSER_SETTINGS):
            missing = [key for key in BROWSER_SETTINGS if key not in given]
            raise ValueError(
                f"provider {self.name}: sign-in on the pages needs {', '.join(BROWSER_SETTINGS)}; "
                f"add {', '.join(missing)} (or remove {', '.join(given)})"
            )
        if "openid" not in self.scopes:
            raise ValueError(f"provider {self.name}: scopes must include 'openid'")
        return self

    @property
    def signs_in_browsers(self) -> bool:
        return self.client_id is not None

    @property
    def label(self) -> str:
        return self.display_name or self.name


class IdentitySettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    lockout: Lockout = Lockout()
    sessions: SessionTimes = SessionTimes()
    oidc: list[OidcProvider] = Field(default_factory=list)

    @property
    def browser_providers(self) -> list[OidcProvider]:
        """The providers people can sign in with on the pages (a button each)."""
        return [provider for provider in self.oidc if provider.signs_in_browsers]


def load_identity_settings(config: Path) -> IdentitySettings:
    """The settings in ``config/identity.yaml``; the defaults when there is no such file."""
    path = Path(config) / SETTINGS_FILE
    if not path.exists():
        return IdentitySettings()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return IdentitySettings.model_validate(data)
    except yaml.YAMLError as error:
        raise ConfigError(f"{SETTINGS_FILE}: not valid YAML ({error})") from None
    except ValidationError as error:
        raise ConfigError(f"{SETTINGS_FILE}: {error}") from None
