"""The market-regulation enterprise register: one record per registered business."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

from demo import corruptions
from demo.addresses import (
    FLOATING_REGIONS,
    HOUSEHOLD_REGIONS,
    UNKNOWN_COMMUNITY_CODES,
    AddressBook,
)
from demo.dates import (
    EXPORT_DAY,
    iso_date,
    iso_datetime,
    other_date_spelling,
    random_day,
    random_moment,
    unparseable_date,
)
from demo.dirt import DirtClass, DirtKind, DirtLedger, DirtPlan
from demo.people import ADULT_BIRTHS, Person, PersonMaker
from demo.pools import Resident
from identifiers import credit_code

SOURCE = "enterprises"
FILE = "market_regulation/enterprises.jsonl"

FIXABLE, UNFIXABLE, DUPLICATE = DirtClass.FIXABLE, DirtClass.UNFIXABLE, DirtClass.DUPLICATE
USCC_LOWERCASE = DirtKind("uscc_lowercase", FIXABLE, "uscc", 0.01, "credit code in lower case")
PHONE_FORMAT = DirtKind(
    "phone_format", FIXABLE, "legal_rep_phone", 0.02, "+86/0086, dashes, blanks or full-width"
)
REP_ID_LOWER_X = DirtKind(
    "id_lower_x", FIXABLE, "legal_rep_id", 0.01, "check character X written as x"
)
DATE_FORMAT = DirtKind(
    "date_format", FIXABLE, "established", 0.03, "2015/3/7, 2015年3月7日 or 20150307"
)
USCC_CHECK_CHAR = DirtKind(
    "uscc_check_char", UNFIXABLE, "uscc", 0.01, "credit code check character does not match"
)
COMMUNITY_UNKNOWN = DirtKind(
    "community_code_unknown", UNFIXABLE, "community_code", 0.01, "community code not in district"
)
DATE_UNPARSEABLE = DirtKind(
    "date_unparseable", UNFIXABLE, "established", 0.01, "established such as 2023-13-45 or 未知"
)
REPEATED_RECORD = DirtKind(
    "duplicate", DUPLICATE, "uscc", 0.01, "the same record stored twice (repeated sync)"
)
KINDS = (
    USCC_LOWERCASE, PHONE_FORMAT, REP_ID_LOWER_X, DATE_FORMAT,
    USCC_CHECK_CHAR, COMMUNITY_UNKNOWN, DATE_UNPARSEABLE, REPEATED_RECORD,
)  # fmt: skip

FIELDS = (
    "uscc", "name", "legal_rep", "legal_rep_id", "legal_rep_phone", "address", "street_code",
    "community_code", "industry", "status", "established", "updated_at",
)  # fmt: skip

# Industry: (weight, suffixes of sole traders 个体工商户, suffixes of companies).
INDUSTRIES: dict[str, tuple[int, tuple[str, ...], tuple[str, ...]]] = {
    "批发和零售业": (
        30,
        ("便利店", "超市", "水果店", "五金店", "药店"),
        ("商贸有限公司", "贸易有限公司"),
    ),
    "住宿和餐饮业": (
        22,
        ("餐饮店", "烧烤店", "面馆", "茶餐厅", "小吃店"),
        ("餐饮管理有限公司", "酒店管理有限公司"),
    ),
    "制造业": (
        10,
        (),
        ("电子科技有限公司", "五金制品有限公司", "精密模具有限公司", "塑胶制品有限公司"),
    ),
    "租赁和商务服务业": (10, (), ("物业管理有限公司", "企业管理咨询有限公司", "广告有限公司")),
    "居民服务业": (12, ("家政服务部", "美发店", "洗衣店", "家电维修部"), ("家政服务有限公司",)),
    "信息技术服务业": (8, (), ("信息技术有限公司", "网络科技有限公司", "软件有限公司")),
    "建筑业": (5, (), ("建筑工程有限公司", "装饰工程有限公司")),
    "交通运输业": (3, (), ("物流有限公司", "货运代理有限公司")),
}
_INDUSTRY_NAMES = tuple(INDUSTRIES)
_INDUSTRY_WEIGHTS = tuple(accumulate(weight for weight, _, _ in INDUSTRIES.values()))
_TRADE_NAMES = (
    "桂花", "鑫源", "华盛", "恒达", "金利", "宏发", "永兴", "福满", "佳和", "顺意", "嘉禾", "创新",
    "优品", "天和", "博远", "明辉", "信达", "鼎盛", "瑞丰", "新锐", "榕城", "湖畔", "翠竹", "海韵",
    "乐家", "好邻居", "惠民", "万家", "旺角", "兴隆",
)  # fmt: skip
_STATUSES = ("存续", "在业", "注销", "吊销")
_STATUS_WEIGHTS = tuple(accumulate((70, 12, 12, 6)))
_FIRST_ESTABLISHED = dt.date(1995, 1, 1)
_NEW_CODE_STYLE = dt.date(2016, 1, 1)  # newer organisation codes start MA
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_LETTERS = "ABCDEFGHJKLMNPQRTUWXY"
_DIGITS = "0123456789"
_EARLIEST_UPDATE = dt.date(2021, 1, 1)


def organisation_code(body: str) -> str:
    """The 9-character organisation code (GB 11714): 8 characters and a check character."""
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w
        for c, w in zip(body, _ORG_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


class CreditCodes:
    """Unique unified social credit codes of businesses registered in the city."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._issued: set[str] = set()

    def issue(self, *, sole_trader: bool, new_style: bool) -> str:
        rng = self._rng
        while True:
            if new_style:
                body = "MA5" + "".join(rng.choice(_DIGITS + _ORG_LETTERS) for _ in range(5))
            else:
                body = "".join(rng.choice(_DIGITS) for _ in range(8))
            first17 = f"9{2 if sole_trader else 1}440300{organisation_code(body)}"
            if first17 not in self._issued:
                self._issued.add(first17)
                return credit_code.make(first17)


