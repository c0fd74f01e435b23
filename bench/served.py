"""A server of the benchmark's in a process of its own, on a free loopback port."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

START_SECONDS = 60.0
Command = Callable[[int], list[str]]  # the free port → the server's command line


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    probe: str
    log: Path

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.url} did not start; see {self.log}")
            try:
                if httpx.get(self.url + self.probe, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.url} did not answer within {START_SECONDS:g}s; see {self.log}")


@contextmanager
def serving(command: Command, probe: str, log: Path) -> Iterator[Server]:
    """A server started on a free loopback port (not yet waited for), stopped afterwards."""
    port = free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(command(port), stdout=sink, stderr=subprocess.STDOUT)
        try:
            yield Server(f"http://127.0.0.1:{port}", process, probe, log)
        finally:
            process.terminate()  # uvicorn and Datasette both stop cleanly on SIGTERM
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
