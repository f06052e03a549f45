"""An instance from a county's own survey: 三调 parcels with land-class codes, the control lines,
a DEM, and a drafted scenario (docs/data.md, "From your survey data").

The path, step by step:

1. the parcel layer (``DLTB``) is read by :func:`~landalloc.models.vector.read_vector`; its codes
   (``DLBM``) become the scenario's land uses through a code table (:mod:`landalloc.instances.codes`);
   construction land that the survey's 城镇村属性码 (``CZCSXM``) places in a village (203) is rural;
2. each control-line layer (永久基本农田, 生态保护红线, 城镇开发边界) is reprojected to the parcels'
   CRS when needed (with a note) and a parcel is inside when at least :data:`INSIDE_SHARE` of its
   area is;
3. slope comes from the DEM (:func:`~landalloc.instances.terrain.parcel_slope`);
4. suitabilities come from :func:`draft_suitability`, a replaceable first draft;
5. residents are estimated from housing land, districts come from a code column (``XZQDM``);
6. the folder is written with a scenario drafted by :mod:`landalloc.instances.draft`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landalloc.instances.codes import SURVEY_LAND_USES, code_table, map_codes, survey_codes
from landalloc.instances.draft import draft_readme, draft_scenario
from landalloc.instances.terrain import STEEP_DEGREES, parcel_slope
from landalloc.models.errors import InputError, first_ids
from landalloc.models.files import atomic_folder
from landalloc.models.parcels import polygonal_parts, validate_parcels
from landalloc.models.scenario import Population, load_scenario
from landalloc.models.vector import layers, read_vector

INSIDE_SHARE = 0.5
"""A parcel is inside a control line when at least this share of its area is: the lines are drawn on
parcel boundaries, so shares are near 0 or 1 and 0.5 only settles the slivers of digitising."""
LINE_NAMES = {"farmland": "永久基本农田 basic farmland", "eco_redline": "生态保护红线 ecological red line",
              "urban_boundary": "城镇开发边界 urban development boundary"}
SETTLEMENT_COLUMN = "CZCSXM"
VILLAGE = "203"
"""城镇村属性码 of the survey: 201 city, 202 town, 203 village (204 mines, 205 special land)."""
SURVEY_LAYER = "DLTB"
DISTRICT_NAMES = {"XZQDM": "XZQMC", "ZLDWDM": "ZLDWMC", "QSDWDM": "QSDWMC"}
"""A district code column and the survey column that holds its names."""

Suitability = Callable[[pd.DataFrame], dict[str, np.ndarray]]


@dataclass
class SurveyImport:
    """What :func:`import_survey` wrote, and the notes a planner should read."""

    out: Path
    parcels: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"SurveyImport({len(self.parcels):,} parcels -> {self.out}, {len(self.notes)} notes)"


def draft_suitability(factors: pd.DataFrame) -> dict[str, np.ndarray]:
    """Suitability of every parcel for every use, in [0, 1], from slope, distances and today's use.

    ``factors`` has ``slope`` (degrees, 0 without a DEM), ``to_town`` and ``to_road`` (metres,
    NaN when no layer was given) and ``current_use``. With ``flat(s) = clip(1 - slope/s, 0, 1)``
    and ``near(d, s) = exp(-d/s)`` (1 without a layer):

    - crop ``flat(25)`` (nothing from 25°); forest ``0.5 + 0.5 min(slope/25, 1)``; grass 0.6;
      water 0.1; barren 0.1;
    - urban ``flat(15) near(to_town, 3000 m) near(to_road, 1000 m)``; rural ``flat(15)
      near(to_road, 1000 m)``; service ``flat(15) near(to_town, 3000 m)``;

    then each is ``0.8 f + 0.2`` on the parcel's use today (land keeps its use more easily). These
    are a first draft: replace them with the county's own evaluation (双评价), as columns
    ``suit_<code>`` of parcels.gpkg, or pass another function with the same signature.
    """
    slope = factors["slope"].to_numpy(float)

    def flat(limit: float) -> np.ndarray:
        return np.clip(1.0 - slope / limit, 0.0, 1.0)

    def near(distance: str, scale: float) -> np.ndarray:
        d = factors[distance].to_numpy(float)
        return np.where(np.isnan(d), 1.0, np.exp(-np.nan_to_num(d) / scale))

    ones = np.ones(len(factors))
    base = {
        "crop": flat(STEEP_DEGREES), "forest": 0.5 + 0.5 * np.minimum(slope / STEEP_DEGREES, 1.0),
        "grass": 0.6 * ones, "water": 0.1 * ones, "barren": 0.1 * ones,
        "urban": flat(15.0) * near("to_town", 3000.0) * near("to_road", 1000.0),
        "rural": flat(15.0) * near("to_road", 1000.0), "service": flat(15.0) * near("to_town", 3000.0),
    }
    today = factors["current_use"].to_numpy(str)
    return {code: np.round(np.clip(0.8 * value + 0.2 * (today == code), 0.0, 1.0), 4) for code, value in base.items()}


def import_survey(parcels: str | Path, out: str | Path, *, layer: str | None = None, codes: str = "DLBM",
                  classification: str = "gbt21010", table: str | Path | None = None,
                  farmland: str | None = None, redline: str | None = None, boundary: str | None = None,
                  dem: str | Path | None = None, towns: str | None = None, roads: str | None = None,
                  district_column: str | None = None, inside_share: float = INSIDE_SHARE,
                  suitability: Suitability = draft_suitability, fix_geometries: bool = False,
                  force: bool = False) -> SurveyImport:
    """Build an instance folder (parcels.gpkg, scenario.toml, README.md) from survey data.

    Parameters
    ----------
    parcels : the survey's parcel layer (GeoPackage, Shapefile, FileGDB folder, GeoJSON).
    out : the instance folder to create.
    layer : the parcel layer inside a multi-layer file (default ``DLTB`` when there is one).
    codes : the column of land-class codes.
    classification, table : the code table (:func:`~landalloc.instances.codes.code_table`).
    farmland, redline, boundary : 永久基本农田, 生态保护红线, 城镇开发边界: a file, or the name of
        a layer of the parcels' file; left out, no parcel is inside that line.
    dem : a DEM GeoTIFF (metres) for slope; left out, slope is 0 and no slope rule is drafted.
    towns, roads : layers (file or layer name) whose distance shapes construction suitability.
    district_column : the district of each parcel (default ``XZQDM`` when present, else one district).
    inside_share : share of a parcel's area inside a line from which it counts as inside.
    suitability : the suitability formulas (:func:`draft_suitability`).
    fix_geometries : repair invalid polygons (e.g. rings that touch themselves, valid for ArcGIS but
        not for GEOS) with ``shapely.make_valid``, keeping their polygonal parts.
    force : replace an existing non-empty ``out``.

    Raises
    ------
    InputError : unreadable layers, a missing column, unknown codes (listed with their counts), a
        CRS not in metres, a DEM that does not cover the parcels, or parcels breaking the data
        contract (docs/data.md).

    Examples
    --------
    >>> import_survey("county.gdb", "instances/county", farmland="YJJBNTTB", dem="dem.tif")  # doctest: +SKIP
    """
    path, out, notes = Path(parcels), Path(out), []
    if not 0 < inside_share <= 1:
        raise InputError(f"inside share must be in (0, 1], not {inside_share:g}; 0.5 counts a parcel inside a "
                         "line when half its area is")
    classes = code_table(classification, table)
    with atomic_folder(out, force=force) as tmp:  # an existing folder is refused before the work
        source = read_vector(path, layer if layer is not None else _survey_layer(path)).reset_index(drop=True)
        _check_survey(source, path, codes, district_column)
        raw = survey_codes(source[codes])
        if source[codes].dtype.kind in "if":
            notes.append(f"column '{codes}' holds numbers: codes were read with their leading zero (101 as 0101)")
        use = _villages(source, map_codes(raw, classes, codes, str(path)).to_numpy(object), notes)
        ids = _ids(source, notes)
        parcels_out = gpd.GeoDataFrame({"parcel_id": ids, "current_use": use},
                                       geometry=_geometry(source, ids, path, fix_geometries, notes), crs=source.crs)
        parcels_out["district"], district_names = _districts(source, district_column, notes)
        parcels_out["area_ha"] = _area(source, notes)
        lines = {"farmland": farmland, "eco_redline": redline, "urban_boundary": boundary}
        for flag, given in lines.items():
            parcels_out[flag] = _inside_line(parcels_out, path, flag, given, inside_share, notes)
        factors = pd.DataFrame({"current_use": use, "slope": 0.0, "to_town": np.nan, "to_road": np.nan})
        if dem is not None:
            factors["slope"] = parcels_out["slope"] = np.round(parcel_slope(parcels_out, dem), 2)
        else:
            notes.append("no DEM given: slope is taken as 0 and no slope rule is drafted")
        for column, given in (("to_town", towns), ("to_road", roads)):
            if given is not None:
                factors[column] = distance(parcels_out, _layer(path, given, parcels_out.crs, notes))
        suit = suitability(factors)
        for land_use in SURVEY_LAND_USES:
            parcels_out[f"suit_{land_use.code}"] = suit[land_use.code]
        parcels_out["pop"] = _residents(parcels_out, notes)
        for keep in (codes, "DLMC"):
            if keep in source and keep not in parcels_out:
                parcels_out[keep] = source[keep].to_numpy()
        validate_parcels(parcels_out, [u.code for u in SURVEY_LAND_USES], str(path))
        (tmp / "scenario.toml").write_text(draft_scenario(parcels_out, out.name, str(path), classes, raw,
                                                          district_names, notes), encoding="utf-8")
        load_scenario(tmp / "scenario.toml")  # the draft must be a valid scenario
        parcels_out.to_file(tmp / "parcels.gpkg", layer="parcels", driver="GPKG", engine="pyogrio")
        (tmp / "README.md").write_text(draft_readme(parcels_out, out.name, str(path), classes, notes), encoding="utf-8")
    return SurveyImport(out, parcels_out, notes)


def _inside_line(parcels: gpd.GeoDataFrame, path: Path, flag: str, given: str | None, share: float,
                 notes: list[str]) -> np.ndarray:
    """Whether each parcel is inside the control line ``flag`` drawn by the layer ``given``."""
    name = LINE_NAMES[flag]
    if given is None:
        notes.append(f"no {name} layer given: no parcel is inside it")
        return np.zeros(len(parcels), bool)
    inside_line = inside(parcels, _layer(path, given, parcels.crs, notes)) >= share
    notes.append(f"{name}: {int(inside_line.sum())} parcels inside (>= {share:.0%} of their area in {given})")
    return inside_line


def _residents(parcels: gpd.GeoDataFrame, notes: list[str]) -> np.ndarray:
    """Residents estimated from housing land at the scenario's default densities (persons/ha)."""
    density = Population().density
    notes.append("residents ('pop') are estimated at " + " and ".join(f"{v:g}/ha of {k} land" for k, v in density.items())
                 + ": replace them with census counts (第七次人口普查) by village")
    per_ha = parcels["current_use"].map(density).fillna(0.0).to_numpy(float)
    return np.round(parcels["area_ha"].to_numpy(float) * per_ha, 1)


