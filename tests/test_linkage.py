"""城乡建设用地增减挂钩 (``[rules] construction_linkage``, ``[linkage] pairs``) by brute force.

The bundled tiny county gets rural settlements and a third district: new urban land must be offset
by rural settlement land reclaimed to cropland or grassland, over the whole plan and within the
linked pair (west, east). The rows are checked against a plain count of the parcel table over every
layout the county allows; the MILP must reach the enumeration's optimum, NSGA-II must return layouts
that keep the rule, and the command line solves and verifies such a county.
"""

from __future__ import annotations

import copy
import tomllib

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from reference import Enumeration, layouts_of
from test_cli import run

from landalloc.instances import bundled
from landalloc.instances.synthetic import write_instance
from landalloc.models import InfeasibleError, Instance, InputError, evaluate, parse_scenario
from landalloc.models.parcels import validate_parcels
from landalloc.models.presolve import presolve_check
from landalloc.optimizer import milp, nsga

RURAL = {"code": "rural", "name_en": "rural settlement", "group": "construction", "benefit": 4.0, "esv": 0.0,
         "color": "#fc8d59"}
SETTLEMENTS = [6, 7, 11, 4]
"""Parcels that are rural settlements today (the tiny county's parcel ids)."""
NORTH = [3, 4]
"""Parcels moved to a third district, outside the linked pair."""
PAIR = ("west", "east")


@pytest.fixture(scope="module")
def county() -> tuple[pd.DataFrame, dict]:
    """The tiny county's parcels and scenario with rural settlements, the rule on and one pair."""
    source = Instance.load(bundled("tiny"))
    parcels = source.parcels.copy()
    parcels.loc[parcels["parcel_id"].isin(SETTLEMENTS), "current_use"] = "rural"
    parcels.loc[parcels["parcel_id"].isin(NORTH), "district"] = "north"
    parcels["suit_rural"] = 0.5
    scenario = tomllib.loads((bundled("tiny") / "scenario.toml").read_text(encoding="utf-8"))
    scenario["land_use"].append(RURAL)
    scenario["population"]["density"]["rural"] = 40.0
    scenario["rules"] = {"construction_linkage": True}
    scenario["linkage"] = {"pairs": [list(PAIR)]}
    scenario["districts"]["west"]["name_en"] = "West Town"
    return parcels, scenario


def _instance(county, **changes) -> Instance:
    parcels, scenario = county
    scenario = {**copy.deepcopy(scenario), **changes}
    chosen = parse_scenario(scenario)
    return Instance(validate_parcels(parcels.copy(), chosen.codes), chosen)


def _linkage_slack(parcels: pd.DataFrame, codes: tuple[str, ...], layouts: np.ndarray,
                   districts: set[str] | None) -> np.ndarray:
    """Reclaimed rural settlement minus new urban land, counted from the parcel table per layout."""
    use = np.array(codes, dtype=object)[layouts]
    today = parcels["current_use"].to_numpy(str)
    area = parcels["area_ha"].to_numpy(float)
    inside = np.ones(len(parcels), bool) if districts is None else parcels["district"].isin(districts).to_numpy()
    new_urban = ((use == "urban") & (today != "urban") & inside) @ area
    reclaimed = (np.isin(use, ["crop", "grass"]) & (today == "rural") & inside) @ area
    return reclaimed - new_urban


def test_linkage_rows_equal_a_count_of_the_parcel_table(county):
    instance = _instance(county)
    problem = instance.compile()
    every = layouts_of(problem)
    result = evaluate(problem, every, objectives=("efficiency",))
    plan = _linkage_slack(instance.parcels, problem.codes, every, None)
    pair = _linkage_slack(instance.parcels, problem.codes, every, set(PAIR))
    np.testing.assert_allclose(result.slack[:, result.constraints.index("construction_linkage[plan]")], plan)
    np.testing.assert_allclose(result.slack[:, result.constraints.index("construction_linkage[west+east]")], pair)
    assert (plan != pair).any()                                  # the pair's row is not the plan's
    free = evaluate(_instance(county, rules={}).compile(), every, objectives=("efficiency",))
    np.testing.assert_array_equal(result.feasible, free.feasible & (plan >= -1e-9) & (pair >= -1e-9))
    assert (free.feasible & ~result.feasible).any()              # the rule removes layouts


