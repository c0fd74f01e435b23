"""Step progress: Dagster's log always, and the terminal when a person is watching.

Every step runs inside ``step``, so it is also where a commit that another worker's
commit refused (two departments syncing at once on one catalogue) becomes a retry of
the step: each step's writes are whole transactions, so nothing of the refused one
was kept and doing it again neither loses nor doubles a row.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from lakehouse.connection import is_write_conflict

# Tries of a step whose commit another writer's refused, and the longest pause before one.
CONFLICT_RETRIES = 5
CONFLICT_PAUSE_S = 2.0


class StepSummary(list[str]):
    """The step's one-line summary parts; ``fail`` marks the step failed (✗, not ✓)
    with what failed, e.g. the quality rules a blocking check found broken."""

    failure: str | None = None
    warning: str | None = None

    def fail(self, why: str) -> None:
        self.failure = why

    def warn(self, what: str) -> None:
        """Something to look at that does not stop the data (a ``warn`` quality rule)."""
        self.warning = what


def step_line(title: str, summary: StepSummary, elapsed: float) -> tuple[bool, str]:
    """(passed, the finished line without its mark)."""
    parts = list(summary)
    if summary.warning:
        parts.append(f"warnings: {summary.warning}")
    if summary.failure:
        parts.insert(0, f"FAILED: {summary.failure}")
    return summary.failure is None, f"{title}: {'; '.join(parts) or 'done'} ({elapsed:.1f}s)"


@contextmanager
def step(
    context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext, show: bool, title: str
) -> Iterator[StepSummary]:
    """Yields the summary the step appends its one-line parts to (and ``fail``s)."""
    started = time.monotonic()
    summary = StepSummary()
    console = None
    if show:
        from rich.console import Console

        console = Console(stderr=True, soft_wrap=True)
        if console.is_terminal:  # a log file needs only the finished line
            console.print(f"[dim]…[/dim] {title}", highlight=False)
    try:
        yield summary
    except Exception as error:
        if not is_write_conflict(error):
            raise
        context.log.warning(f"{title}: another writer changed the same table first; trying again")
        # Jittered, so two steps that collided do not collide again on the same beat.
        raise dg.RetryRequested(
            max_retries=CONFLICT_RETRIES, seconds_to_wait=random.uniform(0.2, CONFLICT_PAUSE_S)
        ) from error
    passed, line = step_line(title, summary, time.monotonic() - started)
    if passed:
        context.log.info(line)
    else:
        context.log.error(line)
    if console is not None:
        mark = (
            "[red]✗[/red]"
            if not passed
            else "[yellow]![/yellow]"
            if summary.warning
            else "[green]✓[/green]"
        )
        console.print(f"{mark} {line}", highlight=False)
