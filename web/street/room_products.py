"""The products in a principal's room, decided as GET /api/v1/products decides them:
the engine's decision for each product of the catalogue, the allowed ones kept."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.contracts import ProductContract
from pipelines.hub import Hub
from policies.engine import Decision, decide
from service.errors import ApiError, not_found


@dataclass(frozen=True)
class RoomProduct:
    product: ProductContract
    decision: Decision

    @property
    def titles(self) -> dict[str, str]:
        return {c.name: c.title or c.name for c in self.product.columns}


def products_in_room(hub: Hub, principal: str) -> list[RoomProduct]:
    policies = hub.policies
    found = []
    for product in hub.catalog.products.values():
        decision = decide(principal, product, policies)
        if decision.allowed:
            found.append(RoomProduct(product, decision))
    return found


def room_product(hub: Hub, principal: str, name: str) -> RoomProduct:
    """One product of the room; refused with the engine's reasons, as the API refuses it."""
    product = hub.catalog.products.get(name)
    if product is None:
        raise not_found("that product")
    decision = decide(principal, product, hub.policies)
    if not decision.allowed:
        raise ApiError(403, "refused", f"{name}: " + "; ".join(decision.reasons))
    return RoomProduct(product, decision)
