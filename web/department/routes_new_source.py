"""A new source's YAML, checked as the catalogue loader checks it; never registered here.

No command of the hub registers a source (sources live in the department's file under
``config/departments``, which the hub's operator keeps): a valid source is shown as
valid with that next step, an invalid one with each problem at its key and line.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from identity.models import Identity
from service.context import context_of
from service.errors import forbidden
from web.department.own_sources import department_of
from web.department.source_check import SourceCheck, check_source
from web.department.source_example import example_source
from web.page_auth import PostedUpload, page_for
from web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Identity, Depends(page_for("read_sources"))]
FIELD = "source_yaml"


def _department(request: Request, identity: Identity) -> str:
    department = department_of(context_of(request).hub, identity)
    if department is None:
        raise forbidden(f"{identity.principal} is a department principal with no department")
    return department


def _page(request: Request, text: str, check: SourceCheck | None, *, status: int = 200) -> Response:
    lines = text.splitlines()
    at_line: dict[int, list[str]] = {}
    for problem in check.problems if check else []:
        at_line.setdefault(problem.line or 0, []).append(f"{problem.key}: {problem.message}")
    return render(
        request,
        "department/new_source.html",
        {"text": text, "check": check, "lines": lines, "at_line": at_line, "field": FIELD},
        status=status,
    )


@router.get("/department/new-source")
def new_source_form(request: Request, identity: Reader) -> Response:
    hub = context_of(request).hub
    return _page(request, example_source(hub.catalog, _department(request, identity)), None)


@router.post("/department/new-source")
def new_source_check(request: Request, identity: Reader, form: PostedUpload) -> Response:
    hub = context_of(request).hub
    posted = form.get(FIELD)
    text = posted if isinstance(posted, str) else ""
    check = check_source(hub.config, _department(request, identity), text)
    return _page(request, text, check, status=200 if check.valid else 422)
