"""The bad-input catalogue (docs/errors.md): each case refused with a message naming the fault.

One test per case; the test names are the ids of docs/errors.md, and
:func:`test_catalogue_lists_every_case` keeps the two in step.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
import tomli_w
from rasterio.transform import from_origin

from landalloc.instances.handmade import CURRENT, tiny_county
from landalloc.instances.synthetic import write_instance
from landalloc.models import InfeasibleError, InputError, Instance, load_scenario, parse_scenario
from landalloc.models.parcels import validate_parcels

ROOT = Path(__file__).resolve().parents[1]
LANDALLOC = str(Path(sys.executable).parent / "landalloc")
NOT_CASES = {"test_catalogue_lists_every_case", "test_round_trip_through_files", "test_raster_instance_loads",
             "test_cli_refuses_bad_instances_with_exit_2", "test_polygonal_parts_keeps_area_only"}
"""Tests of this module that are not cases of the catalogue."""


def _parcels():
    parcels, scenario = tiny_county()
    return parcels, parse_scenario(scenario)


def _refused(parcels, scenario, *fragments, **options):
    with pytest.raises(InputError) as info:
        validate_parcels(parcels, scenario.codes, "parcels.gpkg", **options)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)
    return str(info.value)


def _folder(tmp_path: Path, parcels=None, scenario: dict | None = None, name: str = "county") -> Path:
    """An instance folder written the way planners receive them (GeoPackage + TOML)."""
    table, default = tiny_county()
    write_instance(table if parcels is None else parcels, scenario or default, tmp_path / name, "# test\n")
    return tmp_path / name


# --- files -------------------------------------------------------------------------------------

def test_missing_instance_files(tmp_path):
    with pytest.raises(InputError, match="no parcel file"):
        Instance.load(tmp_path)


def test_instance_path_not_found(tmp_path):
    with pytest.raises(InputError, match="no such instance folder"):
        Instance.load(tmp_path / "nowhere")


def test_unreadable_parcel_file(tmp_path):
    (tmp_path / "parcels.gpkg").write_text("not a geopackage")
    (tmp_path / "scenario.toml").write_text("")
    with pytest.raises(InputError, match="cannot read parcels"):
        Instance.load(tmp_path)


def test_unsupported_parcel_format(tmp_path):
    (tmp_path / "parcels.csv").write_text("parcel_id\n1\n")
    with pytest.raises(InputError, match="not an instance folder or parcel file"):
        Instance.load(tmp_path / "parcels.csv")


def test_scenario_file_missing(tmp_path):
    folder = _folder(tmp_path)
    (folder / "scenario.toml").unlink()
    with pytest.raises(InputError, match="scenario file not found"):
        Instance.load(folder)


def test_scenario_not_utf8(tmp_path):
    path = tmp_path / "scenario.toml"
    path.write_bytes('name = "县域规划"\n'.encode("gbk"))
    with pytest.raises(InputError, match="not UTF-8.*iconv"):
        load_scenario(path)


# --- columns -----------------------------------------------------------------------------------

def test_missing_column_with_hint():
    parcels, scenario = _parcels()
    _refused(parcels.rename(columns={"current_use": "currentuse"}), scenario,
             "missing column 'current_use'", "found 'currentuse'")


def test_missing_columns_listed():
    parcels, scenario = _parcels()
    _refused(parcels.drop(columns=["pop", "suit_grass"]), scenario,
             "missing columns 'pop', 'suit_grass'", "the parcel table needs parcel_id")


def test_column_in_other_case():
    parcels, scenario = _parcels()
    _refused(parcels.rename(columns={"parcel_id": "Parcel_ID"}), scenario, "found 'Parcel_ID'", "case-sensitive")


def test_shapefile_truncated_columns():
    parcels, scenario = _parcels()
    cut = {c: c[:10] for c in parcels.columns if c != "geometry"}
    _refused(parcels.rename(columns=cut), scenario, "'urban_boundary' (found 'urban_boun'", "10 characters",
             "GeoPackage")


def test_duplicate_column_names():
    parcels, scenario = _parcels()
    doubled = pd.concat([parcels, parcels[["pop"]]], axis=1)
    _refused(doubled, scenario, "'pop' appears more than once")


def test_no_geometry_column():
    parcels, scenario = _parcels()
    _refused(pd.DataFrame(parcels.drop(columns="geometry")), scenario, "no geometry column")


# --- values and types --------------------------------------------------------------------------

def test_empty_instance():
    parcels, scenario = _parcels()
    _refused(parcels.iloc[:0], scenario, "empty")


def test_empty_parcel_id():
    parcels, scenario = _parcels()
    parcels["parcel_id"] = parcels["parcel_id"].astype(float)
    parcels.loc[3, "parcel_id"] = np.nan
    _refused(parcels, scenario, "'parcel_id' is empty in 1 rows (rows 4)")


def test_duplicate_ids():
    parcels, scenario = _parcels()
    parcels.loc[3, "parcel_id"] = 1
    _refused(parcels, scenario, "'parcel_id'", "duplicate", "rows 1, 4")


def test_unknown_land_use_code():
    parcels, scenario = _parcels()
    parcels.loc[4, "current_use"] = "orchard"
    _refused(parcels, scenario, "'current_use'", "orchard", "parcels 5", "allowed codes: crop")


def test_numeric_land_use_codes():
    parcels, scenario = _parcels()
    parcels["current_use"] = np.where(parcels["current_use"] == "crop", 1, 4)
    _refused(parcels, scenario, "'current_use'", "by code, not number")


def test_missing_current_use():
    parcels, scenario = _parcels()
    parcels.loc[2, "current_use"] = None
    _refused(parcels, scenario, "'current_use' is empty at parcels 3")


def test_missing_district():
    parcels, scenario = _parcels()
    parcels.loc[0, "district"] = None
    _refused(parcels, scenario, "'district'", "parcels 1")


def test_non_numeric():
    parcels, scenario = _parcels()
    parcels["suit_grass"] = parcels["suit_grass"].astype(object)
    parcels.loc[0, "suit_grass"] = "high"
    _refused(parcels, scenario, "'suit_grass'", "numeric", "'high'")


def test_decimal_comma():
    parcels, scenario = _parcels()
    parcels["suit_crop"] = parcels["suit_crop"].map(lambda v: f"{v:.2f}".replace(".", ","))
    _refused(parcels, scenario, "'suit_crop' must be numeric", "decimal comma")


@pytest.mark.parametrize("value, kind", [(np.nan, "missing (NaN)"), (np.inf, "infinite")])
def test_nan_or_infinite(value, kind):
    parcels, scenario = _parcels()
    parcels.loc[6, "pop"] = value
    _refused(parcels, scenario, "'pop'", kind, "parcels 7")


def test_suitability_out_of_range():
    parcels, scenario = _parcels()
    parcels.loc[2, "suit_crop"] = 1.5
    _refused(parcels, scenario, "'suit_crop'", "[0, 1]", "parcels 3")


def test_crop_quality_out_of_range():
    parcels, scenario = _parcels()
    parcels.loc[5, "crop_quality"] = -0.2
    _refused(parcels, scenario, "'crop_quality'", "[0, 1]", "parcels 6")


def test_negative_residents():
    parcels, scenario = _parcels()
    parcels.loc[1, "pop"] = -3
    _refused(parcels, scenario, "'pop'", ">= 0", "parcels 2")


def test_zero_area():
    parcels, scenario = _parcels()
    parcels["area_ha"] = 1.0
    parcels.loc[5, "area_ha"] = 0.0
    _refused(parcels, scenario, "'area_ha'", "> 0", "parcels 6")


def test_negative_area():
    parcels, scenario = _parcels()
    parcels["area_ha"] = 1.0
    parcels.loc[7, "area_ha"] = -1.0
    _refused(parcels, scenario, "'area_ha'", "> 0", "parcels 8", "-1")


def test_bad_flag_values():
    parcels, scenario = _parcels()
    parcels["farmland"] = parcels["farmland"].astype(object)
    parcels.loc[8, "farmland"] = "maybe"
    _refused(parcels, scenario, "'farmland'", "true/false", "parcels 9")


def test_missing_flag_values():
    parcels, scenario = _parcels()
    parcels["urban_boundary"] = parcels["urban_boundary"].astype(object)
    parcels.loc[10, "urban_boundary"] = None
    _refused(parcels, scenario, "'urban_boundary' is empty at parcels 11")


def test_farmland_inside_red_line():
    parcels, scenario = _parcels()
    parcels.loc[0, "eco_redline"] = True
    _refused(parcels, scenario, "both basic farmland", "parcels 1")


def test_several_problems_at_once():
    parcels, scenario = _parcels()
    parcels.loc[2, "suit_crop"] = 2.0
    parcels.loc[4, "current_use"] = "orchard"
    parcels.loc[6, "pop"] = np.nan
    message = _refused(parcels, scenario, "3 problems", "(1)", "'current_use'", "'pop'", "'suit_crop'")
    assert message.count("parcels.gpkg") == 1


# --- geometry ----------------------------------------------------------------------------------

def test_empty_geometry():
    parcels, scenario = _parcels()
    parcels.loc[2, "geometry"] = shapely.Polygon()
    _refused(parcels, scenario, "empty or missing geometry", "parcels 3")


def test_invalid_geometry():
    parcels, scenario = _parcels()
    parcels.loc[4, "geometry"] = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])  # bow-tie
    _refused(parcels, scenario, "invalid geometry", "parcels 5", "make_valid", "--fix-geometries")


def test_invalid_geometry_fixed():
    parcels, scenario = _parcels()
    x, y = parcels.geometry[4].bounds[:2]
    parcels.loc[4, "geometry"] = shapely.Polygon([(x, y), (x + 100, y + 100), (x + 100, y), (x, y + 100)])
    x, y = parcels.geometry[5].bounds[:2]   # parcel 6 in its own place: the two may not overlap
    spike = [(x, y), (x + 100, y), (x + 100, y + 100), (x + 100, y + 150), (x + 100, y + 100), (x, y + 100)]
    parcels.loc[5, "geometry"] = shapely.Polygon(spike)  # make_valid: a polygon plus a line
    clean = validate_parcels(parcels, scenario.codes, "parcels.gpkg", fix_geometries=True)
    [repair] = clean.attrs["repairs"]
    assert "repaired 2" in repair and "parcels 5, 6" in repair
    assert shapely.is_valid(clean.geometry.values).all()
    assert set(clean.geometry.geom_type) <= {"Polygon", "MultiPolygon"}
    assert clean.loc[4, "area_ha"] == pytest.approx(0.5) and clean.loc[5, "area_ha"] == pytest.approx(1.0)


def test_not_polygons():
    parcels, scenario = _parcels()
    parcels.loc[3, "geometry"] = shapely.Point(0, 0)
    _refused(parcels, scenario, "Point", "not polygons", "parcels 4")


def test_mixed_geometry_collection():
    parcels, scenario = _parcels()
    box = parcels.geometry[3]
    parcels.loc[3, "geometry"] = shapely.GeometryCollection([box, shapely.LineString([(0, 0), (1, 1)])])
    _refused(parcels, scenario, "GeometryCollection", "parcels 4", "fix_geometries=True")
    clean = validate_parcels(parcels, scenario.codes, fix_geometries=True)
    assert clean.geometry[3].equals(box)


def test_unfixable_geometry():
    parcels, scenario = _parcels()
    parcels.loc[1, "geometry"] = shapely.Polygon([(0, 0), (1, 1), (2, 2)])  # no area at all
    _refused(parcels, scenario, "parcels 2", "no area left after repair", fix_geometries=True)


# --- CRS and rasters ---------------------------------------------------------------------------

def test_geographic_crs():
    parcels, scenario = _parcels()
    _refused(parcels.to_crs("EPSG:4326"), scenario, "geographic", "projected")


def test_missing_crs():
    parcels, scenario = _parcels()
    _refused(parcels.set_crs(None, allow_override=True), scenario, "no CRS")


def test_crs_not_in_metres():
    parcels, scenario = _parcels()
    _refused(parcels.to_crs("EPSG:2227"), scenario, "US survey foot", "metres")  # California zone 3, feet


CELL = 100.0
ORIGIN = (380_000.0, 4_290_000.0)


def _raster(path: Path, values: np.ndarray, crs: str = "EPSG:32649", origin=ORIGIN, nodata=None) -> None:
    profile = {"driver": "GTiff", "height": values.shape[0], "width": values.shape[1], "count": 1,
               "dtype": str(values.dtype), "crs": crs, "transform": from_origin(*origin, CELL, CELL)}
    if nodata is not None:
        profile["nodata"] = nodata
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values, 1)


def _raster_folder(tmp_path: Path) -> Path:
    """The tiny county as rasters: landuse.tif, suit_<code>.tif, district and zoning layers."""
    parcels, scenario = tiny_county()
    codes = [u["code"] for u in scenario["land_use"]]
    shape = (len(CURRENT), len(CURRENT[0]))
    folder = tmp_path / "raster"
    folder.mkdir()
    _raster(folder / "landuse.tif", (parcels["current_use"].map(codes.index).to_numpy() + 1)
            .reshape(shape).astype(np.uint8), nodata=0)
    for code in codes:
        _raster(folder / f"suit_{code}.tif", parcels[f"suit_{code}"].to_numpy(np.float32).reshape(shape))
    _raster(folder / "district.tif", np.where(parcels["district"] == "west", 1, 2).reshape(shape).astype(np.uint8))
    for flag in ("farmland", "eco_redline", "urban_boundary"):
        _raster(folder / f"{flag}.tif", parcels[flag].to_numpy(np.uint8).reshape(shape))
    scenario["districts"] = {"D1": scenario["districts"]["west"], "D2": scenario["districts"]["east"]}
    (folder / "scenario.toml").write_text(tomli_w.dumps(scenario))
    return folder


def test_raster_instance_loads(tmp_path):
    loaded = Instance.load(_raster_folder(tmp_path))
    assert len(loaded.parcels) == 12 and loaded.compile().n_parcels == 12
    assert set(loaded.parcels["district"]) == {"D1", "D2"}


def test_raster_crs_mismatch(tmp_path):
    folder = _raster_folder(tmp_path)
    _raster(folder / "district.tif", np.ones((3, 4), np.uint8), crs="EPSG:32650")
    with pytest.raises(InputError, match=r"district.tif: CRS EPSG:32650 differs from landuse.tif's EPSG:32649"):
        Instance.load(folder)


def test_raster_not_aligned(tmp_path):
    folder = _raster_folder(tmp_path)
    _raster(folder / "urban_boundary.tif", np.ones((3, 4), np.uint8), origin=(ORIGIN[0] + 50, ORIGIN[1]))
    with pytest.raises(InputError, match=r"urban_boundary.tif: not aligned with landuse.tif.*gdalwarp"):
        Instance.load(folder)


def test_raster_shape_differs(tmp_path):
    folder = _raster_folder(tmp_path)
    _raster(folder / "suit_grass.tif", np.ones((4, 4), np.float32))
    with pytest.raises(InputError, match=r"suit_grass.tif: 4×4 cells but landuse.tif has 3×4"):
        Instance.load(folder)


def test_raster_missing_suitability(tmp_path):
    folder = _raster_folder(tmp_path)
    (folder / "suit_service.tif").unlink()
    with pytest.raises(InputError, match="suit_service.tif: missing raster"):
        Instance.load(folder)


def test_raster_class_out_of_range(tmp_path):
    folder = _raster_folder(tmp_path)
    _raster(folder / "landuse.tif", np.full((3, 4), 9, np.uint8), nodata=0)
    with pytest.raises(InputError, match=r"landuse.tif: cells 1, 2, 3, 4, 5 \(and 7 more\) hold 9.*4 classes"):
        Instance.load(folder)


def test_raster_nodata_inside_study_area(tmp_path):
    folder = _raster_folder(tmp_path)
    values = np.full((3, 4), 0.5, np.float32)
    values[1, 2] = -9999
    _raster(folder / "suit_crop.tif", values, nodata=-9999)
    with pytest.raises(InputError, match=r"suit_crop.tif: nodata at 1 cells of the study area \(cells 7\)"):
        Instance.load(folder)


def test_raster_without_data(tmp_path):
    folder = _raster_folder(tmp_path)
    _raster(folder / "landuse.tif", np.zeros((3, 4), np.uint8), nodata=0)
    with pytest.raises(InputError, match="no cell holds a land-use class"):
        Instance.load(folder)


def test_raster_unreadable(tmp_path):
    folder = _raster_folder(tmp_path)
    (folder / "pop.tif").write_text("not a GeoTIFF")
    with pytest.raises(InputError, match="pop.tif: cannot read the raster"):
        Instance.load(folder)


# --- scenario ----------------------------------------------------------------------------------

def test_scenario_syntax_error(tmp_path):
    path = tmp_path / "scenario.toml"
    path.write_text('name = "x"\n[quotas\n')
    with pytest.raises(InputError, match=r"line 2, column 8.*`\[quotas`"):
        load_scenario(path)


def test_scenario_unknown_key_did_you_mean(tmp_path):
    path = tmp_path / "scenario.toml"
    path.write_text("[rules]\nbasic_farmlnd = false\n")
    with pytest.raises(InputError, match="unknown key 'rules.basic_farmlnd' \\(did you mean 'basic_farmland'\\?\\)"):
        load_scenario(path)


def test_scenario_unknown_table_did_you_mean():
    with pytest.raises(InputError, match="unknown key 'quota' \\(did you mean 'quotas'\\?\\)"):
        parse_scenario({"quota": {"crop": {"min": 1.0}}})


def test_scenario_min_above_max():
    with pytest.raises(InputError, match="quotas.crop.*above max"):
        parse_scenario({"quotas": {"crop": {"min": 10.0, "max": 5.0}}})


def test_scenario_group_quotas_contradict():
    with pytest.raises(InputError, match=r"construction uses \(urban 500 \+ service 400 = 900 ha\) exceed the "
                                         r"construction maximum of 800 ha by 100 ha"):
        parse_scenario({"quotas": {"urban": {"min": 500.0}, "service": {"min": 400.0},
                                   "construction": {"max": 800.0}}})


def test_scenario_not_finite(tmp_path):
    path = tmp_path / "scenario.toml"
    path.write_text("[quotas.crop]\nmin = nan\n")
    with pytest.raises(InputError, match="quotas.crop.min.*finite"):
        load_scenario(path)


def test_scenario_negative_value():
    with pytest.raises(InputError, match="population.density.urban.*greater than or equal to 0"):
        parse_scenario({"population": {"density": {"urban": -150.0}}})


def test_scenario_wrong_type():
    with pytest.raises(InputError, match="'quotas.crop'.*dictionary"):
        parse_scenario({"quotas": {"crop": 1200}})


def test_scenario_unknown_code():
    with pytest.raises(InputError, match="conversion.*'orchard'"):
        parse_scenario({"conversion": {"orchard": ["crop"]}})


def test_scenario_bad_sense():
    with pytest.raises(InputError, match="objectives.change"):
        parse_scenario({"objectives": {"change": "down"}})


def test_scenario_no_land_use():
    with pytest.raises(InputError, match="land_use: the classification is empty"):
        parse_scenario({"land_use": []})


def test_scenario_district_not_in_parcels(tiny):
    scenario = tiny.scenario.model_copy(update={"districts": {"north": tiny.scenario.districts["west"]}})
    with pytest.raises(InputError, match="north"):
        Instance(tiny.parcels, scenario).compile()


def test_parcel_with_no_allowed_use(tiny):
    parcels = tiny.parcels.copy()
    parcels.loc[0, "current_use"] = "urban"  # basic farmland, but urban may not become cropland
    with pytest.raises(InfeasibleError, match="parcels 1 may take no land use"):
        Instance(parcels, tiny.scenario).compile()


# --- layouts (landalloc check INSTANCE LAYOUT) -------------------------------------------------

def _layout(tmp_path: Path, tiny, table: pd.DataFrame) -> Path:
    path = tmp_path / "layout.csv"
    table.to_csv(path, index=False)
    return path


def _today(tiny) -> pd.DataFrame:
    return pd.DataFrame({"parcel_id": tiny.parcels["parcel_id"], "use": tiny.parcels["current_use"]})


def test_layout_unknown_code(tmp_path, tiny):
    table = _today(tiny)
    table.loc[2, "use"] = "orchard"
    with pytest.raises(InputError, match=r"unknown land-use codes \['orchard'\] at parcels 3"):
        tiny.read_layout(_layout(tmp_path, tiny, table))


def test_layout_missing_parcels(tmp_path, tiny):
    with pytest.raises(InputError, match="no use given for parcels 11, 12"):
        tiny.read_layout(_layout(tmp_path, tiny, _today(tiny).iloc[:10]))


def test_layout_parcel_listed_twice(tmp_path, tiny):
    table = pd.concat([_today(tiny), _today(tiny).iloc[[4]]])
    with pytest.raises(InputError, match="parcel ids listed twice: 5"):
        tiny.read_layout(_layout(tmp_path, tiny, table))


def test_layout_unknown_parcels(tmp_path, tiny):
    table = pd.concat([_today(tiny), pd.DataFrame({"parcel_id": [99], "use": ["crop"]})])
    with pytest.raises(InputError, match="parcels 99 are not in the instance"):
        tiny.read_layout(_layout(tmp_path, tiny, table))


def test_layout_missing_column(tmp_path, tiny):
    with pytest.raises(InputError, match="missing column 'use'"):
        tiny.read_layout(_layout(tmp_path, tiny, _today(tiny).rename(columns={"use": "landuse"})))


# --- through the files and the command line ----------------------------------------------------

def test_round_trip_through_files(tmp_path, tiny):
    loaded = Instance.load(_folder(tmp_path))
    assert len(loaded.parcels) == 12
    assert loaded.compile().n_parcels == 12
    assert isinstance(loaded.parcels, gpd.GeoDataFrame)
    assert loaded.repairs == []


def test_cli_refuses_bad_instances_with_exit_2(tmp_path):
    """Bad instances through the installed ``landalloc`` script: exit 2, one paragraph, no traceback."""
    parcels, scenario = tiny_county()
    bow_tie = parcels.copy()
    x, y = bow_tie.geometry[4].bounds[:2]
    bow_tie.loc[4, "geometry"] = shapely.Polygon([(x, y), (x + 100, y + 100), (x + 100, y), (x, y + 100)])
    cases = {
        "misspelt": (_folder(tmp_path, parcels.rename(columns={"pop": "popn"}), name="misspelt"),
                     ["missing column 'pop' (found 'popn'"]),
        "degrees": (_folder(tmp_path, parcels.to_crs("EPSG:4326"), name="degrees"), ["geographic"]),
        "bow_tie": (_folder(tmp_path, bow_tie, name="bow_tie"), ["invalid geometry", "parcels 5"]),
        "syntax": (_folder(tmp_path, name="syntax"), ["TOML syntax error", "line 1"]),
        "raster": (_raster_folder(tmp_path), ["district.tif: CRS EPSG:32650 differs"]),
    }
    (cases["syntax"][0] / "scenario.toml").write_text("name = demo\n")
    _raster(cases["raster"][0] / "district.tif", np.ones((3, 4), np.uint8), crs="EPSG:32650")
    layout = tmp_path / "layout.csv"
    pd.DataFrame({"parcel_id": parcels["parcel_id"], "use": parcels["current_use"]}).to_csv(layout, index=False)
    env = {"COLUMNS": "200", "PATH": str(Path(sys.executable).parent)}
    running = {name: subprocess.Popen([LANDALLOC, "check", str(folder), str(layout)], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, env=env)
               for name, (folder, _) in cases.items()}
    for name, process in running.items():
        out, err = process.communicate(timeout=300)
        assert process.returncode == 2, (name, out, err)
        assert "Traceback" not in err and "error:" in err, (name, err)
        flat = " ".join(err.split())
        for fragment in cases[name][1]:
            assert fragment in flat, (name, flat)


def test_catalogue_lists_every_case():
    """docs/errors.md names one test per case; every case test here is in docs/errors.md."""
    doc = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\|\s*`(test_\w+)`", doc, flags=re.MULTILINE)
    assert len(listed) == len(set(listed)), "a test is listed twice in docs/errors.md"
    defined = {}
    for module in ("test_inputs.py", "test_presolve.py", "test_verify.py"):
        tree = ast.parse((ROOT / "tests" / module).read_text(encoding="utf-8"))
        defined.update({node.name: module for node in tree.body
                        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")})
    unknown = [t for t in listed if t not in defined]
    assert not unknown, f"docs/errors.md lists tests that do not exist: {unknown}"
    cases_here = {t for t, module in defined.items() if module == "test_inputs.py"} - NOT_CASES
    unlisted = sorted(cases_here - set(listed))
    assert not unlisted, f"cases of tests/test_inputs.py missing from docs/errors.md: {unlisted}"


def test_polygonal_parts_keeps_area_only():
    from landalloc.models.parcels import polygonal_parts

    collection = shapely.GeometryCollection([shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)]),
                                             shapely.LineString([(0, 0), (5, 5)])])
    overlapping = shapely.GeometryCollection([shapely.box(0, 0, 2, 2), shapely.box(1, 1, 3, 3)])
    parts = polygonal_parts(np.array([collection, shapely.box(9, 9, 10, 10), overlapping,
                                      shapely.LineString([(0, 0), (1, 1)])], dtype=object))
    assert [round(p.area, 9) for p in parts] == [2.0, 1.0, 7.0, 0.0]
    assert shapely.is_valid(parts).all() and shapely.is_empty(parts[3])
