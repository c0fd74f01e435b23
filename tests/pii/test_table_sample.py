"""Sampling CSV (any Chinese encoding), Excel and Parquet files for classification."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from pii import table_sample
from pii.table_sample import TableReadError, sample_file

HEADER = ["编号", "姓名", "备注"]


def _rows(count: int) -> list[list[str]]:
    return [[f"{i:06d}", f"居民{i}", "无" if i % 2 else f"第{i}行"] for i in range(count)]


def _write_csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_each_encoding_keeps_chinese_headers_and_values(
    tmp_path: Path, encoding: str
) -> None:
    path = _write_csv(tmp_path / "t.csv", _rows(50), encoding)
    table = sample_file(path, rows=1000)
    assert table.column_names == HEADER
    assert table.num_rows == 50
    assert table.column("姓名").to_pylist()[:2] == ["居民0", "居民1"]


def test_sample_is_bounded_random_repeatable_and_in_file_order(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "t.csv", _rows(5000), "gbk")
    first = sample_file(path, rows=100, seed=3)
    assert first.num_rows == 100
    assert first.equals(sample_file(path, rows=100, seed=3))
    numbers = [int(v) for v in first.column("编号").to_pylist()]
    assert numbers == sorted(numbers)
    assert numbers[-1] > 1000  # not just the head of the file
    assert not first.equals(sample_file(path, rows=100, seed=4))


def test_large_csv_is_read_in_blocks_at_random_offsets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(table_sample, "CSV_WHOLE_BYTES", 10_000)
    monkeypatch.setattr(table_sample, "CSV_BLOCK_BYTES", 2_000)
    rows = _rows(20_000)
    path = _write_csv(tmp_path / "big.csv", rows, "gb18030")
    table = sample_file(path, rows=200, seed=1)
    assert 0 < table.num_rows <= 200
    by_number = {r[0]: r for r in rows}
    for number, name, remark in zip(*(table.column(h).to_pylist() for h in HEADER), strict=True):
        # Every sampled row is a whole row of the file, never a fragment.
        assert by_number[number] == [number, name, remark]


def test_excel_first_sheet_is_sampled_as_text(tmp_path: Path) -> None:
    path = tmp_path / "roll.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("名单")
    sheet.write_row(0, 0, ["姓名", "身份证号", "人数"])
    sheet.write_row(1, 0, ["张伟", "110101199003071234", 3])
    sheet.write_row(2, 0, ["李娜", None, 4.5])
    book.close()
    table = sample_file(path)
    assert table.column_names == ["姓名", "身份证号", "人数"]
    assert table.to_pylist() == [
        {"姓名": "张伟", "身份证号": "110101199003071234", "人数": "3"},
        {"姓名": "李娜", "身份证号": None, "人数": "4.5"},
    ]


def test_parquet_reads_only_enough_row_groups(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    table = pa.table({"n": list(range(100_000)), "s": [f"v{i}" for i in range(100_000)]})
    pq.write_table(table, path, row_group_size=10_000)
    sample = sample_file(path, rows=500, seed=2)
    assert sample.num_rows == 500
    assert sample.schema.field("n").type == pa.string()
    numbers = {int(v) // 10_000 for v in sample.column("n").to_pylist()}
    assert len(numbers) == 1  # one row group of 10,000 covers a sample of 500


def test_unknown_format_and_missing_file_name_the_file(tmp_path: Path) -> None:
    odd = tmp_path / "data.json"
    odd.write_text("{}", encoding="utf-8")
    with pytest.raises(TableReadError, match=r"data\.json: unknown table format"):
        sample_file(odd)
    with pytest.raises(TableReadError, match=r"nope\.csv: no such file"):
        sample_file(tmp_path / "nope.csv")


def test_empty_csv_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(TableReadError, match="empty"):
        sample_file(empty)


def test_duplicate_and_blank_headers_get_unique_names(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("电话,电话,\n1,2,3\n", encoding="utf-8")
    assert sample_file(path).column_names == ["电话", "电话_2", "column_3"]
