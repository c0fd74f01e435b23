"""A session's record and how a new one is made, wherever sessions are kept.

A token is ``secrets.token_urlsafe(32)`` (256 random bits), so a plain SHA-256 of it
cannot be reversed or guessed; a store keeps that hash, the user id, the kind and the
times, never the token. A page session ends after its idle time or its absolute
lifetime, whichever comes first; a bearer token (for scripts) only by its lifetime
(see ``identity.settings``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Literal

from pydantic import BaseModel, ConfigDict

from identity.settings import SessionTimes

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


def new_session(
    user_id: str, kind: SessionKind, now: dt.datetime, times: SessionTimes
) -> tuple[str, SessionRecord]:
    """(the token, shown once; its record, which holds only the token's hash)."""
    token = secrets.token_urlsafe(32)
    if kind == "page":
        lifetime, idle = times.page_absolute_minutes, times.page_idle_minutes
    else:
        lifetime, idle = times.bearer_minutes, None
    record = SessionRecord(
        token_hash=token_hash(token),
        kind=kind,
        user_id=user_id,
        created_at=now,
        last_seen=now,
        expires_at=now + dt.timedelta(minutes=lifetime),
        idle_minutes=idle,
    )
    return token, record
