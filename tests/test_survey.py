"""Survey data in: vector files as people save them, and ``landalloc instance import``.

The survey layer is drawn here (real DLBM codes, Chinese column names), saved as a GBK Shapefile
without a .cpg and as a FileGDB, with a DEM whose slope is known; every test reads what it wrote.
"""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely

from landalloc.instances.codes import CLASSIFICATIONS, SHIPPED_TABLE, SURVEY_LAND_USES, code_table, survey_codes
from landalloc.instances.survey import import_survey
from landalloc.models import Instance, evaluate
from landalloc.models.errors import InputError
from landalloc.models.vector import read_vector
from tests.reference import reference_evaluate
from tests.test_cli import run

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


# --- landalloc instance import ---------------------------------------------------------------

X0, Y0, SIDE = 500_000.0, 3_800_000.0, 100.0
GRID = ["0101 0101 0103 0103 0404 0301 0301 0305",
        "0101 0101 0103 0201 0404 0404 0301 0103",
        "1101 1101 0101 0702 05H1 0404 0404 0103",
        "0701 0701 08H2 0702 0702 1206 0305 0404",
        "0701 05H1 1003 0101 0103 0404 0301 0301",
        "0101 0101 0101 0103 1202 0404 0404 0301"]
"""DLBM of a 6 × 8 grid of 1-ha parcels (north row first); the two 05H1 are a town's shop (column 1,
city 201) and a village's (column 4, village 203)."""
DLMC = {"0101": "水田", "0103": "旱地", "0404": "其他草地", "0301": "乔木林地", "0305": "灌木林地", "0201": "果园",
        "1101": "河流水面", "0702": "农村宅基地", "05H1": "商业服务业设施用地", "0701": "城镇住宅用地",
        "08H2": "科教文卫用地", "1206": "裸土地", "1003": "公路用地", "1202": "设施农用地"}
STEEP_FROM_COLUMN = 5
"""The DEM rises 2 % west of x0 + 5 cells and at tan 35° east of it: columns 6-7 are 35° steep."""
FARMLAND_IDS = [1000, 1001, 1008, 1009]


def _cell(row: int, col: int) -> shapely.Polygon:
    return shapely.box(X0 + col * SIDE, Y0 - (row + 1) * SIDE, X0 + (col + 1) * SIDE, Y0 - row * SIDE)


def survey_layer() -> gpd.GeoDataFrame:
    rows = []
    for r, line in enumerate(GRID):
        for c, code in enumerate(line.split()):
            village = code in ("0702", "05H1", "1202") and c >= 3
            rows.append({"BSM": 1000 + 8 * r + c, "DLBM": code, "DLMC": DLMC[code],
                         "CZCSXM": "203" if village else ("201" if code in ("0701", "05H1", "08H2", "1003") else ""),
                         "XZQDM": "610124100" if c < 4 else "610124200", "XZQMC": "城关镇" if c < 4 else "山阳乡",
                         "TBMJ": SIDE * SIDE, "geometry": _cell(r, c)})
    return gpd.GeoDataFrame(rows, crs=CRS)


def _zone(*boxes: tuple[int, int, int, int]) -> gpd.GeoDataFrame:
    """Polygons over grid cells (row0, col0, row1, col1), ends exclusive."""
    return gpd.GeoDataFrame(geometry=[shapely.box(X0 + c0 * SIDE, Y0 - r1 * SIDE, X0 + c1 * SIDE, Y0 - r0 * SIDE)
                                      for r0, c0, r1, c1 in boxes], crs=CRS)


def write_dem(path: Path, columns: int = 8, cell: float = 20.0) -> Path:
    pad = 2
    width, height = int(columns * SIDE / cell) + 2 * pad, int(len(GRID) * SIDE / cell) + 2 * pad
    x = X0 - pad * cell + (np.arange(width) + 0.5) * cell
    edge = X0 + STEEP_FROM_COLUMN * SIDE
    z = np.where(x < edge, 0.02 * (x - X0), 0.02 * (edge - X0) + np.tan(np.radians(35)) * (x - edge))
    profile = {"driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": "float32", "crs": CRS,
               "nodata": -9999.0, "transform": rasterio.Affine(cell, 0, X0 - pad * cell, 0, -cell, Y0 + pad * cell)}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.repeat(z[None, :], height, axis=0).astype("float32"), 1)
    return path


