"""Chinese personal names (张伟, 欧阳娜娜) in free text and in table values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

from pii import segmenter

if TYPE_CHECKING:
    from presidio_analyzer.nlp_engine import NlpArtifacts


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Common single-character surnames, roughly by frequency. Characters that are far
# more often a word of their own than a surname (时, 都, 来, 单, 路) are left out.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰"
    "焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕季裴霍涂苗谷盛曲翁冉骆蓝游辛靳柴蒙鲍华喻祁蒲滕屈饶艾"
    "尤穆农卓古吉缪简项麦褚娄窦戚岑景费卜冷晏卫柏宗瞿桂佟臧闵苟邬卞姬和仇栾隋刁沙荣巫寇桑郎甄"
    "丛仲虞敖巩佘池麻迟邝封匡鞠惠荆冀郁胥班储栗燕楚鄢谌奚粟冼蔺闻厉伊"
)
COMPOUND_SURNAMES = _words(
    "欧阳 司马 诸葛 上官 司徒 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 夏侯 "
    "令狐 端木 南宫 西门 轩辕 独孤 呼延 申屠 钟离 闻人 万俟 赫连 澹台"
)

# Characters common in given names. A name found only by word shape (no cue word,
# no honorific, no column header) must be made of these: 陈皮, 周末, 江边 are not.
NAME_CHARS = frozenset(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华玉兰建国志红文辉鹏宇晨浩然子轩欣怡雨婷"
    "佳琪梓涵思博俊嘉诺伦燕春梅丹凤波斌宁德福荣珍莉雪琳颖倩婉瑶亮成飞鑫宏峰健凯帆帅旭龙林萍"
    "慧洁梦萱诗晓海一天金家永小琴云珠兴新利生清东光江山森松柏杨彬彤冰楠楷航晗皓昊宸睿泽铭奕"
    "辰逸哲瑞祥安康泰和顺喜庆仁义礼智信忠孝诚淑贤惠巧秋冬夏阳月星露菲薇蕾茜媛妍婧璐琦瑜瑾璇"
    "玲珊翠花香菊莲荷芬芝芸芹蓉蕊茹萌苗茂盛旺发财富贵宝昌耀威武雄豪毅坚鸿鹤鹰彪虎豹麟凡卫兵"
    "锋钢铁银锦绣彩虹娇姗妮婕娅姣嫣岚晴晶曦昕晖暄昭景晋源润泉溪涌滨潇湘漫沛淼渊鸣元友仪依伊"
    "亚奇立可心恒恩悦怀忆爱美善良正达远迪广庭廷峻岩崇嵩全秉程科章笑翔翰艺若蓓贝赫跃进铃长青"
    "韵飘馨骏鸥黎伯仲叔季钧勋彦沁芷筱语蔓菁霖露洪涵琼瑛璟琛瑶珏璋锐铮镇靖竹翊羽朝汉虹淳懿"
    "坤刚杉栋梁楷樟枫桐桦晟昱煜炜烨焕灿熙照然珍琰瑶璐妙姿婵娴媛嫦娥倩"
)
# Never a given-name character: particles, pronouns, measure words, digits' words.
NEVER_GIVEN = frozenset(
    "的了在是和与及或等说称着过们他她它我你您这那哪某个元年月日号次点岁里上下中内外前后左右"
    "去来到把被让给对向从于为以将就也都又已曾再还很太最更不没无未尚均仍并即则却亦有要会能可该请"
    "，。、；：？！“”‘’（）《》【】 "
)
# Characters that end a name when they come second: they belong to the words after it.
NEVER_SECOND = NEVER_GIVEN | frozenset("家住反投举电手联身同夫一老小大先女阿师边旁侧至")
# What comes right after a name but is not part of it.
STOP_WORDS = _words(
    "先生 女士 小姐 阿姨 师傅 大爷 大妈 老师 同志 反映 投诉 举报 电话 "
    "手机 联系 来电 身份 住在 家住 户籍"
)
# A full name followed by one of these is a person (张伟先生); a bare surname is not (王先生).
HONORIFICS = ("先生", "女士", "小姐", "阿姨", "师傅", "大爷", "大妈", "老师", "同志")
# Words just before a name that say a person is named.
CUE_WORDS = _words(
    "法定代表人 被投诉人 被举报人 投诉人 反映人 举报人 来电人 联系人 当事人 "
    "申请人 经办人 负责人 监护人 委托人 代理人 求助人 来访人 报警人 收件人 "
    "持卡人 承租人 出租人 责任人 开户名 户名 户主 业主 姓名 名叫 我叫 我是 "
    "本人 法人 邻居 市民 居民 村民 租客 房东 车主"
)
# Cue words that often precede other things than a name (我是业主, 邻居家, 居民和小孩).
WEAK_CUE_WORDS = frozenset(
    {"我是", "本人", "邻居", "市民", "居民", "村民", "租客", "房东", "车主", "业主", "户主"}
)
# Column headers (context words a caller passes) that say a value is a person's name.
HEADER_WORDS = _words(
    "姓名 名字 联系人 法定代表人 法人 负责人 户主 业主 申请人 投诉人 反映人 "
    "举报人 来电人 当事人 经办人 监护人 户名 name"
)
# Words that, right after a would-be name, show it is the start of a place or organisation.
PLACE_WORDS = _words(
    "路 街 大道 巷 弄 胡同 区 市 县 镇 乡 村 社区 小区 花园 广场 大厦 "
    "公司 集团 局 厂 店 馆 园 苑 中学 小学 学校 学院 大学 医院 银行 "
    "酒店 宾馆 超市 商场 港 湾 桥 省 州 庄 寺 庙 府 宫 屯 堡 坪 岭 "
    "塘 洲 岛 新村 家园 公寓 片区 中心 物流 科技 电子 实业 商贸 贸易 "
    "置业 地产 物业 有限 装修 餐饮 五金 酒楼 饭店 药店 诊所 事务所 工作室 "
    "幼儿园"
)
# A name does not end with a character that ends place and organisation names.
PLACE_ENDINGS = frozenset(
    "区港井路街村镇县市省局所院苑庭庄湾站处委办队科部厅司社寺宫府州岛洲塘坪岭堂店馆厂场巷弄号栋室园"
)

_HAN = "一-鿿"
_SURNAME_FIRST_CHARS = "".join(sorted(set(SURNAMES) | {s[0] for s in COMPOUND_SURNAMES}))
_SURNAME_AT = re.compile(f"[{_SURNAME_FIRST_CHARS}]")
# The compound surnames by their first character, in COMPOUND_SURNAMES' order.
_COMPOUNDS_BY_FIRST: dict[str, tuple[str, ...]] = {
    first: tuple(s for s in COMPOUND_SURNAMES if s[0] == first)
    for first in {s[0] for s in COMPOUND_SURNAMES}
}
_CUE = re.compile(
    "(" + "|".join(sorted(CUE_WORDS, key=len, reverse=True)) + ")[：:\\s]*(?:是|为|系|叫)?"
)
_STOP_WORD = re.compile("|".join(STOP_WORDS))
_HONORIFIC = re.compile("|".join(HONORIFICS))
_PLACE_WORD = re.compile("|".join(PLACE_WORDS))
# Another name in a list after a cued one: 当事人张伟、李娜.
_LIST_JOINERS = ("、", "和", "与", "及")

# How common (jieba's dictionary frequency) a word may be and still be read as a
# name. jieba's dictionary tags many ordinary words as names (nr...): 雷雨 195,
# 高明 791, 文明 6584; below NAME_FREQUENCY_LIMIT they are mostly names (张旭 65,
# 王英 76), though famous names above it (李娜 438) then need a cue word. Any other
# word must be rarer still (欧阳建 2). After a surname word, a given
# name may be a less rare word (颖慧 6, 天平 164, 国庆 131; not 海军 7228).
NAME_FREQUENCY_LIMIT = 100
RARE_WORD_LIMIT = 50
GIVEN_WORD_LIMIT = 400
# jieba tags of function words (adverbs, conjunctions, prepositions, pronouns,
# particles, numerals, measure words, directions, interjections ...)
_FUNCTION_TAGS = ("d", "c", "p", "r", "u", "m", "q", "f", "e", "y", "o", "k", "h")
# ... and those of words that are no name on their own (times, verbs, adjectives)
_NOT_NAME_TAGS = (*_FUNCTION_TAGS, "t", "v", "a", "b", "z", "i", "l")
_PROPER_TAGS = ("nr", "ns", "nz")


@dataclass
class _Candidate:
    start: int
    end: int
    cue: bool = False
    word_shape: bool = False
    honorific: bool = False
    whole_value: bool = False
    common_word: bool = False


class CnPersonRecognizer(EntityRecognizer):
    """Find Chinese personal names: a known surname and one or two given-name characters.

    Evidence, combined as independent votes (1 - product of the misses):

    - a cue word just before the name (投诉人, 联系人, 我叫, 户主, 邻居 …, with an
      optional ：or space): 0.85. After a cue, jieba may still veto a common word
      (业主方便时, 我是马路对面的); a list after a cue counts too (当事人张伟、李娜);
    - jieba's words say it is a name, and the given-name characters are common in
      names: one word the dictionary does not know (most real names: 张伟), a
      rare dictionary name (张旭), or the surname and rare words (欧阳|娜娜,
      周|颖慧, 高明|斌): 0.6. There is no need for a cue: 方娜，138…;
    - an honorific right after the full name (张伟先生, 李娜女士): 0.75. A bare surname
      with an honorific (王先生, 李阿姨) names no one in particular and is not reported;
    - a caller's context word (a column header such as 姓名, 联系人, 法定代表人) when the
      whole value is a name: 0.85; for a name inside a longer value it adds 0.35.

    A value that is nothing but a name (a table cell: 张伟, 欧阳娜娜) scores 0.6 on
    its own, 0.94 under such a header. A name-shaped common word (高峰, 方便, 陈皮)
    as the whole value scores 0.3: below the scanners' threshold unless a header
    says it is a name.

    Place and organisation names that start with a surname (黄河路, 张家港, 向阳社区,
    万达广场) are not names: a name is never followed by 路, 区, 社区, 广场, 公司 …
    nor ends with them, and words jieba knows (马路, 周末, 白天, 文明) are not
    names without a cue. The span is the name alone, without cue word or honorific.
    """

    ENTITY = "PERSON"
    # Every name starts with a surname followed by another Chinese character.
    PRECHECK: ClassVar[str | None] = f"[{_SURNAME_FIRST_CHARS}][{_HAN}]"

    CUE_SCORE: ClassVar[float] = 0.85
    WORD_SHAPE_SCORE: ClassVar[float] = 0.6
    HONORIFIC_SCORE: ClassVar[float] = 0.75
    HEADER_SCORE: ClassVar[float] = 0.85
    COMMON_WORD_SCORE: ClassVar[float] = 0.3
    CONTEXT_BOOST: ClassVar[float] = 0.35

    # Set by Presidio's constructor; declared so type checkers know it.
    name: str

    def __init__(
        self,
        supported_language: str = "zh",
        name: str | None = None,
        context: list[str] | None = None,
        supported_entities: list[str] | None = None,
    ) -> None:
        super().__init__(
            supported_entities=supported_entities or [self.ENTITY],
            name=name or type(self).__name__,
            supported_language=supported_language,
            context=context or list(HEADER_WORDS),
        )

    def load(self) -> None:
        """Nothing to load: jieba is loaded on the first text that needs it."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if entities and self.ENTITY not in entities:
            return []
        if not _SURNAME_AT.search(text):
            return []
        candidates = self._candidates(text)
        return [self._result(candidate) for candidate in _best(candidates)]

    def enhance_using_context(
        self,
        text: str,
        raw_recognizer_results: list[RecognizerResult],
        other_raw_recognizer_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts | None,
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        header = self._header_word(context or [])
        for result in raw_recognizer_results:
            # Scored here, once: Presidio's own enhancer must not add to it again.
            result.recognition_metadata[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
            if not header:
                continue
            if result.recognition_metadata.get("whole_value"):
                score = _combine(result.score, self.HEADER_SCORE)
            else:
                score = min(EntityRecognizer.MAX_SCORE, result.score + self.CONTEXT_BOOST)
            result.score = round(score, 2)
            if result.analysis_explanation is not None:
                result.analysis_explanation.set_supportive_context_word(header)
                result.analysis_explanation.set_improved_score(result.score)
        return raw_recognizer_results

    # ------------------------------------------------------------------ candidates

    def _candidates(self, text: str) -> list[_Candidate]:
        found: list[_Candidate] = []
        stripped = text.strip()
        lead = len(text) - len(text.lstrip())
        whole = _whole_value(stripped)
        cued = _cued_starts(text)  # start -> whether the cue is a weak one
        words = _Words(text)
        for match in _SURNAME_AT.finditer(text):
            start = match.start()
            for surname in _surnames_at(text, start):
                found.extend(self._at(text, start, surname, cued.get(start), words))
        if whole is not None:
            start, end, common = lead + whole[0], lead + whole[1], whole[2]
            found.append(_Candidate(start, end, whole_value=True, common_word=common))
        return found

    def _at(
        self, text: str, start: int, surname: str, weak_cue: bool | None, words: _Words
    ) -> list[_Candidate]:
        """The best name starting at ``start``; ``weak_cue`` is None when no cue word is before it."""
        cued = weak_cue is not None
        given_start = start + len(surname)
        if not (
            cued
            or (given_start < len(text) and text[given_start] in NAME_CHARS)
            or _followed_by_honorific(text, given_start + 1)
            or _followed_by_honorific(text, given_start + 2)
        ):
            return []  # no evidence can come: spare jieba the clause
        lengths = _given_lengths(text, given_start, words, cued)
        out: list[_Candidate] = []
        for length in lengths:
            end = given_start + length
            name = text[start:end]
            if _looks_like_place(text, start, end):
                continue
            candidate = _Candidate(start, end, cue=cued)
            if _followed_by_honorific(text, end):
                # any name word will do (李娜 is common as a name); an ordinary word will not
                flag = segmenter.dictionary_tag(name)
                candidate.honorific = flag is None or flag.startswith("nr")
            candidate.word_shape = words.name_shaped(start, end, len(surname))
            if cued and words.blocks_cue(start, end, len(surname), weak=bool(weak_cue)):
                candidate.cue = False
            if candidate.cue or candidate.word_shape or candidate.honorific:
                out.append(candidate)
                break  # the longest name with evidence
        return out

    def _result(self, candidate: _Candidate) -> RecognizerResult:
        votes = []
        reasons = []
        if candidate.cue:
            votes.append(self.CUE_SCORE)
            reasons.append("cue word before it")
        if candidate.word_shape:
            votes.append(self.WORD_SHAPE_SCORE)
            reasons.append("segmented as a name")
        if candidate.honorific:
            votes.append(self.HONORIFIC_SCORE)
            reasons.append("honorific after it")
        if candidate.whole_value and not votes:
            votes.append(self.COMMON_WORD_SCORE if candidate.common_word else self.WORD_SHAPE_SCORE)
            reasons.append("the whole value is name-shaped")
        score = 0.0
        for vote in votes:
            score = _combine(score, vote)
        score = round(score, 2)
        explanation = AnalysisExplanation(
            recognizer=self.name,
            original_score=score,
            textual_explanation=f"Chinese name: {', '.join(reasons)}",
        )
        return RecognizerResult(
            entity_type=self.ENTITY,
            start=candidate.start,
            end=candidate.end,
            score=score,
            analysis_explanation=explanation,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                "whole_value": candidate.whole_value,
            },
        )

    def _header_word(self, context: list[str]) -> str:
        if not context:
            return ""
        for word in self.context:
            needle = word.lower()
            if any(needle in item.lower() for item in context):
                return word
        return ""


class _Words:
    """jieba's words of one text, looked up by character position.

    Unknown words (``segmenter.OOV``) are runs of characters jieba's HMM could not
    place, and it often glues a particle to a name (至黎丹, 张宇家, 建艳到). A name may
    therefore begin or end inside an unknown word, as long as what lies outside the
    name is not a given-name character; it may never begin or end inside a word
    jieba's dictionary knows (王府|井, 高峰|期).

    Only the clauses that hold a would-be name are segmented (see
    ``segmenter.segment_around``): most of a text never is.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._at: dict[int, segmenter.Token] = {}  # the word holding each character

    def token(self, position: int) -> segmenter.Token:
        found = self._at.get(position)
        if found is None:
            clause = segmenter.segment_around(self.text, position)
            if not clause:  # punctuation or a blank: a word of its own
                return (self.text[position], segmenter.OTHER, position)
            for token in clause:
                for held in range(token[2], token[2] + len(token[0])):
                    self._at[held] = token
            found = self._at[position]
        return found

    def begins_word(self, position: int) -> bool:
        """A dictionary word of two or more characters starts at ``position``."""
        if position >= len(self.text):
            return False
        word, flag, start = self.token(position)
        return start == position and len(word) > 1 and flag != segmenter.OOV

    def blocks_cue(self, start: int, end: int, surname_length: int, *, weak: bool) -> bool:
        """After a cue word, jieba's dictionary still says this is no name.

        That is when a dictionary word starting with the surname runs past the
        name (王府|井), or is followed by no given-name character (方便|时), or is
        the name and an ordinary word that the sentence goes
        on after (联系人方便时, 我是马路对面的; but 联系人高新， is a name), or when,
        after a weak cue word (我是, 邻居), the given name would be a common word
        (居民和|小孩). A proper noun (高峰 nr, 王国 ns) is taken as a name.
        """
        given, given_flag, given_start = self.token(start + surname_length)
        if (
            weak
            and given_start == start + surname_length
            and given_start + len(given) == end
            and len(given) > 1
            and given_flag != segmenter.OOV
            and not given_flag.startswith(_PROPER_TAGS)
            and segmenter.frequency(given) > GIVEN_WORD_LIMIT
        ):
            return True
        word, flag, word_start = self.token(start)
        if word_start != start or len(word) <= surname_length or flag == segmenter.OOV:
            return False
        if len(word) > end - start:
            return True
        if flag.startswith(_PROPER_TAGS):
            return False
        if len(word) < end - start:
            # a common word and a name character (夏天|琳), not any character (方便|时)
            return not all(char in NAME_CHARS for char in self.text[start + len(word) : end])
        ends_clause = end >= len(self.text) or not "一" <= self.text[end] <= "鿿"
        return weak or not ends_clause

    def name_shaped(self, start: int, end: int, surname_length: int) -> bool:
        """jieba's words say ``text[start:end]`` is a name (see the class docstring)."""
        text = self.text
        if not all(char in NAME_CHARS for char in text[start + surname_length : end]):
            return False
        if not (self._edge_ok(start, before=True) and self._edge_ok(end, before=False)):
            return False
        pieces = self._pieces(start, end)
        if len(pieces) == 1:
            word, flag = pieces[0]
            return flag == segmenter.OOV or _name_word(word, flag)
        (head, head_flag), rest = pieces[0], pieces[1:]
        if len(head) == surname_length:
            # the surname, then given-name words (欧阳|娜娜, 周|颖慧, 王|红|梅)
            if (
                surname_length == 1
                and head_flag.startswith(_FUNCTION_TAGS)
                and len(rest) == 1
                and rest[0][1] == segmenter.OOV
                and rest[0][0][0] in SURNAMES
            ):
                return False  # 向|张伟, 和|李娜: a preposition before a name
            return all(len(word) == 1 or _given_word(word, flag) for word, flag in rest)
        # the surname and first given character as one word, then one character (高明|斌)
        return (
            len(head) == surname_length + 1
            and len(rest) == 1
            and len(rest[0][0]) == 1
            and _head_word(head, head_flag)
        )

    def _edge_ok(self, position: int, *, before: bool) -> bool:
        """A name may start (``before``) or end at ``position`` as far as the words go."""
        if position >= len(self.text):
            return True
        word, flag, word_start = self.token(position)
        if word_start == position:
            return True
        if flag != segmenter.OOV:
            return False
        outside = word[: position - word_start] if before else word[position - word_start :]
        return all(char in NEVER_SECOND or char not in NAME_CHARS for char in outside)

    def _pieces(self, start: int, end: int) -> list[tuple[str, str]]:
        """The words inside ``[start, end)``, unknown words clipped to it."""
        pieces = []
        position = start
        while position < end:
            word, flag, word_start = self.token(position)
            high = min(end, word_start + len(word))
            pieces.append((word[position - word_start : high - word_start], flag))
            position = high
        return pieces


def _combine(score: float, vote: float) -> float:
    return 1 - (1 - score) * (1 - vote)


def _name_word(word: str, flag: str) -> bool:
    """A dictionary word that can be a whole name: a rare name word, or any rare word."""
    if flag.startswith("nr"):
        return segmenter.frequency(word) <= NAME_FREQUENCY_LIMIT
    return not flag.startswith(_NOT_NAME_TAGS) and segmenter.frequency(word) <= RARE_WORD_LIMIT


def _given_word(word: str, flag: str) -> bool:
    """A word that can be a given name after a surname word: unknown, or not common (颖慧)."""
    if flag == segmenter.OOV:
        return True
    return not flag.startswith(_FUNCTION_TAGS) and segmenter.frequency(word) <= GIVEN_WORD_LIMIT


def _head_word(word: str, flag: str) -> bool:
    """A word that can be surname + first given character (高明 in 高明斌, 董家 in 董家霞)."""
    if flag == segmenter.OOV or flag.startswith("nr"):
        return True
    return not flag.startswith(_NOT_NAME_TAGS) and segmenter.frequency(word) <= GIVEN_WORD_LIMIT


def _is_common_word(name: str) -> bool:
    """jieba's dictionary holds ``name`` as an ordinary word (方便, 高峰), not a rare name."""
    flag = segmenter.dictionary_tag(name)
    return flag is not None and not _name_word(name, flag)


def _surnames_at(text: str, start: int) -> list[str]:
    """The surnames that can start at ``start``: a compound one first (欧阳 before 欧)."""
    compounds = _COMPOUNDS_BY_FIRST.get(text[start], ())
    out = [s for s in compounds if text.startswith(s, start)]
    if text[start] in SURNAMES:
        out.append(text[start])
    return out


def _given_lengths(text: str, given_start: int, words: _Words, cued: bool) -> list[int]:
    """How many given-name characters may follow the surname, longest first."""
    if not _can_be_given(text, given_start, first=True):
        return []
    if not _can_be_given(text, given_start + 1, first=False) or words.begins_word(given_start + 1):
        return [1]
    return [2, 1]


def _can_be_given(text: str, position: int, *, first: bool) -> bool:
    if position >= len(text):
        return False
    char = text[position]
    if not "一" <= char <= "鿿":
        return False
    if char in (NEVER_GIVEN if first else NEVER_SECOND):
        return False
    return not _STOP_WORD.match(text, position)


def _followed_by_honorific(text: str, end: int) -> bool:
    return bool(_HONORIFIC.match(text, end))


def _looks_like_place(text: str, start: int, end: int) -> bool:
    if text[end - 1] in PLACE_ENDINGS:
        return True
    return bool(_PLACE_WORD.match(text, end))


def _cued_starts(text: str) -> dict[int, bool]:
    """Where a name may start right after a cue word (or after 、 in a list of cued names).

    The value says whether the cue word is a weak one (see ``WEAK_CUE_WORDS``).
    """
    starts = {match.end(): match.group(1) in WEAK_CUE_WORDS for match in _CUE.finditer(text)}
    # 当事人张伟、李娜: follow the list (names are 2-4 characters).
    for start, weak in sorted(starts.items()):
        position = start
        while True:
            for length in (2, 3, 4):
                joiner_at = position + length
                if joiner_at < len(text) and text[joiner_at] in _LIST_JOINERS:
                    next_start = joiner_at + 1
                    if next_start < len(text) and _SURNAME_AT.match(text, next_start):
                        starts.setdefault(next_start, weak)
                        position = next_start
                        break
            else:
                break
    return starts


def _whole_value(value: str) -> tuple[int, int, bool] | None:
    """A value that is nothing but a name (a table cell): its span, and if it is a common word.

    The value must have a name's shape (surname, then one or two characters that
    can be a given name; no place ending). It is common when jieba's dictionary
    holds it as an ordinary word (方便, 高峰) or its given name has characters
    rarely found in names (陈皮).
    """
    if not 2 <= len(value) <= 4 or value[-1] in PLACE_ENDINGS:
        return None
    for surname in _surnames_at(value, 0):
        given = value[len(surname) :]
        if not 1 <= len(given) <= 2:
            continue
        if all(
            _can_be_given(value, position, first=position == len(surname))
            for position in range(len(surname), len(value))
        ):
            common = _is_common_word(value) or not all(c in NAME_CHARS for c in given)
            return 0, len(value), common
    return None


def _best(candidates: list[_Candidate]) -> list[_Candidate]:
    """One candidate per place: the best supported, then the longest."""

    def strength(c: _Candidate) -> tuple[int, int, int]:
        votes = int(c.cue) * 4 + int(c.honorific) * 2 + int(c.word_shape)
        return (votes, int(c.whole_value), c.end - c.start)

    kept: list[_Candidate] = []
    for candidate in sorted(candidates, key=strength, reverse=True):
        if all(candidate.end <= k.start or candidate.start >= k.end for k in kept):
            kept.append(candidate)
        else:
            for k in kept:
                if (k.start, k.end) == (candidate.start, candidate.end):
                    k.whole_value = k.whole_value or candidate.whole_value
    return sorted(kept, key=lambda c: c.start)
