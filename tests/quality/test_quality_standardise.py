"""One standardiser per column type: raw text → typed value, or a reason without the value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pyarrow as pa
import pytest

from catalog.contracts import ColumnSpec, ColumnType
from catalog.district import District, load_district
from home.layout import config_dir
from identifiers import resident_id
from quality.standardise import Standardiser, ValueProblem, arrow_type

TODAY = dt.date(2025, 6, 1)


@pytest.fixture(scope="module")
def district() -> District:
    return load_district(config_dir())


@pytest.fixture(scope="module")
def standardiser(district: District) -> Standardiser:
    return Standardiser(district, TODAY)


def parser(std: Standardiser, kind: ColumnType, **extra: object) -> Callable[[str], object]:
    protection = "token+seal" if kind in ("resident_id", "phone", "household_no") else "none"
    token_domain = (
        {"household_no": "household"}.get(kind, kind) if protection == "token+seal" else None
    )
    if kind == "free_text":
        protection = "redact"
    spec = ColumnSpec.model_validate(
        {
            "name": "c",
            "type": kind,
            "protection": protection,
            "token_domain": token_domain,
            **extra,
        }
    )
    return std.for_column(spec)


CASES: list[tuple[ColumnType, str, object]] = [
    ("text", "  东湖路1号  ", "东湖路1号"),
    ("free_text", "  原样\n保留 ", "  原样\n保留 "),
    ("integer", "7", 7),
    ("integer", " 7 ", 7),
    ("integer", "-3", -3),
    ("integer", "1,000", 1000),
    ("integer", "２", 2),
    ("integer", "2.0", 2),  # Excel's integral floats
    ("integer", "9007199254740993", 9007199254740993),  # beyond float precision
    ("date", "2023/5/1", dt.date(2023, 5, 1)),
    ("date", "45047", dt.date(2023, 5, 1)),
    ("date", "2035-12-31", dt.date(2035, 12, 31)),  # up to ten years ahead (deadlines)
    ("datetime", "2023年5月1日 8时30分", dt.datetime(2023, 5, 1, 8, 30)),
    ("datetime", "20260913 193023", dt.datetime(2026, 9, 13, 19, 30, 23)),
    ("resident_id", "11010519491231002x", "11010519491231002X"),
    ("phone", "+86 138-0013-8000", "13800138000"),
    ("credit_code", "91350100m000100y43", "91350100M000100Y43"),
    ("sex", "男", "男"),
    ("sex", "1", "男"),
    ("sex", "m", "男"),
    ("sex", "男性", "男"),
    ("sex", "女", "女"),
    ("sex", "2", "女"),
    ("sex", "Ｆ", "女"),
    ("community_code", "440399001001", "440399001001"),
    ("community_code", "４４０３９９００１００１", "440399001001"),
    ("community_name", "东湖社区", "440399001001"),
    ("community_name", " 桃源村 ", "440399002003"),
    ("community_name", "渔村", "440399003003"),
    ("community_name", "440399002004", "440399002004"),  # a code is accepted as it is
    ("street_code", "440399002", "440399002"),
]


@pytest.mark.parametrize(("kind", "raw", "expected"), CASES)
def test_clean_values(
    standardiser: Standardiser, kind: ColumnType, raw: str, expected: object
) -> None:
    assert parser(standardiser, kind)(raw) == expected


BAD: list[tuple[ColumnType, str, str]] = [
    ("integer", "abc", "not a whole number"),
    ("integer", "2.5", "not a whole number"),
    ("integer", "nan", "not a whole number"),
    ("date", "未知", "not a date"),
    ("date", "2023-13-45", "not a date"),
    ("date", "1879-12-31", "out of range"),
    ("date", "2036-01-01", "out of range"),
    ("datetime", "2023-05-01 25:00", "not a date-time"),
    ("datetime", "1800-01-01 08:00", "out of range"),
    ("resident_id", "110105194912310020", "invalid resident ID: check character"),
    ("resident_id", "4.40305199003071e+17", "invalid resident ID: damaged by Excel"),
    ("phone", "12800138000", "invalid phone"),
    ("credit_code", "91350100M000100Y44", "invalid unified social credit code"),
    ("sex", "未知", "not a recognised sex"),
    ("sex", "X", "not a recognised sex"),
    ("community_code", "440399009001", "unknown community code"),
    ("community_name", "不存在社区", "unknown community name"),
    ("community_name", "东湖", "unknown community name"),
    ("street_code", "440399999", "unknown street code"),
]


@pytest.mark.parametrize(("kind", "raw", "reason"), BAD)
def test_unfixable_values_raise_a_reason_that_omits_the_value(
    standardiser: Standardiser, kind: ColumnType, raw: str, reason: str
) -> None:
    with pytest.raises(ValueProblem, match=reason) as info:
        parser(standardiser, kind)(raw)
    assert raw not in str(info.value)


def test_resident_id_birth_date_checked_against_the_standardisers_today(
    district: District,
) -> None:
    born_2025 = resident_id.make("110105", dt.date(2025, 3, 1), 1)
    early = Standardiser(district, dt.date(2025, 1, 1))
    late = Standardiser(district, dt.date(2025, 12, 31))
    with pytest.raises(ValueProblem, match="out of range"):
        parser(early, "resident_id")(born_2025)
    assert parser(late, "resident_id")(born_2025) == born_2025


def test_enum_accepts_listed_values_after_nfkc_and_strip(standardiser: Standardiser) -> None:
    urgency = parser(standardiser, "enum", values=["一般", "紧急", "特急"])
    assert urgency(" 紧急 ") == "紧急"
    assert urgency("一般") == "一般"
    with pytest.raises(ValueProblem, match="not one of"):
        urgency("很急")


def test_enum_reads_the_aliases_its_contract_gives(standardiser: Standardiser) -> None:
    relation = parser(
        standardiser, "enum", values=["户主", "配偶"], aliases={"本人": "户主", "10": "配偶"}
    )
    assert relation("本人") == "户主" and relation("１０") == "配偶" and relation("配偶") == "配偶"
    with pytest.raises(ValueProblem, match="not one of"):
        relation("待核实")


def test_an_alias_must_mean_a_listed_value() -> None:
    with pytest.raises(ValueError, match="aliases map to"):
        ColumnSpec(name="c", type="enum", values=["户主"], aliases={"本人": "主人"})


def test_household_numbers_are_standardised(standardiser: Standardiser) -> None:
    number = parser(standardiser, "household_no")
    assert number("０３１０００４５７") == "031000457"
    with pytest.raises(ValueProblem, match="invalid household number: 8 digits"):
        number("31000457")


def test_enum_normalises_fullwidth_letters(standardiser: Standardiser) -> None:
    grade = parser(standardiser, "enum", values=["A", "B"])
    assert grade("Ａ") == "A"


def test_every_contract_column_type_has_a_standardiser(standardiser: Standardiser) -> None:
    kinds = ColumnType.__args__  # type: ignore[attr-defined]
    for kind in kinds:
        extra = {"values": ["x"]} if kind == "enum" else {}
        assert callable(parser(standardiser, kind, **extra))


def test_arrow_types_of_typed_columns() -> None:
    assert arrow_type(ColumnSpec(name="n", type="integer")) == pa.int64()
    assert arrow_type(ColumnSpec(name="d", type="date")) == pa.date32()
    assert arrow_type(ColumnSpec(name="t", type="datetime")) == pa.timestamp("s")
    assert arrow_type(ColumnSpec(name="s", type="sex")) == pa.string()