def _survey_layer(path: Path) -> str | None:
    """``DLTB`` (any case) in a multi-layer file, else None (read_vector then decides or asks)."""
    if not path.exists() or path.suffix.lower() == ".shp":
        return None
    names = layers(path)
    found = [n for n in names if n.upper() == SURVEY_LAYER]
    return found[0] if len(names) > 1 and found else None


def _check_survey(source: gpd.GeoDataFrame, path: Path, codes: str, district_column: str | None) -> None:
    for column, what in ((codes, "land-class codes (--codes)"), (district_column, "districts (--district-column)")):
        if column is not None and column not in source:
            same = [c for c in source.columns if str(c).lower() == column.lower()]
            hint = f" (found '{same[0]}': column names are case-sensitive)" if same else ""
            raise InputError(f"{path}: no column '{column}' of {what}{hint}; its columns: "
                             f"{', '.join(str(c) for c in source.columns if c != source.geometry.name)}")
    crs = source.crs
    if crs is None or not crs.is_projected:
        what = "no CRS" if crs is None else f"CRS {crs.to_string()} in degrees"
        raise InputError(f"{path}: {what}; survey parcels need a projected CRS in metres, as the survey "
                         "delivers them: CGCS2000 3-degree Gauss-Kruger (EPSG:4513-4533 with zone numbers, "
                         "4534-4554 without); set or reproject the layer (ogr2ogr -t_srs EPSG:<code>)")


