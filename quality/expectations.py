"""Run a dataset contract's Great Expectations suite on its staged table.

GX 1.x validates pandas frames (its DuckDB SQL datasource fails on every
metric), and importing it costs seconds, so it is imported here, inside the
functions, never on the command line's start path. Results report counts only:
GX is asked for no samples (``partial_unexpected_count: 0``) and the row
positions it returns are turned into per-community counts and dropped, so no
value (token, date, code) reaches run metadata, the lakehouse or Data Docs.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from catalog.contracts import DatasetContract
from quality.rule_suite import SuiteItem

# Counts and row positions, never values (the positions never leave this module).
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "partial_unexpected_count": 0,
    "include_unexpected_rows": False,
    "return_unique_unexpected": False,
}
# What Data Docs keep: counts, no samples.
DOCS_RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 0}


@dataclass(frozen=True)
class ExpectationOutcome:
    rule: str
    expectation: str
    column: str | None
    on_fail: str
    success: bool
    rows_checked: int
    failing_rows: int
    observed: str
    title: str = ""
    # failing rows per community code (datasets with a community column)
    by_community: dict[str, int] = field(default_factory=dict)

    @property
    def failing_share(self) -> float:
        return self.failing_rows / self.rows_checked if self.rows_checked else 0.0


@dataclass
class SuiteOutcome:
    dataset: str
    success: bool
    rows: int
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    # rows per community code in the staged table
    community_rows: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        """Failed rules that must stop the data (``block``; staged rows breaking a
        quarantine rule mean staging let them through, which blocks too)."""
        return [o for o in self.failed if o.on_fail != "warn"]


def _class_name(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def _quiet() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    return gx


def build_suite(name: str, items: list[SuiteItem]) -> Any:
    """The GX suite; each expectation's ``meta`` names its rule, so Data Docs do too."""
    gx = _quiet()
    suite = gx.ExpectationSuite(name=name)
    for it in items:
        cls: Any = getattr(gx.expectations, _class_name(it.expectation), None)
        if cls is None:
            raise ValueError(f"suite {name}: unknown expectation {it.expectation!r}")
        meta = {"rule": it.rule, "on_fail": it.on_fail, **({"title": it.title} if it.title else {})}
        # Notes are what Data Docs show beside the expectation: the rule, for stewards.
        notes = f"规则 {it.rule}（{it.on_fail}）" + (f"：{it.title}" if it.title else "")
        suite.add_expectation(cls(**it.kwargs, meta=meta, notes=notes))
    return suite


def suite_name(contract: DatasetContract) -> str:
    return f"check_staged_{contract.name}"


def validate_frame(contract: DatasetContract, frame: Any, items: list[SuiteItem]) -> SuiteOutcome:
    """The suite on one frame (the whole staged table)."""
    return validate_frames(contract, len(frame), iter([frame]), items)


ROW_COUNT_EXPECTATIONS = frozenset(
    {"expect_table_row_count_to_be_between", "expect_table_row_count_to_equal"}
)


def is_table_level(item: SuiteItem) -> bool:
    """An expectation on the table's row count, not on its rows' values."""
    return item.expectation in ROW_COUNT_EXPECTATIONS


def chunkable(items: list[SuiteItem]) -> bool:
    """Whether the suite can run a chunk at a time: every expectation judges rows one by
    one (map expectations, summed over chunks) or counts them. A column aggregate (a mean,
    a set of columns) needs the whole table in one frame."""
    gx = _quiet()
    from great_expectations.expectations.expectation import (
        ColumnMapExpectation,
        ColumnPairMapExpectation,
        MulticolumnMapExpectation,
    )

    per_row = (ColumnMapExpectation, ColumnPairMapExpectation, MulticolumnMapExpectation)
    for it in items:
        cls = getattr(gx.expectations, _class_name(it.expectation), None)
        if not is_table_level(it) and not (isinstance(cls, type) and issubclass(cls, per_row)):
            return False
    return True


