"""Acceptance: one list delivered to ten recipients; each leak, however edited, is traced to
its recipient, and a file none of them received accuses nobody."""

from __future__ import annotations

import csv
import io
import random
import stat
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest

from audit.deliveries import Register, mark_and_record
from audit.trace import NO_MATCH, TRACED, trace_file
from audit.watermark import SYMBOLS, strip_marks
from service.downloads import encode

SURNAMES = "赵钱孙周吴郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施"
GIVEN = "一二三四五六七八九十甲乙丙丁戊己庚辛壬癸"
COLUMNS = [
    "street_code",
    "community_code",
    "community_name",
    "person_token",
    "name",
    "phone",
    "age",
    "on_living_alone_roll",
]
PERSON_COLUMNS = ["person_token", "name", "phone", "age", "on_living_alone_roll"]
BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


def the_list(size: int = 40) -> list[dict[str, object]]:
    """A proactive-service list as a street office's room gives it (name clear, phone masked)."""
    pick = random.Random(17)
    rows = []
    for index in range(size):
        community = index % 3
        rows.append(
            {
                "street_code": "440399001",
                "community_code": f"44039900100{community}",
                "community_name": ["东湖社区", "柳岸社区", "新村社区"][community],
                "person_token": "t1_" + "".join(pick.choice(BASE32) for _ in range(26)),
                "name": "测" + SURNAMES[index % 20] + GIVEN[index // 20 + pick.randrange(10)],
                "phone": f"13{pick.randrange(10)}****{pick.randrange(10000):04d}",
                "age": 70 + pick.randrange(25),
                "on_living_alone_roll": pick.random() < 0.5,
            }
        )
    return rows


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Register, list[pa.Table], Path]:
    root = tmp_path_factory.mktemp("trace")
    register = Register(root / "audit" / "deliveries.jsonl", root / "keys" / "delivery.key")
    rows = the_list()
    tables = []
    for recipient in range(10):
        marked = mark_and_record(
            register,
            rows,
            person_columns=PERSON_COLUMNS,
            kind="download",
            principal="street_donghu",
            by=f"person u-{recipient:04d}",
            grants=["g-donghu-elderly-alone-visits"],
            products=["proactive_elderly_alone"],
            statement="SELECT * FROM proactive_elderly_alone",
            purpose="未诉先办：独居老人冬季关爱走访",
            format="csv",
        )
        tables.append(pa.Table.from_pylist(marked.rows))
    return register, tables, root


# --- the edits a leaker makes before posting -------------------------------------------


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def write_csv(rows: list[list[str]], path: Path, encoding: str = "utf-8-sig") -> Path:
    with open(path, "w", encoding=encoding, newline="", errors="replace") as handle:
        csv.writer(handle).writerows(rows)
    return path


def csv_resaved(table: pa.Table, path: Path) -> Path:
    return write_csv(csv_rows(encode(table, "csv")), path.with_suffix(".csv"))


def xlsx_resaved(table: pa.Table, path: Path) -> Path:
    import openpyxl

    source = path.with_suffix(".orig.xlsx")
    source.write_bytes(encode(table, "xlsx"))
    book = openpyxl.load_workbook(source)
    book.active.title = "名单"
    out = path.with_suffix(".xlsx")
    book.save(out)
    return out


def rows_removed(table: pa.Table, path: Path) -> Path:
    header, *rows = csv_rows(encode(table, "csv"))
    return write_csv([header, *rows[3:8]], path.with_suffix(".csv"))


def rows_reordered(table: pa.Table, path: Path) -> Path:
    header, *rows = csv_rows(encode(table, "csv"))
    random.Random(5).shuffle(rows)
    return write_csv([header, *rows], path.with_suffix(".csv"))


def columns_dropped(table: pa.Table, path: Path) -> Path:
    """The token column, the phone and the codes go; name, community and age stay."""
    kept = table.select(["community_name", "name", "age"])
    return csv_resaved(kept, path)


def pasted_as_text(table: pa.Table, path: Path) -> Path:
    """Three people's name and phone typed into a chat message around a line of text."""
    rows = table.to_pylist()[10:13]
    lines = ["这几位老人明天上门看看："] + [f"{r['name']} {r['phone']} {r['age']}岁" for r in rows]
    out = path.with_suffix(".txt")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def one_name_pasted(table: pa.Table, path: Path) -> Path:
    out = path.with_suffix(".txt")
    out.write_text(f"{table.to_pylist()[7]['name']} 身体不好\n", encoding="utf-8")
    return out


EDITS: dict[str, Callable[[pa.Table, Path], Path]] = {
    "csv re-saved": csv_resaved,
    "xlsx re-saved": xlsx_resaved,
    "rows removed": rows_removed,
    "rows re-ordered": rows_reordered,
    "columns dropped": columns_dropped,
    "subset pasted as text": pasted_as_text,
    "one name pasted": one_name_pasted,
}


# --- 1. every leak is traced to its recipient ----------------------------------------


@pytest.mark.parametrize("edit", list(EDITS))
def test_each_leak_is_traced_to_its_recipient(delivered, edit: str, tmp_path: Path) -> None:
    register, tables, _ = delivered
    ids = [d.id for d in register.deliveries()]
    for recipient, table in enumerate(tables):
        leaked = EDITS[edit](table, tmp_path / f"leak{recipient}")
        result = trace_file(leaked, register)
        assert result.verdict == TRACED, (edit, recipient)
        assert [f.delivery.id for f in result.findings] == [ids[recipient]]
        finding = result.findings[0]
        assert finding.delivery.by == f"person u-{recipient:04d}"
        assert finding.delivery.principal == "street_donghu"
        assert finding.rows_matched >= 1


