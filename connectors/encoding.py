"""Guess the text encoding of a department's file export, and check a whole file reads in it."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from connectors.batch import BadSourceFile

SAMPLE_BYTES = 1 << 20
SCAN_BYTES = 4 << 20

# GB18030 is a superset of GBK and GB2312: decoding with it never loses a character
# that a GBK file can hold.
_WIDEN = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "ascii": "utf-8"}
_GB_FAMILY = {"gb18030", "gbk", "gb2312", "cp936"}
# A line of at least two Chinese characters that is valid UTF-8 (no U+FFFD once decoded
# with "replace"). GBK text is practically never valid UTF-8 over two characters.
_UTF8_CHINESE_LINE = re.compile(
    r"^[^\n\ufffd]*[\u3400-\u9fff][^\n\ufffd]*[\u3400-\u9fff][^\n\ufffd]*$", re.MULTILINE
)


def _decodes(sample: bytes, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        decoder.decode(sample, final=False)  # not final: the sample may end mid-character
    except UnicodeDecodeError:
        return False
    return True


def _mixed_first(sample: bytes) -> str | None:
    """When every line reads as UTF-8 or as GB18030 (but not all in one), the encoding of
    the first non-ASCII line: the full check then names the first line in the other one."""
    first: str | None = None
    lines = sample.split(b"\n")
    for index, line in enumerate(lines):
        if line.isascii():
            continue
        last = index == len(lines) - 1  # the sample may end mid-character
        kind = next((enc for enc in ("utf-8", "gb18030") if _line_decodes(line, enc, last)), None)
        if kind is None:
            return None
        first = first or kind
    return first


def _line_decodes(line: bytes, encoding: str, partial: bool) -> bool:
    if partial:
        return _decodes(line, encoding)
    try:
        line.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-16, utf-8, gb18030, or charset-normalizer's best guess."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _decodes(sample, "utf-8"):
        return "utf-8"
    if _decodes(sample, "gb18030"):
        return "gb18030"
    mixed = _mixed_first(sample)
    if mixed is not None:
        return mixed
    best = from_bytes(sample).best()
    if best is None:
        raise ValueError(f"{path}: cannot tell the text encoding; name it in the source config")
    return _WIDEN.get(best.encoding, best.encoding)


@dataclass(frozen=True)
class TextShape:
    """What one pass over a text file's bytes found."""

    lines: int  # physical lines, as an editor numbers them (a last line without newline counts)
    # no blank line and no lone CR: with no value spanning lines, record i is on line i + 1
    one_line_records: bool


def scan_text(path: Path, encoding: str, *, name: str | None = None) -> TextShape:
    """Check that every byte of the file decodes in ``encoding``, and measure its lines.

    Raises BadSourceFile naming the line (and the encoding) of the first problem: a NUL
    byte, undecodable bytes, a character cut short, or lines in two encodings.
    """
    name = name or path.name
    codec = "utf-8" if codecs.lookup(encoding).name == "utf-8-sig" else encoding
    if "a\n".encode(codec) != b"a\n":
        raise BadSourceFile(
            name,
            f"the file is {encoding} text, which is not read here; "
            "export it as CSV in UTF-8 or GB18030",
        )
    gb_family = codecs.lookup(encoding).name in _GB_FAMILY or encoding.lower() in _GB_FAMILY
    lines_before = 0
    one_line = True
    started = False
    pending = b""
    last_byte = b""
    first_block = True
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(SCAN_BYTES)
            data = pending + chunk
            if not started:
                started = True
                if data.startswith(codecs.BOM_UTF8) and codec == "utf-8":
                    data = data[len(codecs.BOM_UTF8) :]
            cut = data.rfind(b"\n") + 1 if chunk else len(data)
            block, pending = data[:cut], data[cut:]
            if block:
                _check_block(block, codec, encoding, name, lines_before, gb_family)
                probe = block if first_block else b"\n" + block
                one_line = one_line and _one_line_records(probe)
                lines_before += block.count(b"\n")
                last_byte = block[-1:]
                first_block = False
            if not chunk:
                break
    lines = lines_before + (1 if last_byte not in (b"", b"\n") else 0)
    return TextShape(lines=lines, one_line_records=one_line)


def _one_line_records(probe: bytes) -> bool:
    # Quoted values may still span lines; the fast reader checks the values it parsed.
    return (
        b"\n\n" not in probe
        and b"\n\r\n" not in probe
        and probe.count(b"\r") == probe.count(b"\r\n")
    )


def _check_block(
    block: bytes, codec: str, encoding: str, name: str, line0: int, gb_family: bool
) -> None:
    def line_at(offset: int) -> int:
        return line0 + block.count(b"\n", 0, offset) + 1

    nul = block.find(b"\x00")
    if nul >= 0:
        raise BadSourceFile(
            name, f"line {line_at(nul)} holds a NUL byte: this is not a text file (UTF-16 text?)"
        )
    try:
        block.decode(codec)
    except UnicodeDecodeError as err:
        raise BadSourceFile(
            name, _decode_reason(block, err, encoding, line_at(err.start))
        ) from None
    if gb_family:
        text = block.decode("utf-8", errors="replace")
        match = _UTF8_CHINESE_LINE.search(text)
        if match is not None:
            line = line0 + text.count("\n", 0, match.start()) + 1
            raise BadSourceFile(
                name,
                f"line {line} is UTF-8 text while the file is read as {encoding}: "
                "the file mixes encodings; re-save it in one encoding",
            )


def _others(encoding: str) -> tuple[str, ...]:
    """The encodings a line that fails ``encoding`` may be in when a file mixes two."""
    name = codecs.lookup(encoding).name
    if name in _GB_FAMILY:
        return ("utf-8",)  # a character outside GBK is not a second encoding
    if name in ("utf-8", "utf-8-sig"):
        return ("gb18030",)
    return ("utf-8", "gb18030")


def _decode_reason(block: bytes, err: UnicodeDecodeError, encoding: str, line: int) -> str:
    start = block.rfind(b"\n", 0, err.start) + 1
    end = block.find(b"\n", err.start)
    end = len(block) if end < 0 else end
    text = block[start:end].rstrip(b"\r")
    for other in _others(encoding):
        if _line_decodes(text, other, False):
            return (
                f"line {line} is not {encoding} but reads as {other}: the file mixes "
                "encodings; re-save it in one encoding"
            )
    if err.end >= start + len(text) or block[err.end : err.end + 1] in (b"\r", b"\n"):
        return (
            f"line {line} ends in the middle of a {encoding} character: "
            "the file was cut short or damaged"
        )
    return (
        f"line {line} cannot be decoded as {encoding} (byte 0x{block[err.start]:02x} at "
        f"column {err.start - start + 1}); name the right encoding in the source config"
    )
