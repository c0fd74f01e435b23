"""Dirt: which kinds each source gets, which rows get them, and a ledger of what was written.

Each dirty row carries exactly one kind of dirt. Rows are chosen up front
(an exact count per kind, at least one each) and every row actually written
dirty is recorded, so that tests and the pipeline can reconcile exactly:
loaded = written - unfixable - duplicates - 2 × conflicts.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TextIO


class DirtClass(StrEnum):
    FIXABLE = "fixable"  # standardisation repairs it; the row is loaded
    UNFIXABLE = "unfixable"  # the row goes to quarantine
    DUPLICATE = "duplicate"  # a second copy of a row; quarantined as 'duplicate'
    # a second row claiming an earlier row's key under another identity (a person
    # registered again under a new person_id): both it and the earlier row are quarantined
    CONFLICT = "conflict"


@dataclass(frozen=True)
class DirtKind:
    name: str
    dirt_class: DirtClass
    column: str
    rate: float
    description: str


class DirtPlan:
    """Which row (0-based, in writing order) gets which kind of dirt."""

    def __init__(self, by_row: dict[int, DirtKind]) -> None:
        self._by_row = by_row

    @classmethod
    def draw(
        cls,
        rng: random.Random,
        rows: int,
        kinds: Sequence[DirtKind],
        *,
        earliest: Mapping[str, int] | None = None,
    ) -> DirtPlan:
        """``round(rate * rows)`` rows per kind and at least one.

        Tiny sources keep at least half of their rows clean, even if that
        leaves the last kinds out. ``earliest`` keeps a kind off the first
        rows (a duplicate needs an original before it).
        """
        earliest = earliest or {}
        wanted = {kind.name: max(1, round(kind.rate * rows)) for kind in kinds}
        budget = rows // 2
        total = sum(wanted.values())
        if total > budget:
            shrink = budget / total
            wanted = {name: max(1, int(count * shrink)) for name, count in wanted.items()}
        by_row: dict[int, DirtKind] = {}
        for kind in kinds:
            first = min(earliest.get(kind.name, 0), rows - 1)
            free = rows - first - sum(1 for row in by_row if row >= first)
            for _ in range(min(wanted[kind.name], free, budget - len(by_row))):
                row = rng.randrange(first, rows)
                while row in by_row:
                    row = rng.randrange(first, rows)
                by_row[row] = kind
        return cls(by_row)

    def kind_at(self, row: int) -> DirtKind | None:
        return self._by_row.get(row)

    def __len__(self) -> int:
        return len(self._by_row)


LEDGER_COLUMNS = ("source", "file", "row", "key", "kind", "class", "column")


class DirtLedger:
    """Records every dirty row written; never records the dirty value itself.

    ``row`` is the 1-based data row within its file (header not counted); for
    the population database it is the person_id, for JSON lines the line number.
    """

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out, lineterminator="\n")
        self._writer.writerow(LEDGER_COLUMNS)
        self._declared: dict[str, tuple[DirtKind, ...]] = {}
        self._counts: dict[str, Counter[str]] = {}

    def declare(self, source: str, kinds: Sequence[DirtKind]) -> None:
        self._declared[source] = tuple(kinds)
        self._counts[source] = Counter()

    def record(self, source: str, file: str, row: int, key: str, kind: DirtKind) -> None:
        self._writer.writerow((source, file, row, key, kind.name, kind.dirt_class, kind.column))
        self._counts[source][kind.name] += 1

    def counts(self, source: str, dirt_class: DirtClass) -> dict[str, int]:
        """Rows written per kind of this class, every declared kind listed (zero too)."""
        counts = self._counts[source]
        return {
            kind.name: counts[kind.name]
            for kind in self._declared[source]
            if kind.dirt_class is dirt_class
        }

    def kinds(self, source: str) -> tuple[DirtKind, ...]:
        return self._declared[source]


def open_ledger(path: Path) -> TextIO:
    return path.open("w", encoding="utf-8", newline="")