def wrong_check_char(code: str) -> str:
    right = code[-1]
    alphabet = credit_code.ALPHABET
    return code[:-1] + alphabet[(alphabet.index(right) + 1) % len(alphabet)]


def draw_plan(rng: random.Random, rows: int) -> DirtPlan:
    return DirtPlan.draw(rng, rows, KINDS, earliest={REPEATED_RECORD.name: min(5, rows // 4)})


def enterprise_records(
    rows: int,
    *,
    rng: random.Random,
    plan: DirtPlan,
    maker: PersonMaker,
    addresses: AddressBook,
    legal_reps: list[Resident],
    ledger: DirtLedger,
) -> Iterator[dict[str, Any]]:
    """Records in register order; about 60% of legal representatives are registry residents."""
    codes = CreditCodes(rng)
    recent: list[dict[str, Any]] = []
    for index in range(rows):
        line = index + 1
        kind = plan.kind_at(index)
        if kind is REPEATED_RECORD:
            if recent:
                ledger.record(SOURCE, FILE, line, str(line), kind)
                yield dict(rng.choice(recent))
                continue
            kind = None
        industry = rng.choices(_INDUSTRY_NAMES, cum_weights=_INDUSTRY_WEIGHTS)[0]
        _, trader_suffixes, company_suffixes = INDUSTRIES[industry]
        sole_trader = bool(trader_suffixes) and rng.random() < 0.6
        established = random_day(rng, _FIRST_ESTABLISHED, EXPORT_DAY)
        new_style = established >= _NEW_CODE_STYLE or kind is USCC_LOWERCASE
        uscc = codes.issue(sole_trader=sole_trader, new_style=new_style)
        place = addresses.place()
        trade_name = rng.choice(_TRADE_NAMES)
        if sole_trader:
            name = f"{addresses.district.district.name}{place.community.name}{trade_name}"
            name += rng.choice(trader_suffixes)
        else:
            name = f"{addresses.district.district.name}{trade_name}{rng.choice(company_suffixes)}"
        rep = _legal_rep(rng, maker, legal_reps, want_x=kind is REP_ID_LOWER_X)
        status = rng.choices(_STATUSES, cum_weights=_STATUS_WEIGHTS)[0]
        updated = random_moment(rng, max(established, _EARLIEST_UPDATE), EXPORT_DAY)
        record: dict[str, Any] = {
            "uscc": uscc,
            "name": name,
            "legal_rep": rep.name,
            "legal_rep_id": rep.id_number,
            "legal_rep_phone": rep.phone,
            "address": addresses.shop(place),
            "street_code": place.street.code,
            "community_code": place.community.code,
            "industry": industry,
            "status": status,
            "established": iso_date(established),
            "updated_at": iso_datetime(updated),
        }
        if kind is None:
            recent.append(record)
            if len(recent) > 100:
                recent.pop(0)
        else:
            _soil(rng, record, kind, established)
            ledger.record(SOURCE, FILE, line, str(line), kind)
        yield record


def _legal_rep(
    rng: random.Random, maker: PersonMaker, legal_reps: list[Resident], *, want_x: bool
) -> Person:
    if legal_reps and not want_x and rng.random() < 0.6:
        return rng.choice(legal_reps).person
    regions = HOUSEHOLD_REGIONS if rng.random() < 0.5 else FLOATING_REGIONS
    return maker.make(regions, ADULT_BIRTHS, check="X" if want_x else None)


def _soil(rng: random.Random, record: dict[str, Any], kind: DirtKind, established: dt.date) -> None:
    if kind is USCC_LOWERCASE:
        record["uscc"] = record["uscc"].lower()
    elif kind is PHONE_FORMAT:
        record["legal_rep_phone"] = corruptions.phone_misformatted(rng, record["legal_rep_phone"])
    elif kind is REP_ID_LOWER_X:
        record["legal_rep_id"] = corruptions.id_lower_x(record["legal_rep_id"])
    elif kind is DATE_FORMAT:
        record["established"] = other_date_spelling(rng, established)
    elif kind is USCC_CHECK_CHAR:
        record["uscc"] = wrong_check_char(record["uscc"])
    elif kind is COMMUNITY_UNKNOWN:
        record["community_code"] = rng.choice(UNKNOWN_COMMUNITY_CODES)
    elif kind is DATE_UNPARSEABLE:
        record["established"] = unparseable_date(rng)
