"""What happened, where, when and who told: an incident, before any channel writes it down.

Every channel's record is drawn from an incident: the hotline's and the mailbox's by a
resident, the grid app's by an inspector who saw it, a Weibo post by a bystander. The
same incident told on two channels is what the hub's merge must find again.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from itertools import accumulate

from demo.addresses import FLOATING_REGIONS, HOUSEHOLD_REGIONS, AddressBook, Place
from demo.case_texts import CaseStory, CaseWriter
from demo.dates import EXPORT_TIME
from demo.people import ADULT_BIRTHS, Person, PersonMaker
from demo.pools import Resident

URGENCIES = ("一般", "紧急", "特急")
_URGENCY_WEIGHTS = tuple(accumulate((85, 12, 3)))
_TRANSFERS = (0, 1, 2, 3, 4)
_TRANSFER_WEIGHTS = tuple(accumulate((60, 25, 10, 4, 1)))
DEADLINE_DAYS = {"一般": 15, "紧急": 3, "特急": 1}
_MEAN_HANDLING_DAYS = {"一般": 6.0, "紧急": 1.5, "特急": 0.5}
SATISFACTION = ("满意", "基本满意", "不满意", "")
_SATISFACTION_WEIGHTS = tuple(accumulate((60, 25, 10, 5)))
FIRST_DAY = dt.date(2026, 9, 1)  # the three months every channel's records cover


@dataclass(frozen=True)
class Incident:
    received: dt.datetime
    story: CaseStory
    place: Place
    spot: str  # where it happened, as the first reporter names it
    reporter: Person
    urgency: str
    deadline: dt.date
    transfers: int  # hand-overs between departments before it was closed (or until now)
    closed: dt.datetime | None
    satisfaction: str

    @property
    def category(self) -> str:
        return self.story.category

    @property
    def department(self) -> str:
        return self.story.department


def draw_incident(
    rng: random.Random,
    writer: CaseWriter,
    maker: PersonMaker,
    addresses: AddressBook,
    reporters: list[Resident],
    received: dt.datetime,
) -> Incident:
    """An incident reported at ``received``: by a resident of the pool most of the time,
    about where they live; its handling (urgency, transfers, closure) drawn after it."""
    if reporters and rng.random() < 0.7:
        resident = rng.choice(reporters)
        reporter = resident.person
        # Most people report what happens where they live.
        place = resident.place if rng.random() < 0.8 else addresses.place()
    else:
        regions = HOUSEHOLD_REGIONS if rng.random() < 0.5 else FLOATING_REGIONS
        reporter = maker.make(regions, ADULT_BIRTHS)
        place = addresses.place()
    story = writer.story(reporter, place)
    urgency = rng.choices(URGENCIES, cum_weights=_URGENCY_WEIGHTS)[0]
    transfers = rng.choices(_TRANSFERS, cum_weights=_TRANSFER_WEIGHTS)[0]
    handling_days = rng.expovariate(1 / _MEAN_HANDLING_DAYS[urgency]) + 0.5 * transfers
    closed: dt.datetime | None = received + dt.timedelta(seconds=int(handling_days * 86_400))
    if closed is not None and closed > EXPORT_TIME:
        closed = None
    satisfaction = (
        "" if closed is None else rng.choices(SATISFACTION, cum_weights=_SATISFACTION_WEIGHTS)[0]
    )
    return Incident(
        received=received,
        story=story,
        place=place,
        spot=addresses.spot(place),
        reporter=reporter,
        urgency=urgency,
        deadline=received.date() + dt.timedelta(days=DEADLINE_DAYS[urgency]),
        transfers=transfers,
        closed=closed,
        satisfaction=satisfaction,
    )
