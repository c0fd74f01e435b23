"""Measure one benchmark stage: wall time, rows, and the peak memory while it ran."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psutil

SAMPLE_SECONDS = 0.02


@dataclass
class Stage:
    name: str
    group: str  # "governed", "floor", "query", "incremental", "pii", "crypto"
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


class _PeakSampler:
    """Polls this process's resident set size; DuckDB and Arrow allocate inside it."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self._stop = threading.Event()
        self.peak = self._process.memory_info().rss
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __enter__(self) -> _PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


@contextmanager
def measure(stage: Stage) -> Iterator[Stage]:
    """Fill ``stage.seconds`` and ``stage.peak_rss_mb``; the body sets ``stage.rows``."""
    with _PeakSampler() as sampler:
        started = time.perf_counter()
        try:
            yield stage
        finally:
            stage.seconds = time.perf_counter() - started
    stage.peak_rss_mb = sampler.peak / 2**20
