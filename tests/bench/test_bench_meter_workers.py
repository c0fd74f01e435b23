"""A stage's peak memory counts the worker processes the work starts, and no others;
pages workers share (forked from one warm server) count once."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from bench.meter import Stage, measure

HOLD_MB = 300
# Allocates and touches HOLD_MB, says so, and keeps it until its input closes.
HOLDER = (
    "import sys; block = bytearray({mb} * 2**20); block[::4096] = b'x' * len(block[::4096]); "
    "print('ready', flush=True); sys.stdin.read()"
)


# Allocates and touches HOLD_MB, then forks two children that only wait (the pages stay
# shared, as a warm PII server's are with its workers); all end when the input closes.
FORKING_HOLDER = """
import os, sys
block = bytearray({mb} * 2**20)
block[::4096] = b"x" * len(block[::4096])
for _ in range(2):
    if os.fork() == 0:
        sys.stdin.read()
        os._exit(0)
print("ready", flush=True)
sys.stdin.read()
"""


@contextmanager
def holder(program: str = HOLDER) -> Iterator[None]:
    process = subprocess.Popen(
        [sys.executable, "-c", program.format(mb=HOLD_MB)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        yield
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=30)


def test_a_worker_started_by_the_work_counts_and_one_running_before_does_not() -> None:
    quiet = _peak_starting(None)
    with holder():  # running before the stage began: the bench's own server, say
        before = _peak_starting(None)
        during = _peak_starting(HOLDER)  # started by the work, alive when it ends
    assert before < quiet + HOLD_MB / 2
    assert during > quiet + HOLD_MB * 0.9


def test_pages_workers_share_count_once_not_once_per_worker() -> None:
    grown = _peak_starting(FORKING_HOLDER) - _peak_starting(None)  # three processes, one block
    assert HOLD_MB * 0.9 < grown < HOLD_MB * 1.5  # an RSS sum would say three blocks


def _peak_starting(program: str | None) -> float:
    """A stage's peak MiB when its work starts ``program`` (None: nothing) and leaves it
    running until the stage has ended."""
    stage = Stage("stage", "governed")
    started = ExitStack()
    with measure(stage):
        if program is not None:
            started.enter_context(holder(program))
    started.close()
    return stage.peak_rss_mb