def test_a_file_merged_from_two_leaks_names_both(delivered, tmp_path: Path) -> None:
    register, tables, _ = delivered
    header, *first = csv_rows(encode(tables[2], "csv"))
    _, *second = csv_rows(encode(tables[6], "csv"))
    leaked = write_csv([header, *first[:4], *second[20:25]], tmp_path / "merged.csv")
    result = trace_file(leaked, register)
    ids = [d.id for d in register.deliveries()]
    assert {f.delivery.id for f in result.findings} == {ids[2], ids[6]}


# --- 2. what nobody received accuses nobody ------------------------------------------


def test_the_same_rows_without_a_mark_match_no_delivery(delivered, tmp_path: Path) -> None:
    register, _, _ = delivered
    clean = pa.Table.from_pylist(the_list())
    leaked = tmp_path / "export.csv"
    leaked.write_bytes(encode(clean, "csv"))
    result = trace_file(leaked, register)
    assert result.verdict == NO_MATCH and not result.findings
    # The reviewer still learns who held those rows: all ten, so content names no one.
    assert len(result.same_rows) == 10


def test_a_list_typed_by_hand_matches_no_delivery(delivered, tmp_path: Path) -> None:
    register, _, _ = delivered
    typed = tmp_path / "typed.txt"
    rows = the_list()[:5]
    typed.write_text("\n".join(f"{r['name']}\t{r['phone']}\t{r['age']}" for r in rows), "utf-8")
    result = trace_file(typed, register)
    assert result.verdict == NO_MATCH and not result.findings


def test_a_forged_run_of_zero_width_characters_is_no_mark(delivered, tmp_path: Path) -> None:
    register, _, _ = delivered
    forged = tmp_path / "forged.txt"
    name = the_list()[0]["name"]
    forged.write_text(f"{name}{SYMBOLS[1] * 20} 138****0000\n", encoding="utf-8")
    result = trace_file(forged, register)
    assert result.verdict == NO_MATCH and result.broken_marks == 1


def test_a_gbk_resave_loses_the_marks_and_accuses_nobody(delivered, tmp_path: Path) -> None:
    """GBK has no zero-width characters (Excel writes '?'): the file is read, the rows are
    found in all ten deliveries, and no one is named on content alone."""
    register, tables, _ = delivered
    leaked = write_csv(csv_rows(encode(tables[4], "csv")), tmp_path / "gbk.csv", encoding="gbk")
    result = trace_file(leaked, register)
    assert result.verdict == NO_MATCH
    assert len(result.same_rows) == 10


def test_an_empty_register_matches_nothing(tmp_path: Path) -> None:
    register = Register(tmp_path / "audit" / "deliveries.jsonl", tmp_path / "key")
    leaked = tmp_path / "x.csv"
    leaked.write_bytes(encode(pa.Table.from_pylist(the_list()), "csv"))
    assert trace_file(leaked, register).verdict == NO_MATCH


# --- 3. the mark changes no value a recipient uses ----------------------------------


def test_marks_change_no_value_and_never_touch_tokens_codes_or_numbers(delivered) -> None:
    _, tables, _ = delivered
    original = the_list()
    for table in tables:
        for before, after in zip(original, table.to_pylist(), strict=True):
            for column in ("street_code", "community_code", "community_name", "person_token"):
                assert after[column] == before[column]
            assert after["age"] == before["age"]
            assert after["on_living_alone_roll"] == before["on_living_alone_roll"]
            assert strip_marks(str(after["name"])) == before["name"] != after["name"]
            assert strip_marks(str(after["phone"])) == before["phone"]


def test_an_unmarked_column_set_is_registered_but_not_marked(tmp_path: Path) -> None:
    """Tokens and numbers only: nothing to carry a mark, the delivery is still registered."""
    register = Register(tmp_path / "audit" / "deliveries.jsonl", tmp_path / "key")
    rows = [{"person_token": r["person_token"], "age": r["age"]} for r in the_list(3)]
    marked = mark_and_record(
        register,
        rows,
        person_columns=["person_token", "age"],
        kind="query",
        principal="street_donghu",
        by=None,
        grants=[],
        products=["proactive_elderly_alone"],
        statement="SELECT person_token, age FROM proactive_elderly_alone",
        purpose="",
    )
    assert marked.rows == rows and marked.delivery.mark is None
    assert register.of_token(str(rows[0]["person_token"]))[0].id == marked.delivery.id


# --- 4. the register: who saw whom, tokens and hashes only ---------------------------


def test_who_saw_a_person_finds_all_ten_deliveries(delivered) -> None:
    register, _, _ = delivered
    token = str(the_list()[5]["person_token"])
    found = register.of_token(token)
    assert [d.by for d in found] == [f"person u-{r:04d}" for r in range(10)]
    assert register.of_token("t1_" + "a" * 26) == []


def test_the_register_holds_no_clear_value_and_only_its_owner_reads_it(delivered) -> None:
    register, _, _ = delivered
    text = register.path.read_text(encoding="utf-8")
    for row in the_list():
        assert row["name"] not in text and row["phone"] not in text
    assert stat.S_IMODE(register.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(register.key_path.stat().st_mode) == 0o600


def test_hashes_and_ids_are_letters_so_no_run_of_them_reads_as_a_number(delivered) -> None:
    """A 12-digit hex fingerprint would now and then hold 11 digits a scan takes for a mobile."""
    register, _, _ = delivered
    for delivery in register.deliveries():
        assert delivery.id[4:].isalpha()
        assert all(cell.isalpha() for row in delivery.rows for cell in row)
