"""Drops that must never load half a file or lose a row.

1. Snapshot reads: a file rewritten between survey and read is left for the next run;
   a file rewritten while it is read is still read whole, as it was.
2. Bad files raise BadSourceFile, naming the file and the problem, before any batch.
3. Row numbers are the lines an editor shows, blank lines and quoted newlines included.
4. Every data record ends up in a batch or in ``rejected``.
"""

from __future__ import annotations

import os
import stat
import tempfile
import types
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from file_drop_fixtures import (
    bad_file,
    batches_before_error,
    connector,
    formula_workbook,
    positions,
    read,
    rejected,
    rows,
    settle,
)

from connectors.batch import FileChanged

NAMES = "编号,姓名,住址\n"


def _gbk_lines(count: int) -> str:
    return "".join(f"{i},张三{i},东湖路{i}号\n" for i in range(1, count + 1))


# 1. Snapshot reads ------------------------------------------------------------------


def test_a_file_rewritten_between_survey_and_read_is_left_for_the_next_run(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cases.csv"
    path.write_bytes((NAMES + _gbk_lines(3)).encode("gbk"))
    settle(path)
    conn = connector(tmp_path)
    [drop] = conn.pending()
    path.write_bytes((NAMES + _gbk_lines(5)).encode("gbk"))  # a new export lands on top
    count, err = batches_before_error(conn, drop.path, expected_sha256=drop.sha256)
    assert count == 0
    assert isinstance(err, FileChanged)
    assert err.file_name == "cases.csv"
    assert "cases.csv: changed while it was being read" in str(err)
    assert "the survey saw" in str(err)
    # the next run surveys the new content and reads it
    [again] = conn.pending()
    assert len(rows(list(conn.read_file(again.path, expected_sha256=again.sha256)))) == 5


def test_read_passes_the_surveyed_digest(tmp_path: Path) -> None:
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text("x\n1\n", encoding="utf-8")
        settle(tmp_path / name)
    batches = connector(tmp_path).read()
    first = next(batches)  # the survey ran: both digests are known
    assert first.origin == "a.csv"
    (tmp_path / "b.csv").write_text("x\n2\n3\n", encoding="utf-8")
    with pytest.raises(FileChanged, match=r"b\.csv: changed while it was being read"):
        next(batches)


def test_a_file_rewritten_while_it_is_read_is_read_whole_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import connectors.files as files

    monkeypatch.setattr(files, "BATCH_ROWS", 10)
    path = tmp_path / "long.csv"
    path.write_text('a,b\n"1",x\n' + "".join(f"{i},x\n" for i in range(2, 51)), encoding="utf-8")
    batches = connector(tmp_path).read_file(path)
    got = rows([next(batches)])
    path.write_text("a,b\n" + "".join(f"{i},NEW\n" for i in range(100, 200)), encoding="utf-8")
    got += rows(list(batches))
    assert [r["a"] for r in got] == [str(i) for i in range(1, 51)]
    assert {r["b"] for r in got} == {"x"}


def test_the_snapshot_is_private_and_deleted_after_reading_and_after_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snaps = tmp_path / "snaps"
    snaps.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(snaps))
    drop = tmp_path / "drop"
    drop.mkdir()
    good = drop / "good.csv"
    good.write_text("x\n1\n", encoding="utf-8")
    batches = connector(drop).read_file(good)
    next(batches)
    [folder] = list(snaps.iterdir())
    [copy] = list(folder.iterdir())
    assert copy.name == "good.csv"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert list(batches) == []
    assert list(snaps.iterdir()) == []
    broken = drop / "broken.csv"
    broken.write_bytes(b"x\n\xff\xfe\xfd\n")
    bad_file(connector(drop, encoding="utf-8"), broken)
    assert list(snaps.iterdir()) == []


def test_a_file_that_vanished_is_left_for_the_next_run(tmp_path: Path) -> None:
    with pytest.raises(FileChanged, match=r"gone\.csv: .*the file disappeared"):
        read(connector(tmp_path), tmp_path / "gone.csv")