def _geometry(source: gpd.GeoDataFrame, ids: np.ndarray, path: Path, fix: bool, notes: list[str]) -> np.ndarray:
    """The parcels' polygons, invalid ones repaired with ``fix`` or refused (overlays need valid ones)."""
    geoms = source.geometry.to_numpy().copy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    invalid = present & ~shapely.is_valid(geoms)
    if invalid.any() and not fix:
        reason = shapely.is_valid_reason(geoms[np.flatnonzero(invalid)[0]])
        raise InputError(f"{path}: parcels {first_ids(ids[invalid].tolist())} have invalid geometry ({reason}; "
                         "ArcGIS accepts rings that touch themselves, GEOS does not); pass --fix-geometries to "
                         "repair them with shapely.make_valid, or repair them in the GIS")
    if invalid.any():
        geoms[invalid] = polygonal_parts(shapely.make_valid(geoms[invalid]))
        notes.append(f"repaired {int(invalid.sum())} invalid geometries with shapely.make_valid (parcels "
                     f"{first_ids(ids[invalid].tolist())})")
    return geoms


def _villages(source: gpd.GeoDataFrame, use: np.ndarray, notes: list[str]) -> np.ndarray:
    """Urban construction land in a village (城镇村属性码 203) is village construction land."""
    if SETTLEMENT_COLUMN not in source:
        notes.append(f"no '{SETTLEMENT_COLUMN}' (城镇村属性码) column: construction land other than 农村宅基地 "
                     "is taken as urban")
        return use
    village = source[SETTLEMENT_COLUMN].astype(str).str.startswith(VILLAGE).to_numpy() & (use == "urban")
    if village.any():
        several = village.sum() > 1
        notes.append(f"{int(village.sum())} parcel{'s' if several else ''} of urban construction codes "
                     f"lie{'' if several else 's'} in a village ({SETTLEMENT_COLUMN} {VILLAGE}): taken as rural")
    return np.where(village, "rural", use)


