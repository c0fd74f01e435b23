"""Debian's Chromium driven by Playwright's sync API, for the browser tests.

Playwright never downloads a browser here (no ``playwright install``): it drives
``/usr/bin/chromium``, which ``.ci/services.sh`` installs with apt. The machine's
network is closed, so the flags below turn off everything Chromium would reach
out for on its own (sync, updates, field trials, QUIC probes).
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",  # the tests run as root in a container, where the sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"  # shown in the README
VIEWPORT = ViewportSize(width=1280, height=800)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class ChromiumMissing(RuntimeError):
    """No Chromium where the tests drive it; the message says how to install it."""


def require_chromium(path: Path = CHROMIUM) -> Path:
    if not path.is_file():
        raise ChromiumMissing(
            f"the browser tests drive Debian's Chromium at {path}, which is missing: run "
            "`.ci/services.sh` (or `apt-get install -y chromium`); never `playwright install`"
        )
    return path


def launch(playwright: Playwright, executable: Path = CHROMIUM) -> Browser:
    """One headless Chromium (a test session shares it; each test gets its own context)."""
    return playwright.chromium.launch(
        executable_path=str(require_chromium(executable)),
        headless=True,
        args=list(CHROMIUM_ARGS),
    )


def start_playwright() -> Playwright:
    """Playwright's driver, started once per session (stop it with ``.stop()``)."""
    return sync_playwright().start()


def new_context(browser: Browser) -> BrowserContext:
    """A fresh context: its own cookies and storage, so no sign-in leaks between tests."""
    return browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")


def screenshot(page: Page, name: str, folder: Path = SCREENSHOTS) -> Path:
    """Save the whole page as ``docs/screenshots/NAME.png`` (the README shows them)."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"screenshot name {name!r}: lowercase letters, digits, '-' and '_' only")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, url: str, login: str, password: str, next_path: str = "") -> None:
    """Fill in and submit the sign-in page as a person would (the test waits for where it
    lands)."""
    page.goto(f"{url}/sign-in" + (f"?next={next_path}" if next_path else ""))
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("form[action='/sign-in'] button[type=submit]")
