from __future__ import annotations

from collections import Counter

import pytest
from demo_generated import SMALL, GeneratedDemo
from demo_readers import gbk_csv, ledger

from catalog.district import District
from demo import cases
from identifiers import phone

CSV_EXPORTS = list(cases.EXPORTS)


@pytest.fixture(scope="module")
def exported(small_demo: GeneratedDemo) -> dict[str, list[dict]]:
    """Every export as rows of header -> value (the renamed header mapped back)."""
    rows: dict[str, list[dict]] = {}
    for export in CSV_EXPORTS:
        rows[export.file] = [
            {cases.HEADERS[i]: value for i, value in enumerate(row.values())}
            for row in gbk_csv(small_demo.departments / export.file)
        ]
    return rows


@pytest.fixture(scope="module")
def dirt(small_demo: GeneratedDemo) -> dict[tuple[str, int], str]:
    return {
        (entry["file"], int(entry["row"])): entry["kind"]
        for entry in ledger(small_demo.departments / "dirt_ledger.csv")
        if entry["source"] == cases.SOURCE
    }


def test_drop_folder_holds_three_monthly_gbk_csv_exports(small_demo: GeneratedDemo) -> None:
    """WeChat requests come through the mini-program's own API now, not a desk workbook."""
    drop = small_demo.departments / cases.DROP
    assert sorted(path.name for path in drop.iterdir()) == [
        "cases_2026-09.csv", "cases_2026-10.csv", "cases_2026-11.csv",
    ]  # fmt: skip
    for export in CSV_EXPORTS:
        raw = (small_demo.departments / export.file).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert raw.decode("gbk").startswith("工单编号,受理渠道,受理时间,")
        assert b"\r\n" in raw


def test_exactly_one_export_renames_the_description(small_demo: GeneratedDemo) -> None:
    headers = {
        export.file: tuple(gbk_csv(small_demo.departments / export.file)[0])
        for export in CSV_EXPORTS
    }
    renamed = [file for file, names in headers.items() if "问题描述" in names]
    assert renamed == [cases.OCTOBER.file]
    for file, names in headers.items():
        expected = cases.HEADERS if file not in renamed else cases.OCTOBER.headers
        assert names == expected
    assert ",".join(cases.HEADERS) == (
        "工单编号,受理渠道,受理时间,诉求类别,诉求内容,事发地址,所属社区,反映人,联系电话,"
        "承办部门,紧急程度,办结时限,转派次数,办结时间,满意度"
    )


def test_counts_match_size_and_manifest(small_demo: GeneratedDemo, exported: dict) -> None:
    from demo.case_channels import HOTLINE, channel_sizes

    source = small_demo.manifest.sources[cases.SOURCE]
    written = sum(len(rows) for rows in exported.values())
    assert written == channel_sizes(SMALL.cases)[HOTLINE] == source.rows_written
    assert {file: len(rows) for file, rows in exported.items()} == source.rows_per_file


def test_case_numbers_and_values(exported: dict, dirt: dict, district: District) -> None:
    for file, rows in exported.items():
        for line, row in enumerate(rows, start=1):
            assert len(row["工单编号"]) == 15 and row["工单编号"].startswith("GD2026")
            assert row["紧急程度"] in {"一般", "紧急", "特急"}
            assert row["满意度"] in {"满意", "基本满意", "不满意", ""}
            assert 0 <= int(row["转派次数"]) <= 4
            if row["办结时间"] in ("", None):
                assert row["满意度"] == ""
            if (file, line) not in dirt:
                assert row["所属社区"] in district.community_by_name
                assert phone.parse(row["联系电话"]) == row["联系电话"]
    channels = Counter(row["受理渠道"] for rows in exported.values() for row in rows)
    assert set(channels) == set(cases.CHANNELS) == {"12345热线", "网站", "APP"}


def test_every_dirty_row_shows_its_kind(exported: dict, dirt: dict, district: District) -> None:
    assert set(dirt.values()) == {kind.name for kind in cases.KINDS}
    first_seen: dict[str, str] = {}
    for file, rows in exported.items():
        for line, row in enumerate(rows, start=1):
            if (file, line) not in dirt:
                first_seen.setdefault(row["工单编号"], file)
    for (file, line), kind in dirt.items():
        row = exported[file][line - 1]
        received = row["受理时间"]
        if kind == "phone_format":
            assert row["联系电话"] != phone.normalise(row["联系电话"])
            assert phone.is_mobile(row["联系电话"])
        elif kind == "datetime_format":
            assert isinstance(received, str) and received[:4] == "2026"
            assert not received.startswith(row["工单编号"][2:6] + "-")
        elif kind == "received_missing":
            assert received in ("", None)
        elif kind == "datetime_unparseable":
            assert received in {"2023-13-45", "未知", "1900-02-30", "待核实"}
        elif kind == "community_unknown":
            assert row["所属社区"] not in district.community_by_name
        elif kind == "duplicate":
            # The same case, already in the previous month's export.
            assert first_seen[row["工单编号"]] != file
        else:
            pytest.fail(f"unexpected dirt kind {kind}")


def test_duplicates_are_exact_copies(exported: dict, dirt: dict) -> None:
    by_number: dict[str, list[dict]] = {}
    for rows in exported.values():
        for row in rows:
            by_number.setdefault(row["工单编号"], []).append(row)
    repeated = {number: copies for number, copies in by_number.items() if len(copies) > 1}
    assert len(repeated) == sum(kind == "duplicate" for kind in dirt.values())
    assert all(copies[0] == copies[1] and len(copies) == 2 for copies in repeated.values())
