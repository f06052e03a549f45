"""Compilation: validated parcels + scenario -> one immutable :class:`Problem`.

Each rule and objective of docs/model.md becomes arrays here, once. Everything is built with
whole-array numpy operations so that a million parcels compile in seconds.
"""

from __future__ import annotations

import difflib

import geopandas as gpd
import numpy as np
import shapely

from landalloc.models.districts import DistrictTree
from landalloc.models.errors import InfeasibleError, InputError, first_ids
from landalloc.models.landuse import CROPLAND, RURAL, SERVICE, URBAN, LandUse
from landalloc.models.problem import Problem
from landalloc.models.rules import FairShare, Linkage, QuotaRule, linkage_coefficients
from landalloc.models.scenario import GROUPS, Quota, Scenario
from landalloc.models.spatial import adjacency, catchments


def compile_problem(parcels: gpd.GeoDataFrame, scenario: Scenario, name: str = "") -> Problem:
    """Turn validated parcels (see :func:`landalloc.models.parcels.validate_parcels`) into a Problem.

    Raises :class:`InfeasibleError` when some parcel has no allowed use at all, naming the
    parcels and the rules that exclude every use.
    """
    uses = tuple(scenario.land_use)
    codes = [u.code for u in uses]
    n, k = len(parcels), len(uses)
    area = parcels["area_ha"].to_numpy(float)
    current = parcels["current_use"].map({c: i for i, c in enumerate(codes)}).to_numpy(np.int64)
    ids = parcels["parcel_id"].to_numpy()
    col = {c: i for i, c in enumerate(codes)}

    forbidden = _forbidden(parcels, scenario, current, codes)
    allowed = ~np.logical_or.reduce(list(forbidden.values())) if forbidden else np.ones((n, k), bool)
    _check_some_use(allowed, forbidden, ids)

    suit = parcels[[f"suit_{c}" for c in codes]].to_numpy(float)
    benefit = np.array([u.benefit for u in uses])
    esv = np.array([u.esv for u in uses])
    change = np.repeat(area[:, None], k, axis=1)
    change[np.arange(n), current] = 0.0

    balance = _balance(parcels, scenario, current, codes, area) if scenario.rules.cropland_balance else None
    density = np.array([scenario.population.density.get(c, 0.0) for c in codes])

    districts = tuple(sorted(parcels["district"].unique()))
    district = np.searchsorted(np.array(districts), parcels["district"].to_numpy(str))
    tree = _tree(scenario, districts, parcels["district"].to_numpy(str), ids)
    quotas = _quotas(scenario, uses) + _district_quotas(scenario, uses, tree, district)
    shares = _fair_shares(scenario, tree, district, quotas, area, current)
    linkage = _linkage(scenario, tree, district, current, area) if scenario.rules.construction_linkage else ()
    settings = [scenario.districts.get(d) for d in districts]
    district_urban = np.array([s is not None and s.kind == "urban" for s in settings])
    target = np.array([np.nan if s is None or s.population_target is None else s.population_target
                       for s in settings])
    if not scenario.rules.population_capacity:
        target[:] = np.nan

    centroids = shapely.get_coordinates(shapely.centroid(parcels.geometry.values))
    residents = parcels["pop"].to_numpy(float)
    demand = np.flatnonzero(residents > 0)
    edges, shared_m = adjacency(parcels.geometry.values)
    compact = np.isin(codes, scenario.compactness.uses)

    return Problem(
        name=name or scenario.name, uses=uses, parcel_ids=ids, area=area, current=current,
        residents=residents, allowed=allowed, forbidden=forbidden,
        efficiency=area[:, None] * suit * benefit[None, :], ecology=area[:, None] * esv[None, :],
        change=change, quotas=quotas, shares=shares, tree=tree,
        balance=balance, capacity=area[:, None] * density[None, :], district=district,
        districts=districts, district_urban=district_urban, district_target=target, demand=demand,
        catchment=catchments(centroids, demand, scenario.service.radius_m),
        service=col.get(SERVICE, -1), compact_uses=compact, edges=edges, edge_length=shared_m / 1000.0,
        centroids=centroids, geometry=parcels.geometry.to_numpy(),
        basic_farmland=parcels["farmland"].to_numpy(bool), eco_redline=parcels["eco_redline"].to_numpy(bool),
        urban_boundary=parcels["urban_boundary"].to_numpy(bool), objectives=tuple(scenario.objectives),
        senses=tuple(scenario.objectives.values()),
        crs=parcels.crs.to_wkt() if parcels.crs else "", units=scenario.objective_units(), linkage=linkage,
    )


