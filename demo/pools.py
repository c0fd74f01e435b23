"""Residents set aside while the registry is written, for the other departments to reuse.

Civil affairs, market regulation and the hotline deal with the same people
the police registry holds; sharing them is what makes cross-department joins
in the hub meaningful.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from demo.addresses import Place
from demo.dates import EXPORT_DAY
from demo.people import FLOATING_BIRTHS, HOUSEHOLD_BIRTHS, Person

HOUSEHOLD_SHARE = 0.7


@dataclass(frozen=True, slots=True)
class Resident:
    person: Person
    place: Place
    address: str


def _assistance_weight(age: int) -> float:
    # Assistance rolls are mostly elderly: allowances for 80+, living alone 60+.
    if age >= 80:
        return 30.0
    if age >= 60:
        return 6.0
    return 1.0


def _adult_weight(age: int) -> float:
    return 1.0 if 22 <= age <= 70 else 0.0


class ResidentPools:
    """Disjoint pools of clean registry residents: assistance, legal reps, reporters."""

    def __init__(
        self,
        rng: random.Random,
        residents: int,
        *,
        assistance: int,
        legal_reps: int,
        reporters: int,
    ) -> None:
        self._rng = rng
        # Aim at twice the wanted size (dirty rows are never offered) so there is
        # enough to sample down from; the probability per age is scaled by the
        # expected weight of a resident.
        self._targets = (assistance * 2.0, legal_reps * 2.0, reporters * 2.0)
        ages = [
            (EXPORT_DAY.year - year, HOUSEHOLD_SHARE / len(HOUSEHOLD_BIRTHS.years))
            for year in HOUSEHOLD_BIRTHS.years
        ] + [
            (EXPORT_DAY.year - year, (1 - HOUSEHOLD_SHARE) / len(FLOATING_BIRTHS.years))
            for year in FLOATING_BIRTHS.years
        ]
        mean_assistance = sum(_assistance_weight(age) * share for age, share in ages)
        mean_adult = sum(_adult_weight(age) * share for age, share in ages)
        n = max(residents, 1)
        self._assistance_scale = self._targets[0] / (n * mean_assistance)
        self._legal_scale = self._targets[1] / (n * mean_adult)
        self._reporter_scale = self._targets[2] / (n * mean_adult)
        self.assistance: list[Resident] = []
        self.legal_reps: list[Resident] = []
        self.reporters: list[Resident] = []

    def offer(self, person: Person, place: Place, address: str) -> None:
        """Maybe keep this resident in one of the pools."""
        age = EXPORT_DAY.year - person.birth.year
        draw = self._rng.random()
        threshold = self._assistance_scale * _assistance_weight(age)
        if draw < threshold:
            self.assistance.append(Resident(person, place, address))
            return
        adult = _adult_weight(age)
        threshold += self._legal_scale * adult
        if draw < threshold:
            self.legal_reps.append(Resident(person, place, address))
            return
        threshold += self._reporter_scale * adult
        if draw < threshold:
            self.reporters.append(Resident(person, place, address))
