"""Who is calling: the one shape every credential resolves to.

A person, a registered client system or the hub's operator, always on behalf
of one principal. The audit log records ``audit_name`` (an id, never a
person's name: names are personal data) beside the principal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

IdentityKind = Literal["person", "client", "operator"]
Via = Literal["password", "session", "bearer", "oidc", "api-key", "cli"]


@dataclass(frozen=True)
class Identity:
    kind: IdentityKind
    id: str  # "u-0001" for a person, "c-0001" for a client, the OS user for an operator
    principal: str  # the principal they act for (config/principals.yaml)
    via: Via
    roles: frozenset[str] = field(default_factory=frozenset)  # people: viewer, requester, approver
    scopes: frozenset[str] = field(default_factory=frozenset)  # clients: products:read, query, …

    @property
    def audit_name(self) -> str:
        """How the audit log names them: ``person u-0001``, ``client c-0002``, ``operator root``."""
        return f"{self.kind} {self.id}"


class AuthenticationFailed(Exception):
    """The credential does not prove who the caller is (HTTP 401); the message says why
    without echoing the credential."""
