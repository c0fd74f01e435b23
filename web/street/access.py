"""Who may open a street page: the action rule first (page_for), then the kind of
principal the street pages are for.

The rows and columns are still the engine's; this only keeps a steward, a department or
a reviewer on their own pages, where their work is (their menu never leads here).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from identity.models import Identity
from service.context import context_of
from service.errors import forbidden
from web.navigation import home_of
from web.page_auth import page_for

STREET_KIND = "street_office"


def street_page(action: str) -> Callable[[Request], Identity]:
    """A dependency: the signed-in person of a street office whose role allows ``action``."""
    allowed = page_for(action)

    def check(request: Request) -> Identity:
        identity = allowed(request)
        principal = context_of(request).hub.policies.principal(identity.principal)
        kind = principal.kind if principal else "unknown"
        if kind != STREET_KIND:
            raise forbidden(
                f"the street pages are a street office's; {identity.principal} is a {kind} "
                f"principal, whose pages start at {home_of(kind)}"
            )
        return identity

    return check
