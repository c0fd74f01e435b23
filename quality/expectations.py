"""Run a dataset contract's Great Expectations suite on its staged table.

GX 1.x validates pandas frames (its DuckDB SQL datasource fails on every
metric), and importing it costs seconds, so it is imported here, inside the
function, never on the command line's start path. Results report counts and
percentages only: GX's sample lists would copy values (tokens, dates) into
run metadata.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from catalog.contracts import DatasetContract


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    observed: str


@dataclass
class SuiteOutcome:
    dataset: str
    success: bool
    rows: int
    outcomes: list[ExpectationOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]


def _class_name(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def expectation_columns(contract: DatasetContract) -> set[str]:
    """The staged columns the suite reads (only these are loaded into pandas)."""
    cols: set[str] = set()
    for exp in contract.expectations:
        if "column" in exp.kwargs:
            cols.add(str(exp.kwargs["column"]))
        column_list = exp.kwargs.get("column_list")
        if isinstance(column_list, list):
            cols.update(str(name) for name in column_list)
    return cols


def validate_frame(contract: DatasetContract, frame: pd.DataFrame) -> SuiteOutcome:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(f"staged_{contract.name}")
    asset = source.add_dataframe_asset(name=contract.name)
    batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
        batch_parameters={"dataframe": frame}
    )
    suite = gx.ExpectationSuite(name=f"check_staged_{contract.name}")
    for exp in contract.expectations:
        cls: Any = getattr(gx.expectations, _class_name(exp.expectation), None)
        if cls is None:
            raise ValueError(f"dataset {contract.name}: unknown expectation {exp.expectation!r}")
        suite.add_expectation(cls(**exp.kwargs))
    result = batch.validate(suite)
    outcome = SuiteOutcome(contract.name, bool(result.success), len(frame))
    for item in result.results:
        config = item.expectation_config
        assert config is not None
        details = item.result or {}
        if "unexpected_count" in details:
            observed = (
                f"{details['unexpected_count']} unexpected "
                f"({details.get('unexpected_percent') or 0:.2f}%)"
            )
        else:
            observed = str(details.get("observed_value", ""))
        outcome.outcomes.append(
            ExpectationOutcome(
                expectation=config.type,
                column=config.kwargs.get("column"),
                success=bool(item.success),
                observed=observed,
            )
        )
    return outcome
