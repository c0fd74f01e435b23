"""Small-cell protection on hand-made tables: the known recovery routes all fail.

1. Primary suppression; 2. margin subtraction within a product; 3. crossing
margins; 4. derived columns (rates) blanked with their counts; 5. when no
pattern can protect; 6. the build's exact ranges equal a linear program's.
"""

from __future__ import annotations

import random

import pyarrow as pa
import pytest
from recovery_attacks import Known, groups_by, pinned, ranges, rate_inversion, subtract, true_totals

from catalog.contracts import Suppression
from products.cell_ranges import MarginGroups, highest, lowest
from products.suppression import SuppressionError, suppress


def _spec(margins: list[list[str]], **extra: object) -> Suppression:
    return Suppression.model_validate(
        {
            "threshold": 5,
            "counts": ["n"],
            "margins": [{"by": by, "known_from": "test"} for by in margins],
            **extra,
        }
    )


def _table(rows: list[dict[str, object]]) -> pa.Table:
    return pa.Table.from_pylist(rows)


def _attack(
    out: pa.Table, truth: list[int], margins: list[list[str]], lower: int
) -> dict[int, tuple[float, float]]:
    """What the attacker learns about each blank from the published table and true totals."""
    rows = out.to_pylist()
    known = [g for by in margins for g in true_totals(groups_by(rows, by), truth)]
    shown = out.column("n").to_pylist()
    assert not subtract(shown, known), "a lone blank was recovered by subtraction"
    return ranges(shown, known, lower=lower)


# --- 1. primary suppression ------------------------------------------------------------------


def test_counts_below_the_threshold_are_blank_and_zeros_stay() -> None:
    truth = [0, 1, 4, 5, 12]
    table = _table([{"g": "a", "n": n} for n in truth])
    out, report = suppress(table, _spec([]), product="p")
    assert out.column("n").to_pylist() == [0, None, None, 5, 12]
    assert report.primary == {"n": 2} and report.secondary == {"n": 0}


# --- 2. margin subtraction within a product --------------------------------------------------


def test_a_lone_blank_in_a_group_with_a_known_total_gets_a_partner() -> None:
    # Community A: 3 + 40 + 7 = 50, its total known. B: 2 + 1 + 30; its two small blanks
    # hold 3 together, so with each at least 1 neither could be 5: the 30 goes too.
    truth = [3, 40, 7, 2, 1, 30]
    table = _table([{"community": c, "n": n} for c, n in zip("AAABBB", truth, strict=True)])
    out, report = suppress(table, _spec([["community"]]), product="p")
    shown = out.column("n").to_pylist()
    assert shown[0] is None and shown[2] is None  # the smallest published one joined it
    assert shown[1] == 40 and shown[5] is None
    assert report.secondary == {"n": 2}
    found = _attack(out, truth, [["community"]], lower=1)
    assert not pinned(found)
    # The small cell could, for all the attacker knows, be as large as the threshold.
    assert found[0][1] >= 5 and found[3][1] >= 5 and found[4][1] >= 5


def test_two_small_blanks_that_sum_to_too_little_are_not_enough() -> None:
    # Group of 1 + 1 + 30: the two blanks together hold 2, so each is 1 for certain
    # (lower bound 1): a third cell must go.
    truth = [1, 1, 30]
    table = _table([{"g": "a", "n": n} for n in truth])
    out, _ = suppress(table, _spec([["g"]]), product="p")
    assert out.column("n").to_pylist() == [None, None, None]
    found = _attack(out, truth, [["g"]], lower=1)
    assert not pinned(found) and all(hi >= 5 for _, hi in found.values())


# --- 3. crossing margins -----------------------------------------------------------------------


def _two_way(cells: list[list[int]]) -> tuple[pa.Table, list[int]]:
    rows, truth = [], []
    for i, line in enumerate(cells):
        for j, n in enumerate(line):
            rows.append({"community": f"c{i}", "category": f"k{j}", "n": n})
            truth.append(n)
    return _table(rows), truth


def test_a_two_way_table_with_row_and_column_totals_keeps_every_blank_open() -> None:
    table, truth = _two_way([[2, 9, 14, 6], [8, 3, 11, 20], [15, 7, 6, 1], [9, 12, 30, 8]])
    margins = [["community"], ["category"]]
    out, report = suppress(table, _spec(margins, empty_cells_listed=True), product="p")
    assert report.primary == {"n": 3} and report.secondary["n"] >= 3
    found = _attack(out, truth, margins, lower=0)
    assert not pinned(found)
    for row, (_, hi) in found.items():
        if truth[row] < 5:
            assert hi >= 5, f"the attacker can tell cell {row} is small"


