"""One audit event per front-door step, refusals included.

Details hold ids, principals, roles, scopes, the outcome and a reason; never a
name, a login, a password, a key or a token. A reason can be typed by a
person, so it is cleaned of personal data first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from audit.free_text import clean_free_text

if TYPE_CHECKING:
    from pipelines.hub import Hub


def record(hub: Hub, kind: str, actor: str, outcome: str, reason: str, **details: Any) -> None:
    hub.audit.append(
        kind,
        clean_free_text(actor),
        {"outcome": outcome, "reason": clean_free_text(reason), **details},
    )
