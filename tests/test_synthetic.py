"""The synthetic county generator: reproducible, honouring the data contract, realistic, feasible."""

from __future__ import annotations

import tomllib

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely
import tomli_w
from scipy.optimize import Bounds, LinearConstraint, milp

from landalloc.instances import bundled, generate_county, synthetic_readme, write_instance
from landalloc.instances.synthetic import CODES
from landalloc.models.errors import InputError
from landalloc.models.scenario import parse_scenario

SETTLEMENTS = ["urban", "rural", "service"]
SHARE_RANGES = {"grass": (0.55, 0.65), "crop": (0.10, 0.15), "forest": (0.05, 0.10), "water": (0.03, 0.05),
                "urban": (0.02, 0.04), "rural": (0.02, 0.03), "service": (0.0, 0.01)}


@pytest.fixture(scope="module")
def grid() -> tuple[gpd.GeoDataFrame, dict]:
    return generate_county(3000, seed=11)


@pytest.fixture(scope="module")
def polygons() -> tuple[gpd.GeoDataFrame, dict]:
    return generate_county(3000, seed=12, shape="polygons")


def _same(a: tuple[gpd.GeoDataFrame, dict], b: tuple[gpd.GeoDataFrame, dict]) -> bool:
    return (a[0].drop(columns="geometry").equals(b[0].drop(columns="geometry"))
            and bool(np.array_equal(shapely.to_wkb(a[0].geometry.values), shapely.to_wkb(b[0].geometry.values)))
            and tomli_w.dumps(a[1]) == tomli_w.dumps(b[1]))


@pytest.mark.parametrize("shape", ["grid", "polygons"])
def test_same_seed_same_county_other_seed_other_county(shape: str) -> None:
    first = generate_county(600, seed=5, shape=shape)
    assert _same(first, generate_county(600, seed=5, shape=shape))
    assert not _same(first, generate_county(600, seed=6, shape=shape))


@pytest.mark.parametrize("shape", ["grid", "polygons"])
@pytest.mark.parametrize("n", [100, 101, 997, 1000, 2501])
def test_exact_number_of_parcels(n: int, shape: str) -> None:
    parcels, scenario = generate_county(n, seed=1, shape=shape)
    assert len(parcels) == n
    assert parcels["parcel_id"].tolist() == list(range(1, n + 1))


def test_grid_cells_are_500_m_squares(grid: tuple[gpd.GeoDataFrame, dict]) -> None:
    parcels = grid[0]
    np.testing.assert_allclose(parcels.geometry.area, 250_000.0)
    assert parcels.crs.to_epsg() == 32649
    x, y = parcels.geometry.centroid.x, parcels.geometry.centroid.y
    assert 370_000 < x.min() and x.max() < 420_000 and 4_280_000 < y.min() and y.max() < 4_330_000


@pytest.mark.parametrize("which", ["grid", "polygons"])
def test_column_contract(which: str, request: pytest.FixtureRequest) -> None:
    parcels = request.getfixturevalue(which)[0]
    suits = [f"suit_{c}" for c in CODES]
    expected = ["parcel_id", "current_use", "district", "pop", "farmland", "eco_redline", "urban_boundary",
                *suits, "crop_quality"]
    assert [c for c in parcels.columns if c != "geometry"] == expected
    assert parcels["parcel_id"].dtype == np.int64 and parcels["parcel_id"].is_unique
    for col in ("farmland", "eco_redline", "urban_boundary"):
        assert parcels[col].dtype == bool
    assert set(parcels["current_use"]) == set(CODES)
    assert parcels["district"].str.fullmatch(r"T\d\d").all()
    for col in [*suits, "crop_quality"]:
        assert parcels[col].dtype == np.float64 and parcels[col].between(0, 1).all()
    pop, use = parcels["pop"], parcels["current_use"]
    assert (pop >= 0).all() and use[pop > 0].isin(SETTLEMENTS).all()
    assert (pop[use.isin(["urban", "rural"])] > 0).all()
    density = pop / (parcels.geometry.area / 1e4)
    assert density[use == "urban"].between(100, 140).all() and density[use == "rural"].between(25, 35).all()


