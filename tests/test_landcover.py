"""Instances from land cover: mapping tables, equal-area cells, derivation rules, on a synthetic GeoTIFF.

The raster is drawn here with a known answer (which class is where), so every layer the builder
derives can be checked against its rule; no network and no data package needed.
"""

from __future__ import annotations

import tomllib

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import rasterio
import shapely

from landalloc.instances.landcover import CHINA_ALBERS, TABLES, Rules, class_table, equal_area_crs, from_landcover
from landalloc.instances.landcover import derive, grid, plan
from landalloc.instances.landcover.classes import CODES, LAND_USES
from landalloc.models import Instance, evaluate
from landalloc.models.errors import InputError

WEST, NORTH, STEP = 109.0, 40.0, 0.05
ROWS, COLS = 24, 30
BLOCKS = {12: (slice(2, 8), slice(2, 10)), 14: (slice(10, 12), slice(2, 4)), 13: (slice(10, 14), slice(12, 16)),
          0: (slice(16, 20), slice(20, 26)), 4: (slice(2, 7), slice(20, 28)), 16: (slice(18, 24), slice(0, 8))}
"""IGBP class -> block of cells; everything else is grassland (10); three cells are fill (255)."""
RULE_ALLOCATION = ["conversion", "basic_farmland", "eco_redline", "urban_boundary"]


def _classes() -> np.ndarray:
    values = np.full((ROWS, COLS), 10, np.uint8)
    for value, block in BLOCKS.items():
        values[block] = value
    values[0, :3] = 255
    return values


def _geod_areas_ha() -> np.ndarray:
    """True area of every 0.05° cell, computed independently of the builder (pyproj.Geod)."""
    geod = pyproj.Geod(ellps="WGS84")
    rows = [abs(geod.polygon_area_perimeter([WEST, WEST + STEP, WEST + STEP, WEST],
                                            [NORTH - STEP * r, NORTH - STEP * r, NORTH - STEP * (r + 1),
                                             NORTH - STEP * (r + 1)])[0]) / 1e4 for r in range(ROWS)]
    return np.repeat(np.array(rows)[:, None], COLS, axis=1)


