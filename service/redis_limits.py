"""The rate limit and the daily rows of ``service.rate_limits``, counted in the shared
Redis (``identity.shared_state``) so that several API processes count a caller once.

The token bucket is one Lua script, so two servers admitting the same caller at the
same moment cannot both take its last token; its clock is Redis's own, the same for
every server whatever their clocks say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from identity.shared_state import redis_calls
from service.rate_limits import QuotaReached

_BUCKET = """
local per_minute = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
if ARGV[2] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1e6
end
local rate = per_minute / 60.0
local held = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(held[1]) or per_minute
local updated = tonumber(held[2]) or now
tokens = math.min(per_minute, tokens + math.max(0, now - updated) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(per_minute / rate) + 60)
return tostring(wait)
"""
_DAY_S = 2 * 24 * 3600  # a day's count is kept a little past its day, then dropped


@dataclass
class RedisRateLimiter:
    """``service.rate_limits.RateLimiter``'s token bucket, one per caller, in Redis."""

    per_minute: int
    client: Any
    prefix: str

    def admit(self, caller: str, *, now: float | None = None) -> float | None:
        """None when the call may go ahead, else the seconds to wait before the next one."""
        with redis_calls():
            wait = float(
                self.client.eval(
                    _BUCKET,
                    1,
                    f"{self.prefix}rate:{caller}",
                    self.per_minute,
                    "" if now is None else repr(now),
                )
            )
        return wait if wait > 0 else None


@dataclass
class RedisDailyRows:
    """``service.rate_limits.DailyRows`` in Redis: rows a day per caller, on every server."""

    per_day: int
    client: Any
    prefix: str

    def _key(self, caller: str, day: str) -> str:
        return f"{self.prefix}rows:{day}:{caller}"

    def check(self, caller: str, day: str) -> None:
        with redis_calls():
            used = int(self.client.get(self._key(caller, day)) or 0)
        if used >= self.per_day:
            raise QuotaReached(caller)

    def add(self, caller: str, day: str, rows: int) -> None:
        with redis_calls():
            pipe = self.client.pipeline()
            pipe.incrby(self._key(caller, day), rows)
            pipe.expire(self._key(caller, day), _DAY_S)
            pipe.execute()
