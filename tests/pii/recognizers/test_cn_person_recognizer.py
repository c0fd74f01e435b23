"""True matches, near misses and score ranges for CnPersonRecognizer."""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from pii.analyzer import build_analyzer
from pii.recognizers import CnPersonRecognizer
from pii.text_scan import find

PERSON = "PERSON"


def _people(text: str, context: list[str] | None = None) -> list[tuple[int, int, float]]:
    return [(f.start, f.end, f.score) for f in find(text, context=context) if f.entity == PERSON]


# (text, the name in it)
CUED = [
    ("投诉人张伟反映楼上夜间噪音。", "张伟"),
    ("反映人：李娜，电话13812345678。", "李娜"),
    ("举报人 王芳称商户占道经营。", "王芳"),
    ("来电人欧阳娜娜称小区停水。", "欧阳娜娜"),
    ("联系人:司马建国，手机13812345678", "司马建国"),
    ("当事人赵敏已签字确认。", "赵敏"),
    ("申请人孙丽萍，身份证号见附件。", "孙丽萍"),
    ("户主陈建国，家中三口人。", "陈建国"),
    ("业主刘洋多次联系物业未果。", "刘洋"),
    ("姓名：周杰", "周杰"),
    ("我叫张伟，住在翠竹社区。", "张伟"),
    ("我是黄晓明，请回电。", "黄晓明"),
    ("本人王国，身份证号见附件。", "王国"),  # 王国 is a word too; the cue decides
    ("法定代表人吴海涛，联系电话0755-86123456。", "吴海涛"),
    ("法人徐静未到场。", "徐静"),
    ("邻居马超在一楼院子里违规扩建。", "马超"),
    ("经办人郑丽娟，办公电话待补。", "郑丽娟"),
    ("户名夏天琳，金额500元。", "夏天琳"),  # 夏天 is a word; 琳 makes it a name
    ("联系人高新，住高新区。", "高新"),
    ("独居老人司马婷，身份证待核。", "司马婷"),
    ("联系人诸葛亮亮女士，电话待补。", "诸葛亮亮"),
]
UNCUED = [
    ("方娜，13877288736", "方娜"),
    ("小区车位被人用地锁私占，赵平刚反映，电话13870783798。", "赵平刚"),
    ("我是业委会的徐鹏辉，手机138 8938 3306。", "徐鹏辉"),
    ("补贴发放至欧阳娜娜名下银行卡。", "欧阳娜娜"),
    ("楼上住户张宇家每天晚上装修。", "张宇"),
    ("请社区处理。周颖慧，13853000000", "周颖慧"),
    ("2026年3月3日，陈子珍到窗口办理。", "陈子珍"),
    ("小区后门化粪池满溢，联系电话13812345678（上官超军）。", "上官超军"),
]
HONORED = [
    ("张伟先生反映路灯不亮。", "张伟"),
    ("向张伟先生了解情况。", "张伟"),
    ("李娜女士来电咨询。", "李娜"),
    ("联系人王建国师傅，电话待补。", "王建国"),
]
TRUE_MATCHES = CUED + UNCUED + HONORED


@pytest.mark.parametrize(("text", "name"), TRUE_MATCHES)
def test_true_match_is_found_with_exact_span(text: str, name: str) -> None:
    start = text.index(name)
    assert [(s, e) for s, e, _ in _people(text)] == [(start, start + len(name))]


def test_names_in_a_list_after_a_cue_word() -> None:
    text = "当事人李强、王伟已自行协商。"
    assert [text[s:e] for s, e, _ in _people(text)] == ["李强", "王伟"]


def test_two_names_in_one_text() -> None:
    text = "投诉人张伟反映邻居马超在楼道堆放杂物。"
    assert [text[s:e] for s, e, _ in _people(text)] == ["张伟", "马超"]