# 2. Bad files ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["empty.csv", "empty.xlsx"])
def test_a_zero_byte_file_is_bad(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    assert bad_file(connector(tmp_path), path).reason == "the file is empty (0 bytes)"


def test_a_gbk_file_cut_in_the_middle_of_a_character_is_bad(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    data = (NAMES + _gbk_lines(3)).encode("gbk")
    path.write_bytes(data[:-2])  # "…东湖路3号\n" loses "\n" and the second byte of "号"
    err = bad_file(connector(tmp_path), path)
    assert err.reason == (
        "line 4 ends in the middle of a gb18030 character: the file was cut short or damaged"
    )


def test_a_gbk_file_cut_mid_character_in_a_large_file_stops_before_any_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import connectors.files as files

    monkeypatch.setattr(files, "BATCH_ROWS", 1000)
    path = tmp_path / "big.csv"
    path.write_bytes((NAMES + _gbk_lines(20_000)).encode("gbk")[:-2])
    err = bad_file(connector(tmp_path), path)
    assert err.reason.startswith("line 20001 ends in the middle of a gb18030 character")


def test_undecodable_bytes_name_the_line_column_and_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("name,city\nAna,Lima\nJosé,Málaga\n".encode("latin-1"))
    err = bad_file(connector(tmp_path, encoding="utf-8"), path)
    assert err.reason == (
        "line 3 cannot be decoded as utf-8 (byte 0xe9 at column 4); "
        "name the right encoding in the source config"
    )


def test_a_character_outside_gbk_is_bad_when_the_source_says_gbk(tmp_path: Path) -> None:
    path = tmp_path / "rare.csv"
    path.write_bytes("编号,姓名\n1,张三\n2,𠀀李\n".encode("gb18030"))
    err = bad_file(connector(tmp_path, encoding="gbk"), path)
    assert err.reason.startswith("line 3 cannot be decoded as gbk")


@pytest.mark.parametrize(
    ("utf8_line", "reason"),
    [
        # "李四,翠竹社区" in UTF-8 also decodes as GB18030 (as mojibake): caught all the same
        ("4,李四,翠竹社区\n", "line 5 is UTF-8 text while the file is read as gb18030"),
        ("4,李四,东湖路\n", "line 5 is not gb18030 but reads as utf-8"),
    ],
)
def test_gbk_lines_then_utf8_lines_are_mixed_encodings(
    tmp_path: Path, utf8_line: str, reason: str
) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes((NAMES + _gbk_lines(3)).encode("gbk") + utf8_line.encode("utf-8"))
    err = bad_file(connector(tmp_path), path)
    assert err.reason == f"{reason}: the file mixes encodings; re-save it in one encoding"


def test_utf8_lines_then_gbk_lines_beyond_the_sample_are_mixed_encodings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import connectors.encoding as encoding

    head = (NAMES + _gbk_lines(50)).encode("utf-8")
    monkeypatch.setattr(encoding, "SAMPLE_BYTES", len(head))  # detection sees UTF-8 only
    path = tmp_path / "mixed.csv"
    path.write_bytes(head + "51,王五,东湖路\n".encode("gbk"))
    err = bad_file(connector(tmp_path), path)
    assert err.reason == (
        "line 52 is not utf-8 but reads as gb18030: the file mixes encodings; "
        "re-save it in one encoding"
    )


def test_utf16_text_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "unicode.csv"
    path.write_bytes(NAMES.encode("utf-16"))
    err = bad_file(connector(tmp_path), path)
    assert err.reason.startswith("the file is utf-16 text, which is not read here")


def test_a_nul_byte_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(b"a,b\n1,2\n3,\x004\n")
    assert bad_file(connector(tmp_path), path).reason.startswith("line 3 holds a NUL byte")


def _workbook(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("工单")
    sheet.write_row(0, 0, ["编号", "姓名"])
    for row in range(1, 200):
        sheet.write_row(row, 0, [str(row), f"居民{row}"])
    book.close()
    return path


def test_a_truncated_workbook_is_bad(tmp_path: Path) -> None:
    whole = _workbook(tmp_path / "whole.bin").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    assert bad_file(connector(tmp_path), path).reason == (
        "the workbook is damaged: not a complete zip archive (cut short in transfer?)"
    )


def test_a_workbook_part_with_a_bad_checksum_is_bad(tmp_path: Path) -> None:
    path = tmp_path / "crc.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as out:
        out.writestr("xl/workbook.xml", "<workbook/>" * 20)
    data = bytearray(path.read_bytes())
    at = data.index(b"<workbook/>") + 3
    data[at] ^= 0x01  # one bit flipped in transit
    path.write_bytes(bytes(data))
    err = bad_file(connector(tmp_path), path)
    assert err.reason.startswith("the workbook is damaged")
    assert "xl/workbook.xml" in err.reason


def test_a_zip_that_is_not_a_workbook_is_bad(tmp_path: Path) -> None:
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as out:
        out.writestr("readme.txt", "not a workbook")
    assert bad_file(connector(tmp_path), path).reason == (
        "not an Excel workbook: it has no part xl/workbook.xml"
    )


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        (
            "text.xlsx",
            NAMES.encode("gbk"),
            "named .xlsx but holds text, not a workbook (a CSV renamed .xlsx?)",
        ),
        (
            "old.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
            "named .xlsx but is an old Excel 97-2003 workbook (.xls); "
            "save it as .xlsx or drop it as .xls",
        ),
        ("zip.csv", None, "named .csv but is a zip archive (an .xlsx workbook?)"),
        (
            "old.csv",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
            "named .csv but is an old Excel 97-2003 workbook",
        ),
        ("html.xls", b"<html><table><tr><td>1</td></tr></table></html>", None),
    ],
)
def test_a_mislabelled_file_is_bad(
    tmp_path: Path, name: str, content: bytes | None, reason: str | None
) -> None:
    path = tmp_path / name
    if content is None:
        _workbook(path)
    else:
        path.write_bytes(content)
    err = bad_file(connector(tmp_path, patterns=["*"]), path)
    expected = reason or "named .xls but is not an Excel 97-2003 workbook (an HTML or CSV export?)"
    assert err.reason == expected


def test_a_formula_without_a_saved_value_names_sheet_and_cell(tmp_path: Path) -> None:
    path = formula_workbook(tmp_path / "roll.xlsx", sheet="花名册", cell="D7")
    err = bad_file(connector(tmp_path), path)
    assert err.reason == (
        "formulas without a saved value in 花名册!D7: the program that wrote the workbook "
        "did not calculate it; open it in Excel or WPS and save it again"
    )


def test_a_formula_with_a_saved_value_reads_its_value(tmp_path: Path) -> None:
    path = tmp_path / "calc.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("工单")
    sheet.write_row(0, 0, ["数量", "合计"])
    sheet.write_number(1, 0, 3)
    sheet.write_formula(1, 1, "=A2*2", None, 6)
    book.close()
    assert rows(read(connector(tmp_path), path)) == [{"数量": "3", "合计": "6"}]


def test_a_bad_header_on_a_later_sheet_stops_the_file_before_the_first_sheet(
    tmp_path: Path,
) -> None:
    path = tmp_path / "two.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("好").write_row(0, 0, ["编号", "姓名"])
    book.add_worksheet("坏").write_row(0, 0, ["编号", "编号"])
    book.close()
    err = bad_file(connector(tmp_path), path)
    assert err.reason == (
        "sheet '坏' row 1: header row repeats a column name ('编号' in columns 1 and 2)"
    )


def test_a_named_empty_sheet_is_bad(tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("工单")
    book.close()
    err = bad_file(connector(tmp_path, sheet="工单"), path)
    assert err.reason == "sheet '工单' is empty: the workbook has no header row to read"


# 3. Row numbers -------------------------------------------------------------------


def test_blank_lines_count_and_a_bad_row_after_them_is_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "gaps.csv"
    path.write_bytes("编号,姓名\n1,张三\n\n\n2,李四\n3\n\n4,王五\n".encode("gbk"))
    batches = read(connector(tmp_path), path)
    assert dict(zip([r["编号"] for r in rows(batches)], positions(batches), strict=True)) == {
        "1": "gaps.csv:row 2",
        "2": "gaps.csv:row 5",
        "4": "gaps.csv:row 8",
    }
    assert [(r.position, r.reason, r.text) for r in rejected(batches)] == [
        ("gaps.csv:row 6", "row has 1 fields, expected 2", "3")
    ]


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_crlf_blank_lines_and_quoted_newlines_keep_true_lines(tmp_path: Path, codec: str) -> None:
    text = (
        '编号,说明\r\n1,"第一行\r\n第二行"\r\n\r\n2,好\r\n3,"a","b"\r\n4,"x\r\ny\r\nz"\r\n5,完\r\n'
    )
    path = tmp_path / "crlf.csv"
    path.write_bytes(text.encode(codec))
    batches = read(connector(tmp_path), path)
    assert [(r["编号"], p) for r, p in zip(rows(batches), positions(batches), strict=True)] == [
        ("1", "crlf.csv:row 2"),
        ("2", "crlf.csv:row 5"),
        ("4", "crlf.csv:row 7"),
        ("5", "crlf.csv:row 10"),
    ]
    assert rows(batches)[0]["说明"] == "第一行\r\n第二行"
    assert [r.position for r in rejected(batches)] == ["crlf.csv:row 6"]


def test_a_blank_line_in_a_later_block_does_not_shift_later_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import connectors.files as files

    monkeypatch.setattr(files, "BATCH_ROWS", 1000)
    lines = [f"{i},{'v' * 500}" for i in range(1, 10_001)]
    lines[9_000] = ""  # one blank line far into the file, then a short row
    lines[9_500] = "9501"
    path = tmp_path / "long.csv"
    path.write_text("a,b\n" + "\n".join(lines) + "\n", encoding="utf-8")
    batches = read(connector(tmp_path), path)
    got = dict(zip((r["a"] for r in rows(batches)), positions(batches), strict=True))
    expected = {str(i): f"long.csv:row {i + 1}" for i in range(1, 10_001) if i not in (9001, 9501)}
    assert got == expected
    assert [r.position for r in rejected(batches)] == ["long.csv:row 9502"]


def test_header_only_file_with_trailing_blank_lines_is_one_empty_batch(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes("编号,姓名\n\n\n".encode("gb18030"))
    batches = read(connector(tmp_path), path)
    assert [(b.records.num_rows, b.rejected) for b in batches] == [(0, [])]
    assert batches[0].records.schema.names == ["编号", "姓名"]


# 4. Every row accounted for -------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "records"),
    [
        ("1,a\n2,b\n3,c\n", 3),  # the fast path
        ("1,a\n2\n3,c,d\n4,e", 4),  # malformed rows, no newline at the end
        ('1,"a\nb"\n\n2,b\n\n\n3\n', 3),  # blank lines and a quoted newline
        ("1,a\r\n\r\n2,b\r\n", 2),
    ],
)
def test_rows_and_rejections_add_up_to_the_data_records(
    tmp_path: Path, body: str, records: int
) -> None:
    path = tmp_path / "count.csv"
    path.write_bytes(("编号,值\n" + body).encode("gbk"))
    batches = read(connector(tmp_path), path)
    assert len(rows(batches)) + len(rejected(batches)) == records
    assert len(set(positions(batches)) | {r.position for r in rejected(batches)}) == records


def test_the_snapshot_stays_private_under_any_umask_and_goes_when_reading_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a permissive umask must not widen the snapshot's permissions
    snaps = tmp_path / "snaps"
    snaps.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(snaps))
    path = tmp_path / "a.csv"
    path.write_text("x\n1\n", encoding="utf-8")
    old = os.umask(0)
    try:
        batches = connector(tmp_path).read_file(path)
        next(batches)
        [folder] = list(snaps.iterdir())
        assert stat.S_IMODE((folder / "a.csv").stat().st_mode) == 0o600
        assert isinstance(batches, types.GeneratorType)
        batches.close()  # a reader that stops early still removes the snapshot
    finally:
        os.umask(old)
    assert list(snaps.iterdir()) == []