def _forbidden(parcels: gpd.GeoDataFrame, scenario: Scenario, current: np.ndarray,
               codes: list[str]) -> dict[str, np.ndarray]:
    """What each active allocation rule forbids, as bool N×K (docs/model.md, rules 1-4 and 4a)."""
    rules, n, k = scenario.rules, len(parcels), len(codes)
    groups = np.array([u.group for u in scenario.land_use])
    out: dict[str, np.ndarray] = {}
    if rules.conversion and scenario.conversion:
        matrix = np.ones((k, k), bool)
        for source, targets in scenario.conversion.items():
            row = np.isin(codes, targets)
            row[codes.index(source)] = True  # keeping the current use is always allowed
            matrix[codes.index(source)] = row
        out["conversion"] = ~matrix[current]
    if rules.basic_farmland and CROPLAND in codes:
        mask = np.zeros((n, k), bool)
        mask[parcels["farmland"].to_numpy(bool)] = True
        mask[:, codes.index(CROPLAND)] = False
        out["basic_farmland"] = mask
    if rules.eco_redline:
        inside = parcels["eco_redline"].to_numpy(bool)
        keep = np.repeat((groups == "ecological")[None, :], n, axis=0)
        if CROPLAND in codes:  # existing cropland may stay; no new cropland
            crop = codes.index(CROPLAND)
            keep[:, crop] = current == crop
        out["eco_redline"] = inside[:, None] & ~keep
    if rules.urban_boundary and URBAN in codes:
        urban = codes.index(URBAN)
        mask = np.zeros((n, k), bool)
        mask[:, urban] = ~parcels["urban_boundary"].to_numpy(bool) & (current != urban)
        out["urban_boundary"] = mask
    if rules.cropland_max_slope is not None and CROPLAND in codes:
        if "slope" not in parcels:
            raise InputError("scenario: rules.cropland_max_slope needs a 'slope' column (degrees) in the parcels; "
                             "derive it from a DEM (landalloc instance import --dem) or remove the key")
        crop = codes.index(CROPLAND)
        mask = np.zeros((n, k), bool)
        mask[:, crop] = (parcels["slope"].to_numpy(float) > rules.cropland_max_slope) & (current != crop)
        out["steep_cropland"] = mask
    return out


def _check_some_use(allowed: np.ndarray, forbidden: dict[str, np.ndarray], ids: np.ndarray) -> None:
    stuck = ~allowed.any(axis=1)
    if stuck.any():
        first = int(np.flatnonzero(stuck)[0])
        rules = [r for r, mask in forbidden.items() if mask[first].any()]
        raise InfeasibleError(
            f"parcels {first_ids(ids[stuck].tolist())} may take no land use at all: the rules "
            f"{', '.join(rules)} together exclude every use (e.g. basic farmland whose current use "
            "may not be converted to cropland); allow the conversion or fix the zoning flags")


def _quotas(scenario: Scenario, uses: tuple[LandUse, ...]) -> tuple[QuotaRule, ...]:
    """Quota rows: the uses each sums and its min/max area in ha (docs/model.md, rule 5)."""
    if not scenario.rules.quotas:
        return ()
    return tuple(_quota(key, quota, uses) for key, quota in scenario.quotas.items()
                 if quota.min is not None or quota.max is not None)


def _tree(scenario: Scenario, leaves: tuple[str, ...], of_parcel: np.ndarray, ids: np.ndarray) -> DistrictTree:
    """The district tree: the parcels' districts as leaves, then every district above them."""
    parents = {d.parent for d in scenario.districts.values() if d.parent is not None}
    inner = sorted(parents & set(leaves))
    if inner:
        children = sorted(k for k, d in scenario.districts.items() if d.parent == inner[0])
        at = np.flatnonzero(of_parcel == inner[0])
        raise InputError(f"parcels {first_ids(ids[at].tolist())} name district '{inner[0]}', which has districts "
                         f"under it ({first_ids(children)}): parcels must name the lowest districts of the tree; "
                         f"move those parcels to one of its child districts")
    unknown = sorted(set(scenario.districts) - set(leaves) - parents)
    if unknown:
        close = {u: difflib.get_close_matches(u, leaves, n=1) for u in unknown}
        hints = "".join(f" ('{u}': did you mean '{c[0]}'?)" for u, c in close.items() if c)
        raise InputError(f"scenario: [districts] names {first_ids(unknown)} that no parcel belongs to{hints}; "
                         f"districts in the parcels: {first_ids(list(leaves), 10)}: rename the table "
                         "[districts.<id>] to a district id of the parcels, or delete it (a district above the "
                         "parcels' districts is one that some [districts.<id>] names as its parent)")
    order = (*leaves, *sorted(parents))
    settings = [scenario.districts.get(d) for d in order]
    parent = np.array([-1 if s is None or s.parent is None else order.index(s.parent) for s in settings], np.int64)
    return DistrictTree(order, parent, tuple((s.level or "") if s else "" for s in settings),
                        tuple(scenario.district_name(d, "zh") for d in order), len(leaves))


def _district_quotas(scenario: Scenario, uses: tuple[LandUse, ...], tree: DistrictTree,
                     district: np.ndarray) -> tuple[QuotaRule, ...]:
    """``[district_quotas.<id>.<use or group>]``: a quota on the parcels of the leaves under a district."""
    if not scenario.rules.quotas:
        return ()
    out = []
    for key, quotas in scenario.district_quotas.items():
        if key not in tree.ids:
            raise InputError(f"scenario: district_quotas.{key}: unknown district '{key}'; districts: "
                             f"{first_ids(list(tree.ids), 10)}; add it to [districts] or to the parcels' district column")
        node = tree.index(key)
        for use, quota in quotas.items():
            if quota.min is not None or quota.max is not None:
                out.append(_quota(use, quota, uses, tree.under[node][district], node, key, tree.names[node]))
    return tuple(out)


