"""Locate a free text in the district by the place names it holds.

A Weibo post names no community; it names a road, a residential compound, a
crossing, sometimes the community itself. The district's configuration lists each
community's roads and compounds (``district.yaml``). A text is placed in a community
when its place names point to exactly one:

1. community names and compounds found in the text (each lies in one community):
   exactly one community among them places the text; two or more do not;
2. otherwise roads: the communities every named road runs through (a crossing of
   two roads lies where both run); exactly one places the text;
3. anything else (no place name, or names that fit several communities) cannot be
   placed, and the row is quarantined with that reason, never the text.

The location is the first address-like span: ``<road><n>号`` (with the community
before it, if written), ``<road>与<road>交叉口`` or ``<compound><n>栋``.
"""

from __future__ import annotations

import re

from catalog.district import District
from quality.standardise import ValueProblem

_DIGITS = "[0-9０-９]+"
_GAP = r"[ \u3000]*"


def _alternatives(names: list[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(set(names), key=lambda n: (-len(n), n)))


class PlaceLocator:
    def __init__(self, district: District) -> None:
        self.single: dict[str, str] = {}  # community or compound name → community code
        self.roads: dict[str, set[str]] = {}  # road → the communities it runs through
        for _, community in district.communities:
            self.single[community.name] = community.code
            for compound in community.compounds:
                self.single[compound] = community.code
            for road in community.roads:
                self.roads.setdefault(road, set()).add(community.code)
        communities = _alternatives([c.name for _, c in district.communities])
        roads = _alternatives(list(self.roads))
        compounds = _alternatives([n for _, c in district.communities for n in c.compounds])
        self._single = re.compile(_alternatives(list(self.single))) if self.single else None
        self._road = re.compile(roads) if roads else None
        spans = []
        if roads:
            spans.append(f"(?:(?:{communities}){_GAP})?(?:{roads}){_GAP}{_DIGITS}{_GAP}号")
            spans.append(f"(?:{roads})[与和](?:{roads})(?:交叉口|路口)")
        if compounds:
            spans.append(f"(?:{compounds}){_GAP}{_DIGITS}{_GAP}(?:栋|幢|号楼)")
        self._span = re.compile("|".join(spans)) if spans else None

    def community(self, text: str | None) -> str:
        """The community code the text's place names point to; ValueProblem otherwise."""
        if not text:
            raise ValueProblem("no text to locate the record by")
        strong = {self.single[m] for m in self._single.findall(text)} if self._single else set()
        if len(strong) == 1:
            return next(iter(strong))
        if len(strong) > 1:
            raise ValueProblem(
                f"the text names places in {len(strong)} communities; cannot tell which"
            )
        named = set(self._road.findall(text)) if self._road else set()
        if not named:
            raise ValueProblem(
                "the text names no place of this district (community, compound or road)"
            )
        runs = [self.roads[road] for road in named]
        common = set.intersection(*runs)
        if len(common) == 1:
            return next(iter(common))
        raise ValueProblem(
            f"the roads the text names run through {len(common) or len(set.union(*runs))} "
            "communities; cannot tell which"
        )

    def location(self, text: str | None) -> str | None:
        """The first address-like span of the text, as written; None when there is none."""
        if not text or self._span is None:
            return None
        match = self._span.search(text)
        return match.group(0) if match else None
