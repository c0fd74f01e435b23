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
    """Test files (as node ids spell them) with a test or fixture taking ``demo``."""
    found = set()
    for path in sorted(tests.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                arg.arg == "demo" for arg in node.args.args
            ):
                found.add(path.relative_to(root).as_posix())
                break
    return frozenset(found)


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
