"""Full-width to half-width and separator stripping shared by every identifier."""

from __future__ import annotations

from identifiers.text import strip_separators, to_halfwidth


def test_fullwidth_ascii_becomes_halfwidth() -> None:
    assert to_halfwidth("０１２３４５６７８９") == "0123456789"
    assert to_halfwidth("ＡＢＣｘｙｚ") == "ABCxyz"
    assert to_halfwidth("＋－（）．，") == "+-().,"
    assert to_halfwidth("\u3000") == " "


def test_chinese_text_and_halfwidth_pass_through() -> None:
    assert to_halfwidth("东湖社区 12号") == "东湖社区 12号"
    # CJK punctuation (U+3000 block) is not full-width ASCII and stays as it is.
    assert to_halfwidth("。、「」") == "。、「」"


def test_strip_separators_removes_spaces_tabs_dashes_and_nbsp_only() -> None:
    assert strip_separators(" 1-2\t3\u00a04 ") == "1234"
    assert strip_separators("a.b/c_d") == "a.b/c_d"
    assert strip_separators("") == ""
