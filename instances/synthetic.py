"""Synthetic counties: realistic, reproducible instances of any size, without licensed data.

The optimiser needs test instances whose rules bind the way a real plan does: scarce cropland
on flat land near the river, towns that must grow, protected land that must not move. This
module draws a semi-arid county in the spirit of the Ordos plateau (grassland dominant, one
river, a few towns and many villages) from one ``numpy.random.Generator``: a seed fixes the
parcel table and the scenario on any machine. Every step is a whole-array operation, so a
250,000-parcel county is generated in seconds.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import tomli_w
from scipy.ndimage import gaussian_filter, gaussian_filter1d
from scipy.special import expit
from scipy.spatial import cKDTree

from landalloc.models.errors import InputError
from landalloc.models.files import atomic_folder
from landalloc.models.landuse import DEFAULT_LAND_USES
from landalloc.models.scenario import DEFAULT_OBJECTIVES, NATURAL_SENSE, Rules, parse_scenario

CRS = "EPSG:32649"
"""WGS 84 / UTM zone 49N: metres, and the zone that covers Ordos."""
ORIGIN = (380_000.0, 4_290_000.0)
"""South-west corner of the county (UTM 49N), on the Ordos plateau."""
CELL_M = 500.0
"""Side of a grid cell (25 ha); polygons have the same mean area."""
CODES: tuple[str, ...] = tuple(u.code for u in DEFAULT_LAND_USES)
SHARES = {"water": 0.047, "urban": 0.036, "rural": 0.028, "service": 0.008, "crop": 0.145, "forest": 0.095}
"""Target area shares of today's uses; grassland takes the rest (about 64 %)."""
TOWN_SERVICE = 0.6
"""Part of the service land that lies in towns; the rest is in the largest villages."""
DENSITY = {"urban": 150.0, "rural": 40.0}
"""Housing capacity of the scenario, persons/ha."""
TOWNSHIP_NAMES: tuple[tuple[str, str], ...] = (
    ("城关", "Chengguan"), ("河西", "Hexi"), ("河东", "Hedong"), ("沙湾", "Shawan"), ("白泉", "Baiquan"),
    ("清水", "Qingshui"), ("红柳", "Hongliu"), ("黄土坡", "Huangtupo"), ("柳树湾", "Liushuwan"),
    ("草滩", "Caotan"), ("新民", "Xinmin"), ("长乐", "Changle"),
)
"""Fictional township names, in district order (the county seat first: 城关镇, as county seats are
called); towns get 镇 Town, rural townships 乡 Township. A county has at most twelve districts."""


