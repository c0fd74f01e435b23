"""Household numbers stay nine valid digits at every district size the demo makes."""

from __future__ import annotations

import random

import pytest

from demo.households import HouseholdNumbers
from identifiers import household_no

# Scale 10 of the three-street demo district: about 3.6 million households, a third
# a station; the shared count of before passed seven digits near 2 million households.
HOUSEHOLDS_PER_STATION_AT_SCALE_10 = 1_200_000


def test_each_station_counts_on_its_own_so_scale_10_stays_valid() -> None:
    numbers = HouseholdNumbers(random.Random(7))
    last = {}
    for _ in range(HOUSEHOLDS_PER_STATION_AT_SCALE_10):
        for station in (1, 2, 3):
            last[station] = numbers.next(station)
    for station, number in last.items():
        assert household_no.is_valid(number), number
        assert number.startswith(f"0{station}")


def test_numbers_are_unique_across_stations_and_increase_within_one() -> None:
    numbers = HouseholdNumbers(random.Random(3))
    made = [(station, numbers.next(station)) for _ in range(2_000) for station in (1, 2, 13)]
    assert len({number for _, number in made}) == len(made)
    for station in (1, 2):
        own = [int(n) for s, n in made if s == station]
        assert own == sorted(own)
    # Stations 3 and 13 share the digit 3, and so one count: still no repeat.
    assert all(n.startswith("03") for s, n in made if s == 13)


def test_a_station_out_of_numbers_says_so_instead_of_making_a_bad_one() -> None:
    numbers = HouseholdNumbers(random.Random(1))
    numbers.next(2)
    numbers._next[2] = 9_999_999
    with pytest.raises(ValueError, match="police station 2 has run out"):
        numbers.next(2)
    assert household_no.is_valid(numbers.next(1))
