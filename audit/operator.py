"""The hub-host operator behind this process, named as ``by`` on every event it appends.

The CLI sets it at start-up and the service clears it; kept apart from ``audit.log`` so
setting it does not import the event schemas (``shuzhi --help`` needs none of them).
"""

from __future__ import annotations

_operator: str | None = None


def set_operator(name: str | None) -> None:
    """Record ``operator <name>`` as ``by`` on every event this process appends."""
    global _operator
    _operator = name


def operator_by() -> str | None:
    """``operator <name>`` when this process acts for an operator (the CLI), else None."""
    return None if _operator is None else f"operator {_operator}"
