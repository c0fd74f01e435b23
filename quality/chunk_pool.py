"""Prepare a raw batch's chunks in worker processes, handing them back in order.

Preparing a chunk (``quality.chunk_prepare``) is Python-bound: opening and
sealing values, fingerprints, tokens, PII redaction for a classifying channel.
Threads would share one interpreter lock, so a large batch is prepared by
worker processes, one chunk each at a time, while this process judges and
writes the chunks already prepared, in their order (the first of a key's rows
stays, so order matters). Workers are spawned, not forked: the hub holds a
DuckDB connection whose threads a fork would copy mid-flight. Spawning costs a
second of imports, so small batches, the usual incremental sync, stay in this
process; and each worker holds its own imports and chunks, so workers are asked for
(``SHUZHI_STAGE_WORKERS``), not the default.

Workers reopen the key store from its file and master key provider; no key
crosses the pipe. What the cost meters measured in a worker comes back with
its chunk, divided by the number of workers (they run side by side), so the
benchmark still reports crypto and PII as stages of their own.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

import pyarrow as pa

from metering.costs import absorb, since, snapshot
from quality.chunk_prepare import ChunkPreparer, PreparedChunk, StagingJob

WORKERS_ENV = "SHUZHI_STAGE_WORKERS"
# A batch smaller than this stays in this process: spawning workers costs more.
PARALLEL_MIN_ROWS = 200_000

_preparer: ChunkPreparer | None = None


def stage_workers(landed_rows: Callable[[], int]) -> int:
    """How many worker processes prepare a batch (0: this process); ``landed_rows``
    counts the batch's rows, asked only when workers are.

    ``SHUZHI_STAGE_WORKERS=N`` gives a batch of at least ``PARALLEL_MIN_ROWS`` rows N
    workers. Off by default: at 1 million residents on 2 cores, two workers staged in
    24 s against 28 s in one process, but held 1.8 GiB against 0.7 GiB, each worker
    400-500 MiB of imports and chunks in flight; worth it where memory is plentiful."""
    configured = os.environ.get(WORKERS_ENV, "").strip()
    if not configured:
        return 0
    try:
        workers = int(configured)
    except ValueError:
        raise ValueError(
            f"{WORKERS_ENV}={configured!r}: give a whole number of worker processes "
            "(0 stages in this process)"
        ) from None
    if workers <= 0 or landed_rows() < PARALLEL_MIN_ROWS:
        return 0
    return workers


def prepared_chunks(
    job: StagingJob, chunks: Iterable[pa.RecordBatch], workers: int
) -> Iterator[tuple[pa.RecordBatch, PreparedChunk]]:
    """Each raw chunk with its preparation, in the order the chunks came."""
    if workers <= 0 or not _spawn_can_start():
        preparer = ChunkPreparer(job)
        for raw in chunks:
            yield raw, preparer.prepare(raw)
        return
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(job,),
    ) as pool:
        # A chunk or two ahead per worker keeps them busy; no more, so memory stays
        # bounded by the chunks in flight, not the batch.
        in_flight: deque[tuple[pa.RecordBatch, Future[_Result]]] = deque()
        ahead = 2 * workers
        try:
            for raw in chunks:
                in_flight.append((raw, pool.submit(_prepare_in_worker, raw)))
                if len(in_flight) > ahead:
                    yield _collect(*in_flight.popleft(), workers)
            while in_flight:
                yield _collect(*in_flight.popleft(), workers)
        finally:
            for _, future in in_flight:
                future.cancel()


def _spawn_can_start() -> bool:
    """A spawned worker imports the main script first (guarded by ``if __name__ ==
    "__main__"``, as multiprocessing asks); a script read from standard input has no file
    to import, so its batches stay in this process."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    return main_file is None or os.path.exists(main_file)


_Result = tuple[PreparedChunk, dict[str, tuple[float, int]]]


def _collect(
    raw: pa.RecordBatch, future: Future[_Result], workers: int
) -> tuple[pa.RecordBatch, PreparedChunk]:
    prepared, metered = future.result()
    absorb(metered, share=1 / workers)
    return raw, prepared


def _start_worker(job: StagingJob) -> None:
    global _preparer
    _preparer = ChunkPreparer(job)


def _prepare_in_worker(raw: pa.RecordBatch) -> _Result:
    assert _preparer is not None, "worker started without its job"
    before = snapshot()
    try:
        prepared = _preparer.prepare(raw)
    except Exception as error:
        try:
            pickle.dumps(error)
        except Exception:
            # An error that cannot cross back would break the pool without a word of why.
            raise RuntimeError(f"{type(error).__name__}: {error}") from None
        raise
    return prepared, since(before)
