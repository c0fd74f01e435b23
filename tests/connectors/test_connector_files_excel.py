"""Excel drops: sheet selection, numbers that were IDs, integral floats, dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import xlsxwriter
from file_drop_fixtures import connector, positions, read, rejected, rows

from connectors.batch import BadSourceFile
from connectors.files import cell_text
from identifiers import resident_id

HEADER = ["工单编号", "身份证号", "转派次数", "受理日期", "受理时间"]


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "cases.xlsx"
    book = xlsxwriter.Workbook(str(path))
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    orders = book.add_worksheet("工单")
    orders.write_row(0, 0, HEADER)
    orders.write_string(1, 0, "C1")
    orders.write_number(1, 1, 440305199003071234)  # an ID typed into a number cell
    orders.write_number(1, 2, 2.0)
    orders.write_datetime(1, 3, dt.datetime(2023, 5, 1), day)
    orders.write_datetime(1, 4, dt.datetime(2023, 5, 1, 8, 30), stamp)
    orders.write_row(3, 0, ["C2", "11010519491231002X", 1.5])  # row 3 left blank
    notes = book.add_worksheet("说明")
    notes.write_row(0, 0, HEADER)
    notes.write_row(1, 0, ["N1", None, 3])
    book.close()
    return path


def test_one_named_sheet(tmp_path: Path, workbook: Path) -> None:
    batches = read(connector(tmp_path, sheet="工单"), workbook)
    assert {b.origin for b in batches} == {"cases.xlsx[工单]"}
    got = rows(batches)
    assert got[0] == {
        "工单编号": "C1",
        "身份证号": "4.403051990030712e+17",
        "转派次数": "2",
        "受理日期": "2023-05-01",
        "受理时间": "2023-05-01 08:30:00",
    }
    assert got[1] == {
        "工单编号": "C2",
        "身份证号": "11010519491231002X",
        "转派次数": "1.5",
        "受理日期": None,
        "受理时间": None,
    }
    # the blank spreadsheet row 3 is skipped; positions are the rows a person sees
    assert positions(batches) == ["cases.xlsx[工单]:row 2", "cases.xlsx[工单]:row 4"]


def test_id_stored_as_a_number_is_flagged_never_a_clean_id(tmp_path: Path, workbook: Path) -> None:
    value = rows(read(connector(tmp_path, sheet="工单"), workbook))[0]["身份证号"]
    assert resident_id.looks_like_excel_float(value)
    with pytest.raises(resident_id.ResidentIdError, match="Excel"):
        resident_id.parse(value)


def test_no_sheet_reads_every_sheet(tmp_path: Path, workbook: Path) -> None:
    batches = read(connector(tmp_path, sheet=None), workbook)
    assert [b.origin for b in batches] == ["cases.xlsx[工单]", "cases.xlsx[说明]"]
    assert [r["工单编号"] for r in rows(batches)] == ["C1", "C2", "N1"]
    assert positions(batches)[-1] == "cases.xlsx[说明]:row 2"


def test_unknown_sheet_is_a_bad_file(tmp_path: Path, workbook: Path) -> None:
    with pytest.raises(
        BadSourceFile, match=r"cases.xlsx: no sheet named '汇总' \(it has '工单', '说明'\)"
    ):
        read(connector(tmp_path, sheet="汇总"), workbook)


def test_a_stray_value_beyond_the_header_rejects_that_row_only(tmp_path: Path) -> None:
    path = tmp_path / "stray.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("工单")
    sheet.write_row(0, 0, ["编号", "姓名"])
    sheet.write_row(1, 0, ["1", "张三"])
    sheet.write_row(2, 0, ["2", "李四", "多出来的"])
    sheet.write_row(3, 0, ["3", "王五"])
    book.close()
    batches = read(connector(tmp_path, sheet="工单"), path)
    assert [r["编号"] for r in rows(batches)] == ["1", "3"]
    assert batches[0].records.schema.names == ["编号", "姓名"]
    bad = rejected(batches)
    assert [(r.position, r.reason) for r in bad] == [
        ("stray.xlsx[工单]:row 3", "row has values beyond the 2 named columns")
    ]


def test_a_sheet_starting_below_row_1_keeps_the_sheet_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "low.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("工单")
    sheet.write_row(2, 1, ["编号", "姓名"])  # the used range starts at B3
    sheet.write_row(3, 1, ["1", "张三"])
    sheet.write_row(6, 1, ["2", "李四", "多出来的"])
    sheet.write_row(7, 1, ["3", "王五"])
    book.close()
    batches = read(connector(tmp_path), path)
    assert batches[0].records.schema.names == ["编号", "姓名"]
    assert [r["编号"] for r in rows(batches)] == ["1", "3"]
    assert positions(batches) == ["low.xlsx[工单]:row 4", "low.xlsx[工单]:row 8"]
    assert [r.position for r in rejected(batches)] == ["low.xlsx[工单]:row 7"]


def test_a_header_with_a_gap_is_a_bad_file_naming_sheet_and_row(tmp_path: Path) -> None:
    path = tmp_path / "gap.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("工单").write_row(2, 0, ["编号", None, "姓名"])
    book.close()
    with pytest.raises(BadSourceFile) as info:
        read(connector(tmp_path), path)
    assert str(info.value) == (
        "gap.xlsx: sheet '工单' row 3: header row has an empty column name (column 2)"
    )


def test_a_header_only_sheet_gives_one_empty_batch(tmp_path: Path) -> None:
    path = tmp_path / "header.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("工单").write_row(0, 0, ["编号", "姓名"])
    book.add_worksheet("空表")  # an empty sheet is skipped when every sheet is read
    book.close()
    batches = read(connector(tmp_path), path)
    assert [(b.origin, b.records.num_rows) for b in batches] == [("header.xlsx[工单]", 0)]
    assert batches[0].records.schema.names == ["编号", "姓名"]


def test_renames_apply_to_excel_headers(tmp_path: Path) -> None:
    path = tmp_path / "renamed.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("工单")
    sheet.write_row(0, 0, ["编号", "问题描述"])
    sheet.write_row(1, 0, ["1", "漏水"])
    book.close()
    got = rows(read(connector(tmp_path, renames={"问题描述": "诉求内容"}), path))
    assert got == [{"编号": "1", "诉求内容": "漏水"}]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None),
        ("", None),
        (True, "TRUE"),
        (2.0, "2"),
        (-7.0, "-7"),
        (1.5, "1.5"),
        (440305199003071234.0, "4.403051990030712e+17"),
        (123456789012345.0, "123456789012345"),
        (dt.datetime(2023, 5, 1, 8, 30), "2023-05-01 08:30:00"),
        (dt.date(2023, 5, 1), "2023-05-01"),
        (dt.time(8, 30), "08:30:00"),
        (42, "42"),
        ("文本", "文本"),
    ],
)
def test_cell_text(value: object, text: str | None) -> None:
    assert cell_text(value) == text
