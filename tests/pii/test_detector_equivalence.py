"""The detector's shortcuts change nothing: its findings are plain Presidio's, text by text.

Issue 19 made detection cheaper in three places, each provably conservative:
the pattern recognizers' own ``analyze`` (Presidio's steps without its per-call
clock reads), the address search (no start before the clause of the first
number), and the detector's duplicate removal (Presidio's only where two
results share an entity). Here the gated path (``Detector``) is compared with
the ungated one (``AnalyzerEngine.analyze``) on the demo's generated case texts,
as every channel tells them, and on hand-made edge cases; and each shortcut with
the code it stands for.
"""

from __future__ import annotations

import random
import re

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from presidio_analyzer import PatternRecognizer

from catalog.district import load_district
from demo.addresses import AddressBook, lay_out
from demo.case_texts import FRAMINGS, CaseWriter
from demo.people import HOUSEHOLD_BIRTHS, IdNumberAllocator, PersonMaker
from home.layout import config_dir
from pii.analyzer import build_analyzer
from pii.detector import Detector, analyzer_findings
from pii.recognizers.cn_address_recognizer import _ADDRESS_RE, _search
from pii.recognizers.cn_pattern_recognizer import CnPatternRecognizer
from pii.text_scan import default_detector


@pytest.fixture(scope="module")
def case_texts() -> list[str]:
    """Case texts as the demo writes them: the reporter's own, then retold on each channel."""
    rng = random.Random(19)
    district = load_district(config_dir())
    maker = PersonMaker(rng, IdNumberAllocator(rng))
    writer = CaseWriter(rng, maker.names)
    places = AddressBook(district, lay_out(district, rng), rng).places
    texts = []
    for number in range(1_200):
        person = maker.make(("440305",), HOUSEHOLD_BIRTHS)
        story = writer.story(person, rng.choice(places))
        texts.append(story.text)
        channel = list(FRAMINGS)[number % len(FRAMINGS)]
        teller = person if number % 3 else None  # a bystander tells a third of them
        texts.append(writer.retell(story, channel, reporter=teller))
    return texts


def test_demo_case_texts_find_what_plain_presidio_finds(case_texts: list[str]) -> None:
    detector = default_detector()
    found = detector.find_column(pa.array(case_texts))
    reference = [analyzer_findings(text, detector.analyzer) for text in case_texts]
    assert found == reference
    # Not a comparison of two empty lists: the texts carry names, phones, addresses.
    entities = {f.entity for row in found for f in row}
    assert {"PERSON", "CN_MOBILE", "ADDRESS", "CN_RESIDENT_ID", "BANK_CARD"} <= entities


@pytest.mark.parametrize("header", ["姓名", "联系电话", "住址", "身份证号"])
def test_demo_case_texts_with_a_column_header_find_the_same(
    case_texts: list[str], header: str
) -> None:
    detector = default_detector()
    for text in case_texts[::8]:
        assert detector.find(text, [header]) == analyzer_findings(
            text, detector.analyzer, context=[header]
        )


EDGE_CASES = {
    "name at the start": ("张伟反映楼下噪音", "PERSON"),
    "name at the end": ("反映楼下噪音，联系人张伟", "PERSON"),
    "name alone": ("欧阳娜娜", "PERSON"),
    "compound surname 欧阳": ("投诉人欧阳思琳，手机13812345678", "PERSON"),
    "compound surname 司马": ("我叫司马光明，住在桂花路12号", "PERSON"),
    "compound surname at the end": ("联系人：司马南", "PERSON"),
    "name between punctuation": ("（李娜）、“王芳”，【周颖慧】", "PERSON"),
    "names in a list": ("当事人张伟、李娜和王芳到场", "PERSON"),
    "name with honorific": ("张伟先生来电，王先生未接", "PERSON"),
    "full-width mobile": ("电话：１３８１２３４５６７８。", "CN_MOBILE"),
    "full-width grouped mobile": ("手机１３８ １２３４ ５６７８", "CN_MOBILE"),
    "mobile at the very end": ("来电13812345678", "CN_MOBILE"),
    "ID split by spaces": ("身份证号 440305 19900307 1236", "CN_RESIDENT_ID"),
    "ID split in four": ("身份证440305 1990 0307 1236", "CN_RESIDENT_ID"),
    "ID in full width": ("身份证４４０３０５１９９００３０７１２３６", "CN_RESIDENT_ID"),
    "card in groups": ("工资卡号6222 0212 3456 7890 128", "BANK_CARD"),
    "landline with area code": ("座机（0755）8612 3456转801", "CN_LANDLINE"),
    "address after punctuation": ("地址：翠竹社区桂花路12号3栋2单元501室", "ADDRESS"),
    "address with numerals": ("住在幸福里小区五号楼二单元三〇二室", "ADDRESS"),
    "address with a lettered building": ("家住翠竹花园A座1201", "ADDRESS"),
    "address after a blank": ("反映 东湖路12-3号 门口积水", "ADDRESS"),
    "number before punctuation, address after": ("3号线停运，桂花路8号3栋漏水", "ADDRESS"),
    "address, then a second one": ("桂花路12号和东湖路8号之2都停水", "ADDRESS"),
}


