"""The urban–rural gap in public service (``urban_rural_gap``) by brute force, in both engines.

The gap is counted here from the parcel table (centroid distances, district kinds, residents) for
every layout of small counties; ``evaluate`` must agree, the MILP must reach the enumeration's
minimum and maximum and AUGMECON2's complete front its non-dominated set, and NSGA-II must return
feasible layouts whose values ``evaluate`` confirms. The command line solves and verifies it.
"""

from __future__ import annotations

import copy
import dataclasses
import tomllib

import numpy as np
import pandas as pd
import pytest
import shapely

from counties import random_county
from reference import Enumeration, layouts_of
from test_cli import run

from landalloc.instances import bundled
from landalloc.models import Instance, evaluate, parse_scenario
from landalloc.models.evaluation import gap_weights
from landalloc.models.parcels import validate_parcels
from landalloc.models.presolve import presolve_check
from landalloc.optimizer import milp, nsga

OBJECTIVES = ("efficiency", "urban_rural_gap")


def _with_gap(instance: Instance, county=None) -> tuple:
    """The instance's parcels, its problem with efficiency (max) and the gap (min) as objectives,
    its service radius and the random county it was drawn as (None for the tiny one)."""
    problem = instance.compile()
    return (instance.parcels, dataclasses.replace(problem, objectives=OBJECTIVES, senses=("max", "min")),
            instance.scenario.service.radius_m, county)


def _counties() -> list[tuple]:
    """The tiny county and the first random counties with service land and both kinds of district."""
    out = [_with_gap(Instance.load(bundled("tiny")))]
    for seed in range(200):
        county = random_county(seed, max_layouts=3_000)
        problem = county.compile()
        if problem.service >= 0 and gap_weights(problem) is not None and not problem.locked.all():
            gap = evaluate(problem, layouts_of(problem), objectives=("urban_rural_gap",)).objective("urban_rural_gap")
            if np.ptp(gap) > 0:   # some layout serves the towns or the villages differently
                out.append(_with_gap(county.instance(), county))
        if len(out) == 4:
            return out
    raise AssertionError("too few random counties with service land and urban and rural residents")


COUNTIES = _counties()


def _reference_gap(parcels: pd.DataFrame, problem, layouts: np.ndarray, radius: float) -> np.ndarray:
    """Covered share of urban districts' residents minus rural ones', from the parcel table."""
    centroids = shapely.centroid(parcels.geometry.to_numpy())
    near = shapely.distance(centroids[:, None], centroids[None, :]) <= radius
    service = np.array(problem.codes, dtype=object)[layouts] == "service"
    covered = (service[:, None, :] & near[None, :, :]).any(axis=2)          # layouts × parcels
    pop = parcels["pop"].to_numpy(float)
    urban = np.isin(parcels["district"].to_numpy(str),
                    [d for d, u in zip(problem.districts, problem.district_urban) if u])
    return (covered[:, urban] @ pop[urban]) / pop[urban].sum() - (covered[:, ~urban] @ pop[~urban]) / pop[~urban].sum()


@pytest.mark.parametrize("case", range(len(COUNTIES)))
def test_evaluate_counts_the_gap_as_the_parcel_table_does(case):
    parcels, problem, radius, _ = COUNTIES[case]
    every = layouts_of(problem)
    got = evaluate(problem, every, objectives=("urban_rural_gap",)).objective("urban_rural_gap")
    np.testing.assert_allclose(got, _reference_gap(parcels, problem, every, radius), atol=1e-12)
    assert np.ptp(got) > 0


@pytest.mark.parametrize("case", range(len(COUNTIES)))
def test_milp_reaches_the_enumerated_least_and_greatest_gap(case):
    _, problem, _, _ = COUNTIES[case]
    exact = Enumeration(problem)
    assert exact.feasible
    for sense in ("min", "max"):
        senses = ("max", sense)
        found = milp.solve(dataclasses.replace(problem, senses=senses), "urban_rural_gap")
        assert found.status == "optimal"
        best = exact.optimum("urban_rural_gap", sense)
        assert (found.objective if sense == "max" else -found.objective) == pytest.approx(best, abs=1e-9)
        assert evaluate(problem, found.layout[None]).objective("urban_rural_gap")[0] == pytest.approx(found.objective)


def test_augmecon_front_of_efficiency_and_the_gap_is_the_enumerated_front():
    _, problem, _, _ = COUNTIES[1]
    exact = Enumeration(problem).front(OBJECTIVES, ("max", "min"))
    front = milp.pareto(problem, list(OBJECTIVES), points="all", gap=0, progress=False)
    assert front.run["complete"]
    found = front.values * np.array([1.0, -1.0])
    order = lambda v: v[np.lexsort(v.T[::-1])]   # noqa: E731
    np.testing.assert_allclose(order(found), order(exact), rtol=1e-6, atol=1e-9)


def test_nsga_returns_feasible_layouts_whose_gap_evaluate_confirms():
    _, problem, _, _ = COUNTIES[1]
    front = nsga.explore(problem, list(OBJECTIVES), pop_size=16, generations=12, seed=4, progress=False)
    result = evaluate(problem, front.layouts)
    assert len(front) and result.feasible.all()
    np.testing.assert_allclose(front.values[:, 1], result.objective("urban_rural_gap"))


def test_a_county_with_only_urban_residents_is_warned():
    parcels, scenario = Instance.load(bundled("tiny")).parcels, tomllib.loads(
        (bundled("tiny") / "scenario.toml").read_text(encoding="utf-8"))
    scenario = copy.deepcopy(scenario)
    scenario["districts"]["east"]["kind"] = "urban"
    scenario["objectives"] = {"efficiency": "max", "urban_rural_gap": "min"}
    chosen = parse_scenario(scenario)
    problem = Instance(validate_parcels(parcels.copy(), chosen.codes), chosen).compile()
    warnings = {f.rule: f.message for f in presolve_check(problem)}
    assert "only in urban districts or only in rural ones" in warnings["objective[urban_rural_gap]"]


def test_cli_solves_and_verifies_a_front_of_efficiency_and_the_gap(tmp_path):
    _, problem, _, county = COUNTIES[1]
    expected = Enumeration(problem).front(OBJECTIVES, ("max", "min"))
    assert len(expected) >= 2
    folder = county.write(tmp_path / "county")
    out = tmp_path / "gap"
    done = run("solve", str(folder), "--objectives", ",".join(OBJECTIVES), "--points", "all", "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out / "front.csv")
    assert len(table) == len(expected)
    # the enumeration rounds its front to its tolerance (1e-6 relative)
    np.testing.assert_allclose(np.sort(table["urban_rural_gap"]), np.sort(-expected[:, 1]), rtol=1e-6, atol=1e-9)
    checked = run("check", str(folder), str(out))
    assert checked.returncode == 0 and "points verified" in checked.stdout, checked.stdout + checked.stderr
    assert (out / "report.html").exists()
