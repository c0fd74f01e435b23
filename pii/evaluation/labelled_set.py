"""Labelled texts: a text and the exact spans of the personal data in it.

The hand-written hard cases live in ``hard_cases.jsonl`` beside this module, one
JSON object per line (blank lines are ignored)::

    {"id": "mobile-grouped", "text": "来电人电话138 1234 5678，反映噪音。",
     "spans": [{"entity": "CN_MOBILE", "text": "138 1234 5678"}],
     "note": "why this case is hard"}

A span names its entity and says either where it is (``start`` and ``end``:
Python character offsets, end exclusive) or what it says (``text``: its first
occurrence in the text, or the ``occurrence``-th one counting from 1). Locating
spans by their text keeps the file editable by hand: reword the sentence and the
offsets follow. A span may give both, and then they must agree. A text with no
personal data (a near miss) has ``"spans": []``. ``note`` says why the case is
hard and is required.

What a span covers:

- identifiers as written, separators included: ``138 1234 5678``, ``+86 138-1234-5678``,
  ``(0755)8612 3456`` (brackets round the area code, a ``+86``/``0086`` prefix and
  a landline's extension such as ``转8001`` belong to the number), never the words
  or punctuation around them;
- PERSON: the name only, without cue words (投诉人, 我叫) or honorifics (先生, 女士);
  a surname with an honorific alone (王先生) is not a PERSON;
- ADDRESS: the contiguous address from its first place-name element through the
  finest unit given (room, unit or building); a bare road (桂花路) or community
  (翠竹社区) is not an ADDRESS.

Bad entries fail the load with an error naming the file, line and field.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pii.entities import ENTITIES

HARD_CASES_PATH = Path(__file__).with_name("hard_cases.jsonl")

Source = Literal["generated", "hand"]

_BLANKS = " \t\r\n\u3000\u00a0"


class SpanError(ValueError):
    """A span that does not fit its text; ``index`` and ``field`` say which and where."""

    def __init__(self, index: int, field: str, message: str) -> None:
        super().__init__(f"spans[{index}].{field}: {message}")
        self.index = index
        self.field = field
        self.message = message


class LabelledSetError(ValueError):
    """A labelled-set file is invalid; the message names the file, line and field."""


@dataclass(frozen=True)
class Span:
    """Personal data of one entity at ``text[start:end]``."""

    entity: str
    start: int
    end: int


@dataclass(frozen=True)
class LabelledText:
    """A text with every span of personal data in it, in text order.

    Construction checks the spans (known entity, inside the text, not blank at
    either edge, no two overlapping) and raises ``SpanError`` otherwise.
    """

    id: str
    text: str
    spans: tuple[Span, ...]
    source: Source
    note: str = ""

    def __post_init__(self) -> None:
        check_spans(self.text, self.spans)
        object.__setattr__(self, "spans", tuple(sorted(self.spans, key=lambda s: (s.start, s.end))))

    def covered(self, span: Span) -> str:
        """The characters a span covers."""
        return self.text[span.start : span.end]


def check_spans(text: str, spans: Sequence[Span]) -> None:
    """Raise ``SpanError`` for the first span that does not fit ``text``."""
    for index, span in enumerate(spans):
        if span.entity not in ENTITIES:
            raise SpanError(
                index, "entity", f"unknown entity {span.entity!r} (known: {', '.join(ENTITIES)})"
            )
        if not 0 <= span.start < len(text):
            raise SpanError(index, "start", f"{span.start} is outside the text (0..{len(text)})")
        if not span.start < span.end <= len(text):
            raise SpanError(
                index, "end", f"{span.end} must lie after start {span.start}, up to {len(text)}"
            )
        covered = text[span.start : span.end]
        if covered[0] in _BLANKS or covered[-1] in _BLANKS:
            raise SpanError(index, "start", f"the span {covered!r} starts or ends with a blank")
    ordered = sorted(range(len(spans)), key=lambda i: (spans[i].start, spans[i].end))
    for before, after in itertools.pairwise(ordered):
        if spans[after].start < spans[before].end:
            raise SpanError(
                after,
                "start",
                f"overlaps spans[{before}] ({text[spans[before].start : spans[before].end]!r})",
            )


class _SpanEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    entity: str
    start: int | None = None
    end: int | None = None
    text: str | None = Field(default=None, min_length=1)
    occurrence: int | None = Field(default=None, ge=1)


class _CaseEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    spans: list[_SpanEntry]
    note: str = Field(min_length=1)


def load_hard_cases(path: Path | None = None) -> list[LabelledText]:
    """The hand-written hard cases (``hard_cases.jsonl`` unless another path is given)."""
    return load_labelled_jsonl(path or HARD_CASES_PATH)


def load_labelled_jsonl(path: Path | str, source: Source = "hand") -> list[LabelledText]:
    """Every labelled text of a JSONL file, in file order; see the module docstring."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelledSetError(f"{path}: cannot read: {exc}") from None
    texts: list[LabelledText] = []
    first_line_of: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        case = _parse_line(path, number, line, source)
        if case.id in first_line_of:
            raise LabelledSetError(
                f"{path}:{number}: id: duplicate id {case.id!r} "
                f"(first on line {first_line_of[case.id]})"
            )
        first_line_of[case.id] = number
        texts.append(case)
    return texts


