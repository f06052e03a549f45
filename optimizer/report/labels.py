"""How objectives, land uses and solutions are named on charts, maps and tables."""

from __future__ import annotations

from landalloc.models.landuse import LandUse
from landalloc.models.scenario import UNITS

UNIT_TEXT = UNITS
UNIT_MATH = {"efficiency": "$10^4$ CNY/yr", "ecology": "$10^4$ CNY/yr"}
UNIT_HTML = {"efficiency": "10<sup>4</sup> CNY/yr", "ecology": "10<sup>4</sup> CNY/yr"}
CURRENT = "current"
"""Id of today's layout wherever solutions are listed next to the front's points."""


def axis_label(objective: str, sense: str, html: bool = False) -> str:
    """``efficiency (10^4 CNY/yr) ↑``: name, unit and which way is better."""
    units = UNIT_HTML if html else UNIT_MATH
    unit = units.get(objective, UNIT_TEXT.get(objective, ""))
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
