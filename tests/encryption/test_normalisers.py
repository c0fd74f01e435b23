"""Canonical spellings per identifier domain."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from encryption.normalisers import (
    CANONICAL_SHAPES,
    NormalisationError,
    normalise,
    normaliser_for,
)
from identifiers import resident_id

FULLWIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


def _id_ending_in_x() -> str:
    for sequence in range(1000):
        value = resident_id.make("110105", dt.date(1949, 12, 31), sequence)
        if value.endswith("X"):
            return value
    raise AssertionError("no sequence gives check character X")


ID_X = _id_ending_in_x()
LEGACY_15 = "110105491231002"  # born 1949-12-31, sequence 002
LEGACY_18 = resident_id.upgrade_15_to_18(LEGACY_15)


@pytest.mark.parametrize(
    "spelling",
    [
        ID_X,
        ID_X.lower(),
        ID_X.translate(FULLWIDTH),
        ID_X.lower().translate(FULLWIDTH),
        f" {ID_X[:6]} {ID_X[6:14]} {ID_X[14:]} ",
        f"{ID_X[:6]}\u3000{ID_X[6:]}",
        f"{ID_X[:6]}-{ID_X[6:14]}-{ID_X[14:]}",
        f"{ID_X}\n",
    ],
)
def test_resident_id_spellings_share_one_form(spelling: str) -> None:
    assert normalise("resident_id", spelling) == ID_X


def test_legacy_15_digit_form_is_upgraded() -> None:
    assert normalise("resident_id", LEGACY_15) == LEGACY_18
    assert normalise("resident_id", LEGACY_15.translate(FULLWIDTH)) == LEGACY_18
    assert resident_id.parse(LEGACY_15).value == LEGACY_18


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("1.10105E+17", "Excel"),
        ("1.10105e17", "Excel"),
        ("11010519491231", "shape"),
        ("11010519491231002XX", "shape"),
        ("", "shape"),
        ("张三", "shape"),
    ],
)
def test_resident_id_that_cannot_be_canonical_is_refused(raw: str, reason: str) -> None:
    with pytest.raises(NormalisationError, match=reason) as caught:
        normalise("resident_id", raw)
    if raw:
        assert raw not in str(caught.value)


@pytest.mark.parametrize(
    "spelling",
    [
        "13800138000",
        "+86 138-0013-8000",
        "0086 13800138000",
        "１３８００１３８０００",
        "138 0013 8000",
    ],
)
def test_phone_spellings_share_one_form(spelling: str) -> None:
    assert normalise("phone", spelling) == "13800138000"


def test_landline_keeps_its_area_code() -> None:
    assert normalise("phone", "(0755) 8888-1234") == "075588881234"


@pytest.mark.parametrize(
    "spelling",
    [
        "91440300MA5FXXXX1X",
        "91440300ma5fxxxx1x",
        "９１４４０３００ＭＡ５ＦＸＸＸＸ１Ｘ",
        "9144 0300 MA5F XXXX 1X",
    ],
)
def test_credit_code_spellings_share_one_form(spelling: str) -> None:
    assert normalise("credit_code", spelling) == "91440300MA5FXXXX1X"


def test_name_is_stripped_and_nfkc() -> None:
    assert normalise("name", "  张三\u3000") == "张三"
    assert normalise("name", "ＬＩ Ｌｅｉ") == "LI Lei"


@pytest.mark.parametrize("domain", ["phone", "credit_code", "name"])
def test_blank_values_are_refused(domain: str) -> None:
    with pytest.raises(NormalisationError, match="empty"):
        normalise(domain, " \u3000 ")


def test_unknown_domain_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown identifier domain 'passport'"):
        normaliser_for("passport")


def test_every_canonical_shape_has_a_normaliser() -> None:
    assert set(CANONICAL_SHAPES) <= {"resident_id", "phone", "credit_code", "name", "household"}
    for domain in CANONICAL_SHAPES:
        normaliser_for(domain)


# Spellings the shapes must classify correctly: near misses for each domain.
TRICKY = [
    "11010519491231002X",
    "11010519491231002x",
    "１1010519491231002X",
    "110105194912310020",
    "110105491231002",
    "13800138000",
    "008613800138000",
    "+8613800138000",
    "075588881234",
    "91440300MA5FXXXX1X",
    "91440300ma5fxxxx1x",
    " 13800138000",
    "13800138000 ",
    "١٣٨٠٠١٣٨٠٠٠",  # Arabic-Indic digits: \\d in Python, not in RE2
    "031000457",  # a household number
    "31000457",  # … its leading zero lost
    "０31000457",
    "031 000457",
]


@pytest.mark.parametrize("domain", sorted(CANONICAL_SHAPES))
def test_shape_matches_are_fixed_points_of_the_normaliser(domain: str) -> None:
    flags = pc.match_substring_regex(pa.array(TRICKY), CANONICAL_SHAPES[domain]).to_pylist()
    matched = [value for value, flag in zip(TRICKY, flags, strict=True) if flag]
    assert matched, "the shape should accept at least one sample"
    for value in matched:
        assert normalise(domain, value) == value


@given(
    st.from_regex(r"\A[0-9]{17}[0-9X]\Z", fullmatch=True)
    | st.from_regex(r"\A1[3-9][0-9]{9}\Z", fullmatch=True)
    | st.from_regex(r"\A[0-9A-Z]{1,30}\Z", fullmatch=True)
)
def test_generated_shape_matches_are_fixed_points(value: str) -> None:
    for domain, shape in CANONICAL_SHAPES.items():
        if pc.match_substring_regex(pa.array([value]), shape)[0].as_py():
            assert normalise(domain, value) == value


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("东湖社区桂花路12号", "东湖社区桂花路12号"),
        ("东湖社区 桂花路 １２ 号", "东湖社区桂花路12号"),
        ("东湖社区桂花路十二号", "东湖社区桂花路12号"),
        ("东湖社区桂花路12號", "东湖社区桂花路12号"),
        ("东湖花园3号楼", "东湖花园3栋"),
        ("东湖花园３幢", "东湖花园3栋"),
        ("东湖花园3座", "东湖花园3栋"),
        ("桂花路和榕树路路口", "桂花路与榕树路交叉口"),
        ("桂花路与榕树路交叉口", "桂花路与榕树路交叉口"),
        ("三组15号", "三组15号"),  # a village group keeps its numeral
        ("桂花路12#", "桂花路12号"),
    ],
)
def test_address_spellings_of_one_place_give_one_canonical_form(
    spelling: str, canonical: str
) -> None:
    assert normalise("address", spelling) == canonical


def test_different_places_stay_different() -> None:
    assert normalise("address", "桂花路12号") != normalise("address", "桂花路21号")
    assert normalise("address", "东湖花园3栋") != normalise("address", "东湖花园3单元")


@pytest.mark.parametrize("spelling", ["@街坊a123", "街坊A123", " ＠街坊a123 ", "街坊ａ１２３"])
def test_a_handle_is_folded_to_one_spelling(spelling: str) -> None:
    assert normalise("handle", spelling) == "街坊a123"


def test_an_empty_address_or_handle_is_refused() -> None:
    for domain, value in (("address", " ，、 "), ("handle", "@ ")):
        with pytest.raises(NormalisationError):
            normalise(domain, value)
