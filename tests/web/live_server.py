"""``shuzhi serve`` on a free loopback port, as a person would start it, for the browser tests.

The server is a real subprocess on a real home (``SHUZHI_HOME``): the pages, the
API and their logs are exactly what ``make demo && shuzhi serve`` gives. Its
output goes to a file, not a pipe (a pipe nobody reads fills up and stalls the
server), so a test can read what it logged.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

SHUZHI = Path(sys.executable).with_name("shuzhi")
HEALTH_PATH = "/healthz"  # service/routes_health.py: answers once the app is up
# A busy machine (2 cores, a district being built beside) may take a while to import
# the hub and bind; the server is stopped at once if it exits before that.
START_SECONDS = 120
STOP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ServerDidNotStart(RuntimeError):
    """``shuzhi serve`` exited or never answered; the message carries its output."""


class LiveServer:
    """``shuzhi serve --host 127.0.0.1 --port PORT`` with ``SHUZHI_HOME=home``.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(self, home: Path, log_file: Path, port: int | None = None) -> None:
        self.home = Path(home)
        self.log_file = Path(log_file)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def stderr(self) -> str:
        """Everything the server wrote so far (its logs go to stderr; stdout is kept too)."""
        if not self.log_file.exists():
            return ""
        return self.log_file.read_text(encoding="utf-8", errors="replace")

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    def start(self) -> LiveServer:
        env = {**os.environ, "SHUZHI_HOME": str(self.home)}
        with self.log_file.open("wb") as log:
            self._process = subprocess.Popen(
                [str(SHUZHI), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            self._wait_until_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if self.returncode is not None:
                raise ServerDidNotStart(
                    f"shuzhi serve exited with {self.returncode}:\n{self.stderr[-3000:]}"
                )
            try:
                if httpx.get(self.url + HEALTH_PATH, timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                raise ServerDidNotStart(
                    f"shuzhi serve did not answer {HEALTH_PATH} within {START_SECONDS}s:\n"
                    f"{self.stderr[-3000:]}"
                )
            time.sleep(0.2)

    def stop(self) -> int | None:
        """SIGTERM (uvicorn finishes the calls in flight), then SIGKILL if it hangs on."""
        process = self._process
        if process is None or process.poll() is not None:
            return self.returncode
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_SECONDS)
        return process.returncode

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
