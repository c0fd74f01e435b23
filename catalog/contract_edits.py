"""Edits to a contract's YAML text that keep the rest of the file as the steward wrote it.

ruamel.yaml (round-trip YAML) is not installed, so each edit touches only the line(s)
it changes: one column's one-line mapping (``- {name: phone, …}``) re-emitted with
PyYAML in the same key order, a top-level ``key: value`` line replaced, inserted or
removed, or one top-level block (``downgrade:``) replaced. Comments and every other
line stay byte for byte. The edited text is validated as a contract by the caller before
it is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml


class ContractEditError(ValueError):
    """The contract's text has not the shape an edit needs; the message says where."""


def _flow(value: dict[str, Any]) -> str:
    text = yaml.safe_dump(
        value, default_flow_style=True, allow_unicode=True, sort_keys=False, width=10_000
    )
    return text.strip()


def edit_column(text: str, column: str, change: Callable[[dict[str, Any]], None]) -> str:
    """Apply ``change`` to the one-line mapping of ``column`` under ``columns:``."""
    lines = text.splitlines(keepends=True)
    pattern = re.compile(r"^(\s*-\s*)(\{.*\})\s*$")
    for index, line in enumerate(lines):
        found = pattern.match(line.rstrip("\n"))
        if not found:
            continue
        try:
            spec = yaml.safe_load(found.group(2))
        except yaml.YAMLError:
            continue
        if not isinstance(spec, dict) or spec.get("name") != column:
            continue
        change(spec)
        ending = "\n" if line.endswith("\n") else ""
        lines[index] = f"{found.group(1)}{_flow(spec)}{ending}"
        return "".join(lines)
    raise ContractEditError(
        f"column {column}: no one-line entry `- {{name: {column}, …}}` under columns:"
    )


def set_top_level(text: str, key: str, value: Any, *, after: str | None = None) -> str:
    """Set ``key: value`` at the top level: replace its line, else insert it after the
    ``after`` key's line (else at the end). ``value`` None removes the line."""
    lines = text.splitlines(keepends=True)
    pattern = re.compile(rf"^{re.escape(key)}:(\s|$)")
    index = next((i for i, line in enumerate(lines) if pattern.match(line)), None)
    if index is not None and _block_end(lines, index) != index + 1:
        raise ContractEditError(f"{key}: is a block of several lines; edit it by hand")
    new = None if value is None else f"{key}: {_scalar(value)}\n"
    if index is not None:
        lines[index : index + 1] = [new] if new else []
    elif new is not None:
        anchor = re.compile(rf"^{re.escape(after)}:(\s|$)") if after else None
        at = next((i for i, line in enumerate(lines) if anchor and anchor.match(line)), None)
        where = _block_end(lines, at) if at is not None else len(lines)
        if where == len(lines) and lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.insert(where, new)
    return "".join(lines)


def set_block(text: str, key: str, value: dict[str, Any]) -> str:
    """Replace the top-level block ``key:`` (its line and the indented lines under it)
    with ``value`` in block style; add it at the end when there is none."""
    lines = text.splitlines(keepends=True)
    dumped = yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, width=100)
    pattern = re.compile(rf"^{re.escape(key)}:(\s|$)")
    index = next((i for i, line in enumerate(lines) if pattern.match(line)), None)
    if index is None:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        return "".join(lines) + dumped
    lines[index : _block_end(lines, index)] = [dumped]
    return "".join(lines)


def _block_end(lines: list[str], index: int) -> int:
    """The line after the top-level entry starting at ``index`` (its indented lines and
    folded text included; a comment at column 0 ends it)."""
    end = index + 1
    while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
        end += 1
    while end > index + 1 and not lines[end - 1].strip():  # keep blank lines outside
        end -= 1
    return end


def _scalar(value: Any) -> str:
    text = yaml.safe_dump(value, allow_unicode=True, width=10_000, default_flow_style=True)
    return text.removesuffix("\n...\n").strip()
