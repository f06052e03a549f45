"""Survey data in: vector files as people save them, and ``landalloc instance import``.

The survey layer is drawn here (real DLBM codes, Chinese column names), saved as a GBK Shapefile
without a .cpg and as a FileGDB, with a DEM whose slope is known; every test reads what it wrote.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from landalloc.models.errors import InputError
from landalloc.models.vector import read_vector

CRS = "EPSG:4545"
"""CGCS2000 / 3-degree Gauss-Kruger CM 108E, the projection of a county's survey in Shaanxi."""
NAMES = ["水田", "乔木林地"]


def _two_parcels() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"DLBM": ["0101", "0301"], "DLMC": NAMES},
                            geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)], crs=CRS)


def test_shapefile_text_from_cpg_else_utf8_else_gbk(tmp_path: Path):
    for encoding in ("GBK", "UTF-8"):
        path = tmp_path / f"{encoding}.shp"
        _two_parcels().to_file(path, encoding=encoding, engine="pyogrio")
        assert read_vector(path)["DLMC"].tolist() == NAMES, f"{encoding} with its .cpg"
        path.with_suffix(".cpg").unlink()
        assert read_vector(path)["DLMC"].tolist() == NAMES, f"{encoding} without a .cpg"


def test_layers_named_when_ambiguous(tmp_path: Path):
    path = tmp_path / "survey.gpkg"
    _two_parcels().to_file(path, layer="DLTB", engine="pyogrio")
    _two_parcels().iloc[:1].to_file(path, layer="YJJBNTTB", engine="pyogrio")
    with pytest.raises(InputError, match=r"survey\.gpkg: holds 2 layers \(DLTB, YJJBNTTB\); say which one"):
        read_vector(path)
    assert len(read_vector(path, layer="YJJBNTTB")) == 1
    with pytest.raises(InputError, match="no layer 'dltb' \\(did you mean 'DLTB'\\?\\); its layers: DLTB, YJJBNTTB"):
        read_vector(path, layer="dltb")
    with pytest.raises(InputError, match="missing.gpkg: file not found"):
        read_vector(tmp_path / "missing.gpkg")


def test_filegdb_and_geojson(tmp_path: Path):
    gdb = tmp_path / "survey.gdb"
    _two_parcels().to_file(gdb, layer="DLTB", driver="OpenFileGDB", engine="pyogrio")
    read = read_vector(gdb)
    assert read["DLMC"].tolist() == NAMES and read.crs.to_epsg() == 4545
    geojson = tmp_path / "survey.geojson"
    _two_parcels().to_crs(4490).to_file(geojson, engine="pyogrio")
    assert read_vector(geojson)["DLBM"].tolist() == ["0101", "0301"]
