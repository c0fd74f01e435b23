"""The words of a redacted case description that may become a hot topic (street_hot_topics).

Registered on the connection as the SQL function ``topic_words(text) -> VARCHAR[]`` for
the duration of a build (``products.reference_tables``). The description has already
been redacted by the protection step (names, phones, IDs, addresses replaced by
``[PERSON]``, ``[CN_MOBILE]``…); this is a second, stricter sieve, since a topic is
printed as a word and a word is never blanked. A word is kept only if it is all of:

1. Chinese characters only, at least ``MIN_LENGTH`` of them: digits, Latin letters (the
   redaction placeholders), punctuation and single characters never are;
2. a word jieba's dictionary knows, tagged a common noun, verb or verbal noun
   (``KEPT_TAGS``): person names (nr), places (ns), organisations (nt), other proper
   nouns (nz) and words the dictionary does not hold (where most real names and
   estate names land) are dropped;
3. not a stop word (``STOP_WORDS``: the words every complaint has), not a place ending
   itself and not the name part of a place (a word right before 路, 小区, 大厦…: 幸福 in
   幸福路, 桃源 in 桃源华庭);
4. not flagged by the project's recognizers (``pii.text_scan.find`` on the word alone:
   a name, a phone, a plate). Read as a name column's value instead, the person
   recognizer flags 施工, 黄金 and 金属 (a surname and a name character); the names it
   would add are neither in jieba's dictionary nor tagged as common words, so rule 2
   has dropped them already.

The SQL then keeps only words found in at least ``$min_word_cases`` distinct cases from
as many distinct reporters of the street over the product's whole window (its weeks and
the week before), so no single complaint's words surface; a week's count below the
threshold is blanked by the contract's suppression.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pii.recognizers.cn_address_recognizer import (
    ADMIN_SUFFIXES,
    COMPOUND_SUFFIXES,
    ROAD_SUFFIXES,
)
from pii.segmenter import segment


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


MIN_LENGTH = 2
KEPT_TAGS = frozenset({"n", "v", "vn", "an", "j"})
_HAN_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")
PLACE_ENDINGS = frozenset({*ADMIN_SUFFIXES, *ROAD_SUFFIXES, *COMPOUND_SUFFIXES})
# Words of every complaint, the channels' formulas and the redaction's neighbours: they
# say nothing about what the complaint is about.
STOP_WORDS = frozenset(
    _words(
        """
    反映 投诉 举报 要求 希望 请求 恳请 请求 处理 解决 核查 检查 调查 落实 回复 答复
    问题 情况 事情 现象 部门 有关 相关 领导 区长 市长 书记 政府 街道 社区 工作人员
    您好 谢谢 感谢 重视 尽快 及时 严重 影响 导致 存在 出现 发现 没有 已经 一直 多次
    联系 联系人 电话 手机 号码 身份证 姓名 名字 地址 住址 本人 我家 家里 家人 邻居
    居民 市民 群众 业主 来电 来信 留言 网友 诉求 工单 编号 时间 现在 今天 昨天 每天
    希望 加强 管理 说明 表示 认为 觉得 知道 告诉 看到 发生 进行 需要 可以 不能 无法
    开始 原因 一带 附近 周边 这里 那里 东西 地方 有人 大家 师傅 人员 单位 小时
        """
    )
)


def topic_words(text: str | None) -> list[str]:
    """The distinct words of ``text`` that may become a topic, in text order."""
    if not text:
        return []
    tokens = segment(text)
    kept: list[str] = []
    for index, (word, flag, _) in enumerate(tokens):
        following = tokens[index + 1][0] if index + 1 < len(tokens) else ""
        if word in kept or not _may_be_topic(word, flag):
            continue
        if _starts_with_place_ending(following):
            continue  # the name part of a place: 幸福 in 幸福路
        kept.append(word)
    return kept


def _may_be_topic(word: str, flag: str) -> bool:
    if len(word) < MIN_LENGTH or not _HAN_ONLY.match(word):
        return False
    if flag not in KEPT_TAGS or word in STOP_WORDS or word in PLACE_ENDINGS:
        return False
    return not _flagged(word)


def _starts_with_place_ending(word: str) -> bool:
    return any(word.startswith(ending) for ending in PLACE_ENDINGS)


@lru_cache(maxsize=65536)
def _flagged(word: str) -> bool:
    """Whether the project's recognizers find personal data in ``word``."""
    from pii.text_scan import find  # the detector loads Presidio: only when words are read

    return bool(find(word))
