"""The known ways to recover a blank cell, written as an attacker would try them.

Independent of ``products.cell_ranges`` (which the build uses): the attacker
here sets up its own equations from what it can see and what it knows, and
solves them with scipy's linear programming for each blank's lowest and highest
value. A range of a single value is a recovered cell.

Routes:
- ``subtract``: a margin group with one blank: total minus the published cells;
- ``ranges``: every margin at once (crossing margins corner a blank that no
  single subtraction reveals);
- ``rate_inversion``: a rate shown where its count is blank (rate × base / 10,000);
- ``population_from_rates``: a community's population from street_case_stats'
  cases per 10,000 residents (10,000 × cases / rate), to be used as a margin of
  the population profile.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Known:
    """A margin group the attacker knows the total of: its rows and that total (or the
    range it lies in, when only a rounded figure is known)."""

    rows: tuple[int, ...]
    low: float
    high: float

    @classmethod
    def exact(cls, rows: Sequence[int], total: float) -> Known:
        return cls(tuple(rows), total, total)


def groups_by(table: Sequence[dict[str, object]], columns: Sequence[str]) -> list[list[int]]:
    found: dict[tuple[object, ...], list[int]] = {}
    for index, row in enumerate(table):
        found.setdefault(tuple(row[c] for c in columns), []).append(index)
    return list(found.values())


def true_totals(groups: list[list[int]], truth: Sequence[int]) -> list[Known]:
    return [Known.exact(rows, sum(truth[r] for r in rows)) for rows in groups]


def subtract(shown: Sequence[int | None], known: list[Known]) -> dict[int, float]:
    """Lone blanks of a group with an exactly known total: recovered by subtraction."""
    found: dict[int, float] = {}
    for group in known:
        blanks = [r for r in group.rows if shown[r] is None]
        if len(blanks) == 1 and group.low == group.high:
            found[blanks[0]] = group.low - sum(shown[r] or 0 for r in group.rows if r != blanks[0])
    return found


def ranges(
    shown: Sequence[int | None],
    known: list[Known],
    *,
    lower: int,
    cells: Sequence[int] | None = None,
) -> dict[int, tuple[float, float]]:
    """Every blank's (or each of ``cells``') lowest and highest value under all the known
    totals at once."""
    import numpy as np
    from scipy.optimize import linprog

    blanks = [r for r, v in enumerate(shown) if v is None]
    if not blanks:
        return {}
    column = {r: i for i, r in enumerate(blanks)}
    rows_ub: list[list[float]] = []
    bounds_ub: list[float] = []
    for group in known:
        inside = [r for r in group.rows if shown[r] is None]
        if not inside:
            continue
        rest = sum(shown[r] or 0 for r in group.rows if shown[r] is not None)
        line = [0.0] * len(blanks)
        for r in inside:
            line[column[r]] = 1.0
        rows_ub.append(line)  # sum <= high - rest
        bounds_ub.append(group.high - rest)
        rows_ub.append([-x for x in line])  # sum >= low - rest
        bounds_ub.append(-(group.low - rest))
    out: dict[int, tuple[float, float]] = {}
    a_ub = np.array(rows_ub) if rows_ub else None
    b_ub = np.array(bounds_ub) if bounds_ub else None
    for r in blanks if cells is None else [c for c in cells if c in column]:
        c = np.zeros(len(blanks))
        c[column[r]] = 1.0
        low = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=(lower, None), method="highs")
        high = linprog(-c, A_ub=a_ub, b_ub=b_ub, bounds=(lower, None), method="highs")
        lo = low.fun if low.status == 0 else lower
        hi = -high.fun if high.status == 0 else math.inf
        out[r] = (round(lo, 6), round(hi, 6))
    return out


def pinned(found: dict[int, tuple[float, float]]) -> list[int]:
    return [r for r, (lo, hi) in found.items() if hi - lo < 1]


def rate_inversion(
    counts: Sequence[int | None], rates: Sequence[float | None], bases: Sequence[float | None]
) -> dict[int, float]:
    """A blank count whose rate is still shown: the count is rate × base / 10,000."""
    return {
        r: rates[r] * bases[r] / 10_000  # type: ignore[operator]
        for r in range(len(counts))
        if counts[r] is None and rates[r] is not None and bases[r] is not None
    }


def population_from_rates(
    table: Sequence[dict[str, object]],
) -> dict[str, tuple[float, float]]:
    """Per community, the population range street_case_stats' rates allow: each row with
    cases and a rate (rounded to 2 decimals) gives 10,000 × cases / (rate ± 0.005)."""
    found: dict[str, tuple[float, float]] = {}
    for row in table:
        cases, rate = row["cases"], row["cases_per_10k_residents"]
        if not cases or not rate:
            continue
        assert isinstance(cases, int) and isinstance(rate, float)
        low = 10_000 * cases / (rate + 0.005)
        high = 10_000 * cases / (rate - 0.005) if rate > 0.005 else math.inf
        code = str(row["community_code"])
        was = found.get(code, (0.0, math.inf))
        found[code] = (max(was[0], low), min(was[1], high))
    return found
