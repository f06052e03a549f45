"""How objectives, land uses and solutions are named on charts, maps and tables."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from typing import Any

from landalloc.models.errors import InputError
from landalloc.models.landuse import LandUse
from landalloc.models.scenario import UNITS, Scenario, parse_scenario

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
    if objective in ("equity", "urban_rural_gap"):
        return f"{value:.1%}"
    return f"{value:,.1f}" if abs(value) < 1e5 else f"{value:,.0f}"


def district_labels(run: dict[str, Any], districts: list[str]) -> dict[str, tuple[str, str]]:
    """Each district's English and Chinese name (each falling back to the other, then to the id)
    from the scenario that run.json records (``[districts.<id>] name_en, name_zh``)."""
    scenario = _recorded_scenario(run)
    if scenario is None:
        return {d: (d, d) for d in districts}
    return {d: (scenario.district_name(d, "en"), scenario.district_name(d, "zh")) for d in districts}


def district_names(run: dict[str, Any], districts: list[str], chinese: bool = True) -> dict[str, str]:
    """Each district's display name, ``West 西区`` (one name when only one is given, else the id);
    without ``chinese`` (no CJK font to draw it) the English name or the id."""
    labels = district_labels(run, districts)
    if chinese:
        return {d: english if english == zh else f"{english} {zh}" for d, (english, zh) in labels.items()}
    scenario = _recorded_scenario(run)
    entries = scenario.districts if scenario is not None else {}
    return {d: (entries[d].name_en if d in entries and entries[d].name_en else d) for d in districts}


def _recorded_scenario(run: dict[str, Any]) -> Scenario | None:
    """The scenario run.json records (the CLI stores it as a dict), or None."""
    try:
        return parse_scenario(run["scenario"]) if isinstance(run.get("scenario"), dict) else None
    except InputError:
        return None
