"""A failure on a page answers as a page: the sign-in page when not signed in, otherwise
the status with its one clear message (in the page's frame, escaped like any text)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from web.templating import render


def safe_next(path: str | None) -> str | None:
    """A path on this site to return to after sign-in; never another site (``//x``, ``/\\x``)."""
    if not path or not path.startswith("/") or path.startswith(("//", "/\\")):
        return None
    return path


def page_answer(request: Request, status: int, kind: str, message: str) -> Response:
    if status == 401:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target = "/sign-in"
        if request.method == "GET" and back not in ("/", "/sign-in"):
            target += "?next=" + quote(back, safe="")
        return RedirectResponse(target, status_code=303)
    return render(
        request, "error.html", {"status": status, "kind": kind, "message": message}, status=status
    )
