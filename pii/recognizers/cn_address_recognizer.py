"""Chinese street addresses down to the flat: 桂花路12号3栋2单元501室."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from presidio_analyzer import AnalysisExplanation, Pattern, RecognizerResult

from pii import segmenter
from pii.recognizers.cn_pattern_recognizer import CnPatternRecognizer

if TYPE_CHECKING:
    from presidio_analyzer.nlp_engine import NlpArtifacts


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# A character of a place name: Chinese, but no number word (号, 栋, 座 ...).
_NAME_CHAR = "(?:(?![号栋幢座室层])[一-鿿])"
_DIGIT = "[0-9０-９]"
_NUMERAL = "[一二三四五六七八九十百零〇两]"
# A house, building or unit number: digits (full-width too) or Chinese numerals (三栋, 十二号).
_NUMBER = f"(?:{_DIGIT}{{1,5}}|{_NUMERAL}{{1,4}})"

# Place-name endings, longest first so that 街道 wins over 街.
ADMIN_SUFFIXES = _words(
    "特别行政区 自治区 自治州 自治县 开发区 居委会 村委会 街道 社区 地区 "
    "新区 省 市 盟 区 县 旗 镇 乡 村"
)
ROAD_SUFFIXES = ("大道", "大街", "胡同", "路", "街", "道", "巷", "弄", "里", "坊")
COMPOUND_SUFFIXES = _words(
    "小区 花园 家园 新村 公寓 雅居 名苑 华庭 大厦 大楼 广场 山庄 花城 "
    "商城 宿舍 大院 城 苑 园 庭 府 邸 居 阁 湾"
)
# Longest first, so that 社区 is tried before 区; then by text, so the pattern is the same
# in every process (a set's order changes with the hash seed).
_SUFFIXES = sorted(
    {*ADMIN_SUFFIXES, *ROAD_SUFFIXES, *COMPOUND_SUFFIXES}, key=lambda s: (-len(s), s)
)

# One named part: up to six characters of name and a place ending (东湖街道, 桂花路,
# 幸福里小区), or a village group (三组).
_PART = (
    f"(?:{_NAME_CHAR}{{1,6}}?(?:{'|'.join(_SUFFIXES)})"
    f"|(?:{_NUMERAL}{{1,3}}|{_DIGIT}{{1,2}})(?:村民小组|组|队))"
)
_PART_RE = re.compile(_PART)
_PARTS_RE = re.compile(f"(?:{_PART})*")
_GROUP_RE = re.compile(f"(?:{_NUMERAL}{{1,3}}|{_DIGIT}{{1,2}})(?:村民小组|组|队)")
# 楼 after a number and 号 is a building (5号楼), unless it is the roof, the stairs ... (76号楼顶).
_NOT_A_BUILDING = "(?![顶下上道梯里前后内外])"
# A door number: 12号, 12-3号, 12号之3, 十二号, 12号院; not 3号线, 2号文, 3号门, 5号楼.
_DOOR = (
    f"{_NUMBER}(?:[-－之]{_NUMBER})?号(?:院|之{_NUMBER})?"
    f"(?![线文令码机门口床车台柜窗位])(?!楼{_NOT_A_BUILDING})"
)
# A building, perhaps in a phase of the compound: 3栋, 5号楼, A座, 二期3栋.
_BUILDING = (
    f"(?:{_NUMBER}期)?"
    f"(?:{_NUMBER}(?:栋|幢|座|号楼{_NOT_A_BUILDING}|[#＃]楼)|[A-Za-zＡ-Ｚａ-ｚ]{{1,2}}(?:栋|幢|座))"
)
_UNIT = f"{_NUMBER}单元"
_FLOOR = f"{_NUMBER}(?:楼|层)(?![道梯顶下上])"
# A room: 501室, 1-502, 101铺, 五〇一室; bare digits only three to five of them (302).
_ROOM = (
    f"(?:{_DIGIT}{{1,5}}(?:[-－]{_DIGIT}{{1,5}})?(?:号房|号铺|室|房|户|铺|号)"
    f"|[一二三四五六七八九十〇零]{{2,5}}(?:号房|室|房|户)"
    f"|{_DIGIT}{{3,5}}(?![0-9０-９A-Za-z.．]))"
)
ADDRESS_REGEX = (
    f"(?P<places>{_PART}*)"
    f"(?:(?P<door>{_DOOR})(?P<estate>{_PART}*)(?P<building>{_BUILDING})?"
    f"|(?P<bare_building>{_BUILDING}))"
    f"(?P<unit>{_UNIT})?(?P<floor>{_FLOOR})?(?P<room>{_ROOM})?"
)
_ADDRESS_RE = re.compile(ADDRESS_REGEX)
# What a match holds before its first number (see ``_search``); 〇 lies outside 一-鿿.
_MATCH_CHAR = re.compile("[一-鿿〇0-9０-９A-Za-zＡ-Ｚａ-ｚ\\-－]")

# Words that lead into an address but are not part of it (住在, 家住, 位于 ...).
_LEAD_IN_WORDS = frozenset(
    _words(
        "住 在 住在 家住 现住 暂住 居住 位于 地址 住址 是 于 到 至 从 我 "
        "你 他 她 的 和 与 及 反映 投诉 来电 称 说 楼下 楼上 附近 对面 "
        "旁边"
    )
)
_LEAD_IN_CHARS = frozenset("住在于到至从是我你他她的和与及家")
_PROPER_TAGS = ("ns", "nz", "nt", "nr", "j")
# Place words that are no particular place (马路, 小区, 知道 ends in 道 too).
GENERIC_PLACES = frozenset(
    _words(
        "马路 道路 公路 铁路 线路 街道 大道 大街 小巷 街巷 通道 车道 步道 "
        "过道 楼道 渠道 频道 管道 隧道 跑道 小区 社区 地区 市区 城区 郊区 "
        "园区 景区 校区 山区 新区 城市 农村 乡村 本市 本区 这里 那里 哪里 "
        "家里 公园 花园 广场 大院"
    )
)


@dataclass
class _Parts:
    """Where one address lies and how fine it gets."""

    start: int
    end: int
    unit: bool  # it goes down to the unit (2单元)
    room: bool  # ... or to the room or floor (501室, 302, 5楼)
    place: bool  # a place name comes before the door or building number


class CnAddressRecognizer(CnPatternRecognizer):
    """Find Chinese addresses that lead to a door: a house number or a building at least.

    The span runs from the first place name (province, city, district, street,
    community, road, residential compound or village group) through the finest
    unit given: 示范区东湖街道翠竹社区桂花路12号3栋2单元501室, 桂花路12号,
    翠竹花园3栋2单元501室, 幸福里小区5号楼1单元302, 三组15号. Numbers may be
    full-width or Chinese numerals (三栋, 二单元).

    An address needs a door number after a road, compound or village group
    (桂花路12号) or a building number (3栋, 5号楼, A座): a bare road (桂花路),
    community (翠竹社区) or district names a place but no home, and neither does
    a crossing (东湖路与西林路交叉口), which is where something happened, not where
    someone lives. A building, unit and room with no place name before them
    (3栋2单元501室) still lead to one flat and are reported, lower.

    Scores: a door number or building 0.7, down to the unit 0.8, down to the room
    0.85; a building chain with no place name 0.6. A context word just before
    (住址, 地址, 住在, 家住, 户籍地 …) or passed by the caller adds 0.15.
    """

    ENTITY = "ADDRESS"
    PATTERNS: ClassVar[list[Pattern]] = [Pattern("address", ADDRESS_REGEX, 0.7)]
    CONTEXT: ClassVar[list[str]] = [
        "住址",
        "地址",
        "住在",
        "家住",
        "户籍地",
        "户籍所在地",
        "居住",
        "现住",
        "暂住",
        "住所",
        "位于",
        "经营场所",
        "address",
    ]
    # Every address has a number before 号, 栋, 幢, 座 or #楼 (a letter before 座, 栋).
    PRECHECK = "(?:[0-9０-９一二三四五六七八九十百零〇两A-Za-zＡ-Ｚａ-ｚ](?:[号栋幢座]|[#＃]楼))"
    CONTEXT_BOOST: ClassVar[float] = 0.15

    DOOR_SCORE: ClassVar[float] = 0.7
    UNIT_SCORE: ClassVar[float] = 0.8
    ROOM_SCORE: ClassVar[float] = 0.85
    NO_PLACE_SCORE: ClassVar[float] = 0.6

    _PRECHECK_RE: ClassVar[re.Pattern[str]] = re.compile(PRECHECK)

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        if entities and self.ENTITY not in entities:
            return []
        if not self._PRECHECK_RE.search(text):
            return []
        results = []
        position = 0
        while position < len(text):
            match = _search(text, position)
            if match is None:
                break
            parts = _read(text, match)
            if parts is None:
                position = match.start() + 1
                continue
            results.append(self._result(parts))
            position = parts.end
        return results

    def _result(self, parts: _Parts) -> RecognizerResult:
        if not parts.place:
            score, finest = self.NO_PLACE_SCORE, "a building chain with no place name"
        elif parts.room:
            score, finest = self.ROOM_SCORE, "down to the room"
        elif parts.unit:
            score, finest = self.UNIT_SCORE, "down to the unit"
        else:
            score, finest = self.DOOR_SCORE, "a door or building number"
        explanation = AnalysisExplanation(
            recognizer=self.name,
            original_score=score,
            pattern_name="address",
            pattern=ADDRESS_REGEX,
            textual_explanation=f"Chinese address: {finest}",
        )
        return RecognizerResult(
            entity_type=self.ENTITY,
            start=parts.start,
            end=parts.end,
            score=score,
            analysis_explanation=explanation,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )


def _search(text: str, position: int) -> re.Match[str] | None:
    """``_ADDRESS_RE.search(text, position)``, without trying starts that cannot match.

    Every match holds a number before 号, 栋, 幢, 座 or #楼 (the precheck), at or
    after its start, and before that number only what its parts are made of:
    Chinese characters, digits, letters and dashes. So no match starts before a
    blank or a punctuation mark that lies ahead of the first such number; the
    pattern has no lookbehind, so searching from there finds the same match.
    """
    anchor = CnAddressRecognizer._PRECHECK_RE.search(text, position)
    if anchor is None:
        return None
    start = anchor.start()
    while start > position and _MATCH_CHAR.match(text, start - 1):
        start -= 1
    return _ADDRESS_RE.search(text, start)


def _read(text: str, match: re.Match[str]) -> _Parts | None:
    """The address a match holds, trimmed to its place names; None when it is none."""
    door = match.group("door") is not None
    building = match.group("building") is not None or match.group("bare_building") is not None
    unit, room = match.group("unit") is not None, match.group("room") is not None
    floor = match.group("floor") is not None
    end = match.end()
    # Drop leading "places" that are none (家庭, 马路) and the words before the first one.
    places = _split_parts(text, match.start("places"), match.end("places"))
    start = match.start("door") if door else match.start("bare_building")
    while places:
        place_start = _place_start(text, places[0])
        if place_start is not None:
            start = place_start
            break
        places.pop(0)
    # A compound right after the door number (桂花路12号翠竹花园3栋) must be one; else
    # the address ends at the number (东湖路12号附近有人占道, 12号搬到翠竹花园).
    estate = False
    if door and match.group("estate"):
        parts = _split_parts(text, match.start("estate"), match.end("estate"))
        estate = bool(parts) and _place_start(text, parts[0]) == match.start("estate")
        if not estate:
            end = match.end("door")
            building = unit = room = floor = False
    if door and not (places and _door_may_follow(text, places[-1])):
        # A number with 号 after no road, compound or village group: 1号, 第3号, 社区3号.
        if not (estate or building):
            return None
        door, places = False, []
        start = match.start("estate") if estate else match.start("building")
    if not (places or estate or unit or room):
        return None  # a building number alone: 8栋
    return _Parts(start, end, unit, room or floor, bool(places) or estate)


def _split_parts(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The named parts matched between ``start`` and ``end``, each as (start, end).

    Each part is the shortest that leaves a rest made of parts (渔村|青年路, but
    渔村大厦 when 大厦 alone is no part). When jieba's word runs on to a later
    ending (东城|区: 东城 ends in 城), the part runs on with it, and so it does over
    an ending right after it (桃园|社区).
    """
    parts: list[tuple[int, int]] = []
    position = start
    while position < end:
        part_end = _next_part_end(text, position, end)
        if part_end is None:
            break
        word_end = _word_end(text, part_end - 1)
        if (
            part_end < word_end <= end
            and _PART_RE.fullmatch(text, position, word_end)
            and _PARTS_RE.fullmatch(text, word_end, end)
        ):
            part_end = word_end
        if parts and text[position:part_end] in _SUFFIXES:
            parts[-1] = (parts[-1][0], part_end)
        else:
            parts.append((position, part_end))
        position = part_end
    return parts