NEAR_MISSES = [
    # place and organisation names that start with a surname character
    *["高新区", "黄河路", "王府井", "马路", "张家港", "陈皮", "林业局", "周末", "万达广场"],
    *["金地花园", "方便", "江边", "常委", "文明", "向阳社区", "白天", "和平路", "安全"],
    *["孙子", "石家庄", "马鞍山", "周庄", "林荫大道", "高铁站", "12345"],
    # a surname with an honorific names no one in particular
    *["王先生", "李女士", "来电人王先生反映垃圾清运不及时。", "房东张阿姨因押金产生纠纷。"],
    "已电话联系刘大爷，其表示三天内处理。",
    "业主姓王，存在安全隐患，请城管查处。",
    # in sentences
    "高新区管委会门口的马路上有个大坑，请修补。",
    "黄河路和长江路交叉口红绿灯坏了，早晚高峰严重堵塞。",
    "张家港的朋友说那边已经通知了。",
    "中药铺卖的陈皮价格虚高，请市场监管部门查处。",
    "林业局的工作人员周末也在加班。",
    "万达广场停车场收费太贵了。",
    "金地花园门口的垃圾堆了好几天没人清理。",
    "老人行动不方便，希望社区安排人上门。",
    "江边的护栏坏了，存在安全隐患。",
    "街道常委会已经研究过这个问题。",
    "创建文明城市期间，请加强巡查。",
    "向阳社区的居民反映停水问题。",
    "白天施工还可以接受，晚上十点以后还在施工。",
    "和平路的下水道堵了，污水满溢。",
    "孙子在学校被欺负了，希望教育局介入。",
    "户主外出务工，家中只有老人和小孩。",
    "业主方便时请回电。",
    "于是我们就向社区反映了情况。",
    "万一出了事谁负责？",
    "涉及金额5.5万元，请核实。",
    "雷雨天气注意安全。",
    "华盛物流公司拖欠工资。",
    "湖滨华庭有人遛狗不清理粪便。",
    "请拨打12345热线反映。",
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_miss_stays_silent(text: str) -> None:
    assert _people(text) == []


def test_score_after_a_cue_word_is_high() -> None:
    [(_, _, score)] = _people("投诉人张伟反映噪音")
    assert score >= 0.85


def test_score_of_a_bare_name_is_medium() -> None:
    [(_, _, score)] = _people("请尽快处理。张伟，13812345678")
    assert 0.55 <= score <= 0.65


def test_score_with_an_honorific_alone() -> None:
    # jieba cuts 夏天|琳 (夏天 is "summer"), so only 女士 speaks for the name.
    [(_, _, score)] = _people("请转告夏天琳女士。")
    assert 0.7 <= score <= 0.8


@pytest.mark.parametrize("header", ["姓名", "联系人", "法定代表人", "户主姓名"])
@pytest.mark.parametrize("value", ["张伟", "欧阳娜娜", "李娜", " 王芳 "])
def test_a_name_under_a_name_header_scores_high(value: str, header: str) -> None:
    [(start, end, score)] = _people(value, context=[header])
    assert value[start:end] == value.strip()
    assert score >= 0.85


@pytest.mark.parametrize("value", ["张伟", "欧阳娜娜", "王芳"])
def test_a_name_alone_without_a_header_scores_medium(value: str) -> None:
    [(_, _, score)] = _people(value)
    assert 0.55 <= score <= 0.65


@pytest.mark.parametrize("value", ["高峰", "文明", "方便"])
def test_a_common_word_alone_is_a_name_only_under_a_header(value: str) -> None:
    assert _people(value) == []
    [(_, _, score)] = _people(value, context=["姓名"])
    assert score >= 0.85


@pytest.mark.parametrize("header", ["备注", "地址", "企业名称"])
def test_other_headers_do_not_raise_the_score(header: str) -> None:
    [(_, _, score)] = _people("张伟", context=[header])
    assert score < 0.7


def test_a_header_raises_a_name_inside_a_longer_value() -> None:
    [(_, _, plain)] = _people("张伟 13812345678")
    [(_, _, boosted)] = _people("张伟 13812345678", context=["联系人"])
    assert boosted >= 0.9 > plain


def test_the_analyzer_with_context_agrees_and_presidio_does_not_boost_twice() -> None:
    # The table classifier calls the analyzer itself with the column header.
    [result] = build_analyzer().analyze(text="张伟", language="zh", context=["姓名"])
    [(_, _, score)] = _people("张伟", context=["姓名"])
    assert (result.entity_type, result.start, result.end) == (PERSON, 0, 2)
    assert result.score == score


@pytest.mark.parametrize(("text", "name"), TRUE_MATCHES)
def test_precheck_holds_every_true_match(text: str, name: str) -> None:
    precheck = CnPersonRecognizer.PRECHECK
    assert precheck is not None
    assert re.search(precheck, text)
    assert re.search(precheck, name)
    # the same expression in Arrow's RE2, as scanners run it column-wise
    assert pc.match_substring_regex(pa.array([text]), precheck)[0].as_py()


def test_precheck_skips_texts_without_a_surname() -> None:
    precheck = CnPersonRecognizer.PRECHECK
    assert precheck is not None
    assert not re.search(precheck, "请尽快处理，13812345678。")


def test_built_like_the_registry_builds_it() -> None:
    recognizer = CnPersonRecognizer(name="cn_person", supported_language="zh")
    assert recognizer.supported_entities == [PERSON]
    assert recognizer.name == "cn_person"
    results = recognizer.analyze("投诉人张伟反映", entities=[PERSON])
    assert [(r.start, r.end) for r in results] == [(3, 5)]
    assert recognizer.analyze("投诉人张伟反映", entities=["CN_MOBILE"]) == []
