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
    gx = _quiet()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(f"staged_{contract.name}")
    asset = source.add_dataframe_asset(name=contract.name)
    batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
        batch_parameters={"dataframe": frame}
    )
    suite = build_suite(suite_name(contract), items)
    result = batch.validate(suite, result_format=RESULT_FORMAT)
    communities = frame["community_code"].tolist() if "community_code" in frame.columns else None
    outcome = SuiteOutcome(contract.name, bool(result.success), len(frame))
    if communities is not None:
        outcome.community_rows = dict(Counter(str(c) for c in communities if c is not None))
    # Matched by the rule each expectation's meta names, whatever order GX reports in.
    reported: dict[tuple[str, str], list[Any]] = {}
    for item in result.results:
        config = item.expectation_config
        assert config is not None
        reported.setdefault((str(config.meta["rule"]), config.type), []).append(item)
    for it in items:
        item = reported[(it.rule, it.expectation)].pop(0)
        details = item.result or {}
        rows = int(details.get("element_count", len(frame)))
        failing = int(details.get("unexpected_count") or 0)
        positions = details.get("unexpected_index_list") or []
        by_community: Counter[str] = Counter()
        if communities is not None:
            for pos in positions:
                index = pos if isinstance(pos, int) else None
                if index is not None and communities[index] is not None:
                    by_community[str(communities[index])] += 1
        if item.exception_info and item.exception_info.get("raised_exception"):
            # GX's message may quote values: only that the rule could not be evaluated.
            observed = "could not be evaluated"
            rows, failing = len(frame), 0
        elif "unexpected_count" in details:
            share = failing / rows if rows else 0.0
            observed = f"{failing} of {rows} rows failing ({share:.2%})"
        else:
            observed = f"observed {details.get('observed_value', '')}"
            rows, failing = len(frame), 0  # a table-level rule: no row fails it
        outcome.outcomes.append(
            ExpectationOutcome(
                rule=it.rule,
                expectation=it.expectation,
                column=it.column,
                on_fail=it.on_fail,
                success=bool(item.success),
                rows_checked=rows,
                failing_rows=failing,
                observed=observed,
                title=it.title,
                by_community=dict(by_community),
            )
        )
    return outcome
