"""Realistic hotline case descriptions with known, planted personal data.

Shared by the text-scan tests: every text says which entities were planted in
it, so a scan can be checked for both misses and false alarms. All IDs are built
with ``resident_id.make`` and all phones are made up.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass

from identifiers import resident_id

_FULLWIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")

_COMPLAINTS = [
    "小区垃圾清运不及时，异味严重，请尽快处理。",
    "楼道灯坏了三天，老人晚上上下楼不方便。",
    "夜间施工噪音扰民，影响休息。",
    "路边井盖松动，存在安全隐患。",
    "共享单车乱停放，占用盲道。",
    "商户占道经营，油烟很大。",
    "小区电梯经常停运，物业不处理。",
    "公园绿化带被踩坏，希望修复。",
]
_PLACES = [
    "翠竹社区桂花路{n}号{b}栋",
    "东湖街道幸福里{n}号",
    "和平社区{b}栋{n}0{b}室",
    "文化路与建设路交叉口",
]
_DISTRACTORS = [
    "工单号GD20261101{n:05d}。",
    "工单号2026110100{n:06d}12。",
    "已于2026年3月{b}日反映过，编号12345{n:03d}。",
    "拨打12345热线无人接听。",
    "报警110后未处理。",
    "涉及金额{n}000.50元。",
    "2026-11-01 08:{b}0:00来电。",
    "罚款{n}元，补贴1,200元。",
]


@dataclass(frozen=True)
class SampleText:
    text: str
    planted: tuple[str, ...]


def _mobile(rng: random.Random) -> str:
    number = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    style = rng.randrange(6)
    if style == 0:
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    if style == 1:
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    if style == 2:
        return f"+86 {number}"
    if style == 3:
        return number.translate(_FULLWIDTH)
    return number


def _resident_id(rng: random.Random) -> str:
    born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(25000))
    value = resident_id.make(rng.choice(["440305", "110101", "320102"]), born, rng.randrange(1000))
    style = rng.randrange(5)
    if style == 0:
        return f"{value[:6]} {value[6:14]} {value[14:]}"
    if style == 1:
        return value.translate(_FULLWIDTH)
    if style == 2:
        return value.lower()
    return value


def sample_texts(count: int, seed: int = 20261101) -> list[SampleText]:
    """``count`` case descriptions; about a third carry a phone, a sixth an ID."""
    rng = random.Random(seed)
    samples = []
    for _ in range(count):
        n, b = rng.randrange(1, 99), rng.randrange(1, 9)
        parts = [rng.choice(_PLACES).format(n=n, b=b), rng.choice(_COMPLAINTS)]
        planted: list[str] = []
        if rng.random() < 0.5:
            parts.append(rng.choice(_DISTRACTORS).format(n=n, b=b))
        if rng.random() < 0.35:
            parts.append(f"联系电话{_mobile(rng)}。")
            planted.append("CN_MOBILE")
        if rng.random() < 0.17:
            parts.append(f"反映人身份证{_resident_id(rng)}。")
            planted.append("CN_RESIDENT_ID")
        if rng.random() < 0.05:
            parts.append(f"另一联系人{_mobile(rng)}。")
            planted.append("CN_MOBILE")
        samples.append(SampleText(text="".join(parts), planted=tuple(planted)))
    return samples


def planted_counts(samples: list[SampleText]) -> Counter[str]:
    return Counter(entity for sample in samples for entity in sample.planted)
