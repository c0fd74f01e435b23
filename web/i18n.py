"""Chinese first, English on request: the language is a cookie the switch sets.

Templates carry both texts side by side, ``t("数据目录", "Catalogue")``, so a
page's wording is read and changed in one place and no catalogue drifts.
"""

from __future__ import annotations

from typing import Literal

from fastapi import Request

Language = Literal["zh", "en"]
LANGUAGE_COOKIE = "shuzhi_lang"
LANGUAGES: tuple[Language, ...] = ("zh", "en")


def language_of(request: Request) -> Language:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    return "en" if chosen == "en" else "zh"


class Translator:
    """``t(zh, en)``: the text in the page's language."""

    def __init__(self, language: Language) -> None:
        self.language = language

    def __call__(self, zh: str, en: str) -> str:
        return en if self.language == "en" else zh
