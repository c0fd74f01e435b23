"""What one dataset's or product's page shows: ``shuzhi catalog show``'s entry, and the
steward's forms (shown to those the action rule lets steward the catalogue)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from catalog.contracts import LEVELS, SHARING_LABELS
from cli.catalog_command import show_entry
from identity.models import Identity
from pii.entities import ENTITIES
from policies.api_permissions import may
from service.context import context_of
from service.errors import not_found
from web.templating import render

KIND_PATHS = {"dataset": "datasets", "product": "products"}


def contract_exists(request: Request, kind: str, name: str) -> None:
    catalog = context_of(request).hub.catalog
    known = catalog.datasets if kind == "dataset" else catalog.products
    if name not in known:
        raise not_found(f"the {kind} {name!r}")


def detail_page(
    request: Request,
    identity: Identity,
    kind: str,
    name: str,
    *,
    failed: tuple[str, str] | None = None,
    typed: dict[str, str] | None = None,
    done: tuple[str, str] = ("", ""),
) -> Response:
    """The page of ``name``; ``failed`` = (form, message) shows a refused change in place,
    with what was ``typed`` kept in its form; ``done`` = (form changed, form unchanged)
    after a change."""
    contract_exists(request, kind, name)
    hub = context_of(request).hub
    entry: dict[str, Any] = show_entry(name, hub)
    principal = hub.policies.principal(identity.principal)
    stewards = may(identity, "steward_catalogue", principal.kind if principal else None).allowed
    values = {
        "e": entry,
        "kind": kind,
        "base": f"/steward/{KIND_PATHS[kind]}/{name}",
        "may_steward": stewards,
        "levels": LEVELS,
        "sharings": SHARING_LABELS,
        "entities": ENTITIES,
        "failed_form": failed[0] if failed else "",
        "failed_message": failed[1] if failed else "",
        "typed": typed or {},
        "changed": done[0],
        "unchanged": done[1],
        "quality_inputs": sorted(entry["quality"].get("inputs", {}).items())
        if isinstance(entry.get("quality"), dict)
        else [],
    }
    return render(request, "steward/detail.html", values, status=422 if failed else 200)
