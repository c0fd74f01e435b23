"""Sessions kept in the shared Redis (``identity.shared_state``), for several API processes.

The same records as ``state/sessions.json``, one key per token hash, expiring with the
session; and per user the set of its hashes, so disabling a user ends its sessions on
every server at once. Only the hash of a token is kept, as in the file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from identity.models import AuthenticationFailed
from identity.session_records import (
    EXPIRED,
    TOUCH_EVERY,
    SessionKind,
    SessionRecord,
    new_session,
    token_hash,
)
from identity.settings import SessionTimes
from identity.shared_state import redis_calls


class RedisSessionStore:
    def __init__(self, client: Any, prefix: str, times: SessionTimes) -> None:
        self.client = client
        self.prefix = prefix
        self.times = times

    def _key(self, wanted: str) -> str:
        return f"{self.prefix}session:{wanted}"

    def _user_key(self, user_id: str) -> str:
        return f"{self.prefix}user-sessions:{user_id}"

    def _save(self, record: SessionRecord, now: dt.datetime) -> None:
        left = max(1, int((record.ends_at() - now).total_seconds() * 1000))
        pipe = self.client.pipeline()
        pipe.set(self._key(record.token_hash), record.model_dump_json(), px=left)
        pipe.sadd(self._user_key(record.user_id), record.token_hash)
        # The user's set lives as long as its longest session: set once, then only lengthened.
        pipe.pexpire(self._user_key(record.user_id), left, nx=True)
        pipe.pexpire(self._user_key(record.user_id), left, gt=True)
        pipe.execute()

    def all(self) -> list[SessionRecord]:
        with redis_calls():
            keys = list(self.client.scan_iter(match=self._key("*"), count=500))
            values = self.client.mget(keys) if keys else []
        return [SessionRecord.model_validate_json(v) for v in values if v is not None]

    def issue(self, user_id: str, kind: SessionKind, now: dt.datetime) -> tuple[str, SessionRecord]:
        token, record = new_session(user_id, kind, now, self.times)
        with redis_calls():
            self._save(record, now)
        return token, record

    def resolve(self, token: str, now: dt.datetime) -> SessionRecord:
        """The live session of ``token``; AuthenticationFailed when none is."""
        with redis_calls():
            raw = self.client.get(self._key(token_hash(token)))
        found = SessionRecord.model_validate_json(raw) if raw is not None else None
        if found is None or not found.live(now):
            raise AuthenticationFailed(EXPIRED)
        if found.idle_minutes is not None and now - found.last_seen >= TOUCH_EVERY:
            with redis_calls():
                self._save(found.model_copy(update={"last_seen": now}), now)
        return found

    def sign_out(self, token: str, now: dt.datetime) -> str | None:
        return self.end_by_hash(token_hash(token), now)

    def end_by_hash(self, wanted: str, now: dt.datetime) -> str | None:
        with redis_calls():
            raw = self.client.getdel(self._key(wanted))
            if raw is None:
                return None
            record = SessionRecord.model_validate_json(raw)
            self.client.srem(self._user_key(record.user_id), wanted)
        return record.user_id if record.live(now) else None

    def end_all_for(self, user_id: str, now: dt.datetime) -> int:
        with redis_calls():
            hashes = [h.decode() for h in self.client.smembers(self._user_key(user_id))]
            ended = 0
            for wanted in hashes:
                raw = self.client.getdel(self._key(wanted))
                if raw is not None and SessionRecord.model_validate_json(raw).live(now):
                    ended += 1
            self.client.delete(self._user_key(user_id))
        return ended
