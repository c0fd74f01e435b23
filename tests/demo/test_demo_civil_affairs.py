from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from demo_generated import SMALL, GeneratedDemo
from demo_readers import ledger_kinds, parse_any_date, population_rows, sheet_rows

from catalog.district import District
from demo import assistance, population
from demo.assistance import AssistanceRow
from demo.civil_affairs import write_assistance_roll
from identifiers import phone, resident_id


@pytest.fixture(scope="module")
def sheet(small_demo: GeneratedDemo) -> list[list]:
    return sheet_rows(small_demo.departments / assistance.FILE, assistance.SHEET)


@pytest.fixture(scope="module")
def dirt(small_demo: GeneratedDemo) -> dict[int, str]:
    return ledger_kinds(small_demo.departments / "dirt_ledger.csv", assistance.SOURCE)


def test_sheet_name_headers_and_row_count(sheet: list[list]) -> None:
    assert tuple(sheet[0]) == (
        "姓名", "身份证号", "性别", "出生日期", "救助类别", "残疾等级", "所属社区", "联系电话", "登记日期",
    )  # fmt: skip
    assert len(sheet) - 1 == SMALL.assistance


def test_clean_rows(sheet: list[list], dirt: dict[int, str], district: District) -> None:
    for line, row in enumerate(sheet[1:], start=1):
        if line in dirt:
            continue
        name, id_number, sex, birth, category, grade, community, mobile, registered = row
        parsed = resident_id.parse(id_number)
        assert 2 <= len(name) <= 4
        assert parsed.value == id_number and isinstance(id_number, str)
        assert sex == parsed.sex and birth == parsed.birth_date
        assert category in assistance.CATEGORIES
        assert grade in {"", "一级", "二级", "三级", "四级"}
        if category == "残疾人两项补贴":
            assert grade
        assert community in district.community_by_name
        assert phone.parse(mobile) == mobile
        assert isinstance(registered, dt.date) and registered <= dt.date(2026, 11, 20)


def test_every_dirty_row_shows_its_kind(
    sheet: list[list], dirt: dict[int, str], district: District
) -> None:
    assert set(dirt.values()) == {kind.name for kind in assistance.KINDS}
    rows = sheet[1:]
    for line, kind in dirt.items():
        row = rows[line - 1]
        id_number = row[1]
        if kind in {"id_lower_x", "id_spaces", "id_fullwidth"}:
            assert isinstance(id_number, str) and id_number != resident_id.normalise(id_number)
            assert resident_id.is_valid(id_number)
        elif kind == "id_check_digit":
            assert not resident_id.is_valid(id_number)
        elif kind == "id_excel_float":
            # A number cell: the reader gets a float that lost the last digits.
            assert isinstance(id_number, float)
            assert f"{id_number:.5E}".endswith("E+17")
            assert not resident_id.is_valid(str(id_number))
            assert not resident_id.is_valid(str(int(id_number)))
        elif kind == "phone_format":
            assert phone.is_mobile(row[7]) and row[7] != phone.normalise(row[7])
        elif kind == "date_format":
            assert isinstance(row[3], str)
            assert parse_any_date(row[3]) == resident_id.parse(id_number).birth_date
        elif kind == "date_unparseable":
            assert isinstance(row[3], str) and parse_any_date(row[3]) is None
        elif kind == "community_unknown":
            assert row[6] not in district.community_by_name
        elif kind == "duplicate":
            assert row in rows[: line - 1]
        else:
            pytest.fail(f"unexpected dirt kind {kind}")


def test_float_cells_are_exactly_the_damaged_ids(sheet: list[list], dirt: dict[int, str]) -> None:
    floats = {line for line, row in enumerate(sheet[1:], start=1) if isinstance(row[1], float)}
    assert floats == {line for line, kind in dirt.items() if kind == "id_excel_float"}


def test_most_people_on_the_roll_are_in_the_registry(
    small_demo: GeneratedDemo, sheet: list[list], dirt: dict[int, str]
) -> None:
    registry = {
        row["id_number"]: row
        for row in population_rows(small_demo.departments / population.FILE)
        if row["id_number"]
    }
    clean = [row for line, row in enumerate(sheet[1:], start=1) if line not in dirt]
    linked = [row for row in clean if row[1] in registry]
    assert len(linked) > 0.6 * len(clean)
    assert all(registry[row[1]]["name"] == row[0] for row in linked)
    categories = Counter(row[4] for row in clean)
    assert categories["高龄补贴"] + categories["独居老人"] > 0.3 * len(clean)
    # A person may hold several kinds of assistance, but each kind once.
    assert len({(row[1], row[4]) for row in clean}) == len(clean)


def test_roll_writer_cell_types(tmp_path: Path) -> None:
    path = tmp_path / "roll.xlsx"
    rows = [
        AssistanceRow("王芳", "44030519500101002X", "女", dt.date(1950, 1, 1), "高龄补贴", "",
                      "东湖社区", "13812345678", dt.date(2020, 5, 1)),
        AssistanceRow("李强", 4.40305195001011e17, "男", "未知", "特困供养", "二级",
                      "翠竹社区", "138-1234-5678", dt.date(2021, 6, 2)),
    ]  # fmt: skip
    assert write_assistance_roll(path, rows) == 2
    read = sheet_rows(path, assistance.SHEET)
    assert read[1][1] == "44030519500101002X" and read[1][3] == dt.date(1950, 1, 1)
    assert read[2][1] == pytest.approx(4.40305195001011e17) and read[2][3] == "未知"
    assert read[1][5] == ""
