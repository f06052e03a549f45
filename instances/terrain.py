"""Slope of each parcel from a DEM: the mean slope of the DEM cells whose centres lie in it.

Slope is ``atan(|grad z|)`` in degrees, from central differences of the elevation (metres) over
the cell size in metres; a DEM in degrees (e.g. SRTM in EPSG:4326/4490) gets its cell width in
metres from the latitude of each row. A parcel smaller than a cell takes the slope of the cell
under its centroid.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import rasterio.features
import rasterio.windows
import shapely
from rasterio.errors import RasterioError

from landalloc.models.errors import InputError, first_ids
from landalloc.models.landuse import CROPLAND

STEEP_DEGREES = 25.0
"""Slope above which no new cropland may be opened and existing cropland is to be returned to forest
(退耕还林; 《中华人民共和国水土保持法》 art. 20, 《退耕还林条例》)."""
METRES_PER_DEGREE = 111_320.0
"""Length of a degree of latitude (and of longitude at the equator), in metres."""


def parcel_slope(parcels: gpd.GeoDataFrame, dem: str | Path) -> np.ndarray:
    """Mean slope in degrees of every parcel (N floats).

    Raises
    ------
    InputError : the DEM cannot be read, has no CRS, does not cover every parcel (the message
        gives the uncovered extent and the parcels that reach into it) or has no data under
        some parcels.
    """
    dem = Path(dem)
    ids = parcels["parcel_id"].to_numpy()
    try:
        with rasterio.open(dem) as src:
            if src.crs is None:
                raise InputError(f"{dem}: the DEM has no CRS; set it (gdal_edit.py -a_srs EPSG:<code> {dem.name})")
            geoms = parcels.to_crs(src.crs).geometry.values if parcels.crs != src.crs else parcels.geometry.values
            _check_cover(dem, src, geoms, ids)
            window = _window(src, shapely.total_bounds(geoms))
            z = src.read(1, window=window, masked=True).astype(np.float64).filled(np.nan)
            transform, geographic = src.window_transform(window), src.crs.is_geographic
            metres = 1.0 if geographic else src.crs.linear_units_factor[1]
    except RasterioError as exc:
        raise InputError(f"{dem}: cannot read the DEM ({exc}); give a GeoTIFF of elevations in metres") from None
    slope = _slope(z, transform, geographic, metres)
    labels = rasterio.features.rasterize(zip(geoms, range(1, len(geoms) + 1)), out_shape=z.shape,
                                         transform=transform, fill=0, dtype="int32")
    counted = (labels > 0) & np.isfinite(slope)
    total = np.bincount(labels[counted], slope[counted], len(geoms) + 1)[1:]
    cells = np.bincount(labels[counted], minlength=len(geoms) + 1)[1:]
    mean = np.divide(total, cells, out=np.full(len(geoms), np.nan), where=cells > 0)
    small = cells == 0
    if small.any():  # parcels smaller than a cell: the cell under the centroid
        x, y = shapely.get_coordinates(shapely.point_on_surface(geoms[small])).T
        rows, cols = rasterio.transform.rowcol(transform, x, y)
        rows, cols = np.clip(rows, 0, z.shape[0] - 1), np.clip(cols, 0, z.shape[1] - 1)
        mean[small] = slope[rows, cols]
    missing = ~np.isfinite(mean)
    if missing.any():
        raise InputError(f"{dem}: no elevation (nodata) under parcels {first_ids(ids[missing].tolist())}; "
                         "fill the DEM's gaps (gdal_fillnodata.py) or give a DEM with data over the whole county")
    return mean


def _check_cover(dem: Path, src: rasterio.io.DatasetReader, geoms: np.ndarray, ids: np.ndarray) -> None:
    extent = shapely.box(*src.bounds)
    outside = ~shapely.covered_by(geoms, extent)
    if not outside.any():
        return
    uncovered = shapely.difference(shapely.union_all(geoms[outside]), extent)
    x0, y0, x1, y1 = uncovered.bounds
    raise InputError(f"{dem}: the DEM does not cover the parcels: its extent is {_extent(src.bounds)} but "
                     f"{int(outside.sum())} parcels ({first_ids(ids[outside].tolist())}) reach outside it, over "
                     f"{_extent((x0, y0, x1, y1))} (in {src.crs.to_string()}); give a DEM that covers the whole "
                     "county (merge its tiles, e.g. gdalbuildvrt dem.vrt tiles/*.tif)")


def _extent(bounds: tuple[float, float, float, float]) -> str:
    x0, y0, x1, y1 = bounds
    return f"x {x0:,.6g} to {x1:,.6g}, y {y0:,.6g} to {y1:,.6g}"


def _window(src: rasterio.io.DatasetReader, bounds: np.ndarray) -> rasterio.windows.Window:
    """The cells under ``bounds``, one cell more on every side (central differences need them)."""
    cols, rows = ~src.transform * (np.array(bounds[[0, 2]]), np.array(bounds[[1, 3]]))
    col0, row0 = int(np.floor(cols.min())) - 1, int(np.floor(rows.min())) - 1
    col1, row1 = int(np.ceil(cols.max())) + 1, int(np.ceil(rows.max())) + 1
    col0, row0 = max(col0, 0), max(row0, 0)
    return rasterio.windows.Window(col0, row0, min(col1, src.width) - col0, min(row1, src.height) - row0)


def _slope(z: np.ndarray, transform: rasterio.Affine, geographic: bool, metres: float) -> np.ndarray:
    """Slope in degrees of every cell; cells next to nodata are NaN."""
    if min(z.shape) < 2:
        return np.zeros_like(z)
    dy = abs(transform.e) * (METRES_PER_DEGREE if geographic else metres)
    dx = np.full(z.shape[0], abs(transform.a) * (METRES_PER_DEGREE if geographic else metres))
    if geographic:  # a degree of longitude shrinks with the cosine of the latitude
        latitude = transform.f + transform.e * (np.arange(z.shape[0]) + 0.5)
        dx *= np.cos(np.radians(latitude))
    gy, gx = np.gradient(z)
    return np.degrees(np.arctan(np.hypot(gx / dx[:, None], gy / dy)))


def steep_cropland(parcels: gpd.GeoDataFrame, limit: float = STEEP_DEGREES) -> np.ndarray:
    """Cropland above ``limit`` degrees outside basic farmland: what 退耕还林 returns to forest."""
    if "slope" not in parcels:
        return np.zeros(len(parcels), bool)
    return (parcels["current_use"].to_numpy() == CROPLAND) & (parcels["slope"].to_numpy(float) > limit) \
        & ~parcels["farmland"].to_numpy(bool)