@pytest.mark.parametrize("which", ["grid", "polygons"])
def test_three_lines(which: str, request: pytest.FixtureRequest) -> None:
    parcels = request.getfixturevalue(which)[0]
    use, area = parcels["current_use"], parcels.geometry.area
    farm, red, boundary = parcels["farmland"], parcels["eco_redline"], parcels["urban_boundary"]
    assert not (farm & red).any() and not (farm & boundary).any() and not (red & boundary).any()
    assert (use[farm] == "crop").all()
    assert area[farm].sum() / area[use == "crop"].sum() == pytest.approx(0.8, abs=0.02)
    assert use[red].isin(["forest", "grass", "water"]).all() and red[use == "water"].all()
    assert boundary[use == "urban"].all()
    assert 1.5 < area[boundary].sum() / area[use.isin(["urban", "service"]) & boundary].sum() < 2.1


def test_polygons_are_valid_and_tile_the_county(polygons: tuple[gpd.GeoDataFrame, dict]) -> None:
    geometry = polygons[0].geometry.values
    assert shapely.is_valid(geometry).all()
    assert (shapely.get_type_id(geometry) == 3).all()  # Polygon
    xmin, ymin, xmax, ymax = shapely.total_bounds(geometry)
    rectangle = (xmax - xmin) * (ymax - ymin)
    assert shapely.area(geometry).sum() == pytest.approx(rectangle, rel=1e-6)
    assert shapely.area(shapely.union_all(geometry)) == pytest.approx(rectangle, rel=1e-6)  # no overlap
    assert shapely.area(geometry).mean() == pytest.approx(250_000.0, rel=1e-6)


@pytest.mark.parametrize("which", ["grid", "polygons"])
def test_land_use_shares(which: str, request: pytest.FixtureRequest) -> None:
    parcels = request.getfixturevalue(which)[0]
    area = parcels.geometry.area
    shares = area.groupby(parcels["current_use"]).sum() / area.sum()
    for code, (low, high) in SHARE_RANGES.items():
        assert low <= shares[code] <= high, (code, shares[code])


def test_suitability_is_spatially_autocorrelated_and_fits_current_use(grid: tuple[gpd.GeoDataFrame, dict]) -> None:
    parcels = grid[0]
    raster = parcels["suit_crop"].to_numpy().reshape(50, 60)
    assert np.corrcoef(raster[:, :-1].ravel(), raster[:, 1:].ravel())[0, 1] > 0.5
    assert np.corrcoef(raster[:-1].ravel(), raster[1:].ravel())[0, 1] > 0.5
    for code in CODES:
        here = parcels["current_use"] == code
        assert parcels.loc[here, f"suit_{code}"].mean() > parcels.loc[~here, f"suit_{code}"].mean() + 0.05
    assert np.corrcoef(parcels["suit_crop"], parcels["crop_quality"])[0, 1] > 0.6


def test_scenario_validates_and_is_toml(grid: tuple[gpd.GeoDataFrame, dict]) -> None:
    parcels, scenario = grid
    assert tomllib.loads(tomli_w.dumps(scenario)) == scenario
    parsed = parse_scenario(scenario)
    area = parcels.geometry.area / 1e4
    now = area.groupby(parcels["current_use"]).sum()
    assert 0.98 * now["crop"] <= parsed.quotas["crop"].min <= now["crop"]
    assert parsed.quotas["urban"].max == pytest.approx(1.35 * now["urban"], abs=1)
    assert parsed.quotas["construction"].max == pytest.approx(1.15 * now[SETTLEMENTS].sum(), abs=1)
    assert parsed.population.density == {"urban": 150.0, "rural": 40.0}
    assert set(parsed.districts) == set(parcels["district"])
    assert [d.kind for d in parsed.districts.values()].count("urban") >= 1
    assert 4 <= len(parsed.districts) <= 12
    assert parsed.objectives == {"efficiency": "max", "equity": "max", "ecology": "max",
                                 "compactness": "max", "change": "min"}