def test_blanks_cornered_by_crossing_margins_are_found() -> None:
    """Two blanks in one row group and no other blank in their column groups: each column's
    total gives its blank away, though the row group holds two blanks."""
    table, truth = _two_way([[2, 3, 40], [10, 11, 12]])
    published_without_secondaries = [None, None, 40, 10, 11, 12]
    rows = table.to_pylist()
    known = [
        g for by in (["community"], ["category"]) for g in true_totals(groups_by(rows, by), truth)
    ]
    assert set(subtract(published_without_secondaries, known)) == {0, 1}
    out, _ = suppress(table, _spec([["community"], ["category"]]), product="p")
    found = _attack(out, truth, [["community"], ["category"]], lower=1)
    assert not pinned(found)


# --- 4. derived columns ------------------------------------------------------------------------


def test_a_rate_is_blank_where_its_count_is() -> None:
    truth = [3, 12, 9]
    bases = [2000.0, 2000.0, 1000.0]
    table = _table(
        [
            {"g": "a", "n": n, "rate": round(n * 10_000 / b, 2), "base": b}
            for n, b in zip(truth, bases, strict=True)
        ]
    )
    spec = _spec([["g"]], derived=[{"column": "rate", "from": ["n"]}])
    out, report = suppress(table, spec, product="p")
    shown, rates = out.column("n").to_pylist(), out.column("rate").to_pylist()
    assert rate_inversion(shown, rates, bases) == {}
    assert [r is None for r in rates] == [s is None for s in shown]
    assert report.derived_blanked == {"rate": sum(1 for s in shown if s is None)}
    # Without blanking the rate, inversion gives the blank count back exactly.
    assert rate_inversion([None, 12, 9], table.column("rate").to_pylist(), bases) == {0: 3.0}


def test_a_margin_total_below_the_threshold_is_not_known_to_subtract_from() -> None:
    """A group holding 2 in all: its total is itself a small count (blank wherever it is
    published), so its lone blank needs no partner; a group of 14 does."""
    truth = [2, 0, 0, 1, 6, 7]
    table = _table([{"g": g, "n": n} for g, n in zip("aaabbb", truth, strict=True)])
    out, _ = suppress(table, _spec([["g"]], empty_cells_listed=True), product="p")
    assert out.column("n").to_pylist() == [None, 0, 0, None, None, 7]


# --- 5. when nothing protects --------------------------------------------------------------------


def test_a_group_of_ones_whose_total_is_known_cannot_be_protected_without_empty_cells() -> None:
    table = _table([{"g": "a", "n": 1} for _ in range(6)])
    with pytest.raises(SuppressionError, match="empty_cells_listed"):
        suppress(table, _spec([["g"]]), product="p")
    # Listing empty cells (a blank may then be 0) protects the same counts.
    with_zeros = _table([{"g": "a", "n": n} for n in [1, 1, 1, 1, 1, 1, 0, 0]])
    out, _ = suppress(with_zeros, _spec([["g"]], empty_cells_listed=True), product="p")
    found = _attack(out, [1, 1, 1, 1, 1, 1, 0, 0], [["g"]], lower=0)
    assert not pinned(found)


# --- 6. the build's exact ranges ---------------------------------------------------------------


@pytest.mark.parametrize("margins", [1, 2, 3])
def test_exact_ranges_equal_the_attackers_linear_program(margins: int) -> None:
    rng = random.Random(margins)
    by = [["a"], ["b"], ["c"]][:margins]
    spec = _spec(by, empty_cells_listed=True)
    for _ in range(40):
        size = rng.randint(4, 14)
        truth = [rng.choice([0, 1, 2, 3, 5, 8, 13]) for _ in range(size)]
        rows: list[dict[str, object]] = [
            {"a": rng.randrange(3), "b": rng.randrange(4), "c": rng.randrange(2), "n": n}
            for n in truth
        ]
        table = _table(rows)
        groups = MarginGroups.of(table, spec)
        blank = {r for r in range(len(rows)) if rng.random() < 0.5}
        shown = [None if r in blank else n for r, n in enumerate(truth)]
        known = [g for b in by for g in true_totals(groups_by(rows, b), truth)]
        expected = ranges(shown, known, lower=0)
        for cell in blank:
            got = (lowest(cell, truth, blank, groups, 0), highest(cell, truth, blank, groups, 0))
            assert got == pytest.approx(expected[cell]), (rows, truth, blank, cell)


def test_a_rounded_total_leaves_a_lone_blank_uncertain() -> None:
    """What rounding a published base buys: a range of totals, not one."""
    shown = [None, 40, 12]
    assert subtract(shown, [Known((0, 1, 2), 50, 149)]) == {}
    assert ranges(shown, [Known((0, 1, 2), 50, 149)], lower=1)[0] == (1, 97)
