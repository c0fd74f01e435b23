from __future__ import annotations

import io
import random

from demo.dirt import DirtClass, DirtKind, DirtLedger, DirtPlan

A = DirtKind("a", DirtClass.FIXABLE, "x", 0.02, "")
B = DirtKind("b", DirtClass.UNFIXABLE, "y", 0.01, "")
DUP = DirtKind("duplicate", DirtClass.DUPLICATE, "z", 0.03, "")


def _counts(plan: DirtPlan, rows: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in range(rows):
        kind = plan.kind_at(row)
        if kind is not None:
            counts[kind.name] = counts.get(kind.name, 0) + 1
    return counts


def test_plan_has_exact_counts_by_rate() -> None:
    plan = DirtPlan.draw(random.Random(1), 10_000, (A, B, DUP))
    assert _counts(plan, 10_000) == {"a": 200, "b": 100, "duplicate": 300}
    assert len(plan) == 600


def test_plan_gives_every_kind_at_least_one_row() -> None:
    plan = DirtPlan.draw(random.Random(1), 60, (A, B, DUP))
    assert _counts(plan, 60) == {"a": 1, "b": 1, "duplicate": 2}


def test_tiny_sources_stay_mostly_clean() -> None:
    kinds = [DirtKind(f"k{i}", DirtClass.FIXABLE, "x", 0.1, "") for i in range(20)]
    plan = DirtPlan.draw(random.Random(1), 30, kinds)
    assert len(plan) <= 15


def test_earliest_keeps_a_kind_off_the_first_rows() -> None:
    plan = DirtPlan.draw(random.Random(2), 1_000, (A, DUP), earliest={"duplicate": 600})
    rows = [row for row in range(1_000) if plan.kind_at(row) is DUP]
    assert len(rows) == 30 and min(rows) >= 600


def test_plan_is_deterministic_for_a_seed() -> None:
    first = DirtPlan.draw(random.Random(5), 5_000, (A, B, DUP))
    second = DirtPlan.draw(random.Random(5), 5_000, (A, B, DUP))
    assert [first.kind_at(r) for r in range(5_000)] == [second.kind_at(r) for r in range(5_000)]


def test_ledger_counts_declared_kinds_including_zero() -> None:
    out = io.StringIO()
    ledger = DirtLedger(out)
    ledger.declare("s", (A, B, DUP))
    ledger.record("s", "f.csv", 3, "k3", A)
    ledger.record("s", "f.csv", 9, "k9", DUP)
    assert ledger.counts("s", DirtClass.FIXABLE) == {"a": 1}
    assert ledger.counts("s", DirtClass.UNFIXABLE) == {"b": 0}
    assert ledger.counts("s", DirtClass.DUPLICATE) == {"duplicate": 1}
    lines = out.getvalue().splitlines()
    assert lines[0] == "source,file,row,key,kind,class,column"
    assert lines[1:] == ["s,f.csv,3,k3,a,fixable,x", "s,f.csv,9,k9,duplicate,duplicate,z"]
