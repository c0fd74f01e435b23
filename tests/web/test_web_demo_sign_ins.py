"""The demo's sign-ins: four people, one per kind of user who signs in with a password,
shown at the end of ``shuzhi demo``, kept in ``demo-sign-ins.txt`` and nowhere else, and
each signing in on the live server; and the browser harness itself, end to end."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser import screenshot
from live_server import HEALTH_PATH, LiveServer
from playwright.sync_api import Page

from demo.sign_ins import SERVE_URL, SIGN_INS_FILE, DemoSignInClash, create_demo_sign_ins
from encryption.master_key import create_key_file
from home.layout import DEFAULT_CONFIG_DIR, Home
from identity.models import AuthenticationFailed
from identity.people import add_user
from identity.sign_in import sign_in
from identity.users import users_of
from pipelines.hub import Hub

# login → the principal they act for (demo/sign_ins.py)
DEMO_LOGINS = {
    "donghu": "street_donghu",
    "steward": "steward_district",
    "reviewer": "reviewer_security",
    "hotline": "dept_hotline_12345",
}
SESSION_COOKIE = "shuzhi_session"  # service/auth.py


def test_the_demo_shows_four_sign_ins_and_keeps_them_in_a_private_file(demo: Any) -> None:
    passwords = demo.sign_ins()
    assert passwords.keys() == DEMO_LOGINS.keys()
    lines = demo.output.splitlines()
    for login, password in passwords.items():
        assert any(login in line and password in line for line in lines), login
    assert SERVE_URL in demo.output
    mode = stat.S_IMODE((demo.home / SIGN_INS_FILE).stat().st_mode)
    assert mode == 0o600


def test_the_passwords_are_nowhere_else_in_the_home(demo: Any) -> None:
    """Not in the audit log, Dagster's run logs, the state files, the lake: only the file."""
    passwords = [p.encode() for p in demo.sign_ins().values()]
    for path in demo.home.rglob("*"):
        if path.is_file() and path.name != SIGN_INS_FILE:
            blob = path.read_bytes()
            assert not any(p in blob for p in passwords), path.relative_to(demo.home)


def test_each_demo_sign_in_signs_in_on_the_live_server(
    web_server: LiveServer, web_home: Any
) -> None:
    passwords = web_home.sign_ins()
    with httpx.Client(base_url=web_server.url, timeout=60) as client:
        for login, principal in DEMO_LOGINS.items():
            client.cookies.clear()
            answer = client.post(
                "/api/v1/auth/sign-in",
                json={"login": login, "password": passwords[login], "kind": "page"},
            )
            assert answer.status_code == 200, answer.text
            assert answer.cookies.get(SESSION_COOKIE), login  # a page session, by cookie
            me = client.get("/api/v1/me")
            assert me.status_code == 200, me.text
            assert (me.json()["principal"], me.json()["via"]) == (principal, "session")
    assert not any(p in web_server.stderr for p in passwords.values())


def test_a_wrong_password_is_refused_on_the_live_server(web_server: LiveServer) -> None:
    answer = httpx.post(
        f"{web_server.url}/api/v1/auth/sign-in",
        json={"login": "donghu", "password": "not-the-demo-password", "kind": "page"},
        timeout=60,
    )
    assert answer.status_code == 401
    assert SESSION_COOKIE not in answer.cookies


def test_the_browser_reaches_the_live_server_and_keeps_its_session(
    web_server: LiveServer, web_home: Any, page: Page
) -> None:
    answer = page.goto(web_server.url + HEALTH_PATH)
    assert answer is not None and answer.status == 200
    assert '"ok"' in page.inner_text("body")
    assert screenshot(page, "harness-healthz").stat().st_size > 0
    # The session cookie a page sign-in sets is the browser's from then on.
    signed = page.request.post(
        f"{web_server.url}/api/v1/auth/sign-in",
        data={"login": "reviewer", "password": web_home.sign_ins()["reviewer"], "kind": "page"},
    )
    assert signed.status == 200
    page.goto(f"{web_server.url}/api/v1/me")
    assert "reviewer_security" in page.inner_text("body")


# --- demo/sign_ins.py on a small home, without a district ------------------------------


def _hub(root: Path) -> Hub:
    home = Home(root / "home").ensure()
    create_key_file(home.keys / "master.key")
    return Hub(home, DEFAULT_CONFIG_DIR)


def test_a_second_demo_run_gives_new_passwords_and_the_old_ones_stop_working(
    tmp_path: Path,
) -> None:
    hub = _hub(tmp_path)
    first = {s.login: s.password for s in create_demo_sign_ins(hub)}
    second = {s.login: s.password for s in create_demo_sign_ins(hub)}
    assert first.keys() == second.keys() == DEMO_LOGINS.keys()
    assert all(first[login] != second[login] for login in first)
    assert sign_in(hub, "steward", second["steward"]).identity.principal == "steward_district"
    with pytest.raises(AuthenticationFailed):
        sign_in(hub, "steward", first["steward"])
    written = (hub.home.root / SIGN_INS_FILE).read_text(encoding="utf-8")
    assert all(p in written for p in second.values())
    assert not any(p in written for p in first.values())
    audit = b"".join(p.read_bytes() for p in hub.home.audit.rglob("*") if p.is_file())
    assert audit and not any(p.encode() in audit for p in [*first.values(), *second.values()])


def test_a_demo_login_taken_for_another_principal_is_not_taken_over(tmp_path: Path) -> None:
    hub = _hub(tmp_path)
    add_user(
        hub, login="hotline", name="测试用户", principal="street_xiling", role="viewer",
        password="another password 9", actor="operator test",
    )  # fmt: skip
    with pytest.raises(DemoSignInClash, match="street_xiling"):
        create_demo_sign_ins(hub)
    assert [u.login for u in users_of(hub).all()] == ["hotline"]  # nobody added before the check
    assert sign_in(hub, "hotline", "another password 9").identity.principal == "street_xiling"