def _parse_line(path: Path, number: int, line: str, source: Source) -> LabelledText:
    where = f"{path}:{number}"
    try:
        data: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LabelledSetError(f"{where}: not valid JSON: {exc.msg} (column {exc.colno})") from None
    if not isinstance(data, dict):
        raise LabelledSetError(
            f"{where}: a line must be one JSON object, not {type(data).__name__}"
        )
    try:
        entry = _CaseEntry.model_validate(data)
    except ValidationError as exc:
        problems = [f"{where}: {_field_name(err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise LabelledSetError("; ".join(problems)) from None
    spans = [_locate(where, entry.text, index, span) for index, span in enumerate(entry.spans)]
    try:
        return LabelledText(
            id=entry.id, text=entry.text, spans=tuple(spans), source=source, note=entry.note
        )
    except SpanError as exc:
        raise LabelledSetError(f"{where} (id {entry.id!r}): {exc}") from None


def _locate(where: str, text: str, index: int, entry: _SpanEntry) -> Span:
    """The span an entry describes, by offsets, by its text, or by both (which must agree)."""
    field = f"spans[{index}]"
    if (entry.start is None) != (entry.end is None):
        missing = "end" if entry.end is None else "start"
        raise LabelledSetError(f"{where}: {field}.{missing}: start and end come together")
    if entry.text is None:
        if entry.occurrence is not None:
            raise LabelledSetError(f"{where}: {field}.occurrence: only a span with text has one")
        if entry.start is None or entry.end is None:
            raise LabelledSetError(f"{where}: {field}: needs text, or start and end")
        return Span(entry.entity, entry.start, entry.end)

    wanted = entry.occurrence or 1
    found = list(_occurrences(text, entry.text))
    if len(found) < wanted:
        times = f"occurs {len(found)} times" if found else "does not occur"
        raise LabelledSetError(
            f"{where}: {field}.text: {entry.text!r} {times} in the text (wanted occurrence "
            f"{wanted})"
        )
    start = found[wanted - 1]
    span = Span(entry.entity, start, start + len(entry.text))
    if entry.start is not None and (entry.start, entry.end) != (span.start, span.end):
        raise LabelledSetError(
            f"{where}: {field}.start: offsets {entry.start}..{entry.end} disagree with text "
            f"{entry.text!r} at {span.start}..{span.end}"
        )
    return span


def _occurrences(text: str, needle: str) -> Iterable[int]:
    start = text.find(needle)
    while start >= 0:
        yield start
        start = text.find(needle, start + 1)


def _field_name(loc: tuple[int | str, ...]) -> str:
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else f".{part}" if name else str(part)
    return name or "(line)"
