"""Plans across levels: the district tree, district quotas and the quota cascade, by brute force.

A tiny random county (``tests/counties.py``) gets a three-level tree: leaves d1 and d2 under the
county ``north``, ``north`` and leaf d3 under the city ``city``. Quotas on the parent only, on the
children only and on both are checked against a plain-Python count of the parcel table over every
layout the county allows; the MILP must reach the enumeration's optimum and NSGA-II must return
feasible layouts only; impossible combinations are named at the level where they fail.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from counties import random_county
from reference import Enumeration, layouts_of
from test_cli import run

from landalloc.models import InputError, evaluate
from landalloc.models.presolve import presolve_check
from landalloc.models.scenario import GROUPS
from landalloc.optimizer import milp, nsga

TREE = {"city": {"level": "city", "name_zh": "城"}, "north": {"parent": "city", "level": "county"},
        "d1": {"parent": "north", "level": "township"}, "d2": {"parent": "north", "level": "township"},
        "d3": {"parent": "city", "level": "county"}}
LEAVES = {"city": {"d1", "d2", "d3"}, "north": {"d1", "d2"}, "d1": {"d1"}, "d2": {"d2"}, "d3": {"d3"}}


def _three_districts():
    """The first seed whose county has three districts, a feasible plan and a quota use that varies."""
    for seed in range(400):
        county = random_county(seed, max_layouts=1_500)
        if county.parcels["district"].nunique() == 3 and Enumeration(county.compile()).feasible:
            return county
    raise AssertionError("no tiny county with three districts")


@pytest.fixture(scope="module")
def county():
    county = _three_districts()
    for name, settings in TREE.items():
        county.scenario["districts"].setdefault(name, {}).update(settings)
    return county


@pytest.fixture(scope="module")
def plan(county):
    """The use whose area varies most across the county's feasible layouts, and one feasible layout's
    hectares of it per leaf (quotas drawn around that layout stay feasible and bind)."""
    problem = county.compile()
    feasible = Enumeration(problem).layouts
    codes = list(problem.codes)
    spread = {c: np.ptp((feasible == codes.index(c)) @ problem.area) for c in codes}
    use = max(spread, key=spread.get)
    district = county.parcels["district"].to_numpy()
    layout = feasible[len(feasible) // 2]
    return use, {leaf: float(problem.area[(district == leaf) & (layout == codes.index(use))].sum())
                 for leaf in ("d1", "d2", "d3")}


def _with(county, quotas: dict) -> object:
    variant = copy.deepcopy(county)
    variant.scenario["district_quotas"] = quotas
    return variant


def _reference(county, layouts: np.ndarray) -> dict[str, np.ndarray]:
    """Slacks of the district quotas counted from the parcel table (not the compiled problem)."""
    uses = county.scenario["land_use"]
    codes = [u["code"] for u in uses]
    parcels = county.instance().parcels
    district, area = parcels["district"].to_numpy(str), parcels["area_ha"].to_numpy(float)
    out = {}
    for node, quotas in county.scenario["district_quotas"].items():
        inside = np.isin(district, sorted(LEAVES[node]))
        for key, quota in quotas.items():
            members = [k for k, u in enumerate(uses) if (u["group"] == key if key in GROUPS else codes[k] == key)]
            total = (np.isin(layouts, members) & inside) @ area
            if quota.get("min"):
                out[f"quota_min[{node}.{key}]"] = total - quota["min"]
            if quota.get("max") is not None:
                out[f"quota_max[{node}.{key}]"] = quota["max"] - total
    return out


def _cases(use: str, share: dict[str, float]) -> dict[str, dict]:
    total = sum(share.values())
    return {
        "parent only": {"city": {use: {"min": total}}},
        "children only": {"d1": {use: {"max": share["d1"]}}, "d2": {use: {"min": share["d2"]}},
                          "d3": {use: {"max": share["d3"]}}},
        "both": {"city": {use: {"min": total}}, "north": {use: {"max": share["d1"] + share["d2"]}},
                 "d3": {use: {"max": share["d3"] + 1e-3}}},
    }


@pytest.mark.parametrize("case", ["parent only", "children only", "both"])
def test_district_quotas_evaluate_milp_and_nsga_against_enumeration(county, plan, case):
    use, share = plan
    variant = _with(county, _cases(use, share)[case])
    problem = variant.compile()
    every = layouts_of(problem)
    result = evaluate(problem, every, objectives=("efficiency",))
    expected = _reference(variant, every)
    for name, slack in expected.items():
        np.testing.assert_allclose(result.slack[:, result.constraints.index(name)], slack, atol=1e-8)
    exact = Enumeration(problem)
    assert exact.feasible
    found = milp.solve(problem, "efficiency")
    assert found.objective == pytest.approx(exact.optimum("efficiency", "max"), rel=1e-6)
    front = nsga.explore(problem, ["efficiency", "change"], pop_size=12, generations=8, seed=2, progress=False)
    assert evaluate(problem, front.layouts).feasible.all()
    reached = _reference(variant, front.layouts)
    assert all((slack >= -1e-6).all() for slack in reached.values())


def test_children_that_cannot_meet_the_parent_are_named_at_the_parent(county, plan):
    use, share = plan
    total = sum(share.values())
    too_much = _with(county, {"city": {use: {"min": total}}, "north": {use: {"max": share["d1"] + share["d2"] - 1.0}},
                              "d3": {use: {"max": share["d3"]}}})
    errors = [f for f in presolve_check(too_much.compile()) if f.severity == "error"]
    assert errors[0].rule == f"quota_min[city.{use}]"
    assert "districts under 城" in errors[0].message and f"district_quotas.city.{use}.min" in errors[0].message
    assert errors[0].amount == pytest.approx(1.0)
    lower = _with(county, {"north": {use: {"min": share["d1"] + share["d2"]}},
                           "d1": {use: {"max": share["d1"] - 0.5}}, "d2": {use: {"max": share["d2"]}}})
    errors = [f for f in presolve_check(lower.compile()) if f.severity == "error"]
    assert errors[0].rule == f"quota_min[north.{use}]" and "township districts under north" in errors[0].message
    assert errors[0].amount == pytest.approx(0.5)


@pytest.mark.parametrize(("districts", "message"), [
    ({"d1": {"parent": "nowhere"}}, "districts.d1.parent: unknown district 'nowhere'"),
    ({"a": {"parent": "b"}, "b": {"parent": "a"}, "d1": {"parent": "a"}}, "form a cycle"),
    ({"d1": {}, "d2": {"parent": "d1"}}, "name district 'd1', which has districts under it"),
])
def test_tree_mistakes_are_named(county, districts, message):
    variant = copy.deepcopy(county)
    variant.scenario["districts"] = districts
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(".", r"\.")):
        variant.compile()


def test_cli_solve_writes_the_cascade(county, plan, tmp_path):
    use, share = plan
    variant = _with(county, {"city": {use: {"min": sum(share.values())}}})
    folder = variant.write(tmp_path / "county")
    done = run("solve", str(folder), "--method", "milp", "--objectives", "efficiency,change", "--points", "3",
               "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    cascade = pd.read_csv(tmp_path / "out" / "cascade.csv", dtype={"district": str})
    problem = variant.compile()
    assert set(cascade["district"]) - {"all"} == set(TREE)          # "all": the county-wide [quotas]
    assert set(cascade["level"]) - {"all"} == {"city", "county", "township"}
    city = cascade[(cascade["district"] == "city") & (cascade["use"] == use)]
    assert len(city) == cascade["solution"].nunique() >= 1             # one row per reported solution
    np.testing.assert_allclose(city["quota_min_ha"], sum(share.values()))
    assert (city["planned_ha"] >= sum(share.values()) - 1e-6).all()
    leaves = cascade[cascade["district"].isin(["d1", "d2", "d3"]) & (cascade["use"] == use)]
    sums = leaves.groupby("solution")["planned_ha"].sum()
    np.testing.assert_allclose(sums.to_numpy(), city.set_index("solution").loc[sums.index, "planned_ha"].to_numpy())
    assert problem.tree.names[problem.tree.index("city")] == "城"


def test_fairness_band_keeps_each_county_near_its_share_of_the_city_change(county, plan):
    """``[fairness] county = b``: |R_c - s_c R_P| <= b D_P for the counties under the city, counted
    from the parcel table for every layout; the MILP reaches the enumeration's optimum under it."""
    use, share = plan
    variant = _with(county, {"city": {use: {"max": sum(share.values())}}})
    variant.scenario["fairness"] = {"county": 0.5}
    problem = variant.compile()
    every = layouts_of(problem)
    parcels = variant.instance().parcels
    district, area = parcels["district"].to_numpy(str), parcels["area_ha"].to_numpy(float)
    k = list(problem.codes).index(use)
    today, layout_area = area * (problem.current == k), (every == k) * area
    asked = abs(today.sum() - sum(share.values()))
    result = evaluate(problem, every, objectives=("efficiency",))
    for child in ("north", "d3"):
        mine = np.isin(district, sorted(LEAVES[child]))
        s = today[mine].sum() / today.sum()
        gap = (today[mine].sum() - layout_area[:, mine].sum(axis=1)) - s * (today.sum() - layout_area.sum(axis=1))
        np.testing.assert_allclose(result.slack[:, result.constraints.index(f"fairness_max[{child}.{use}]")],
                                   0.5 * asked + gap, atol=1e-8)
        np.testing.assert_allclose(result.slack[:, result.constraints.index(f"fairness_min[{child}.{use}]")],
                                   0.5 * asked - gap, atol=1e-8)
    exact = Enumeration(problem)
    if exact.feasible:
        assert milp.solve(problem, "efficiency").objective == pytest.approx(exact.optimum("efficiency", "max"),
                                                                            rel=1e-6)
