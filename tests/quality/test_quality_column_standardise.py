"""Column-wise standardising agrees with the per-value parsers, value for value and
reason for reason; whole batches agree with judging one row at a time."""

from __future__ import annotations

import datetime as dt
import random
import sys

import pyarrow as pa
import pytest
from row_reference import RowStandardiser

from catalog.contracts import ColumnSpec, ColumnType
from catalog.district import District, load_district
from catalog.registry import load_catalog
from home.layout import config_dir
from identifiers import credit_code, resident_id
from quality.batch_rows import BatchStandardiser
from quality.channel_rules import ChannelRules
from quality.column_standardise import PY_WHITESPACE, standardise_column
from quality.standardise import Standardiser, ValueProblem, arrow_type

TODAY = dt.date(2025, 6, 1)

GOOD_ID = resident_id.make("110105", dt.date(1980, 2, 29), 12)
ODD = ["", "  ", "\u3000", "\n", "abc", "１２３", " 12 ", "٣", "-", "X", "\x1c7\x85"]

VALUES: dict[ColumnType, list[str]] = {
    "text": [" 东湖路1号 ", "东湖路1号", "a\u3000", "\x1c a\x85", "\u2028x\u2029", "\t"],
    "free_text": ["  原样\n保留 ", "x"],
    "integer": [
        "0",
        "-5",
        "007",
        "1,000",
        "１２",
        "1.0",
        "1.5",
        "+5",
        "9" * 18,
        "1_000",
        "-0",
        " 3",
        "9007199254740993",
        "1e3",
        "１,０００",
    ],
    "date": [
        "2023-05-01",
        "2023-02-30",
        "2023-13-01",
        "2023/5/1",
        "2023年5月1日",
        "20230501",
        "45047",
        "1879-12-31",
        "1880-01-01",
        "2035-12-31",
        "2036-01-01",
        "2023-05-01 08:30",
        "２０２３-０５-０１",
        " 2023-05-01 ",
        "0000-01-01",
        "2023-5-1",
        "2023-05-01\n",
        "2024-02-29",
        "2023-02-29",
        "2023-04-31",
        "9999-12-31",
    ],
    "datetime": [
        "2023-05-01 08:30:15",
        "2023-05-01 24:00:00",
        "2023-05-01 23:59:60",
        "2023-05-01T08:30:15",
        "2023-02-29 10:00:00",
        "2024-02-29 10:00:00",
        "45047.123",
        "2023-05-01",
        "2023年5月1日 下午3:05",
        "1879-12-31 23:59:59",
        "1880-01-01 00:00:00",
        "2035-12-31 23:59:59",
        "2036-01-01 00:00:00",
        "2023-05-01 8:30:15",
        "20230501 083015",
    ],
    "resident_id": [
        GOOD_ID,
        GOOD_ID.lower(),
        f" {GOOD_ID[:6]} {GOOD_ID[6:]} ",
        GOOD_ID[:17],
        GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1"),
        "110105800229001",
        resident_id.make("990105", dt.date(1980, 1, 1), 1),
        "1.10101E+17",
        resident_id.make("110105", dt.date(1879, 12, 31), 1),
        resident_id.make("110105", dt.date(2025, 6, 2), 1),
        resident_id.make("110105", dt.date(2025, 6, 1), 1),
        "110105198002300012",
        "11010519800230001X",
        GOOD_ID.translate({48: "０", 49: "１"}),
        resident_id.make("110105", dt.date(1988, 8, 8), 3)[:17] + "x",
    ],
    "phone": [
        "13912345678",
        "139 1234 5678",
        "+8613912345678",
        "008613912345678",
        "0086123456789",
        "02112345678",
        "(021)12345678",
        "12345678901",
        "1391234567８",
        "0755-12345678",
        "075512345678",
        "008675512345678",
    ],
    "household_no": ["031000457", "31000457", "03100045７", "031 000 457", "0310004571"],
    "credit_code": [
        credit_code.make("91350100M000100Y4"),
        "91350100m000100y43",
        "91350100M000100Y40",
        "913501",
    ],
    "sex": ["男", "女", "1", "2", "m", "Ｆ", "男性", " 女 ", "3", "male"],
    "community_code": ["440399001001", "４４０３９９００１００１", " 440399001001", "440399"],
    "community_name": ["东湖社区", " 桃源村 ", "440399002004", "不存在社区"],
    "street_code": ["440399002", "４４０３９９００２", "440399999"],
}


@pytest.fixture(scope="module")
def district() -> District:
    return load_district(config_dir())


def spec_for(kind: ColumnType) -> ColumnSpec:
    extra: dict[str, str] = {}
    if kind == "free_text":
        extra = {"protection": "redact"}
    elif kind in ("resident_id", "phone", "household_no"):
        extra = {"protection": "token+seal", "token_domain": kind}
    return ColumnSpec.model_validate({"name": "c", "type": kind, **extra})


def per_value(parse: object, text: str | None) -> tuple[str, object]:
    """What judging the value alone says: ("blank", None), ("ok", value) or ("bad", reason)."""
    if text is None or not text.strip():
        return "blank", None
    try:
        return "ok", parse(text)  # type: ignore[operator]
    except ValueProblem as problem:
        return "bad", str(problem)


def test_whitespace_is_what_str_strip_removes() -> None:
    assert set(PY_WHITESPACE) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}


