"""One JSON state file of the front door, read whole and changed under an exclusive lock.

Users, sessions and client systems each live in such a file under ``state/``;
a change re-reads the file under the lock, so two processes never lose each
other's change, and writes it atomically (mode 0600). Readers get the records
as frozen models parsed once per version of the file (home.file_versions): every
call of the service checks a key or a session, and a change (a revoked key, a
disabled user) is a new version, seen on the very next call.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from home.file_versions import Reloading
from home.private_files import exclusive_lock, read_private_bytes, write_private_json

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

_READERS_KEPT = 64  # state files of this many homes stay parsed in one process
_readers: OrderedDict[tuple[str, str, type[BaseModel]], Reloading[Any]] = OrderedDict()
_readers_lock = threading.Lock()


class StateFileError(Exception):
    """The state file is not the JSON document the hub wrote."""


def read_state(path: Path, key: str) -> list[dict[str, Any]]:
    """The records under ``key`` (none when the file does not exist yet)."""
    try:
        document = json.loads(read_private_bytes(path).decode("utf-8"))
    except FileNotFoundError:
        return []
    except json.JSONDecodeError:
        raise StateFileError(f"{path.name} is not valid JSON; restore it from its backup") from None
    if not isinstance(document, dict) or not isinstance(document.get(key), list):
        raise StateFileError(f"{path.name} has no {key!r} list; restore it from its backup")
    return list(document[key])


def read_records(path: Path, key: str, model: type[M]) -> list[M]:
    """The records under ``key`` as ``model`` (frozen), parsed once per version of the file."""
    if not model.model_config.get("frozen"):
        raise TypeError(f"{model.__name__} must be frozen to be shared between readers")
    reader_key = (os.path.abspath(path), key, model)
    with _readers_lock:
        reader = _readers.get(reader_key)
        if reader is None:
            target = Path(reader_key[0])
            reader = _readers[reader_key] = Reloading(
                lambda: [target],
                lambda: tuple(model.model_validate(r) for r in read_state(target, key)),
            )
            if len(_readers) > _READERS_KEPT:
                _readers.popitem(last=False)
        else:
            _readers.move_to_end(reader_key)
    return list(reader.get())


def change_state(path: Path, key: str, change: Callable[[list[dict[str, Any]]], T]) -> T:
    """Apply ``change`` to a fresh read of the records under the lock, then write them."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with exclusive_lock(path.with_name(path.name + ".lock")):
        records = read_state(path, key)
        result = change(records)
        write_private_json(path, {"format": 1, key: records})
        return result
