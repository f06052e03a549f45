"""From a land-cover GeoTIFF to cells in an equal-area projection, clipped to a study area.

Two ways to place cells (docs/real-data.md):

- ``resolution=None`` (native): every source cell inside the study area becomes a parcel; its
  polygon is the cell's outline projected to the equal-area CRS and ``area_ha`` its true area on
  the ellipsoid, so the area of every class is exactly what the source says. Cells of a
  geographic raster become slightly curved quadrilaterals (a 0.05° cell is ~4.3 × 5.6 km at 39°N).
- ``resolution=R`` metres: the raster is warped onto a regular R × R grid of the equal-area CRS
  (nearest neighbour when R is finer than the source, majority when coarser); class areas are
  then preserved only statistically (docs/real-data.md gives the measured error).

A cell belongs to the study area when its centre lies inside the boundary polygon; a cell whose
centre lies in no district polygon (slivers between generalised borders) joins the nearest district.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyproj
import rasterio
import shapely
from pyproj.crs import ProjectedCRS
from pyproj.crs.coordinate_operation import AlbersEqualAreaConversion, LambertCylindricalEqualAreaConversion
from rasterio.enums import Resampling
from rasterio.warp import reproject, transform_bounds
from rasterio.windows import Window

from landalloc.models.errors import InputError

Bbox = tuple[float, float, float, float]

CHINA_EXTENT: Bbox = (73.0, 3.0, 136.0, 54.0)
"""Longitudes and latitudes of China; a bbox inside it gets :data:`CHINA_ALBERS`."""

CHINA_ALBERS = ProjectedCRS(
    conversion=AlbersEqualAreaConversion(latitude_first_parallel=25.0, latitude_second_parallel=47.0,
                                         latitude_false_origin=0.0, longitude_false_origin=105.0),
    geodetic_crs=pyproj.CRS.from_epsg(4490),
    name="CGCS2000 / China Albers equal-area conic (lat_1=25, lat_2=47, lon_0=105)")
"""Albers equal-area conic on CGCS2000 (EPSG:4490), standard parallels 25°N and 47°N, central
meridian 105°E: the projection of China's national land-cover and land-survey products."""


def equal_area_crs(bbox: Bbox) -> pyproj.CRS:
    """The equal-area CRS for a bbox: :data:`CHINA_ALBERS` inside China, else a fitted Albers.

    Outside China the standard parallels sit 1/6 of the latitude span inside the bbox edges and
    the central meridian at its middle (Snyder 1987, p. 99); a bbox symmetric about the equator
    gets a Lambert cylindrical equal-area projection instead (an Albers cone degenerates there).
    """
    lon0, lat0, lon1, lat1 = bbox
    if (CHINA_EXTENT[0] <= lon0 and lon1 <= CHINA_EXTENT[2] and CHINA_EXTENT[1] <= lat0
            and lat1 <= CHINA_EXTENT[3]):
        return CHINA_ALBERS
    south, north = lat0 + (lat1 - lat0) / 6, lat1 - (lat1 - lat0) / 6
    centre = round((lon0 + lon1) / 2, 3)
    if abs(south + north) < 2.0:
        conversion = LambertCylindricalEqualAreaConversion(latitude_first_parallel=0.0,
                                                           longitude_natural_origin=centre)
        name = f"WGS 84 / Lambert cylindrical equal-area (lon_0={centre})"
    else:
        conversion = AlbersEqualAreaConversion(latitude_first_parallel=round(south, 3),
                                               latitude_second_parallel=round(north, 3),
                                               longitude_false_origin=centre)
        name = f"WGS 84 / Albers equal-area conic (lat_1={south:.3f}, lat_2={north:.3f}, lon_0={centre})"
    return ProjectedCRS(conversion=conversion, geodetic_crs=pyproj.CRS.from_epsg(4326), name=name)


@dataclass(frozen=True)
class Cells:
    """Cells of a window around the study area (H × W arrays) in an equal-area CRS.

    Attributes
    ----------
    source : source class value of each cell (``nodata`` where the raster has none).
    nodata : the value marking cells without data.
    nodes_x, nodes_y : (H+1) × (W+1) corner coordinates in metres; cell (r, c) has corners
        (r, c), (r, c+1), (r+1, c+1), (r+1, c).
    centre : H × W × 2 centres in metres (the projected centre of the source cell).
    area_ha : H × W true cell areas in hectares.
    inside : H × W, the cells of the study area (set by :func:`clip`).
    crs : the equal-area CRS; how : "native" or "resampled to R m".
    offset : row and column of the window's first cell in the source raster (native cells) or 0, 0.
    """

    source: np.ndarray
    nodata: int
    nodes_x: np.ndarray
    nodes_y: np.ndarray
    centre: np.ndarray
    area_ha: np.ndarray
    inside: np.ndarray
    crs: pyproj.CRS
    how: str
    offset: tuple[int, int] = (0, 0)

    @property
    def shape(self) -> tuple[int, int]:
        return self.source.shape

    def polygons(self) -> np.ndarray:
        """Polygons of the study-area cells, row-major, as shapely geometries."""
        rows, cols = np.nonzero(self.inside)
        corners = [(rows, cols), (rows, cols + 1), (rows + 1, cols + 1), (rows + 1, cols), (rows, cols)]
        ring = np.stack([np.stack([self.nodes_x[r, c], self.nodes_y[r, c]], axis=-1) for r, c in corners], axis=1)
        return shapely.polygons(ring)


