"""The front door's settings, from ``config/identity.yaml`` (every part optional).

Lockout, session lifetimes and the single sign-on providers. A missing file
means the defaults below and no single sign-on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

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


class OidcProvider(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    issuer: str = Field(min_length=1)
    audience: str = Field(min_length=1)
    jwks_url: str = Field(pattern=r"^https?://")
    algorithms: list[OidcAlgorithm] = Field(
        default_factory=lambda: list[OidcAlgorithm](["RS256", "ES256"]), min_length=1
    )
    leeway_seconds: int = Field(default=30, ge=0, le=120)  # clock skew tolerated on exp/iat/nbf
    claims: ClaimMap = ClaimMap()


class IdentitySettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    lockout: Lockout = Lockout()
    sessions: SessionTimes = SessionTimes()
    oidc: list[OidcProvider] = Field(default_factory=list)


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
