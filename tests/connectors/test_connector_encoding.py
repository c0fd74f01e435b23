"""Guessing the encoding of department exports: UTF-8, BOM, GBK, GB18030."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.encoding import detect_encoding

TEXT = "工单编号,反映人,事发地址\nC1,张三,东湖路1号\n"


@pytest.mark.parametrize(
    ("codec", "detected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),  # widened: GB18030 reads every GBK file
        ("gb2312", "gb18030"),
        ("gb18030", "gb18030"),
    ],
)
def test_detects_common_chinese_encodings(tmp_path: Path, codec: str, detected: str) -> None:
    path = tmp_path / f"{codec}.csv"
    path.write_bytes(TEXT.encode(codec))
    assert detect_encoding(path) == detected
    assert path.read_text(encoding=detected) == TEXT


def test_gb18030_characters_outside_gbk_survive(tmp_path: Path) -> None:
    text = "姓名\n𠀀㐀李\n"
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    path = tmp_path / "rare.csv"
    path.write_bytes(text.encode("gb18030"))
    assert detect_encoding(path) == "gb18030"
    assert path.read_text(encoding="gb18030") == text


def test_pure_ascii_reads_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "ascii.csv"
    path.write_bytes(b"a,b\n1,2\n")
    assert detect_encoding(path) == "utf-8"


def test_a_multibyte_character_cut_by_the_sample_does_not_mislead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import connectors.encoding as encoding

    data = "编号\n".encode() + "张".encode()  # 3-byte character at the end
    monkeypatch.setattr(encoding, "SAMPLE_BYTES", len(data) - 1)
    path = tmp_path / "cut.csv"
    path.write_bytes(data)
    assert detect_encoding(path) == "utf-8"
