"""Small-cell protection: primary and secondary suppression, driven by the contract.

Applied to a product's table after its SQL ran and before it is written (see
``products.build``). The contract's ``suppression`` block names the
threshold, the count columns, the margins (groups of rows whose sum is
published or derivable, e.g. a community's population) and the derived
columns (rates, averages) that are blanked with their counts.

The attacker it defeats (``products.cell_ranges`` works out what it can learn)
knows every value the product publishes; the true total of every declared
margin group, however it learned it, unless that total is itself a small count
(between zero and the threshold: blank wherever it is published); and that a
blank count is at least 1, or at least 0 when the product lists empty cells too
(``empty_cells_listed``). From these it solves the equations the margins give
for the lowest and highest value each blank can take. The table is written
only when, for that attacker:

1. no blank cell is pinned to a single value (a lone blank in a group, blanks
   whose group leaves no room, blanks cornered by two crossing margins);
2. every primary blank (a count below the threshold) could be as large as the
   threshold, so the attacker cannot even tell it is a small cell; or, where the
   known totals themselves bound it lower (a small grid whose total follows from
   its community's and the other grids'), as large as they allow: the blanks
   reveal nothing the totals do not.

Secondary suppression is greedy: while a primary blank breaks a rule, the
published cell of one of its margin groups that best loosens it (the smallest
one large enough, else the largest) is blanked too, and it is checked again. A
cell blanked that way which the attacker can still pin down is shown again (its
value is known anyway). Derived columns of a row are blanked wherever one of
their count columns is. Zeros are never suppressed for being small: "nobody"
identifies no one.

Product tables are aggregates (hundreds to a few thousand rows), so the table
is held in memory here; person-level products carry no suppression block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from catalog.contracts import Suppression
from products.cell_ranges import MarginGroups, component_of, highest, lowest


class SuppressionError(RuntimeError):
    """No pattern of blank cells protects the table (the message says which cell and why)."""


@dataclass
class SuppressionReport:
    """What suppression blanked, per count column (counts only: never values)."""

    primary: dict[str, int] = field(default_factory=dict)
    secondary: dict[str, int] = field(default_factory=dict)
    derived_blanked: dict[str, int] = field(default_factory=dict)

    def as_details(self) -> dict[str, object]:
        return {
            "primary": self.primary,
            "secondary": self.secondary,
            "derived_blanked": self.derived_blanked,
        }


def _shortfall(
    row: int,
    values: Sequence[int | None],
    blank: set[int],
    primary: set[int],
    groups: MarginGroups,
    threshold: int,
    lower: int,
) -> float:
    """How far a blank cell falls short of protection (≤ 0: protected).

    A primary cell must be able to reach its target (the threshold, or its smallest
    known margin total); any blank must not be pinned (``products.cell_ranges``).
    """
    value = values[row] or 0
    known = groups.constraining(row)
    if not known:
        return 0  # in no margin whose total is known: nothing to subtract it from
    high = highest(row, values, blank, groups, lower)
    if row in primary:
        target: float = min(
            [threshold, *(sum(values[r] or 0 for r in groups.rows_of[g]) for g in known)]
        )
        if high < target:
            # Short: but no more than the known totals themselves allow (a small grid's
            # total can follow from its community's and the other grids'): what it could
            # be with every cell around it blank is as far as suppression can take it.
            everything = {r for r, v in enumerate(values) if v is not None}
            target = min(target, highest(row, values, everything, groups, lower))
            if high < target:
                return target - high
    # Not pinned: it can rise above its value, or fall below it.
    if high > value:
        return 0
    return 0 if lowest(row, values, blank, groups, lower) < value else 1


@dataclass
class _Column:
    """One count column being protected."""

    name: str
    values: list[int | None]
    primary: set[int]
    blank: set[int]


def suppress(
    table: pa.Table, spec: Suppression, *, product: str
) -> tuple[pa.Table, SuppressionReport]:
    """The table with small cells and the cells that would give them away blanked."""
    layout = MarginGroups.of(table, spec)
    report = SuppressionReport()
    lower = 0 if spec.empty_cells_listed else 1
    blanked_rows: dict[str, set[int]] = {}
    for name in spec.counts:
        values = [None if v is None else int(v) for v in table.column(name).to_pylist()]
        primary = {r for r, v in enumerate(values) if v is not None and 0 < v < spec.threshold}
        column = _Column(name, values, primary, set(primary))
        groups = layout.knowing(values, spec.threshold)
        _protect(column, groups, spec.threshold, lower, product)
        report.primary[name] = len(primary)
        report.secondary[name] = len(column.blank) - len(primary)
        blanked_rows[name] = column.blank
    return _blanked(table, spec, blanked_rows, report), report


def _protect(
    column: _Column, groups: MarginGroups, threshold: int, lower: int, product: str
) -> None:
    """Blank more cells until every blank cell is protected (see the module docstring).

    Blanking one more cell only widens what the other blanks can be (a value the
    attacker knew becomes one it must guess), so a cell once protected stays
    protected: each cell is checked until it passes, then never again. A cell blanked
    to protect another that the attacker can still pin down is shown again: its value
    is known anyway, and showing it changes nothing the attacker can work out.
    """
    _no_lone_blanks(column, groups, threshold, lower)
    queue = sorted(column.blank)
    while queue:
        row = queue.pop(0)
        if row not in column.blank:
            continue
        need = _shortfall(
            row, column.values, column.blank, column.primary, groups, threshold, lower
        )
        if need <= 0:
            continue
        if row not in column.primary:
            column.blank.discard(row)  # pinned anyway: show it
            continue
        candidate = _candidate(row, need + lower, column, groups)
        if candidate is None:
            raise SuppressionError(
                f"product {product}: a blank {column.name} in {groups.where(row)} can be "
                "recovered and no published cell of its margins is left to blank; list empty "
                "cells with 0 (empty_cells_listed: true) or drop a margin whose total nobody "
                "can know"
            )
        column.blank.add(candidate)
        queue[:0] = [row, candidate]


def unprotected_cells(
    values: Sequence[int | None],
    blank: set[int],
    groups: MarginGroups,
    *,
    threshold: int,
    lower: int,
) -> list[int]:
    """Blank cells the attacker can pin down or tell are small: the rule the build keeps,
    checked again on a written table (``values`` are the true counts)."""
    primary = {r for r in blank if values[r] is not None and 0 < (values[r] or 0) < threshold}
    known = groups.knowing(values, threshold)
    return [
        row
        for row in sorted(blank)
        if _shortfall(row, values, blank, primary, known, threshold, lower) > 0
    ]


def _no_lone_blanks(column: _Column, groups: MarginGroups, threshold: int, lower: int) -> None:
    """The cheap first pass: no known margin group may hold exactly one primary blank
    (plain subtraction)."""
    changed = True
    while changed:
        changed = False
        for group, rows in enumerate(groups.rows_of):
            if not groups.known[group]:
                continue
            blanks = [r for r in rows if r in column.blank]
            if len(blanks) != 1 or blanks[0] not in column.primary:
                continue
            published = [r for r in rows if r not in column.blank and column.values[r] is not None]
            if not published:
                continue
            value = column.values[blanks[0]] or 0
            column.blank.add(
                _smallest_at_least(published, threshold - value + lower, column.values)
            )
            changed = True


def _candidate(row: int, need: float, column: _Column, groups: MarginGroups) -> int | None:
    """The published cell to blank next so that ``row`` can move by ``need``.

    From the known groups of ``row`` first, else from every known group its linked
    blanks touch (in a two-way table a blank may need a cycle closed far from it).
    Preferred: a cell all of whose known groups already hold a blank (it closes a
    cycle), then the smallest value that is enough, else the largest.
    """

    def published(group_ids: set[int]) -> list[int]:
        return sorted(
            {
                other
                for group in group_ids
                for other in groups.rows_of[group]
                if other not in column.blank and column.values[other] is not None
            }
        )

    near = published(set(groups.constraining(row)))
    if not near:
        linked = component_of(row, column.blank, groups)
        near = published({g for r in linked for g in groups.constraining(r)})
    if not near:
        return None
    closing = [
        r
        for r in near
        if all(any(o in column.blank for o in groups.rows_of[g]) for g in groups.constraining(r))
    ]
    return _smallest_at_least(closing or near, need, column.values)


def _smallest_at_least(rows: list[int], need: float, values: Sequence[int | None]) -> int:
    """The row with the smallest value ≥ need (earliest on ties), else the largest value."""
    enough = [r for r in rows if (values[r] or 0) >= need]
    if enough:
        return min(enough, key=lambda r: (values[r] or 0, r))
    return max(rows, key=lambda r: (values[r] or 0, -r))


def _blanked(
    table: pa.Table,
    spec: Suppression,
    blanked_rows: dict[str, set[int]],
    report: SuppressionReport,
) -> pa.Table:
    derived_blank: dict[str, set[int]] = {}
    for count, rows in blanked_rows.items():
        for name in spec.derived_from(count):
            derived_blank.setdefault(name, set()).update(rows)
    out = table
    for name, rows in [*blanked_rows.items(), *derived_blank.items()]:
        index = out.schema.get_field_index(name)
        values = out.column(name).to_pylist()
        kept = [None if r in rows else v for r, v in enumerate(values)]
        out = out.set_column(
            index, out.schema.field(index), pa.array(kept, out.schema.field(index).type)
        )
        if name in derived_blank:
            report.derived_blanked[name] = sum(1 for r in rows if values[r] is not None)
    return out