@pytest.mark.parametrize("text,entity", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_edge_cases_find_what_plain_presidio_finds(text: str, entity: str) -> None:
    detector = default_detector()
    found = detector.find(text)
    assert found == analyzer_findings(text, detector.analyzer)
    assert entity in {f.entity for f in found}, found


NEAR_MISSES = [
    "王先生来电",
    "高峰期堵车",
    "3号线",
    "工单号GD2026110100012",
    "1号",
    "金额12,000.50元",
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_find_what_plain_presidio_finds(text: str) -> None:
    detector = Detector(build_analyzer(), threshold=0.1)
    assert detector.find(text) == analyzer_findings(text, detector.analyzer, threshold=0.1)


_FRAGMENTS = st.sampled_from(
    ["桂花路", "翠竹社区", "幸福里小区", "三组", "12", "１２", "3", "〇", "五", "A", "ｂ", "号", "栋",
     "幢", "座", "#楼", "号楼", "单元", "室", "-", "－", "之", "，", " ", "（", "住在", "家住", "期",
     "楼顶", "线", "张伟", "欧阳", "司马", "13812345678", "0755-86123456", "６２２２０２１２３４"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=14).map("".join))
def test_address_search_starts_where_the_plain_search_would(text: str) -> None:
    for position in range(len(text) + 1):
        fast, plain = _search(text, position), _ADDRESS_RE.search(text, position)
        assert (fast and fast.span()) == (plain and plain.span()), position


def _pattern_recognizers() -> list[CnPatternRecognizer]:
    recognizers = build_analyzer().registry.recognizers
    return [
        r
        for r in recognizers
        if isinstance(r, CnPatternRecognizer)
        and type(r).analyze is CnPatternRecognizer.analyze  # not the address's own
    ]


def _spans(results: list) -> list[tuple[str, int, int, float]]:
    return [(r.entity_type, r.start, r.end, r.score) for r in results]


def test_pattern_recognizers_analyze_as_presidio_does(case_texts: list[str]) -> None:
    recognizers = _pattern_recognizers()
    assert len(recognizers) >= 8
    extra = [text for text, _ in EDGE_CASES.values()] + NEAR_MISSES
    compared = 0
    for recognizer in recognizers:
        entities = recognizer.supported_entities
        for text in case_texts + extra:
            ours = recognizer.analyze(text, entities)
            presidio = PatternRecognizer.analyze(recognizer, text, entities)
            assert _spans(ours) == _spans(presidio), (recognizer.name, text)
            compared += bool(ours)
    assert compared > 1_000


@settings(max_examples=200, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=10).map("".join))
def test_pattern_recognizers_analyze_as_presidio_does_on_any_mix(text: str) -> None:
    for recognizer in _pattern_recognizers():
        entities = recognizer.supported_entities
        ours = recognizer.analyze(text, entities)
        assert _spans(ours) == _spans(PatternRecognizer.analyze(recognizer, text, entities))


def test_the_address_anchor_is_the_precheck() -> None:
    # ``_search`` relies on every match holding the precheck's number-and-号/栋.
    from pii.recognizers.cn_address_recognizer import CnAddressRecognizer

    assert CnAddressRecognizer._PRECHECK_RE.pattern == CnAddressRecognizer.PRECHECK
    for text in ["桂花路12号", "3栋2单元", "A座", "5#楼", "三组15号"]:
        match = _ADDRESS_RE.search(text)
        assert match and re.search(CnAddressRecognizer.PRECHECK, match.group())