def _fair_shares(scenario: Scenario, tree: DistrictTree, district: np.ndarray, quotas: tuple[QuotaRule, ...],
                 area: np.ndarray, current: np.ndarray) -> tuple[FairShare, ...]:
    """``[fairness] <level> = band``: for each quota on a district (or the whole plan) that asks for a
    change, each district just under it at that level keeps its share today of the change, within
    ``band`` times the change asked (docs/model.md, rule 5c)."""
    unknown = sorted(set(scenario.fairness) - set(tree.levels))
    if unknown:
        raise InputError(f"scenario: fairness: unknown level '{unknown[0]}'; levels of the district tree: "
                         f"{', '.join(sorted(set(tree.levels) - {''})) or 'none (give [districts.<id>] a level)'}")
    out = []
    for quota in quotas:
        inside = np.ones(len(area), bool) if quota.parcels is None else quota.parcels
        today = float(area[inside & quota.members[current]].sum())
        sides = ([quota.low] if quota.low > 0 else []) + ([quota.high] if np.isfinite(quota.high) else [])
        asked = max((abs(today - bound) for bound in sides), default=0.0)
        below = np.flatnonzero(tree.parent < 0) if quota.district < 0 else tree.children(quota.district)
        for child in below:
            band = scenario.fairness.get(tree.levels[child])
            if band is None or today <= 0:
                continue
            mine = tree.under[child][district]
            share = float(area[mine & quota.members[current]].sum()) / today
            out.append(FairShare(f"{tree.ids[child]}.{quota.key}", quota.members, mine, inside, share,
                                 band * asked, int(child), f"share of {tree.names[child]} in the {quota.label} quota"))
    return tuple(out)


def _linkage(scenario: Scenario, tree: DistrictTree, district: np.ndarray, current: np.ndarray,
             area: np.ndarray) -> tuple[Linkage, ...]:
    """城乡建设用地增减挂钩 (docs/model.md, rule 8): one row for the whole plan, one per ``[linkage] pairs``
    entry over the parcels of the leaves under its two districts."""
    coef = linkage_coefficients(scenario.land_use, current, area)
    if coef is None:
        missing = [c for c in (URBAN, RURAL) if c not in scenario.codes]
        raise InputError(f"scenario: rules.construction_linkage offsets new '{URBAN}' land with reclaimed '{RURAL}' "
                         f"settlements, but the land uses have no {' or '.join(repr(c) for c in missing)}; add the "
                         "class to [[land_use]] or set rules.construction_linkage = false")
    out = [Linkage("plan", coef, None, "construction linkage of the plan")]
    for first, second in scenario.linkage.pairs:
        unknown = [d for d in (first, second) if d not in tree.ids]
        if unknown:
            raise InputError(f"scenario: linkage.pairs [{first!r}, {second!r}]: unknown district '{unknown[0]}'; "
                             f"districts: {first_ids(list(tree.ids), 10)}; name districts of the parcels or of "
                             "[districts]")
        inside = (tree.under[tree.index(first)] | tree.under[tree.index(second)])[district]
        out.append(Linkage(f"{first}+{second}", coef, inside,
                           f"construction linkage of {tree.names[tree.index(first)]} and "
                           f"{tree.names[tree.index(second)]}"))
    return tuple(out)


def _quota(key: str, quota: Quota, uses: tuple[LandUse, ...], parcels: np.ndarray | None = None,
           district: int = -1, district_id: str = "", place: str = "") -> QuotaRule:
    """One quota on a use or a group ("construction land" in messages, else the use's English name)."""
    if key in GROUPS:
        members, label = np.array([u.group == key for u in uses]), f"{key} land"
    else:
        members = np.array([u.code == key for u in uses])
        label = uses[int(members.argmax())].name_en
    return QuotaRule(key, members, quota.min or 0.0, np.inf if quota.max is None else quota.max,
                     label, parcels, district, district_id, place)


def _balance(parcels: gpd.GeoDataFrame, scenario: Scenario, current: np.ndarray, codes: list[str],
             area: np.ndarray) -> np.ndarray | None:
    """Cropland balance coefficients: new cropland minus cropland lost to construction (rule 6)."""
    if CROPLAND not in codes:
        return None
    crop = codes.index(CROPLAND)
    weight = area * (parcels["crop_quality"].to_numpy(float) if scenario.rules.quality_weighted_balance
                     else 1.0)
    construction = np.array([u.group == "construction" for u in scenario.land_use])
    coef = np.zeros((len(area), len(codes)))
    was_crop = current == crop
    coef[np.ix_(was_crop, construction)] = -weight[was_crop, None]
    coef[~was_crop, crop] = weight[~was_crop]
    return coef
