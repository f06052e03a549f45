"""The scenario and README drafted for an instance imported from survey data.

The draft starts from today: quotas are today's areas (cropland kept, water kept, construction
allowed to grow by :data:`GROWTH`), plus the rules the survey implies when it has slope: no new
cropland above 25° and steep cropland outside basic farmland returned to forest (退耕还林). Every
choice a planner should confirm is a ``# REVIEW`` comment in scenario.toml, next to what it sets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import tomli_w

from landalloc.instances.codes import CLASSIFICATIONS, SURVEY_LAND_USES, CodeTable
from landalloc.instances.terrain import STEEP_DEGREES, steep_cropland
from landalloc.models.scenario import DEFAULT_OBJECTIVES, NATURAL_SENSE, Population, Rules

GROWTH = 0.05
"""Share by which urban and total construction land may grow in the draft: a placeholder for the
plan's own 城镇建设用地规模 and 建设用地总规模."""
GRASS_KEPT = 0.95
"""Share of today's grassland the draft keeps: the rest may be ploughed, built on or afforested."""


def _toml(table: dict) -> str:
    return tomli_w.dumps(table).strip()


def _inline(bounds: dict[str, float]) -> str:
    return "{ " + ", ".join(f"{k} = {v:.1f}" for k, v in bounds.items()) + " }"


def class_summary(parcels: gpd.GeoDataFrame, codes: pd.Series, table: CodeTable) -> list[str]:
    """One line per land use: its area today and the survey codes it holds, with the table's notes."""
    area = pd.Series(parcels["area_ha"].to_numpy(), index=codes.index)
    lines = []
    for use in SURVEY_LAND_USES:
        mine = (parcels["current_use"] == use.code).to_numpy()
        if not mine.any():
            continue
        held = area[mine].groupby(codes[mine]).sum().sort_index()
        listed = "; ".join(f"{c} {table.names.get(c, '')} {a:,.1f} ha" + (f" ({table.notes[c]})" if table.notes.get(c)
                                                                           else "") for c, a in held.items())
        lines.append(f"{use.code} ({use.name_zh}) {area[mine].sum():,.1f} ha: {listed}")
    return lines


def today(parcels: gpd.GeoDataFrame) -> dict[str, float]:
    """Hectares of every land use today."""
    area = parcels.groupby("current_use")["area_ha"].sum()
    return {u.code: float(area.get(u.code, 0.0)) for u in SURVEY_LAND_USES}


