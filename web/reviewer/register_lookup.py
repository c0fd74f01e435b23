"""Looks into the delivery register, each audited as ``shuzhi audit who-saw`` / ``trace`` are.

Who saw a person is itself personal information: every look writes a
``delivery_lookup`` event with the same details the CLI writes, naming the
reviewer behind it (``by``) and their principal as actor.
"""

from __future__ import annotations

from audit.deliveries import Delivery, Register, register_beside
from audit.trace import TraceResult
from identity.models import Identity
from pipelines.hub import Hub


def register_of(hub: Hub) -> Register:
    return register_beside(hub.audit.path)


def deliveries_of_token(hub: Hub, identity: Identity, token: str) -> list[Delivery]:
    """Every delivery that held ``token``; the look is audited."""
    found = register_of(hub).of_token(token)
    _audit(
        hub, identity, {"lookup": "who-saw", "token": token, "deliveries": [d.id for d in found]}
    )
    return found


def audit_trace(hub: Hub, identity: Identity, result: TraceResult) -> None:
    _audit(
        hub,
        identity,
        {
            "lookup": "trace",
            "verdict": result.verdict,
            "deliveries": [f.delivery.id for f in result.findings],
            "rows_read": result.rows_read,
        },
    )


def _audit(hub: Hub, identity: Identity, details: dict[str, object]) -> None:
    hub.audit.append("delivery_lookup", identity.principal, {**details, "by": identity.audit_name})
