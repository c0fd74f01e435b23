"""Checks across the fields of one row: the resident ID must agree with sex and birth date."""

from __future__ import annotations

import datetime as dt

from identifiers import resident_id
from quality.row_rules import derive, id_consistency

WOMAN_1949 = "11010519491231002X"  # 17th digit 2: female, born 1949-12-31
MAN_1990 = resident_id.make("440305", dt.date(1990, 3, 7), 123)


def test_consistent_row_passes() -> None:
    row: dict[str, object] = {
        "id_number": WOMAN_1949,
        "sex": "女",
        "birth_date": dt.date(1949, 12, 31),
    }
    assert id_consistency(row) is None
    assert id_consistency({"id_number": MAN_1990, "sex": "男"}) is None


def test_sex_that_contradicts_the_id_names_the_sex_field() -> None:
    problem = id_consistency({"id_number": WOMAN_1949, "sex": "男"})
    assert problem is not None
    field, reason = problem
    assert field == "sex"
    assert "17th digit" in reason
    assert WOMAN_1949 not in reason


def test_birth_date_that_contradicts_the_id_names_the_birth_date_field() -> None:
    problem = id_consistency(
        {"id_number": MAN_1990, "sex": "男", "birth_date": dt.date(1990, 7, 3)}
    )
    assert problem is not None
    assert problem[0] == "birth_date"


def test_rows_without_id_or_without_the_other_fields_are_not_judged() -> None:
    assert id_consistency({"sex": "男"}) is None
    assert id_consistency({"id_number": None, "sex": "男"}) is None
    assert id_consistency({"id_number": WOMAN_1949}) is None
    assert id_consistency({"id_number": WOMAN_1949, "sex": None, "birth_date": None}) is None


def test_derive_fills_a_column_from_a_lookup() -> None:
    lookup = {"440399001001": "440399001"}
    row: dict[str, object] = {"community_code": "440399001001"}
    derive(row, "street_code", "community_code", lookup)
    assert row["street_code"] == "440399001"


def test_derive_leaves_the_row_alone_when_the_source_is_unknown_or_missing() -> None:
    lookup = {"440399001001": "440399001"}
    unknown: dict[str, object] = {"community_code": "999"}
    derive(unknown, "street_code", "community_code", lookup)
    assert "street_code" not in unknown
    missing: dict[str, object] = {"community_code": None}
    derive(missing, "street_code", "community_code", lookup)
    assert "street_code" not in missing
