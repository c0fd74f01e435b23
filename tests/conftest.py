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


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """Under ``--dist loadfile`` (the Makefile's), every file that reads the demo district
    goes to one worker, so the district is built once per session, and the files marked
    slow are handed out next (tests/suite/xdist_scopes.py)."""
    if config.getvalue("dist") != "loadfile":
        return None
    scopes = _helper("xdist_scopes", "suite/xdist_scopes.py")
    demo_files = scopes.files_reading_the_demo(_TESTS, config.rootpath)
    slow_files = scopes.files_marked_slow(_TESTS, config.rootpath)
    return scopes.DemoFilesTogether(config, log, demo_files, slow_files)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Once every test has run, no audit log or state file a test wrote may hold
    personal data in clear; a leak fails the session."""
    if hasattr(session.config, "workerinput") or session.config.option.collectonly:
        return  # an xdist worker: the controller scans what all workers wrote
    _stored_leaks().check_session(session)
