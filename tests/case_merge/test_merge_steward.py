"""A steward's split and forced merge: only the dataset's steward, audited either way,
applied at once and at every later merge run. Allowed and denied in pairs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from merge_fixtures import MergeLake, record

from case_merge.explain import UnknownCase, explain_case
from case_merge.steward import UnknownRecord, merge_records, split_record
from encryption.master_key import MASTER_KEY_ENV, create_key_file
from home.layout import DEFAULT_CONFIG_DIR, Home
from pipelines.hub import Hub
from pipelines.steps import merge_step
from policies.steward_actions import StewardActionRefused


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hub]:
    for var in (MASTER_KEY_ENV, "SHUZHI_LAKE_CATALOG", "SHUZHI_LAKE_DATA_PATH"):
        monkeypatch.delenv(var, raising=False)
    home = Home(tmp_path / "home").ensure()
    create_key_file(home.keys / "master.key")
    hub = Hub(home, DEFAULT_CONFIG_DIR)
    with hub.lake() as con:
        MergeLake(con, hub.keystore).protected(
            [
                record("hl_cases", "A"),
                record("wx_cases", "B", hours=2, place=None),
                record("gd_cases", "C", hours=50, phone=None, place="翠竹苑3栋"),
            ]
        )
    merge_step(hub, "cases")
    yield hub


def _events(hub: Hub) -> list[dict]:
    lines = (hub.home.audit / "audit.log").read_text(encoding="utf-8").splitlines()
    return [e for e in map(json.loads, lines) if e["kind"] == "steward_action"]


def _case_of(hub: Hub, record_id: str) -> list[str]:
    with hub.lake() as con:
        found = explain_case(con, hub.catalog.datasets["cases"], record_id)
    return [str(r["record_id"]) for r in found.records]


def test_the_steward_splits_a_record_out_and_it_stays_out(hub: Hub) -> None:
    assert _case_of(hub, "wx_cases:B") == ["hl_cases:A", "wx_cases:B"]
    override, result = split_record(hub, "cases", "wx_cases:B", "steward_district", "不是同一事项")
    assert override.override_id == "mo-0001" and result.merged_cases == 0
    assert _case_of(hub, "wx_cases:B") == ["wx_cases:B"]
    merge_step(hub, "cases")  # every later run applies it
    assert _case_of(hub, "hl_cases:A") == ["hl_cases:A"]
    [event] = _events(hub)
    assert event["actor"] == "steward_district"
    assert event["details"]["outcome"] == "allowed"
    assert event["details"]["records"] == ["wx_cases:B"]
    assert event["details"]["action"] == "split_case_records"


def test_anyone_else_is_refused_a_split_and_the_refusal_is_audited(hub: Hub) -> None:
    with pytest.raises(StewardActionRefused, match="only a data steward"):
        split_record(hub, "cases", "wx_cases:B", "street_donghu", "不是同一事项")
    assert _case_of(hub, "wx_cases:B") == ["hl_cases:A", "wx_cases:B"]  # nothing changed
    [event] = _events(hub)
    assert (event["actor"], event["details"]["outcome"]) == ("street_donghu", "refused")


def test_the_steward_forces_two_records_into_one_case(hub: Hub) -> None:
    override, _ = merge_records(
        hub, "cases", "gd_cases:C", "hl_cases:A", "steward_district", "核实为同一事项"
    )
    assert _case_of(hub, "gd_cases:C") == ["hl_cases:A", "wx_cases:B", "gd_cases:C"]
    with hub.lake() as con:
        found = explain_case(con, hub.catalog.datasets["cases"], "gd_cases:C")
    assert {link["rule"] for link in found.links} == {"same_reporter", "steward"}
    assert [o.override_id for o in found.overrides] == [override.override_id]
    assert _events(hub)[-1]["details"]["action"] == "merge_case_records"


def test_anyone_else_is_refused_a_forced_merge_and_the_refusal_is_audited(hub: Hub) -> None:
    with pytest.raises(StewardActionRefused, match="unknown principal"):
        merge_records(hub, "cases", "gd_cases:C", "hl_cases:A", "steward_nobody", "同一事项")
    assert _case_of(hub, "gd_cases:C") == ["gd_cases:C"]
    assert _events(hub)[-1]["details"]["outcome"] == "refused"


def test_the_reason_is_kept_without_personal_data(hub: Hub) -> None:
    override, _ = split_record(
        hub, "cases", "wx_cases:B", "steward_district", "电话13912345678不是同一人"
    )
    assert "13912345678" not in override.reason and "[CN_MOBILE]" in override.reason
    assert "13912345678" not in (hub.home.audit / "audit.log").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("call", "problem"),
    [
        (
            lambda h: split_record(h, "cases", "wx_cases:NOPE", "steward_district", "x"),
            UnknownRecord,
        ),
        (lambda h: split_record(h, "cases", "wx_cases:B", "steward_district", "  "), ValueError),
        (
            lambda h: merge_records(
                h, "cases", "hl_cases:A", "hl_cases:A", "steward_district", "x"
            ),
            ValueError,
        ),
        (lambda h: split_record(h, "population", "x:1", "steward_district", "x"), ValueError),
    ],
)
def test_bad_requests_change_nothing(
    hub: Hub, call: Callable[[Hub], object], problem: type[Exception]
) -> None:
    with pytest.raises(problem):
        call(hub)
    with hub.lake() as con:
        count = con.execute("SELECT count(*) FROM lake.meta.merge_overrides").fetchone()
    assert count == (0,)


def test_explaining_an_unknown_case_says_so(hub: Hub) -> None:
    with hub.lake() as con, pytest.raises(UnknownCase, match="no case or record 'C-0000'"):
        explain_case(con, hub.catalog.datasets["cases"], "C-0000")
