"""A text is placed in the district by its place names, or not at all (with the reason)."""

from __future__ import annotations

import pytest

from catalog.registry import load_catalog
from home.layout import config_dir
from quality.place_names import PlaceLocator
from quality.standardise import ValueProblem

DISTRICT = load_catalog(config_dir()).district
LOCATOR = PlaceLocator(DISTRICT)
DONGHU, CUIZHU, HUBIN = "440399001001", "440399001002", "440399001003"


@pytest.mark.parametrize(
    ("text", "community"),
    [
        ("#示范区# 东湖社区桂花路12号，晚上太吵", DONGHU),  # the community by name
        ("翠竹家园5栋停水了", CUIZHU),  # a compound lies in one community
        ("桂花路与榕树路交叉口有人摆摊", DONGHU),  # 桂花路: 东湖+翠竹, 榕树路: 东湖 only
        ("湖滨大道上的路灯坏了", HUBIN),  # a road in one community
        ("东湖名苑门口，东湖路上堵车", DONGHU),  # strong names decide before roads
    ],
)
def test_a_text_is_placed_by_its_place_names(text: str, community: str) -> None:
    assert LOCATOR.community(text) == community


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("晚上太吵了，有没有人管管", "names no place of this district"),
        ("桂花路上流动摊贩太多", "run through 2 communities"),  # 东湖 and 翠竹 share it
        ("东湖花园和翠竹苑之间的路灯不亮", "names places in 2 communities"),
        ("", "no text"),
        (None, "no text"),
    ],
)
def test_a_text_that_cannot_be_placed_says_why_without_quoting_it(
    text: str | None, reason: str
) -> None:
    with pytest.raises(ValueProblem) as err:
        LOCATOR.community(text)
    assert reason in str(err.value)
    assert not text or text not in str(err.value)


@pytest.mark.parametrize(
    ("text", "location"),
    [
        ("#示范区# 东湖社区桂花路12号，晚上太吵", "东湖社区桂花路12号"),
        ("东湖社区 桂花路 １２ 号附近", "东湖社区 桂花路 １２ 号"),
        ("桂花路和榕树路路口有人摆摊", "桂花路和榕树路路口"),
        ("翠竹苑3号楼漏水", "翠竹苑3号楼"),
        ("翠竹家园停水了", None),  # a compound without a building is a place, not an address
    ],
)
def test_the_location_is_the_first_address_like_span(text: str, location: str | None) -> None:
    assert LOCATOR.location(text) == location
