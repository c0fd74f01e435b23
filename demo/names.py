"""Chinese personal names: a surname and one or two given-name characters."""

from __future__ import annotations

import random

# Common surnames, roughly in order of frequency, with repeats so that the most
# common ones come up more often; plus a few two-character surnames.
_COMMON = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_WEIGHTED = _COMMON[:10] * 4 + _COMMON[:30] * 2 + _COMMON
SURNAMES: tuple[str, ...] = (*_WEIGHTED, "欧阳", "司马", "诸葛", "上官", "欧阳", "司徒")

_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林峰建国志文博"
_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英萍红琳燕婷雪慧倩颖洁佳琪梦晨欣怡雨萱诗涵"
_EITHER = "晓海子一嘉思春天金玉家永德小"


class NameMaker:
    """Draws names that fit the person's sex most of the time."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def surname(self) -> str:
        return self._rng.choice(SURNAMES)

    def name(self, male: bool, surname: str | None = None) -> str:
        """A name; with ``surname``, one of that family (a child takes the head's)."""
        rng = self._rng
        pool = _MALE if male else _FEMALE
        first = rng.choice(pool) if rng.random() < 0.6 else rng.choice(_EITHER)
        if rng.random() < 0.3:
            return (surname or rng.choice(SURNAMES)) + rng.choice(pool)
        return (surname or rng.choice(SURNAMES)) + first + rng.choice(pool)
