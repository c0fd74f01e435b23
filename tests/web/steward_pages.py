"""Shared by the steward's page tests: a served hub and a signed-in browser-like client."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "service"))
from page_client import browser_like, sign_in
from service_home import PASSWORD, Served


@contextmanager
def signed_in(served: Served, login: str) -> Iterator[httpx.Client]:
    with browser_like(served.url) as client:
        answer = sign_in(client, login, PASSWORD)
        assert answer.status_code == 303, answer.text
        yield client


HOSTILE = "<script>alert(1)</script>“引号”"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;“引号”"
