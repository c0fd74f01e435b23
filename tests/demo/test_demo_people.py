from __future__ import annotations

import datetime as dt
import random

from demo.people import (
    FLOATING_BIRTHS,
    HOUSEHOLD_BIRTHS,
    IdNumberAllocator,
    PersonMaker,
)
from identifiers import phone, resident_id


def _maker(seed: str = "people") -> PersonMaker:
    rng = random.Random(seed)
    return PersonMaker(rng, IdNumberAllocator(rng))


def test_ids_are_valid_unique_and_agree_with_the_person() -> None:
    maker = _maker()
    people = [maker.make(("440305",), HOUSEHOLD_BIRTHS) for _ in range(5_000)]
    assert len({p.id_number for p in people}) == len(people)
    for person in people:
        parsed = resident_id.parse(person.id_number)
        assert parsed.birth_date == person.birth
        assert parsed.sex == person.sex
        assert phone.is_mobile(person.phone)


def test_allocator_never_repeats_on_a_crowded_birthday() -> None:
    ids = IdNumberAllocator(random.Random(1))
    day = dt.date(1990, 1, 1)
    issued = []
    while (number := ids.allocate("440305", day, True)) is not None:
        issued.append(number)
    assert len(issued) == len(set(issued)) >= 250
    assert all(int(number[16]) % 2 == 1 for number in issued)


def test_allocator_can_ask_for_a_check_character_x() -> None:
    ids = IdNumberAllocator(random.Random(2))
    numbers = [ids.allocate("430102", dt.date(1980, 5, d), False, check="X") for d in range(1, 20)]
    assert all(n is not None and n.endswith("X") and resident_id.is_valid(n) for n in numbers)


def test_names_use_surname_list_and_sometimes_two_character_surnames() -> None:
    maker = _maker("names")
    names = [maker.names.name(i % 2 == 0) for i in range(20_000)]
    assert all(2 <= len(name) <= 4 for name in names)
    assert any(name.startswith(("欧阳", "司马")) for name in names)


def test_birth_dates_span_the_ages_products_group_by() -> None:
    rng = random.Random(3)
    births = [HOUSEHOLD_BIRTHS.draw(rng) for _ in range(20_000)]
    assert min(births).year == 1930 and max(births).year == 2024
    # Every month of 1966 has births: "turning 60 next month" lists are never empty.
    assert {b.month for b in births if b.year == 1966} == set(range(1, 13))
    floating = [FLOATING_BIRTHS.draw(rng) for _ in range(5_000)]
    working_age = sum(1970 <= b.year < 2006 for b in floating) / len(floating)
    assert working_age > 0.7
