"""Answers read from the lakehouse for pages, kept until the lakehouse or the contracts change.

Opening the lake (the lock, an encrypted catalogue attached) costs a few hundred
milliseconds, and a page showing sources, batches or quality would pay it on every
view, though the lake changes only when a sync or a run commits. An answer is kept
with the version of what it was read from: the catalogue file and its WAL (size and
modification time), the configuration's files, and the minute, since answers such as
freshness depend on the clock. Only for answers without personal data (counts,
states, names of sources and rules); a catalogue on a database server is never cached.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from lakehouse.catalogue import LakeSettings

if TYPE_CHECKING:
    from pipelines.hub import Hub

T = TypeVar("T")
MAX_ANSWERS = 256
_answers: OrderedDict[tuple[Hashable, ...], tuple[tuple[Any, ...], Any]] = OrderedDict()
_guard = threading.Lock()


def _stat(path: Path) -> tuple[int, int]:
    try:
        found = path.stat()
    except FileNotFoundError:
        return (0, 0)
    return (found.st_size, found.st_mtime_ns)


def lake_version(hub: Hub) -> tuple[Any, ...] | None:
    """What a cached answer depends on now; None when it cannot be told (no caching)."""
    from pipelines.hub import config_files

    catalogue = LakeSettings.for_home(hub.home).catalogue_file
    if catalogue is None:
        return None
    wal = catalogue.with_name(catalogue.name + ".wal")
    config = tuple(_stat(path) for path in config_files(hub.config))
    return (_stat(catalogue), _stat(wal), config, int(time.time() // 60))


def read_cached(hub: Hub, key: tuple[Hashable, ...], read: Callable[[], T]) -> T:
    """``read()``'s answer, or the one kept for ``key`` while the lake is unchanged."""
    version = lake_version(hub)
    if version is None:
        return read()
    full_key = (str(hub.home.root), *key)
    with _guard:
        kept = _answers.get(full_key)
        if kept is not None and kept[0] == version:
            _answers.move_to_end(full_key)
            answer: T = kept[1]
            return answer
    answer = read()
    if lake_version(hub) == version:  # nothing committed while it was read
        with _guard:
            _answers[full_key] = (version, answer)
            while len(_answers) > MAX_ANSWERS:
                _answers.popitem(last=False)
    return answer
