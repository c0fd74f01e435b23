"""Spreading detection over processes: both cores for a large column.

Detection is pure Python (regular expressions, jieba) and holds the GIL, so
threads would not help. Workers come from a ``forkserver`` (never a plain fork
of a process that may hold DuckDB or Dagster threads), build the default
detector once, and stay up for the next column.
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.util
import os
from concurrent.futures import Future, ProcessPoolExecutor

import pyarrow as pa

from pii.detector import Detector, Finding

# Below this many rows a column is faster done here than shipped to workers.
PARALLEL_MIN_ROWS = 10_000
# Slices per worker: small enough to balance texts of uneven length.
SLICES_PER_WORKER = 4

_pool: ProcessPoolExecutor | None = None
_pool_workers = 0


def available_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def find_column(column: pa.Array, *, detector: Detector, workers: int = 1) -> list[list[Finding]]:
    """Findings per row of a string column, on ``workers`` processes when it pays."""
    from pii.text_scan import default_detector

    if workers <= 1 or len(column) < PARALLEL_MIN_ROWS or detector is not default_detector():
        # A caller's own detector stays in this process: it may not survive pickling.
        return detector.find_column(column)
    slices = _slices(len(column), workers * SLICES_PER_WORKER)
    pool = _worker_pool(workers)
    parts = pool.map(_find_slice, [column.slice(start, length) for start, length in slices])
    return [row for part in parts for row in part]


def prestart(workers: int) -> Future[bool] | None:
    """Start the workers now, so their start-up overlaps the caller's other work.

    A fresh worker server imports Presidio (about 5 s here) once; later columns reuse it.
    The future is done once they are up (a benchmark waits for it before timing).
    """
    if workers > 1:
        return _worker_pool(workers).submit(_ready)
    return None


def _ready() -> bool:
    return True


def _find_slice(texts: pa.Array) -> list[list[Finding]]:
    from pii.text_scan import default_detector

    return default_detector().find_column(texts)


def _slices(total: int, parts: int) -> list[tuple[int, int]]:
    size = max(1, -(-total // parts))
    return [(start, min(size, total - start)) for start in range(0, total, size)]


def _worker_pool(workers: int) -> ProcessPoolExecutor:
    global _pool, _pool_workers
    if _pool is None or _pool_workers != workers:
        if _pool is not None:
            _pool.shutdown()
        context = multiprocessing.get_context("forkserver")
        # The server builds the detector once; every worker forks from it warm.
        context.set_forkserver_preload(["pii.warm_worker"])
        _pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        _pool_workers = workers
        # A process started by multiprocessing (a Dagster step worker) runs no atexit
        # handlers, but waits at its end for its children: the pool's idle workers would
        # keep it alive for ever. Its finalizers run before that wait; this one first, while
        # the pool's own queue (closed by a finalizer of priority 10) still carries the
        # workers' stop signal.
        multiprocessing.util.Finalize(None, _shutdown, exitpriority=100)
    return _pool


@atexit.register
def _shutdown() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(cancel_futures=True)
        _pool = None
