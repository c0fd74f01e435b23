"""The security reviewer in a browser: who saw a resident of 东湖's list of elderly people
living alone, and which delivery a leaked copy of that list came from."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser import screenshot, sign_in
from live_server import LiveServer
from playwright.sync_api import Page, expect

LIST = "proactive_elderly_alone"
PURPOSE = "proactive_elderly_visits"


@pytest.fixture(scope="module")
def downloaded(web_server: LiveServer, web_home: Any) -> httpx.Response:
    """东湖's list, downloaded through the API for its purpose: a marked, registered delivery."""
    password = web_home.sign_ins()["donghu"]
    with httpx.Client(base_url=web_server.url, timeout=60) as client:
        signed = client.post("/api/v1/auth/sign-in", json={"login": "donghu", "password": password})
        assert signed.status_code == 200, signed.text
        answer = client.get(
            f"/api/v1/products/{LIST}/rows",
            params={"format": "csv", "purpose": PURPOSE},
            headers={"Authorization": f"Bearer {signed.json()['token']}"},
        )
    assert answer.status_code == 200, answer.text
    return answer


def test_the_reviewer_finds_who_saw_a_resident_and_traces_the_leaked_list(
    page: Page, web_server: LiveServer, web_home: Any, downloaded: httpx.Response, tmp_path: Path
) -> None:
    delivery = downloaded.headers["X-Delivery-Id"]
    rows = list(csv.DictReader(io.StringIO(downloaded.content.decode("utf-8-sig"))))
    assert rows, "the demo's list of 东湖 has residents"
    token = rows[0]["person_token"]

    sign_in(page, web_server.url, "reviewer", web_home.sign_ins()["reviewer"])
    page.wait_for_url(f"{web_server.url}/reviewer")
    expect(page.locator(".chart[data-drawn=true]")).to_have_count(1)  # drawn from the JSON

    page.click("nav.menu >> text=谁看过")
    page.fill("input[name=token]", token)
    page.click("button[type=submit] >> text=查找")
    expect(page.locator("table.deliveries")).to_contain_text(delivery)
    expect(page.locator("table.deliveries")).to_contain_text("street_donghu")

    lines = downloaded.content.decode("utf-8-sig").splitlines()
    leaked = tmp_path / "群里转发的名单.csv"
    leaked.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")  # a few residents
    page.click("nav.menu >> text=泄露溯源")
    page.set_input_files("input[name=file]", str(leaked))
    page.click("button[type=submit] >> text=溯源")
    expect(page.locator("h2")).to_contain_text("已溯源")
    named = page.locator("table.deliveries").first
    expect(named).to_contain_text(delivery)
    expect(named).to_contain_text("g-donghu-elderly-alone-visits")
    screenshot(page, "reviewer")