@pytest.fixture(scope="module")
def raster(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("landcover") / "igbp.tif"
    profile = {"driver": "GTiff", "width": COLS, "height": ROWS, "count": 1, "dtype": "uint8", "nodata": 255,
               "crs": "EPSG:4326", "transform": rasterio.Affine(STEP, 0, WEST, 0, -STEP, NORTH)}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(_classes(), 1)
    return str(path)


@pytest.fixture(scope="module")
def districts_file(tmp_path_factory) -> str:
    """Two districts split at 109.75°E (column 15)."""
    path = tmp_path_factory.mktemp("districts") / "districts.geojson"
    split = WEST + 15 * STEP
    frame = gpd.GeoDataFrame({"district": ["west", "east"]},
                             geometry=[shapely.box(WEST - 1, NORTH - 3, split, NORTH + 1),
                                       shapely.box(split, NORTH - 3, WEST + 3, NORTH + 1)], crs="EPSG:4326")
    frame.to_file(path, driver="GeoJSON")
    return str(path)


BBOX = (WEST, NORTH - ROWS * STEP, WEST + COLS * STEP, NORTH)


@pytest.fixture(scope="module")
def built(raster: str, districts_file: str):
    return from_landcover(raster, bbox=BBOX, classes="igbp", districts=districts_file, residents=100_000,
                          district_residents={"west": 60_000}, name="synthetic-igbp",
                          rules=Rules(residents=derive.ResidentsRule(urban_share=0.5)))


def _grid_of(parcels: gpd.GeoDataFrame, column: str, fill=None) -> np.ndarray:
    out = np.full((ROWS, COLS), fill, dtype=object)
    out[parcels["grid_row"], parcels["grid_col"]] = parcels[column].to_numpy()
    return out


# ---------------------------------------------------------------- mapping tables

@pytest.mark.parametrize("name", sorted(TABLES))
def test_shipped_tables_map_to_known_uses_and_protect_only_ecological_land(name: str) -> None:
    table = class_table(name)
    groups = {u.code: u.group for u in LAND_USES}
    assert {r.use for r in table.rows} <= set(CODES)
    assert {"crop", "forest", "grass", "water", "urban", "barren"} <= {r.use for r in table.rows}
    for row in table.rows:
        assert not row.redline or groups[row.use] == "ecological", row
        if row.use in ("water", "forest"):
            assert row.redline, row
    assert table.markdown().count("\n") == len(table.rows) + 1


def test_igbp_table_covers_both_modis_water_codes() -> None:
    by_value = class_table("igbp").by_value()
    assert sorted(by_value) == list(range(18))
    assert by_value[0].use == by_value[17].use == "water"
    assert by_value[16].use == "barren" and by_value[16].redline
    assert by_value[14].use == "crop" and by_value[14].secondary == "grass"


def test_barren_class_is_added_as_ecological_other_land() -> None:
    barren = LAND_USES[CODES.index("barren")]
    assert (barren.name_zh, barren.group) == ("其他土地", "ecological")
    assert CODES[:7] == ("crop", "forest", "grass", "water", "urban", "rural", "service")


def test_custom_table_from_csv(tmp_path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("value,name,use,secondary,redline\n1,paddy,crop,,\n2,reeds,water,grass,yes\n", encoding="utf-8")
    table = class_table(path)
    assert table.by_value()[2].redline and table.by_value()[2].secondary == "grass"
    path.write_text("value,name,use\n1,moon,cheese\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown use 'cheese'"):
        class_table(path)
    with pytest.raises(InputError, match="neither a shipped table"):
        class_table("corine")


def test_map_classes_treats_unknown_values_as_no_data() -> None:
    use, second, red = derive.map_classes(np.array([[12, 255, 16], [0, 99, 14]]), class_table("igbp"))
    assert use.tolist() == [[CODES.index("crop"), -1, CODES.index("barren")], [CODES.index("water"), -1, 0]]
    assert red.tolist() == [[False, False, True], [True, False, False]]
    assert second[1, 2] == CODES.index("grass")


# ---------------------------------------------------------------- equal-area cells

def test_china_albers_is_stated_and_chosen_inside_china() -> None:
    params = {p.name: p.value for p in CHINA_ALBERS.coordinate_operation.params}
    assert params["Latitude of 1st standard parallel"] == 25
    assert params["Latitude of 2nd standard parallel"] == 47
    assert params["Longitude of false origin"] == 105
    assert CHINA_ALBERS.geodetic_crs.to_epsg() == 4490
    assert equal_area_crs((106.5, 37.6, 111.5, 40.9)) == CHINA_ALBERS
    europe = equal_area_crs((0.0, 40.0, 12.0, 52.0))
    assert "Albers" in europe.name and europe.is_projected
    assert "cylindrical" in equal_area_crs((30.0, -5.0, 40.0, 5.0)).name


def test_native_cells_keep_the_true_area_of_every_source_class(built) -> None:
    """Mapping + projection preserve each class's area (Geod areas of the 0.05° cells, within 1e-4)."""
    parcels = built.parcels
    truth = _geod_areas_ha()
    classes = _classes()
    for value in np.unique(classes):
        expected = truth[classes == value].sum()
        got = parcels.loc[parcels["source_class"] == value, "area_ha"].sum()
        if value == 255:
            assert got == 0
        else:
            assert got == pytest.approx(expected, rel=1e-4), value
    np.testing.assert_allclose(parcels.geometry.area / 1e4, parcels["area_ha"], rtol=1e-4)
    assert parcels.crs == CHINA_ALBERS


def test_resampled_cells_keep_class_areas_within_one_percent(raster: str) -> None:
    values, transform, crs, nodata = grid.read_window(raster, BBOX)
    native = grid.native_cells(values, transform, crs, nodata, CHINA_ALBERS)
    fine = grid.resampled_cells(values, transform, crs, nodata, CHINA_ALBERS, 1000.0, BBOX)
    assert np.allclose(fine.area_ha, 100.0)
    for value in np.unique(values):
        count = (values == value).sum()
        if count >= 100:
            exact = native.area_ha[values == value].sum()
            assert fine.area_ha[fine.source == value].sum() == pytest.approx(exact, rel=0.01), value


def test_current_use_is_the_mapped_class_cell_by_cell(built) -> None:
    parcels = built.parcels
    assert len(parcels) == ROWS * COLS - 3  # the fill cells are dropped
    expected = np.vectorize(lambda v: class_table("igbp").by_value()[v].use if v != 255 else None)(_classes())
    got = _grid_of(parcels, "current_use")
    assert (got == expected).all()
    assert parcels["parcel_id"].is_unique


def test_boundary_keeps_cells_whose_centre_is_inside(raster: str, tmp_path) -> None:
    path = tmp_path / "half.geojson"
    cut = WEST + 11.2 * STEP  # through column 11, east of its centre: columns 0..10 have their centre west of it
    gpd.GeoDataFrame(geometry=[shapely.box(WEST - 1, NORTH - 3, cut, NORTH + 1)], crs="EPSG:4326").to_file(path)
    half = from_landcover(raster, classes="igbp", boundary=path, residents=10_000, check=False)
    assert sorted(half.parcels["grid_col"].unique()) == list(range(11))
    assert len(half.parcels) == ROWS * 11 - 3
    assert half.parcels["district"].unique().tolist() == ["half"]


# ---------------------------------------------------------------- derived layers

def test_command_line_strings_are_accepted(raster: str) -> None:
    from landalloc.instances.landcover.build import _check_bbox

    assert _check_bbox("109, 38.8, 110.5, 40") == (109.0, 38.8, 110.5, 40.0)
    with pytest.raises(InputError, match="bbox"):
        _check_bbox("109,38.8")


def test_districts_follow_the_polygon_holding_each_centre(built) -> None:
    parcels = built.parcels
    assert (parcels.loc[parcels["grid_col"] < 15, "district"] == "west").all()
    assert (parcels.loc[parcels["grid_col"] >= 15, "district"] == "east").all()


def test_residents_sum_to_the_census_and_honour_district_totals(built) -> None:
    parcels = built.parcels
    pop, use = parcels["pop"], parcels["current_use"]
    assert pop.sum() == pytest.approx(100_000, abs=len(parcels) * 0.05)
    assert pop.groupby(parcels["district"]).sum()["west"] == pytest.approx(60_000, abs=50)
    assert (pop[use.isin(["water", "barren"])] == 0).all()
    assert (pop[use.isin(["urban", "crop", "grass", "forest"])] > 0).all()
    density = pop / parcels["area_ha"]
    assert density[use == "urban"].max() <= 100.0 + 1e-6
    assert density[use == "urban"].min() > density[use == "crop"].max() > density[use == "grass"].max()


def test_residents_rule_caps_urban_density_and_spreads_the_rest() -> None:
    use = np.array([CODES.index(c) for c in ["urban", "crop", "grass", "water"]])
    area = np.array([10.0, 100.0, 100.0, 100.0])
    pop = derive.residents(use, area, np.zeros(4), np.zeros(4, np.int64), 5_000.0, {},
                           derive.ResidentsRule(urban_share=0.9, urban_density_max=100.0))
    assert pop[0] == pytest.approx(1_000.0)  # 10 ha × 100 persons/ha, not 90 % of 5,000
    assert pop[1] == pytest.approx(5 * pop[2])  # weights crop 1.0 : grass 0.2
    assert pop.sum() == pytest.approx(5_000.0) and pop[3] == 0


def test_basic_farmland_is_the_best_cropland_up_to_its_share(built) -> None:
    parcels = built.parcels
    crop = parcels["current_use"] == "crop"
    farm = parcels["farmland"]
    assert (parcels.loc[farm, "current_use"] == "crop").all()
    share = parcels.loc[farm, "area_ha"].sum() / parcels.loc[crop, "area_ha"].sum()
    assert share == pytest.approx(0.8, abs=0.5 / crop.sum())
    assert parcels.loc[farm, "crop_quality"].min() >= parcels.loc[crop & ~farm, "crop_quality"].max()


def test_red_line_is_exactly_the_protected_classes(built) -> None:
    parcels = built.parcels
    protected = parcels["source_class"].isin([r.value for r in class_table("igbp").rows if r.redline])
    assert (parcels["eco_redline"] == protected).all()
    assert parcels.loc[parcels["eco_redline"], "current_use"].isin(["water", "forest", "barren"]).all()
    assert not (parcels["farmland"] & parcels["eco_redline"]).any()


def test_urban_boundary_surrounds_urban_land_and_is_sized_to_growth(built) -> None:
    parcels, scenario = built.parcels, built.scenario
    inside = parcels["urban_boundary"]
    assert inside[parcels["current_use"] == "urban"].all()
    assert not (inside & (parcels["farmland"] | parcels["eco_redline"])).any()
    grown = parcels[inside & (parcels["current_use"] != "urban")]
    assert len(grown) > 0
    density = scenario["population"]["density"]
    for district, group in grown.groupby("district"):
        rho_now = group["current_use"].map(density).fillna(0.0)
        room = (group["area_ha"] * (density["urban"] - rho_now)).sum()
        pop = parcels.loc[parcels["district"] == district, "pop"].sum()
        need = (scenario["districts"][district]["population_target"]
                - (parcels.loc[parcels["district"] == district, "area_ha"]
                   * parcels.loc[parcels["district"] == district, "current_use"].map(density).fillna(0)).sum())
        assert need == pytest.approx(0.10 * pop, abs=1.0)  # urban district: +10 %
        assert room >= 1.5 * need
        assert room - group["area_ha"].max() * density["urban"] < 1.5 * need  # no more than one cell too many


def test_suitability_is_in_range_and_favours_todays_use(built) -> None:
    parcels = built.parcels
    for code in ("crop", "forest", "grass", "water", "urban", "barren"):
        column = parcels[f"suit_{code}"]
        assert column.between(0, 1).all()
        here = parcels["current_use"] == code
        assert column[here].mean() > column[~here].mean() + 0.2, code
    near = parcels["suit_urban"].to_numpy()
    urban_cells = _grid_of(parcels, "suit_urban", 0.0).astype(float)
    assert urban_cells[12, 10] > urban_cells[12, 0]  # closer to the town is more suitable for building
    assert near.max() <= 1.0


def test_settlement_split_turns_small_built_patches_into_villages() -> None:
    use = np.full((6, 6), CODES.index("grass"), np.int16)
    use[0:3, 0:3] = CODES.index("urban")  # 9 cells of 25 ha: a town
    use[5, 5] = CODES.index("urban")  # one cell: a village
    out = derive.settlement_split(use, np.full((6, 6), 25.0), derive.SettlementRule(town_min_ha=100.0))
    assert (out[0:3, 0:3] == CODES.index("urban")).all() and out[5, 5] == CODES.index("rural")


def test_neighbourhood_shares_sum_to_one_where_there_is_data() -> None:
    use = np.random.default_rng(3).integers(-1, len(CODES), (15, 17)).astype(np.int16)
    shares = derive.neighbourhood_shares(use, 2)
    assert np.allclose(shares.sum(axis=0), 1.0)


# ---------------------------------------------------------------- the plan

def test_scenario_adds_barren_and_validates(built) -> None:
    scenario = built.scenario
    assert [u["code"] for u in scenario["land_use"]] == list(CODES)
    assert set(scenario["districts"]) == {"west", "east"}
    assert scenario["quotas"]["barren"]["max"] < built.parcels.loc[
        built.parcels["current_use"] == "barren", "area_ha"].sum()
    assert scenario["service"]["radius_m"] >= 3000


def test_written_instance_loads_compiles_and_its_layouts_evaluate(built, tmp_path) -> None:
    out = built.to_file(tmp_path / "synthetic")
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "feasible_layout.csv", "parcels.gpkg",
                                                     "scenario.toml"]
    text = (out / "scenario.toml").read_text(encoding="utf-8")
    assert "derive.residents" in text and "derive.suitability" in text
    assert tomllib.loads(text)["name"] == "synthetic-igbp"
    instance = Instance.load(out)
    problem = instance.compile()
    today = evaluate(problem, problem.current_layout).constraint_table()
    assert today.loc[today.constraint.isin(RULE_ALLOCATION), "holds"].all()
    assert not today.holds.all()  # the quotas bind: today's layout is not yet the plan
    witness = evaluate(problem, instance.read_layout(out / "feasible_layout.csv"))
    assert witness.feasible[0]
    binding = witness.constraint_table().set_index("constraint")["slack"]
    assert binding["quota_max[urban]"] < instance.parcels["area_ha"].max()
    readme = (out / "README.md").read_text(encoding="utf-8")
    for word in ("Provenance", "derived", "real", "derive.basic_farmland", "Grasslands"):
        assert word in readme
    with pytest.raises(InputError, match="not empty"):
        built.to_file(out)


def test_targets_add_the_projected_change_to_todays_capacity() -> None:
    capacity = np.array([1000.0, 500.0])
    pop = np.array([800.0, 200.0, 400.0])
    out = plan.targets(pop, capacity, np.array([0, 0, 1]), ["urban", "rural"], plan.PlanRule())
    assert out.tolist() == [1100.0, 480.0]


def test_bad_inputs_name_the_parameter(raster: str) -> None:
    with pytest.raises(InputError, match="classes"):
        from_landcover(raster, bbox=BBOX)
    with pytest.raises(InputError, match="bbox"):
        from_landcover(raster, classes="igbp")
    with pytest.raises(InputError, match="does not overlap"):
        from_landcover(raster, bbox=(0.0, 0.0, 1.0, 1.0), classes="igbp")
    with pytest.raises(InputError, match="districts='auto'"):
        from_landcover(raster, bbox=BBOX, classes="igbp", districts="auto")
    with pytest.raises(InputError, match="not found"):
        from_landcover("no-such.tif", bbox=BBOX, classes="igbp")
    with pytest.raises(InputError, match="district_residents"):
        from_landcover(raster, bbox=BBOX, classes="igbp", residents=10, district_residents={"nowhere": 1})
