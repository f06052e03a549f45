"""The bad-input catalogue (docs/errors.md): each case refused with a message naming the fault."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from instances.handmade import tiny_county
from models import InfeasibleError, InputError, Instance, load_scenario, parse_scenario
from models.parcels import validate_parcels


def _parcels():
    parcels, scenario = tiny_county()
    return parcels, parse_scenario(scenario)


def _refused(parcels, scenario, *fragments):
    with pytest.raises(InputError) as info:
        validate_parcels(parcels, scenario.codes, "parcels.gpkg")
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


def test_missing_column_with_hint():
    parcels, scenario = _parcels()
    _refused(parcels.rename(columns={"current_use": "currentuse"}), scenario,
             "missing column 'current_use'", "found 'currentuse'")


def test_duplicate_ids():
    parcels, scenario = _parcels()
    parcels.loc[3, "parcel_id"] = 1
    _refused(parcels, scenario, "'parcel_id'", "duplicate", "rows 1, 4")


def test_unknown_land_use_code():
    parcels, scenario = _parcels()
    parcels.loc[4, "current_use"] = "orchard"
    _refused(parcels, scenario, "'current_use'", "orchard", "parcels 5")


def test_suitability_out_of_range():
    parcels, scenario = _parcels()
    parcels.loc[2, "suit_crop"] = 1.5
    _refused(parcels, scenario, "'suit_crop'", "[0, 1]", "parcels 3")


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nan_or_infinite(value):
    parcels, scenario = _parcels()
    parcels.loc[6, "pop"] = value
    _refused(parcels, scenario, "'pop'", "NaN", "parcels 7")


def test_non_numeric():
    parcels, scenario = _parcels()
    parcels["suit_grass"] = parcels["suit_grass"].astype(object)
    parcels.loc[0, "suit_grass"] = "high"
    _refused(parcels, scenario, "'suit_grass'", "numeric", "'high'")


def test_negative_residents():
    parcels, scenario = _parcels()
    parcels.loc[1, "pop"] = -3
    _refused(parcels, scenario, "'pop'", ">= 0", "parcels 2")


def test_zero_area():
    parcels, scenario = _parcels()
    parcels["area_ha"] = 1.0
    parcels.loc[5, "area_ha"] = 0.0
    _refused(parcels, scenario, "'area_ha'", "> 0", "parcels 6")


def test_bad_flag_values():
    parcels, scenario = _parcels()
    parcels["farmland"] = parcels["farmland"].astype(object)
    parcels.loc[8, "farmland"] = "maybe"
    _refused(parcels, scenario, "'farmland'", "true/false", "parcels 9")


def test_farmland_inside_red_line():
    parcels, scenario = _parcels()
    parcels.loc[0, "eco_redline"] = True
    _refused(parcels, scenario, "both basic farmland", "parcels 1")


def test_geographic_crs():
    parcels, scenario = _parcels()
    _refused(parcels.to_crs("EPSG:4326"), scenario, "geographic", "projected")


def test_missing_crs():
    parcels, scenario = _parcels()
    _refused(parcels.set_crs(None, allow_override=True), scenario, "no CRS")


def test_empty_geometry():
    parcels, scenario = _parcels()
    parcels.loc[2, "geometry"] = shapely.Polygon()
    _refused(parcels, scenario, "empty or missing geometry", "parcels 3")


def test_invalid_geometry():
    parcels, scenario = _parcels()
    parcels.loc[4, "geometry"] = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])  # bow-tie
    _refused(parcels, scenario, "invalid geometry", "parcels 5", "make_valid")


def test_not_polygons():
    parcels, scenario = _parcels()
    parcels.loc[3, "geometry"] = shapely.Point(0, 0)
    _refused(parcels, scenario, "Point", "not polygons", "parcels 4")


def test_empty_instance():
    parcels, scenario = _parcels()
    _refused(parcels.iloc[:0], scenario, "empty")


def test_missing_district():
    parcels, scenario = _parcels()
    parcels.loc[0, "district"] = None
    _refused(parcels, scenario, "'district'", "parcels 1")


def test_scenario_syntax_error(tmp_path):
    path = tmp_path / "scenario.toml"
    path.write_text('name = "x"\n[quotas\n')
    with pytest.raises(InputError, match=r"line 2"):
        load_scenario(path)


def test_scenario_unknown_key_did_you_mean(tmp_path):
    path = tmp_path / "scenario.toml"
    path.write_text("[rules]\nbasic_farmlnd = false\n")
    with pytest.raises(InputError, match="did you mean 'basic_farmland'"):
        load_scenario(path)


def test_scenario_min_above_max():
    with pytest.raises(InputError, match="quotas.crop.*above max"):
        parse_scenario({"quotas": {"crop": {"min": 10.0, "max": 5.0}}})


def test_scenario_unknown_code():
    with pytest.raises(InputError, match="conversion.*'orchard'"):
        parse_scenario({"conversion": {"orchard": ["crop"]}})


def test_scenario_bad_sense():
    with pytest.raises(InputError, match="objectives.change"):
        parse_scenario({"objectives": {"change": "down"}})


def test_scenario_district_not_in_parcels(tiny):
    scenario = tiny.scenario.model_copy(update={"districts": {"north": tiny.scenario.districts["west"]}})
    with pytest.raises(InputError, match="north"):
        Instance(tiny.parcels, scenario).compile()


def test_parcel_with_no_allowed_use(tiny):
    parcels = tiny.parcels.copy()
    parcels.loc[0, "current_use"] = "urban"  # basic farmland, but urban may not become cropland
    with pytest.raises(InfeasibleError, match="parcels 1 may take no land use"):
        Instance(parcels, tiny.scenario).compile()


def test_missing_instance_files(tmp_path):
    with pytest.raises(InputError, match="no parcel file"):
        Instance.load(tmp_path)


def test_unreadable_parcel_file(tmp_path):
    (tmp_path / "parcels.gpkg").write_text("not a geopackage")
    (tmp_path / "scenario.toml").write_text("")
    with pytest.raises(InputError, match="cannot read parcels"):
        Instance.load(tmp_path)


def test_round_trip_through_files(tmp_path, tiny):
    parcels, scenario = tiny_county()
    from instances.synthetic import write_instance

    write_instance(parcels, scenario, tmp_path / "tiny", "# tiny\n")
    loaded = Instance.load(tmp_path / "tiny")
    assert len(loaded.parcels) == 12
    assert loaded.compile().n_parcels == 12
    assert isinstance(loaded.parcels, gpd.GeoDataFrame)
