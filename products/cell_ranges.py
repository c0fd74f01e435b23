"""What an attacker can work out about the blank cells of a table: the range of each.

The attacker knows every published count, the true total of every margin
group (rows sharing the values of a margin's ``by`` columns) that is zero or at
least the threshold, and that a blank holds at least ``lower`` (1, or 0 when
the product lists empty cells). A total between zero and the threshold is a
small count itself: whoever publishes it blanks it, so it is not known. The
blanks of each known group must add up to what its total leaves once the
published cells are subtracted; the lowest and highest value a blank can take
under all those equations at once is its range. A range of one value is a
recovered cell.

Computed exactly, with the cheapest method the margins allow:

- one margin (each row in one group): a blank can take everything the other
  blanks of its group hold above ``lower``;
- two margins (each row in two groups: a two-way table, or a nested one such as
  grid within community): the blanks are the edges of a bipartite graph between
  the groups (unknown groups merged into one node that keeps no total), and how
  far a blank can rise or fall is a maximum flow around cycles of blanks (a
  transportation problem);
- more margins: a linear program (scipy's HiGHS), the same bounds in general.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from catalog.contracts import Suppression


@dataclass(frozen=True)
class CellRange:
    """The lowest and highest value a blank cell can take, for the attacker above."""

    low: float
    high: float

    @property
    def pinned(self) -> bool:
        return self.high - self.low < 1


@dataclass
class MarginGroups:
    """Which rows make up each margin group, the groups each row belongs to, and which
    groups' totals the attacker knows."""

    margins: int  # how many margins the contract declares
    rows_of: list[list[int]]  # group → rows
    groups_of: list[list[int]]  # row → groups (one per margin, in the contract's order)
    labels: list[str]  # group → "by=value, …" (codes and categories: for messages)
    known: list[bool] = field(default_factory=list)  # group → its total is known

    @classmethod
    def of(cls, table: pa.Table, spec: Suppression) -> MarginGroups:
        rows_of: list[list[int]] = []
        labels: list[str] = []
        groups_of: list[list[int]] = [[] for _ in range(table.num_rows)]
        for margin in spec.margins:
            columns = [table.column(name).to_pylist() for name in margin.by]
            index: dict[tuple[object, ...], int] = {}
            for row in range(table.num_rows):
                key = tuple(column[row] for column in columns)
                group = index.get(key)
                if group is None:
                    group = index[key] = len(rows_of)
                    rows_of.append([])
                    labels.append(
                        ", ".join(f"{n}={v}" for n, v in zip(margin.by, key, strict=True))
                    )
                rows_of[group].append(row)
                groups_of[row].append(group)
        return cls(len(spec.margins), rows_of, groups_of, labels, [True] * len(rows_of))

    def knowing(self, values: Sequence[int | None], threshold: int) -> MarginGroups:
        """The same groups, known where the true total is zero or at least the threshold."""
        totals = [sum(values[r] or 0 for r in rows) for rows in self.rows_of]
        known = [t == 0 or t >= threshold for t in totals]
        return MarginGroups(self.margins, self.rows_of, self.groups_of, self.labels, known)

    def constraining(self, row: int) -> list[int]:
        """The groups of ``row`` whose totals are known."""
        return [g for g in self.groups_of[row] if self.known[g]]

    def where(self, row: int) -> str:
        return "; ".join(self.labels[g] for g in self.groups_of[row])


def cell_ranges(
    values: Sequence[int | None], blank: set[int], groups: MarginGroups, *, lower: int
) -> dict[int, CellRange]:
    """Each blank cell's range (``values`` are the true counts; None: no count in that row)."""
    return {row: cell_range(row, values, blank, groups, lower) for row in sorted(blank)}


def cell_range(
    row: int, values: Sequence[int | None], blank: set[int], groups: MarginGroups, lower: int
) -> CellRange:
    return CellRange(
        lowest(row, values, blank, groups, lower), highest(row, values, blank, groups, lower)
    )


def highest(
    row: int, values: Sequence[int | None], blank: set[int], groups: MarginGroups, lower: int
) -> float:
    value = values[row] or 0
    if not groups.constraining(row):
        return math.inf
    if groups.margins == 1:
        return value + _others_above_lower(row, values, blank, groups, lower)
    if groups.margins == 2:
        return value + _flow(row, values, blank, groups, lower, rising=True)
    return _linear_program(row, values, blank, groups, lower, highest=True)


def lowest(
    row: int, values: Sequence[int | None], blank: set[int], groups: MarginGroups, lower: int
) -> float:
    value = values[row] or 0
    if not groups.constraining(row):
        return float(lower)
    if groups.margins == 1:
        group = groups.groups_of[row][0]
        others = [r for r in groups.rows_of[group] if r != row and r in blank]
        return float(lower) if others else float(value)
    if groups.margins == 2:
        return value - min(value - lower, _flow(row, values, blank, groups, lower, rising=False))
    return _linear_program(row, values, blank, groups, lower, highest=False)


