"""A hub home with real rooms, people and a served API for the service tests.

The rooms come from tests/gateway's district (real catalogue, grants, engine,
key store and masks); the hub around them is a real home with its own master
key, key store, users and audit log. The API is served by uvicorn on a free
loopback port in a thread, and reached with httpx like any client would.
"""

from __future__ import annotations

import shutil
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "gateway"))
from gateway_district import STREET_OFFICES, build_district

from encryption.master_key import create_key_file
from home.layout import DEFAULT_CONFIG_DIR, Home
from identity.people import add_user
from pipelines.hub import Hub
from service.app import create_app
from service.context import ServiceSettings

PASSWORD = "correct horse battery staple 7"
# login → (principal, role)
PEOPLE = {
    "donghu_viewer": ("street_donghu", "viewer"),
    "donghu_requester": ("street_donghu", "requester"),
    "xiling_viewer": ("street_xiling", "viewer"),
    "steward_approver": ("steward_district", "approver"),
    "steward_viewer": ("steward_district", "viewer"),
    "hotline_requester": ("dept_hotline_12345", "requester"),
    "civil_requester": ("dept_civil_affairs", "requester"),
    "reviewer": ("reviewer_security", "viewer"),
}


@dataclass
class Served:
    hub: Hub
    url: str

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def sign_in(self, login: str, password: str = PASSWORD) -> str:
        with self.client() as client:
            answer = client.post(
                "/api/v1/auth/sign-in", json={"login": login, "password": password}
            )
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["token"]
        return token

    def audit_events(self, kind: str | None = None) -> list[dict]:
        return [e.__dict__ for e in self.hub.audit.events(kind)]


def make_hub(root: Path) -> Hub:
    home = Home(root / "home").ensure()
    create_key_file(home.keys / "master.key")
    district = build_district(root / "district")
    shutil.rmtree(home.rooms)
    shutil.copytree(district.rooms_dir, home.rooms)
    hub = Hub(home, DEFAULT_CONFIG_DIR)
    for login, (principal, role) in PEOPLE.items():
        add_user(
            hub, login=login, name="测试用户", principal=principal, role=role,
            password=PASSWORD, actor="operator test",
        )  # fmt: skip
    return hub


@contextmanager
def serve(hub: Hub, settings: ServiceSettings | None = None) -> Iterator[Served]:
    port = _free_port()
    config = uvicorn.Config(
        create_app(hub, settings), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the API did not start")
        time.sleep(0.02)
    try:
        yield Served(hub, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


__all__ = ["PASSWORD", "PEOPLE", "STREET_OFFICES", "Served", "make_hub", "serve"]
