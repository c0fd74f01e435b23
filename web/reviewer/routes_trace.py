"""``/reviewer/trace``: which delivery a leaked file came from (``shuzhi audit trace``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from audit.trace import TRACED, read_rows, trace
from service.context import context_of
from web.page_auth import PostedUpload
from web.reviewer.access import Reviewer
from web.reviewer.leaked_upload import UnreadableUpload, held_for_the_request, uploaded_file
from web.reviewer.register_lookup import audit_trace, register_of
from web.templating import render

router = APIRouter(prefix="/reviewer")


def _page(request: Request, **values: object) -> Response:
    status = int(str(values.pop("status", 200)))
    frame: dict[str, object] = {
        "limit_mb": context_of(request).settings.max_body_bytes / (1024 * 1024),
        "error": None,
        "result": None,
        "filename": "",
        "traced": TRACED,
    }
    return render(request, "reviewer/trace.html", frame | values, status=status)


@router.get("/trace")
def trace_form(request: Request, identity: Reviewer) -> Response:
    return _page(request)


@router.post("/trace")
def trace_upload(request: Request, identity: Reviewer, form: PostedUpload) -> Response:
    hub = context_of(request).hub
    try:
        upload = uploaded_file(form)
        with held_for_the_request(upload, hub.home.state) as path:
            try:
                rows = read_rows(path)
            except Exception:  # whatever a hostile file breaks, it is the file's fault
                raise UnreadableUpload(
                    "无法读取该文件：它不是有效的 CSV、XLSX 或文本文件",
                    "the file could not be read as CSV, XLSX or text",
                ) from None
    except UnreadableUpload as unreadable:
        return _page(request, error=(unreadable.zh, unreadable.en), status=422)
    result = trace(rows, register_of(hub))
    audit_trace(hub, identity, result)
    return _page(request, result=result, filename=upload.filename or "")
