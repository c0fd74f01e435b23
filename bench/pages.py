"""The pages stage (issue 18): how fast each user's pages answer, served as deployed.

The hub's service runs in a process of its own (bench.api_server); one person
of each kind signs in through the sign-in page, then every page of their menu
and the pages those link to (one level, same area) are fetched ``REPEATS``
times each. The figure per page is the median time to the whole HTML; a chart's
data is fetched like a browser would and timed as its own row. Target: every
page under 500 ms at scale 1 (reported, never asserted in a test).
"""

from __future__ import annotations

import re
import secrets
import statistics
import sys
import time
from pathlib import Path

import httpx

from bench.meter import Stage
from bench.served import serving
from pipelines.hub import Hub

GROUP = "pages"
REPEATS = 5
LINKS_PER_USER = 25
# login → (principal, role, the purpose its street reads are for)
PEOPLE = {
    "bench_street": ("street_donghu", "requester", "street_governance"),
    "bench_steward": ("steward_district", "approver", ""),
    "bench_reviewer": ("reviewer_security", "viewer", ""),
    "bench_department": ("dept_hotline_12345", "requester", ""),
}
_LINK = re.compile(r'href="(/[^"#]*)"')
_CHART = re.compile(r'data-chart="(/[^"]*)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
_NOT_PAGES = ("/static/", "/language/", "/api/", "/sign-")


def page_stages(hub: Hub, out: Path) -> list[Stage]:
    password = _people(hub)
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    stages: list[Stage] = []
    with serving(_command, "/healthz", logs / "pages-server.log") as server:
        server.wait_until_up()
        for login, (principal, _, purpose) in PEOPLE.items():
            with httpx.Client(base_url=server.url, timeout=120, follow_redirects=True) as client:
                _sign_in(client, login, password)
                if purpose:
                    client.cookies.set("shuzhi_purpose", purpose, domain="127.0.0.1")
                stages += _timed_pages(client, principal)
    return stages


def _command(port: int) -> list[str]:
    return [sys.executable, "-m", "bench.api_server", "--port", str(port)]


def _people(hub: Hub) -> str:
    """One person of each kind, with one fresh password (the bench's own home)."""
    from identity.people import add_user, reset_password
    from identity.users import users_of

    password = secrets.token_urlsafe(18)
    known = users_of(hub)
    for login, (principal, role, _) in PEOPLE.items():
        if known.find_login(login) is None:
            add_user(hub, login=login, name="基准测试", principal=principal, role=role,
                     password=password, actor="operator bench")  # fmt: skip
        else:
            reset_password(hub, login, password, actor="operator bench")
    return password


def _sign_in(client: httpx.Client, login: str, password: str) -> None:
    form = client.get("/sign-in")
    token = _CSRF.search(form.text)
    assert token, "the sign-in page has no form token"
    answer = client.post(
        "/sign-in", data={"login": login, "password": password, "csrf_token": token.group(1)}
    )
    if answer.status_code != 200 or "/sign-in" in str(answer.url):
        raise RuntimeError(f"bench sign-in as {login} failed: {answer.status_code}")


def _timed_pages(client: httpx.Client, principal: str) -> list[Stage]:
    """The menu's pages and what they link to, each timed; chart data timed beside."""
    home = client.get("/")
    area = "/" + home.url.path.strip("/").split("/")[0]
    to_visit = [home.url.path, *_links(home.text, area)]
    seen: set[str] = set()
    stages: list[Stage] = []
    while to_visit and len(seen) < LINKS_PER_USER:
        path = to_visit.pop(0)
        if path in seen:
            continue
        seen.add(path)
        stage, html = _time(client, path, principal)
        stages.append(stage)
        stages += [_time(client, chart, principal, kind="chart data")[0] for chart in _charts(html)]
        to_visit += [link for link in _links(html, area) if link not in seen]
    return stages


def _time(client: httpx.Client, path: str, principal: str, kind: str = "page") -> tuple[Stage, str]:
    times = []
    answer = client.get(path)  # warm: the first call opens the room's worker
    for _ in range(REPEATS):
        started = time.perf_counter()
        answer = client.get(path)
        times.append(time.perf_counter() - started)
    stage = Stage(f"{kind} {path}", GROUP, principal)
    stage.seconds = statistics.median(times)
    stage.rows = 1
    stage.extra["max_seconds"] = max(times)
    stage.extra["bytes"] = float(len(answer.content))
    stage.note = f"HTTP {answer.status_code}"
    return stage, answer.text


def _links(html: str, area: str) -> list[str]:
    found = []
    for link in _LINK.findall(html):
        link = link.replace("&amp;", "&")
        if link.startswith(area) and not link.startswith(_NOT_PAGES) and link not in found:
            found.append(link)
    return found


def _charts(html: str) -> list[str]:
    return [c.replace("&amp;", "&") for c in _CHART.findall(html)]
