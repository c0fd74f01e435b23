"""The ``steward_action`` audit event: one shape wherever a steward acts.

Written whether the action was allowed or refused, with what it named (a source, a
dataset, record ids), the decision and its reason, and the steward's own reason, all
cleaned of personal data (``audit.free_text``). The principal is as typed: a refusal's
reason may quote it.
"""

from __future__ import annotations

from typing import Any, Protocol

from audit.free_text import clean_details, clean_free_text


class _Decision(Protocol):
    @property
    def allowed(self) -> bool: ...

    @property
    def reason(self) -> str: ...


class _Log(Protocol):
    def append(self, kind: str, actor: str, details: dict[str, Any]) -> object: ...


def append_steward_action(
    log: _Log, principal: str, action: str, decided: _Decision, reason: str, **named: object
) -> None:
    log.append(
        "steward_action",
        clean_free_text(principal),
        clean_details(
            {
                "action": action,
                **named,
                "outcome": "allowed" if decided.allowed else "refused",
                "because": decided.reason,
                "reason": reason,
            }
        ),
    )
