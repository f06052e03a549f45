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
import shapely.affinity
import tomli_w
from rasterio.transform import from_origin

from landalloc.instances.handmade import CURRENT, tiny_county
from landalloc.instances.synthetic import write_instance
from landalloc.models import InfeasibleError, InputError, Instance, load_scenario, parse_scenario
from landalloc.models.parcels import validate_parcels

ROOT = Path(__file__).resolve().parents[1]
LANDALLOC = str(Path(sys.executable).parent / "landalloc")
NOT_CASES = {"test_catalogue_lists_every_case", "test_every_refusal_names_the_place_and_the_fix", "test_round_trip_through_files", "test_raster_instance_loads",
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


def test_crs_in_feet_converted():
    parcels, scenario = _parcels()
    feet = parcels.to_crs("EPSG:2227")   # California zone 3, US survey feet
    clean = validate_parcels(feet, scenario.codes, "parcels.gpkg")
    [note] = clean.attrs["repairs"]
    assert "US survey foot" in note and "converted to metres" in note
    assert clean.crs.axis_info[0].unit_name == "metre"
    survey_foot = 1200 / 3937   # metres: the areas are the same projection's, now in hectares
    assert clean["area_ha"].to_numpy() == pytest.approx(feet.area.to_numpy() * survey_foot ** 2 / 1e4, rel=1e-9)


def test_crs_without_units_is_metres():
    parcels, scenario = _parcels()
    bare = parcels.set_crs("+proj=utm +zone=49 +datum=WGS84", allow_override=True)   # no +units: metres
    clean = validate_parcels(bare, scenario.codes, "parcels.gpkg")
    assert clean.attrs["repairs"] == [] and clean["area_ha"].sum() == pytest.approx(12.0)


def test_degree_numbers_in_projected_crs():
    parcels, scenario = _parcels()
    degrees = parcels.to_crs("EPSG:4326").set_crs("EPSG:32649", allow_override=True)   # lon/lat, labelled UTM
    _refused(degrees, scenario, "look like longitude/latitude in degrees", "EPSG:32649", "set EPSG:4326")


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
    with pytest.raises(InputError, match="'quotas.crop': needs a table, not 1200"):
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
        "overlap": (_folder(tmp_path, _shifted(parcels, 1, -40.0), name="overlap"),
                    ["1 pair of parcels overlaps", "--fix-geometries"]),
        "layers": (_layers_file(tmp_path / "layers", ["zoning", "roads"]), ["no layer named 'parcels'", "--layer"]),
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
    for module in ("test_inputs.py", "test_presolve.py", "test_verify.py", "test_faults.py"):
        tree = ast.parse((ROOT / "tests" / module).read_text(encoding="utf-8"))
        defined.update({node.name: module for node in tree.body
                        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")})
    unknown = [t for t in listed if t not in defined]
    assert not unknown, f"docs/errors.md lists tests that do not exist: {unknown}"
    cases_here = {t for t, module in defined.items() if module in ("test_inputs.py", "test_faults.py")} - NOT_CASES
    unlisted = sorted(cases_here - set(listed))
    assert not unlisted, f"cases of tests/test_inputs.py missing from docs/errors.md: {unlisted}"


# --- geometry that breaks the model ------------------------------------------------------------

def _shifted(parcels, row: int, dx: float, dy: float = 0.0):
    parcels = parcels.copy()
    parcels.loc[row, "geometry"] = shapely.affinity.translate(parcels.geometry[row], dx, dy)
    return parcels


def test_overlapping_parcels():
    parcels, scenario = _parcels()
    overlapping = _shifted(parcels, 1, -40.0)   # parcel 2 slides 40 m over parcel 1
    message = _refused(overlapping, scenario, "1 pair of parcels overlaps, sharing 0.4 ha", "parcels 1 & 2",
                       "count that land twice", "--fix-geometries")
    assert "add up to 12 ha" in message


def test_overlapping_parcels_fixed():
    parcels, scenario = _parcels()
    clean = validate_parcels(_shifted(parcels, 1, -40.0), scenario.codes, "parcels.gpkg", fix_geometries=True)
    [note] = clean.attrs["repairs"]
    assert "removed 0.4 ha of overlaps between 1 pair of parcels" in note and "parcels 1 & 2" in note
    assert clean["area_ha"].sum() == pytest.approx(shapely.union_all(clean.geometry.values).area / 1e4)
    assert clean.loc[0, "area_ha"] == pytest.approx(1.0) and clean.loc[1, "area_ha"] == pytest.approx(0.6)


def test_parcel_inside_another():
    parcels, scenario = _parcels()
    parcels.loc[4, "geometry"] = parcels.geometry[3].buffer(-10)   # parcel 5 drawn again inside parcel 4
    _refused(parcels, scenario, "1 pair of parcels overlaps", "parcels 4 & 5")
    _refused(parcels, scenario, "parcels 5 lie wholly inside other parcels", "merge them", fix_geometries=True)


def test_overlaps_in_several_pairs():
    parcels, scenario = _parcels()
    shifted = _shifted(_shifted(parcels, 1, -40.0), 5, 0.0, 30.0)   # 2 over 1, and 6 up over 2
    _refused(shifted, scenario, "2 pairs of parcels overlap, sharing 0.58 ha in all (parcels 1 & 2, 2 & 6)")


def test_scenario_symlink_loop(tmp_path):
    (tmp_path / "scenario.toml").symlink_to(tmp_path / "scenario.toml")
    with pytest.raises(InputError, match="cannot read the scenario .*symbolic links.*; give the path of a readable"):
        load_scenario(tmp_path / "scenario.toml")


def test_parcel_file_symlink_loop(tmp_path):
    (tmp_path / "parcels.gpkg").symlink_to(tmp_path / "parcels.gpkg")
    with pytest.raises(InputError, match="no such instance folder or parcel file; check the path"):
        Instance.load(tmp_path / "parcels.gpkg")


def test_overlap_below_tolerance():
    parcels, scenario = _parcels()
    clean = validate_parcels(_shifted(parcels, 1, -0.005), scenario.codes, "parcels.gpkg")   # 0.5 m²: noise
    assert clean.attrs["repairs"] == []


def test_gaps_between_parcels_warned(tmp_path):
    parcels, _ = tiny_county()
    parcels.loc[5, "geometry"] = parcels.geometry[5].buffer(-1.0)   # a 1 m sliver all round parcel 6
    instance = Instance.load(_folder(tmp_path, parcels))
    [warning] = instance.warnings
    assert "1 gap between parcels" in warning and "0.0396 ha" in warning and "snap them together" in warning


def test_large_hole_is_no_gap(tmp_path):
    parcels, _ = tiny_county()
    instance = Instance.load(_folder(tmp_path, parcels.drop(index=5)))   # a whole cell missing: a lake
    assert instance.warnings == []


def _layers_file(tmp_path: Path, names: list[str]) -> Path:
    parcels, _ = tiny_county()
    folder = _folder(tmp_path)
    (folder / "parcels.gpkg").unlink()
    for name in names:
        parcels.to_file(folder / "parcels.gpkg", layer=name, driver="GPKG", engine="pyogrio")
    return folder


def test_gpkg_without_parcels_layer(tmp_path):
    with pytest.raises(InputError, match=r"no layer named 'parcels' \(its layers are zoning, roads\).*--layer NAME"):
        Instance.load(_layers_file(tmp_path, ["zoning", "roads"]))


def test_layer_chosen_by_option(tmp_path):
    assert len(Instance.load(_layers_file(tmp_path, ["zoning", "roads"]), layer="roads").parcels) == 12


def test_unknown_layer_did_you_mean(tmp_path):
    with pytest.raises(InputError, match=r"no layer 'road' \(did you mean 'roads'\?\); its layers are zoning, roads"):
        Instance.load(_layers_file(tmp_path, ["zoning", "roads"]), layer="road")


def test_single_layer_file_read(tmp_path):
    assert len(Instance.load(_layers_file(tmp_path, ["landuse_2020"])).parcels) == 12


# --- files as people save them -----------------------------------------------------------------

def test_scenario_with_bom(tmp_path):
    folder = _folder(tmp_path)
    text = (folder / "scenario.toml").read_bytes()
    (folder / "scenario.toml").write_bytes(b"\xef\xbb\xbf" + text)   # what Notepad writes
    assert Instance.load(folder).scenario.name == "tiny"


def test_scenario_with_crlf(tmp_path):
    folder = _folder(tmp_path)
    text = (folder / "scenario.toml").read_text(encoding="utf-8")
    (folder / "scenario.toml").write_bytes(text.replace("\n", "\r\n").encode())
    assert Instance.load(folder).scenario == load_scenario(tmp_path / "county" / "scenario.toml")


def test_scenario_utf16(tmp_path):
    path = tmp_path / "scenario.toml"
    path.write_text('name = "x"\n', encoding="utf-16")
    with pytest.raises(InputError, match="saved as UTF-16.*save the scenario as UTF-8"):
        load_scenario(path)


def test_scenario_is_a_folder(tmp_path):
    (tmp_path / "scenario.toml").mkdir()
    with pytest.raises(InputError, match="scenario.toml: cannot read the scenario"):
        load_scenario(tmp_path / "scenario.toml")


def _layout_file(tmp_path: Path, text: str) -> tuple[Instance, Path]:
    folder = _folder(tmp_path)
    (tmp_path / "layout.csv").write_bytes(text.encode("utf-8"))
    return Instance.load(folder), tmp_path / "layout.csv"


def _today_lines() -> list[str]:
    parcels, _ = tiny_county()
    return [f"{i},{u}" for i, u in zip(parcels["parcel_id"], parcels["current_use"])]


def test_layout_csv_with_bom_and_crlf(tmp_path):
    instance, path = _layout_file(tmp_path, "\ufeffparcel_id,use\r\n" + "\r\n".join(_today_lines()) + "\r\n")
    assert (instance.read_layout(path) == instance.compile().current_layout).all()


def test_layout_ids_with_spaces(tmp_path):
    instance, path = _layout_file(tmp_path, "parcel_id,use\n" + "\n".join(" " + line for line in _today_lines()))
    assert (instance.read_layout(path) == instance.compile().current_layout).all()


def test_layout_scientific_ids(tmp_path):
    lines = _today_lines()
    lines[1:3] = ["1.23457E+11,crop", "1.23457E+11,grass"]
    instance, path = _layout_file(tmp_path, "parcel_id,use\n" + "\n".join(lines))
    with pytest.raises(InputError, match=r"scientific notation \(1.23457E\+11 at lines 3, 4\): Excel rounded"):
        instance.read_layout(path)


def test_layout_empty_file(tmp_path):
    instance, path = _layout_file(tmp_path, "")
    with pytest.raises(InputError, match="layout.csv: the file is empty; a layout has a header line parcel_id,use"):
        instance.read_layout(path)


def test_layout_semicolons(tmp_path):
    instance, path = _layout_file(tmp_path, "parcel_id;use\n" + "\n".join(_today_lines()).replace(",", ";"))
    with pytest.raises(InputError, match="missing column 'parcel_id' \\(its columns are separated by ';'"):
        instance.read_layout(path)


def test_geoparquet_instance(tmp_path):
    folder = _folder(tmp_path)
    Instance.load(folder).parcels.drop(columns=["area_ha", "crop_quality"]).to_parquet(folder / "parcels.parquet")
    (folder / "parcels.gpkg").unlink()
    layout = tmp_path / "today.csv"
    layout.write_text("parcel_id,use\n" + "\n".join(_today_lines()), encoding="utf-8")
    done = subprocess.run([LANDALLOC, "check", str(folder), str(layout)], capture_output=True, text=True,
                          env={"COLUMNS": "200", "PATH": str(Path(sys.executable).parent)}, timeout=300)
    assert done.returncode in (0, 1) and "Current" not in done.stderr and "error" not in done.stderr, done.stderr
    assert "today.csv" in done.stdout


def test_gbk_shapefile(tmp_path):
    from landalloc.models.parcels import read_parcels

    parcels, scenario = _parcels()
    parcels["district"] = np.where(parcels["district"] == "west", "西乡", "东镇")
    parcels.to_file(tmp_path / "parcels.shp", encoding="GBK", engine="pyogrio")
    (tmp_path / "parcels.cpg").unlink(missing_ok=True)   # as survey tools save them: no code page file
    read = read_parcels(tmp_path / "parcels.shp", scenario.codes)
    assert set(read["district"]) == {"西乡", "东镇"}


# --- messages that say the fix ------------------------------------------------------------------

def test_scenario_benefit_nan(tmp_path):
    path = tmp_path / "scenario.toml"
    path.write_text('[[land_use]]\ncode = "crop"\nbenefit = nan\nesv = 1\ngroup = "agricultural"\n'
                    'color = "#ffff00"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"'land_use.0.benefit': is nan \(not a number\); give a finite number"):
        load_scenario(path)


def test_scenario_infinite_density():
    with pytest.raises(InputError, match=r"'population.density.urban': is inf \(infinite\); give a finite"):
        parse_scenario({"population": {"density": {"urban": float("inf")}}})


def test_scenario_quota_as_number():
    with pytest.raises(InputError, match=r"'quotas.urban': needs a table, not 12000.0; write e.g. quotas.urban = "
                                         r"\{ max = 12000.0 \} \(its keys: min, max\)"):
        parse_scenario({"quotas": {"urban": 12000.0}})


def test_scenario_table_as_text():
    with pytest.raises(InputError, match=r"'districts.east': needs a table, not 'urban'; write e.g. districts.east = "
                                         r"\{ kind = "):
        parse_scenario({"districts": {"east": "urban"}})


def test_scenario_number_as_text():
    with pytest.raises(InputError, match=r"'quotas.urban.max': is the text '12,000 ha', not a number; write the "
                                         r"number without quotes or units, e.g. max = 12000"):
        parse_scenario({"quotas": {"urban": {"max": "12,000 ha"}}})


def test_scenario_duplicate_land_use_code():
    uses = [u.model_dump() for u in parse_scenario({}).land_use]
    with pytest.raises(InputError, match=r"code 'crop' is given to more than one \[\[land_use\]\] table; give each"):
        parse_scenario({"land_use": [*uses, uses[0]]})


def test_scenario_unknown_use_in_conversion():
    with pytest.raises(InputError, match=r"conversion.crop: unknown name 'orchard'.*add a \[\[land_use\]\] table "
                                         r"with code = \"orchard\""):
        parse_scenario({"conversion": {"crop": ["orchard"]}})


def test_scenario_unknown_use_in_compactness():
    with pytest.raises(InputError, match=r"compactness.uses: unknown name 'urbn' \(did you mean 'urban'\?\).*correct "
                                         r"the name"):
        parse_scenario({"compactness": {"uses": ["urbn"]}})


def test_district_did_you_mean(tiny):
    scenario = tiny.scenario.model_copy(update={"districts": {"wets": tiny.scenario.districts["west"]}})
    with pytest.raises(InputError, match=r"names wets that no parcel belongs to \('wets': did you mean 'west'\?\);"
                                         r".*rename the table"):
        Instance(tiny.parcels, scenario).compile()


def test_quota_in_km2_warned(tiny):
    instance = tiny.with_scenario(quotas={"crop": {"min": 0, "max": 0.04}})   # 4 ha of cropland today
    [warning] = instance.warnings
    assert "quotas.crop.max is 0.04 ha but today's crop covers 4 ha, 100 times more" in warning
    assert "1 km² = 100 ha" in warning and "write max = 4" in warning


def test_quota_in_m2_warned(tiny):
    instance = tiny.with_scenario(quotas={"crop": {"min": 50_000}})   # 5 ha written in m²
    [warning] = instance.warnings
    assert "quotas.crop.min is 50,000 ha, more than 100 times the county's 12 ha" in warning


ACTIONS = re.compile(r"\b(add|allow|ask|change|check|choose|correct|create|define|delete|divide|draw|drop|fill|fix|"
                     r"format|free|give|keep|load|lower|merge|move|pass|raise|reclassify|remove|rename|renumber|repair|"
                     r"reproject|resample|run|save|set|snap|use|write)\b", re.IGNORECASE)
"""Verbs that tell a planner what to do."""
PLACE = re.compile(r"^(error: )?([\w./<>-]+|--\w[\w-]*|landalloc|scenario|with_scenario\(.*?\)[^:]*)(:| )")
"""A message starts with where the fault is: a file or folder, the scenario, an option."""


def test_every_refusal_names_the_place_and_the_fix():
    """Each refusal (exit 2) of docs/errors.md starts with its place and says what to do."""
    doc = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\|\s*`(test_\w+)`\s*\|[^|]*\|\s*2\s*\|\s*(.*)\|\s*$", doc, flags=re.MULTILINE)
    assert len(rows) >= 100
    for test, cell in rows:
        example = re.match(r"(``?)(.+?)\1(?!`)", cell.strip())
        assert example, f"{test}: no example message"
        message = example.group(2).strip()
        assert PLACE.match(message), f"{test}: the message does not start with its place: {message}"
        assert ACTIONS.search(message.split(":", 1)[1]), f"{test}: the message says no fix: {message}"


def test_polygonal_parts_keeps_area_only():
    from landalloc.models.parcels import polygonal_parts

    collection = shapely.GeometryCollection([shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)]),
                                             shapely.LineString([(0, 0), (5, 5)])])
    overlapping = shapely.GeometryCollection([shapely.box(0, 0, 2, 2), shapely.box(1, 1, 3, 3)])
    parts = polygonal_parts(np.array([collection, shapely.box(9, 9, 10, 10), overlapping,
                                      shapely.LineString([(0, 0), (1, 1)])], dtype=object))
    assert [round(p.area, 9) for p in parts] == [2.0, 1.0, 7.0, 0.0]
    assert shapely.is_valid(parts).all() and shapely.is_empty(parts[3])
