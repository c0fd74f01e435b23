"""Generated labelled texts: hotline case descriptions with planted personal data.

``generate(count, seed)`` fills templates of case descriptions and clerks'
remarks with random valid identifiers of every entity, in the spellings people
type (full-width digits, digits grouped by spaces or dashes, +86, a lower-case x,
a plate with ·, Chinese numerals in addresses), and with distractors that look
like personal data but are not (work-order and case numbers, an 18-digit number
with a wrong ID check character, amounts, dates, hotline numbers, a surname with
an honorific, bare road and community names, metro lines).

Each text is built by concatenating pieces while counting characters, so every
span is exact by construction; nothing is searched for afterwards. Check
characters come from ``identifiers`` (resident ID, credit code) or from the
Luhn rule (bank cards); distractors are made to fail those checks. The same
count and seed give the same texts.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from identifiers import credit_code, resident_id
from identifiers.bank_card import check_digit, is_luhn_valid
from pii.evaluation.labelled_set import LabelledText, Span

# ---------------------------------------------------------------- building blocks

_FULLWIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")
# Letters used in plates and passports: I and O are never issued (they look like 1 and 0).
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_DIGITS = "0123456789"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金廖贾夏韦付方邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "慕容", "令狐", "公孙", "端木")
GIVEN_NAME_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红文辉鹏宇晨浩然子轩欣怡雨婷"
    "佳琪梓涵思博俊嘉诺伦燕春梅丹凤波斌宁德福荣珍莉雪琳颖倩婉瑶亮成飞鑫宏峰"
)
HONORIFICS = ("先生", "女士", "阿姨", "师傅", "大爷")

# Region codes of real districts (never 62..., which would look like a UnionPay card).
_REGIONS = (
    "110101",
    "110105",
    "120101",
    "210102",
    "310104",
    "320102",
    "330106",
    "350203",
    "370202",
    "420106",
    "440106",
    "440304",
    "440305",
    "500103",
    "510104",
    "610113",
)
_AREA_CODES = ("010", "020", "021", "022", "023", "024", "025", "027", "028", "029")
_AREA_CODES_4 = ("0755", "0571", "0512", "0731", "0532", "0591", "0871", "0451", "0769")
_CARD_PREFIXES = ("622202", "621700", "622848", "621226", "623668", "622588", "621483")
_MAIL_DOMAINS = (
    "163.com",
    "126.com",
    "qq.com",
    "sina.com",
    "foxmail.com",
    "outlook.com",
    "yeah.net",
    "139.com",
    "szns.gov.cn",
)
_PINYIN = ("zhang", "wang", "li", "liu", "chen", "huang", "zhao", "wu", "zhou", "xu", "lin")
_PINYIN_GIVEN = ("wei", "fang", "na", "min", "jing", "qiang", "lei", "jun", "yang", "xiaoming")
_PROVINCE_CHARS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_CITIES = ("深圳市", "杭州市", "成都市", "武汉市", "南京市", "北京市", "广州市")
_DISTRICTS = ("南山区", "福田区", "西湖区", "武侯区", "江汉区", "鼓楼区", "东城区", "天河区")
_STREETS = ("粤海街道", "沙河街道", "翠湖街道", "东湖街道", "桃源街道", "新华街道")
COMMUNITIES = ("翠竹社区", "幸福社区", "和平社区", "桃园社区", "阳光社区", "锦绣社区", "东风社区")
ROADS = (
    "桂花路",
    "建设路",
    "人民路",
    "文化路",
    "解放大道",
    "科技园路",
    "中山路",
    "滨河路",
    "长安街",
)
_ESTATES = ("阳光花园", "锦绣家园", "幸福里小区", "碧桂苑", "金色港湾", "怡景新村")
# Place names that begin with a surname character: not a PERSON.
PLACES = ("高新区", "黄河路", "王府井", "张家港", "石家庄", "马鞍山", "周庄", "林荫大道", "高铁站")
_HOTLINES = ("12345", "110", "12315", "119", "96110", "12345热线")


@dataclass(frozen=True)
class Piece:
    """Text that goes into a template slot; ``entity`` is None for a distractor."""

    text: str
    entity: str | None = None


def chinese_numeral(n: int) -> str:
    """1..99 in Chinese numerals, as written in addresses (十二, 二十三)."""
    units = "零一二三四五六七八九"
    if not 0 < n < 100:
        raise ValueError("only 1..99 are spelled")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return units[ones]
    head = "" if tens == 1 else units[tens]
    return f"{head}十{units[ones] if ones else ''}"


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(_DIGITS) for _ in range(count))


# ---------------------------------------------------------------- personal data


def person_name(rng: random.Random) -> str:
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.12 else rng.choice(SURNAMES)
    given = "".join(rng.choice(GIVEN_NAME_CHARS) for _ in range(rng.choice((1, 2, 2))))
    return surname + given


def _birth(rng: random.Random) -> dt.date:
    return dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(365 * 68))


def resident_id_value(rng: random.Random, *, check_x: bool = False) -> str:
    """A valid 18-character ID; with ``check_x`` one whose check character is X."""
    while True:
        value = resident_id.make(rng.choice(_REGIONS), _birth(rng), rng.randrange(1000))
        if not check_x or value.endswith("X"):
            return value


def _resident_id(rng: random.Random) -> Piece:
    style = rng.randrange(6)
    if style == 0:
        text = resident_id_value(rng, check_x=True).lower()
    elif style == 1:
        text = resident_id_value(rng).translate(_FULLWIDTH)
    elif style == 2:
        value = resident_id_value(rng)
        text = f"{value[:6]} {value[6:14]} {value[14:]}"
    elif style == 3:
        value = resident_id_value(rng)
        text = f"{value[:6]} {value[6:10]} {value[10:14]} {value[14:]}"
    else:
        text = resident_id_value(rng, check_x=rng.random() < 0.3)
    return Piece(text, "CN_RESIDENT_ID")


def _legacy_resident_id(rng: random.Random) -> Piece:
    """The 15-digit form (region, yymmdd, sequence): used only after 身份证 in templates."""
    born = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(365 * 69))
    return Piece(f"{rng.choice(_REGIONS)}{born:%y%m%d}{rng.randrange(1000):03d}", "CN_RESIDENT_ID")


def _mobile(rng: random.Random) -> Piece:
    number = f"1{rng.choice('3456789')}{_digits(rng, 9)}"
    style = rng.randrange(8)
    spelled = {
        0: f"{number[:3]} {number[3:7]} {number[7:]}",
        1: f"{number[:3]}-{number[3:7]}-{number[7:]}",
        2: f"+86 {number}",
        3: f"+86{number}",
        4: f"+86 {number[:3]} {number[3:7]} {number[7:]}",
        5: number.translate(_FULLWIDTH),
        6: f"0086{number}",
    }.get(style, number)
    return Piece(spelled, "CN_MOBILE")


def _landline(rng: random.Random) -> Piece:
    if rng.random() < 0.5:
        area, local = rng.choice(_AREA_CODES), rng.choice("2345678") + _digits(rng, 7)
    else:
        length = rng.choice((7, 8))
        area, local = rng.choice(_AREA_CODES_4), rng.choice("2345678") + _digits(rng, length - 1)
    style = rng.randrange(8)
    spelled = {
        0: f"{area}-{local}",
        6: f"{area}-{local}转{rng.randrange(100, 10000)}",
        1: f"({area}){local}",
        2: f"（{area}）{local}",
        3: f"{area} {local[:-4]} {local[-4:]}",
        4: f"+86-{area[1:]}-{local}",
        5: f"+86 {area[1:]} {local}",
    }.get(style, f"{area}{local}")
    return Piece(spelled, "CN_LANDLINE")


def credit_code_value(rng: random.Random) -> str:
    kind = rng.choice(("91", "91", "91", "92", "93", "12", "52"))
    if rng.random() < 0.6:
        body = "MA" + "".join(rng.choice(credit_code.ALPHABET) for _ in range(7))
    else:
        body = _digits(rng, 8) + rng.choice(credit_code.ALPHABET)
    return credit_code.make(kind + rng.choice(_REGIONS) + body)


def _credit_code(rng: random.Random) -> Piece:
    return Piece(credit_code_value(rng), "CN_USCC")


def bank_card_value(rng: random.Random) -> str:
    payload = rng.choice(_CARD_PREFIXES) + _digits(rng, rng.choice((9, 12)))
    return payload + check_digit(payload)


def _bank_card(rng: random.Random) -> Piece:
    number = bank_card_value(rng)
    if rng.random() < 0.4:
        number = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    return Piece(number, "BANK_CARD")


def _email(rng: random.Random) -> Piece:
    style = rng.randrange(4)
    if style == 0:
        local = f"{rng.choice(_PINYIN)}{rng.choice(_PINYIN_GIVEN)}"
    elif style == 1:
        local = f"{rng.choice(_PINYIN)}.{rng.choice(_PINYIN_GIVEN)}{rng.randrange(100)}"
    elif style == 2:
        local = f"{rng.choice('123456789')}{_digits(rng, rng.randrange(4, 9))}"
    else:
        local = f"{rng.choice(_PINYIN_GIVEN)}_{rng.choice(_PINYIN)}{rng.randrange(1970, 2010)}"
    return Piece(f"{local}@{rng.choice(_MAIL_DOMAINS)}", "EMAIL_ADDRESS")


def _passport(rng: random.Random) -> Piece:
    style = rng.randrange(3)
    if style == 0:
        text = "E" + _digits(rng, 8)
    elif style == 1:
        text = "E" + rng.choice(_LETTERS) + _digits(rng, 7)
    else:
        text = "G" + _digits(rng, 8)
    return Piece(text, "CN_PASSPORT")


def _plate(rng: random.Random) -> Piece:
    province, city = rng.choice(_PROVINCE_CHARS), rng.choice(_LETTERS)
    tail = list(_digits(rng, 5))
    style = rng.randrange(5)
    if style == 0:  # new energy, small car: D or F first
        text = f"{province}{city}{rng.choice('DF')}{''.join(tail)}"
    elif style == 1:  # new energy, large vehicle: D or F last
        text = f"{province}{city}{''.join(tail)}{rng.choice('DF')}"
    else:
        if rng.random() < 0.4:
            tail[rng.randrange(5)] = rng.choice(_LETTERS)
        dot = "·" if style == 2 else ""
        text = f"{province}{city}{dot}{''.join(tail)}"
    return Piece(text, "CN_LICENSE_PLATE")


def _address(rng: random.Random) -> Piece:
    numerals = rng.random() < 0.3
    number = chinese_numeral if numerals else str
    parts: list[str] = []
    if rng.random() < 0.4:
        parts.append(rng.choice(_CITIES) if rng.random() < 0.5 else "")
        parts.append(rng.choice(_DISTRICTS))
        if rng.random() < 0.5:
            parts.append(rng.choice(_STREETS))
    if rng.random() < 0.3:
        parts.append(rng.choice(COMMUNITIES))
    if rng.random() < 0.75:
        parts.append(f"{rng.choice(ROADS)}{number(rng.randrange(1, 99))}号")
        if rng.random() < 0.4:
            parts.append(rng.choice(_ESTATES))
    else:
        parts.append(rng.choice(_ESTATES))
    parts.append(f"{number(rng.randrange(1, 30))}{rng.choice(('栋', '幢', '号楼', '座'))}")
    if rng.random() < 0.6:
        parts.append(f"{number(rng.randrange(1, 6))}单元")
    if rng.random() < 0.85:
        room = f"{rng.randrange(1, 33)}{rng.randrange(1, 9):02d}"
        parts.append(f"{room}{rng.choice(('室', '室', '房'))}")
    return Piece("".join(parts), "ADDRESS")


def _person(rng: random.Random) -> Piece:
    return Piece(person_name(rng), "PERSON")


# ---------------------------------------------------------------- distractors


def _wrong_check_id(rng: random.Random) -> str:
    """18 digits shaped like an ID whose check character is wrong (and which fail Luhn)."""
    while True:
        valid = resident_id_value(rng)
        wrong = valid[:17] + rng.choice([d for d in _DIGITS if d != valid[17]])
        if not is_luhn_valid(wrong):
            return wrong


def _order(rng: random.Random) -> Piece:
    style = rng.randrange(5)
    day = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(365))
    if style == 0:
        return Piece(f"GD{day:%Y%m%d}{rng.randrange(100000):05d}")
    if style == 1:
        return Piece(_wrong_check_id(rng))
    if style == 2:
        while True:  # 18 digits from a date: province 20 does not exist; not Luhn-valid
            number = f"{day:%Y%m%d}{_digits(rng, 10)}"
            if not is_luhn_valid(number):
                return Piece(number)
    if style == 3:
        return Piece(f"ZX-{day:%Y}-{rng.randrange(1000000):06d}")
    return Piece(f"{day:%Y%m%d}{rng.randrange(10000000):07d}")  # 15 digits, no context


def _amount(rng: random.Random) -> Piece:
    value = rng.randrange(1, 50000)
    style = rng.randrange(4)
    if style == 0:
        return Piece(f"{value}.{rng.randrange(100):02d}元")
    if style == 1:
        return Piece(f"{value:,}元")
    if style == 2:
        return Piece(f"{value / 10000:.1f}万元")
    return Piece(f"￥{value}")


def _date(rng: random.Random) -> Piece:
    day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(2500))
    style = rng.randrange(5)
    if style == 0:
        return Piece(f"{day:%Y-%m-%d}")
    if style == 1:
        return Piece(f"{day.year}年{day.month}月{day.day}日")
    if style == 2:
        return Piece(f"{day:%Y%m%d}")
    if style == 3:
        return Piece(f"{day:%Y/%m/%d} {rng.randrange(8, 20):02d}:{rng.randrange(60):02d}")
    return Piece(f"{day.month}月{day.day}日")


def _honorific(rng: random.Random) -> Piece:
    return Piece(rng.choice(SURNAMES) + rng.choice(HONORIFICS))


def _line(rng: random.Random) -> Piece:
    return Piece(rng.choice((f"地铁{rng.randrange(1, 15)}号线", f"{rng.randrange(1, 400)}路公交")))


_SLOTS: dict[str, Callable[[random.Random], Piece]] = {
    "PERSON": _person,
    "ID": _resident_id,
    "ID15": _legacy_resident_id,
    "MOBILE": _mobile,
    "LANDLINE": _landline,
    "USCC": _credit_code,
    "CARD": _bank_card,
    "EMAIL": _email,
    "PASSPORT": _passport,
    "PLATE": _plate,
    "ADDRESS": _address,
    "ORDER": _order,
    "AMOUNT": _amount,
    "DATE": _date,
    "HOTLINE": lambda rng: Piece(rng.choice(_HOTLINES)),
    "HONORIFIC": _honorific,
    "ROAD": lambda rng: Piece(rng.choice(ROADS)),
    "COMMUNITY": lambda rng: Piece(rng.choice(COMMUNITIES)),
    "PLACE": lambda rng: Piece(rng.choice(PLACES)),
    "LINE": _line,
    "COUNT": lambda rng: Piece(str(rng.randrange(2, 20))),
}

# Case descriptions and clerks' remarks; {SLOT} names a key of _SLOTS.
TEMPLATES: tuple[str, ...] = (
    "市民{PERSON}来电反映，{ADDRESS}楼上夜间噪音扰民，联系电话{MOBILE}，工单号{ORDER}。",
    "投诉人{PERSON}（身份证号{ID}）称{DATE}在{ROAD}被占道经营摊贩推搡，要求处理。",
    "来电人{HONORIFIC}反映{COMMUNITY}垃圾清运不及时，回访电话{MOBILE}。",
    "联系人：{PERSON}，手机{MOBILE}，座机{LANDLINE}，地址{ADDRESS}。",
    "企业名称：某某商贸有限公司，统一社会信用代码{USCC}，法定代表人{PERSON}，联系电话{LANDLINE}。",
    "{PERSON}反映其银行卡{CARD}未收到{AMOUNT}补贴，请核实发放情况。",
    "申请人{PERSON}，护照号码{PASSPORT}，申请办理出国探亲证明，电子邮箱{EMAIL}。",
    "车牌号{PLATE}的车辆长期占用{COMMUNITY}消防通道，来电人{HONORIFIC}要求拖离，案件编号{ORDER}。",
    "我叫{PERSON}，住{ADDRESS}，{DATE}起楼道灯不亮，打{HOTLINE}没人管，电话{MOBILE}。",
    "户主{PERSON}，公民身份号码{ID}，家庭住址{ADDRESS}，核实低保补贴{AMOUNT}。",
    "反映人称{PLATE}在{PLACE}附近违停，影响通行，回电{MOBILE}。",
    "当事人{PERSON}老身份证号{ID15}，已于{DATE}换领新证。",
    "商户（统一社会信用代码{USCC}）未按规定明码标价，消费者拨打{HOTLINE}投诉，涉及金额{AMOUNT}。",
    "请将处理结果发送至{EMAIL}谢谢。联系人{PERSON}，电话{MOBILE}。",
    "退款请打到卡号{CARD}，户名{PERSON}，金额{AMOUNT}。",
    "出境探亲护照{PASSPORT}遗失，请求协助补办，本人{PERSON}，手机{MOBILE}。",
    "{DATE}接{HOTLINE}转办工单{ORDER}：{ADDRESS}漏水，业主{PERSON}多次联系物业未果。",
    "备注：已电话联系{HONORIFIC}（{MOBILE}），其表示{DATE}前处理完毕。",
    "车辆{PLATE}与{PLATE}在{ROAD}发生刮擦，当事人{PERSON}、{PERSON}已自行协商。",
    "{COMMUNITY}网格员回访：{ADDRESS}独居老人{PERSON}，身份证{ID}，紧急联系人电话{MOBILE}。",
    "核查企业{USCC}（经营场所{ADDRESS}），联系电话{LANDLINE}，{DATE}完成整改。",
    "经办人{PERSON}，邮箱{EMAIL}，办公电话{LANDLINE}，附件编号{ORDER}。",
    "来电反映{PLACE}{LINE}站口有人散发小广告，来电号码{LANDLINE}，{DATE}。",
    "被投诉人：{PERSON}，身份证号码{ID}，开户行卡号{CARD}。",
    "{DATE}，{PERSON}到窗口办理，证件号{ID}，联系方式{MOBILE}或{EMAIL}。",
    "业委会{HONORIFIC}称{ROAD}近{COMMUNITY}路段施工未公示，要求说明，联系电话{LANDLINE}。",
    "租客{PERSON}（{MOBILE}）与房东{HONORIFIC}因押金{AMOUNT}产生纠纷，房屋位于{ADDRESS}。",
    "车主{PERSON}，车牌{PLATE}，身份证号{ID}，{DATE}在{PLACE}被贴罚单{AMOUNT}。",
    "办结。办结时间{DATE}，工单{ORDER}，来电渠道{HOTLINE}，无需回访。",
    "联系人{PERSON}女士，电话{MOBILE}，{DATE}反映{ROAD}路灯不亮，共{COUNT}处。",
    "申报单位（统一社会信用代码：{USCC}）联系人{PERSON}，手机{MOBILE}，邮箱{EMAIL}，地址{ADDRESS}。",
    "补贴发放至{PERSON}名下银行卡{CARD}，金额{AMOUNT}，经办人电话{LANDLINE}。",
)

_SLOT = re.compile(r"\{([A-Z0-9]+)\}")


def _fill(template: str, rng: random.Random) -> tuple[str, tuple[Span, ...]]:
    """The filled template and its spans, counted while the pieces are joined."""
    pieces: list[str] = []
    spans: list[Span] = []
    position = 0
    for index, part in enumerate(_SLOT.split(template)):
        if index % 2 == 0:  # literal text between slots
            pieces.append(part)
            position += len(part)
            continue
        piece = _SLOTS[part](rng)
        if piece.entity is not None:
            spans.append(Span(piece.entity, position, position + len(piece.text)))
        pieces.append(piece.text)
        position += len(piece.text)
    return "".join(pieces), tuple(spans)


def generate(count: int, seed: int) -> list[LabelledText]:
    """``count`` labelled texts, cycling through the templates; the same seed, the same texts."""
    if count < 0:
        raise ValueError("count must not be negative")
    rng = random.Random(seed)
    texts = []
    for number in range(count):
        template_index = number % len(TEMPLATES)
        template = TEMPLATES[template_index]
        text, spans = _fill(template, rng)
        texts.append(
            LabelledText(
                id=f"gen-{seed}-{number:05d}-t{template_index:02d}",
                text=text,
                spans=spans,
                source="generated",
                note=template,
            )
        )
    return texts
