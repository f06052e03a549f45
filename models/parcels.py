"""Parcel tables: reading them from GIS files or rasters, and checking the data contract.

The contract (docs/data.md): ``parcel_id`` (unique), polygon geometry in a projected CRS in
metres, ``current_use``, ``district``, ``pop``, ``farmland``, ``eco_redline``,
``urban_boundary``, ``suit_<code>`` for every land-use code; optional ``area_ha`` and
``crop_quality``. Every refusal names the column, the first offending parcel ids and the fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from models.errors import InputError, first_ids

FLAGS: tuple[str, ...] = ("farmland", "eco_redline", "urban_boundary")
VECTOR_SUFFIXES = (".gpkg", ".parquet", ".geoparquet", ".shp", ".geojson", ".fgb")
RASTER_SUFFIXES = (".tif", ".tiff")


def required_columns(codes: Sequence[str]) -> list[str]:
    """Columns every parcel table must have for a classification with these codes."""
    return ["parcel_id", "current_use", "district", "pop", *FLAGS, *(f"suit_{c}" for c in codes)]


def read_parcels(path: str | Path, codes: Sequence[str]) -> gpd.GeoDataFrame:
    """Read parcels from GeoPackage, GeoParquet, Shapefile, GeoJSON or a land-use GeoTIFF.

    A GeoTIFF is read by :func:`models.raster.read_raster_parcels` (cells become parcels).
    The table is returned as read; call :func:`validate_parcels` before using it.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: parcel file not found")
    suffix = path.suffix.lower()
    if suffix in RASTER_SUFFIXES:
        from models.raster import read_raster_parcels

        return read_raster_parcels(path, codes)
    if suffix not in VECTOR_SUFFIXES:
        raise InputError(f"{path}: unsupported parcel format '{suffix}'; use one of "
                         f"{', '.join(VECTOR_SUFFIXES + RASTER_SUFFIXES)}")
    try:
        if suffix in (".parquet", ".geoparquet"):
            return gpd.read_parquet(path)
        layer = "parcels" if suffix == ".gpkg" and "parcels" in _layers(path) else None
        return gpd.read_file(path, layer=layer, engine="pyogrio")
    except InputError:
        raise
    except Exception as exc:  # a corrupt file: report the file, not the driver's stack
        raise InputError(f"{path}: cannot read parcels ({exc}); check that the file is a valid "
                         f"{suffix[1:]} file") from None


def _layers(path: Path) -> list[str]:
    import pyogrio

    return [str(name) for name in pyogrio.list_layers(path)[:, 0]]


def validate_parcels(parcels: gpd.GeoDataFrame, codes: Sequence[str],
                     source: str = "parcels") -> gpd.GeoDataFrame:
    """Check the data contract and return a clean copy with typed columns and ``area_ha``.

    Raises :class:`InputError` for the first broken rule, naming column, parcel ids and fix.
    """
    if len(parcels) == 0:
        raise InputError(f"{source}: the parcel table is empty; an instance needs at least one parcel")
    _check_columns(parcels, codes, source)
    out = parcels.copy()
    ids = out["parcel_id"]
    if ids.isna().any():
        raise InputError(f"{source}: column 'parcel_id' is empty in {int(ids.isna().sum())} rows; "
                         "give every parcel an id")
    dup = ids[ids.duplicated(keep=False)]
    if len(dup):
        rows = np.flatnonzero(ids.duplicated(keep=False).to_numpy()) + 1
        raise InputError(f"{source}: column 'parcel_id' has duplicate ids: {first_ids(dup.unique())} "
                         f"(rows {first_ids(rows.tolist())}); parcel ids must be unique")
    _check_crs(out, source)
    _check_geometry(out, source)

    unknown = ~out["current_use"].isin(list(codes))
    if unknown.any():
        bad = sorted(set(out.loc[unknown, "current_use"].astype(str)))
        raise InputError(f"{source}: column 'current_use' has unknown land-use codes {bad[:5]} at "
                         f"parcels {first_ids(ids[unknown].tolist())}; allowed codes: {', '.join(codes)} "
                         "(or define these classes in the scenario's [[land_use]])")
    if out["district"].isna().any():
        raise InputError(f"{source}: column 'district' is empty at parcels "
                         f"{first_ids(ids[out['district'].isna()].tolist())}; give every parcel a district")
    out["district"] = out["district"].astype(str)

    for col in FLAGS:
        out[col] = _as_bool(out, col, source)
    both = out["farmland"] & out["eco_redline"]
    if both.any():
        raise InputError(f"{source}: parcels {first_ids(ids[both].tolist())} are both basic farmland "
                         "('farmland') and inside the ecological red line ('eco_redline'); the two "
                         "zones of 三区三线 may not overlap: fix the zoning layers")

    ranges: dict[str, tuple[float, float | None, bool]] = {"pop": (0.0, None, False)}
    ranges.update({f"suit_{c}": (0.0, 1.0, False) for c in codes})
    if "crop_quality" in out:
        ranges["crop_quality"] = (0.0, 1.0, False)
    if "area_ha" in out:
        ranges["area_ha"] = (0.0, None, True)
    for col, (low, high, strict) in ranges.items():
        out[col] = _as_number(out, col, low, high, strict, source)
    if "area_ha" not in out:
        out["area_ha"] = out.geometry.area / 1e4
        tiny = out["area_ha"] <= 0
        if tiny.any():
            raise InputError(f"{source}: parcels {first_ids(ids[tiny].tolist())} have zero area; "
                             "remove them or give 'area_ha'")
    if "crop_quality" not in out:
        out["crop_quality"] = 1.0
    return out