def test_milp_and_nsga_keep_the_linkage_and_the_milp_reaches_the_enumerated_optimum(county):
    problem = _instance(county).compile()
    exact = Enumeration(problem)
    without = Enumeration(_instance(county, rules={}).compile())
    best = exact.optimum("efficiency", "max")
    assert best < without.optimum("efficiency", "max") - 1e-6    # the rule binds at the optimum
    found = milp.solve(problem, "efficiency")
    assert found.objective == pytest.approx(best, rel=1e-6)
    assert evaluate(problem, found.layout[None, :]).feasible.all()
    front = nsga.explore(problem, ["efficiency", "change"], pop_size=12, generations=10, seed=3, progress=False)
    result = evaluate(problem, front.layouts)
    assert len(front) and result.feasible.all()
    for name in ("construction_linkage[plan]", "construction_linkage[west+east]"):
        assert (result.slack[:, result.constraints.index(name)] >= -1e-9).all()


def test_with_the_rule_off_pairs_are_ignored_and_no_row_is_built(county):
    problem = _instance(county, rules={"construction_linkage": False}).compile()
    assert "linkage" not in problem.rules.kinds


@pytest.mark.parametrize(("changes", "message"), [
    ({"linkage": {"pairs": [["west", "nowhere"]]}}, "linkage.pairs ['west', 'nowhere']: unknown district 'nowhere'"),
    ({"linkage": {"pairs": [["west", "west"]]}}, "links a district with itself"),
])
def test_linkage_mistakes_are_named(county, changes, message):
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        _instance(county, **changes).compile()


def test_a_classification_without_rural_settlements_is_refused(county):
    parcels, scenario = county
    scenario = copy.deepcopy(scenario)
    scenario["land_use"] = [u for u in scenario["land_use"] if u["code"] != "rural"]
    del scenario["population"]["density"]["rural"]
    table = parcels.assign(current_use=parcels["current_use"].replace("rural", "grass")).drop(columns="suit_rural")
    chosen = parse_scenario(scenario)
    with pytest.raises(InputError, match="no 'rural'.*construction_linkage = false"):
        Instance(validate_parcels(table, chosen.codes), chosen).compile()


def test_a_housing_target_the_settlements_cannot_offset_is_named_before_solving(county):
    """West must house 450 persons (a new hectare of urban land) but no settlement may be reclaimed."""
    parcels, scenario = county
    changed = copy.deepcopy(scenario)
    changed["districts"]["west"]["population_target"] = 450.0
    changed["conversion"]["rural"] = ["rural", "service"]
    changed["quotas"]["construction"]["max"] = 10.0
    assert Enumeration(_instance((parcels, changed), rules={}).compile()).feasible   # feasible without the rule
    problem = _instance((parcels, changed)).compile()
    assert not Enumeration(problem).feasible
    errors = [f for f in presolve_check(problem) if f.severity == "error"]
    # the smallest relaxation may give up the housing target instead: the message names both rules
    assert errors[0].rule == "joint" and "construction linkage cannot all hold" in errors[0].message, errors
    with pytest.raises(InfeasibleError):
        milp.solve(problem, "efficiency")


def test_cli_solves_and_verifies_a_county_under_the_linkage(county, tmp_path):
    parcels, scenario = county
    folder = write_instance(parcels, copy.deepcopy(scenario), tmp_path / "county", "# tiny with settlements\n",
                            force=True)
    out = tmp_path / "out"
    done = run("solve", str(folder), "--objectives", "efficiency,change", "--points", "3", "--out", str(out))
    assert done.returncode == 0, done.stderr
    checked = run("check", str(folder), str(out))
    assert checked.returncode == 0 and "points verified" in checked.stdout, checked.stdout + checked.stderr
    instance = Instance.load(folder)
    codes = instance.compile().codes
    layers = gpd.read_file(out / "layouts.gpkg", layer="layouts").set_index("parcel_id").loc[instance.parcels["parcel_id"]]
    ids = pd.read_csv(out / "front.csv")["id"]
    layouts = np.array([[codes.index(c) for c in layers[pid]] for pid in ids])
    assert len(layouts) >= 2
    assert (_linkage_slack(instance.parcels, codes, layouts, None) >= -1e-9).all()
    assert (_linkage_slack(instance.parcels, codes, layouts, set(PAIR)) >= -1e-9).all()
    # the report's district table gives both sides of the rule per district, from the same layouts
    reported = sorted((out / "tables").glob("*_districts.csv"))
    assert reported
    for path in reported:
        pid = path.name.removesuffix("_districts.csv")
        table = pd.read_csv(path, encoding="utf-8-sig", dtype={"district": str}).set_index("district")
        layout = np.array([codes.index(c) for c in layers[pid]])
        for district in instance.parcels["district"].unique():
            slack = _linkage_slack(instance.parcels, codes, layout[None, :], {district})[0]
            row = table.loc[district]
            assert row["reclaimed_rural_ha"] - row["new_urban_ha"] == pytest.approx(slack), (pid, district)
        assert table.loc["west", "district_name"] == "West Town"   # the names run.json records