@pytest.fixture(scope="module")
def survey(tmp_path_factory) -> Path:
    """The county's files: DLTB as a GBK Shapefile without .cpg, three control lines (basic farmland
    in geographic CGCS2000, EPSG:4490, as some offices deliver it) and a DEM."""
    folder = tmp_path_factory.mktemp("survey")
    survey_layer().to_file(folder / "DLTB.shp", encoding="GBK", engine="pyogrio")
    (folder / "DLTB.cpg").unlink()
    _zone((0, 0, 2, 2)).to_crs(4490).to_file(folder / "YJJBNT.gpkg", engine="pyogrio")
    _zone((2, 0, 3, 2), (0, 6, 1, 8)).to_file(folder / "STHX.gpkg", engine="pyogrio")
    _zone((3, 0, 6, 3)).to_file(folder / "CZKFBJ.gpkg", engine="pyogrio")
    write_dem(folder / "dem.tif")
    return folder


@pytest.fixture(scope="module")
def imported(survey: Path) -> tuple[Path, subprocess.CompletedProcess]:
    out = survey.parent / "county"
    done = run("instance", "import", str(survey / "DLTB.shp"), "--out", str(out),
               "--farmland", str(survey / "YJJBNT.gpkg"), "--redline", str(survey / "STHX.gpkg"),
               "--boundary", str(survey / "CZKFBJ.gpkg"), "--dem", str(survey / "dem.tif"))
    return out, done


def test_every_code_of_the_table_maps_to_a_class():
    classes = {u.code for u in SURVEY_LAND_USES}
    table = pd.read_csv(SHIPPED_TABLE, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert set(table["classification"]) == set(CLASSIFICATIONS)
    for classification in CLASSIFICATIONS:
        mine = table[table["classification"] == classification]
        assert mine["code"].is_unique and (mine["name_zh"] != "").all(), classification
        assert set(mine["use"]) == classes, f"{classification}: every row maps to a class, every class is reached"
        assert code_table(classification).uses == dict(zip(mine["code"], mine["use"]))
    survey_table = code_table("gbt21010").uses
    assert (survey_table["0702"], survey_table["08H2"], survey_table["1203"], survey_table["1207"]) == \
        ("rural", "service", "crop", "barren")
    assert code_table("2023").uses["0601"] == "rural" and survey_table["0601"] == "urban"  # 乡村道路 vs 工业


def test_import_maps_overlays_and_drafts(imported):
    out, done = imported
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stdout.split())  # the console wraps long notes
    assert "YJJBNT.gpkg: CRS EPSG:4490 differs from the parcels' EPSG:4545; reprojected" in said
    parcels = gpd.read_file(out / "parcels.gpkg", layer="parcels").set_index("parcel_id")
    layer = survey_layer().set_index("BSM")
    assert parcels["DLMC"].tolist() == layer["DLMC"].tolist()  # GBK read back without a .cpg
    expected = layer["DLBM"].map(code_table("gbt21010").uses)
    expected[(layer["CZCSXM"] == "203") & (expected == "urban")] = "rural"  # the village shop
    assert parcels["current_use"].tolist() == expected.tolist()
    assert parcels.loc[1009 + 16, "current_use"] == "urban" and parcels.loc[1004 + 16, "current_use"] == "rural"
    assert sorted(parcels.index[parcels["farmland"]]) == FARMLAND_IDS
    assert sorted(parcels.index[parcels["eco_redline"]]) == [1006, 1007, 1016, 1017]
    assert parcels["urban_boundary"].sum() == 9
    column = (parcels.index.to_numpy() - 1000) % 8
    # the cells either side of the break mix both gradients (central differences): columns 4 and 5 lie between
    assert np.allclose(parcels["slope"][column < STEEP_FROM_COLUMN - 1], np.degrees(np.arctan(0.02)), atol=0.01)
    assert np.allclose(parcels["slope"][column > STEEP_FROM_COLUMN], 35.0, atol=0.01)
    assert (parcels["suit_crop"][column > STEEP_FROM_COLUMN] <= 0.2).all()  # only today's-use share is left
    text = (out / "scenario.toml").read_text(encoding="utf-8")
    scenario = tomllib.loads(text)
    steep_crop = ((column > STEEP_FROM_COLUMN) & (parcels["current_use"] == "crop")).sum()
    assert scenario["rules"]["cropland_max_slope"] == 25.0
    assert scenario["quotas"]["crop"] == {"min": 16.0 - steep_crop}
    assert scenario["quotas"]["forest"] == {"min": 9.0 + steep_crop}
    assert scenario["districts"]["610124200"] == {"kind": "rural", "name_zh": "山阳乡"}
    for fragment in ("# REVIEW: no new cropland on parcels steeper than 25°", "退耕还林", "0201 果园 1.0 ha",
                     "reprojected", "residents ('pop') are estimated"):
        assert fragment in text, fragment