def generate_county(n_parcels: int, seed: int, shape: Literal["grid", "polygons"] = "grid",
                    name: str = "synthetic") -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Draw a synthetic county: the parcel table of the data contract and its scenario.

    Parameters
    ----------
    n_parcels : number of parcels, exactly honoured (at least 100).
    seed : seed of the only random generator used; same seed, same county.
    shape : ``"grid"`` for 500 m square cells, ``"polygons"`` for irregular Voronoi parcels.
    name : scenario name.

    Returns
    -------
    (parcels, scenario) : a GeoDataFrame in EPSG:32649 and a TOML-able scenario dict.

    Examples
    --------
    >>> parcels, scenario = generate_county(2500, seed=1)
    >>> len(parcels), scenario["service"]["radius_m"]
    (2500, 3000.0)
    """
    if not isinstance(n_parcels, (int, np.integer)) or n_parcels < 100:
        raise InputError(f"n_parcels: need an integer of at least 100, got {n_parcels!r}")
    if shape not in ("grid", "polygons"):
        raise InputError(f"shape: unknown shape {shape!r}; allowed: grid, polygons")
    n = int(n_parcels)
    rng = np.random.default_rng(seed)
    geometry, raster_shape = _parcels(n, shape, rng)
    centre = shapely.get_coordinates(shapely.centroid(geometry))
    area = np.asarray(shapely.area(geometry)) / 1e4
    top = ORIGIN[1] + raster_shape[0] * CELL_M
    cell = (np.clip(((top - centre[:, 1]) // CELL_M).astype(int), 0, raster_shape[0] - 1),
            np.clip(((centre[:, 0] - ORIGIN[0]) // CELL_M).astype(int), 0, raster_shape[1] - 1))
    land = _Land(rng, raster_shape, centre, area, cell, n)
    table = land.table(geometry)
    return table, land.scenario(name, f"Synthetic semi-arid county (Ordos plateau): {n} {shape} "
                                      f"parcels, seed {seed}; made by instances.synthetic.")


def _grid_shape(n: int) -> tuple[int, int]:
    """Rows and columns: an exact rectangle if N has a near-square factor pair, else a short last row."""
    for rows in range(math.isqrt(n), 0, -1):
        if n % rows == 0:
            if n // rows <= 1.5 * rows:
                return rows, n // rows
            break
    cols = math.ceil(math.sqrt(n))
    return math.ceil(n / cols), cols


def _parcels(n: int, shape: str, rng: np.random.Generator) -> tuple[np.ndarray, tuple[int, int]]:
    """Parcel polygons (row-major from the north-west) and the shape of the raster of fields."""
    rows, cols = _grid_shape(n)
    i = np.arange(n)
    r, c = i // cols, i % cols
    if shape == "grid":
        x0, y1 = ORIGIN[0] + c * CELL_M, ORIGIN[1] + (rows - r) * CELL_M
        return shapely.box(x0, y1 - CELL_M, x0 + CELL_M, y1), (rows, cols)
    width = cols * CELL_M
    height = n * CELL_M**2 / width  # same mean area as a grid cell
    in_row = np.where(r == rows - 1, n - (rows - 1) * cols, cols)
    dx, dy = width / in_row, height / rows
    x = ORIGIN[0] + (c + 0.5 + rng.uniform(-0.35, 0.35, n)) * dx
    y = ORIGIN[1] + height - (r + 0.5 + rng.uniform(-0.35, 0.35, n)) * dy
    county = shapely.box(ORIGIN[0], ORIGIN[1], ORIGIN[0] + width, ORIGIN[1] + height)
    seeds = shapely.multipoints(np.round(np.column_stack([x, y]), 2))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=county, ordered=True))
    cells = shapely.intersection(cells, county)
    return cells, (math.ceil(height / CELL_M), cols)


def _field(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """Spatially autocorrelated noise (mean 0, sd 1): white noise smoothed over ``sigma`` cells."""
    z = gaussian_filter(rng.standard_normal(shape), sigma, mode="reflect")
    return (z - z.mean()) / z.std()


def _take(score: np.ndarray, area: np.ndarray, target: float, eligible: np.ndarray) -> np.ndarray:
    """The highest-scoring eligible parcels whose cumulative area is closest to ``target`` ha."""
    idx = np.flatnonzero(eligible)
    order = idx[np.argsort(-score[idx], kind="stable")]
    k = int(np.searchsorted(np.cumsum(area[order]) - 0.5 * area[order], target))
    chosen = np.zeros(len(score), bool)
    chosen[order[:k]] = True
    return chosen


def _segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    t = np.clip(((p - a) @ ab) / max(float(ab @ ab), 1e-9), 0.0, 1.0)
    return np.hypot(*(p - a - t[:, None] * ab).T)


class _Land:
    """The drawing, step by step: terrain, river, settlements, uses, people, zoning, districts."""

    def __init__(self, rng: np.random.Generator, shape: tuple[int, int], xy: np.ndarray,
                 area: np.ndarray, cell: tuple[np.ndarray, np.ndarray], n: int) -> None:
        self.rng, self.xy, self.area, self.n = rng, xy, area, n
        self.total = float(area.sum())
        self.sample = lambda f: f[cell]
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        self.extent = (lo, hi)
        self._terrain(shape)
        self._settlements()
        self._uses()
        self._people_and_zoning(shape, cell)
        self._districts()

    def _terrain(self, shape: tuple[int, int]) -> None:
        """Elevation (plateau with hilly zones), a meandering river in its valley, slope, soil."""
        rng, (lo, hi) = self.rng, self.extent
        long_axis = int(np.argmax(hi - lo))
        span, cross = hi[long_axis] - lo[long_axis], hi[1 - long_axis] - lo[1 - long_axis]
        t = np.arange(lo[long_axis] - 0.05 * span, hi[long_axis] + 0.05 * span, CELL_M / 4)
        meander = gaussian_filter1d(rng.standard_normal(len(t)), len(t) / 25, mode="reflect")
        across = (lo[1 - long_axis] + cross * rng.uniform(0.35, 0.65)
                  + cross * rng.uniform(0.06, 0.12) * np.sin(2 * np.pi * (t - t[0]) / span
                                                            * rng.uniform(1.2, 2.5) + rng.uniform(0, 6.3))
                  + 0.04 * cross * meander / meander.std())
        line = np.column_stack([t, across] if long_axis == 0 else [across, t])
        rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
        raster_xy = np.column_stack([ORIGIN[0] + (cols.ravel() + 0.5) * CELL_M,
                                     ORIGIN[1] + (shape[0] - rows.ravel() - 0.5) * CELL_M])
        tree = cKDTree(line)
        river_r = tree.query(raster_xy)[0].reshape(shape)
        self.river_half = max(0.5 * CELL_M, 0.003 * cross)
        self.d_river = tree.query(self.xy)[0]

        rugged = expit(2.0 * _field(rng, shape, 10) - 0.5)
        angle = rng.uniform(0, 2 * np.pi)
        trend = (np.cos(angle) * cols + np.sin(angle) * rows) / max(shape)
        elev = (1300 + 45 * _field(rng, shape, 16) + 20 * _field(rng, shape, 6) + 60 * trend
                + 40 * (0.2 + 2 * rugged) * _field(rng, shape, 1.5)
                - 30 * np.exp(-river_r / 2500.0))  # the river follows (and carves) low ground
        gy, gx = np.gradient(elev, CELL_M)
        slope = np.degrees(np.arctan(np.hypot(gx, gy)))
        local_low = -(elev - gaussian_filter(elev, 8, mode="reflect"))
        self.elev, self.slope = self.sample(elev), self.sample(slope)
        self.low = self.sample(local_low / local_low.std())
        self.flat = np.exp(-self.slope / 3.0)
        self.soil = self.sample(expit(1.5 * _field(rng, shape, 4)))
        self.moist = self.sample(expit(_field(rng, shape, 5) + local_low / local_low.std()))
        self.noise = {c: self.sample(expit(1.5 * _field(rng, shape, 2))) for c in CODES}
        self.wet_noise = self.sample(_field(rng, shape, 2))

    def _settlements(self) -> None:
        """Towns on flat land near the river, roads between them, villages scattered on flat land."""
        rng, xy, n, (lo, hi) = self.rng, self.xy, self.n, self.extent
        channel = self.d_river <= self.river_half
        inner = np.all((xy > lo + 0.15 * (hi - lo)) & (xy < hi - 0.15 * (hi - lo)), axis=1)
        site = self.flat + np.exp(-self.d_river / 3000.0) + 0.5 * rng.random(n)
        site[channel | ~inner] = -np.inf
        towns: list[np.ndarray] = []
        for _ in range(1 if n < 2000 else 2 if n < 50_000 else 3):
            pick = int(np.argmax(site))
            towns.append(xy[pick])
            site[np.hypot(*(xy - xy[pick]).T) < 0.35 * float(np.max(hi - lo))] = -np.inf
        self.towns = np.array(towns)
        self.town_weight = np.array({1: [1.0], 2: [0.65, 0.35], 3: [0.55, 0.27, 0.18]}[len(towns)])
        town_ha = self.town_weight * (SHARES["urban"] + TOWN_SERVICE * SHARES["service"]) * self.total
        self.town_radius = np.sqrt(town_ha * 1e4 / np.pi)  # towns scale with the county
        d_towns = np.hypot(xy[:, None, 0] - self.towns[None, :, 0], xy[:, None, 1] - self.towns[None, :, 1])
        self.d_towns, self.d_town = d_towns, d_towns.min(axis=1)
        main = self.towns[0]
        shift = rng.uniform(-0.2, 0.2, 2) * (hi - lo)[0]  # a highway crossing the main town
        segments = [(np.array([main[0] + shift[0], lo[1]]), main),
                    (main, np.array([main[0] + shift[1], hi[1]]))]
        segments += [(self.towns[i], self.towns[i + 1]) for i in range(len(towns) - 1)]
        self.d_road = np.min([_segment_distance(xy, a, b) for a, b in segments], axis=0)

        outside_towns = (self.d_towns > self.town_radius + 1000).all(axis=1)
        weight = self.flat * (0.3 + np.exp(-self.d_river / 5000.0)) * outside_towns * ~channel
        keys = np.log(np.maximum(weight, 1e-300)) + rng.gumbel(size=n)  # weighted draw, no replacement
        chosen = np.argsort(-keys, kind="stable")[:max(5, round(n / 90))]
        self.villages = xy[chosen]
        self.village_size = rng.lognormal(0.0, 0.6, len(chosen))
        self.d_village, self.near_village = cKDTree(self.villages).query(xy)
        self.village_cell = chosen

    def _uses(self) -> None:
        """Suitability from terrain and distances, then today's uses by ranked exact-area draws."""
        rng, n, area, total = self.rng, self.n, self.area, self.total
        use = np.full(n, "grass", dtype=object)
        channel = self.d_river <= self.river_half
        wet = self.low + 2.0 * np.exp(-(self.d_river - self.river_half) / CELL_M) + 0.5 * self.wet_noise
        keep_dry = (self.d_town < 2000) | np.isin(np.arange(n), self.village_cell)
        lakes = _take(wet, area, SHARES["water"] * total - area[channel].sum(), ~channel & ~keep_dry)
        water = channel | lakes
        use[water] = "water"
        d_water = cKDTree(self.xy[water]).query(self.xy)[0]
        near_water, elev01 = np.exp(-d_water / 2000.0), (self.elev - self.elev.min()) / np.ptp(self.elev)
        nz = self.noise
        suit = {
            "crop": 0.35 * self.flat + 0.25 * near_water + 0.25 * self.soil + 0.15 * nz["crop"],
            "forest": 0.3 * (1 - self.flat) + 0.2 * elev01 + 0.3 * self.moist + 0.2 * nz["forest"],
            "grass": 0.25 + 0.1 * self.flat + 0.25 * (1 - self.moist) + 0.3 * nz["grass"],
            "water": 0.45 * np.exp(-self.d_river / 3000.0) + 0.3 * (1 - elev01) + 0.25 * nz["water"],
            "urban": 0.3 * self.flat + 0.35 * np.exp(-self.d_towns / (self.town_radius + 2000)).max(axis=1)
                     + 0.2 * np.exp(-self.d_road / 1500.0) + 0.15 * nz["urban"],
            "rural": 0.3 * self.flat + 0.4 * np.exp(-self.d_village / 1500.0)
                     + 0.15 * near_water + 0.15 * nz["rural"],
        }
        for code in ("crop", "forest", "grass", "urban", "rural"):
            suit[code] = np.where(water, 0.3 * suit[code], suit[code])  # nobody builds or ploughs a lake
        suit["water"] = np.where(water, 0.9 + 0.1 * nz["water"], suit["water"])

        town_of = np.full(n, -1)
        mean_area = total / n
        service = np.zeros(n, bool)
        for t, share in enumerate(self.town_weight):  # compact blobs around each town centre
            blob = _take(-(self.d_towns[:, t] + 0.3 * CELL_M * rng.random(n)), area,
                         (SHARES["urban"] + TOWN_SERVICE * SHARES["service"]) * total * share,
                         (use == "grass") & (town_of < 0))
            town_of[blob], use[blob] = t, "urban"
            k = max(1, round(TOWN_SERVICE * SHARES["service"] * total * share / mean_area))
            keys = np.where(blob, rng.gumbel(size=n) - self.d_towns[:, t] / 3000.0, -np.inf)
            service[np.argsort(-keys, kind="stable")[:k]] = True
        score = -(self.d_village / self.village_size[self.near_village] + 0.3 * CELL_M * rng.random(n))
        rural = _take(score, area, (SHARES["rural"] + (1 - TOWN_SERVICE) * SHARES["service"]) * total,
                      use == "grass")
        use[rural] = "rural"
        # the central rural parcel of each of the largest villages holds its school and clinic
        idx = np.flatnonzero(rural)
        idx = idx[np.lexsort((self.d_village[idx], self.near_village[idx]))]
        heart = idx[np.unique(self.near_village[idx], return_index=True)[1]]
        village_ha = np.bincount(self.near_village[rural], area[rural], len(self.villages))
        village_ha = village_ha[self.near_village[heart]]
        order = np.argsort(-village_ha, kind="stable")
        heart = heart[order][village_ha[order] > 1.5 * mean_area]  # villages of two parcels or more
        service[heart[:round((1 - TOWN_SERVICE) * SHARES["service"] * total / mean_area)]] = True
        use[service] = "service"
        use[_take(suit["crop"] + 0.1 * rng.random(n), area, SHARES["crop"] * total, use == "grass")] = "crop"
        use[_take(suit["forest"], area, SHARES["forest"] * total, use == "grass")] = "forest"
        self.use, self.town_of, self.suit, self.water = use, town_of, suit, water

    def _people_and_zoning(self, shape: tuple[int, int], cell: tuple[np.ndarray, np.ndarray]) -> None:
        """Residents, service suitability, and the three lines (farmland, red line, boundary)."""
        rng, n, area, use = self.rng, self.n, self.area, self.use
        main_town = (self.town_of == 0) & (use == "urban")
        per_ha = np.select([main_town, use == "urban", use == "rural"],
                           [rng.uniform(125, 140, n), rng.uniform(100, 120, n), rng.uniform(25, 35, n)], 0.0)
        self.pop = np.round(area * per_ha, 1)
        people = np.zeros(shape)
        np.add.at(people, cell, self.pop)
        people = gaussian_filter(people, 1500.0 / CELL_M, mode="constant")
        near_people = np.minimum(1.0, self.sample(people) / max(np.quantile(self.sample(people), 0.99), 1e-9))
        self.suit["service"] = np.where(self.water, 0.1, 0.55 * near_people + 0.25 * self.flat
                                        + 0.2 * self.noise["service"])
        crop = use == "crop"
        self.farmland = _take(self.suit["crop"] + 0.5 * self.flat, area, 0.8 * area[crop].sum(), crop)
        forest = use == "forest"
        steep = forest & (self.slope >= np.median(self.slope[forest]))
        margin = np.isin(use, ["grass", "forest"]) & (self.d_river <= self.river_half + CELL_M)
        self.eco_redline = (use == "water") | steep | margin
        boundary = np.zeros(n, bool)
        free = ~self.farmland & ~self.eco_redline & (use != "water") & (self.town_of < 0)
        for t in range(len(self.towns)):
            town = self.town_of == t
            score = np.where(town, np.inf, -(self.d_towns[:, t] + 0.5 * CELL_M * rng.random(n)))
            boundary |= _take(score, area, rng.uniform(1.6, 2.0) * area[town].sum(), town | free)
        self.urban_boundary = boundary
        self.crop_quality = np.clip(0.6 * self.suit["crop"] + 0.4 * self.soil, 0, 1)

    def _districts(self) -> None:
        """Townships: Voronoi regions of seats (the towns, then far-apart large villages)."""
        n_districts = int(np.clip(round(1.5 * math.log2(self.n / 150)), 4, 12))
        seats = list(self.towns)
        lived = np.unique(self.near_village[(self.use == "rural") & (self.town_of < 0)])
        villages, size = self.villages[lived], self.village_size[lived] / self.village_size.max()
        gap = np.min([np.hypot(*(villages - s).T) for s in seats], axis=0)
        for _ in range(min(n_districts - len(seats), len(villages))):
            pick = int(np.argmax(gap * (0.6 + 0.4 * size)))
            seats.append(villages[pick])
            gap = np.minimum(gap, np.hypot(*(villages - villages[pick]).T))
        self.district = cKDTree(np.array(seats)).query(self.xy)[1]

    def table(self, geometry: np.ndarray) -> gpd.GeoDataFrame:
        """The parcel table of the data contract, rounded so that files stay byte-stable."""
        columns: dict[str, Any] = {
            "parcel_id": np.arange(1, self.n + 1, dtype=np.int64),
            "current_use": self.use.astype(str).astype(object),
            "district": np.array([f"T{d + 1:02d}" for d in range(self.district.max() + 1)],
                                 dtype=object)[self.district],
            "pop": self.pop.astype(float), "farmland": self.farmland, "eco_redline": self.eco_redline,
            "urban_boundary": self.urban_boundary,
        }
        columns.update({f"suit_{c}": np.round(np.clip(self.suit[c], 0, 1), 4) for c in CODES})
        columns["crop_quality"] = np.round(self.crop_quality, 4)
        return gpd.GeoDataFrame(pd.DataFrame(columns), geometry=geometry, crs=CRS)

    def scenario(self, name: str, description: str) -> dict[str, Any]:
        """Quotas that bind for a plan that urbanises, and reachable township targets."""
        use, area = self.use, self.area
        now = {c: float(area[use == c].sum()) for c in CODES}
        built = now["urban"] + now["rural"] + now["service"]
        # crop, water and forest are capped by water (以水定地, 以水定绿): on the semi-arid plateau
        # grassland cannot all be ploughed, flooded or afforested; basic grassland (基本草原) keeps 90 %
        quotas = {"crop": {"min": math.floor(0.99 * now["crop"]), "max": math.ceil(1.1 * now["crop"])},
                  "forest": {"min": math.floor(now["forest"]), "max": math.ceil(1.3 * now["forest"])},
                  "grass": {"min": math.floor(0.9 * now["grass"])},
                  "water": {"max": math.ceil(1.1 * now["water"])},
                  "urban": {"max": math.ceil(1.35 * now["urban"])},
                  "service": {"min": math.ceil(1.3 * now["service"])},
                  "construction": {"max": math.ceil(1.15 * built)}}
        free_built = quotas["construction"]["max"] - built - (quotas["service"]["min"] - now["service"])
        count = self.district.max() + 1
        urban = np.arange(count) < len(self.towns)
        pop = np.bincount(self.district, self.pop, count)
        capacity = np.bincount(self.district, area * (DENSITY["urban"] * (use == "urban")
                                                      + DENSITY["rural"] * (use == "rural")), count)
        open_land = self.urban_boundary & ~np.isin(use, ["urban", "service"])
        udb_room = np.bincount(self.district, area * open_land, count)
        growth = np.where(urban, self.rng.uniform(1.1, 1.15, count), self.rng.uniform(0.8, 0.9, count))
        # the county seat grows fastest, beyond what its housing holds today
        growth[0] = max(self.rng.uniform(1.16, 1.2), 1.03 * capacity[0] / max(pop[0], 1.0))
        # villages that shrinking townships can give up free construction land for towns (增减挂钩)
        rural_ha = np.bincount(self.district, area * (use == "rural"), count)
        spare = np.maximum(0.0, rural_ha - growth * pop / DENSITY["rural"])[~urban].sum()
        urban_room = min(quotas["urban"]["max"] - now["urban"], free_built + spare)
        reach = np.where(urban, capacity + DENSITY["urban"] * np.minimum(udb_room, urban_room),
                         capacity + DENSITY["rural"] * free_built)
        target = np.floor(np.minimum(growth * pop, 0.8 * reach))
        districts = {f"T{d + 1:02d}": {"kind": "urban" if urban[d] else "rural", **_township_name(d, bool(urban[d])),
                                       "population_target": float(target[d])} for d in range(count)}
        conversion = {c: list(CODES) for c in ("crop", "forest", "grass")}
        conversion |= {"water": ["water"], "urban": ["urban", "service"], "service": ["service", "urban"],
                       "rural": ["rural", "crop", "grass", "forest", "urban", "service"]}
        return {
            "name": name, "description": description,
            "rules": Rules().model_dump(exclude_none=True),  # every rule on, written out for the reader
            "quotas": {k: {b: float(v) for b, v in q.items()} for k, q in quotas.items()},
            "conversion": {c: conversion[c] for c in CODES},
            "population": {"density": dict(DENSITY)},
            "districts": districts,
            "service": {"radius_m": 3000.0},
            "compactness": {"uses": ["crop", "forest", "urban"]},
            "objectives": {o: NATURAL_SENSE[o] for o in DEFAULT_OBJECTIVES},
        }


