"""Households of the registered population (户籍户): who lives with whom, and how old.

Each household is drawn as a kind (a family with children, a couple, an elderly
person living alone, three generations…) with its members' relation to the
household head (与户主关系), sex and birth date, so that ages within a household
fit together (children born to parents of twenty and more, parents of the head a
generation older). Floating residents are registered one by one and have no
household number.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from demo.dates import EXPORT_DAY

# Relation to the household head, as the contract spells them (GB/T 4761 groups).
HEAD, SPOUSE, SON, DAUGHTER, PARENT, GRANDCHILD = "户主", "配偶", "子", "女", "父母", "孙子女"
RELATIONS = (HEAD, SPOUSE, SON, DAUGHTER, PARENT, GRANDCHILD, "兄弟姐妹", "其他")
# How registry clerks also write them: synonyms and GB/T 4761 codes.
OTHER_SPELLINGS: dict[str, tuple[str, ...]] = {
    HEAD: ("本人", "02"),
    SPOUSE: ("妻", "夫", "妻子", "10"),
    SON: ("长子", "次子", "儿子", "20"),
    DAUGHTER: ("长女", "次女", "女儿", "30"),
    PARENT: ("父亲", "母亲", "50"),
    GRANDCHILD: ("孙子", "孙女", "外孙女", "40"),
}


@dataclass(frozen=True)
class Member:
    relation: str
    birth: dt.date
    male: bool
    shares_head_surname: bool


@dataclass(frozen=True)
class _Kind:
    name: str
    weight: int
    mean_size: float


KINDS = (
    _Kind("elderly_alone", 6, 1),
    _Kind("adult_alone", 10, 1),
    _Kind("elderly_couple", 10, 2),
    _Kind("young_couple", 8, 2),
    _Kind("family", 40, 3.6),
    _Kind("three_generations", 16, 5.0),
    _Kind("elderly_with_child", 10, 2),
)
MEAN_SIZE = sum(k.weight * k.mean_size for k in KINDS) / sum(k.weight for k in KINDS)


def household_start_share(person_share: float) -> float:
    """How often a new registration is a household rather than one floating resident, so
    that households hold ``person_share`` of the people."""
    return person_share / (person_share + (1 - person_share) * MEAN_SIZE)


def _born(rng: random.Random, youngest: int, oldest: int) -> dt.date:
    """A birth date of someone aged youngest..oldest on the export day."""
    first = EXPORT_DAY.replace(year=EXPORT_DAY.year - oldest - 1) + dt.timedelta(days=1)
    last = EXPORT_DAY.replace(year=EXPORT_DAY.year - youngest)
    return dt.date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


def _age(birth: dt.date) -> int:
    return (
        EXPORT_DAY.year
        - birth.year
        - ((EXPORT_DAY.month, EXPORT_DAY.day) < (birth.month, birth.day))
    )


def draw_household(rng: random.Random) -> list[Member]:
    """The members of one household, head first."""
    kind = rng.choices(KINDS, weights=[k.weight for k in KINDS])[0].name
    male = rng.random() < 0.55  # heads are more often men, as registered
    if kind == "elderly_alone":
        return [Member(HEAD, _born(rng, 70, 96), rng.random() < 0.4, True)]
    if kind == "adult_alone":
        return [Member(HEAD, _born(rng, 22, 69), male, True)]
    if kind in ("elderly_couple", "young_couple"):
        head = _born(rng, 60, 90) if kind == "elderly_couple" else _born(rng, 22, 59)
        return [Member(HEAD, head, male, True), _spouse(rng, head, male)]
    if kind == "elderly_with_child":
        head = _born(rng, 65, 92)
        child_age = max(_age(head) - rng.randint(22, 38), 20)
        child_male = rng.random() < 0.5
        return [
            Member(HEAD, head, rng.random() < 0.45, True),
            Member(
                SON if child_male else DAUGHTER, _born(rng, child_age, child_age), child_male, True
            ),
        ]
    if kind == "family":
        head = _born(rng, 28, 58)
        members = [Member(HEAD, head, male, True), _spouse(rng, head, male)]
        members += _children(rng, head, rng.choices((1, 2, 3), weights=(50, 40, 10))[0])
        return members
    # three generations: the head, spouse, children, and one or two parents of the head
    head = _born(rng, 32, 55)
    members = [Member(HEAD, head, male, True), _spouse(rng, head, male)]
    members += _children(rng, head, rng.choice((1, 2)))
    for parent_male in rng.sample((True, False), rng.choice((1, 2))):
        age = min(_age(head) + rng.randint(22, 35), 96)
        members.append(Member(PARENT, _born(rng, age, age), parent_male, parent_male))
    return members


def _spouse(rng: random.Random, head: dt.date, head_male: bool) -> Member:
    age = max(_age(head) + rng.randint(-6, 4) * (1 if head_male else -1), 20)
    return Member(SPOUSE, _born(rng, age, age), not head_male, False)


def _children(rng: random.Random, head: dt.date, count: int) -> list[Member]:
    oldest = min(_age(head) - 20, 30)
    children = []
    for _ in range(count):
        age = rng.randint(0, max(oldest, 0))
        male = rng.random() < 0.52
        children.append(Member(SON if male else DAUGHTER, _born(rng, age, age), male, True))
    return children


class HouseholdNumbers:
    """Nine-digit household numbers (户号), unique in the district: 0, the police station's
    digit, seven digits each station counts on its own from a random start.

    One count shared by every station ran past seven digits at scale 10 (3.6 million
    households, a step of 4 on average from up to 3 million) and made 1.7 million
    household numbers invalid."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._start = rng.randrange(1_000_000, 3_000_000)
        self._next: dict[int, int] = {}

    def next(self, station: int) -> str:
        digit = station % 10
        number = self._next.get(digit, self._start) + self._rng.randint(1, 7)
        if number > _LAST_SERIAL:
            raise ValueError(
                f"police station {digit} has run out of seven-digit household numbers: "
                "generate a smaller district or one with more streets"
            )
        self._next[digit] = number
        return f"0{digit}{number:07d}"


_LAST_SERIAL = 9_999_999