@dataclass
class _Tally:
    """One expectation's results summed over the chunks."""

    rows: int = 0
    missing: int = 0
    failing: int = 0
    raised: bool = False
    row_level: bool = True
    success: bool = True
    observed: str = ""
    by_community: Counter[str] = field(default_factory=Counter)

    def add(self, item: Any, frame_rows: int, communities: list[Any] | None) -> None:
        details = item.result or {}
        if item.exception_info and item.exception_info.get("raised_exception"):
            self.raised = True
            return
        if "unexpected_count" not in details:
            self.row_level = False
            self.success = bool(item.success)
            self.observed = f"observed {details.get('observed_value', '')}"
            return
        self.rows += int(details.get("element_count", frame_rows))
        self.missing += int(details.get("missing_count") or 0)
        self.failing += int(details.get("unexpected_count") or 0)
        if communities is not None:
            for pos in details.get("unexpected_index_list") or []:
                if isinstance(pos, int) and communities[pos] is not None:
                    self.by_community[str(communities[pos])] += 1

    def passed(self, mostly: float | None) -> bool:
        """GX's verdict on the summed counts: no failing row, or at least ``mostly`` of
        the rows that have a value pass."""
        if not self.row_level:
            return self.success
        if mostly is None:
            return self.failing == 0
        judged = self.rows - self.missing
        return judged == 0 or (judged - self.failing) / judged >= mostly


def validate_frames(
    contract: DatasetContract, rows: int, frames: Iterator[Any], items: list[SuiteItem]
) -> SuiteOutcome:
    """The suite on a table of ``rows`` rows given as frames (chunks). Row rules are run
    on each frame and their counts summed; table rules (the row count) once, on a frame of
    ``rows`` rows and no columns."""
    import pandas as pd

    gx = _quiet()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(f"staged_{contract.name}")
    asset = source.add_dataframe_asset(name=contract.name)
    definition = asset.add_batch_definition_whole_dataframe("whole")
    row_items = [it for it in items if not is_table_level(it)]
    table_items = [it for it in items if is_table_level(it)]
    tallies = {id(it): _Tally() for it in items}  # by item: two may share rule and kind
    outcome = SuiteOutcome(contract.name, True, rows)
    community_rows: Counter[str] = Counter()

    def run(part: list[SuiteItem], frame: Any, communities: list[Any] | None) -> None:
        if not part:
            return
        suite = build_suite(suite_name(contract), part)
        batch = definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format=RESULT_FORMAT)
        # Matched by the rule each expectation's meta names, whatever order GX reports in.
        reported: dict[tuple[str, str], list[Any]] = {}
        for item in result.results:
            config = item.expectation_config
            assert config is not None
            reported.setdefault((str(config.meta["rule"]), config.type), []).append(item)
        for it in part:
            tallies[id(it)].add(reported[(it.rule, it.expectation)].pop(0), len(frame), communities)

    for frame in frames:
        communities = (
            frame["community_code"].tolist() if "community_code" in frame.columns else None
        )
        if communities is not None:
            community_rows.update(str(c) for c in communities if c is not None)
        run(row_items, frame, communities)
    run(table_items, pd.DataFrame(index=pd.RangeIndex(rows)), None)
    if community_rows:
        outcome.community_rows = dict(community_rows)
    for it in items:
        tally = tallies[id(it)]
        if tally.raised:
            # GX's message may quote values: only that the rule could not be evaluated.
            checked, failing, observed, success = rows, 0, "could not be evaluated", False
        elif tally.row_level:
            checked, failing = tally.rows, tally.failing
            share = failing / checked if checked else 0.0
            observed = f"{failing} of {checked} rows failing ({share:.2%})"
            mostly = it.kwargs.get("mostly")
            success = tally.passed(float(mostly) if mostly is not None else None)
        else:
            checked, failing, observed, success = rows, 0, tally.observed, tally.success
        outcome.success = outcome.success and success
        outcome.outcomes.append(
            ExpectationOutcome(
                rule=it.rule,
                expectation=it.expectation,
                column=it.column,
                on_fail=it.on_fail,
                success=success,
                rows_checked=checked,
                failing_rows=failing,
                observed=observed,
                title=it.title,
                by_community=dict(tally.by_community),
            )
        )
    return outcome
