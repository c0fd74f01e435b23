"""Crawl every link a street office can reach, as 东湖, and find nothing of another street.

Every page, chart data answer and download (CSV, JSON) reachable from the home
page is fetched; none may name another street or its communities, carry their
codes, or show a value the grant withholds: a resident ID number (L4) or a full
phone number (the demo's grants show phones masked at most).
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any

import httpx
import yaml
from live_server import LiveServer
from page_client import sign_in

from home.layout import config_dir
from identifiers.resident_id import is_valid as is_valid_resident_id

OWN_STREET = "440399001"
_LINK = re.compile(r'(?:href|data-chart|action)="(/[^"#]*)"')
_ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
_PHONE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
# Not pages to read: leaving, switching language, static files.
_SKIP = ("/sign-out", "/sign-in", "/language/", "/static/")
MAX_ANSWERS = 400
_BINARY = ("application/vnd.openxmlformats", "application/vnd.apache", "application/octet")


def other_streets_marks() -> list[str]:
    """Names and codes of the other streets and their communities (config/district.yaml)."""
    district = yaml.safe_load((config_dir() / "district.yaml").read_text("utf-8"))
    marks = []
    for street in district["streets"]:
        if street["code"] == OWN_STREET:
            continue
        marks += [street["code"], street["name"]]
        for community in street["communities"]:
            marks += [community["code"], community["name"]]
    return marks


def crawl(client: httpx.Client, start: str) -> dict[str, str]:
    """Every same-site answer reachable by GET from ``start``: path → text."""
    seen: dict[str, str] = {}
    queue = deque([start])
    while queue and len(seen) < MAX_ANSWERS:
        path = queue.popleft().replace("&amp;", "&")
        if path in seen or path.startswith(_SKIP):
            continue
        answer = client.get(path)
        kind = answer.headers.get("content-type", "")
        text = answer.text if not kind.startswith(_BINARY) else ""
        seen[path] = text
        if "html" in kind:
            queue.extend(link for link in _LINK.findall(text) if link not in seen)
    return seen


def test_a_street_office_sees_nothing_of_another_street_anywhere(
    web_server: LiveServer, web_home: Any
) -> None:
    with httpx.Client(base_url=web_server.url, timeout=120) as client:
        signed = sign_in(client, "donghu", web_home.sign_ins()["donghu"])
        assert signed.status_code == 303
        client.cookies.set("shuzhi_purpose", "street_governance", domain="127.0.0.1")
        answers = crawl(client, "/")
    pages = [path for path in answers if path.startswith("/street")]
    assert len(pages) >= 5, f"the crawl reached too few street pages: {sorted(answers)}"
    assert any(path.startswith("/api/v1/products/") for path in answers), "no download reached"
    assert any("东湖" in text for text in answers.values())  # the crawl reads the street's own
    marks = other_streets_marks()
    for path, text in answers.items():
        for mark in marks:
            assert mark not in text, f"{path} shows {mark}, which is another street's"
        ids = [i for i in _ID_NUMBER.findall(text) if is_valid_resident_id(i)]
        assert not ids, f"{path} shows a resident ID number"
        assert not _PHONE.findall(text), f"{path} shows a full phone number"


def test_the_crawl_would_see_another_streets_name() -> None:
    """The scan itself: a page naming 西岭 is caught (the marks are not empty or wrong)."""
    marks = other_streets_marks()
    assert "西岭街道" in marks and "440399002" in marks and "东湖街道" not in marks
    assert _PHONE.findall("电话 13812345678。") and not _PHONE.findall("138****5678")
