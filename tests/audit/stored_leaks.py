"""Personal data left in clear in what a test session stored: audit logs and state files.

``conftest.pytest_sessionfinish`` runs :func:`scan_session` once every test has
run, over pytest's base temp directory: every home a test made lives there (the
xdist workers' base temps are folders inside it). What counts as a leak:

- a resident ID or mobile number in any spelling ``identifiers.in_text``
  knows (15/18 digits, spaced, dashed, full-width, +86);
- a name the demo's department systems hold (the population register, legal
  representatives, hotline reporters, the assistance roll) of every generated
  district found there, or one of the names the tests type (``TEST_NAMES``).

Audit logs are every file in a folder named ``audit`` (``audit.log`` of a home,
``audit.jsonl`` of the audit tests) and every ``audit*.log`` / ``audit*.jsonl``
a test keeps elsewhere (the gateway's); delivery registers are every
``*deliveries.jsonl`` (``audit/deliveries.jsonl`` of a home, or beside a log
kept elsewhere: tokens and keyed fingerprints only); state files are the JSON
files under a ``state`` folder. The key store is not read: its wrapped keys are ciphertext.
A leak is reported by file, line and kind, never by value.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from identifiers.in_text import find_identifiers

PERSON = "PERSON"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Names the tests type into purposes, reasons and texts (found with the PERSON
# recognizer over the tests' string literals, plus the reveal fixtures' people).
TEST_NAMES = _words(
    "张伟 欧阳娜娜 李娜 王秀英 王芳 张建国 夏天琳 司马建国 赵敏 孙丽萍 陈建国 刘洋 周杰 "
    "黄晓明 吴海涛 徐静 马超 郑丽娟 司马婷 诸葛亮亮 方娜 赵平刚 徐鹏辉 张宇 周颖慧 陈子珍 "
    "上官超军 王建国 王伟 赵强 宁琼 李强 王鑫旭 郭刚 欧阳测试 欧阳测一 欧阳测二 欧阳测三 "
    "欧阳测四 王小明"
)
# The department columns that hold a person's name ("name" only in the population register:
# in the enterprise register it is the firm's).
_NAME_COLUMNS = frozenset({"legal_rep", "反映人", "姓名", "来信人", "contact_name", "inspector"})
_NAME = re.compile("[\u4e00-\u9fff]{2,4}")
_HAN_RUN = re.compile("[\u4e00-\u9fff]{2,}")


@dataclass(frozen=True)
class Leak:
    path: Path
    line: int
    kind: str  # CN_RESIDENT_ID, CN_MOBILE or PERSON
    event: str | None  # the audit event's kind ("query", "grant" …); None in a state file

    def describe(self, root: Path) -> str:
        where = self.path.relative_to(root) if self.path.is_relative_to(root) else self.path
        event = f" in a {self.event!r} event" if self.event else ""
        return f"{where}:{self.line}: {self.kind}{event}"


def check_session(session: pytest.Session) -> None:
    """Scan what the session stored; print each leak and fail the session if there is one."""
    config = session.config
    # In the xdist controller (and without xdist) this is the root: each worker's
    # base temp is a folder inside it.
    root = config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    files = stored_files(root)
    leaks = scan_session(root, files)
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    if not leaks:
        if terminal is not None:
            terminal.write_line("")  # the progress line may still be open
            terminal.write_line(
                f"stored-data scan: {len(files)} audit logs and state files, "
                "no personal data in clear"
            )
        return
    if terminal is not None:
        terminal.write_line("")  # the progress line may still be open
        terminal.write_sep("=", "personal data stored in clear", red=True)
        for line in report(leaks, root).splitlines():
            terminal.write_line(line)
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def scan_session(root: Path, files: list[Path] | None = None) -> list[Leak]:
    """Every leak in the audit logs and state files under ``root``."""
    names = set(TEST_NAMES)
    for home in demo_homes(root):
        names |= demo_names(home / "departments")
    return scan(stored_files(root) if files is None else files, names)


_LOGS = (".log", ".jsonl")
_REGISTER = "deliveries.jsonl"  # audit.deliveries: the delivery register


def stored_files(root: Path) -> list[Path]:
    # A home keeps its log in audit/; many tests give theirs a name of its own.
    audit = (
        p
        for p in root.rglob("*")
        # Signed checkpoints hold only hashes, key ids and signatures: random hex whose
        # digit runs can read as a mobile number (key id 7feab14739198426 once did).
        if p.suffix not in (".lock", ".checkpoints")
        and (
            p.parent.name == "audit"
            or (p.name.startswith("audit") and p.suffix in _LOGS)
            or p.name.endswith(_REGISTER)
        )
    )
    state = (p for p in root.rglob("*.json") if "state" in p.relative_to(root).parts)
    return sorted({p for p in (*audit, *state) if p.is_file()})


def demo_homes(root: Path) -> list[Path]:
    return sorted(m.parent.parent for m in root.rglob("departments/manifest.json"))


def demo_names(departments: Path) -> set[str]:
    """The names of people in a generated district's department systems."""
    names = set()
    for record in _demo_run().department_records(departments, missing_ok=True):
        for column, value in record.items():
            is_name = column in _NAME_COLUMNS or (column == "name" and "id_number" in record)
            if is_name and isinstance(value, str) and _NAME.fullmatch(value.strip()):
                names.add(value.strip())
    return names


def _demo_run() -> ModuleType:
    """tests/end_to_end/demo_run.py, which reads the department systems (tests/ is no package)."""
    loaded = sys.modules.get("demo_run")
    if loaded is not None:
        return loaded
    path = Path(__file__).resolve().parent.parent / "end_to_end" / "demo_run.py"
    spec = importlib.util.spec_from_file_location("demo_run", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["demo_run"] = module
    spec.loader.exec_module(module)
    return module


def scan(paths: Iterable[Path], names: set[str]) -> list[Leak]:
    return [leak for path in paths for leak in _scan_file(path, names)]


def _scan_file(path: Path, names: set[str]) -> Iterator[Leak]:
    is_audit = path.parent.name == "audit"
    text = path.read_text(encoding="utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        kinds = [span.kind for span in find_identifiers(line)]
        if _holds_name(line, names):
            kinds.append(PERSON)
        event = _event_kind(line) if is_audit and kinds else None
        for kind in dict.fromkeys(kinds):  # one report per kind and line
            yield Leak(path, number, kind, event)


def _holds_name(line: str, names: set[str]) -> bool:
    """Some run of Chinese characters in the line contains one of the names."""
    for run in _HAN_RUN.finditer(line):
        word = run.group()
        for start in range(len(word) - 1):
            for length in (2, 3, 4):
                if word[start : start + length] in names:
                    return True
    return False


def _event_kind(line: str) -> str | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    return entry.get("kind") if isinstance(entry, dict) else None


def report(leaks: list[Leak], root: Path) -> str:
    lines = [leak.describe(root) for leak in leaks]
    query = sum(leak.event == "query" for leak in leaks)
    head = (
        f"personal data in clear in {len(leaks)} stored line(s) "
        f"({query} in 'query' events, {len(leaks) - query} elsewhere):"
    )
    return "\n".join([head, *lines])
