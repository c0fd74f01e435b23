"""Step progress: Dagster's log always, and the terminal when a person is watching."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg


@contextmanager
def step(
    context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext, show: bool, title: str
) -> Iterator[list[str]]:
    """Yields a list the step appends its one-line summary to."""
    started = time.monotonic()
    summary: list[str] = []
    console = None
    if show:
        from rich.console import Console

        console = Console(stderr=True, soft_wrap=True)
        if console.is_terminal:  # a log file needs only the finished line
            console.print(f"[dim]…[/dim] {title}", highlight=False)
    yield summary
    elapsed = time.monotonic() - started
    line = f"{title}: {'; '.join(summary) or 'done'} ({elapsed:.1f}s)"
    context.log.info(line)
    if console is not None:
        console.print(f"[green]✓[/green] {line}", highlight=False)
