"""Parcel tables: reading them from GIS files or rasters, and checking the data contract.

The contract (docs/data.md): ``parcel_id`` (unique), polygon geometry in a projected CRS in
metres, ``current_use``, ``district``, ``pop``, ``farmland``, ``eco_redline``,
``urban_boundary``, ``suit_<code>`` for every land-use code; optional ``area_ha`` and
``crop_quality``. Every refusal names the column, the first offending parcel ids and the fix;
docs/errors.md lists them all.
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landalloc.models.errors import InputError, first_ids
from landalloc.models.vector import read_vector

FLAGS: tuple[str, ...] = ("farmland", "eco_redline", "urban_boundary")
VECTOR_SUFFIXES = (".gpkg", ".parquet", ".geoparquet", ".shp", ".geojson", ".fgb")
RASTER_SUFFIXES = (".tif", ".tiff")
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0"})
"""Text that flag columns accept (any case), besides booleans and the numbers 0 and 1."""
POLYGONAL = (3, 6)
"""shapely type ids of Polygon and MultiPolygon."""
TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
              5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}
SHAPEFILE_NAME_LIMIT = 10


def required_columns(codes: Sequence[str]) -> list[str]:
    """Columns every parcel table must have for a classification with these codes."""
    return ["parcel_id", "current_use", "district", "pop", *FLAGS, *(f"suit_{c}" for c in codes)]


def read_parcels(path: str | Path, codes: Sequence[str], layer: str | None = None) -> gpd.GeoDataFrame:
    """Read parcels from GeoPackage, GeoParquet, Shapefile, GeoJSON or a land-use GeoTIFF.

    A GeoTIFF is read by :func:`landalloc.models.raster.read_raster_parcels` (cells become parcels).
    Of a file with several layers only the one named ``parcels`` (or ``layer``) is read: taking
    whichever comes first would solve a plan on the roads or the zoning. The table is returned
    as read; call :func:`validate_parcels` before using it.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: parcel file not found")
    suffix = path.suffix.lower()
    if suffix in RASTER_SUFFIXES:
        from landalloc.models.raster import read_raster_parcels

        return read_raster_parcels(path, codes)
    if suffix not in VECTOR_SUFFIXES:
        raise InputError(f"{path}: unsupported parcel format '{suffix}'; use one of "
                         f"{', '.join(VECTOR_SUFFIXES + RASTER_SUFFIXES)}")
    try:
        if suffix in (".parquet", ".geoparquet"):
            return gpd.read_parquet(path)
        return read_vector(path, _parcel_layer(path, layer))
    except InputError:
        raise
    except Exception as exc:  # a corrupt file: report the file, not the driver's stack
        raise InputError(f"{path}: cannot read parcels ({exc}); check that the file is a valid "
                         f"{suffix[1:]} file") from None


def _layers(path: Path) -> list[str]:
    import pyogrio

    return [str(name) for name in pyogrio.list_layers(path)[:, 0]]


def _parcel_layer(path: Path, layer: str | None) -> str:
    """The layer named ``layer``, else ``parcels``, else the file's only layer; never a guess."""
    layers = _layers(path)
    if layer is not None and layer not in layers:
        close = difflib.get_close_matches(layer, layers, n=1)
        raise InputError(f"{path}: no layer '{layer}'" + (f" (did you mean '{close[0]}'?)" if close else "")
                         + f"; its layers are {', '.join(layers)}: give one of them with --layer")
    if layer is not None:
        return layer
    if "parcels" in layers or len(layers) != 1:
        if "parcels" not in layers:
            raise InputError(f"{path}: no layer named 'parcels' (its layers are {', '.join(layers)}); parcels are "
                             "read only from a layer of that name: rename the parcel layer to 'parcels', or "
                             "choose it with --layer NAME (layer='NAME' in Python)")
        return "parcels"
    return layers[0]


