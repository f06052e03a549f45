"""presolve_check: each impossible plan explained by rule and amount; warnings for dull data.

Every error is checked against brute force on the tiny instance: when presolve says no layout
is feasible, enumerating every allowed layout finds none.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools

import numpy as np
import pytest

from landalloc.instances import bundled
from landalloc.instances.handmade import tiny_county
from landalloc.models import InfeasibleError, Instance, evaluate, parse_scenario
from landalloc.models.parcels import validate_parcels
from landalloc.models.presolve import Finding, presolve_check, require_feasible_bounds


def tiny_problem(change=None, parcels_change=None):
    parcels, scenario = tiny_county()
    scenario = copy.deepcopy(scenario)
    if change:
        change(scenario)
    if parcels_change:
        parcels_change(parcels)
    chosen = parse_scenario(scenario)
    return Instance(validate_parcels(parcels, chosen.codes), chosen).compile()


def any_feasible(problem) -> bool:
    """Brute force: does any layout the allocation rules allow satisfy every constraint?"""
    free = problem.free
    options = [np.flatnonzero(problem.allowed[i]) for i in free]
    combos = np.array(list(itertools.product(*options))) if len(free) else np.zeros((1, 0), np.int64)
    layouts = np.repeat(problem.current_layout[None], len(combos), axis=0)
    layouts[:, free] = combos
    layouts[:, problem.locked] = problem.allowed[problem.locked].argmax(axis=1)
    return bool(evaluate(problem, layouts, objectives=()).feasible.any())


def errors(problem) -> list[Finding]:
    found = [f for f in presolve_check(problem) if f.severity == "error"]
    if found:
        assert not any_feasible(problem), "presolve called a feasible plan impossible"
    return found


def only_error(problem, rule: str, *fragments: str) -> Finding:
    found = errors(problem)
    assert [f.rule for f in found] == [rule], [f.message for f in found]
    for fragment in fragments:
        assert fragment in found[0].message, found[0].message
    return found[0]


def test_feasible_plans_pass(tiny_problem):
    assert any_feasible(tiny_problem)
    assert errors(tiny_problem) == []
    assert require_feasible_bounds(tiny_problem) == []


def test_bundled_demo_passes():
    problem = Instance.load(bundled("demo")).compile()
    assert [f for f in presolve_check(problem) if f.severity == "error"] == []


def test_locked_area_above_maximum():
    problem = tiny_problem(lambda s: s["quotas"].update(construction={"max": 2.0}))
    finding = only_error(problem, "quota_max[construction]",
                         "construction land maximum 2 ha cannot be met: 4 ha of parcels must be construction land",
                         "(conversion; e.g. parcels 5, 9, 10, 12)", "2 ha too many", "quotas.construction.max")
    assert finding.amount == pytest.approx(2.0) and finding.unit == "ha"


def test_allowed_area_below_minimum():
    problem = tiny_problem(lambda s: s["quotas"].update(crop={"min": 9.0}))
    finding = only_error(problem, "quota_min[crop]",
                         "cropland minimum 9 ha cannot be met: at most 7 ha of parcels may be cropland",
                         "conversion shuts out 4 ha, eco_redline shuts out 1 ha", "2 ha short", "quotas.crop.min")
    assert finding.amount == pytest.approx(2.0)


def test_minimum_quotas_above_total_area():
    problem = tiny_problem(lambda s: s["quotas"].update(crop={"min": 7.0}, grass={"min": 5.0}))
    finding = only_error(problem, "quotas", "crop 7 + grass 5 = 12 ha cannot fit", "the county has 12 ha",
                         "4 ha of parcels may take none of these uses", "exceed it by 4 ha")
    assert finding.amount == pytest.approx(4.0)


def test_district_target_above_capacity():
    problem = tiny_problem(lambda s: s["districts"]["east"].update(population_target=1000.0))
    finding = only_error(problem, "population[east]", "district east must house 1,000 persons but at most 300 fit",
                         "urban 150", "700 short")
    assert finding.unit == "persons" and finding.amount == pytest.approx(700.0)


def test_cropland_balance_impossible(tiny_problem):
    # a rule set that forces cropland parcel 6 to be built on and forbids any new cropland
    crop, urban = tiny_problem.use_index("crop"), tiny_problem.use_index("urban")
    allowed = tiny_problem.allowed.copy()
    allowed[5] = False
    allowed[5, urban] = True
    allowed[tiny_problem.current != crop, crop] = False
    forbidden = {"conversion": ~allowed}
    problem = dataclasses.replace(tiny_problem, allowed=allowed, forbidden=forbidden,
                                  district_target=np.full(2, np.nan))
    finding = only_error(problem, "cropland_balance", "1 ha of cropland must become construction land",
                         "(parcels 6)", "at most 0 ha of new cropland", "1 ha short")
    assert finding.amount == pytest.approx(1.0)


def test_quotas_and_targets_jointly_impossible():
    # each bound alone can hold; cropland 6 ha and 600 persons in the west cannot hold together
    def change(s):
        s["quotas"]["crop"] = {"min": 6.0}
        s["districts"]["west"]["population_target"] = 600.0

    finding = only_error(tiny_problem(change), "joint", "cannot all hold together",
                         "even with parcels split into fractions", "misses")
    assert finding.amount > 0


def test_require_feasible_bounds_raises_with_every_error():
    def change(s):
        s["quotas"]["construction"] = {"max": 2.0}
        s["districts"]["east"]["population_target"] = 1000.0

    with pytest.raises(InfeasibleError, match=r"no layout can satisfy the rules: \(1\) construction land maximum.*"
                                              r"\(2\) district east must house"):
        require_feasible_bounds(tiny_problem(change))


def test_warns_use_no_parcel_may_take():
    def change(s):
        s["land_use"].append({"code": "water", "name_en": "water", "name_zh": "水域", "group": "ecological",
                              "benefit": 0.6, "esv": 17.0, "color": "#4fa3e0"})
        anything = ["crop", "grass", "urban", "service"]
        s["conversion"] = {"crop": anything, "grass": anything, "urban": ["urban", "service"],
                           "service": ["service", "urban"]}

    problem = tiny_problem(change, lambda p: p.insert(5, "suit_water", 0.5))
    warnings = require_feasible_bounds(problem)
    assert [w.rule for w in warnings] == ["use[water]"]
    assert "no parcel may become water ('water')" in warnings[0].message


def test_warns_objective_without_spread():
    def change(s):
        s["compactness"] = {"uses": []}
        s["land_use"] = [{**u, "esv": 1.0} for u in s["land_use"]]

    warnings = {w.rule: w.message for w in require_feasible_bounds(tiny_problem(change))}
    assert "[compactness] names no use" in warnings["objective[compactness]"]
    assert "no parcel's allowed uses differ in it" in warnings["objective[ecology]"]


def test_warns_everything_locked():
    def change(s):
        s["conversion"] = {code: [] for code in ("crop", "grass", "urban", "service")}
        s["quotas"] = {}
        s["districts"] = {}

    warnings = {w.rule: w.message for w in require_feasible_bounds(tiny_problem(change))}
    assert "every parcel is locked" in warnings["parcels"]
    assert "objective[efficiency]" in warnings


def test_warns_slivers(tiny_problem):
    area = tiny_problem.area.copy()
    area[7] = 1e-7
    problem = dataclasses.replace(tiny_problem, area=area)
    warnings = [w for w in presolve_check(problem) if w.rule == "parcels"]
    assert warnings and "parcels 8" in warnings[0].message and "slivers" in warnings[0].message


def test_warns_which_district_no_layout_can_serve_and_how_far_service_land_is(tmp_path):
    """East's only residents live on parcel 12, which may not become public-service land, and the
    radius reaches no other parcel: equity is 0 in every layout, and presolve says why and how far."""
    from landalloc.instances.synthetic import write_instance
    from tests.test_cli import run

    def change(s):
        s["conversion"]["urban"] = ["urban"]
        s["service"] = {"radius_m": 50.0}

    problem = tiny_problem(change)
    parcels, scenario = tiny_county()
    warnings = {w.rule: w.message for w in require_feasible_bounds(problem)}
    message = warnings["objective[equity]"]
    may_serve = problem.allowed[:, problem.service]
    geometry = parcels.geometry.to_numpy()
    for district in ("east", "west"):
        homes = np.flatnonzero((parcels["district"] == district).to_numpy() & (parcels["pop"] > 0).to_numpy())
        assert not (problem.allowed[homes, problem.service]).any()
        nearest = min(g.centroid.distance(geometry[j].centroid)
                      for g in geometry[homes] for j in np.flatnonzero(may_serve))
        assert f"{district} (the nearest is {nearest:,.0f} m away)" in message
    assert "equity is 0 in every layout" in message and "radius_m" in message
    assert (evaluate(problem, np.array([problem.current_layout])).objective("equity") == 0).all()

    changed = copy.deepcopy(scenario)
    change(changed)
    folder = write_instance(parcels, changed, tmp_path / "unserved", "# tiny, east unserved\n", force=True)
    done = run("solve", str(folder), "--objectives", "efficiency,equity", "--points", "3", "--no-report",
               "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "equity is 0 in every layout" in done.stdout and "east (the nearest is" in done.stdout, done.stdout
