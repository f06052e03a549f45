"""Exact fronts and gap filling against brute force: ``points="all"``, ``"auto"`` and N."""

from __future__ import annotations

import dataclasses
import copy
import itertools
import json

import numpy as np
import pytest

from landalloc.instances import bundled
from landalloc.instances.handmade import tiny_county
from landalloc.models import Instance, evaluate, parse_scenario
from landalloc.models.errors import InputError
from landalloc.models.parcels import validate_parcels
from landalloc.models.scenario import NATURAL_SENSE, OBJECTIVES
from landalloc.optimizer import milp
from tests.test_cli import run

PAIRS = [("efficiency", "equity"), ("efficiency", "ecology"), ("efficiency", "compactness"), ("efficiency", "change"),
         ("ecology", "compactness"), ("compactness", "change")]


def variant(seed: int):
    """The tiny county with other suitabilities, benefits and ecosystem values: fronts of up to
    seven points that the tests have not been tuned on."""
    parcels, scenario = tiny_county()
    rng = np.random.default_rng(seed)
    parcels = parcels.copy()
    for code in ("crop", "grass", "urban", "service"):
        parcels[f"suit_{code}"] = np.round(rng.uniform(0.1, 1.0, len(parcels)), 2)
    scenario = copy.deepcopy(scenario)
    for use in scenario["land_use"]:
        use["benefit"] = float(np.round(use["benefit"] * rng.uniform(0.5, 1.5), 2))
        use["esv"] = float(np.round(use["esv"] * rng.uniform(0.5, 1.5), 2))
    chosen = parse_scenario(scenario)
    return Instance(validate_parcels(parcels, chosen.codes), chosen).compile()


def feasible_values(problem) -> np.ndarray:
    """Objective values of every feasible layout (the tiny county allows a few thousand)."""
    options = [np.flatnonzero(row) for row in problem.allowed]
    layouts = np.array(list(itertools.product(*options)), dtype=np.int64)
    result = evaluate(problem, layouts)
    return result.objectives[result.feasible]


def true_front(values: np.ndarray, names) -> set[tuple[float, ...]]:
    """Distinct non-dominated vectors (maximised units, rounded), independent of the engine."""
    sign = np.array([1.0 if NATURAL_SENSE[n] == "max" else -1.0 for n in names])
    g = np.unique(np.round(values[:, [OBJECTIVES.index(n) for n in names]] * sign, 9), axis=0)
    dominated = ((g[None] >= g[:, None]).all(axis=2) & (g[None] > g[:, None]).any(axis=2)).any(axis=1)
    return {tuple(np.round(row, 6)) for row in g[~dominated]}


def found(front) -> set[tuple[float, ...]]:
    sign = np.array([1.0 if s == "max" else -1.0 for s in front.senses])
    return {tuple(np.round(row, 6)) for row in front.values * sign}


@pytest.fixture(scope="module")
def cases(tiny_problem):
    """The tiny county and three variants with their feasible layouts' values."""
    problems = [tiny_problem] + [variant(seed) for seed in (1, 3, 5)]
    return [(problem, feasible_values(problem)) for problem in problems]


@pytest.mark.parametrize("points", ["all", "auto"])
def test_every_two_objective_front_is_complete(cases, points):
    for (problem, values), pair in itertools.product(cases, PAIRS):
        front = milp.pareto(problem, list(pair), points=points, gap=0, progress=False)
        assert found(front) == true_front(values, pair), (problem.name, pair)
        assert front.run["complete"] is True and front.run["incomplete_because"] is None
        assert front.run["distinct"] == len(front) and front.run["requested"] == points
        assert evaluate(problem, front.layouts).feasible.all()


def test_three_objective_front_is_complete(cases):
    problem, values = cases[1]
    objectives = ("efficiency", "ecology", "compactness")
    front = milp.pareto(problem, list(objectives), points="all", gap=0, progress=False)
    assert found(front) == true_front(values, objectives)
    assert front.run["complete"] is True


def test_gap_filling_reaches_n_distinct_points_on_the_front(cases):
    for problem, values in cases[1:]:
        truth = true_front(values, ("efficiency", "ecology"))
        assert len(truth) == 7
        for n in (3, 5, 7):
            front = milp.pareto(problem, ["efficiency", "ecology"], points=n, gap=0, progress=False)
            assert len(front) == n == front.run["distinct"], (problem.name, n, front.run.get("fewer_because"))
            assert found(front) <= truth
            assert "fewer_because" not in front.run
        # seven points of a seven-point front, but reaching N does not prove the gaps empty
        assert front.run["complete"] is False and "grid of 7" in front.run["incomplete_because"]


def test_a_front_smaller_than_n_says_why(cases):
    problem, values = cases[0]
    truth = true_front(values, ("efficiency", "ecology"))
    front = milp.pareto(problem, ["efficiency", "ecology"], points=11, gap=0, progress=False)
    assert found(front) == truth and front.run["distinct"] == len(truth) < 11
    # every gap probed, but by augmented solves, which do not prove it empty
    assert front.run["complete"] is False and "--points all" in front.run["incomplete_because"]
    assert f"only {len(truth)} non-dominated points" in front.run["fewer_because"]
    counts = front.run["counts"]
    assert counts["duplicates"] + counts["bypassed"] > 0
    assert f"{len(truth)} of 11 requested points; not complete" in repr(front)


