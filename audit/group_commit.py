"""Group commit: the threads of one process that append at once share one write and one fsync.

Each append waits for the fsync of a batch that holds its entry, so nothing
is acknowledged before it is durable. The first thread to find no batch being
written becomes the leader: it takes every entry queued so far, writes them
(under the file's own lock, which keeps other processes out) and wakes the
others. Entries queued while it writes go out in the next batch, led by one of
their own threads. An fsync costs milliseconds and the entries cost
microseconds, so under load one fsync covers many calls instead of each call
queueing behind every other call's fsync.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

Entry = TypeVar("Entry")
Written = TypeVar("Written")

MAX_BATCH = 512  # entries in one write: bounds the leader's work and the write's size


@dataclass
class _Waiting(Generic[Entry, Written]):
    entry: Entry
    written: Written | None = None
    error: BaseException | None = None
    done: bool = False


class GroupCommit(Generic[Entry, Written]):
    """Hand entries to ``write_batch`` in order, many at a time; each caller gets its own result.

    ``write_batch`` gets a non-empty sequence of entries and returns one result per
    entry, in order, once they are durable; if it raises, every entry of that batch
    fails with the same error (none of them was acknowledged).
    """

    def __init__(self, write_batch: Callable[[Sequence[Entry]], Sequence[Written]]) -> None:
        self._write_batch = write_batch
        self._changed = threading.Condition()
        self._queue: list[_Waiting[Entry, Written]] = []
        self._writing = False

    def commit(self, entry: Entry) -> Written:
        """Write ``entry`` with whatever else is waiting; return once it is durable."""
        mine: _Waiting[Entry, Written] = _Waiting(entry)
        with self._changed:
            self._queue.append(mine)
        while True:
            with self._changed:
                try:
                    while self._writing and not mine.done:
                        self._changed.wait()
                except BaseException:
                    if mine in self._queue:  # no leader took it: it is never written
                        self._queue.remove(mine)
                    raise
                if mine.done:
                    break
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                self._writing = True
            self._lead(batch)
        if mine.error is not None:
            raise mine.error
        return cast(Written, mine.written)

    def _lead(self, batch: list[_Waiting[Entry, Written]]) -> None:
        try:
            results = self._write_batch([waiting.entry for waiting in batch])
            for waiting, written in zip(batch, results, strict=True):
                waiting.written = written
        except BaseException as error:
            for waiting in batch:
                waiting.error = error
        finally:
            with self._changed:
                for waiting in batch:
                    waiting.done = True
                self._writing = False
                self._changed.notify_all()
