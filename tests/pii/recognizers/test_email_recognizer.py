"""True matches, near misses and score ranges for EmailRecognizer."""

from __future__ import annotations

import pytest
from recognizer_checks import assert_precheck_admits

from pii.analyzer import build_analyzer
from pii.recognizers import EmailRecognizer
from pii.text_scan import find

ENTITY = "EMAIL_ADDRESS"

# (text, the address as written in it)
TRUE_MATCHES = [
    ("联系邮箱zhangwei@163.com谢谢", "zhangwei@163.com"),
    ("zhangwei@163.com", "zhangwei@163.com"),
    ("邮箱：zhang.wei_01@mail.example.com.cn。", "zhang.wei_01@mail.example.com.cn"),
    ("请发至zhangwei＠qq.com，", "zhangwei＠qq.com"),
    ("请发送至 li-si+tag@sub-domain.gov.cn，谢谢", "li-si+tag@sub-domain.gov.cn"),
    ("Email: A.B@Example.ORG", "A.B@Example.ORG"),
    ("（wang@126.com）", "wang@126.com"),
    ("邮箱zhangwei@163.com.", "zhangwei@163.com"),
    ("张先生的邮箱是zhangwei@163.com，电话13812345678", "zhangwei@163.com"),
    ("QQ邮箱123456789@qq.com", "123456789@qq.com"),
    ("邮箱13812345678@163.com", "13812345678@163.com"),
    ("联系方式：13812345678@139.com", "13812345678@139.com"),
]


@pytest.mark.parametrize(("text", "written"), TRUE_MATCHES)
def test_true_match_is_found_with_exact_span(text: str, written: str) -> None:
    findings = [f for f in find(text) if f.entity == ENTITY]
    start = text.index(written)
    assert [(f.start, f.end) for f in findings] == [(start, start + len(written))]


def test_an_address_made_of_a_mobile_number_is_one_email() -> None:
    assert [(f.entity, f.start, f.end) for f in find("邮箱13812345678@163.com")] == [
        (ENTITY, 2, 21)
    ]


def test_two_addresses_touching_chinese_text_are_two_findings() -> None:
    text = "张三zhangsan@163.com和李四lisi@qq.com"
    assert [(f.start, f.end) for f in find(text) if f.entity == ENTITY] == [(2, 18), (21, 32)]


NEAR_MISSES = [
    pytest.param("@某人 请尽快处理", id="mention"),
    pytest.param("请@张三跟进，抄送@李四", id="mentions inside text"),
    pytest.param("a@b", id="no dot in the domain"),
    pytest.param("邮箱zhangwei@163", id="domain without a top-level domain"),
    pytest.param("user@localhost", id="single-label domain"),
    pytest.param("zhangwei@163.c", id="one-letter top-level domain"),
    pytest.param("zhangwei@163.123", id="numeric top-level domain"),
    pytest.param("zhangwei@.com", id="empty domain label"),
    pytest.param("zhangwei@-163.com", id="label starting with a dash"),
    pytest.param("请发到@163.com", id="no local part"),
    pytest.param("微博@新浪网", id="Chinese domain"),
    pytest.param("价格5@3.5元", id="price notation"),
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_miss_stays_silent(text: str) -> None:
    assert [f for f in find(text) if f.entity == ENTITY] == []


def test_score_without_context_is_high_but_not_certain() -> None:
    [finding] = find("见zhangwei@163.com")
    assert 0.7 <= finding.score < 0.9


@pytest.mark.parametrize("context_word", ["邮箱", "电子邮件", "电邮", "E-mail: ", "联系方式"])
def test_context_word_raises_the_score(context_word: str) -> None:
    [finding] = find(f"{context_word}zhangwei@163.com")
    assert finding.score >= 0.95


def test_context_from_the_caller_raises_the_score() -> None:
    [plain] = build_analyzer().analyze("zhangwei@163.com", language="zh")
    [boosted] = build_analyzer().analyze("zhangwei@163.com", language="zh", context=["邮箱"])
    assert boosted.score >= 0.95 > plain.score


def test_every_true_match_passes_the_precheck_in_python_and_arrow() -> None:
    assert_precheck_admits(EmailRecognizer, [text for text, _ in TRUE_MATCHES])