def _check_columns(parcels: gpd.GeoDataFrame, codes: Sequence[str], source: str) -> None:
    present = [str(c) for c in parcels.columns]
    missing = [c for c in required_columns(codes) if c not in present]
    if missing:
        hints = []
        for col in missing:
            close = difflib.get_close_matches(col, present, n=1)
            hints.append(f"'{col}'" + (f" (found '{close[0]}': rename it?)" if close else ""))
        raise InputError(f"{source}: missing column{'s' if len(missing) > 1 else ''} {', '.join(hints)}; "
                         f"the parcel table needs {', '.join(required_columns(codes))}")
    if not isinstance(parcels, gpd.GeoDataFrame) or parcels.geometry is None:
        raise InputError(f"{source}: no geometry column; parcels must be polygons")


def _check_crs(parcels: gpd.GeoDataFrame, source: str) -> None:
    crs = parcels.crs
    if crs is None:
        raise InputError(f"{source}: no CRS; set a projected CRS in metres (e.g. an Albers or UTM zone)")
    if not crs.is_projected:
        raise InputError(f"{source}: CRS {crs.to_string()} is geographic (degrees); areas and distances "
                         "need a projected CRS in metres: reproject with GeoDataFrame.to_crs, e.g. to "
                         "an Albers equal-area projection or the local UTM zone")
    unit = crs.axis_info[0].unit_name if crs.axis_info else "metre"
    if unit not in ("metre", "meter", "m"):
        raise InputError(f"{source}: CRS {crs.to_string()} has units '{unit}'; use a CRS in metres")


def _check_geometry(parcels: gpd.GeoDataFrame, source: str) -> None:
    ids = parcels["parcel_id"]
    geom = parcels.geometry.values
    empty = shapely.is_missing(geom) | shapely.is_empty(geom)
    if empty.any():
        raise InputError(f"{source}: parcels {first_ids(ids[empty].tolist())} have empty or missing "
                         "geometry; remove them or draw their polygons")
    kinds = shapely.get_type_id(geom)
    wrong = ~np.isin(kinds, (3, 6))  # Polygon, MultiPolygon
    if wrong.any():
        names = sorted(set(parcels.geometry[wrong].geom_type))
        raise InputError(f"{source}: parcels {first_ids(ids[wrong].tolist())} are {', '.join(names)}, not "
                         "polygons; parcels must be Polygon or MultiPolygon")
    invalid = ~shapely.is_valid(geom)
    if invalid.any():
        reason = shapely.is_valid_reason(geom[np.flatnonzero(invalid)[0]])
        raise InputError(f"{source}: parcels {first_ids(ids[invalid].tolist())} have invalid geometry "
                         f"({reason}); repair them (shapely.make_valid, or --fix-geometries)")


def _as_bool(parcels: pd.DataFrame, col: str, source: str) -> pd.Series:
    values = parcels[col]
    if values.dtype == bool:
        return values
    numeric = pd.to_numeric(values, errors="coerce")
    bad = numeric.isna() | ~numeric.isin([0, 1])
    if bad.any():
        raise InputError(f"{source}: column '{col}' must be true/false (or 1/0); parcels "
                         f"{first_ids(parcels['parcel_id'][bad].tolist())} have {values[bad].iloc[0]!r}")
    return numeric.astype(bool)


def _as_number(parcels: pd.DataFrame, col: str, low: float, high: float | None, strict: bool,
               source: str) -> pd.Series:
    ids = parcels["parcel_id"]
    values = pd.to_numeric(parcels[col], errors="coerce").astype(float)
    notnum = values.isna() & parcels[col].notna()
    if notnum.any():
        raise InputError(f"{source}: column '{col}' must be numeric; parcels {first_ids(ids[notnum].tolist())} "
                         f"have {parcels[col][notnum].iloc[0]!r}")
    bad = ~np.isfinite(values)
    if bad.any():
        raise InputError(f"{source}: column '{col}' has missing (NaN) or infinite values at parcels "
                         f"{first_ids(ids[bad].tolist())}; fill them in")
    below = values <= low if strict else values < low
    above = values > high if high is not None else np.zeros(len(values), bool)
    out_of_range = below | above
    if out_of_range.any():
        span = f"{'(' if strict else '['}{low:g}, {high:g}]" if high is not None else \
            (f"> {low:g}" if strict else f">= {low:g}")
        raise InputError(f"{source}: column '{col}' must be {span}; parcels "
                         f"{first_ids(ids[out_of_range].tolist())} have {values[out_of_range].iloc[0]:g}")
    return values