def _solutions(result: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(result / "layouts.gpkg", layer="layouts")


@pytest.mark.parametrize("engine", [["--method", "milp", "--points", "3", "--time-limit", "20"],
                                    ["--method", "nsga2", "--pop", "16", "--generations", "8", "--seed", "2"]],
                         ids=["milp", "nsga2"])
def test_imported_county_solves_and_verifies(imported, engine):
    out, done = imported
    assert done.returncode == 0, done.stderr
    result = out.parent / f"result-{engine[1]}"
    solved = run("solve", str(out), *engine, "--objectives", "efficiency,ecology", "--no-report", "--out", str(result))
    assert solved.returncode == 0, solved.stderr
    checked = run("check", str(out), str(result))
    assert checked.returncode == 0 and "verified" in checked.stdout, checked.stdout + checked.stderr
    parcels = gpd.read_file(out / "parcels.gpkg", layer="parcels")
    layouts = _solutions(result)
    ids = [c for c in layouts.columns if c.startswith(engine[1][:4])]
    steep_new = (parcels["slope"] > 25) & (parcels["current_use"] != "crop")
    assert ids and steep_new.any()
    for solution in ids:
        assert not (layouts[solution][steep_new.to_numpy()] == "crop").any(), f"{solution}: new cropland above 25°"
        assert parcels["area_ha"][layouts[solution].to_numpy() == "forest"].sum() >= 11.0 - 1e-9


def test_steep_cropland_rule_in_evaluate_matches_the_reference(imported):
    out, _ = imported
    instance = Instance.load(out)
    problem = instance.compile()
    steep_new = (instance.parcels["slope"] > 25).to_numpy() & (instance.parcels["current_use"] != "crop").to_numpy()
    crop = instance.scenario.codes.index("crop")
    assert (problem.forbidden["steep_cropland"][:, crop] == steep_new).all()
    layout = instance.parcels["current_use"].to_numpy(object).copy()
    layout[np.flatnonzero(steep_new)[:2]] = "crop"
    result = evaluate(problem, instance.layout_from_codes(layout))
    _, slack = reference_evaluate(instance.parcels, instance.scenario, list(layout))
    assert slack["steep_cropland"] == pytest.approx(-2.0)
    assert set(slack) <= set(result.constraints)
    for name, value in slack.items():
        assert result.slack[0, result.constraints.index(name)] == pytest.approx(value, abs=1e-9), name


def test_filegdb_with_layers_and_numeric_codes(tmp_path: Path):
    gdb = tmp_path / "county.gdb"
    layer = survey_layer()
    layer = layer[~layer["DLBM"].str.contains("H")].assign(DLBM=lambda t: t["DLBM"].astype(int))  # 0101 -> 101
    layer.to_file(gdb, layer="DLTB", driver="OpenFileGDB", engine="pyogrio")
    _zone((0, 0, 2, 2)).to_file(gdb, layer="YJJBNTTB", driver="OpenFileGDB", engine="pyogrio")
    town = shapely.Point(X0 + 50, Y0 - 450)
    gpd.GeoDataFrame(geometry=[town], crs=CRS).to_file(gdb, layer="TOWNS", driver="OpenFileGDB", engine="pyogrio")
    road = shapely.LineString([(X0, Y0 - 600), (X0 + 800, Y0 - 600)])
    gpd.GeoDataFrame(geometry=[road], crs=CRS).to_file(tmp_path / "roads.geojson", engine="pyogrio")
    done = import_survey(gdb, tmp_path / "county", farmland="YJJBNTTB", towns="TOWNS",
                         roads=str(tmp_path / "roads.geojson"))
    assert done.parcels["DLBM"].tolist() == layer["DLBM"].tolist()
    assert done.parcels["current_use"].tolist() == survey_codes(layer["DLBM"]).map(code_table().uses).tolist()
    assert sorted(done.parcels["parcel_id"][done.parcels["farmland"]]) == FARMLAND_IDS
    assert any("leading zero" in note for note in done.notes) and any("no DEM" in note for note in done.notes)
    centroids = done.parcels.geometry.centroid
    near = np.exp(-centroids.distance(town) / 3000) * np.exp(-centroids.distance(road) / 1000)  # no DEM: flat
    today = (done.parcels["current_use"] == "urban").to_numpy()
    assert np.allclose(done.parcels["suit_urban"], np.round(0.8 * near + 0.2 * today, 4))
    assert "cropland_max_slope" not in tomllib.loads((tmp_path / "county" / "scenario.toml").read_text("utf-8"))["rules"]


def test_bad_survey_input(survey: Path, tmp_path: Path):
    layer = survey_layer()
    layer.loc[[0, 1], "DLBM"], layer.loc[2, "DLBM"] = "0199", "070101"
    with pytest.raises(InputError) as refused:
        import_survey(_saved(layer, tmp_path / "bad.gpkg"), tmp_path / "bad")
    assert "column 'DLBM' has 2 codes that the gbt21010 table does not know: '0199' (2 parcels), '070101' (1 parcel)" \
        in str(refused.value) and "--code-table" in str(refused.value)
    assert not (tmp_path / "bad").exists()
    only_2023 = survey_layer().assign(DLBM="070101")
    with pytest.raises(InputError, match="they are codes of the 2023 classification: pass --classification 2023"):
        import_survey(_saved(only_2023, tmp_path / "planning.gpkg"), tmp_path / "planning")
    short = write_dem(tmp_path / "short.tif", columns=6)
    with pytest.raises(InputError, match=r"short.tif: the DEM does not cover the parcels: its extent is x 499,960 to "
                                         r"500,640, .* 12 parcels \(1006, 1007, 1014, 1015, 1022 \(and 7 more\)\) reach "
                                         r"outside it, over x 500,640 to 500,800, y 3\.7994e\+06 to 3\.8e\+06"):
        import_survey(survey / "DLTB.shp", tmp_path / "short", dem=short)
    assert not (tmp_path / "short").exists()
    bow_tie = survey_layer()
    bow_tie.loc[0, "geometry"] = shapely.Polygon([(X0, Y0), (X0 + SIDE, Y0 - SIDE), (X0 + SIDE, Y0), (X0, Y0 - SIDE)])
    with pytest.raises(InputError, match=r"parcels 1000 have invalid geometry \(Self-intersection.*--fix-geometries"):
        import_survey(_saved(bow_tie, tmp_path / "bow.gpkg"), tmp_path / "bow")
    repaired = import_survey(tmp_path / "bow.gpkg", tmp_path / "bow", fix_geometries=True)
    assert repaired.parcels.geometry.iloc[0].geom_type == "MultiPolygon"
    assert any("repaired 1 invalid geometries" in note for note in repaired.notes)


def _saved(layer: gpd.GeoDataFrame, path: Path) -> Path:
    layer.to_file(path, engine="pyogrio")
    return path