def _ids(source: gpd.GeoDataFrame, notes: list[str]) -> np.ndarray:
    """The survey's 标识码 (BSM) when it identifies every parcel, else 1..N."""
    if "BSM" in source and source["BSM"].notna().all() and source["BSM"].is_unique:
        return source["BSM"].to_numpy()
    notes.append("no unique 'BSM' (标识码) column: parcels are numbered 1..N in the order of the layer")
    return np.arange(1, len(source) + 1)


def _districts(source: gpd.GeoDataFrame, column: str | None, notes: list[str]) -> tuple[np.ndarray, dict[str, str]]:
    """Each parcel's district id and the districts' names (from the matching name column)."""
    column = column or ("XZQDM" if "XZQDM" in source else None)
    if column is None:
        notes.append("no district column (XZQDM) given or found: the county is one district, 'county'")
        return np.full(len(source), "county", dtype=object), {}
    values = source[column]
    if values.isna().any():
        raise InputError(f"column '{column}' is empty in {int(values.isna().sum())} parcels; give every parcel "
                         "its district code")
    ids = survey_codes(values).to_numpy(object)
    names_column = DISTRICT_NAMES.get(column)
    names: dict[str, str] = {}
    if names_column in source:
        names = {str(k): str(v) for k, v in zip(ids, source[names_column]) if isinstance(v, str) and v}
    notes.append(f"districts from column '{column}': {len(set(ids))} districts")
    return ids, names