def validate_parcels(parcels: gpd.GeoDataFrame, codes: Sequence[str], source: str = "parcels",
                     fix_geometries: bool = False) -> gpd.GeoDataFrame:
    """Check the data contract and return a clean copy with typed columns and ``area_ha``.

    Parameters
    ----------
    parcels : the table as read (see :func:`read_parcels`).
    codes : the scenario's land-use codes.
    source : the file name that messages start with.
    fix_geometries : repair invalid geometries and geometry collections with
        ``shapely.make_valid``, keeping their polygonal parts; the returned table's
        ``attrs["repairs"]`` says how many parcels were repaired.

    Returns
    -------
    A GeoDataFrame with a fresh 0..N-1 index, boolean flags, float numbers, string
    districts, ``area_ha`` and ``crop_quality``.

    Raises
    ------
    InputError : structural faults (no rows, missing or duplicated columns, no geometry,
        no projected CRS) at once; otherwise every broken rule of every column in one message,
        each naming the column, the first offending parcel ids and the fix.

    Examples
    --------
    >>> clean = validate_parcels(raw, scenario.codes, "parcels.gpkg")  # doctest: +SKIP
    """
    if len(parcels) == 0:
        raise InputError(f"{source}: the parcel table is empty; an instance needs at least one parcel: check the "
                         "file (and its layer, --layer)")
    _check_columns(parcels, codes, source)
    out, notes = _in_metres(parcels, source)
    out = out.reset_index(drop=True)
    problems: list[str] = []
    ids = out["parcel_id"]
    problems += _check_ids(ids)
    geometry_problems, repairs = _check_geometry(out, fix_geometries)
    if not geometry_problems and not problems:
        geometry_problems, fixed = _check_overlaps(out, fix_geometries)
        repairs += fixed
    problems += geometry_problems
    repairs = notes + repairs
    problems += _check_codes(out, codes)
    problems += _district(out)
    typed = set()
    for col in FLAGS:
        flag, problem = _as_bool(out, col)
        problems += problem
        if not problem:
            out[col] = flag
            typed.add(col)
    if {"farmland", "eco_redline"} <= typed:
        both = out["farmland"] & out["eco_redline"]
        if both.any():
            problems.append(f"parcels {first_ids(ids[both].tolist())} are both basic farmland ('farmland') "
                            "and inside the ecological red line ('eco_redline'); the two zones of 三区三线 "
                            "may not overlap: fix the zoning layers")

    ranges: dict[str, tuple[float, float | None, bool]] = {"pop": (0.0, None, False)}
    ranges.update({f"suit_{c}": (0.0, 1.0, False) for c in codes})
    if "crop_quality" in out:
        ranges["crop_quality"] = (0.0, 1.0, False)
    if "slope" in out:
        ranges["slope"] = (0.0, 90.0, False)
    if "area_ha" in out:
        ranges["area_ha"] = (0.0, None, True)
    for col, (low, high, strict) in ranges.items():
        values, problem = _as_number(out, col, low, high, strict)
        problems += problem
        if not problem:
            out[col] = values
    if "area_ha" not in out and not geometry_problems:
        out["area_ha"] = out.geometry.area / 1e4
        tiny = out["area_ha"] <= 0
        if tiny.any():
            problems.append(f"parcels {first_ids(ids[tiny].tolist())} have zero area; remove them or "
                            "give 'area_ha'")
    if problems:
        listed = problems[0] if len(problems) == 1 else \
            f"{len(problems)} problems: " + " ".join(f"({n}) {p};" for n, p in enumerate(problems, 1))[:-1]
        raise InputError(f"{source}: {listed}")
    if "crop_quality" not in out:
        out["crop_quality"] = 1.0
    out.attrs["repairs"] = repairs
    out.attrs["warnings"] = gap_warnings(out)
    return out


def _check_columns(parcels: gpd.GeoDataFrame, codes: Sequence[str], source: str) -> None:
    present = [str(c) for c in parcels.columns]
    repeated = sorted({c for c in present if present.count(c) > 1})
    if repeated:
        several = len(repeated) > 1
        raise InputError(f"{source}: column{'s' if several else ''} {', '.join(repr(c) for c in repeated)} "
                         f"appear{'' if several else 's'} more than once; keep one of each")
    missing = [c for c in required_columns(codes) if c not in present]
    if missing:
        spare = [c for c in present if c not in required_columns(codes)]  # only these can be misnamed
        hints = [f"'{col}'{_column_hint(col, spare)}" for col in missing]
        raise InputError(f"{source}: missing column{'s' if len(missing) > 1 else ''} {', '.join(hints)}; "
                         f"the parcel table needs {', '.join(required_columns(codes))}: add or rename them")
    if not isinstance(parcels, gpd.GeoDataFrame) or not _has_geometry(parcels):
        raise InputError(f"{source}: no geometry column; parcels must be polygons in a GeoDataFrame "
                         "(set the active geometry with GeoDataFrame.set_geometry)")


