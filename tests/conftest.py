"""Session-wide checks that run around the whole test suite, and the shared demo home.

Kept to hooks and fixtures that delegate (mypy skips this file: a second
``conftest`` module, beside tests/demo/conftest.py, is a duplicate name to it);
the work is in tests/audit/stored_leaks.py and tests/end_to_end/demo_run.py.
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


def _helper(name: str, relative: str) -> ModuleType:
    """A helper module of the tests, by path, shared with the tests that import it by name."""
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(name, _TESTS / relative)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _stored_leaks() -> ModuleType:
    """tests/audit/stored_leaks.py, shared with its own unit test (which imports it by name)."""
    return _helper("stored_leaks", "audit/stored_leaks.py")


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> object:
    """The demo district run once per test process by ``shuzhi demo`` (scale 0.1, seed 11),
    for every test that reads what it left (tests/end_to_end/demo_run.py). A test that
    changes the home puts back what it changed, or works on a copy."""
    run = _helper("demo_run", "end_to_end/demo_run.py").run_demo(tmp_path_factory.mktemp("home"))
    assert run.returncode == 0, run.output[-3000:]
    return run


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup`` (the Makefile's): every test that reads the demo district
    runs on one worker, so the district is built once per session, not once per worker;
    every other test keeps its file's worker, so module fixtures are built once too."""
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        group = "demo-district" if "demo" in item.fixturenames else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Once every test has run, no audit log or state file a test wrote may hold
    personal data in clear; a leak fails the session."""
    if hasattr(session.config, "workerinput") or session.config.option.collectonly:
        return  # an xdist worker: the controller scans what all workers wrote
    _stored_leaks().check_session(session)
