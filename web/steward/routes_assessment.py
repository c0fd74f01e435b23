"""``/steward/assessment``: the departments' sharing assessment (共享考核), run now.

The same run as ``shuzhi catalog assessment`` (``cli.catalog_command.assessed``): it is
audited as an ``assessment`` event, a stage of every assessed dataset's life cycle.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cli.catalog_command import assessed
from service.context import context_of
from web.steward.access import ReadsCatalogue
from web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/steward/assessment")
def assessment(request: Request, identity: ReadsCatalogue) -> Response:
    rows = assessed(context_of(request).hub, identity.audit_name)
    return render(request, "steward/assessment.html", {"rows": rows})
