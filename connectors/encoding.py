"""Guess the text encoding of a department's file export."""

from __future__ import annotations

import codecs
from pathlib import Path

from charset_normalizer import from_bytes

SAMPLE_BYTES = 1 << 20

# GB18030 is a superset of GBK and GB2312: decoding with it never loses a character
# that a GBK file can hold.
_WIDEN = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "ascii": "utf-8"}


def _decodes(sample: bytes, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        decoder.decode(sample, final=False)  # not final: the sample may end mid-character
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-8, gb18030, or charset-normalizer's best guess."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if _decodes(sample, "utf-8"):
        return "utf-8"
    if _decodes(sample, "gb18030"):
        return "gb18030"
    best = from_bytes(sample).best()
    if best is None:
        raise ValueError(f"{path}: cannot tell the text encoding; name it in the source config")
    return _WIDEN.get(best.encoding, best.encoding)