def draft_scenario(parcels: gpd.GeoDataFrame, name: str, source: str, table: CodeTable, codes: pd.Series,
                   district_names: dict[str, str], notes: Sequence[str]) -> str:
    """scenario.toml for imported parcels, commented with every choice to review."""
    now = today(parcels)
    steep = steep_cropland(parcels)
    returned = float(parcels["area_ha"][steep].sum())
    built = sum(now[u.code] for u in SURVEY_LAND_USES if u.group == "construction")
    out = [f"# Drafted by `landalloc instance import` from {source}.",
           "# A first draft: each `# REVIEW` comment is a choice to confirm or change before the plan is solved.",
           f"# Codes read under {table.classification}: {CLASSIFICATIONS[table.classification]}; table {table.source}.",
           "# REVIEW the land classes (today's areas, and the survey codes each holds):",
           *(f"#   {line}" for line in class_summary(parcels, codes, table)),
           "# What the import decided (also in README.md):",
           *(f"#   {note}" for note in notes),
           "",
           _toml({"name": name, "description": f"Drafted from the survey data {source}; review before use."}),
           "",
           "# The classes: the default seven and barren (其他土地); benefit and esv are the project's defaults",
           "# REVIEW: put the county's own output and ecosystem-service values per hectare (docs/model.md)",
           _toml({"land_use": [u.model_dump() for u in SURVEY_LAND_USES]}),
           "",
           "[rules]"]
    rules = Rules().model_dump(exclude={"cropland_max_slope"})
    out += [_toml(rules)]
    if "slope" in parcels:
        out += [f"# REVIEW: no new cropland on parcels steeper than {STEEP_DEGREES:g}° (水土保持法 art. 20); a parcel's "
                "slope is the DEM's mean over it (column 'slope')",
                f"cropland_max_slope = {STEEP_DEGREES:.1f}"]
    out += ["", "# Quotas in hectares, starting from today's areas", "[quotas]"]
    quotas = [
        ("crop", {"min": math.floor(now["crop"] - returned)},
         f"today's cropland {now['crop']:,.1f} ha" + (f", less {returned:,.1f} ha above {STEEP_DEGREES:g}° outside "
                                                      "basic farmland that 退耕还林 returns to forest" if returned
                                                      else "; kept (耕地保有量)")),
        ("forest", {"min": math.floor(now["forest"] + returned)},
         f"today's forest {now['forest']:,.1f} ha" + (f", plus the {returned:,.1f} ha of steep cropland returned "
                                                      "(退耕还林)" if returned else "; kept")),
        ("grass", {"min": math.floor(GRASS_KEPT * now["grass"])},
         f"{GRASS_KEPT:.0%} of today's grassland {now['grass']:,.1f} ha: the rest may change"),
        ("water", {"min": math.floor(now["water"])}, f"today's water and wetland {now['water']:,.1f} ha; no net loss"),
        ("service", {"min": math.floor(now["service"])}, f"today's public-service land {now['service']:,.1f} ha, kept"),
        ("urban", {"max": math.ceil((1 + GROWTH) * now["urban"])},
         f"today's urban land {now['urban']:,.1f} ha + {GROWTH:.0%}; set the plan's 城镇建设用地规模"),
        ("construction", {"max": math.ceil((1 + GROWTH) * built)},
         f"today's construction land {built:,.1f} ha + {GROWTH:.0%}; set the plan's 建设用地总规模"),
    ]
    out += [f"{key} = {_inline(bounds)}  # REVIEW: {why}" for key, bounds, why in quotas if now.get(key, 1.0) > 0]
    out += ["", "# REVIEW: water and wetland stay; built land stays built (urban and public-service land may swap);",
            "# other land, villages included (增减挂钩), may become anything the rules allow",
            "[conversion]", 'water = ["water"]', 'urban = ["urban", "service"]', 'service = ["service", "urban"]', ""]
    out += ["[population]", "# REVIEW: persons per hectare of housing land",
            f"density = {_inline(Population().density)}", ""]
    out += _districts(parcels, district_names)
    out += ["[service]", "radius_m = 3000.0  # REVIEW: catchment of public services (m)", "",
            "[compactness]", 'uses = ["crop", "forest", "urban"]', "",
            _toml({"objectives": {o: NATURAL_SENSE[o] for o in DEFAULT_OBJECTIVES}}), ""]
    return "\n".join(out)


def _districts(parcels: gpd.GeoDataFrame, names: dict[str, str]) -> list[str]:
    """[districts.<id>]: urban where urban land exceeds village land; names from the survey."""
    if parcels["district"].nunique() == 1 and not names:
        return []
    area = parcels.pivot_table(index="district", columns="current_use", values="area_ha", aggfunc="sum", fill_value=0)
    urban = area.get("urban", pd.Series(0.0, index=area.index))
    rural = area.get("rural", pd.Series(0.0, index=area.index))
    out = ["# REVIEW: a district is urban where its urban land exceeds its village land; no district has a",
           "# population_target yet: give each the residents the plan must house (人口规模)"]
    for district in area.index:
        entry: dict[str, object] = {"kind": "urban" if urban[district] > rural[district] else "rural"}
        if names.get(str(district)):
            entry["name_zh"] = names[str(district)]
        out += [_toml({"districts": {str(district): entry}}), ""]
    return out


def draft_readme(parcels: gpd.GeoDataFrame, name: str, source: str, table: CodeTable, notes: Sequence[str]) -> str:
    """README.md of an imported instance: provenance, today's land use, what the import decided."""
    now = today(parcels)
    total = sum(now.values())
    rows = "\n".join(f"| {u.code} | {u.name_zh} | {now[u.code]:,.1f} | {now[u.code] / total:.1%} |"
                     for u in SURVEY_LAND_USES if now[u.code] > 0)
    slope = "" if "slope" not in parcels else \
        f" Slope from the DEM: median {np.median(parcels['slope']):.1f}°, {(parcels['slope'] > STEEP_DEGREES).sum()} parcels above {STEEP_DEGREES:g}°."
    return (f"# {name}\n\nImported by `landalloc instance import` from `{source}`: {len(parcels):,} parcels, "
            f"{total:,.1f} ha, {parcels['district'].nunique()} districts, codes of "
            f"{CLASSIFICATIONS[table.classification]}.{slope}\n\n"
            f"| use | 名称 | area (ha) | share |\n|---|---|---:|---:|\n{rows}\n\n"
            "What the import decided:\n\n" + "\n".join(f"- {n}" for n in notes) +
            "\n\nscenario.toml is a draft: read its `# REVIEW` comments, then `landalloc check` and "
            "`landalloc solve` this folder.\n")