@pytest.mark.parametrize("kind", sorted(VALUES))
def test_a_column_agrees_with_its_parser_value_for_value(
    kind: ColumnType, district: District
) -> None:
    std = Standardiser(district, TODAY)
    spec = spec_for(kind)
    texts: list[str | None] = [*VALUES[kind], *ODD, None]
    column = standardise_column(
        spec, pa.array(texts, pa.string()), len(texts), std, ChannelRules("t")
    )
    parse = std.for_column(spec)
    typed = arrow_type(spec)
    for i, text in enumerate(texts):
        verdict, expected = per_value(parse, text)
        got = (column.blank[i].as_py(), column.values[i].as_py(), column.problems[i].as_py())
        if verdict == "blank":
            assert got == (True, None, None), text
        elif verdict == "bad":
            assert got == (False, None, expected), text
        else:
            assert got == (False, pa.array([expected], typed)[0].as_py(), None), text
            if column.fingerprint_texts is not None:
                assert column.fingerprint_texts[i].as_py() == str(expected), text


def test_an_enum_column_agrees_with_its_parser_aliases_included(district: District) -> None:
    std = Standardiser(district, TODAY)
    spec = ColumnSpec.model_validate(
        {"name": "c", "type": "enum", "values": ["户主", "配偶"], "aliases": {"妻": "配偶"}}
    )
    texts = ["户主", "妻", " 配偶 ", "户 主", "ｘ", *ODD, None]
    column = standardise_column(
        spec, pa.array(texts, pa.string()), len(texts), std, ChannelRules("t")
    )
    parse = std.for_column(spec)
    for i, text in enumerate(texts):
        verdict, expected = per_value(parse, text)
        got = column.values[i].as_py() if verdict == "ok" else column.problems[i].as_py()
        assert (column.blank[i].as_py(), got) == (verdict == "blank", expected), text


def test_a_column_the_batch_lacks_is_blank_everywhere(district: District) -> None:
    column = standardise_column(
        spec_for("date"), None, 3, Standardiser(district, TODAY), ChannelRules("t")
    )
    assert column.blank.to_pylist() == [True] * 3
    assert column.values.null_count == 3


def population_rows(district: District, count: int) -> list[dict[str, str | None]]:
    """Rows mixing good values, bad values and disagreements between the columns."""
    pick = random.Random(19)
    communities = [(s.code, c.code) for s, c in district.communities]
    rows = []
    for n in range(count):
        born = dt.date(1940, 1, 1) + dt.timedelta(days=pick.randrange(25_000))
        sequence = pick.randrange(1000)
        ident = resident_id.make("440305", born, sequence)
        sex = "男" if sequence % 2 else "女"
        street, community = pick.choice(communities)
        row: dict[str, str | None] = {
            "person_id": str(n),
            "name": " 张三 ",
            "id_number": ident,
            "sex": sex,
            "birth_date": born.isoformat(),
            "phone": "13912345678",
            "reg_type": "户籍",
            "household_no": "031000457",
            "relation": "户主",
            "street_code": street,
            "community_code": community,
            "grid_code": None,
            "address": "东湖路1号",
            "move_in_date": "2001/5/1",
            "updated_at": "2024-01-02 03:04:05",
        }
        spoil = pick.randrange(14)
        if spoil == 0:
            row["id_number"] = pick.choice(VALUES["resident_id"] + ODD)
        elif spoil == 1:
            row["sex"] = pick.choice(["男" if sex == "女" else "女", "1", "x", None])
        elif spoil == 2:
            row["birth_date"] = pick.choice(
                [(born + dt.timedelta(days=1)).isoformat(), "1899-01-01"]
            )
        elif spoil == 3:
            row["street_code"] = pick.choice([c[0] for c in communities])
        elif spoil == 4:
            row["community_code"] = pick.choice(VALUES["community_code"] + ["", None])
        elif spoil == 5:
            row["relation"] = pick.choice(["妻", "x", " 子 "])
        elif spoil == 6:
            row["birth_date"] = pick.choice(VALUES["date"])
        elif spoil == 7:
            row["updated_at"] = pick.choice(VALUES["datetime"])
        elif spoil == 8:
            row["phone"] = pick.choice(VALUES["phone"] + ["", None])
        elif spoil == 9:
            row["household_no"] = pick.choice(VALUES["household_no"])
        elif spoil == 10:
            row["person_id"] = pick.choice(VALUES["integer"] + [None])
        elif spoil == 11:
            row["name"] = pick.choice(["", None, "\u3000"])
        rows.append(row)
    return rows


def test_a_batch_judges_every_row_as_judging_it_alone_would(district: District) -> None:
    contract = load_catalog(config_dir()).datasets["population"]
    rules = ChannelRules("t")
    rows = population_rows(district, 600)
    one_by_one = RowStandardiser(contract, district, TODAY, rules)
    columns = {name: pa.array([r[name] for r in rows], pa.string()) for name in rows[0]}
    outcome = BatchStandardiser(contract, district, TODAY, rules).batch(columns, len(rows))
    failures = 0
    for i, row in enumerate(rows):
        clean, field, reason = one_by_one.row(row)
        assert (outcome.field[i].as_py(), outcome.reason[i].as_py()) == (
            field or None,
            reason or None,
        ), row
        if clean is None:
            failures += 1
            continue
        for spec in contract.columns:
            expected = pa.array([clean.get(spec.name)], arrow_type(spec))[0].as_py()
            assert outcome.clean[spec.name][i].as_py() == expected, (spec.name, row)
    assert 0 < failures < len(rows)  # both kinds were judged
