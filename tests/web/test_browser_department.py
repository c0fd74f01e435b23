"""The department in the browser, on the live demo district: the 12345 hotline signs in,
syncs its source from the source's page, watches it run and end, and reads the
reconciliation (table and charts). Screenshot: docs/screenshots/department.png.

The demo's ``hotline`` sign-in must be a requester (demo/sign_ins.py): a viewer may not sync."""

from __future__ import annotations

from typing import Any

import pytest
from browser import screenshot, sign_in
from live_server import LiveServer
from playwright.sync_api import Dialog, Page, expect

pytestmark = pytest.mark.slow
SOURCE = "hl_cases"
_SYNC_PATIENCE_MS = 300_000  # a bound on waiting for the sync, not a timing under test


def test_the_hotline_syncs_its_source_and_reads_the_reconciliation(
    web_home: Any, web_server: LiveServer, page: Page
) -> None:
    sign_in(page, web_server.url, "hotline", web_home.sign_ins()["hotline"])
    expect(page).to_have_url(f"{web_server.url}/department")
    expect(page.locator("table.sources")).to_contain_text(SOURCE)
    expect(page.locator("table.sources")).not_to_contain_text("ca_assistance")

    page.click(f"a[href='/department/sources/{SOURCE}']")
    expect(page.locator("h1")).to_contain_text(SOURCE)

    def accept(dialog: Dialog) -> None:
        dialog.accept()

    page.once("dialog", accept)  # "sync this source now?"
    page.click(f"form[action='/department/sources/{SOURCE}/sync'] button")
    # The page reloads itself while the sync runs, then shows how it ended.
    outcome = page.locator("[data-outcome]")
    expect(outcome).to_be_visible(timeout=_SYNC_PATIENCE_MS)
    expect(outcome).to_have_attribute("data-outcome", "ok")

    batches = page.locator("table.batches tbody tr[data-batch]")
    expect(batches.first).to_be_visible()
    expect(page.locator("table.quarantine")).to_be_visible()
    expect(page.locator(".chart[data-drawn='true']")).to_have_count(2)
    screenshot(page, "department")
