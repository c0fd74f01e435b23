"""A browser-like HTTP client for the pages: it keeps cookies and reads forms' CSRF tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]*)"')


def csrf_token_in(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@contextmanager
def browser_like(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, follow_redirects=False, timeout=60) as client:
        yield client


def sign_in(client: httpx.Client, login: str, password: str) -> httpx.Response:
    """Open the sign-in page, then post its form, as a person would."""
    form = client.get("/sign-in")
    assert form.status_code == 200, form.text
    return client.post(
        "/sign-in",
        data={"login": login, "password": password, "csrf_token": csrf_token_in(form.text)},
    )
