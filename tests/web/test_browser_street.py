"""The street office in the browser: 东湖 signs in, chooses its purpose, finds its on-time
closure rate on its home page and downloads its case statistics from the product page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from browser import screenshot, sign_in
from live_server import LiveServer
from playwright.sync_api import Page, expect


def test_the_street_office_finds_its_on_time_rate_and_downloads_its_cases(
    web_server: LiveServer, web_home: Any, page: Page
) -> None:
    sign_in(page, web_server.url, "donghu", web_home.sign_ins()["donghu"])
    expect(page).to_have_url(f"{web_server.url}/street")
    expect(page.locator(".purpose-needed")).to_be_visible()  # no figure before a purpose

    page.select_option("select[name=purpose]", "street_governance")
    page.click(".purpose-picker button[type=submit]")
    expect(page).to_have_url(f"{web_server.url}/street")
    rate = page.locator("#on-time-rate .figure")
    expect(rate).to_have_text(re.compile(r"^\d{1,3}\.\d%$"))
    expect(page.locator(".chart[data-chart='/street/data/on-time.json']")).to_have_attribute(
        "data-drawn", "true"
    )
    screenshot(page, "street")

    page.click("nav.menu a[href='/street/products']")
    page.click("a[href='/street/products/street_case_stats']")
    expect(page.locator("#rows tbody tr").first).to_be_visible()
    with page.expect_download() as downloading:
        page.click("a.download[href*='format=csv']")
    download = downloading.value
    assert download.suggested_filename == "street_case_stats.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    header, *rows = text.splitlines()
    assert '"on_time_rate"' in header and rows
    assert all(row.startswith('"440399001",') for row in rows)  # 东湖's rows only