def test_auto_stops_at_exact_up_to_with_a_reason(cases):
    problem, values = cases[1]
    front = milp.pareto(problem, ["efficiency", "ecology"], points="auto", exact_up_to=4, gap=0, progress=False)
    assert len(front) == 4 and found(front) <= true_front(values, ("efficiency", "ecology"))
    assert front.run["complete"] is False and "exact_up_to" in front.run["incomplete_because"]
    assert "not complete" in repr(front)


def test_a_three_objective_grid_says_why_it_has_fewer_points(tiny_problem):
    front = milp.pareto(tiny_problem, ["efficiency", "compactness", "ecology"], points=3, gap=0, progress=False)
    assert front.run["distinct"] == len(front) < 9
    assert front.run["complete"] is False and "grid of 3" in front.run["incomplete_because"]
    assert "fewer_because" in front.run and front.run["fewer_because"]


def test_points_are_checked(tiny_problem):
    for bad in (1, "every", 2.5, True):
        with pytest.raises(InputError, match="points"):
            milp.pareto(tiny_problem, ["efficiency", "ecology"], points=bad, progress=False)
    with pytest.raises(InputError, match="weighted"):
        milp.pareto(tiny_problem, ["efficiency", "ecology"], points="all", method="weighted", progress=False)


@pytest.mark.parametrize("points", ["auto", 5])
def test_a_resumed_fill_equals_the_uninterrupted_front(cases, tmp_path, points):
    problem, _ = cases[1]
    objectives = ["efficiency", "ecology"]
    whole = milp.pareto(problem, objectives, points=points, gap=0, progress=False)
    seen = []

    def stop_after_four(point):
        seen.append(point)
        if len(seen) == 4:
            raise KeyboardInterrupt

    partial = milp.pareto(problem, objectives, points=points, gap=0, progress=False, on_point=stop_after_four)
    assert partial.run["partial"] and partial.run["complete"] is False
    folder = partial.to_file(tmp_path / f"partial-{points}")
    resumed = milp.pareto(problem, objectives, points=points, gap=0, progress=False, resume=folder)
    assert resumed.run["grid"]["reused"] == len(partial.run["sweep"]) > 0
    np.testing.assert_allclose(resumed.values, whole.values)
    assert resumed.run["complete"] == whole.run["complete"]


def test_solve_points_all_from_the_command_line(tmp_path):
    out = tmp_path / "all"
    done = run("solve", str(bundled("tiny")), "--method", "milp", "--objectives", "efficiency,ecology", "--points", "all",
               "--gap", "0", "--no-report", "--out", str(out))
    assert done.returncode == 0, done.stderr
    recorded = json.loads((out / "run.json").read_text())
    assert recorded["complete"] is True and recorded["requested"] == "all"
    assert recorded["distinct"] == recorded["points"]
    assert "complete" in done.stdout
    eleven = run("solve", str(bundled("tiny")), "--method", "milp", "--objectives", "efficiency,ecology", "--points", "11",
                 "--gap", "0", "--no-report", "--out", str(tmp_path / "eleven"))
    assert eleven.returncode == 0, eleven.stderr
    assert "of 11 requested" in eleven.stdout and "non-dominated points" in eleven.stdout
    wrong = run("solve", str(bundled("tiny")), "--points", "every", "--out", str(tmp_path / "x"))
    assert wrong.returncode == 2 and "all" in wrong.stderr and "auto" in wrong.stderr


def test_a_time_limited_payoff_row_leaves_the_run_partial_and_is_solved_again(tiny_problem, monkeypatch):
    objectives = ["efficiency", "equity"]
    lexicographic = milp.multi.lexicographic

    def cut_equity_row(model, order):
        solution = lexicographic(model, order)
        return dataclasses.replace(solution, status="time_limit") if order[0] == "equity" else solution

    monkeypatch.setattr(milp.multi, "lexicographic", cut_equity_row)
    partial = milp.pareto(tiny_problem, objectives, points=5, gap=0, progress=False)
    assert partial.run["partial"] and not partial.run["finished"] and partial.run["stopped_by"] == "time_limit"
    monkeypatch.setattr(milp.multi, "lexicographic", lexicographic)
    resumed = milp.pareto(tiny_problem, objectives, points=5, gap=0, progress=False, resume=partial)
    assert resumed.run["finished"]
    row = resumed.points[resumed.points["grid"] == "optimum of equity"]
    assert list(row["status"]) == ["optimal"]
    fresh = milp.pareto(tiny_problem, objectives, points=5, gap=0, progress=False)
    np.testing.assert_allclose(np.sort(resumed.values, axis=0), np.sort(fresh.values, axis=0))
