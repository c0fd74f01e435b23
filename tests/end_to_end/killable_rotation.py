"""A key rotation in its own process that SIGKILLs itself midway.

Usage: python killable_rotation.py HOME CALLS [DOMAIN]
Without DOMAIN, a data key rotation dies inside its CALLS-th re-encryption
call, i.e. inside an open DuckLake transaction after some tables have already
committed. With DOMAIN, the apply step of that domain's token rotation dies
inside its CALLS-th token computation, inside its one transaction.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from home.layout import Home
from pipelines.hub import Hub
from pipelines.key_steps import apply_tokens_step, rotate_keys_step
from protection import key_rotation, token_rotation


def _dying(original: Callable[..., Any], die_at: int) -> Callable[..., Any]:
    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls >= die_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)

    return wrapper


def main() -> None:
    home, die_at = Home(Path(sys.argv[1])), int(sys.argv[2])
    if len(sys.argv) > 3:
        token_rotation.tokenise_column = _dying(token_rotation.tokenise_column, die_at)
        apply_tokens_step(Hub(home), "test:killable", sys.argv[3])
    else:
        key_rotation.reseal_column = _dying(key_rotation.reseal_column, die_at)
        rotate_keys_step(Hub(home), "test:killable", None)


if __name__ == "__main__":
    main()
