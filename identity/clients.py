"""Client systems (API registration): register, approve, rotate, revoke; verify their keys.

A department or street registers a client system with the scopes it needs; it
waits as ``pending`` until a steward approves it (``policies.client_approval``
decides who may). Approval makes a key, ``szk_<client id>_<random>``, shown
once and stored only as an HMAC under the identity key (``identity.secrets_box``),
so a copy of ``state/clients.json`` cannot be brute-forced offline. A key
expires (365 days by default); rotating makes a new key and cuts the old
one's life to the stated overlap; revoking ends every key of the client.
Every step, refusals included, is an ``api_client`` audit event.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from audit.free_text import clean_free_text
from identity.audit_events import record
from identity.models import AuthenticationFailed, Identity
from identity.secrets_box import IdentityKeys
from identity.state_file import change_state, read_records
from identity.users import utc_now
from policies.client_approval import ClientApprovalRefused, require_client_approval

if TYPE_CHECKING:
    from pipelines.hub import Hub

CLIENTS_FILE = "clients.json"
KIND = "api_client"
SCOPES = ("products:read", "query", "access:request", "sources:read", "sources:sync", "audit:read")
DEFAULT_EXPIRES_DAYS = 365
MAX_OVERLAP_HOURS = 24 * 14
KEY_PREFIX = "szk_"
KEY_FORMAT = re.compile(r"^szk_(c-[0-9]{4,})_([A-Za-z0-9_-]{43})$")
NOT_RECOGNISED = "the API key is not recognised"
ClientState = Literal["pending", "active", "revoked"]


class ClientRefused(ValueError):
    """The step breaks a rule; the message says which."""


class UnknownClient(LookupError):
    """No client system has this id."""


class ClientKey(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    number: int
    mac: str = Field(repr=False)
    created_at: dt.datetime
    expires_at: dt.datetime


class Client(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^c-[0-9]{4,}$")
    principal: str
    name: str  # the system's name, cleaned of personal data
    scopes: list[str]
    state: ClientState
    registered_by: str
    registered_at: dt.datetime
    decided_by: str | None = None
    reason: str | None = None
    keys: list[ClientKey] = Field(default_factory=list)

    def live_keys(self, now: dt.datetime) -> list[ClientKey]:
        return [k for k in self.keys if now < k.expires_at] if self.state == "active" else []


@dataclass(frozen=True)
class IssuedKey:
    client: Client
    key: str = field(repr=False)  # shown once; only its HMAC is kept
    expires_at: dt.datetime


def check_scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ClientRefused(
            f"scopes {', '.join(unknown) or '(none)'} not allowed; choose from {', '.join(SCOPES)}"
        )
    return sorted(set(scopes))


def _keys(hub: Hub) -> IdentityKeys:
    return IdentityKeys(hub.keystore.identity_key())


def _path(hub: Hub) -> Path:
    return hub.home.state / CLIENTS_FILE


def all_clients(hub: Hub) -> list[Client]:
    return read_records(_path(hub), "clients", Client)


def get_client(hub: Hub, client_id: str) -> Client:
    for client in all_clients(hub):
        if client.id == client_id:
            return client
    raise UnknownClient(f"no client system {client_id!r} (see `shuzhi api clients list`)")


def _update(hub: Hub, client_id: str, edit: Any) -> Client:
    def change(records: list[dict[str, Any]]) -> Client:
        for index, entry in enumerate(records):
            if entry["id"] == client_id:
                updated = edit(Client.model_validate(entry))
                records[index] = updated.model_dump(mode="json")
                return updated
        raise UnknownClient(f"no client system {client_id!r} (see `shuzhi api clients list`)")

    return change_state(_path(hub), "clients", change)


def _new_key(client_id: str) -> str:
    return f"{KEY_PREFIX}{client_id}_{secrets.token_urlsafe(32)}"


def register_client(
    hub: Hub, *, principal: str, name: str, scopes: list[str], requested_by: str
) -> Client:
    """A pending client system of ``principal``; a steward approves it."""
    try:
        if hub.policies.principal(principal) is None:
            raise ClientRefused(f"unknown principal {principal!r} (see `shuzhi principals list`)")
        checked = check_scopes(scopes)
        text = " ".join(name.split())
        if not text or len(text) > 100:
            raise ClientRefused("a client system needs a name of 1-100 characters")
    except ClientRefused as refusal:
        record(
            hub, KIND, requested_by, "refused", str(refusal), action="register", principal=principal
        )
        raise
    now = utc_now()

    def change(records: list[dict[str, Any]]) -> Client:
        client = Client(
            id=f"c-{len(records) + 1:04d}",
            principal=principal,
            name=clean_free_text(text),
            scopes=checked,
            state="pending",
            registered_by=requested_by,
            registered_at=now,
        )
        records.append(client.model_dump(mode="json"))
        return client

    client = change_state(_path(hub), "clients", change)
    record(
        hub,
        KIND,
        requested_by,
        "registered",
        "waiting for a steward",
        action="register",
        client=client.id,
        principal=principal,
        scopes=checked,
    )
    return client


def approve_client(
    hub: Hub,
    client_id: str,
    *,
    approver: Identity,
    reason: str,
    expires_days: int = DEFAULT_EXPIRES_DAYS,
) -> IssuedKey:
    """Approve a pending client: its first key, returned once."""
    actor = approver.audit_name
    now = utc_now()
    try:
        if not reason.strip():
            raise ClientRefused("approving a client system needs a reason")
        if not 1 <= expires_days <= 3 * 366:
            raise ClientRefused("a key expires after 1 to 1098 days")
        client = get_client(hub, client_id)
        if client.state != "pending":
            raise ClientRefused(f"{client_id} is {client.state}; only a pending client is approved")
        require_client_approval(hub.policies, approver, client.principal, client.registered_by)
    except (ClientRefused, ClientApprovalRefused, UnknownClient) as refusal:
        record(
            hub,
            KIND,
            actor,
            "refused",
            str(refusal),
            action="approve",
            client=client_id,
            acting_for=approver.principal,
        )
        raise
    key = _new_key(client_id)
    expires = now + dt.timedelta(days=expires_days)
    mac = _keys(hub).mac(key)
    cleaned = clean_free_text(" ".join(reason.split()))

    def approve(found: Client) -> Client:
        if found.state != "pending":
            raise ClientRefused(f"{client_id} is {found.state}; only a pending client is approved")
        first = ClientKey(number=1, mac=mac, created_at=now, expires_at=expires)
        return found.model_copy(
            update={"state": "active", "decided_by": actor, "reason": cleaned, "keys": [first]}
        )

    client = _update(hub, client_id, approve)
    record(
        hub,
        KIND,
        actor,
        "approved",
        cleaned,
        action="approve",
        client=client_id,
        principal=client.principal,
        scopes=client.scopes,
        acting_for=approver.principal,
        key=1,
        expires_at=expires.isoformat(),
    )
    return IssuedKey(client, key, expires)


def rotate_client_key(
    hub: Hub,
    client_id: str,
    *,
    actor: str,
    overlap_hours: int = 24,
    expires_days: int = DEFAULT_EXPIRES_DAYS,
) -> IssuedKey:
    """A new key, returned once; every older key stays valid for ``overlap_hours`` at most."""
    now = utc_now()
    try:
        if not 0 <= overlap_hours <= MAX_OVERLAP_HOURS:
            raise ClientRefused(f"the overlap is 0 to {MAX_OVERLAP_HOURS} hours")
        if get_client(hub, client_id).state != "active":
            raise ClientRefused(f"{client_id} is not active; only an approved client rotates keys")
    except (ClientRefused, UnknownClient) as refusal:
        record(hub, KIND, actor, "refused", str(refusal), action="rotate", client=client_id)
        raise
    key = _new_key(client_id)
    expires = now + dt.timedelta(days=expires_days)
    mac = _keys(hub).mac(key)
    overlap_end = now + dt.timedelta(hours=overlap_hours)

    def rotate(found: Client) -> Client:
        kept = [
            k.model_copy(update={"expires_at": min(k.expires_at, overlap_end)})
            for k in found.keys
            if now < k.expires_at
        ]
        number = max((k.number for k in found.keys), default=0) + 1
        new = ClientKey(number=number, mac=mac, created_at=now, expires_at=expires)
        return found.model_copy(update={"keys": [*kept, new]})

    client = _update(hub, client_id, rotate)
    record(
        hub,
        KIND,
        actor,
        "rotated",
        f"old keys valid {overlap_hours} h more",
        action="rotate",
        client=client_id,
        principal=client.principal,
        key=client.keys[-1].number,
        overlap_hours=overlap_hours,
    )
    return IssuedKey(client, key, expires)


def revoke_client(hub: Hub, client_id: str, *, actor: str, reason: str) -> Client:
    """Revoke a client: every key it holds is refused from now on."""
    try:
        if not reason.strip():
            raise ClientRefused("revoking a client system needs a reason")
        if get_client(hub, client_id).state == "revoked":
            raise ClientRefused(f"{client_id} is already revoked")
    except (ClientRefused, UnknownClient) as refusal:
        record(hub, KIND, actor, "refused", str(refusal), action="revoke", client=client_id)
        raise
    cleaned = clean_free_text(" ".join(reason.split()))
    client = _update(
        hub,
        client_id,
        lambda c: c.model_copy(update={"state": "revoked", "decided_by": actor, "reason": cleaned}),
    )
    record(
        hub,
        KIND,
        actor,
        "revoked",
        cleaned,
        action="revoke",
        client=client_id,
        principal=client.principal,
    )
    return client


def verify_api_key(hub: Hub, key: str, *, now: dt.datetime | None = None) -> Identity:
    """The client a key belongs to; AuthenticationFailed when it is not a live key."""
    now = now or utc_now()
    parsed = KEY_FORMAT.fullmatch(key)
    if parsed is None:
        raise AuthenticationFailed("the API key is malformed (szk_<client>_<secret>)")
    try:
        client = get_client(hub, parsed.group(1))
    except UnknownClient:
        raise AuthenticationFailed(NOT_RECOGNISED) from None
    mac = _keys(hub).mac(key)
    match = next((k for k in client.keys if hmac.compare_digest(k.mac, mac)), None)
    if match is None:
        raise AuthenticationFailed(NOT_RECOGNISED)
    if client.state == "revoked":
        raise AuthenticationFailed(f"the API key of {client.id} was revoked")
    if now >= match.expires_at:
        raise AuthenticationFailed(
            f"the API key of {client.id} expired at {match.expires_at.isoformat()}; "
            "ask for a rotated key"
        )
    if hub.policies.principal(client.principal) is None:
        raise AuthenticationFailed(f"the principal of {client.id} no longer exists")
    return Identity(
        kind="client",
        id=client.id,
        principal=client.principal,
        via="api-key",
        scopes=frozenset(client.scopes),
    )