def _next_part_end(text: str, start: int, end: int) -> int | None:
    for part_end in range(start + 2, end + 1):
        if _PART_RE.fullmatch(text, start, part_end) and _PARTS_RE.fullmatch(text, part_end, end):
            return part_end
    return None


def _door_may_follow(text: str, part: tuple[int, int]) -> bool:
    """A door number may follow a road, a residential compound or a village group."""
    name = text[part[0] : part[1]]
    return name.endswith(("组", "队", *ROAD_SUFFIXES, *COMPOUND_SUFFIXES))


def _place_start(text: str, part: tuple[int, int]) -> int | None:
    """Where a matched place name really starts, or None when it is no place name.

    The pattern takes up to six characters before a place ending, so the words
    before it come along (住在桃源村, 家庭住址滨河路, 楼下便利店东湖路). jieba's
    words decide. The core of the name is the word holding the ending (东湖路,
    桃源村, 示范区, 港湾) or, when the ending is a word of its own, the word before
    it (科技园|路, 湖滨|大道). A core with one character of name takes a short
    word before it too (金色|港湾). A common two-character word holding the
    ending (家庭, 马路, 知道, 通道) is no place.
    """
    start, end = part
    if _GROUP_RE.fullmatch(text, start, end):
        return start
    # A named part is Chinese characters only, so one clause holds it.
    tokens = segmenter.segment_around(text, start)
    suffix_start = end - _suffix_length(text[start:end])
    index = _token_index(tokens, suffix_start)
    word, flag, word_start = tokens[index]
    if word_start + len(word) != end:
        return None
    if word_start < suffix_start:
        # the ending is inside a word (东湖路, 港湾, 渔村; 知道, 马路, 家庭 are no places)
        if (
            len(word) <= 2
            and not (flag.startswith(_PROPER_TAGS) or flag == segmenter.OOV)
            and not (flag.startswith("n") and word.endswith(ADMIN_SUFFIXES))
        ):
            return None
        core_index = index
    else:
        core_index = index - 1  # the ending is a word of its own: 科技园|路
    name_start = max(tokens[core_index][2], start) if core_index >= 0 else end
    if name_start >= suffix_start and core_index == index - 1:
        return None  # nothing but the ending
    if tokens[core_index][0] in _LEAD_IN_WORDS:
        return None
    # A core with less than two characters of name takes the words before it.
    while suffix_start - name_start < 2 and core_index > 0:
        previous, _, previous_start = tokens[core_index - 1]
        if previous_start < start or len(previous) > 2 or previous in _LEAD_IN_WORDS:
            break
        core_index -= 1
        name_start = previous_start
        if len(previous) > 1:
            break
    if tokens[core_index][1] == segmenter.OOV:
        # jieba glued a particle to an unknown name (住碧桂苑)
        while name_start < suffix_start - 1 and text[name_start] in _LEAD_IN_CHARS:
            name_start += 1
    if text[name_start:end] in GENERIC_PLACES:
        return None
    return name_start


def _suffix_length(name: str) -> int:
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return len(suffix)
    return 0


def _word_end(text: str, position: int) -> int:
    """Where jieba's word holding ``position`` ends."""
    for word, _, start in segmenter.segment_around(text, position):
        if start <= position < start + len(word):
            return start + len(word)
    return position + 1


def _token_index(tokens: tuple[segmenter.Token, ...], position: int) -> int:
    for index, (word, _, start) in enumerate(tokens):
        if start <= position < start + len(word):
            return index
    raise ValueError(f"no word holds position {position}")
