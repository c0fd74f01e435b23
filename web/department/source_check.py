"""Check a new source's YAML as the catalogue loader checks a department file, and say
where each problem is: the key and the line of the YAML as typed.

Two steps, both the catalogue's own: the source is validated by the model every
department file's ``sources:`` entries are validated by (``connectors.config.Source``,
as ``catalog.errors.load_model`` does), then, if it is a valid source, the whole
catalogue is loaded by ``catalog.registry.load_catalog`` from a copy of the configuration
with the source added to the department's file (dataset, mapping, primary key,
duplicate names, asset names). Nothing is written to the real configuration.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import TypeAdapter, ValidationError
from yaml.nodes import MappingNode, Node, SequenceNode

from catalog.errors import ConfigError
from catalog.registry import load_catalog
from connectors.config import AnySource, Source

MAX_CHARS = 64_000  # a source is a screenful of YAML, not a file of data
_SOURCE = TypeAdapter(Source)


@dataclass(frozen=True)
class SourceProblem:
    file: str  # the department file the source goes into (relative to config/)
    key: str  # the key inside the source, ``(top level)`` for the whole of it
    line: int | None  # line of the YAML as typed
    message: str


@dataclass(frozen=True)
class SourceCheck:
    department_file: str
    source: AnySource | None
    problems: list[SourceProblem]

    @property
    def valid(self) -> bool:
        return self.source is not None and not self.problems


def department_file(config: Path, department: str) -> Path:
    """The department's file in ``config/departments`` (the one whose ``id`` it is)."""
    for path in sorted((config / "departments").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("id") == department:
            return path
    raise ConfigError(f"{config / 'departments'}: no file of department {department!r}")


def check_source(config: Path, department: str, text: str) -> SourceCheck:
    """Every problem of ``text`` as a source of ``department``; none when it would load."""
    path = department_file(config, department)
    where = str(path.relative_to(config))

    def problem(key: str, line: int | None, message: str) -> SourceCheck:
        return SourceCheck(where, None, [SourceProblem(where, key, line, message)])

    if len(text) > MAX_CHARS:
        return problem("(top level)", None, f"longer than {MAX_CHARS:,} characters")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return problem("(YAML)", line, f"not valid YAML: {getattr(error, 'problem', error)}")
    if root is None or not isinstance(data, dict):
        return problem(
            "(top level)", 1, "a source is one mapping: kind, name, dataset and its settings"
        )
    try:
        source = _SOURCE.validate_python(data)
    except ValidationError as invalid:
        return SourceCheck(where, None, [_placed(where, root, data, e) for e in invalid.errors()])
    catalogue_problem = _load_with(config, path, data)
    if catalogue_problem is not None:
        key, message = catalogue_problem
        return SourceCheck(where, source, [SourceProblem(where, key, _line_of(root, key), message)])
    return SourceCheck(where, source, [])


def _placed(where: str, root: Node, data: dict, error: object) -> SourceProblem:
    loc = list(error["loc"])  # type: ignore[index]
    if loc and loc[0] == data.get("kind"):
        loc = loc[1:]  # the union's tag (the kind), not a key of the file
    key = ".".join(str(part) for part in loc) or "(top level)"
    return SourceProblem(where, key, _line_of(root, key), str(error["msg"]))  # type: ignore[index]


def _load_with(config: Path, path: Path, data: dict) -> tuple[str, str] | None:
    """Load the catalogue from a copy of ``config`` with the source added to ``path``:
    (key in the source, message) of the problem it finds, or None."""
    with tempfile.TemporaryDirectory(prefix="shuzhi-source-check-") as scratch:
        copy = Path(scratch) / "config"
        shutil.copytree(config, copy)
        target = copy / path.relative_to(config)
        department = yaml.safe_load(target.read_text(encoding="utf-8"))
        index = len(department.get("sources") or [])
        department["sources"] = [*(department.get("sources") or []), data]
        target.write_text(yaml.safe_dump(department, allow_unicode=True), encoding="utf-8")
        try:
            load_catalog(copy)
        except ConfigError as refused:
            message = str(refused).replace(str(copy), str(config))
            ours = f"{path}: sources.{index}."
            if message.startswith(ours):
                key, _, rest = message.removeprefix(ours).partition(": ")
                return key, rest
            if f"source {data.get('name')!r}" in message:
                return "name", message
            return "(top level)", message
    return None


def _line_of(root: Node, key: str) -> int | None:
    """The line of ``key`` (dotted) in the YAML; its nearest parent's when it is missing."""
    node, line = root, root.start_mark.line + 1
    for part in key.split("."):
        if isinstance(node, MappingNode):
            found = [(k, v) for k, v in node.value if str(k.value) == part]
            if not found:
                return line
            node, line = found[0][1], found[0][0].start_mark.line + 1
        elif isinstance(node, SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            return line
    return line
