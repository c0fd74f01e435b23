"""The generated population registry: shapes, clean rows, and every dirty row as recorded."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from demo_generated import SMALL, GeneratedDemo
from demo_readers import ledger_kinds, parse_any_date, population_rows

from catalog.district import District
from demo import population
from identifiers import phone, resident_id

UNFIXABLE_ID_KINDS = {"id_check_digit", "id_missing"}


@pytest.fixture(scope="module")
def rows(small_demo: GeneratedDemo) -> list[dict]:
    return population_rows(small_demo.departments / population.FILE)


@pytest.fixture(scope="module")
def dirt(small_demo: GeneratedDemo) -> dict[int, str]:
    return ledger_kinds(small_demo.departments / "dirt_ledger.csv", population.SOURCE)


def test_row_count_and_monotonic_person_ids(rows: list[dict]) -> None:
    assert len(rows) == SMALL.residents
    assert [row["person_id"] for row in rows] == list(range(1, SMALL.residents + 1))
    assert tuple(rows[0]) == population.COLUMNS


def test_clean_rows_are_canonical_and_consistent(
    rows: list[dict], dirt: dict[int, str], district: District
) -> None:
    clean = [row for row in rows if row["person_id"] not in dirt]
    assert len(clean) > 0.7 * len(rows)
    for row in clean:
        parsed = resident_id.parse(row["id_number"])
        assert parsed.value == row["id_number"]
        assert row["sex"] == parsed.sex  # sex agrees with the 17th digit
        assert row["birth_date"] == parsed.birth_date.isoformat()
        assert phone.parse(row["phone"]) == row["phone"]
        street, community = district.community_by_code[row["community_code"]]
        assert row["street_code"] == street.code
        assert row["grid_code"] in community.grid_codes
        assert row["address"].startswith(f"示范区{street.name}{community.name}")
        dt.date.fromisoformat(row["move_in_date"])
        dt.datetime.strptime(row["updated_at"], "%Y-%m-%d %H:%M:%S")


def test_household_and_floating_residents(rows: list[dict]) -> None:
    kinds = Counter(row["reg_type"] for row in rows)
    assert set(kinds) == {"户籍", "流动"}
    assert 0.6 < kinds["户籍"] / len(rows) < 0.8
    regions = Counter(row["id_number"][:6] for row in rows if row["id_number"])
    assert regions.most_common(1)[0][0] == "440305"
    floating = {
        row["id_number"][:2] for row in rows if row["reg_type"] == "流动" and row["id_number"]
    }
    assert len(floating - {"44"}) >= 5


def test_every_dirty_row_shows_its_kind(
    rows: list[dict], dirt: dict[int, str], district: District
) -> None:
    by_id = {row["person_id"]: row for row in rows}
    canonical_ids = Counter(row["id_number"] for row in rows if row["person_id"] not in dirt)
    assert set(dirt.values()) == {kind.name for kind in population.KINDS}
    for person_id, kind in dirt.items():
        row = by_id[person_id]
        value = row["id_number"]
        if kind in {"id_lower_x", "id_spaces", "id_fullwidth"}:
            assert value != resident_id.normalise(value)
            assert resident_id.is_valid(value)
        elif kind == "id_check_digit":
            assert not resident_id.is_valid(value)
        elif kind == "id_missing":
            assert value is None
        elif kind == "phone_format":
            assert row["phone"] != phone.normalise(row["phone"])
            assert phone.is_mobile(row["phone"])
        elif kind == "sex_code":
            assert row["sex"] == ("1" if resident_id.parse(value).sex == "男" else "2")
        elif kind == "date_format":
            assert parse_any_date(row["birth_date"]) == resident_id.parse(value).birth_date
            assert "-" not in row["birth_date"]
        elif kind == "date_unparseable":
            assert parse_any_date(row["birth_date"]) is None
        elif kind == "community_code_unknown":
            assert row["community_code"] not in district.community_by_code
        elif kind == "id_conflict":
            # The same person again under a second spelling of the same ID.
            assert value != resident_id.normalise(value) or len(value) == 15
            assert canonical_ids[resident_id.parse(value).value] == 1
        else:
            pytest.fail(f"unexpected dirt kind {kind}")


def test_unfixable_id_rows_are_invalid_and_clean_ids_unique(
    rows: list[dict], dirt: dict[int, str]
) -> None:
    unfixable = [r for r in rows if dirt.get(r["person_id"]) in UNFIXABLE_ID_KINDS]
    assert unfixable and not any(resident_id.is_valid(r["id_number"] or "") for r in unfixable)
    loadable = [
        resident_id.parse(r["id_number"]).value
        for r in rows
        if dirt.get(r["person_id"]) not in UNFIXABLE_ID_KINDS | {"id_conflict"}
    ]
    assert len(loadable) == len(set(loadable))


def test_birth_dates_use_all_four_spellings(rows: list[dict]) -> None:
    spellings = {
        "iso" if "-" in b else "slash" if "/" in b else "chinese" if "年" in b else "compact"
        for b in (row["birth_date"] for row in rows)
        if parse_any_date(b)
    }
    assert spellings == {"iso", "slash", "chinese", "compact"}
