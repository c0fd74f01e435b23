"""A reference rule compares join tokens with another dataset's protected layer: an
assistance record whose resident is in the registry passes, one who is not fails, and as a
``warn`` rule the check reports it without stopping the data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from quality_hub import TODAY, drop_assistance_roll, load_population, make_hub, resident

from pipelines import steps
from pipelines.checks import suite_result


def test_resident_in_registry_passes_then_fails_as_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = make_hub(tmp_path, monkeypatch)
    registered = [resident(i, born=dt.date(1940, 1, i)) for i in range(1, 6)]
    load_population(hub, registered)
    steps.protect_dataset(hub, "population")

    drop_assistance_roll(hub, "roll-1.xlsx", registered[:3])
    steps.sync_dataset(hub, "assistance")
    steps.stage_dataset(hub, "assistance", today=TODAY)
    passed = steps.validate_staged(hub, "assistance")
    rule = next(o for o in passed.outcomes if o.rule == "resident_in_registry")
    assert rule.success and rule.rows_checked == 3 and rule.failing_rows == 0

    outsider = resident(40, born=dt.date(1941, 2, 2))  # valid ID, not in the registry
    drop_assistance_roll(hub, "roll-2.xlsx", [outsider])
    steps.sync_dataset(hub, "assistance")
    steps.stage_dataset(hub, "assistance", today=TODAY)
    failed = steps.validate_staged(hub, "assistance")
    rule = next(o for o in failed.outcomes if o.rule == "resident_in_registry")
    assert not rule.success and (rule.rows_checked, rule.failing_rows) == (4, 1)
    assert failed.blocking_failures == []  # warn: data flows on

    result = suite_result(failed)
    assert not result.passed and result.severity.value == "WARN"
    assert result.metadata["failed_rules"].value == "resident_in_registry"
    assert outsider[2] not in str(result.metadata)
