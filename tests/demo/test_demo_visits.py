"""The street offices' home-visit workbooks: one per street, visits of who is on the rolls."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from demo_generated import SMALL, GeneratedDemo
from demo_readers import ledger_kinds, parse_any_date, sheet_rows

from catalog.district import District
from demo import assistance, visits
from demo.dates import EXPORT_DAY
from identifiers import resident_id


@pytest.fixture(scope="module")
def books(small_demo: GeneratedDemo, district: District) -> dict[str, list[list]]:
    return {
        visits.workbook(street): sheet_rows(
            small_demo.departments / visits.workbook(street), visits.SHEET
        )
        for street in district.streets
    }


def test_one_workbook_per_street_with_its_headers(
    books: dict[str, list[list]], small_demo: GeneratedDemo
) -> None:
    source = small_demo.manifest.sources["visits"]
    assert source.department == "street_offices"
    assert sorted(source.files) == sorted(books)
    for path, sheet in books.items():
        assert tuple(sheet[0]) == visits.HEADERS
        assert source.rows_per_file[path] == len(sheet) - 1
    assert sum(len(sheet) - 1 for sheet in books.values()) == SMALL.visits


def test_clean_rows_are_visits_in_the_workbooks_street(
    books: dict[str, list[list]], small_demo: GeneratedDemo, district: District
) -> None:
    numbers: Counter[str] = Counter()
    for street in district.streets:
        path = visits.workbook(street)
        dirt = ledger_kinds(small_demo.departments / "dirt_ledger.csv", visits.SOURCE, path)
        for line, row in enumerate(books[path][1:], start=1):
            if line in dirt:
                continue
            visit_no, name, id_number, day, community, purpose, visitor = row
            numbers[visit_no] += 1
            assert resident_id.parse(id_number).value == id_number
            assert isinstance(day, dt.date) and day <= EXPORT_DAY
            assert district.community_by_name[community][0].code == street.code
            assert purpose in visits.PURPOSES
            assert 2 <= len(name) <= 4 and 2 <= len(visitor) <= 4
    assert max(numbers.values()) == 1


def test_disabled_residents_are_visited_lately_long_ago_or_never(
    books: dict[str, list[list]], small_demo: GeneratedDemo
) -> None:
    roll = sheet_rows(small_demo.departments / assistance.FILE, assistance.SHEET)[1:]
    disabled = {
        resident_id.parse(r[1]).value
        for r in roll
        if r[4] == "残疾人两项补贴" and isinstance(r[1], str) and resident_id.is_valid(r[1])
    }
    last: dict[str, dt.date] = {}
    for sheet in books.values():
        for row in sheet[1:]:
            day = row[3] if isinstance(row[3], dt.date) else parse_any_date(str(row[3]))
            if row[2] and resident_id.is_valid(str(row[2])) and day:
                number = resident_id.parse(str(row[2])).value
                last[number] = max(day, last.get(number, day))
    recent = EXPORT_DAY - dt.timedelta(days=visits.RECENT_DAYS)
    assert any(last.get(n, dt.date.min) > recent for n in disabled)
    assert any(n not in last or last[n] <= recent for n in disabled)


def test_every_dirty_row_shows_its_kind(
    books: dict[str, list[list]], small_demo: GeneratedDemo, district: District
) -> None:
    seen = set()
    for path, sheet in books.items():
        dirt = ledger_kinds(small_demo.departments / "dirt_ledger.csv", visits.SOURCE, path)
        for line, kind in dirt.items():
            seen.add(kind)
            _, _, id_number, day, community, purpose, _ = sheet[line]
            if kind in ("id_fullwidth", "id_spaces"):
                assert (
                    resident_id.is_valid(id_number)
                    and resident_id.normalise(id_number) != id_number
                )
            elif kind == "id_check_digit":
                assert not resident_id.is_valid(id_number)
            elif kind == "id_missing":
                assert id_number in (None, "")
            elif kind == "date_text":
                assert isinstance(day, str) and parse_any_date(day)
            elif kind == "date_unparseable":
                assert isinstance(day, str) and not parse_any_date(day)
            elif kind == "purpose_spelling":
                assert purpose not in visits.PURPOSES
            elif kind == "community_unknown":
                assert community not in district.community_by_name
            elif kind == "duplicate":
                assert any(r == sheet[line] for i, r in enumerate(sheet[1:], start=1) if i != line)
            else:
                pytest.fail(f"unexpected dirt kind {kind}")
    assert seen == {kind.name for kind in visits.KINDS}


def test_visit_numbers_keep_the_contracts_form_on_a_street_with_many_visits() -> None:
    """Regression: a street's 10,000th visit was numbered with five digits (scale 1)."""
    import re

    import yaml

    from home.layout import DEFAULT_CONFIG_DIR

    contract = yaml.safe_load((DEFAULT_CONFIG_DIR / "datasets" / "visits.yaml").read_text("utf-8"))
    [regex] = [
        rule["kwargs"]["regex"]
        for rule in contract["expectations"]
        if rule["kwargs"].get("column") == "visit_no"
    ]
    numbers = visits.VisitNumbers()
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=n % 700) for n in range(30_000)]
    made = [numbers.next("DH", "310104001", day) for day in sorted(days)]
    assert all(re.fullmatch(regex, number) for number in made)
    assert len(set(made)) == len(made)
