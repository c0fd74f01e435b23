"""The generated population registry: shapes, clean rows, and every dirty row as recorded."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from demo_generated import SMALL, GeneratedDemo
from demo_readers import ledger_kinds, parse_any_date, population_rows

from catalog.district import District
from demo import population
from demo.dates import EXPORT_DAY
from demo.households import OTHER_SPELLINGS, RELATIONS
from identifiers import household_no, phone, resident_id

UNFIXABLE_ID_KINDS = {"id_check_digit", "id_missing"}
OTHER_RELATION_SPELLINGS = {s for spellings in OTHER_SPELLINGS.values() for s in spellings}


def _age(birth: dt.date) -> int:
    return (
        EXPORT_DAY.year
        - birth.year
        - ((EXPORT_DAY.month, EXPORT_DAY.day) < (birth.month, birth.day))
    )


def value_of(number: str) -> str:
    return household_no.normalise(number)


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
        if _age(parsed.birth_date) >= 14:
            assert phone.parse(row["phone"]) == row["phone"]
        else:
            assert row["phone"] is None  # a child has no phone of its own
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
        elif kind == "household_no_format":
            assert value_of(row["household_no"]) != row["household_no"]
            assert household_no.is_valid(row["household_no"])
        elif kind == "household_no_zero_lost":
            assert len(row["household_no"]) == 8 and not household_no.is_valid(row["household_no"])
        elif kind == "relation_spelling":
            assert row["relation"] in OTHER_RELATION_SPELLINGS
        elif kind == "relation_unknown":
            assert (
                row["relation"] not in RELATIONS and row["relation"] not in OTHER_RELATION_SPELLINGS
            )
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


def test_registered_residents_live_in_households_and_floating_ones_in_none(
    rows: list[dict], dirt: dict[int, str]
) -> None:
    clean = [row for row in rows if row["person_id"] not in dirt]
    floating = [row for row in clean if row["reg_type"] == "流动"]
    assert floating and all(r["household_no"] is None and r["relation"] is None for r in floating)
    households: dict[str, list[dict]] = {}
    for row in clean:
        if row["reg_type"] == "户籍":
            assert household_no.parse(row["household_no"]) == row["household_no"]
            assert row["relation"] in RELATIONS
            households.setdefault(row["household_no"], []).append(row)
    sizes = Counter(len(members) for members in households.values())
    assert sizes[1] and sizes[2] and sizes[3] and sum(n for s, n in sizes.items() if s >= 4)
    for members in households.values():
        # One address, one grid cell, one community per household.
        assert len({(m["address"], m["grid_code"]) for m in members}) == 1
        assert sum(1 for m in members if m["relation"] == "户主") <= 1


def test_ages_fit_together_within_a_household(rows: list[dict], dirt: dict[int, str]) -> None:
    households: dict[str, list[dict]] = {}
    for row in rows:
        if row["person_id"] not in dirt and row["reg_type"] == "户籍":
            households.setdefault(row["household_no"], []).append(row)
    born = {
        row["person_id"]: dt.date.fromisoformat(row["birth_date"])
        for members in households.values()
        for row in members
    }
    alone_elderly = 0
    for members in households.values():
        heads = [m for m in members if m["relation"] == "户主"]
        if not heads:
            continue
        head = born[heads[0]["person_id"]]
        for member in members:
            if member["relation"] in ("子", "女"):
                assert (born[member["person_id"]] - head).days > 19 * 365
            if member["relation"] == "父母":
                assert (head - born[member["person_id"]]).days > 20 * 365
        if len(members) == 1 and _age(head) >= 70:
            alone_elderly += 1
    assert alone_elderly > 0  # the proactive list of elderly living alone has people on it
