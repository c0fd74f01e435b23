"""Classification levels: the one table that says what L1..L4 mean.

Every column of every dataset and product has a level. The working scale for
personal data (L1 public, L2 internal, L3 sensitive, L4 highly sensitive) maps
onto the national data grades of GB/T 43697-2024 (一般 / 重要 / 核心) and onto the
sharing type (政务数据共享) a column of that level defaults to:

====  ================  ==========  =====================================
level name              grade       a column of this level defaults to
====  ================  ==========  =====================================
L1    public            一般         无条件共享 (unconditional)
L2    internal          一般         无条件共享 (unconditional)
L3    sensitive         重要         有条件共享 (conditional)
L4    highly sensitive  核心         不予共享 (not shared)
====  ================  ==========  =====================================

Why these defaults: sharing is the rule (L1, L2 go to any government user
a grant reaches); sensitive personal data (L3: names, phones, addresses, birth
dates) goes only where a grant names the product, as an approved request does;
highly sensitive data (L4: identity numbers, health, disability, assistance
status) is not shared unless the product's steward records, per column, a
looser sharing type with a reason (``sharing`` and ``sharing_reason`` on the
product column). The policy engine applies these column defaults; see
``policies.engine``.

When data of several levels is combined, the result takes the strictest
(就高从严): :func:`strictest`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Level = Literal["L1", "L2", "L3", "L4"]
SharingType = Literal["unconditional", "conditional", "none"]
Grade = Literal["一般", "重要", "核心"]

SHARING_LABELS: dict[str, str] = {
    "unconditional": "无条件共享",
    "conditional": "有条件共享",
    "none": "不予共享",
}

# How strict each sharing type is: the higher, the stricter.
SHARING_STRICTNESS: dict[str, int] = {"unconditional": 0, "conditional": 1, "none": 2}


@dataclass(frozen=True)
class LevelInfo:
    level: Level
    name: str
    name_zh: str
    grade: Grade
    default_sharing: SharingType

    @property
    def rank(self) -> int:
        return int(self.level[1])

    @property
    def label(self) -> str:
        """``L3 sensitive (重要)``: how a level is shown to people."""
        return f"{self.level} {self.name} ({self.grade})"


LEVELS: dict[str, LevelInfo] = {
    "L1": LevelInfo("L1", "public", "公开", "一般", "unconditional"),
    "L2": LevelInfo("L2", "internal", "内部", "一般", "unconditional"),
    "L3": LevelInfo("L3", "sensitive", "敏感", "重要", "conditional"),
    "L4": LevelInfo("L4", "highly sensitive", "高敏感", "核心", "none"),
}

# How each level maps to the national grades (GB/T 43697-2024).
LEVEL_GRADES: dict[str, str] = {level: info.grade for level, info in LEVELS.items()}


def level_rank(level: str) -> int:
    """1 for L1 … 4 for L4: the higher, the stricter."""
    return LEVELS[level].rank


def strictest(levels: Iterable[Level]) -> Level:
    """The strictest of some levels (就高从严); L1 when there are none."""
    return max(levels, key=level_rank, default="L1")


def stricter_sharing(a: SharingType, b: SharingType) -> SharingType:
    """The stricter of two sharing types."""
    return a if SHARING_STRICTNESS[a] >= SHARING_STRICTNESS[b] else b
