"""One xdist work unit for every test file that reads the demo district.

``make test`` runs ``--dist loadfile``: each file goes whole to one worker, so a
module fixture is built once. The session ``demo`` fixture, though, is built once
per worker that runs any test asking for it, a few minutes each. Sending every
such file to the same worker builds the district once per session. (xdist's own
``loadgroup`` marks do not work with pytest 9: it renames node ids, which pytest
9 no longer reads.)
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from xdist.scheduler import LoadFileScheduling

DEMO_SCOPE = "demo-district"


def files_reading_the_demo(tests: Path, root: Path) -> frozenset[str]:
    """Test files (as node ids spell them) with a test or fixture taking ``demo``, or
    taking a fixture that reaches ``demo`` through the conftest.py files above them
    (tests/web's ``web_server`` takes ``web_home``, which takes ``demo``)."""
    found = set()
    for path in sorted(tests.rglob("test_*.py")):
        # Fixtures by name, the nearest definition winning as pytest's lookup does:
        # conftests from ``tests`` down to the file's folder, then the file itself.
        visible: dict[str, set[str]] = {}
        for conftest in _conftests_above(path, tests):
            visible.update(_functions_and_parameters(conftest))
        visible.update(_functions_and_parameters(path))
        reading = _reaching_demo(visible)
        if any(visible[name] & reading for name in _functions_and_parameters(path)):
            found.add(path.relative_to(root).as_posix())
    return frozenset(found)


def _conftests_above(path: Path, tests: Path) -> list[Path]:
    """The conftest.py files pytest applies to ``path`` inside ``tests``, outermost first."""
    folders = [folder for folder in path.parents if folder.is_relative_to(tests)]
    return [
        folder / "conftest.py" for folder in reversed(folders) if (folder / "conftest.py").is_file()
    ]


def _functions_and_parameters(path: Path) -> dict[str, set[str]]:
    """Every function (test, fixture or other) defined in a module, with its parameter names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {
        node.name: {arg.arg for arg in node.args.args}
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _reaching_demo(functions: dict[str, set[str]]) -> set[str]:
    """``demo`` and the names of the functions that take it, directly or through others."""
    reading = {"demo"}
    while True:
        more = {name for name, parameters in functions.items() if parameters & reading}
        if more <= reading:
            return reading
        reading |= more


class DemoFilesTogether(LoadFileScheduling):
    """loadfile, with every file that reads the demo district in one work unit."""

    def __init__(self, config: Any, log: Any, demo_files: frozenset[str]) -> None:
        super().__init__(config, log)
        self.demo_files = demo_files

    def _split_scope(self, nodeid: str) -> str:
        file = nodeid.split("::", 1)[0]
        return DEMO_SCOPE if file in self.demo_files else file

    def _assign_work_unit(self, node: Any) -> None:
        # The demo unit is the longest (minutes to build, then its tests): started first,
        # it runs beside everything else instead of alone at the end.
        if DEMO_SCOPE in self.workqueue:
            self.workqueue.move_to_end(DEMO_SCOPE, last=False)
        super()._assign_work_unit(node)
