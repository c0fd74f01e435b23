"""Where several API processes keep what they must agree on: sessions and limits.

One process keeps them itself (sessions in ``state/sessions.json``, limits in memory).
Two or more behind one address set ``SHUZHI_REDIS_URL`` and keep them in that Redis, so
a session signed in on one is live on the other, a signed-out one is dead on both, and
a caller's rate and daily rows are counted once across all. ``SHUZHI_REDIS_PREFIX``
(default ``shuzhi:``) keeps the keys of one hub apart from another's.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

REDIS_ENV = "SHUZHI_REDIS_URL"
PREFIX_ENV = "SHUZHI_REDIS_PREFIX"
DEFAULT_PREFIX = "shuzhi:"


class SharedStateDown(RuntimeError):
    """The Redis that holds sessions and limits did not answer: nobody is let in."""


def shared_redis() -> Any | None:
    """The client of ``SHUZHI_REDIS_URL``, or None when this hub keeps its own state."""
    url = os.environ.get(REDIS_ENV, "").strip()
    return _client(url) if url else None


def key_prefix() -> str:
    return os.environ.get(PREFIX_ENV, "").strip() or DEFAULT_PREFIX


@functools.cache
def _client(url: str) -> Any:
    import redis

    # Short timeouts: a call waits for Redis no longer than a person would for a page.
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


@contextmanager
def redis_calls() -> Iterator[None]:
    """Calls to the shared Redis; a failed one is SharedStateDown, in one line that does
    not repeat the URL (it may hold a password)."""
    import redis

    try:
        yield
    except redis.RedisError as error:
        raise SharedStateDown(
            f"the shared session and limit store ({REDIS_ENV}) did not answer "
            f"({type(error).__name__}); try again shortly"
        ) from None
