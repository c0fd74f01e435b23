"""``shuzhi pii scan``: JSON Lines in, one JSON line of findings out per input line.

Input lines are ``{"id": ..., "text": ...}``; output lines are ``{"id": ...,
"findings": [{"entity", "start", "end", "score"}]}`` in input order, with
``"redacted"`` added on request. Offsets count Python string characters. A
line that is not such an object yields ``{"line": N, "id": ..., "error": ...}``
in its place (nothing is dropped silently) and counts as an error. Lines are
taken in blocks so that a block's prechecks run column-wise and a large input
uses every worker.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, TextIO

import pyarrow as pa

from pii.detector import Detector
from pii.parallel import find_column
from pii.text_scan import default_detector, redact

BLOCK_LINES = 20_000


@dataclass
class ScanSummary:
    lines: int = 0
    texts: int = 0
    with_findings: int = 0
    findings: int = 0
    errors: int = 0


@dataclass(frozen=True)
class _Parsed:
    line: int
    id: Any
    text: str | None
    error: str | None


def scan_lines(
    lines: Iterable[str],
    out: TextIO,
    *,
    with_redacted: bool = False,
    workers: int = 1,
    detector: Detector | None = None,
) -> ScanSummary:
    """Scan every JSON line of ``lines`` and write one result line per input line to ``out``."""
    detector = detector or default_detector()
    summary = ScanSummary()
    numbered = ((n, raw) for n, raw in enumerate(lines, start=1) if raw.strip())
    for block in _blocks(numbered, BLOCK_LINES):
        parsed = [_parse(n, raw) for n, raw in block]
        texts = pa.array([p.text if p.error is None else None for p in parsed], pa.string())
        per_row = find_column(texts, detector=detector, workers=workers)
        for item, findings in zip(parsed, per_row, strict=True):
            summary.lines += 1
            if item.error is not None:
                summary.errors += 1
                record: dict[str, Any] = {"line": item.line, "id": item.id, "error": item.error}
            else:
                summary.texts += 1
                summary.findings += len(findings)
                summary.with_findings += bool(findings)
                record = {
                    "id": item.id,
                    "findings": [
                        {
                            "entity": f.entity,
                            "start": f.start,
                            "end": f.end,
                            "score": round(f.score, 4),
                        }
                        for f in findings
                    ],
                }
                if with_redacted:
                    record["redacted"] = redact(item.text or "", findings)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
    return summary


def _parse(line: int, raw: str) -> _Parsed:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        return _Parsed(line, None, None, f"line {line}: not JSON ({exc.msg} at column {exc.colno})")
    if not isinstance(value, dict):
        return _Parsed(
            line, None, None, f'line {line}: expected an object {{"id": ..., "text": ...}}'
        )
    ident = value.get("id")
    if "id" not in value:
        return _Parsed(line, None, None, f"line {line}: field 'id' is missing")
    text = value.get("text")
    if not isinstance(text, str):
        kind = "missing" if "text" not in value else f"a {type(text).__name__}, not a string"
        return _Parsed(line, ident, None, f"line {line}: field 'text' is {kind}")
    return _Parsed(line, ident, text, None)


def _blocks(items: Iterator[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    while block := list(islice(items, size)):
        yield block
