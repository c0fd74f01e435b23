"""Text normalisation shared by every identifier check."""

# Full-width ASCII (U+FF01..U+FF5E) maps onto ASCII by a fixed offset; the
# ideographic space U+3000 is the full-width blank.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20


def to_halfwidth(text: str) -> str:
    """Replace full-width digits, letters and punctuation by their ASCII forms."""
    return text.translate(_FULLWIDTH)


def strip_separators(text: str) -> str:
    """Remove the spaces and dashes people type inside identifiers."""
    return "".join(ch for ch in text if ch not in " \t-\u00a0")
