"""Street addresses inside the district's communities, and where floating residents come from."""

from __future__ import annotations

import random
from dataclasses import dataclass

from catalog.district import Community, District, Street

_ROADS = (
    "桂花路",
    "榕树路",
    "翠竹路",
    "东湖路",
    "湖滨大道",
    "西岭路",
    "松坪街",
    "枫林路",
    "南桥路",
    "新港大道",
    "渔港路",
    "海景路",
    "建设路",
    "人民路",
    "文化路",
    "朝阳街",
    "和平路",
    "工业路",
    "创业路",
    "兴华路",
    "宝安路",
    "红荔路",
    "莲花路",
    "梅林路",
    "百花街",
    "育才路",
    "滨河路",
    "振兴路",
    "青年路",
    "幸福街",
)
_COMPOUND_WORDS = (
    "花园",
    "小区",
    "苑",
    "新村",
    "公寓",
    "家园",
    "雅居",
    "名苑",
    "华庭",
    "大厦",
)
_GROUP_NUMERALS = "一二三四五六七八"

# Region codes (first six ID digits) of residents registered in this city, and
# of floating residents from other provinces.
HOUSEHOLD_REGIONS: tuple[str, ...] = ("440305",) * 8 + ("440304", "440306")
FLOATING_REGIONS: tuple[str, ...] = (
    "430102",
    "430602",
    "360101",
    "360702",
    "510104",
    "511302",
    "410105",
    "411302",
    "450102",
    "450304",
    "420106",
    "421002",
    "350102",
    "522601",
    "340104",
    "612401",
)

# Community names and codes that are not in the district: typos, old names, neighbours.
UNKNOWN_COMMUNITY_NAMES = ("东湖新村社区", "翠竹园社区", "西岭村", "南湾社区", "松坪山社区")
UNKNOWN_COMMUNITY_CODES = ("440399001009", "440399004001", "440399002099", "440398003001")


@dataclass(frozen=True)
class Place:
    """A community with its roads and residential compounds."""

    street: Street
    community: Community
    roads: tuple[str, ...]
    compounds: tuple[str, ...]
    grid_codes: tuple[str, ...]

    @property
    def is_village(self) -> bool:
        return self.community.name.endswith("村")


def lay_out(district: District, rng: random.Random) -> tuple[Place, ...]:
    """Give each community its roads and compounds: those the district configuration lists
    (the place names the hub locates texts by), else drawn once per district and seed."""
    places = []
    for street, community in district.communities:
        roads = tuple(rng.sample(_ROADS, 4))
        compounds = tuple(community.name[:2] + rng.choice(_COMPOUND_WORDS) for _ in range(3))
        places.append(
            Place(
                street=street,
                community=community,
                roads=tuple(community.roads) or roads,
                compounds=tuple(community.compounds) or compounds,
                grid_codes=tuple(community.grid_codes),
            )
        )
    return tuple(places)


class AddressBook:
    """Draws places and addresses from a laid-out district with one source's random stream."""

    def __init__(self, district: District, places: tuple[Place, ...], rng: random.Random) -> None:
        self._rng = rng
        self.district = district
        self.places = places
        # Larger communities (more grid cells) house more people.
        self._cumulative: list[int] = []
        total = 0
        for place in places:
            total += place.community.grids
            self._cumulative.append(total)

    def place(self) -> Place:
        return self._rng.choices(self.places, cum_weights=self._cumulative)[0]

    def prefix(self, place: Place) -> str:
        return f"{self.district.district.name}{place.street.name}{place.community.name}"

    def local(self, place: Place) -> str:
        """The address inside the community, e.g. 桂花路12号3栋2单元501室 or 三组15号."""
        rng = self._rng
        if place.is_village:
            return f"{rng.choice(_GROUP_NUMERALS)}组{rng.randint(1, 80)}号"
        road = rng.choice(place.roads)
        return (
            f"{road}{rng.randint(1, 200)}号{rng.randint(1, 12)}栋{rng.randint(1, 4)}单元"
            f"{rng.randint(1, 32)}{rng.randint(1, 6):02d}室"
        )

    def home(self, place: Place) -> str:
        """A full residential address: 示范区东湖街道翠竹社区桂花路12号3栋2单元501室."""
        return self.prefix(place) + self.local(place)

    def shop(self, place: Place) -> str:
        """A full business address: …社区桂花路12号101铺."""
        rng = self._rng
        road = rng.choice(place.roads)
        return f"{self.prefix(place)}{road}{rng.randint(1, 200)}号{rng.randint(1, 3)}0{rng.randint(1, 9)}铺"

    def spot(self, place: Place) -> str:
        """Where something happened, as a citizen names it."""
        rng = self._rng
        road = rng.choice(place.roads)
        kind = rng.randrange(3)
        if kind == 0:
            return f"{place.community.name}{road}{rng.randint(1, 200)}号"
        if kind == 1:
            other = rng.choice([r for r in place.roads if r != road])
            return f"{road}与{other}交叉口"
        return f"{rng.choice(place.compounds)}{rng.randint(1, 12)}栋"

    def grid(self, place: Place) -> str:
        return self._rng.choice(place.grid_codes)
