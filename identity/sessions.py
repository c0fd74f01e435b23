"""Page sessions and bearer tokens: opaque random tokens, stored only as their hash.

A token is ``secrets.token_urlsafe(32)`` (256 random bits), so a plain SHA-256
of it cannot be reversed or guessed; ``state/sessions.json`` holds that hash,
the user id, the kind and the times, never the token. A page session ends
after its idle time or its absolute lifetime, whichever comes first; a bearer
token (for scripts) only by its lifetime (see ``identity.settings``).
Expired sessions are purged whenever the file is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from identity.models import AuthenticationFailed, Identity
from identity.settings import SessionTimes
from identity.state_file import change_state, read_records

if TYPE_CHECKING:
    from pipelines.hub import Hub

SESSIONS_FILE = "sessions.json"
SessionKind = Literal["page", "bearer"]
# Writing the file on every request would serialise the service; the idle clock moves
# in steps of this much (at worst an idle session lives this much longer).
TOUCH_EVERY = dt.timedelta(minutes=1)
EXPIRED = "the session has expired or was signed out; sign in again"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    token_hash: str
    kind: SessionKind
    user_id: str
    created_at: dt.datetime
    last_seen: dt.datetime
    expires_at: dt.datetime  # the absolute end
    idle_minutes: int | None = None  # page sessions only

    def ends_at(self) -> dt.datetime:
        if self.idle_minutes is None:
            return self.expires_at
        return min(self.expires_at, self.last_seen + dt.timedelta(minutes=self.idle_minutes))

    def live(self, now: dt.datetime) -> bool:
        return now < self.ends_at()


@dataclass(frozen=True)
class IssuedSession:
    token: str = field(repr=False)  # shown to the caller once; only its hash is kept
    kind: SessionKind
    expires_at: dt.datetime
    identity: Identity


class SessionStore:
    def __init__(self, path: Path, times: SessionTimes) -> None:
        self.path = Path(path)
        self.times = times

    @classmethod
    def in_folder(cls, state_dir: Path, times: SessionTimes) -> SessionStore:
        return cls(Path(state_dir) / SESSIONS_FILE, times)

    def all(self) -> list[SessionRecord]:
        return read_records(self.path, "sessions", SessionRecord)

    def issue(self, user_id: str, kind: SessionKind, now: dt.datetime) -> tuple[str, SessionRecord]:
        token = secrets.token_urlsafe(32)
        if kind == "page":
            lifetime, idle = self.times.page_absolute_minutes, self.times.page_idle_minutes
        else:
            lifetime, idle = self.times.bearer_minutes, None
        record = SessionRecord(
            token_hash=token_hash(token),
            kind=kind,
            user_id=user_id,
            created_at=now,
            last_seen=now,
            expires_at=now + dt.timedelta(minutes=lifetime),
            idle_minutes=idle,
        )

        def change(records: list[dict[str, Any]]) -> None:
            _purge(records, now)
            records.append(record.model_dump(mode="json"))

        change_state(self.path, "sessions", change)
        return token, record

    def resolve(self, token: str, now: dt.datetime) -> SessionRecord:
        """The live session of ``token``; AuthenticationFailed when none is."""
        wanted = token_hash(token)
        found = next(
            (s for s in self.all() if hmac.compare_digest(s.token_hash, wanted)),
            None,
        )
        if found is None or not found.live(now):
            raise AuthenticationFailed(EXPIRED)
        if found.idle_minutes is not None and now - found.last_seen >= TOUCH_EVERY:
            self._touch(wanted, now)
        return found

    def _touch(self, wanted: str, now: dt.datetime) -> None:
        def change(records: list[dict[str, Any]]) -> None:
            _purge(records, now)
            for record in records:
                if record["token_hash"] == wanted:
                    record["last_seen"] = now.isoformat()

        change_state(self.path, "sessions", change)

    def sign_out(self, token: str, now: dt.datetime) -> str | None:
        """End the session of ``token`` → its user id; None when there was no live one."""
        return self.end_by_hash(token_hash(token), now)

    def end_by_hash(self, wanted: str, now: dt.datetime) -> str | None:
        """End the session whose token hashes to ``wanted`` (one a browser held when it
        started signing in elsewhere) → its user id; None when there was no live one."""

        def change(records: list[dict[str, Any]]) -> str | None:
            _purge(records, now)
            ended = [r["user_id"] for r in records if r["token_hash"] == wanted]
            records[:] = [r for r in records if r["token_hash"] != wanted]
            return ended[0] if ended else None

        return change_state(self.path, "sessions", change)

    def end_all_for(self, user_id: str, now: dt.datetime) -> int:
        """End every session of one user (disabled, or given a new password)."""

        def change(records: list[dict[str, Any]]) -> int:
            _purge(records, now)
            before = len(records)
            records[:] = [r for r in records if r["user_id"] != user_id]
            return before - len(records)

        return change_state(self.path, "sessions", change)


def _purge(records: list[dict[str, Any]], now: dt.datetime) -> None:
    records[:] = [r for r in records if SessionRecord.model_validate(r).live(now)]


def sessions_of(hub: Hub) -> SessionStore:
    from identity.settings import load_identity_settings

    return SessionStore.in_folder(hub.home.state, load_identity_settings(hub.config).sessions)