def _area(source: gpd.GeoDataFrame, notes: list[str]) -> np.ndarray:
    """The survey's 图斑面积 (TBMJ, m², on the ellipsoid) when complete, else the plane area."""
    if "TBMJ" in source:
        tbmj = pd.to_numeric(source["TBMJ"], errors="coerce").to_numpy(float)
        if np.isfinite(tbmj).all() and (tbmj > 0).all():
            notes.append("areas are the survey's 图斑面积 (TBMJ), as its statistics count them")
            return tbmj / 1e4
    notes.append("areas are the polygons' plane areas in the layer's CRS (no complete TBMJ column)")
    return source.geometry.area.to_numpy() / 1e4


def _layer(parcels: Path, given: str, crs: object, notes: list[str]) -> gpd.GeoDataFrame:
    """A layer given as a file or as a layer of the parcels' file, in the parcels' CRS."""
    path = Path(given)
    if path.exists():
        layer = read_vector(path)
    elif parcels.suffix.lower() != ".shp" and given in layers(parcels):
        layer = read_vector(parcels, given)
    else:
        others = "" if parcels.suffix.lower() == ".shp" else f", nor a layer of {parcels} (its layers: " \
                                                              f"{', '.join(layers(parcels))})"
        raise InputError(f"{given}: not a file{others}; give a file or a layer name")
    layer = layer[~(layer.geometry.isna() | layer.geometry.is_empty)]
    if len(layer) == 0:
        raise InputError(f"{given}: the layer has no features with geometry; give the layer that holds its polygons")
    if layer.crs is None:
        raise InputError(f"{given}: the layer has no CRS; set it to the CRS it was drawn in")
    if layer.crs != crs:
        notes.append(f"{given}: CRS {layer.crs.to_string()} differs from the parcels' {crs.to_string()}; "
                     "reprojected to the parcels' CRS")
        layer = layer.to_crs(crs)
    return layer


def inside(parcels: gpd.GeoDataFrame, zone: gpd.GeoDataFrame) -> np.ndarray:
    """The share of each parcel's area inside the union of the zone's polygons (N floats in [0, 1])."""
    geoms = parcels.geometry.values
    polygons = zone.geometry.values[np.isin(shapely.get_type_id(zone.geometry.values), (3, 6))]
    share = np.zeros(len(geoms))
    if len(polygons) == 0:
        return share
    parts = shapely.get_parts(shapely.union_all(shapely.make_valid(polygons)))
    parcel, part = shapely.STRtree(parts).query(geoms, predicate="intersects")
    overlap = shapely.area(shapely.intersection(geoms[parcel], parts[part]))
    np.add.at(share, parcel, overlap)
    return np.clip(share / shapely.area(geoms), 0.0, 1.0)


def distance(parcels: gpd.GeoDataFrame, features: gpd.GeoDataFrame) -> np.ndarray:
    """Metres from each parcel's centroid to the nearest feature (points, lines or polygons)."""
    geoms = features.geometry.values
    centroids = shapely.centroid(parcels.geometry.values)
    (parcel, _), gap = shapely.STRtree(geoms).query_nearest(centroids, return_distance=True, all_matches=False)
    out = np.full(len(centroids), np.inf)
    np.minimum.at(out, parcel, gap)
    return out
