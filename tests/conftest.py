"""Session-wide checks that run around the whole test suite.

Kept to the hook itself (mypy skips this file: a second ``conftest`` module,
beside tests/demo/conftest.py, is a duplicate name to it); the work is in
tests/audit/stored_leaks.py.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

_TESTS = Path(__file__).resolve().parent
# pytest put tests/ on sys.path to import this file; left there, its folders
# (tests/pii, tests/audit …) would shadow the real packages as namespace packages.
if str(_TESTS) in sys.path:
    sys.path.remove(str(_TESTS))


def _stored_leaks() -> ModuleType:
    """tests/audit/stored_leaks.py, shared with its own unit test (which imports it by name)."""
    loaded = sys.modules.get("stored_leaks")
    if loaded is not None:
        return loaded
    path = _TESTS / "audit" / "stored_leaks.py"
    spec = importlib.util.spec_from_file_location("stored_leaks", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["stored_leaks"] = module
    spec.loader.exec_module(module)
    return module


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Once every test has run, no audit log or state file a test wrote may hold
    personal data in clear; a leak fails the session."""
    if hasattr(session.config, "workerinput") or session.config.option.collectonly:
        return  # an xdist worker: the controller scans what all workers wrote
    _stored_leaks().check_session(session)