def read_window(raster: str | Path, bbox: Bbox) -> tuple[np.ndarray, rasterio.Affine, pyproj.CRS, int]:
    """The raster's cells covering a lon/lat bbox: values, their transform, CRS and nodata value.

    The transform locates the window in the raster: ``~src.transform * (transform.c, transform.f)``
    is its first column and row (see :func:`window_offset`).

    Values are read as int32; the file's nodata value (or -1 when it has none) marks no data.
    """
    path = Path(raster)
    if not path.is_file():
        raise InputError(f"{path}: land-cover raster not found")
    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise InputError(f"{path}: cannot read the raster ({exc}); give a GeoTIFF of class values") from None
    with src:
        if src.crs is None:
            raise InputError(f"{path}: the raster has no CRS; set one (e.g. gdal_edit.py -a_srs EPSG:4326)")
        crs = pyproj.CRS.from_wkt(src.crs.to_wkt())
        if not np.issubdtype(np.dtype(src.dtypes[0]), np.integer):
            raise InputError(f"{path}: band 1 is {src.dtypes[0]}; a land-cover raster holds integer class values")
        left, bottom, right, top = (bbox if crs.is_geographic else
                                    transform_bounds("EPSG:4326", src.crs, *bbox, densify_pts=21))
        inverse = ~src.transform
        cols, rows = _apply(inverse, np.array([left, right, left, right]), np.array([top, top, bottom, bottom]))
        col0, row0 = max(0, math.floor(cols.min())), max(0, math.floor(rows.min()))
        col1, row1 = min(src.width, math.ceil(cols.max())), min(src.height, math.ceil(rows.max()))
        if col1 <= col0 or row1 <= row0:
            raise InputError(f"{path}: the bbox {bbox} does not overlap the raster (bounds {tuple(src.bounds)} "
                             f"in {crs.name})")
        values = src.read(1, window=Window(col0, row0, col1 - col0, row1 - row0)).astype(np.int32)
        nodata = -1 if src.nodata is None else int(src.nodata)
        a, b, c, d, e, f = src.transform[:6]
        window_transform = rasterio.Affine(a, b, c + a * col0 + b * row0, d, e, f + d * col0 + e * row0)
        return values, window_transform, crs, nodata


@lru_cache(maxsize=16)
def transformer(source_wkt: str, target_wkt: str) -> pyproj.Transformer:
    """A cached longitude-first transformer (building one searches the PROJ database: ~0.5 s)."""
    return pyproj.Transformer.from_crs(pyproj.CRS.from_wkt(source_wkt), pyproj.CRS.from_wkt(target_wkt),
                                       always_xy=True)


