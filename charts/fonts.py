"""The Chinese font charts are drawn with, found by name among the fonts matplotlib knows.

matplotlib's own fonts (DejaVu) hold no Chinese glyph: without a CJK font every
label would be drawn as empty boxes. Debian's ``fonts-noto-cjk`` is the one we
install (.ci/services.sh, README); the others below are taken when it is absent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from charts.data import ChartError

if TYPE_CHECKING:
    from matplotlib.font_manager import FontManager

FONT_PACKAGE = "fonts-noto-cjk"
# Simplified Chinese faces first: the same code points are drawn the mainland way.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Sans SC",
    "Droid Sans Fallback",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
)
# Words in the file names of the fonts above, to look for on disk when matplotlib's
# font cache was built before the font was installed.
_FILE_WORDS = ("cjk", "wqy", "sourcehan", "notosanssc", "droidsansfallback")


def cjk_family() -> str:
    """The name of an installed Chinese font matplotlib can draw with; a clear error
    naming the package to install when there is none."""
    from matplotlib import font_manager

    found = _known(font_manager.fontManager)
    if found is None:
        # The font cache predates the font: read the fonts on disk once and look again.
        for path in font_manager.findSystemFonts():
            compact = path.lower().replace("-", "").replace("_", "")
            if any(word in compact for word in _FILE_WORDS):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue  # a file matplotlib cannot read is not a font we can use
        found = _known(font_manager.fontManager)
    if found is None:
        raise ChartError(
            "no Chinese font for the chart's labels: install Debian's "
            f"{FONT_PACKAGE} (apt-get install {FONT_PACKAGE}; .ci/services.sh does it), "
            f"or another font named one of: {', '.join(CJK_FAMILIES)}"
        )
    return found


def _known(fonts: FontManager) -> str | None:
    names = {entry.name for entry in fonts.ttflist}
    return next((family for family in CJK_FAMILIES if family in names), None)
