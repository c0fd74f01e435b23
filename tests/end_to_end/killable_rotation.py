"""A data key rotation in its own process that SIGKILLs itself midway.

Usage: python killable_rotation.py HOME CALLS
The process dies inside its CALLS-th re-encryption call, i.e. inside an open
DuckLake transaction after some tables have already committed.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pyarrow as pa

from home.layout import Home
from pipelines.hub import Hub
from pipelines.key_steps import rotate_keys_step
from protection import key_rotation


def main() -> None:
    home, die_at = Home(Path(sys.argv[1])), int(sys.argv[2])
    original = key_rotation.reseal_column
    calls = 0

    def dying(values: pa.Array, **kwargs: object) -> pa.Array:
        nonlocal calls
        calls += 1
        if calls >= die_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(values, **kwargs)  # type: ignore[arg-type]

    key_rotation.reseal_column = dying  # type: ignore[assignment]
    rotate_keys_step(Hub(home), "test:killable", None)


if __name__ == "__main__":
    main()
