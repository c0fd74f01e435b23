"""Which sources a signed-in department person may see: its department's own, decided by
``policies.api_permissions.sources_of`` as the API's ``GET /api/v1/sources`` decides them."""

from __future__ import annotations

from identity.models import Identity
from pipelines.hub import Hub
from policies.api_permissions import sources_of
from service.errors import not_found


def department_of(hub: Hub, identity: Identity) -> str | None:
    principal = hub.policies.principal(identity.principal)
    return principal.department if principal else None


def own_sources(hub: Hub, identity: Identity) -> list[str]:
    owners = {name: hub.catalog.department_of_source(name).id for name in hub.catalog.sources}
    return sources_of(department_of(hub, identity), owners)


def own_source(hub: Hub, identity: Identity, name: str) -> str:
    """``name`` when it is one of the person's department's sources; else 404 (another
    department's source is answered as one that does not exist)."""
    if name not in own_sources(hub, identity):
        raise not_found(f"source {name}")
    return name