def _others_above_lower(
    row: int, values: Sequence[int | None], blank: set[int], groups: MarginGroups, lower: int
) -> float:
    group = groups.groups_of[row][0]
    return sum((values[r] or 0) - lower for r in groups.rows_of[group] if r != row and r in blank)


FREE = -1  # the one node standing for every group whose total is not known


def _flow(
    row: int,
    values: Sequence[int | None],
    blank: set[int],
    groups: MarginGroups,
    lower: int,
    *,
    rising: bool,
) -> float:
    """How far a blank of a two-way table can rise (or fall) with every known total kept.

    The blanks are edges between their two groups. Raising this one by δ means
    lowering another blank of its second group by δ, raising another of that
    blank's first group, and so on, until a blank of its own first group is lowered:
    a cycle. As a flow from its second group to its first, lowering a blank is an arc
    (second → first) of capacity ``value - lower``, raising one an arc (first →
    second) without limit; for a fall the two swap. Groups whose total is unknown
    are one node (``FREE``) that keeps no total: a path through it fixes both ends.
    The maximum flow is the answer.
    """

    def node(group: int) -> int:
        return group if groups.known[group] else FREE

    first_group, second_group = (node(g) for g in groups.groups_of[row])
    if first_group == second_group == FREE:
        return math.inf
    capacity: dict[tuple[int, int], float] = {}
    neighbours: dict[int, set[int]] = {}

    def arc(a: int, b: int, room: float) -> None:
        capacity[(a, b)] = capacity.get((a, b), 0.0) + room
        capacity.setdefault((b, a), 0.0)
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)

    for other in component_of(row, blank, groups):
        if other == row:
            continue
        a, b = (node(g) for g in groups.groups_of[other])
        if a == b:
            continue  # free on both sides: it closes no cycle of known totals
        room = float(max((values[other] or 0) - lower, 0))
        if rising:
            arc(b, a, room)  # lowering it
            arc(a, b, math.inf)  # raising it
        else:
            arc(b, a, math.inf)
            arc(a, b, room)
    return _max_flow(capacity, neighbours, second_group, first_group)


def _max_flow(
    capacity: dict[tuple[int, int], float],
    neighbours: dict[int, set[int]],
    source: int,
    sink: int,
) -> float:
    """Edmonds-Karp: shortest augmenting paths until none is left."""
    if source not in neighbours or sink not in neighbours:
        return 0.0
    total = 0.0
    while True:
        parent: dict[int, int] = {source: source}
        queue = deque([source])
        while queue and sink not in parent:
            node = queue.popleft()
            for nxt in neighbours[node]:
                if nxt not in parent and capacity[(node, nxt)] > 0:
                    parent[nxt] = node
                    queue.append(nxt)
        if sink not in parent:
            return total
        bottleneck = math.inf
        node = sink
        while node != source:
            bottleneck = min(bottleneck, capacity[(parent[node], node)])
            node = parent[node]
        if math.isinf(bottleneck):
            return math.inf
        node = sink
        while node != source:
            capacity[(parent[node], node)] -= bottleneck
            capacity[(node, parent[node])] += bottleneck
            node = parent[node]
        total += bottleneck


def component_of(start: int, blank: set[int], groups: MarginGroups) -> list[int]:
    """The blank cells linked to ``start`` by shared known groups: one system of equations."""
    seen = {start}
    stack = [start]
    while stack:
        row = stack.pop()
        for group in groups.constraining(row):
            for other in groups.rows_of[group]:
                if other in blank and other not in seen:
                    seen.add(other)
                    stack.append(other)
    return sorted(seen)


def _linear_program(
    row: int,
    values: Sequence[int | None],
    blank: set[int],
    groups: MarginGroups,
    lower: int,
    *,
    highest: bool,
) -> float:
    """Three or more margins: the bound by a linear program over the linked blanks."""
    import numpy as np
    from scipy.optimize import linprog

    component = component_of(row, blank, groups)
    position = {r: i for i, r in enumerate(component)}
    touched = sorted({g for r in component for g in groups.constraining(r)})
    matrix = np.zeros((len(touched), len(component)))
    rhs = np.zeros(len(touched))
    for i, group in enumerate(touched):
        for member in groups.rows_of[group]:
            if member in blank:
                matrix[i, position[member]] = 1.0
                rhs[i] += values[member] or 0
    objective = np.zeros(len(component))
    objective[position[row]] = -1.0 if highest else 1.0
    solved = linprog(objective, A_eq=matrix, b_eq=rhs, bounds=(lower, None), method="highs")
    if solved.status != 0:  # unbounded: the truth is always feasible
        return math.inf if highest else float(lower)
    return round(-float(solved.fun) if highest else float(solved.fun), 6)
