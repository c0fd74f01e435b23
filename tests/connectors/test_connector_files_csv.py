"""CSV drops: encodings, header renames, quoted newlines, truncated and malformed rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from file_drop_fixtures import HEADER, connector, positions, read, rejected, rows

from connectors.batch import BadSourceFile

BODY = 'C1,张三,"楼道灯坏了\n第二行说明"\nC2,㐀李,噪音扰民\n'
EXPECTED = [
    {"工单编号": "C1", "反映人": "张三", "诉求内容": "楼道灯坏了\n第二行说明"},
    {"工单编号": "C2", "反映人": "㐀李", "诉求内容": "噪音扰民"},
]


@pytest.mark.parametrize(
    ("codec", "note"),
    [
        ("utf-8", "encoding utf-8"),
        ("utf-8-sig", "encoding utf-8-sig"),
        ("gb18030", "encoding gb18030"),
    ],
)
def test_csv_in_each_encoding_reads_the_same_rows(tmp_path: Path, codec: str, note: str) -> None:
    path = tmp_path / "cases.csv"
    path.write_bytes(f"{HEADER}\n{BODY}".encode(codec))
    batches = read(connector(tmp_path), path)
    assert rows(batches) == EXPECTED
    # C1's value spans lines 2-3, so C2 starts on line 4, as an editor shows it
    assert positions(batches) == ["cases.csv:row 2", "cases.csv:row 4"]
    assert batches[0].notes == [note]
    assert batches[0].origin == "cases.csv"
    assert rejected(batches) == []


def test_gbk_file_is_read_through_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes(f"{HEADER}\n{BODY.replace('㐀', '')}".encode("gbk"))
    batches = read(connector(tmp_path), path)
    assert rows(batches)[1]["反映人"] == "李"
    assert batches[0].notes == ["encoding gb18030"]


def test_bom_never_leaks_into_the_first_column_name(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(f"{HEADER}\n{BODY}".encode("utf-8-sig"))
    names = read(connector(tmp_path, encoding="utf-8"), path)[0].records.schema.names
    assert names == ["工单编号", "反映人", "诉求内容"]


def test_explicit_encoding_overrides_detection(tmp_path: Path) -> None:
    # Latin-1 bytes are neither UTF-8 nor GB18030; only the configured codec reads them.
    path = tmp_path / "latin.csv"
    path.write_bytes("name,city\nJosé,Málaga\n".encode("latin-1"))
    batches = read(connector(tmp_path, encoding="latin-1"), path)
    assert rows(batches) == [{"name": "José", "city": "Málaga"}]
    assert batches[0].notes == ["encoding latin-1"]


def test_explicit_gbk_is_used_as_named(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("编号,姓名\n1,张三\n".encode("gbk"))
    batches = read(connector(tmp_path, encoding="gbk"), path)
    assert rows(batches) == [{"编号": "1", "姓名": "张三"}]
    assert batches[0].notes == ["encoding gbk"]


def test_renames_map_a_drifted_header(tmp_path: Path) -> None:
    path = tmp_path / "renamed.csv"
    path.write_text("工单编号,反映人,问题描述\nC1,张三,漏水\n", encoding="utf-8")
    batches = read(connector(tmp_path, renames={"问题描述": "诉求内容"}), path)
    assert rows(batches) == [{"工单编号": "C1", "反映人": "张三", "诉求内容": "漏水"}]


def test_empty_values_are_null_and_values_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "types.csv"
    path.write_text('编号,数量,日期\n007,,2023-05-01\n1e3,"",45047\n', encoding="utf-8")
    assert rows(read(connector(tmp_path), path)) == [
        {"编号": "007", "数量": None, "日期": "2023-05-01"},
        {"编号": "1e3", "数量": None, "日期": "45047"},
    ]


def test_truncated_last_line_is_rejected_with_position_and_nothing_is_lost(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_text(f"{HEADER}\n{BODY}C3,王五", encoding="utf-8")  # cut mid-row, no newline
    batches = read(connector(tmp_path), path)
    bad = rejected(batches)
    assert len(rows(batches)) == 2
    assert len(bad) == 1
    assert bad[0].position == "cut.csv:row 5"  # C1 takes lines 2-3
    assert bad[0].reason == "row has 2 fields, expected 3"
    assert bad[0].text == "C3,王五"
    assert len(rows(batches)) + len(bad) == 3  # every data record accounted for


def test_rows_after_a_malformed_row_keep_their_true_positions(tmp_path: Path) -> None:
    path = tmp_path / "mid.csv"
    path.write_text("a,b\n1,x\n2\n3,z\n4,w,extra\n5,v\n", encoding="utf-8")
    batches = read(connector(tmp_path), path)
    assert [r["a"] for r in rows(batches)] == ["1", "3", "5"]
    assert positions(batches) == ["mid.csv:row 2", "mid.csv:row 4", "mid.csv:row 6"]
    assert [(r.position, r.reason) for r in rejected(batches)] == [
        ("mid.csv:row 3", "row has 1 fields, expected 2"),
        ("mid.csv:row 5", "row has 3 fields, expected 2"),
    ]


def test_malformed_row_in_a_later_block_keeps_every_position(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import connectors.files as files

    monkeypatch.setattr(files, "BATCH_ROWS", 1000)
    # ~12 MiB: several 4 MiB blocks, so good batches stream out before the bad row is met
    lines = [f"{i},{'v' * 1000}" for i in range(1, 12_001)]
    lines[11_000] = "11001"  # record 11001 lost a field
    path = tmp_path / "long.csv"
    path.write_text("a,b\n" + "\n".join(lines) + "\n", encoding="utf-8")
    batches = read(connector(tmp_path), path)
    assert len(batches) > 2
    got = dict(zip((r["a"] for r in rows(batches)), positions(batches), strict=True))
    expected = {str(i): f"long.csv:row {i + 1}" for i in range(1, 12_001) if i != 11_001}
    assert got == expected
    assert [r.position for r in rejected(batches)] == ["long.csv:row 11002"]


def test_header_only_file_yields_one_empty_batch_with_the_header(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text(HEADER + "\n", encoding="utf-8")
    batches = read(connector(tmp_path), path)
    assert len(batches) == 1
    assert batches[0].records.num_rows == 0
    assert batches[0].records.schema.names == HEADER.split(",")


def test_file_without_a_header_is_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "nothing.csv"
    path.write_bytes(b"\n1,2\n")
    with pytest.raises(BadSourceFile, match="line 1 is blank: the header row must be on line 1"):
        read(connector(tmp_path), path)


@pytest.mark.parametrize(
    ("header", "reason"), [("a,,c", "empty column name"), ("a,b,a", "repeats a column name")]
)
def test_bad_headers_are_bad_files_naming_the_file(
    tmp_path: Path, header: str, reason: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(f"{header}\n1,2,3\n", encoding="utf-8")
    with pytest.raises(BadSourceFile, match=reason) as info:
        read(connector(tmp_path), path)
    assert info.value.file_name == "bad.csv"
    assert str(info.value).startswith("bad.csv: header row")


def test_large_file_is_streamed_in_several_batches(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    line = "C{},张三,{}\n"
    path.write_text(
        HEADER + "\n" + "".join(line.format(i, "x" * 200) for i in range(40_000)),
        encoding="utf-8",
    )
    batches = read(connector(tmp_path), path)
    assert len(batches) > 1  # 4 MiB blocks: bounded memory
    assert sum(b.records.num_rows for b in batches) == 40_000
    assert positions(batches)[-1] == "big.csv:row 40001"
