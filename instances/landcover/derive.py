"""Everything a land-cover map does not give, derived by named, documented rules.

Each rule is a function of whole arrays plus one small frozen dataclass of parameters; the
builder writes every parameter into the instance's README and ``scenario.toml`` (docs/real-data.md
gives the formulas and the reasons). Arrays are H × W over the window around the study area, so
that neighbourhoods and distances see the land just outside the boundary too; ``use`` holds
indices into :data:`landalloc.instances.landcover.classes.CODES` and -1 where there is no data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from landalloc.instances.landcover.classes import CODES, LAND_USES, ClassTable
from landalloc.instances.synthetic import _take as take_best  # best cells up to a target area, shared with the generator

USE = {code: k for k, code in enumerate(CODES)}
BUILT = ("urban", "rural", "service")


@dataclass(frozen=True)
class SettlementRule:
    """Built-up patches smaller than ``town_min_ha`` are villages (``rural``), larger ones towns.

    Land-cover maps have one built-up class; 30 m maps resolve villages as patches of a few
    hectares, towns as patches of square kilometres. Patches are 8-connected.
    """

    town_min_ha: float = 100.0


def map_classes(source: np.ndarray, table: ClassTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Land-use index, secondary-use index (-1: none) and red-line flag of every cell.

    Values not in the table (fill values, unclassified) become -1: no data.
    """
    rows = table.rows
    low = min(0, min(r.value for r in rows))
    size = max(r.value for r in rows) - low + 1
    lookup_use = np.full(size, -1, np.int16)
    lookup_second = np.full(size, -1, np.int16)
    lookup_red = np.zeros(size, bool)
    for r in rows:
        lookup_use[r.value - low] = USE[r.use]
        lookup_second[r.value - low] = USE[r.secondary] if r.secondary else -1
        lookup_red[r.value - low] = r.redline
    index = source.astype(np.int64) - low
    known = (index >= 0) & (index < size)
    safe = np.where(known, index, 0)
    use = np.where(known, lookup_use[safe], -1)
    second = np.where(known, lookup_second[safe], -1)
    red = known & lookup_red[safe]
    return use.astype(np.int16), second.astype(np.int16), red & (use >= 0)


def settlement_split(use: np.ndarray, area_ha: np.ndarray, rule: SettlementRule) -> np.ndarray:
    """Turn built-up patches smaller than ``rule.town_min_ha`` from ``urban`` into ``rural``."""
    built = use == USE["urban"]
    labels, n = ndimage.label(built, structure=np.ones((3, 3), bool))
    if n == 0:
        return use
    patch_ha = ndimage.sum_labels(area_ha, labels, index=np.arange(1, n + 1))
    small = np.concatenate([[False], patch_ha < rule.town_min_ha])
    out = use.copy()
    out[small[labels] & built] = USE["rural"]
    return out


AFFINITY: dict[str, dict[str, float]] = {
    "crop": {"grass": 0.6, "forest": 0.3, "water": 0.1, "urban": 0.4, "rural": 0.5, "service": 0.4, "barren": 0.1},
    "forest": {"crop": 0.2, "grass": 0.5, "water": 0.1, "urban": 0.2, "rural": 0.2, "service": 0.2, "barren": 0.1},
    "grass": {"crop": 0.4, "forest": 0.4, "water": 0.1, "urban": 0.4, "rural": 0.4, "service": 0.4, "barren": 0.2},
    "water": {"crop": 0.05, "forest": 0.05, "grass": 0.05, "urban": 0.05, "rural": 0.05, "service": 0.05,
              "barren": 0.05},
    "urban": {"crop": 0.1, "forest": 0.1, "grass": 0.1, "water": 0.05, "rural": 0.6, "service": 0.9, "barren": 0.05},
    "rural": {"crop": 0.5, "forest": 0.2, "grass": 0.3, "water": 0.05, "urban": 0.6, "service": 0.6, "barren": 0.05},
    "service": {"crop": 0.1, "forest": 0.1, "grass": 0.1, "water": 0.05, "urban": 0.9, "rural": 0.6, "barren": 0.05},
    "barren": {"crop": 0.1, "forest": 0.2, "grass": 0.3, "water": 0.1, "urban": 0.3, "rural": 0.2, "service": 0.2},
}
"""How well land of today's use (rows) serves each use (columns), 1 on the diagonal: the
class prior of the suitability, in the spirit of CLUE-S conversion elasticities."""

SECONDARY_PRIOR = 0.6
"""Prior of the secondary use of a mixed source class (e.g. grass on a cropland mosaic)."""