def _apply(transform: rasterio.Affine, cols: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Map coordinates of (fractional) column and row indices under an affine transform."""
    a, b, c, d, e, f = transform[:6]
    return a * cols + b * rows + c, d * cols + e * rows + f


def window_offset(raster: str | Path, transform: rasterio.Affine) -> tuple[int, int]:
    """Row and column of a window's first cell in the raster it was read from."""
    with rasterio.open(raster) as src:
        col, row = _apply(~src.transform, np.array(transform.c), np.array(transform.f))
    return round(row), round(col)


def native_cells(values: np.ndarray, transform: rasterio.Affine, src_crs: pyproj.CRS, nodata: int,
                 crs: pyproj.CRS, offset: tuple[int, int] = (0, 0)) -> Cells:
    """Source cells as they are, their corners projected to ``crs`` (exact areas)."""
    h, w = values.shape
    to_crs = transformer(src_crs.to_wkt(), crs.to_wkt())
    cols, rows = np.meshgrid(np.arange(w + 1), np.arange(h + 1))
    nodes_x, nodes_y = to_crs.transform(*_apply(transform, cols, rows))
    centre = np.stack(to_crs.transform(*_apply(transform, cols[:-1, :-1] + 0.5, rows[:-1, :-1] + 0.5)), axis=-1)
    if not (np.isfinite(nodes_x).all() and np.isfinite(nodes_y).all()):
        raise InputError("the raster window reaches places the equal-area projection cannot map; narrow the bbox")
    # shoelace over the four corners of every cell, vectorised over the grid
    xs = [nodes_x[:-1, :-1], nodes_x[:-1, 1:], nodes_x[1:, 1:], nodes_x[1:, :-1]]
    ys = [nodes_y[:-1, :-1], nodes_y[:-1, 1:], nodes_y[1:, 1:], nodes_y[1:, :-1]]
    twice = sum(xs[i] * ys[(i + 1) % 4] - xs[(i + 1) % 4] * ys[i] for i in range(4))
    area_ha = np.abs(twice) / 2 / 1e4
    inside = np.ones((h, w), bool)
    return Cells(values, nodata, nodes_x, nodes_y, centre, area_ha, inside, crs, "native", offset)


def resampled_cells(values: np.ndarray, transform: rasterio.Affine, src_crs: pyproj.CRS, nodata: int,
                    crs: pyproj.CRS, resolution: float, bbox: Bbox) -> Cells:
    """The raster warped onto a regular grid of ``resolution`` metres in ``crs``."""
    if not resolution > 0:
        raise InputError(f"resolution: must be a positive number of metres, got {resolution!r}")
    left, bottom, right, top = transform_bounds("EPSG:4326", crs, *bbox, densify_pts=101)
    left, bottom = math.floor(left / resolution) * resolution, math.floor(bottom / resolution) * resolution
    right, top = math.ceil(right / resolution) * resolution, math.ceil(top / resolution) * resolution
    w, h = round((right - left) / resolution), round((top - bottom) / resolution)
    if w * h > 50_000_000:
        raise InputError(f"resolution: {resolution:g} m gives a {h} × {w} grid; choose a coarser resolution "
                         "or a smaller bbox")
    dst_transform = rasterio.Affine(resolution, 0.0, left, 0.0, -resolution, top)
    native = native_cells(values, transform, src_crs, nodata, crs)
    coarser = resolution**2 / 1e4 > float(np.median(native.area_ha))
    out = np.full((h, w), nodata, np.int32)
    reproject(values, out, src_transform=transform, src_crs=src_crs.to_wkt(), src_nodata=nodata,
              dst_transform=dst_transform, dst_crs=crs.to_wkt(), dst_nodata=nodata,
              resampling=Resampling.mode if coarser else Resampling.nearest)
    cols, rows = np.meshgrid(np.arange(w + 1), np.arange(h + 1))
    nodes_x, nodes_y = _apply(dst_transform, cols, rows)
    centre = np.stack(_apply(dst_transform, cols[:-1, :-1] + 0.5, rows[:-1, :-1] + 0.5), axis=-1)
    area_ha = np.full((h, w), resolution**2 / 1e4)
    how = f"resampled to {resolution:g} m ({'majority' if coarser else 'nearest neighbour'})"
    return Cells(out, nodata, np.asarray(nodes_x, float), np.asarray(nodes_y, float), centre, area_ha,
                 np.ones((h, w), bool), crs, how)


def clip(cells: Cells, boundary: shapely.Geometry | None, has_data: np.ndarray) -> Cells:
    """Keep the cells with data whose centre lies inside ``boundary`` (in the cells' CRS)."""
    inside = has_data.copy()
    if boundary is not None:
        shapely.prepare(boundary)
        inside &= shapely.contains_xy(boundary, cells.centre[..., 0], cells.centre[..., 1])
    if not inside.any():
        raise InputError("the study area holds no cell with data: check the bbox, the boundary and the "
                         "class table (values not in the table are no data)")
    return Cells(cells.source, cells.nodata, cells.nodes_x, cells.nodes_y, cells.centre, cells.area_ha,
                 inside, cells.crs, cells.how, cells.offset)


def assign_districts(centres: np.ndarray, districts: list[shapely.Geometry]) -> np.ndarray:
    """Index of the district polygon holding each centre (N × 2); the nearest one if none does."""
    out = np.full(len(centres), -1, np.int64)
    for d, polygon in enumerate(districts):
        shapely.prepare(polygon)
        free = out < 0
        out[free] = np.where(shapely.contains_xy(polygon, centres[free, 0], centres[free, 1]), d, -1)
    lost = np.flatnonzero(out < 0)
    if len(lost):
        tree = shapely.STRtree(np.asarray(districts, dtype=object))
        points = shapely.points(centres[lost])
        which, nearest = tree.query_nearest(points, return_distance=False)
        out[lost[which]] = nearest
    return out