def _township_name(district: int, town: bool) -> dict[str, str]:
    """The fictional ``name_zh``/``name_en`` of a synthetic district (:data:`TOWNSHIP_NAMES`)."""
    zh, en = TOWNSHIP_NAMES[district]
    return {"name_zh": zh + ("镇" if town else "乡"), "name_en": f"{en} {'Town' if town else 'Township'}"}


def synthetic_readme(parcels: gpd.GeoDataFrame, scenario: dict[str, Any]) -> str:
    """A README for a generated instance: provenance, today's land use, what it is for."""
    area = parcels.geometry.area / 1e4
    shares = area.groupby(parcels["current_use"]).sum() / area.sum()
    table = "\n".join(f"| {c} | {area[parcels['current_use'] == c].sum():,.0f} | {shares.get(c, 0):.1%} |"
                      for c in CODES)
    residents = parcels.groupby("district")["pop"].sum()
    townships = "\n".join(f"| {d} | {s.get('name_zh', '')} {s.get('name_en', '')} | {s['kind']} | "
                           f"{residents.get(d, 0):,.0f} | {s['population_target']:,.0f} |"
                           for d, s in scenario["districts"].items())
    return (f"# {scenario['name']}\n\n{scenario['description']}\n\n"
            "Synthetic data: terrain, river, towns, villages, suitability, residents and zoning are drawn "
            "by `landalloc.instances.synthetic.generate_county`; nothing here describes a real place. "
            f"{len(parcels):,} parcels in {parcels.crs.to_string()}, "
            f"{parcels['district'].nunique()} townships, {parcels['pop'].sum():,.0f} residents.\n\n"
            "Use it to test and benchmark the optimiser: the quotas bind for a plan that urbanises, "
            "and today's layout leaves some town short of housing.\n\n"
            f"| use | area (ha) | share |\n|---|---:|---:|\n{table}\n\n"
            "Townships (fictional names) and the population each must house:\n\n"
            f"| district | name | kind | residents | target |\n|---|---|---|---:|---:|\n{townships}\n")


def write_instance(parcels: gpd.GeoDataFrame, scenario: dict[str, Any], out_dir: str | Path,
                   readme: str, force: bool = False) -> Path:
    """Write an instance folder (parcels.gpkg, scenario.toml, README.md) atomically.

    The files are written into a temporary sibling folder that is renamed into place, so a
    reader never sees half an instance. An existing non-empty folder is replaced only with
    ``force=True``.
    """
    out = Path(out_dir)
    parse_scenario(scenario, f"{out}/scenario.toml")
    with atomic_folder(out, force=force) as tmp:
        parcels.to_file(tmp / "parcels.gpkg", layer="parcels", driver="GPKG", engine="pyogrio")
        (tmp / "scenario.toml").write_text(tomli_w.dumps(scenario), encoding="utf-8")
        (tmp / "README.md").write_text(readme, encoding="utf-8")
    return out
