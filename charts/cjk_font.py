"""Find a font with Chinese glyphs (Debian's fonts-noto-cjk) for matplotlib's labels."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

# Sans first: chart labels read better in a sans face.
PREFERRED = ("Sans CJK", "Sans", "")


def cjk_font_file() -> str | None:
    """A font file that covers Chinese, as fontconfig knows it, or None."""
    if shutil.which("fc-list") is None:
        return None
    listed = subprocess.run(
        ["fc-list", ":lang=zh", "file", "family"], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    for wanted in PREFERRED:
        for line in sorted(listed):
            path, _, family = line.partition(":")
            if wanted in family and path.strip():
                return path.strip()
    return None


def use_cjk_font(matplotlib: Any) -> bool:
    """Make matplotlib draw Chinese labels; False when no such font is installed."""
    path = cjk_font_file()
    if path is None:
        return False
    from matplotlib import font_manager

    font_manager.fontManager.addfont(path)
    name = font_manager.FontProperties(fname=path).get_name()
    matplotlib.rcParams["font.family"] = [name, "sans-serif"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return True
