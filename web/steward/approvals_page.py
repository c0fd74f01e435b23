"""What the approvals queue shows: access requests (as ``GET /api/v1/access-requests``
lists them, to whoever may see each) and client systems awaiting a steward."""

from __future__ import annotations

import datetime as dt

from fastapi import Request
from fastapi.responses import Response

from identity.clients import all_clients
from identity.models import Identity
from policies.api_permissions import may, may_see_request
from service.context import context_of
from web.templating import render


def approvals_page(
    request: Request,
    identity: Identity,
    *,
    failed: tuple[str, str] | None = None,
    typed_reason: str = "",
    decided: str = "",
) -> Response:
    """The queue; ``failed`` = (request or client id, message) is shown beside that item,
    with the reason as typed; ``decided`` names the item just decided."""
    hub = context_of(request).hub
    policies = hub.policies
    principal = policies.principal(identity.principal)
    kind = principal.kind if principal else None
    today = dt.date.today()
    requests = [
        r.summary(today)
        for r in hub.access_requests.all()
        if may_see_request(identity, kind, r.principal)
    ]
    names = {p.id: p.name for p in policies.principals}
    deciding = may(identity, "decide_access", kind).allowed
    clients = all_clients(hub) if deciding else []
    values = {
        "waiting": [r for r in requests if r["state"] == "requested"],
        "answered": [r for r in requests if r["state"] != "requested"][::-1],
        "clients_waiting": [c for c in clients if c.state == "pending"],
        "clients_answered": [c for c in clients if c.state != "pending"][::-1],
        "names": names,
        "may_decide": deciding,
        "failed_id": failed[0] if failed else "",
        "failed_message": failed[1] if failed else "",
        "typed_reason": typed_reason,
        "decided": decided,
    }
    return render(request, "steward/approvals.html", values, status=422 if failed else 200)
