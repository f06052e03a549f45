"""Raster input: a land-use GeoTIFF plus aligned layers, each valid cell becoming a parcel.

Folder layout (docs/data.md): ``landuse.tif`` holds 1..K, the position of each cell's current
use in the scenario's classification (0 or nodata: outside the study area); aligned
``suit_<code>.tif`` give suitability; optional ``district.tif`` (integer ids, read as
``D<id>``), ``pop.tif``, ``farmland.tif``, ``eco_redline.tif``, ``urban_boundary.tif`` and
``crop_quality.tif``. Aligned means the same CRS, transform and shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely

from models.errors import InputError

OPTIONAL = ("district", "pop", "farmland", "eco_redline", "urban_boundary", "crop_quality")


def read_raster_parcels(path: Path, codes: Sequence[str]) -> gpd.GeoDataFrame:
    """Cells of ``landuse.tif`` with data become square parcels carrying every aligned layer."""
    folder = path.parent
    with rasterio.open(path) as src:
        grid = (src.crs, src.transform, src.shape)
        classes = src.read(1, masked=True)
    valid = ~np.ma.getmaskarray(classes) & (classes.filled(0) > 0)
    values = classes.filled(0)[valid].astype(np.int64)
    if (values > len(codes)).any():
        raise InputError(f"{path}: cell values up to {values.max()} but the scenario has {len(codes)} "
                         f"classes ({', '.join(codes)}); value v means the v-th class, 0 is no data")
    rows, cols = np.nonzero(valid)
    columns: dict[str, np.ndarray] = {
        "parcel_id": rows * grid[2][1] + cols + 1,
        "current_use": np.array(codes, dtype=object)[values - 1],
    }
    for code in codes:
        columns[f"suit_{code}"] = _aligned(folder / f"suit_{code}.tif", grid, path)[valid]
    for name in OPTIONAL:
        layer = folder / f"{name}.tif"
        if layer.exists():
            columns[name] = _aligned(layer, grid, path)[valid]
    columns.setdefault("district", np.ones(len(rows)))
    columns["district"] = np.char.add("D", columns["district"].astype(np.int64).astype(str))
    columns.setdefault("pop", np.zeros(len(rows)))
    for flag in ("farmland", "eco_redline", "urban_boundary"):
        columns[flag] = columns.get(flag, np.zeros(len(rows))) > 0
    transform = grid[1]
    x0, y0 = transform * (cols, rows)
    x1, y1 = transform * (cols + 1, rows + 1)
    boxes = shapely.box(np.minimum(x0, x1), np.minimum(y0, y1), np.maximum(x0, x1), np.maximum(y0, y1))
    return gpd.GeoDataFrame(columns, geometry=boxes, crs=grid[0])


def _aligned(layer: Path, grid: tuple, reference: Path) -> np.ndarray:
    if not layer.exists():
        raise InputError(f"{layer}: missing raster; a land-use raster needs suit_<code>.tif for every class")
    with rasterio.open(layer) as src:
        if (src.crs, src.transform, src.shape) != grid:
            raise InputError(f"{layer}: not aligned with {reference.name} (CRS, transform or shape differ: "
                             f"{src.shape} vs {grid[2]}); resample it onto the land-use grid, e.g. "
                             "with rasterio.warp.reproject or gdalwarp -tap")
        return src.read(1).astype(np.float64)