WEIGHTS: dict[str, dict[str, float]] = {
    "crop": {"own": 0.40, "prior": 0.25, "near_water": 0.20, "near_urban": 0.15},
    "forest": {"own": 0.45, "prior": 0.35, "near_water": 0.20},
    "grass": {"own": 0.45, "prior": 0.45, "far_urban": 0.10},
    "water": {"own": 0.30, "prior": 0.60, "near_water": 0.10},
    "urban": {"built": 0.30, "prior": 0.15, "near_urban": 0.45, "near_water": 0.10},
    "rural": {"built": 0.25, "crop_share": 0.20, "prior": 0.15, "near_urban": 0.15, "near_water": 0.25},
    "service": {"built": 0.35, "prior": 0.15, "near_urban": 0.50},
    "barren": {"own": 0.50, "prior": 0.50},
}
"""Suitability of each use as a weighted sum of factors in [0, 1] (weights sum to 1):
``own`` the share of the use in the neighbourhood, ``built`` the share of built-up land,
``crop_share`` the share of cropland, ``prior`` the class prior (:data:`AFFINITY`),
``near_urban``/``near_water`` ``exp(-d / decay)`` of the distance to urban land / water,
``far_urban`` one minus ``near_urban``."""


@dataclass(frozen=True)
class SuitabilityRule:
    """Parameters of :func:`suitability` (FLUS-style neighbourhood + distance factors)."""

    neighbourhood_m: float = 10_000.0
    urban_decay_m: float = 10_000.0
    water_decay_m: float = 10_000.0
    weights: dict[str, dict[str, float]] = field(default_factory=lambda: WEIGHTS)
    affinity: dict[str, dict[str, float]] = field(default_factory=lambda: AFFINITY)


def neighbourhood_shares(use: np.ndarray, radius_cells: int) -> np.ndarray:
    """Share of each use among the cells with data in a (2r+1)² window around every cell (K × H × W)."""
    valid = (use >= 0).astype(np.float64)
    size = 2 * radius_cells + 1
    count = ndimage.uniform_filter(valid, size=size, mode="constant")
    out = np.empty((len(CODES), *use.shape))
    for k in range(len(CODES)):
        out[k] = ndimage.uniform_filter((use == k).astype(np.float64), size=size, mode="constant")
    return np.divide(out, count, out=np.zeros_like(out), where=count > 1e-12)


