"""Where the time goes: named cost meters around the hub's expensive kernels.

Cryptography and personal-data detection run inside several pipeline steps
(sealing in landing, tokens in staging, redaction in protection). The
benchmark reads these meters to report them as stages of their own. A meter
costs two clock reads per call, so kernels are metered per column batch,
never per value.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

CRYPTO = "tokenise/encrypt"
PII = "PII detection"

_lock = threading.Lock()
_seconds: dict[str, float] = {}
_items: dict[str, int] = {}


@contextmanager
def metered(name: str, items: int = 0) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - started
        with _lock:
            _seconds[name] = _seconds.get(name, 0.0) + elapsed
            _items[name] = _items.get(name, 0) + items


def snapshot() -> dict[str, tuple[float, int]]:
    """Seconds and items per meter since the process started."""
    with _lock:
        return {name: (_seconds[name], _items.get(name, 0)) for name in _seconds}


def since(before: dict[str, tuple[float, int]]) -> dict[str, tuple[float, int]]:
    """What each meter gained since ``before`` (a :func:`snapshot`)."""
    now = snapshot()
    return {
        name: (seconds - before.get(name, (0.0, 0))[0], items - before.get(name, (0.0, 0))[1])
        for name, (seconds, items) in now.items()
    }


def absorb(gained: dict[str, tuple[float, int]], *, share: float = 1.0) -> None:
    """Add what a worker process's meters gained (:func:`since` there) to this process's.

    ``share`` scales the seconds: workers running side by side each take a share of the
    wall time their seconds add up to."""
    with _lock:
        for name, (seconds, items) in gained.items():
            _seconds[name] = _seconds.get(name, 0.0) + seconds * share
            _items[name] = _items.get(name, 0) + items
