"""Acceptance: a steward changes a contract's quality rule (in a copied configuration
folder) and the suite, the Dagster check and the quarantine reason follow, with no code
change; the check's step line and metadata name the failing rule and no personal data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from quality_hub import edit_rule, load_population, make_hub, resident

from pipelines.definitions import build_definitions
from pipelines.hub import Hub
from quality.rule_suite import suite_items


def _run_check(hub: Hub) -> Any:
    """Run the staging step of population and its checks through Dagster: the suite's evaluation."""
    import dagster as dg

    defs = build_definitions(hub.config)
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        # One staging step writes the staged table and its quarantine together.
        asset_selection=[dg.AssetKey("staged_population"), dg.AssetKey("quarantine_population")],
        run_config={
            "resources": {
                "hub": {"config": {"home": str(hub.home.root), "config_dir": str(hub.config)}}
            }
        },
        raise_on_error=False,
    )
    evaluations: list[Any] = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ]
    evaluation = next(e for e in evaluations if e.asset_check_key.name == "check_staged_population")
    return evaluation


def _born_rule(hub: Hub) -> dict[str, Any]:
    contract = hub.catalog.datasets["population"]
    item = next(
        i for i in suite_items(contract, hub.catalog.district) if i.rule == "birth_date_range"
    )
    return {"on_fail": item.on_fail, **item.kwargs}


def _quarantine_reasons(hub: Hub) -> list[str]:
    with hub.lake() as con:
        return [
            r for (r,) in con.execute("SELECT reason FROM lake.quarantine.population").fetchall()
        ]


def _no_personal_data(hub: Hub, evaluation: Any, people: list[tuple]) -> None:
    ids = [p[2] for p in people]
    with hub.lake() as con:
        stored = str(con.execute("SELECT * FROM lake.meta.quality_results").fetchall())
        tokens = [
            t
            for (t,) in con.execute("SELECT id_number_token FROM lake.staged.population").fetchall()
        ]
    shown = str(evaluation.metadata) + str(evaluation.description)
    for secret in [*ids, *tokens, "测试", "13912345678"]:
        assert secret not in stored and secret not in shown


def test_changing_a_rule_changes_suite_check_and_quarantine_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = make_hub(tmp_path, monkeypatch)
    people = [resident(i) for i in range(1, 11)] + [resident(30, born=dt.date(1950, 3, 1))]
    load_population(hub, people)

    # 1. As shipped: born on or after 1900, quarantine; nobody breaks it.
    assert _born_rule(hub)["min_value"] == dt.datetime(1900, 1, 1)
    evaluation = _run_check(hub)
    assert evaluation.passed
    assert evaluation.metadata["failed_rules"].value == "none"
    assert not _quarantine_reasons(hub)

    # 2. The steward tightens it to 1955 and makes it blocking: the staged 1950 row fails it.
    edit_rule(
        hub.config, "population", "birth_date_range", min=dt.date(1955, 1, 1), on_fail="block"
    )
    hub = Hub(hub.home, hub.config)
    assert _born_rule(hub) == {
        "on_fail": "block",
        "column": "birth_date",
        "min_value": dt.datetime(1955, 1, 1),
    }
    evaluation = _run_check(hub)
    assert not evaluation.passed
    assert evaluation.metadata["failed_rules"].value == "birth_date_range"
    assert evaluation.metadata["rule birth_date_range"].value.startswith("FAIL (block): 1 of 11")
    _no_personal_data(hub, evaluation, people)

    # 3. As a quarantine rule: a full sync holds the row back with the rule in its reason,
    # and the check passes on what flowed on.
    edit_rule(hub.config, "population", "birth_date_range", on_fail="quarantine")
    hub = Hub(hub.home, hub.config)
    from pipelines import steps

    steps.sync_dataset(hub, "population", full=True)
    steps.stage_dataset(hub, "population", today=dt.date(2026, 11, 30))
    assert _quarantine_reasons(hub) == ["rule birth_date_range: below the minimum 1955-01-01"]
    evaluation = _run_check(hub)
    assert evaluation.passed
    assert evaluation.metadata["rule birth_date_range"].value.startswith(
        "pass (quarantine): 1 of 11"
    )
    _no_personal_data(hub, evaluation, people)
