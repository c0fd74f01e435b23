"""The census: every text column classified, recorded for the catalogue, checked against the contract."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "quality"))
from staging_fixtures import StagingHub, case, staging_hub

from catalog.contracts import DatasetContract
from protection.pii_census import UndeclaredPersonalData, take_census


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StagingHub]:
    with staging_hub(tmp_path / "home", monkeypatch) as opened:
        yield opened


def _phone(n: int) -> str:
    return f"139{n:08d}"


def _with_review(
    contract: DatasetContract, column: str, reviewed: dict[str, str]
) -> DatasetContract:
    columns = [
        spec.model_copy(update={"reviewed": reviewed}) if spec.name == column else spec
        for spec in contract.columns
    ]
    return contract.model_copy(update={"columns": columns})


def test_sealed_and_clear_columns_are_classified_and_recorded(hub: StagingHub) -> None:
    rows = [
        case(n, 联系电话=_phone(n), 诉求内容=f"楼道灯坏了，电话{_phone(n)}") for n in range(1, 41)
    ]
    hub.drop_file("a.csv", rows)
    hub.stage(hub.land())
    census = take_census(hub.con, hub.catalog.datasets["cases"], hub.keystore)
    found = {item.spec.name: item.classification.entity for item in census}
    assert found["reporter_phone"] == "CN_MOBILE"  # opened from its seal, in memory only
    assert found["description"] == "CN_MOBILE"
    assert found["case_no"] is None and found["category"] is None
    recorded = dict(
        hub.rows("SELECT column_name, entity FROM lake.meta.pii_columns WHERE dataset = 'cases'")
    )
    assert recorded == found
    # The record holds classifications only, never a value.
    dump = str(hub.rows("SELECT * FROM lake.meta.pii_columns"))
    assert _phone(1) not in dump


def test_a_clear_column_holding_phones_stops_the_stage_and_names_it(hub: StagingHub) -> None:
    rows = [case(n, 受理渠道=f"回访{_phone(n)}") for n in range(1, 41)]
    hub.drop_file("a.csv", rows)
    hub.stage(hub.land())
    with pytest.raises(UndeclaredPersonalData) as caught:
        take_census(hub.con, hub.catalog.datasets["cases"], hub.keystore)
    message = str(caught.value)
    assert "dataset cases, column channel: CN_MOBILE found in 40 of 40" in message
    assert "config/datasets/cases.yaml" in message
    assert _phone(1) not in message


def test_a_stray_match_in_a_clear_column_is_not_a_leak(hub: StagingHub) -> None:
    rows = [case(n) for n in range(1, 101)]
    rows[0] = case(1, 受理渠道=f"回访{_phone(1)}")
    hub.drop_file("a.csv", rows)
    hub.stage(hub.land())
    census = take_census(hub.con, hub.catalog.datasets["cases"], hub.keystore)
    channel = next(item for item in census if item.spec.name == "channel")
    assert channel.classification.entity is None
    assert channel.classification.entities["CN_MOBILE"] < 0.3


def test_a_reviewed_entity_with_a_reason_may_stay_clear(hub: StagingHub) -> None:
    rows = [case(n, 受理渠道=f"回访{_phone(n)}") for n in range(1, 41)]
    hub.drop_file("a.csv", rows)
    hub.stage(hub.land())
    contract = _with_review(
        hub.catalog.datasets["cases"], "channel", {"CN_MOBILE": "热线回访号码，公开服务号"}
    )
    census = take_census(hub.con, contract, hub.keystore)
    channel = next(item for item in census if item.spec.name == "channel")
    assert channel.classification.entity == "CN_MOBILE" and channel.undeclared is None


def test_a_review_needs_a_known_entity_and_a_reason() -> None:
    from catalog.contracts import ColumnSpec

    with pytest.raises(ValueError, match="not one of"):
        ColumnSpec(name="x", reviewed={"PHONE": "why"})
    with pytest.raises(ValueError, match="needs a reason"):
        ColumnSpec(name="x", reviewed={"ADDRESS": " "})
