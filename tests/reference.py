"""A plain-Python reading of docs/model.md, written from the parcel table, not the compiled arrays.

Slow and obvious on purpose: tests compare :func:`landalloc.models.evaluate` (and every engine) with it.
"""

from __future__ import annotations

import shapely

from landalloc.models.scenario import GROUPS, Scenario


def reference_evaluate(parcels, scenario: Scenario, layout: list[str]) -> tuple[dict, dict]:
    """Objectives and constraint slacks of one layout given as land-use codes."""
    uses = {u.code: u for u in scenario.land_use}
    rows = list(parcels.itertuples(index=False))
    geoms = list(parcels.geometry)
    rules = scenario.rules
    n = len(rows)

    objectives = {"efficiency": 0.0, "ecology": 0.0, "change": 0.0, "compactness": 0.0}
    for r, use in zip(rows, layout):
        objectives["efficiency"] += r.area_ha * getattr(r, f"suit_{use}") * uses[use].benefit
        objectives["ecology"] += r.area_ha * uses[use].esv
        objectives["change"] += r.area_ha if use != r.current_use else 0.0
    for i in range(n):
        for j in range(i + 1, n):
            if layout[i] == layout[j] and layout[i] in scenario.compactness.uses:
                shared = geoms[i].boundary.intersection(geoms[j].boundary).length
                objectives["compactness"] += shared / 1000.0

    centroids = [g.centroid for g in geoms]
    coverage: dict[str, list[float]] = {}
    for i, r in enumerate(rows):
        if r.pop <= 0:
            continue
        covered = any(layout[j] == "service" and
                      (i == j or shapely.distance(centroids[i], centroids[j]) <= scenario.service.radius_m)
                      for j in range(n))
        got, total = coverage.get(r.district, [0.0, 0.0])
        coverage[r.district] = [got + (r.pop if covered else 0.0), total + r.pop]
    objectives["equity"] = min((g / t for g, t in coverage.values()), default=0.0) if "service" in uses else 0.0

    slack: dict[str, float] = {}
    conversion = {src: set(dst) | {src} for src, dst in scenario.conversion.items()}
    breach = {"conversion": 0.0, "basic_farmland": 0.0, "eco_redline": 0.0, "urban_boundary": 0.0}
    for r, use in zip(rows, layout):
        if use not in conversion.get(r.current_use, uses):
            breach["conversion"] += r.area_ha
        if r.farmland and use != "crop":
            breach["basic_farmland"] += r.area_ha
        ecological_ok = uses[use].group == "ecological" or (use == "crop" and r.current_use == "crop")
        if r.eco_redline and not ecological_ok:
            breach["eco_redline"] += r.area_ha
        if use == "urban" and not r.urban_boundary and r.current_use != "urban":
            breach["urban_boundary"] += r.area_ha
    active = {"conversion": rules.conversion and bool(scenario.conversion),
              "basic_farmland": rules.basic_farmland, "eco_redline": rules.eco_redline,
              "urban_boundary": rules.urban_boundary and "urban" in uses}
    for name, value in breach.items():
        if active[name]:
            slack[name] = -value

    if rules.quotas:
        for key, quota in scenario.quotas.items():
            members = {c for c, u in uses.items() if (u.group == key if key in GROUPS else c == key)}
            total = sum(r.area_ha for r, use in zip(rows, layout) if use in members)
            if quota.min:
                slack[f"quota_min[{key}]"] = total - quota.min
            if quota.max is not None:
                slack[f"quota_max[{key}]"] = quota.max - total
    if rules.cropland_balance and "crop" in uses:
        lost = gained = 0.0
        for r, use in zip(rows, layout):
            weight = r.area_ha * (r.crop_quality if rules.quality_weighted_balance else 1.0)
            if r.current_use == "crop" and uses[use].group == "construction":
                lost += weight
            if r.current_use != "crop" and use == "crop":
                gained += weight
        slack["cropland_balance"] = gained - lost
    if rules.population_capacity:
        for name, district in scenario.districts.items():
            if district.population_target is None:
                continue
            capacity = sum(r.area_ha * scenario.population.density.get(use, 0.0)
                           for r, use in zip(rows, layout) if r.district == name)
            slack[f"population[{name}]"] = capacity - district.population_target
    return objectives, slack
