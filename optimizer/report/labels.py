"""How objectives, land uses and solutions are named on charts, maps and tables."""

from __future__ import annotations

import re
from html import escape
from collections.abc import Mapping

from landalloc.models.landuse import LandUse
from landalloc.models.scenario import UNITS

CURRENT = "current"
"""Id of today's layout wherever solutions are listed next to the front's points."""


def axis_label(objective: str, sense: str, html: bool = False, units: Mapping[str, str] | None = None) -> str:
    """``efficiency (10^4 CNY/yr) ↑``: name, unit (the front's, from its scenario) and which way is better;
    a power of ten is set as a superscript (HTML, or matplotlib's mathtext)."""
    unit = (units or UNITS).get(objective, "")
    if html:
        unit = re.sub(r"10\^(-?\d+)", r"10<sup>\1</sup>", escape(unit))
    else:  # a "$" of the planner's own (USD) is text, not mathtext
        unit = re.sub(r"10\^(-?\d+)", lambda m: f"$10^{m[1]}$" if len(m[1]) == 1 else f"$10^{{{m[1]}}}$",
                      unit.replace("$", r"\$"))
    arrow = "↑" if sense == "max" else "↓"
    return f"{objective} ({unit}) {arrow}" if unit else f"{objective} {arrow}"


def use_label(use: LandUse, chinese: bool = True) -> str:
    """``cropland 耕地`` (or ``cropland`` where no CJK font can draw the Chinese name)."""
    return f"{use.name_en} {use.name_zh}" if chinese and use.name_zh else use.name_en


def format_value(objective: str, value: float) -> str:
    """An objective value as a planner reads it: shares in %, areas and money with separators."""
    if value != value:  # NaN
        return ""
    if objective == "equity":
        return f"{value:.1%}"
    return f"{value:,.1f}" if abs(value) < 1e5 else f"{value:,.0f}"