def distance_to(target: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Distance in metres from every cell centre to the nearest centre of a ``target`` cell (inf if none)."""
    if not target.any():
        return np.full(target.shape, np.inf)
    tree = cKDTree(centre[target])
    return tree.query(centre.reshape(-1, 2))[0].reshape(target.shape)


def class_prior(use: np.ndarray, second: np.ndarray, affinity: dict[str, dict[str, float]]) -> np.ndarray:
    """Prior suitability of every use (K × H × W) from today's use and the source class's secondary use."""
    matrix = np.array([[1.0 if a == b else affinity.get(a, {}).get(b, 0.0) for b in CODES] for a in CODES])
    prior = np.zeros((len(CODES), *use.shape))
    valid = use >= 0
    prior[:, valid] = matrix[use[valid]].T
    has_second = second >= 0
    rows, cols = np.nonzero(has_second)
    prior[second[has_second], rows, cols] = np.maximum(prior[second[has_second], rows, cols], SECONDARY_PRIOR)
    return prior


def cell_side_m(area_ha: np.ndarray) -> float:
    """Typical side of a cell: the square root of the median cell area."""
    return float(np.sqrt(np.median(area_ha) * 1e4))


def factors(use: np.ndarray, second: np.ndarray, centre: np.ndarray, area_ha: np.ndarray,
            rule: SuitabilityRule) -> dict[str, np.ndarray]:
    """The factor layers of :data:`WEIGHTS`, each H × W (``own`` and ``prior`` K × H × W)."""
    radius = max(1, round(rule.neighbourhood_m / cell_side_m(area_ha)))
    shares = neighbourhood_shares(use, radius)
    d_urban = distance_to(use == USE["urban"], centre)
    d_water = distance_to(use == USE["water"], centre)
    near_urban = np.exp(-d_urban / rule.urban_decay_m)
    return {
        "own": shares, "prior": class_prior(use, second, rule.affinity),
        "built": shares[[USE[c] for c in BUILT]].sum(axis=0), "crop_share": shares[USE["crop"]],
        "near_urban": near_urban, "far_urban": 1.0 - near_urban,
        "near_water": np.exp(-d_water / rule.water_decay_m), "d_urban": d_urban, "d_water": d_water,
    }


def suitability(layers: dict[str, np.ndarray], rule: SuitabilityRule) -> np.ndarray:
    """Suitability of every use (K × H × W, in [0, 1]): ``s_k = sum_f w_kf * factor_f``.

    A factor that is K × H × W (``own``, ``prior``) contributes its layer for use k.
    """
    out = np.zeros_like(layers["own"])
    for k, code in enumerate(CODES):
        for name, weight in rule.weights[code].items():
            layer = layers[name]
            out[k] += weight * (layer[k] if layer.ndim == 3 else layer)
    return np.clip(out, 0.0, 1.0)


@dataclass(frozen=True)
class CropQualityRule:
    """``q = w_own * cropland share + w_water * near_water + w_prior * crop prior`` (in [0, 1]).

    Without soil or terrain data, quality rests on what the map shows: contiguous cropland,
    water within reach for irrigation, and how purely the cell is cropland.
    """

    own: float = 0.5
    water: float = 0.3
    prior: float = 0.2


def crop_quality(layers: dict[str, np.ndarray], rule: CropQualityRule) -> np.ndarray:
    k = USE["crop"]
    q = rule.own * layers["own"][k] + rule.water * layers["near_water"] + rule.prior * layers["prior"][k]
    return np.clip(q, 0.0, 1.0)


@dataclass(frozen=True)
class ResidentsRule:
    """Dasymetric distribution of a census total over cells.

    Urban land holds ``urban_share`` of the residents at no more than ``urban_density_max``
    persons/ha (100 m² of urban construction land per person, the middle of GB 50137-2011);
    the rest live on other land in proportion to ``area × weight × (1 + urban_pull ×
    near_urban)``: villages first, then cropland with its farmsteads, then pasture, more of them
    near towns (``near_urban`` as in the suitability). Districts with a census total are scaled
    to it (spread by area over a district with no resident-bearing land); the others share the
    remainder.
    """

    urban_share: float = 0.6389
    urban_density_max: float = 100.0
    urban_pull: float = 4.0
    weights: dict[str, float] = field(default_factory=lambda: {
        "rural": 20.0, "crop": 1.0, "grass": 0.2, "forest": 0.05})


def residents(use: np.ndarray, area_ha: np.ndarray, near_urban: np.ndarray, district: np.ndarray, total: float,
              district_totals: dict[int, float], rule: ResidentsRule) -> np.ndarray:
    """Residents of every study-area cell (1-d arrays over the cells); sums to ``total``."""
    urban = use == USE["urban"]
    urban_ha = float(area_ha[urban].sum())
    urban_people = min(rule.urban_share * total, rule.urban_density_max * urban_ha)
    pop = np.zeros(len(use))
    if urban_ha > 0:
        pop[urban] = urban_people * area_ha[urban] / urban_ha
    weight = np.array([rule.weights.get(c, 0.0) for c in CODES])[use] * area_ha * (1 + rule.urban_pull * near_urban)
    if weight.sum() > 0:
        pop += (total - pop.sum()) * weight / weight.sum()
    elif urban_ha > 0:
        pop[urban] *= total / pop.sum()
    if district_totals:
        for d, value in district_totals.items():  # a district of water and sand: spread by area
            here = district == d
            if pop[here].sum() <= 0 and area_ha[here].sum() > 0:
                pop[here] = value * area_ha[here] / area_ha[here].sum()
        per = np.bincount(district, pop, minlength=district.max() + 1)
        scale = np.ones(len(per))
        given = np.array(sorted(district_totals))
        scale[given] = np.array([district_totals[d] for d in given]) / np.maximum(per[given], 1e-9)
        rest = np.setdiff1d(np.arange(len(per)), given)
        if len(rest) and per[rest].sum() > 0:
            scale[rest] = (total - sum(district_totals.values())) / per[rest].sum()
        pop = pop * scale[district]
    return pop


@dataclass(frozen=True)
class FarmlandRule:
    """Permanent basic farmland: the best cropland (by crop quality) up to ``share`` of its area.

    Nationally 1.546 billion mu of basic farmland lie within 1.918 billion mu of cropland
    (2022 三区三线 results over the third land survey): about 80 %.
    """

    share: float = 0.8


def basic_farmland(use: np.ndarray, area_ha: np.ndarray, quality: np.ndarray, rule: FarmlandRule) -> np.ndarray:
    """Flag the best cropland cells (1-d arrays over the cells)."""
    crop = use == USE["crop"]
    return take_best(quality, area_ha, rule.share * float(area_ha[crop].sum()), crop)


@dataclass(frozen=True)
class RedlineRule:
    """Ecological red line: every cell whose source class the class table marks (water, wetland,
    forest, shrub; fragile sand, bare rock, snow and tundra), provided its use is ecological."""

    by_class: bool = True


def eco_redline(use: np.ndarray, redline_class: np.ndarray, rule: RedlineRule) -> np.ndarray:
    ecological = np.array([u.group == "ecological" for u in LAND_USES])[use]
    return redline_class & ecological if rule.by_class else np.zeros(len(use), bool)
