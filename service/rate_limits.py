"""Per caller rate limits (429 with Retry-After) and a bound on queries per room.

In-process: one service process keeps its own counts. Several processes behind
one address count each caller's rate and rows in the shared Redis instead
(``service.redis_limits``); the bound on queries per room stays per process, as
each process runs its own rooms.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    """A token bucket per caller: ``per_minute`` calls, refilled continuously."""

    per_minute: int
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, caller: str, *, now: float | None = None) -> float | None:
        """None when the call may go ahead, else the seconds to wait before the next one."""
        now = time.monotonic() if now is None else now
        rate = self.per_minute / 60.0
        with self._lock:
            bucket = self._buckets.get(caller)
            if bucket is None:
                bucket = self._buckets[caller] = _Bucket(float(self.per_minute), now)
            bucket.tokens = min(self.per_minute, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return None
            return (1 - bucket.tokens) / rate


class RoomBusy(Exception):
    """Too many statements are already running in this room."""


@dataclass
class RoomSlots:
    """At most ``per_room`` statements at once in one principal's room."""

    per_room: int
    _running: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def slot(self, principal: str) -> Iterator[None]:
        with self._lock:
            if self._running.get(principal, 0) >= self.per_room:
                raise RoomBusy(principal)
            self._running[principal] = self._running.get(principal, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._running[principal] -= 1


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


class QuotaReached(Exception):
    """The caller has had its rows for today."""


@dataclass
class DailyRows:
    """At most ``per_day`` rows a day per caller (counted in this process, reset at midnight UTC)."""

    per_day: int
    _used: dict[tuple[str, str], int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, caller: str, day: str) -> None:
        with self._lock:
            if self._used.get((caller, day), 0) >= self.per_day:
                raise QuotaReached(caller)

    def add(self, caller: str, day: str, rows: int) -> None:
        with self._lock:
            self._used[(caller, day)] = self._used.get((caller, day), 0) + rows
