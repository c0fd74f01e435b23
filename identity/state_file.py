"""One JSON state file of the front door, read whole and changed under an exclusive lock.

Users, sessions and client systems each live in such a file under ``state/``;
a change re-reads the file under the lock, so two processes never lose each
other's change, and writes it atomically (mode 0600).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from home.private_files import exclusive_lock, write_private_json

T = TypeVar("T")


class StateFileError(Exception):
    """The state file is not the JSON document the hub wrote."""


def read_state(path: Path, key: str) -> list[dict[str, Any]]:
    """The records under ``key`` (none when the file does not exist yet)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except json.JSONDecodeError:
        raise StateFileError(f"{path.name} is not valid JSON; restore it from its backup") from None
    if not isinstance(document, dict) or not isinstance(document.get(key), list):
        raise StateFileError(f"{path.name} has no {key!r} list; restore it from its backup")
    return list(document[key])


def change_state(path: Path, key: str, change: Callable[[list[dict[str, Any]]], T]) -> T:
    """Apply ``change`` to a fresh read of the records under the lock, then write them."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with exclusive_lock(path.with_name(path.name + ".lock")):
        records = read_state(path, key)
        result = change(records)
        write_private_json(path, {"format": 1, key: records})
        return result
