"""A caller's rate and daily rows counted in the shared Redis: two API processes (two
limiters, two clients) admit a caller no more often than one would, and one caller's
use does not hold back another."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from service.rate_limits import QuotaReached
from service.redis_limits import RedisDailyRows, RedisRateLimiter

pytestmark = pytest.mark.redis
URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def prefix() -> Iterator[str]:
    prefix = f"shuzhi-test-{uuid.uuid4().hex[:10]}:"
    yield prefix
    client = redis.Redis.from_url(URL)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)


def _two_servers(prefix: str, per_minute: int) -> tuple[RedisRateLimiter, RedisRateLimiter]:
    return (
        RedisRateLimiter(per_minute, redis.Redis.from_url(URL), prefix),
        RedisRateLimiter(per_minute, redis.Redis.from_url(URL), prefix),
    )


def test_two_servers_admit_a_caller_per_minute_only_as_often_as_one(prefix: str) -> None:
    one, other = _two_servers(prefix, per_minute=4)
    admitted = [(one if i % 2 else other).admit("person u-1", now=1000.0) for i in range(4)]
    assert admitted == [None] * 4
    wait = one.admit("person u-1", now=1000.0)
    assert wait is not None and 14 < wait <= 15  # one token every 15 s at 4 a minute
    assert other.admit("person u-1", now=1015.0) is None  # refilled, on the other server


def test_one_callers_use_does_not_hold_back_another(prefix: str) -> None:
    one, other = _two_servers(prefix, per_minute=2)
    for _ in range(2):
        one.admit("person u-1", now=50.0)
    assert one.admit("person u-1", now=50.0) is not None
    assert other.admit("client etl", now=50.0) is None


def test_redis_clock_is_used_when_the_server_gives_none(prefix: str) -> None:
    one, other = _two_servers(prefix, per_minute=1)
    assert one.admit("person u-2") is None
    assert other.admit("person u-2") is not None


def test_daily_rows_reached_on_one_server_stop_the_other(prefix: str) -> None:
    one = RedisDailyRows(1000, redis.Redis.from_url(URL), prefix)
    other = RedisDailyRows(1000, redis.Redis.from_url(URL), prefix)
    one.add("person u-1", "2026-12-07", 600)
    other.check("person u-1", "2026-12-07")  # 600 of 1,000: may go on
    other.add("person u-1", "2026-12-07", 400)
    with pytest.raises(QuotaReached):
        one.check("person u-1", "2026-12-07")
    one.check("person u-1", "2026-12-08")  # a new day
    other.check("person u-9", "2026-12-07")  # another caller
