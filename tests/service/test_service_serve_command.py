"""``shuzhi serve`` starts the API on a real port, answers a signed-in person, and stops
cleanly on SIGTERM (graceful shutdown), leaving a log with no credential in it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from service_home import PASSWORD, make_hub


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_shuzhi_serve_answers_and_shuts_down_gracefully(tmp_path: Path) -> None:
    hub = make_hub(tmp_path)
    port = _free_port()
    shuzhi = Path(sys.executable).with_name("shuzhi")
    env = {**os.environ, "SHUZHI_HOME": str(hub.home.root)}
    server = subprocess.Popen(
        [str(shuzhi), "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("shuzhi serve did not start")
            time.sleep(0.2)
        # A busy machine (CI on 2 cores) can take seconds per call: wait as a person would.
        signed = httpx.post(
            f"{url}/api/v1/auth/sign-in",
            json={"login": "donghu_viewer", "password": PASSWORD},
            timeout=60,
        )
        token = signed.json()["token"]
        me = httpx.get(f"{url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=60)
        assert me.json()["principal"] == "street_donghu"
        sign_in_page = httpx.get(f"{url}/", follow_redirects=True, timeout=60)
        assert sign_in_page.status_code == 200 and "登录数治" in sign_in_page.text
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    # uvicorn finishes the calls in flight, then exits by the signal it was sent.
    assert server.returncode in (0, -signal.SIGTERM), output
    assert (
        "Finished server process" in output
        and "Started server process" in output
        and '"route": "/api/v1/me"' in output
        and f"open http://127.0.0.1:{port}/ to sign in" in output
    )
    assert token not in output and PASSWORD not in output
