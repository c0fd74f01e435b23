"""The browser tests' fixtures: a live ``shuzhi serve`` on a copy of the demo district,
one Chromium per session, a fresh context and page per test.

``web_home`` copies the session's ``demo`` home because browser tests change state
(sign-ins, requests, approvals). Every fixture here that reaches ``demo`` puts the
test files using it in the demo's xdist work unit (tests/suite/xdist_scopes.py),
so the district is still built once per session.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from browser import launch, new_context, start_playwright
from live_server import LiveServer
from playwright.sync_api import Browser, Page

_TESTS = Path(__file__).resolve().parent.parent


def _end_to_end(name: str) -> ModuleType:
    """A helper of tests/end_to_end by path, shared with the tests there that import it by name."""
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(name, _TESTS / "end_to_end" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def web_home(demo: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo district on a copy of its home (a ``DemoRun``: ``.home``, ``.sign_ins()``,
    ``.shuzhi(...)``), for the live server and the tests that look behind it."""
    copy = _end_to_end("home_copy").copy_home(
        demo.home, tmp_path_factory.mktemp("web-home") / "home"
    )
    return dataclasses.replace(demo, home=copy)


@pytest.fixture(scope="session")
def web_server(web_home: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``shuzhi serve`` on ``web_home``: ``.url`` to open, ``.stderr`` for what it logged."""
    log = tmp_path_factory.mktemp("web-server") / "serve.log"
    with LiveServer(web_home.home, log) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the session."""
    playwright = start_playwright()
    try:
        chromium = launch(playwright)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A new page in a new context (no cookies from another test), closed after the test."""
    context = new_context(browser)
    try:
        yield context.new_page()
    finally:
        context.close()
