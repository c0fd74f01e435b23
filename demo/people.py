"""People: unique, valid resident IDs whose sex and birth date agree with the person."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from demo.dates import EXPORT_DAY
from demo.names import NameMaker
from identifiers import resident_id

# Birth-year weights: a working-age bulge, fewer elderly and children.
_HOUSEHOLD_YEAR_WEIGHTS = (
    [(year, 1) for year in range(1930, 1946)]
    + [(year, 3) for year in range(1946, 1960)]
    + [(year, 5) for year in range(1960, 1970)]
    + [(year, 7) for year in range(1970, 2000)]
    + [(year, 5) for year in range(2000, 2016)]
    + [(year, 3) for year in range(2016, 2025)]
)
# Floating residents come to work: mostly aged 20 to 55.
_FLOATING_YEAR_WEIGHTS = (
    [(year, 1) for year in range(1950, 1970)]
    + [(year, 8) for year in range(1970, 2006)]
    + [(year, 2) for year in range(2006, 2025)]
)

_MOBILE_PREFIXES = tuple(
    f"1{second}{third}"
    for second, thirds in (
        ("3", "0123456789"),
        ("5", "012356789"),
        ("7", "35678"),
        ("8", "0123456789"),
        ("9", "1389"),
    )
    for third in thirds
)
_SEQUENCES_PER_SEX = 500  # sequence digits 15-17: 000-999, odd for men, even for women


@dataclass(frozen=True, slots=True)
class Person:
    """A person as every department should know them (canonical spellings)."""

    name: str
    id_number: str
    birth: dt.date
    phone: str

    @property
    def male(self) -> bool:
        return int(self.id_number[16]) % 2 == 1

    @property
    def sex(self) -> str:
        return "男" if self.male else "女"

    def age_on(self, day: dt.date) -> int:
        return (
            day.year - self.birth.year - ((day.month, day.day) < (self.birth.month, self.birth.day))
        )


class BirthYears:
    """Draws birth dates from a weighted distribution of years."""

    def __init__(self, weights: list[tuple[int, int]]) -> None:
        self.years = tuple(year for year, weight in weights for _ in range(weight))
        self._first_ordinal = {year: dt.date(year, 1, 1).toordinal() for year, _ in weights}
        self._days = {
            year: dt.date(year + 1, 1, 1).toordinal() - dt.date(year, 1, 1).toordinal()
            for year, _ in weights
        }

    def draw(self, rng: random.Random) -> dt.date:
        year = rng.choice(self.years)
        return dt.date.fromordinal(self._first_ordinal[year] + rng.randrange(self._days[year]))


HOUSEHOLD_BIRTHS = BirthYears(_HOUSEHOLD_YEAR_WEIGHTS)
FLOATING_BIRTHS = BirthYears(_FLOATING_YEAR_WEIGHTS)
ADULT_BIRTHS = BirthYears([(year, 1) for year in range(1950, 2003)])


class IdNumberAllocator:
    """Hands out resident IDs, never the same one twice.

    Sequence numbers are handed out per (region, birth date, sex) from a random
    start, so IDs stay unique without remembering every ID issued.
    """

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        # (region, birth date, sex) packed into one int: a million keys stay small.
        self._next: dict[int, int] = {}

    def allocate(
        self, region: str, birth: dt.date, male: bool, *, check: str | None = None
    ) -> str | None:
        """A fresh ID, or None when this region/day/sex has run out of sequences.

        ``check`` asks for an ID ending in that check character (e.g. "X").
        """
        ymd = f"{birth.year:04d}{birth.month:02d}{birth.day:02d}"
        parity = 1 if male else 0
        key = int(region + ymd) * 2 + parity
        step = self._next.get(key)
        if step is None:
            step = self._rng.randrange(_SEQUENCES_PER_SEX // 2)
        while step < _SEQUENCES_PER_SEX:
            first17 = f"{region}{ymd}{2 * step + parity:03d}"
            step += 1
            check_char = resident_id.check_char(first17)
            if check is None or check_char == check:
                self._next[key] = step
                return first17 + check_char
        self._next[key] = step
        return None


def random_mobile(rng: random.Random) -> str:
    return f"{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(100_000_000):08d}"


class PersonMaker:
    """Makes people with unique IDs, names that fit their sex, and mobiles."""

    def __init__(self, rng: random.Random, ids: IdNumberAllocator) -> None:
        self._rng = rng
        self._ids = ids
        self._names = NameMaker(rng)

    @property
    def names(self) -> NameMaker:
        return self._names

    def make(
        self,
        regions: tuple[str, ...],
        births: BirthYears,
        *,
        check: str | None = None,
        born_before: dt.date = EXPORT_DAY,
    ) -> Person:
        rng = self._rng
        while True:
            birth = births.draw(rng)
            if birth >= born_before:
                continue
            male = rng.random() < 0.5
            number = self._ids.allocate(rng.choice(regions), birth, male, check=check)
            if number is not None:
                return Person(self._names.name(male), number, birth, random_mobile(rng))

    def make_born(
        self,
        regions: tuple[str, ...],
        birth: dt.date,
        male: bool,
        *,
        check: str | None = None,
        surname: str | None = None,
    ) -> Person:
        """Someone of a given sex born on (or, if that day's IDs ran out, just before) a day;
        with ``surname``, of that family."""
        rng = self._rng
        day = birth
        while True:
            number = self._ids.allocate(rng.choice(regions), day, male, check=check)
            if number is not None:
                return Person(self._names.name(male, surname), number, day, random_mobile(rng))
            day -= dt.timedelta(days=1)
