"""A street office's browser for the page tests: signed in, a purpose chosen on the picker."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from page_client import browser_like, csrf_token_in, sign_in
from service_home import PASSWORD


def choose_purpose(client: httpx.Client, purpose: str, back: str = "/street") -> httpx.Response:
    page = client.get(back)
    return client.post(
        "/purpose", data={"purpose": purpose, "next": back, "csrf_token": csrf_token_in(page.text)}
    )


@contextmanager
def street_browser(
    url: str, login: str, purpose: str | None = "street_governance"
) -> Iterator[httpx.Client]:
    with browser_like(url) as client:
        assert sign_in(client, login, PASSWORD).status_code == 303
        if purpose:
            chosen = choose_purpose(client, purpose)
            assert chosen.status_code == 303, chosen.text
        yield client
