"""Measure one benchmark stage: wall time, rows, and the peak memory while it ran."""

from __future__ import annotations

import contextlib
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psutil

SAMPLE_SECONDS = 0.02
# Listing a server's workers reads /proc for each: sampled less often, so the
# bench does not take CPU from the server it measures.
SERVED_SAMPLE_SECONDS = 0.25
WORKER_LIST_EVERY = 5


@dataclass
class Stage:
    name: str
    group: str  # "governed", "floor", "query", "incremental", "pii", "crypto", "api"
    dataset: str | None = None
    seconds: float = 0.0
    rows: int = 0
    peak_rss_mb: float = 0.0
    note: str = ""
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "group": self.group,
            "dataset": self.dataset,
            "seconds": round(self.seconds, 4),
            "rows": self.rows,
            "rows_per_second": round(self.rows_per_second, 1),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "note": self.note,
            **{k: round(v, 4) for k, v in self.extra.items()},
        }


class PeakSampler:
    """Polls the memory of this process (DuckDB and Arrow allocate inside it) with the
    workers it starts while measured (staging's chunk workers, the PII pool), or of a
    served process with its children (the API's room workers).

    The process itself counts its resident set (RSS); each worker its proportional set
    (PSS): workers forked from one warm server share its pages (Presidio, jieba's
    dictionary), and an RSS sum counted those once per worker (400 MiB too many for
    two PII workers). This process's workers are read every ``WORKER_LIST_EVERY``
    samples: their memory moves slowly, and reading a PSS walks their page tables."""

    def __init__(self, pid: int | None = None) -> None:
        self._process = psutil.Process(pid)
        self._tree = pid is not None
        self._every = SERVED_SAMPLE_SECONDS if self._tree else SAMPLE_SECONDS
        # Processes already running (a served API the bench started) are not the work's.
        self._earlier = {c.pid for c in self._process.children(recursive=True)}
        self._workers: list[psutil.Process] = []
        self._workers_bytes = 0
        self.peaks_by_pid: dict[int, int] = {}  # each worker's own peak PSS, in bytes
        self._samples = 0
        self._stop = threading.Event()
        self.peak = self._rss()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self, *, relist: bool = False) -> int:
        if relist or self._tree or self._samples % WORKER_LIST_EVERY == 0:
            # Reading the workers walks /proc: every fifth sample only, unless the
            # sampler is a served process's (sampled slowly already).
            try:
                children = self._process.children(recursive=True)
            except psutil.NoSuchProcess:  # a measured process that has ended has none
                children = []
            self._workers = [c for c in children if self._tree or c.pid not in self._earlier]
            self._workers_bytes = 0
            for worker in self._workers:
                pss = _proportional_set(worker)
                self._workers_bytes += pss
                self.peaks_by_pid[worker.pid] = max(self.peaks_by_pid.get(worker.pid, 0), pss)
        self._samples += 1
        with contextlib.suppress(psutil.NoSuchProcess):
            return self._process.memory_info().rss + self._workers_bytes
        return self._workers_bytes

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss(relist=True))


def _proportional_set(process: psutil.Process) -> int:
    """A worker's PSS in bytes (0 once it has ended)."""
    try:
        return int(process.memory_full_info().pss)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        # A worker may end between listing and reading.
        return 0


@contextmanager
def measure(stage: Stage) -> Iterator[Stage]:
    """Fill ``stage.seconds`` and ``stage.peak_rss_mb``; the body sets ``stage.rows``."""
    with PeakSampler() as sampler:
        started = time.perf_counter()
        try:
            yield stage
        finally:
            stage.seconds = time.perf_counter() - started
    stage.peak_rss_mb = sampler.peak / 2**20


@contextmanager
def served_peak(stage: Stage, pid: int) -> Iterator[Stage]:
    """Put the peak RSS of a served process and its children in ``stage.extra``.

    Kept apart from ``peak_rss_mb`` (the bench's own, which the memory target is
    about). The server counts its RSS, its workers their PSS (see ``PeakSampler``).
    """
    with PeakSampler(pid) as sampler:
        yield stage
    stage.extra["server_peak_rss_mb"] = sampler.peak / 2**20


def median_stage(
    name: str, group: str, run: Callable[[], int], repeats: int, dataset: str | None = None
) -> Stage:
    """``run`` once to warm up, then ``repeats`` times: the median time, the rows it returned."""
    run()  # warm the file cache, a worker, a connection, alike for every side compared
    stage = Stage(name, group, dataset)
    times = []
    with measure(stage):
        for _ in range(repeats):
            started = time.perf_counter()
            stage.rows = run()
            times.append(time.perf_counter() - started)
    stage.seconds = statistics.median(times)
    stage.note = f"median of {repeats}"
    return stage