def _has_geometry(parcels: gpd.GeoDataFrame) -> bool:
    try:
        return parcels.geometry is not None
    except AttributeError:  # geopandas: "the active geometry column ... is not present"
        return False


def _column_hint(col: str, present: list[str]) -> str:
    """Why a required column may look missing: a Shapefile cut, another case, a typo."""
    if len(col) > SHAPEFILE_NAME_LIMIT and col[:SHAPEFILE_NAME_LIMIT] in present:
        return (f" (found '{col[:SHAPEFILE_NAME_LIMIT]}': Shapefiles cut column names to "
                f"{SHAPEFILE_NAME_LIMIT} characters; save the parcels as GeoPackage, or rename it)")
    same_case = [p for p in present if p.lower() == col.lower()]
    if same_case:
        return f" (found '{same_case[0]}': column names are case-sensitive; rename it)"
    close = difflib.get_close_matches(col, present, n=1)
    return f" (found '{close[0]}': rename it?)" if close else ""


def _in_metres(parcels: gpd.GeoDataFrame, source: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The parcels in a CRS in metres, with a note when they had to be converted to one.

    Degrees are refused (reprojecting needs a choice of projection); feet and other linear
    units are converted to metres in the same projection, so nothing but the unit changes.
    """
    crs = parcels.crs
    if crs is None:
        raise InputError(f"{source}: no CRS; set a projected CRS in metres (e.g. an Albers or UTM zone)")
    if crs.is_geographic:
        raise InputError(f"{source}: CRS {crs.to_string()} is geographic (degrees); areas and distances "
                         "need a projected CRS in metres: reproject with GeoDataFrame.to_crs, e.g. to "
                         "an Albers equal-area projection or the local UTM zone")
    _check_not_degrees(parcels, source)
    axis = crs.axis_info[0] if crs.axis_info else None
    if axis is None or axis.unit_name in ("metre", "meter", "m"):   # PROJ: no +units means metres
        return parcels, []
    if not crs.is_projected or not axis.unit_conversion_factor:
        raise InputError(f"{source}: CRS {crs.to_string()} has units '{axis.unit_name}'; use a CRS in metres")
    import pyproj

    with warnings.catch_warnings():   # "may lose projection information": only the unit is changed
        warnings.simplefilter("ignore", UserWarning)
        spec = {k: v for k, v in crs.to_dict().items() if k not in ("units", "to_meter", "vunits")}
    metric = pyproj.CRS.from_dict({**spec, "units": "m"})
    return parcels.to_crs(metric), [f"CRS {crs.to_string()} has units '{axis.unit_name}': the parcels were "
                                    "converted to metres in the same projection, so that areas are in hectares"]


def _check_not_degrees(parcels: gpd.GeoDataFrame, source: str) -> None:
    """Longitude/latitude numbers stored under a projected CRS make parcels of a few square
    millimetres: every quota then looks infeasible, so say what happened instead."""
    minx, miny, maxx, maxy = parcels.total_bounds
    if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90 and parcels.geometry.area.sum() < 1.0:
        raise InputError(f"{source}: the coordinates look like longitude/latitude in degrees (x {minx:.6g} to "
                         f"{maxx:.6g}, y {miny:.6g} to {maxy:.6g}) but the CRS {parcels.crs.to_string()} says "
                         "metres, so the whole county would cover less than a square metre; the file declares "
                         "the wrong CRS: set EPSG:4326 (GeoDataFrame.set_crs(4326, allow_override=True)), then "
                         "reproject to a CRS in metres (to_crs)")


def _check_ids(ids: pd.Series) -> list[str]:
    if ids.isna().any():
        return [f"column 'parcel_id' is empty in {int(ids.isna().sum())} rows "
                f"(rows {first_ids((np.flatnonzero(ids.isna().to_numpy()) + 1).tolist())}); give every parcel an id"]
    repeated = ids.duplicated(keep=False).to_numpy()
    if repeated.any():
        return [f"column 'parcel_id' has duplicate ids: {first_ids(ids[repeated].unique().tolist())} "
                f"(rows {first_ids((np.flatnonzero(repeated) + 1).tolist())}); parcel ids must be unique: renumber them"]
    return []


def _check_geometry(parcels: gpd.GeoDataFrame, fix: bool) -> tuple[list[str], list[str]]:
    """Problems with the geometry column, and (with ``fix``) the repairs made in place."""
    ids = parcels["parcel_id"]
    geom = np.asarray(parcels.geometry.values, dtype=object)
    repairs: list[str] = []
    if fix:
        broken = ~(shapely.is_missing(geom) | shapely.is_empty(geom)) & \
            (~shapely.is_valid(geom) | (shapely.get_type_id(geom) == 7))  # 7: GeometryCollection
        if broken.any():
            geom = geom.copy()
            geom[broken] = polygonal_parts(shapely.make_valid(geom[broken]))
            parcels[parcels.geometry.name] = gpd.GeoSeries(geom, index=parcels.index, crs=parcels.crs)
            repairs.append(f"repaired {int(broken.sum())} invalid or mixed geometries with shapely.make_valid, "
                           f"keeping their polygonal parts (parcels {first_ids(ids[broken].tolist())})")
    empty = shapely.is_missing(geom) | shapely.is_empty(geom)
    if empty.any():
        return [f"parcels {first_ids(ids[empty].tolist())} have empty or missing geometry"
                + (" (or no area left after repair)" if fix else "") + "; remove them or draw their polygons"], repairs
    kinds = shapely.get_type_id(geom)
    problems = []
    wrong = ~np.isin(kinds, POLYGONAL)
    if wrong.any():
        names = [TYPE_NAMES.get(k, "unknown geometry") for k in sorted(set(kinds[wrong].tolist()))]
        fixable = (kinds[wrong] == 7).any() and not fix
        problems.append(f"parcels {first_ids(ids[wrong].tolist())} are {', '.join(names)}, not polygons "
                        "(mixed geometries); parcels must be Polygon or MultiPolygon: remove the others"
                        + (", or keep the polygonal parts of collections with fix_geometries=True "
                           "(--fix-geometries)" if fixable else ""))
    invalid = ~shapely.is_valid(geom) & ~wrong
    if invalid.any():
        reason = shapely.is_valid_reason(geom[np.flatnonzero(invalid)[0]])
        problems.append(f"parcels {first_ids(ids[invalid].tolist())} have invalid geometry ({reason}); "
                        "repair them (shapely.make_valid), or load with fix_geometries=True (--fix-geometries)")
    return problems, repairs


OVERLAP_TOLERANCE_M2 = 1.0
"""Overlaps of two parcels up to this area (m²) are digitising noise; larger ones are refused."""


def _check_overlaps(parcels: gpd.GeoDataFrame, fix: bool) -> tuple[list[str], list[str]]:
    """Parcels that share land count it twice in every area sum: refuse them, or (with ``fix``)
    give each shared piece to the parcel listed first."""
    geom = np.asarray(parcels.geometry.values, dtype=object)
    tree = shapely.STRtree(geom)
    pairs = np.concatenate([tree.query(geom, predicate=p) for p in ("overlaps", "contains")], axis=1)
    pairs = np.unique(np.sort(pairs, axis=0), axis=1)
    pairs = pairs[:, pairs[0] != pairs[1]]
    shared = shapely.area(shapely.intersection(geom[pairs[0]], geom[pairs[1]])) if pairs.size else np.zeros(0)
    first, second = pairs[:, shared > OVERLAP_TOLERANCE_M2]
    if not len(first):
        return [], []
    ids = parcels["parcel_id"].to_numpy()
    named = first_ids([f"{ids[a]} & {ids[b]}" for a, b in zip(first, second)])
    area = shared[shared > OVERLAP_TOLERANCE_M2].sum() / 1e4
    if not fix:
        return [f"{_pairs(len(first))} overlap{'s' if len(first) == 1 else ''}, sharing {area:.6g} ha in all (parcels {named}), so every "
                f"area sum would count that land twice (the parcels add up to {shapely.area(geom).sum() / 1e4:.6g} "
                "ha); fix the layer (e.g. QGIS's Topology Checker, or Vector > Geoprocessing > Union), or load with "
                "fix_geometries=True (--fix-geometries) to give each shared piece to the parcel listed first"], []
    geom = geom.copy()
    for b in np.unique(second):
        geom[b] = shapely.difference(geom[b], shapely.union_all(geom[first[second == b]]))
    geom[second] = polygonal_parts(geom[second])
    parcels[parcels.geometry.name] = gpd.GeoSeries(geom, index=parcels.index, crs=parcels.crs)
    emptied = shapely.is_empty(geom)
    if emptied.any():
        return [f"parcels {first_ids(ids[emptied].tolist())} lie wholly inside other parcels (no area left once "
                "the overlaps are removed); remove them, or merge them into the parcels that cover them"], []
    return [], [f"removed {area:.6g} ha of overlaps between {_pairs(len(first))}, each shared piece "
                f"kept by the parcel listed first (parcels {named})"]


def _pairs(n: int) -> str:
    return f"{n} pair{'s' if n > 1 else ''} of parcels"


def gap_warnings(parcels: gpd.GeoDataFrame) -> list[str]:
    """Holes in the study area under a tenth of a typical parcel: slivers between parcels that
    were drawn apart (larger holes are lakes, other jurisdictions or raster nodata: not reported)."""
    geom = np.asarray(parcels.geometry.values, dtype=object)
    union = shapely.union_all(geom)
    rings = [shapely.Polygon(ring) for poly in shapely.get_parts(union) for ring in poly.interiors]
    if not rings:
        return []
    rings = shapely.difference(np.array(rings, dtype=object), union)   # without parcels lying in the hole
    areas = shapely.area(rings)
    small = areas < 0.1 * np.median(shapely.area(geom))
    if not small.any():
        return []
    near = np.unique(shapely.STRtree(geom).query(rings[small], predicate="intersects")[1])
    ids = parcels["parcel_id"].to_numpy()
    return [f"{int(small.sum())} gap{'s' if small.sum() > 1 else ''} between parcels ({areas[small].sum() / 1e4:.6g} ha in all, next to parcels "
            f"{first_ids(ids[near].tolist())}): land inside the study area that no parcel covers; if the parcels "
            "should meet there, snap them together (e.g. QGIS's Topology Checker)"]


def polygonal_parts(geometries: np.ndarray) -> np.ndarray:
    """Each geometry reduced to its polygonal parts (a Polygon or MultiPolygon, or empty).

    ``shapely.make_valid`` turns a bow-tie into a MultiPolygon but a polygon with a spike
    into a GeometryCollection of a polygon and a line; parcels keep only what has area.
    """
    parts, index = shapely.get_parts(geometries, return_index=True)
    nested = shapely.get_type_id(parts) == 6
    if nested.any():  # MultiPolygons inside collections: one level deeper
        inner, where = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], inner])
        index = np.concatenate([index[~nested], index[nested][where]])
        order = np.argsort(index, kind="stable")  # shapely.multipolygons wants indices in order
        parts, index = parts[order], index[order]
    keep = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    out = np.array([shapely.Polygon()] * len(geometries), dtype=object)
    if keep.any():
        rows = np.unique(index[keep])
        joined = shapely.multipolygons(parts[keep], indices=np.searchsorted(rows, index[keep]))
        single = shapely.get_num_geometries(joined) == 1
        joined[single] = shapely.get_geometry(joined[single], 0)
        overlapping = ~shapely.is_valid(joined)  # parts of a collection may overlap: dissolve them
        joined[overlapping] = [shapely.union_all(shapely.get_parts(g)) for g in joined[overlapping]]
        out[rows] = joined
    return out


def _check_codes(parcels: gpd.GeoDataFrame, codes: Sequence[str]) -> list[str]:
    ids, use = parcels["parcel_id"], parcels["current_use"]
    if use.isna().any():
        return [f"column 'current_use' is empty at parcels {first_ids(ids[use.isna()].tolist())}; "
                "give every parcel its land use today"]
    unknown = ~use.isin(list(codes))
    if unknown.any():
        bad = sorted(set(use[unknown].astype(str)))
        hint = " (land uses are given by code, not number)" if all(b.lstrip("-").isdigit() for b in bad) else ""
        return [f"column 'current_use' has unknown land-use codes {bad[:5]}{hint} at parcels "
                f"{first_ids(ids[unknown].tolist())}; allowed codes: {', '.join(codes)} "
                "(or define these classes in the scenario's [[land_use]])"]
    return []


def _district(parcels: gpd.GeoDataFrame) -> list[str]:
    """Districts as text; whole numbers read as floats (a column with gaps) lose their ``.0``."""
    district = parcels["district"]
    if district.isna().any():
        return [f"column 'district' is empty at parcels {first_ids(parcels['parcel_id'][district.isna()].tolist())}; "
                "give every parcel a district"]
    if district.dtype.kind == "f" and np.isfinite(district).all() and (district % 1 == 0).all():
        district = district.astype(np.int64)
    parcels["district"] = district.astype(str).astype(object)
    return []


def _as_bool(parcels: pd.DataFrame, col: str) -> tuple[pd.Series, list[str]]:
    values = parcels[col]
    if values.dtype == bool:
        return values, []
    numeric = pd.to_numeric(values, errors="coerce").astype(float)
    text = values.notna() & numeric.isna()
    if text.any():  # words such as "true", "no", "T"
        words = values[text].astype(str).str.strip().str.lower()
        numeric[text] = np.where(words.isin(TRUE_WORDS), 1.0, np.where(words.isin(FALSE_WORDS), 0.0, np.nan))
    ids = parcels["parcel_id"]
    if values.isna().any():
        return values, [f"column '{col}' is empty at parcels {first_ids(ids[values.isna()].tolist())}; "
                        "give true or false (1 or 0) for every parcel"]
    bad = numeric.isna() | ~numeric.isin([0.0, 1.0])
    if bad.any():
        return values, [f"column '{col}' must be true/false (or 1/0); parcels {first_ids(ids[bad].tolist())} "
                        f"have {values[bad].iloc[0]!r}: write true or false"]
    return numeric.astype(bool), []


def _as_number(parcels: pd.DataFrame, col: str, low: float, high: float | None,
               strict: bool) -> tuple[pd.Series, list[str]]:
    ids, raw = parcels["parcel_id"], parcels[col]
    if raw.dtype == bool:
        raw = raw.astype(float)
    values = pd.to_numeric(raw, errors="coerce").astype(float)
    notnum = values.isna() & raw.notna()
    if notnum.any():
        example = raw[notnum].iloc[0]
        hint = " (a decimal comma? write 0.5, not 0,5)" if re.fullmatch(r"\s*-?\d+,\d+\s*", str(example)) else ""
        return values, [f"column '{col}' must be numeric; parcels {first_ids(ids[notnum].tolist())} "
                        f"have {example!r}{hint}: write numbers"]
    missing, infinite = values.isna(), np.isinf(values)
    if missing.any() or infinite.any():
        kind = " and ".join(k for k, m in (("missing (NaN)", missing), ("infinite", infinite)) if m.any())
        return values, [f"column '{col}' has {kind} values at parcels "
                        f"{first_ids(ids[missing | infinite].tolist())}; fill them in"]
    below = values <= low if strict else values < low
    above = values > high if high is not None else np.zeros(len(values), bool)
    out_of_range = below | above
    if out_of_range.any():
        span = f"in {'(' if strict else '['}{low:g}, {high:g}]" if high is not None else \
            (f"> {low:g}" if strict else f">= {low:g}")
        return values, [f"column '{col}' must be {span}; parcels {first_ids(ids[out_of_range].tolist())} "
                        f"have {values[out_of_range].iloc[0]:g}: correct these values"]
    return values, []
