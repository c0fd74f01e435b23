"""What citizens write in a 12345 request: templates per category, filled with people and places.

Messages carry the personal data real ones do (the reporter's or a
neighbour's name, a mobile in any spelling, sometimes an ID number, a bank
card or a licence plate), so that personal-data detection has work to do.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from itertools import accumulate

from demo import corruptions
from demo.addresses import Place
from demo.names import NameMaker
from demo.people import Person
from identifiers import bank_card as bank_card_number

# Category: (weight, departments that handle it).
CATEGORIES: dict[str, tuple[int, tuple[str, ...]]] = {
    "噪音扰民": (15, ("生态环境局", "公安分局", "城管局")),
    "占道经营": (10, ("城管局", "街道办")),
    "环境卫生": (14, ("城管局", "街道办")),
    "物业纠纷": (12, ("住建局", "街道办")),
    "违章搭建": (7, ("城管局", "住建局", "街道办")),
    "停车管理": (10, ("公安分局", "城管局")),
    "供水供电": (6, ("水务局", "供电局")),
    "劳动保障": (6, ("人社局",)),
    "市容绿化": (5, ("城管局",)),
    "消防安全": (5, ("消防救援大队", "应急管理局", "街道办")),
    "食品安全": (5, ("市场监管局",)),
    "养犬管理": (5, ("公安分局", "街道办")),
}

TEMPLATES: dict[str, tuple[str, ...]] = {
    "噪音扰民": (
        "我叫{name}，住在{community}{road}{no}号{building}栋，楼下{shop}每天凌晨还在营业，噪音很大，电话{phone}，请尽快处理。",
        "{road}{no}号附近工地晚上十一点以后还在施工，吵得孩子睡不着，已经反映过多次了。联系人{name}，手机{phone}。",
        "楼上住户{neighbour}家每天晚上装修敲打到十二点，沟通无果，希望社区协调。我是{building}栋的{name}，{phone}",
        "{compound}广场舞音响声音太大，从早上六点开始放，老人休息不好，请管一管！",
    ),
    "占道经营": (
        "{road}与{road2}交叉口有流动摊贩占道经营，早晚高峰严重堵塞，行人只能走机动车道。反映人{name}，电话{phone}。",
        "{shop}长期把货物摆到人行道上，老人推轮椅都过不去，说了也不听。{name}，{phone}",
    ),
    "环境卫生": (
        "{community}{road}{no}号旁边的垃圾桶好几天没人清运，臭味很大，蚊蝇很多，麻烦安排清理。{name} {phone}",
        "小区后门的化粪池满溢，污水流到路上，请尽快派人处理，联系电话{phone}（{name}）。",
        "{compound}{building}栋楼道里堆满了杂物和垃圾，物业不管，希望街道督促清理。",
    ),
    "物业纠纷": (
        "本人{name}，身份证号{id_number}，是{compound}{building}栋{unit}单元的业主，物业公司擅自上调物业费，电梯长期故障不修，要求相关部门介入。电话{phone}。",
        "物业把小区公共绿地改成收费停车位，业主们意见很大，我是业委会的{name}，手机{phone}，请住建部门核查。",
    ),
    "违章搭建": (
        "{road}{no}号楼顶有人私自加建铁皮房，业主姓{neighbour_surname}，存在安全隐患，请城管查处。举报人{name}，{phone}",
        "邻居{neighbour}在一楼院子里违规扩建，占用公共通道，多次劝说无效。我的电话是{phone}。",
    ),
    "停车管理": (
        "{road}路边经常有车牌{plate}的货车长期占用消防通道停放，影响救护车通行，请处理。{name}，{phone}",
        "小区地下车库的车位被人用地锁私占，车牌{plate}，{name}反映，电话{phone}。",
    ),
    "供水供电": (
        "{community}{building}栋从昨天下午开始停水，到现在还没有恢复，也没有提前通知，家里有老人，急！电话{phone}，{name}。",
        "{road}{no}号一带晚上经常停电，冰箱里的东西都坏了，请供电部门查明原因。联系人：{name}，电话：{phone}",
    ),
    "劳动保障": (
        "我是{name}，身份证{id_number}，在{company}做了三个月，老板拖欠工资{amount}元不给，工资卡号{card}，请劳动监察帮忙追讨。电话{phone}",
        "{company}不给员工买社保，辞职也不给办离职手续，我叫{name}，手机{phone}。",
    ),
    "市容绿化": (
        "{road}的行道树被人砍了好几棵，绿化带也被破坏，请核实处理。{name}，{phone}",
        "{compound}门口的广告牌松动了，大风天很危险，请尽快拆除加固。反映人：{name} {phone}",
    ),
    "消防安全": (
        "{road}{no}号一楼的{shop}楼上住人，电动车在楼道里充电，存在很大的消防隐患，请尽快检查。{name}，电话{phone}",
        "{compound}消防通道被杂物堵死，消火栓也没有水，请消防部门检查。联系电话{phone}",
    ),
    "食品安全": (
        "昨天在{shop}买的熟食，吃完全家拉肚子，怀疑食材过期，请市场监管部门检查。{name}，{phone}，身份证{id_number}",
        "{road}{no}号的{shop}后厨卫生很差，老鼠乱跑，请相关部门查处。",
    ),
    "养犬管理": (
        "反映{road}{no}号{building}栋{neighbour}家养的大狗不拴绳，已经咬伤过小孩，请社区处理。{name}，{phone}",
        "{compound}有人遛狗不清理粪便，草坪上到处都是，请加强管理。联系人{name}，{phone}",
    ),
}

_SHOPS = ("烧烤店", "麻将馆", "便利店", "五金店", "大排档", "水果店", "快递站", "小吃店", "早餐店")
_COMPANY_WORDS = ("鑫源", "华盛", "恒达", "宏发", "永兴", "博远", "明辉")
_COMPANY_KINDS = ("电子厂", "物流公司", "餐饮公司", "装修公司", "五金厂")
_PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"


def luhn_complete(digits: str) -> str:
    """Append the Luhn check digit bank card numbers carry."""
    return digits + bank_card_number.check_digit(digits)


def bank_card(rng: random.Random) -> str:
    prefix = rng.choice(("622202", "621700", "622848", "621483"))
    return luhn_complete(prefix + "".join(rng.choice("0123456789") for _ in range(12)))


def licence_plate(rng: random.Random) -> str:
    """A Guangdong plate: 粤B12345, or the 8-character new-energy form 粤BD12345."""
    if rng.random() < 0.3:
        return "粤B" + rng.choice("DF") + "".join(rng.choice("0123456789") for _ in range(5))
    return "粤B" + "".join(rng.choice(_PLATE_CHARS) for _ in range(5))


@dataclass(frozen=True)
class CaseStory:
    category: str
    department: str
    text: str
    template: str = ""  # what the text was written from, to retell it on another channel
    fill: tuple[tuple[str, object], ...] = ()


# Labels left dangling once a retelling drops the contact ("电话，" with no number).
_DANGLING = re.compile(
    r"(?:我的电话是|联系人|反映人|举报人|联系电话|手机号?|电话|身份证号?|工资卡号|"
    r"我是[^，。]{0,6}的|本人|我叫|我是)[:：]?\s*(?=[，。,！!（(）)\s]|$)"
)
_EMPTY_BRACKETS = re.compile(r"[（(]\s*[）)]")
_REPEATED_PUNCTUATION = re.compile(r"[，,\s]+(?=[，。,！!])|(?<=[。！!])[。，,]+|^[，,\s]+")
# How each channel frames a story it retells (the same incident, the same place).
FRAMINGS = {
    "mailbox": ("尊敬的区长：您好！", "恳请领导重视，尽快解决，谢谢！"),
    "wechat": ("", ""),
    "grid": ("网格员巡查发现：", "现场已拍照取证，请相关部门处置。"),
    "weibo": ("#示范区# ", " 有没有人管管？@示范区发布"),
}


class CaseWriter:
    """Writes the description of a request in the reporter's words."""

    def __init__(self, rng: random.Random, names: NameMaker) -> None:
        self._rng = rng
        self._names = names
        self._categories = tuple(CATEGORIES)
        self._cumulative = tuple(accumulate(weight for weight, _ in CATEGORIES.values()))

    def story(self, reporter: Person, place: Place) -> CaseStory:
        rng = self._rng
        category = rng.choices(self._categories, cum_weights=self._cumulative)[0]
        department = rng.choice(CATEGORIES[category][1])
        template = rng.choice(TEMPLATES[category])
        roads = rng.sample(place.roads, 2)
        neighbour = self._names.name(rng.random() < 0.5)
        id_number = reporter.id_number
        if id_number.endswith("X") and rng.random() < 0.5:
            id_number = corruptions.id_lower_x(id_number)
        fill: dict[str, object] = dict(
            name=reporter.name,
            phone=corruptions.in_text_phone(rng, reporter.phone),
            id_number=id_number,
            neighbour=neighbour,
            neighbour_surname=neighbour[0],
            community=place.community.name,
            road=roads[0],
            road2=roads[1],
            no=rng.randint(1, 200),
            building=rng.randint(1, 12),
            unit=rng.randint(1, 4),
            compound=rng.choice(place.compounds),
            shop=rng.choice(_SHOPS),
            company=rng.choice(_COMPANY_WORDS) + rng.choice(_COMPANY_KINDS),
            amount=rng.randrange(3_000, 30_000, 100),
            # Drawn only when the template uses them, to keep large runs fast.
            card=bank_card(rng) if "{card}" in template else "",
            plate=licence_plate(rng) if "{plate}" in template else "",
        )
        text = template.format(**fill)
        return CaseStory(category, department, text, template, tuple(fill.items()))

    def retell(
        self, story: CaseStory, channel: str, *, reporter: Person | None, lead: str = ""
    ) -> str:
        """The same incident told again on another channel: the same template and places,
        in the channel's framing. With ``reporter``, the same person writes it again (their
        phone spelled afresh); without, a bystander or an inspector tells it with no name,
        phone, ID, card or plate of the reporter's. ``lead`` (a place) comes first."""
        fill = dict(story.fill)
        if reporter is not None:
            fill["phone"] = corruptions.in_text_phone(self._rng, reporter.phone)
        else:
            fill.update(name="", phone="", id_number="", card="", neighbour="", plate="")
            fill["neighbour_surname"] = ""
        body = story.template.format(**fill)
        if reporter is None:
            body = _tidy(body)
        opening, closing = FRAMINGS[channel]
        return f"{opening}{lead}{body}{closing}"


def _tidy(text: str) -> str:
    """A text with its contact details taken out, without the labels left behind."""
    text = _DANGLING.sub("", text)
    text = _EMPTY_BRACKETS.sub("", text)
    for _ in range(3):  # "了。，。" → "了。。" → "了。"
        text = _REPEATED_PUNCTUATION.sub("", text)
    return text.strip("，, ")
