"""A channel's mapping is checked against its dataset's contract when the catalogue loads,
with an error that names the file and the key and says the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from catalog_fixtures import copy_config, edit

from catalog.errors import ConfigError
from catalog.registry import load_catalog
from catalog.source_mapping import SourceMapping, channel_fields
from home.layout import DEFAULT_CONFIG_DIR

HOTLINE = "departments/hotline_12345.yaml"


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    return copy_config(tmp_path)


def _source(data: dict, name: str) -> dict:
    return next(s for s in data["sources"] if s["name"] == name)


def _index(config: Path, name: str) -> int:
    import yaml

    data = yaml.safe_load((config / HOTLINE).read_text(encoding="utf-8"))
    return next(i for i, s in enumerate(data["sources"]) if s["name"] == name)


def _fails(config: Path, *expected: str) -> str:
    with pytest.raises(ConfigError) as err:
        load_catalog(config)
    message = str(err.value)
    for part in expected:
        assert part in message, message
    return message


def test_sources_for_lists_every_channel_and_source_for_refuses_a_multi_source_dataset() -> None:
    catalog = load_catalog(DEFAULT_CONFIG_DIR)
    assert [s.name for s in catalog.sources_for("cases")] == [
        "hl_cases", "mb_cases", "wx_cases", "gd_cases", "wb_cases",
    ]  # fmt: skip
    assert catalog.source_for("population").name == "ps_population"  # single: as before
    with pytest.raises(ValueError, match=r"cases has 5 sources .* use sources_for"):
        catalog.source_for("cases")
    with pytest.raises(KeyError):
        catalog.sources_for("ghosts")
    assert catalog.raw_asset_name("ps_population") == "raw_population"
    assert catalog.raw_asset_name("wx_cases") == "raw_wx_cases"


def test_a_mapping_names_only_contract_columns(config_copy: Path) -> None:
    path = config_copy / HOTLINE
    edit(path, lambda d: _source(d, "wx_cases")["mapping"]["fields"].update({"colour": "c"}))
    index = _index(config_copy, "wx_cases")
    _fails(config_copy, str(path), f"sources.{index}.mapping.fields.colour", "has no column")


def test_a_required_column_cannot_be_absent(config_copy: Path) -> None:
    path = config_copy / HOTLINE
    edit(path, lambda d: _source(d, "mb_cases")["mapping"]["absent"].append("received_at"))
    _fails(config_copy, str(path), "mapping: ", "received_at")


def test_a_column_comes_from_one_place(config_copy: Path) -> None:
    path = config_copy / HOTLINE
    edit(path, lambda d: _source(d, "mb_cases")["mapping"]["constants"].update({"urgency": "一般"}))
    _fails(config_copy, str(path), "'urgency' is in both constants and absent")


def test_a_code_table_must_map_onto_the_category_tree(config_copy: Path) -> None:
    table = config_copy / "case_codes" / "wechat_categories.yaml"
    edit(table, lambda d: d["codes"].update({"120": "夜市管理"}))
    _fails(config_copy, "values.category (code '120')", "'夜市管理' is not a category of")


def test_a_missing_code_table_names_its_file(config_copy: Path) -> None:
    (config_copy / "case_codes" / "grid_event_types.yaml").unlink()
    _fails(config_copy, "values.category.table", "grid_event_types.yaml: file not found")


def test_inline_codes_must_be_values_of_an_enum_column(config_copy: Path) -> None:
    path = config_copy / HOTLINE
    edit(
        path,
        lambda d: _source(d, "wx_cases")["mapping"]["values"]["urgency"]["codes"].update(
            {"3": "很急"}
        ),
    )
    _fails(config_copy, "values.urgency (code '3')", "'很急' is not one of urgency's values")


def test_classifying_needs_a_column_with_a_vocabulary(config_copy: Path) -> None:
    path = config_copy / HOTLINE

    def change(data: dict) -> None:
        mapping = _source(data, "wb_cases")["mapping"]
        mapping["classify"] = {"column": "department", "text": "description"}
        mapping["absent"].remove("department")
        mapping["fields"]["category"] = "category"

    edit(path, change)
    _fails(config_copy, "classify.column", "'department' has no vocabulary")


def test_an_unknown_time_form_or_zone_is_refused(config_copy: Path) -> None:
    path = config_copy / HOTLINE
    edit(
        path,
        lambda d: _source(d, "wb_cases")["mapping"]["times"].update({"timezone": "Mars/Olympus"}),
    )
    _fails(config_copy, "mapping.times.timezone", "'Mars/Olympus' is not a time zone")
    edit(
        path,
        lambda d: _source(d, "wb_cases")["mapping"]["times"].update(
            {"timezone": "UTC", "forms": ["unix"]}
        ),
    )
    _fails(config_copy, "mapping.times.forms.0")


def test_a_channels_primary_key_is_its_own_field_name(config_copy: Path) -> None:
    path = config_copy / HOTLINE
    edit(path, lambda d: _source(d, "wx_cases").update({"primary_key": ["case_no"]}))
    _fails(config_copy, "primary_key: ['case_no']", "not columns the cases contract reads")


def test_a_channel_raw_asset_may_not_take_a_datasets_name(config_copy: Path) -> None:
    path = config_copy / HOTLINE
    edit(path, lambda d: _source(d, "wb_cases").update({"name": "population"}))
    _fails(config_copy, "source 'population'", "raw asset raw_population clashes")


def test_channel_fields_follow_the_mapping_else_the_contracts_source_names() -> None:
    cases = load_catalog(DEFAULT_CONFIG_DIR).datasets["cases"]
    hotline = channel_fields(cases, SourceMapping(absent=["reporter_handle"]))
    assert hotline["工单编号"] == "case_no" and "reporter_handle" not in hotline.values()
    wechat = channel_fields(
        cases,
        SourceMapping(
            fields={"case_no": "ticket_id"},
            constants={"channel": "微信小程序"},
            absent=["reporter_handle"],
        ),
    )
    assert wechat["ticket_id"] == "case_no" and "受理渠道" not in wechat
    assert "street_code" not in wechat.values()  # derived columns are never sent
