"""Raster input: a land-use GeoTIFF plus aligned layers, each valid cell becoming a parcel.

Folder layout (docs/data.md): ``landuse.tif`` holds 1..K, the position of each cell's current
use in the scenario's classification (0 or nodata: outside the study area); aligned
``suit_<code>.tif`` give suitability; optional ``district.tif`` (integer ids, read as
``D<id>``), ``pop.tif``, ``farmland.tif``, ``eco_redline.tif``, ``urban_boundary.tif`` and
``crop_quality.tif``. Aligned means the same CRS, transform and shape. Inside the study area
a layer's nodata is refused, except in the zoning layers, where it means "outside the zone".
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio.errors import RasterioError

from landalloc.models.errors import InputError, first_ids

OPTIONAL = ("district", "pop", "farmland", "eco_redline", "urban_boundary", "crop_quality")
ZONES = ("farmland", "eco_redline", "urban_boundary")
WARP_HINT = ("resample it onto the land-use grid, e.g. with rasterio.warp.reproject or "
             "gdalwarp -t_srs <CRS of landuse.tif> -te <its bounds> -ts <its width> <its height>")


def read_raster_parcels(path: Path, codes: Sequence[str]) -> gpd.GeoDataFrame:
    """Cells of ``landuse.tif`` with data become square parcels carrying every aligned layer."""
    folder = path.parent
    classes, grid = _read(path)
    valid = ~np.ma.getmaskarray(classes) & (classes.filled(0) != 0)
    if not valid.any():
        raise InputError(f"{path}: no cell holds a land-use class (every cell is 0 or nodata); "
                         "check the raster's nodata value and that it covers the study area")
    values = classes.filled(0)[valid]
    rows, cols = np.nonzero(valid)
    cell_ids = rows * grid[2][1] + cols + 1
    bad = (values != np.round(values)) | (values < 1) | (values > len(codes))
    if bad.any():
        raise InputError(f"{path}: cells {first_ids(cell_ids[bad].tolist())} hold {values[bad][0]:g}, but "
                         f"the scenario has {len(codes)} classes ({', '.join(codes)}); value v means the "
                         "v-th class (a whole number 1..K), 0 or nodata is outside the study area: reclassify the raster to "
                         "1..K, or add the missing classes to the scenario's [[land_use]]")
    columns: dict[str, np.ndarray] = {
        "parcel_id": cell_ids,
        "current_use": np.array(codes, dtype=object)[values.astype(np.int64) - 1],
    }
    for code in codes:
        columns[f"suit_{code}"] = _layer(folder / f"suit_{code}.tif", grid, path, valid, cell_ids)
    for name in OPTIONAL:
        layer = folder / f"{name}.tif"
        if layer.exists():
            columns[name] = _layer(layer, grid, path, valid, cell_ids, nodata_means_zero=name in ZONES)
    columns.setdefault("district", np.ones(len(rows)))
    district = columns["district"]
    fraction = district != np.round(district)
    if fraction.any():
        raise InputError(f"{folder / 'district.tif'}: cells {first_ids(cell_ids[fraction].tolist())} hold "
                         f"{district[fraction][0]:g}; district ids are whole numbers")
    columns["district"] = np.char.add("D", district.astype(np.int64).astype(str)).astype(object)
    columns.setdefault("pop", np.zeros(len(rows)))
    for flag in ZONES:
        columns[flag] = columns.get(flag, np.zeros(len(rows))) > 0
    transform = grid[1]
    x0, y0 = transform @ (cols, rows)
    x1, y1 = transform @ (cols + 1, rows + 1)
    boxes = shapely.box(np.minimum(x0, x1), np.minimum(y0, y1), np.maximum(x0, x1), np.maximum(y0, y1))
    return gpd.GeoDataFrame(columns, geometry=boxes, crs=grid[0])


def _read(path: Path) -> tuple[np.ma.MaskedArray, tuple]:
    """Band 1 (masked where nodata) and the grid: (CRS, transform, shape)."""
    try:
        with rasterio.open(path) as src:
            return src.read(1, masked=True).astype(np.float64), (src.crs, src.transform, src.shape)
    except RasterioError as exc:
        raise InputError(f"{path}: cannot read the raster ({exc}); check that it is a valid GeoTIFF") from None


def _layer(layer: Path, grid: tuple, reference: Path, valid: np.ndarray, cell_ids: np.ndarray,
           nodata_means_zero: bool = False) -> np.ndarray:
    """A layer's values at the study area's cells, after checking that it is aligned."""
    if not layer.exists():
        raise InputError(f"{layer}: missing raster; a land-use raster needs suit_<code>.tif for every class")
    data, own = _read(layer)
    crs, transform, shape = grid
    if own[0] != crs:
        raise InputError(f"{layer}: CRS {_crs_name(own[0])} differs from {reference.name}'s {_crs_name(crs)}; "
                         f"every layer must share the land-use grid: {WARP_HINT}")
    if own[2] != shape:
        raise InputError(f"{layer}: {own[2][0]}×{own[2][1]} cells but {reference.name} has "
                         f"{shape[0]}×{shape[1]}; {WARP_HINT}")
    if not np.allclose(tuple(own[1])[:6], tuple(transform)[:6], rtol=0, atol=1e-6 * abs(transform.a)):
        raise InputError(f"{layer}: not aligned with {reference.name} (origin or cell size differ: "
                         f"{tuple(own[1])[:6]} vs {tuple(transform)[:6]}); {WARP_HINT}")
    values = data[valid]
    missing = np.ma.getmaskarray(values)
    if missing.any() and not nodata_means_zero:
        raise InputError(f"{layer}: nodata at {int(missing.sum())} cells of the study area (cells "
                         f"{first_ids(cell_ids[missing].tolist())}); give a value wherever {reference.name} "
                         "has a land use (0 where there is nothing)")
    return values.filled(0.0)


def _crs_name(crs: object) -> str:
    return "none" if crs is None else crs.to_string()
