"""Page sessions and bearer tokens: opaque random tokens, stored only as their hash.

One API process keeps them in ``state/sessions.json`` (the hash of each token, the
user id, the kind and the times, never the token; see ``identity.session_records``);
expired sessions are purged whenever the file is written. Several processes keep
them in the shared Redis instead (``identity.redis_sessions``).
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from identity.models import AuthenticationFailed, Identity
from identity.redis_sessions import RedisSessionStore
from identity.session_records import (
    EXPIRED,
    TOUCH_EVERY,
    SessionKind,
    SessionRecord,
    new_session,
    token_hash,
)
from identity.settings import SessionTimes
from identity.shared_state import key_prefix, shared_redis
from identity.state_file import change_state, read_records

__all__ = [
    "EXPIRED",
    "IssuedSession",
    "SessionKind",
    "SessionRecord",
    "SessionStore",
    "sessions_of",
    "token_hash",
]

if TYPE_CHECKING:
    from pipelines.hub import Hub

SESSIONS_FILE = "sessions.json"


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
        token, record = new_session(user_id, kind, now, self.times)

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


def sessions_of(hub: Hub) -> SessionStore | RedisSessionStore:
    """The hub's sessions: in the shared Redis when several API processes serve it
    (``SHUZHI_REDIS_URL``), else in the home's state folder."""
    from identity.settings import load_identity_settings

    times = load_identity_settings(hub.config).sessions
    client = shared_redis()
    if client is not None:
        return RedisSessionStore(client, key_prefix(), times)
    return SessionStore.in_folder(hub.home.state, times)
