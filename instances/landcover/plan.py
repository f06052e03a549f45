"""The plan of a land-cover instance: population targets, urban boundary, quotas, and a witness.

Quotas are set so that they bind and can all be met: the builder draws a *feasible layout*
(:func:`feasible_layout`) that restores the stated share of barren land, adds the public-service
land the standard asks for, and houses every district's projected population inside its urban
development boundary (or on new village land where a district has no town); the quotas are then
read off that layout. ``landalloc.models.evaluate`` confirms the witness meets every rule, so the quotas are
feasible by construction, and the optimiser is free to find better layouts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from landalloc.instances.landcover.classes import CODES, LAND_USES
from landalloc.instances.landcover.derive import USE
from landalloc.models.scenario import DEFAULT_OBJECTIVES, NATURAL_SENSE

GROUP = np.array([u.group for u in LAND_USES])
DEVELOPABLE = [USE["grass"], USE["barren"], USE["forest"]]
"""Uses the witness converts (cropland stays whole: its quota and the balance rule keep it)."""


@dataclass(frozen=True)
class PlanRule:
    """Parameters of the plan (docs/real-data.md, "The plan").

    growth : projected / today's residents by district kind (urban districts grow, banners and
        counties lose residents to the towns).
    boundary_slack : the urban development boundary offers this many times the land the
        projected growth needs, so that the optimiser can choose where to build.
    crop_max, water_max : cropland and water may grow by at most this factor (以水定地: water
        rights cap irrigation and new reservoirs in a semi-arid region).
    barren_restore : share of barren land to be restored to grassland (防沙治沙).
    service_share : public-service land, at least this share of today's urban land
        (GB 50137-2011 gives 5.0-8.0 % of urban construction land).
    rural_density : persons/ha of new village land when the map shows no villages to calibrate
        on (third land survey: about 219,000 km² of village land for 510 million rural residents).
    service_radius_cells, service_radius_min_m : service catchment radius, in cell sides, at least
        the minimum in metres.
    service_per_district : public-service cells drawn in every district with residents, each where
        it reaches the most of them (a service centre per county-level unit, 基本公共服务均等化);
        the construction cap makes room for them, so service equity has something to trade.
    """

    growth: dict[str, float] = field(default_factory=lambda: {"urban": 1.10, "rural": 0.95})
    boundary_slack: float = 1.5
    crop_max: float = 1.10
    water_max: float = 1.10
    barren_restore: float = 0.05
    service_share: float = 0.05
    rural_density: float = 23.0
    service_radius_cells: float = 2.5
    service_radius_min_m: float = 3000.0
    service_per_district: int = 1


def densities(use: np.ndarray, area: np.ndarray, pop: np.ndarray, urban_density_max: float,
              rule: PlanRule) -> dict[str, float]:
    """Housing density of each use (persons/ha): today's residents over today's area.

    Uses with no land today get the stated defaults (urban: the density ceiling of the
    residents rule; rural: ``rule.rural_density``); uses without residents get none.
    """
    out = {}
    for k, code in enumerate(CODES):
        here = use == k
        if here.any() and pop[here].sum() > 0:
            out[code] = round(float(pop[here].sum() / area[here].sum()), 4)
    out.setdefault("urban", urban_density_max)
    out.setdefault("rural", rule.rural_density)
    return out


def capacity(layout: np.ndarray, area: np.ndarray, district: np.ndarray, n_districts: int,
             density: dict[str, float]) -> np.ndarray:
    """Housing capacity of every district under a layout (persons), as the model computes it."""
    rho = np.array([density.get(c, 0.0) for c in CODES])
    return np.bincount(district, area * rho[layout], minlength=n_districts)


def targets(pop: np.ndarray, capacity_today: np.ndarray, district: np.ndarray, kinds: list[str],
            rule: PlanRule) -> np.ndarray:
    """Population target of every district: today's housing capacity plus the projected change in
    residents, ``floor(capacity_d + (growth[kind] - 1) * residents_d)``.

    Capacity is counted at the scenario's densities, which are regional averages; a district's
    census count can differ from its capacity at those averages (cells too coarse to show its
    villages), so the plan asks each district to house its *change* in residents, not to
    reconcile the two.
    """
    today = np.bincount(district, pop, minlength=len(kinds))
    growth = np.array([rule.growth[k] for k in kinds])
    return np.floor(capacity_today + (growth - 1.0) * today)


def urban_boundary(use: np.ndarray, area: np.ndarray, centre: np.ndarray, district: np.ndarray,
                   need: np.ndarray, open_land: np.ndarray, density: dict[str, float],
                   rule: PlanRule) -> np.ndarray:
    """Urban development boundary: today's urban land plus, in every district that must grow,
    the open cells nearest to its urban land until they add ``boundary_slack`` times the housing
    the district lacks (at urban density). Districts without urban land get no new boundary."""
    urban = use == USE["urban"]
    boundary = urban.copy()
    rho = np.array([density.get(c, 0.0) for c in CODES])
    gain = area * (density["urban"] - rho[use])
    for d in np.flatnonzero(need > 0):
        seeds = urban & (district == d)
        candidates = np.flatnonzero(open_land & (district == d))
        if not seeds.any() or not len(candidates):
            continue
        dist = cKDTree(centre[seeds]).query(centre[candidates])[0]
        order = candidates[np.argsort(dist, kind="stable")]
        k = int(np.searchsorted(np.cumsum(gain[order]), rule.boundary_slack * need[d])) + 1
        boundary[order[:k]] = True
    return boundary


@dataclass(frozen=True)
class Plan:
    """What :func:`feasible_layout` decided: the witness, the quotas read off it, and notes."""

    layout: np.ndarray
    quotas: dict[str, dict[str, float]]
    targets: np.ndarray
    notes: list[str]


def feasible_layout(use: np.ndarray, area: np.ndarray, centre: np.ndarray, district: np.ndarray,
                    district_ids: list[str], farmland: np.ndarray, redline: np.ndarray,
                    boundary: np.ndarray, suit: np.ndarray, d_urban: np.ndarray, target: np.ndarray,
                    density: dict[str, float], rule: PlanRule, pop: np.ndarray, radius_m: float) -> Plan:
    """Draw a layout that meets every rule, then read binding quotas off it.

    Steps: (1) restore the barren cells best suited to grassland until ``barren_restore`` of the
    barren area is grassland; (2) turn the open cells nearest to urban land (outside the
    boundary) into public-service land until it covers ``service_share`` of today's urban land,
    then give every district with residents ``service_per_district`` service cells where they reach
    the most residents within ``radius_m``; (3) in every district short of housing, urbanise boundary cells nearest to its urban land,
    then turn its open cells best suited to villages into village land; a target no layout can
    reach is lowered to what the district can house (and noted).
    """
    layout = use.copy()
    notes: list[str] = []
    today = {c: float(area[use == k].sum()) for k, c in enumerate(CODES)}
    free = ~farmland & np.isin(use, DEVELOPABLE)

    barren = np.flatnonzero(use == USE["barren"])
    if len(barren) and rule.barren_restore > 0:
        order = barren[np.argsort(-suit[USE["grass"], barren], kind="stable")]
        k = int(np.searchsorted(np.cumsum(area[order]), rule.barren_restore * today["barren"])) + 1
        layout[order[:k]] = USE["grass"]

    service_min = rule.service_share * today["urban"]
    if service_min > 0:
        open_land = np.flatnonzero(free & ~redline & ~boundary & (layout == use))
        order = open_land[np.argsort(d_urban[open_land], kind="stable")]
        if area[order].sum() < service_min:
            notes.append(f"public-service minimum lowered from {service_min:,.0f} ha to the "
                         f"{area[order].sum():,.0f} ha of open land outside the boundary")
            service_min = float(area[order].sum())
        k = int(np.searchsorted(np.cumsum(area[order]), service_min)) + 1
        layout[order[:k]] = USE["service"]
    service_centres(layout, use, free & ~redline, pop, centre, district, len(district_ids), radius_m,
                    rule.service_per_district)

    n = len(district_ids)
    target = target.copy()
    for d in range(n):
        short = target[d] - capacity(layout, area, district, n, density)[d]
        if short <= 0:
            continue
        here = (district == d) & free & ~redline & (layout == use)
        towns = np.flatnonzero(here & boundary)
        towns = towns[np.argsort(d_urban[towns], kind="stable")]
        villages = np.flatnonzero(here & ~boundary)
        villages = villages[np.argsort(-suit[USE["rural"], villages], kind="stable")]
        for cells, new in ((towns, "urban"), (villages, "rural")):
            rho_old = np.array([density.get(c, 0.0) for c in CODES])[layout[cells]]
            gain = np.cumsum(area[cells] * (density[new] - rho_old))
            k = min(len(cells), int(np.searchsorted(gain, short)) + 1)
            layout[cells[:k]] = USE[new]
            short -= gain[k - 1] if k else 0.0
            if short <= 0:
                break
        if short > 0:
            reachable = math.floor(capacity(layout, area, district, n, density)[d])
            notes.append(f"district {district_ids[d]}: target lowered from {target[d]:,.0f} to {reachable:,} "
                         "residents, all the open land it has can house")
            target[d] = reachable

    built = {c: float(area[layout == USE[c]].sum()) for c in CODES}
    quotas: dict[str, dict[str, float]] = {}
    if today["crop"] > 0:
        quotas["crop"] = {"min": float(math.floor(today["crop"])),
                          "max": float(math.ceil(rule.crop_max * today["crop"]))}
    if today["forest"] > 0:
        quotas["forest"] = {"min": float(math.floor(today["forest"]))}
    quotas["water"] = {"max": float(math.ceil(rule.water_max * today["water"]))}
    if today["barren"] > 0 and rule.barren_restore > 0:
        quotas["barren"] = {"max": float(math.ceil(built["barren"]))}
    quotas["urban"] = {"max": float(math.ceil(built["urban"]))}
    if service_min > 0:
        quotas["service"] = {"min": float(min(math.ceil(service_min), math.floor(built["service"])))}
    quotas["construction"] = {"max": float(math.ceil(sum(built[c] for c in CODES
                                                          if GROUP[USE[c]] == "construction")))}
    return Plan(layout, quotas, target, notes)


def service_centres(layout: np.ndarray, use: np.ndarray, open_land: np.ndarray, pop: np.ndarray,
                    centre: np.ndarray, district: np.ndarray, n_districts: int, radius_m: float,
                    per_district: int) -> None:
    """Turn, in each district with residents, up to ``per_district`` unchanged open cells into
    public-service land, each the one whose catchment holds the most residents not yet served."""
    if per_district <= 0 or not pop.any():
        return
    tree = cKDTree(centre)
    served = np.zeros(len(pop), bool)
    for reach in tree.query_ball_point(centre[layout == USE["service"]], radius_m):
        served[reach] = True
    for d in range(n_districts):
        for _ in range(per_district):
            cells = np.flatnonzero(open_land & (district == d) & (layout == use))
            if not pop[district == d].any() or not len(cells):
                break
            reach = tree.query_ball_point(centre[cells], radius_m)
            gain = np.array([pop[r][~served[r]].sum() for r in reach])
            best = int(np.argmax(gain))
            layout[cells[best]] = USE["service"]
            served[reach[best]] = True


CONVERSION: dict[str, list[str]] = {
    "crop": [c for c in CODES if c != "barren"],
    "forest": [c for c in CODES if c != "barren"],
    "grass": [c for c in CODES if c != "barren"],
    "water": ["water"],
    "urban": ["urban", "service"],
    "rural": ["rural", "crop", "grass", "forest", "urban", "service"],
    "service": ["service", "urban"],
    "barren": [c for c in CODES if c != "barren"],
}
"""Allowed conversions: nothing becomes barren on purpose; water stays water; towns may only
swap housing and services; villages may be reclaimed (增减挂钩) or grow into towns."""


def scenario(name: str, description: str, plan: Plan, district_ids: list[str], kinds: list[str],
             density: dict[str, float], radius_m: float, names: list[dict[str, str]]) -> dict[str, Any]:
    """The scenario as a TOML-able dict (validated by the builder with ``landalloc.models.parse_scenario``);
    ``names`` gives each district's ``name_zh``/``name_en`` (either may be missing)."""
    districts = {d: {"kind": kind, **named, **({"population_target": float(t)} if t > 0 else {})}
                 for d, kind, t, named in zip(district_ids, kinds, plan.targets, names) if t > 0 or named}
    return {
        "name": name, "description": description,
        "land_use": [u.model_dump() for u in LAND_USES],
        "rules": {"conversion": True, "basic_farmland": True, "eco_redline": True, "urban_boundary": True,
                  "quotas": True, "cropland_balance": True, "quality_weighted_balance": False,
                  "population_capacity": True},
        "quotas": plan.quotas,
        "conversion": CONVERSION,
        "population": {"density": density},
        "districts": districts,
        "service": {"radius_m": float(round(radius_m, -2))},
        "compactness": {"uses": ["crop", "forest", "urban"]},
        "objectives": {o: NATURAL_SENSE[o] for o in DEFAULT_OBJECTIVES},
    }
