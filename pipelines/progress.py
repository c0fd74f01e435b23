"""Step progress: Dagster's log always, and the terminal when a person is watching."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg


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
    yield summary
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