def test_targets_need_optimisation(grid: tuple[gpd.GeoDataFrame, dict]) -> None:
    """Today's layout houses every rural township's target but not every town's."""
    parcels, scenario = grid
    area = parcels.geometry.area / 1e4
    capacity = (area * parcels["current_use"].map({"urban": 150.0, "rural": 40.0}).fillna(0.0))
    capacity = capacity.groupby(parcels["district"]).sum()
    pop = parcels["pop"].groupby(parcels["district"]).sum()
    short = {d: capacity[d] < s["population_target"] for d, s in scenario["districts"].items()}
    assert any(short[d] for d, s in scenario["districts"].items() if s["kind"] == "urban")
    assert not any(short[d] for d, s in scenario["districts"].items() if s["kind"] == "rural")
    for d, s in scenario["districts"].items():
        ratio = s["population_target"] / pop[d]
        assert (1.0 < ratio <= 1.25) if s["kind"] == "urban" else (0.8 <= ratio <= 0.9)


def test_write_instance_refuses_to_overwrite(tmp_path, grid: tuple[gpd.GeoDataFrame, dict]) -> None:
    parcels, scenario = grid
    out = write_instance(parcels, scenario, tmp_path / "county", synthetic_readme(parcels, scenario))
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "parcels.gpkg", "scenario.toml"]
    back = gpd.read_file(out / "parcels.gpkg", layer="parcels", engine="pyogrio")
    pd.testing.assert_frame_equal(back.drop(columns="geometry"), parcels.drop(columns="geometry"),
                                  check_dtype=False)
    assert back["farmland"].dtype == bool
    assert tomllib.loads((out / "scenario.toml").read_text()) == scenario
    with pytest.raises(InputError, match="not empty"):
        write_instance(parcels, scenario, out, "again")
    write_instance(parcels.iloc[:10], scenario, out, "replaced", force=True)
    assert (out / "README.md").read_text() == "replaced"
    assert [p.name for p in tmp_path.iterdir()] == ["county"]  # no temporary folders left behind


def test_bundled_names_a_missing_instance() -> None:
    with pytest.raises(InputError, match="no bundled instance"):
        bundled("no-such-county")


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(InputError, match="n_parcels"):
        generate_county(10, seed=1)
    with pytest.raises(InputError, match="shape"):
        generate_county(500, seed=1, shape="hexagons")  # type: ignore[arg-type]


@pytest.mark.parametrize(("n", "seed", "shape"), [(900, 1, "grid"), (900, 2, "grid"), (700, 3, "polygons")])
def test_instance_loads_compiles_and_is_feasible(tmp_path, n: int, seed: int, shape: str) -> None:
    """Some layout meets every rule: found by a plain feasibility MILP on the compiled problem."""
    from landalloc.models import Instance, evaluate

    parcels, scenario = generate_county(n, seed=seed, shape=shape)
    problem = Instance.load(write_instance(parcels, scenario, tmp_path / "i", "test")).compile()
    today = evaluate(problem, problem.current_layout).constraint_table()
    assert not today.holds.all()  # the current layout is not already the plan

    parcel, use = np.nonzero(problem.allowed)
    m = len(parcel)
    rows = [sp.csr_matrix((np.ones(m), (parcel, np.arange(m))), shape=(problem.n_parcels, m))]
    low, high = [np.ones(problem.n_parcels)], [np.ones(problem.n_parcels)]
    for quota in problem.quotas:
        rows.append(sp.csr_matrix(problem.area[parcel] * quota.members[use]))
        low.append([quota.low]), high.append([quota.high])
    rows.append(sp.csr_matrix(problem.balance[parcel, use]))
    low.append([0.0]), high.append([np.inf])
    for d in np.flatnonzero(np.isfinite(problem.district_target)):
        rows.append(sp.csr_matrix(problem.capacity[parcel, use] * (problem.district[parcel] == d)))
        low.append([problem.district_target[d]]), high.append([np.inf])
    result = milp(np.zeros(m), constraints=LinearConstraint(sp.vstack(rows), np.concatenate(low),
                                                            np.concatenate(high)),
                  integrality=np.ones(m), bounds=Bounds(0, 1), options={"time_limit": 20})
    assert result.x is not None, result.message
    layout = np.zeros(problem.n_parcels, np.int64)
    chosen = result.x > 0.5
    layout[parcel[chosen]] = use[chosen]
    assert evaluate(problem, layout).feasible[0]
