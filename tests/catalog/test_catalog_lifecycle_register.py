"""The life cycle register of a dataset, read from audit events: each kind of event counts
in its stage, events about other datasets do not, and retirement is the steward's."""

from __future__ import annotations

from typing import Any

import pytest

from audit.events import AuditEvent, seal
from catalog.lifecycle import RETIRE_ACTION, STAGES, lifecycle
from catalog.registry import Catalog, load_catalog
from home.layout import DEFAULT_CONFIG_DIR


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(DEFAULT_CONFIG_DIR)


def _events(*entries: tuple[str, str, dict[str, Any]]) -> list[AuditEvent]:
    return [
        seal(
            seq=i,
            at=f"2026-12-0{1 + i}T08:00:00.000Z",
            kind=kind,
            actor=actor,
            details=details,
            prev_hash="0" * 64,
        )
        for i, (kind, actor, details) in enumerate(entries)
    ]


def test_each_kind_of_event_about_the_dataset_counts_in_its_stage(catalog: Catalog) -> None:
    register = lifecycle(
        catalog,
        "assistance",
        _events(
            ("sync", "shuzhi-pipeline", {"dataset": "assistance", "source": "ca_assistance"}),
            ("product_build", "shuzhi-pipeline", {"product": "proactive_elderly_alone",
                                                  "inputs": ["population", "assistance"]}),
            ("query", "street_donghu", {"products": ["proactive_elderly_alone"]}),
            ("reveal", "dept_civil_affairs", {"dataset": "assistance", "outcome": "revealed"}),
            ("retention", "shuzhi-pipeline:retention", {"rows_by_table": {"assistance.raw": 3}}),
            ("assessment", "operator:root", {"departments": ["civil_affairs"]}),
        ),
    )  # fmt: skip
    stages = {s.name: s for s in register.stages}
    assert [s.name for s in register.stages] == list(STAGES)
    assert stages["registered"].first == "2026-12-01T08:00:00.000Z"
    assert stages["registered"].actors == {"civil_affairs", "steward_district"}
    assert stages["collected"].events == 1
    assert stages["shared"].events == 1
    assert stages["used"].events == 2 and stages["used"].actors == {
        "street_donghu",
        "dept_civil_affairs",
    }
    assert stages["used"].first == "2026-12-03T08:00:00.000Z"
    assert stages["used"].last == "2026-12-04T08:00:00.000Z"
    assert stages["supervised"].events == 1
    assert stages["assessed"].events == 1
    assert not register.retired


def test_events_about_other_datasets_do_not_count(catalog: Catalog) -> None:
    register = lifecycle(
        catalog,
        "assistance",
        _events(
            ("sync", "shuzhi-pipeline", {"dataset": "population"}),
            ("query", "street_donghu", {"products": ["street_case_stats"]}),
            ("key_shred", "operator:root", {"dataset": "visits"}),
            ("assessment", "operator:root", {"departments": ["public_security"]}),
            # A free-text reason naming the dataset does not make the event about it.
            ("steward_action", "steward_district", {"contract": "visits",
                                                    "reason": "assistance 对照"}),
        ),
    )  # fmt: skip
    assert all(s.events == 0 for s in register.stages)
    assert register.stage("registered").first is None


def test_an_allowed_retirement_or_a_shred_retires_a_refused_one_does_not(
    catalog: Catalog,
) -> None:
    refused = {"action": RETIRE_ACTION, "contract": "assistance", "outcome": "refused"}
    allowed = {**refused, "outcome": "allowed"}
    register = lifecycle(
        catalog, "assistance", _events(("steward_action", "street_donghu", refused))
    )
    assert not register.retired and register.stage("supervised").events == 1
    register = lifecycle(
        catalog, "assistance", _events(("steward_action", "steward_district", allowed))
    )
    assert register.retired and register.stage("retired").actors == {"steward_district"}
    shredded = lifecycle(
        catalog, "assistance", _events(("key_shred", "operator:root", {"dataset": "assistance"}))
    )
    assert shredded.retired


def test_an_unknown_dataset_is_named(catalog: Catalog) -> None:
    with pytest.raises(ValueError, match="no dataset 'pets'"):
        lifecycle(catalog, "pets", [])
