"""A font that draws Chinese land-use names in matplotlib figures, found once per process.

Maps carry a bilingual legend (``cropland 耕地``). Matplotlib's default DejaVu Sans has no CJK
glyphs, so the legend text uses a family list: DejaVu Sans for Latin text and the first CJK
font found for the rest (matplotlib falls back glyph by glyph). Where to look, in order:

1. the font file named by the environment variable ``LANDALLOC_CJK_FONT``;
2. fonts matplotlib already knows by a known CJK family name (Noto Sans CJK SC, WenQuanYi, ...);
3. font files on the system whose names look CJK (the matplotlib font cache may predate them).

With none, figures keep English names only and one warning says how to install a font
(``apt-get install fonts-noto-cjk`` on Debian/Ubuntu).
"""

from __future__ import annotations

import os
import warnings
from functools import lru_cache
from pathlib import Path

from matplotlib import font_manager

CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei", "Sarasa Gothic SC", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC",
    "Noto Serif CJK SC", "AR PL UMing CN", "AR PL UKai CN", "Droid Sans Fallback", "Noto Sans CJK JP",
)
FILE_HINTS = ("notosanscjk", "notoserifcjk", "notosanssc", "sourcehan", "wqy", "droidsansfallback",
              "simhei", "msyh", "pingfang", "uming", "ukai", "sarasa")
LATIN_FAMILY = "DejaVu Sans"
INSTALL_HINT = ("install a CJK font (Debian/Ubuntu: apt-get install fonts-noto-cjk) or point "
                "LANDALLOC_CJK_FONT at a .ttf/.otf/.ttc file")


@lru_cache(maxsize=1)
def cjk_family() -> str | None:
    """Name of a font family with Chinese glyphs registered with matplotlib, or None."""
    named = os.environ.get("LANDALLOC_CJK_FONT")
    if named:
        family = _register(Path(named))
        if family:
            return family
        warnings.warn(f"LANDALLOC_CJK_FONT={named}: not a readable font file; looking elsewhere",
                      stacklevel=2)
    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    for path in sorted(font_manager.findSystemFonts(), key=_regular_first):
        if any(hint in Path(path).name.lower().replace("-", "").replace("_", "") for hint in FILE_HINTS):
            family = _register(Path(path))
            if family:
                return family
    return None


def _regular_first(path: str) -> tuple[bool, str]:
    """Regular faces before bold ones: a family registered from its bold file alone makes
    matplotlib warn on every normal-weight text ("Failed to find font weight normal")."""
    return "bold" in Path(path).name.lower(), path


def _register(path: Path) -> str | None:
    try:
        font_manager.fontManager.addfont(str(path))
        return font_manager.FontProperties(fname=str(path)).get_name()
    except (OSError, RuntimeError, ValueError):
        return None


def text_families() -> list[str]:
    """Font family list for bilingual text: Latin first, the CJK font as glyph fallback."""
    family = cjk_family()
    return [LATIN_FAMILY, family] if family else [LATIN_FAMILY]


@lru_cache(maxsize=1)
def can_draw_chinese() -> bool:
    """Whether Chinese names can be drawn; warns once (with the fix) when they cannot."""
    if cjk_family():
        return True
    warnings.warn(f"no CJK font found: map legends show English land-use names only; {INSTALL_HINT}",
                  stacklevel=2)
    return False
