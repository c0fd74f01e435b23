"""Who opens a steward's page: the action rule (``page_for``), then a steward principal.

The action rule decides what a person's role allows (viewing, deciding access,
stewarding the catalogue); the steward's pages show every principal's decisions and
every request, so they are for a data steward's office, as ``PolicySet.steward_refusal``
says who that is. Everyone else gets the 403 page with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from identity.models import Identity
from service.context import context_of
from service.errors import forbidden
from web.page_auth import page_for


def steward_page(action: str) -> Callable[[Request], Identity]:
    """A dependency: the signed-in person, allowed ``action``, acting for a steward."""
    allowed = page_for(action)

    def check(request: Request) -> Identity:
        identity = allowed(request)
        refusal = context_of(request).hub.policies.steward_refusal(
            identity.principal, "opens the steward's pages"
        )
        if refusal is not None:
            raise forbidden(f"{identity.audit_name} may not open this page: {refusal}")
        return identity

    return check


ReadsCatalogue = Annotated[Identity, Depends(steward_page("read_catalogue"))]
DecidesAccess = Annotated[Identity, Depends(steward_page("decide_access"))]
StewardsCatalogue = Annotated[Identity, Depends(steward_page("steward_catalogue"))]
