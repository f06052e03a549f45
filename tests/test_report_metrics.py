"""Knee point, extremes and comparison indicators against values computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from landalloc.models import InputError
from landalloc.optimizer.report import compare, extremes, knee_point, metrics
from landalloc.optimizer.report.selection import chosen_solutions, normalised, resolve
from tests.test_report_fronts import synthetic_front

MAX2 = ("efficiency", "ecology"), ("max", "max")


def test_knee_is_farthest_below_the_line_through_the_extremes(tiny_problem):
    # normalised minimised: (1,0) (0.4,0.2) (0.2,0.6) (0,1); sums 1, 0.6, 0.8, 1 -> the second
    front = synthetic_front([[0, 10], [6, 8], [8, 4], [10, 0]], *MAX2, tiny_problem)
    assert normalised(front)[1] == pytest.approx([0.4, 0.2])
    assert knee_point(front) == 1
    assert extremes(front) == {"efficiency": 3, "ecology": 0}
    assert chosen_solutions(front) == {0: ["best ecology"], 1: ["knee"], 3: ["best efficiency"]}


def test_knee_with_a_minimised_objective_and_ties(tiny_problem):
    front = synthetic_front([[4, 0], [7, 1], [10, 4]], ("efficiency", "change"), ("max", "min"), tiny_problem)
    # minimised (-4,0) (-7,1) (-10,4); ideal (-10,0), nadir (-4,4): (1,0) (0.5,0.25) (0,1); sums 1, .75, 1
    assert knee_point(front) == 1
    flat = synthetic_front([[5, 1], [5, 1]], ("efficiency", "change"), ("max", "min"), tiny_problem)
    assert knee_point(flat) == 0  # ties go to the first point


def test_extremes_break_ties_lexicographically(tiny_problem):
    objectives, senses = ("efficiency", "equity", "ecology"), ("max", "max", "max")
    front = synthetic_front([[10, 0.0, 5], [10, 1.0, 0], [2, 0.5, 9]], objectives, senses, tiny_problem)
    assert extremes(front) == {"efficiency": 1, "equity": 1, "ecology": 2}


def test_infeasible_points_are_not_chosen_when_feasible_ones_exist(tiny_problem):
    front = synthetic_front([[0, 10], [6, 8], [10, 0]], *MAX2, tiny_problem, feasible=[True, False, True])
    assert knee_point(front) in (0, 2)
    assert 1 not in chosen_solutions(front)


def test_resolve_names_unknown_solutions(tiny_problem):
    front = synthetic_front([[0, 10], [10, 0]], *MAX2, tiny_problem)
    assert list(resolve(front, ["test_001", 0])) == [1, 0]
    with pytest.raises(InputError, match="test_000, test_001"):
        resolve(front, ["nope"])


# A = (10,0) (20,5) (30,10) and B = (10,2) (20,5) (25,10) in (efficiency max, change min).
# Union minimised: ideal (-30, 0), nadir (-10, 10); normalised A = (1,0) (.5,.5) (0,1),
# B = (1,.2) (.5,.5) (.25,1); the union's non-dominated points are A's.
A = [[10, 0], [20, 5], [30, 10]]
B = [[10, 2], [20, 5], [25, 10]]
EC = ("efficiency", "change"), ("max", "min")


def test_indicators_by_hand():
    a = np.array([[1, 0], [0.5, 0.5], [0, 1]])
    b = np.array([[1, 0.2], [0.5, 0.5], [0.25, 1]])
    # HV to (1.1, 1.1), sweeping x: A: .5*.1 + .5*.6 + .1*1.1 = .46; B: .25*.1 + .5*.6 + .1*.9 = .415
    assert metrics.hypervolume(a) == pytest.approx(0.46)
    assert metrics.hypervolume(b) == pytest.approx(0.415)
    # IGD of B to A: distances 0.25, 0, 0.2 -> 0.15
    assert metrics.igd(a, a) == pytest.approx(0.0)
    assert metrics.igd(b, a) == pytest.approx(0.15)
    # eps+(B, A): for (0,1) the best b is (.25,1) -> .25; for (1,0) -> (1,.2) -> .2; max .25
    assert metrics.additive_epsilon(b, a) == pytest.approx(0.25)
    assert metrics.additive_epsilon(a, b) == pytest.approx(0.0)
    # C(A, B) = 1 (each b has an a <= it); C(B, A) = 1/3 (only the shared (.5,.5))
    assert metrics.coverage(a, b) == pytest.approx(1.0)
    assert metrics.coverage(b, a) == pytest.approx(1 / 3)
    assert len(metrics.nondominated_points(np.vstack([a, b]))) == 3


def test_edge_cases_of_indicators():
    empty = np.zeros((0, 2))
    point = np.array([[0.5, 0.5]])
    assert metrics.hypervolume(empty) == 0.0
    assert metrics.hypervolume(np.array([[1.2, 0.0]])) == 0.0  # beyond the reference point
    assert metrics.igd(empty, point) == np.inf
    assert metrics.coverage(empty, point) == 0.0 and np.isnan(metrics.coverage(point, empty))
    assert metrics.additive_epsilon(point, point) == 0.0


def test_compare_normalises_by_the_union(tiny_problem):
    a = synthetic_front(A, *EC, tiny_problem, method="milp")
    b = synthetic_front(B, *EC, tiny_problem, method="nsga2")
    result = compare([a, b])
    assert result.names == ("milp", "nsga2")
    assert result.ideal == pytest.approx([-30, 0]) and result.nadir == pytest.approx([-10, 10])
    table = result.indicators.set_index("front")
    assert table.loc["milp", "hypervolume"] == pytest.approx(0.46)
    assert table.loc["nsga2", "hypervolume"] == pytest.approx(0.415)
    assert table.loc["milp", "hypervolume_ratio"] == pytest.approx(1.0)
    assert table.loc["nsga2", "hypervolume_ratio"] == pytest.approx(0.415 / 0.46)
    assert table.loc["nsga2", "igd"] == pytest.approx(0.15)
    assert table.loc["nsga2", "epsilon"] == pytest.approx(0.25)
    assert table.loc["milp", "igd"] == pytest.approx(0.0) and table.loc["milp", "epsilon"] == pytest.approx(0.0)
    cover = result.coverage()
    assert cover.loc["milp", "nsga2"] == pytest.approx(1.0)
    assert cover.loc["nsga2", "milp"] == pytest.approx(1 / 3)
    assert result.epsilon().loc["nsga2", "milp"] == pytest.approx(0.25)
    assert "| milp |" in result.to_markdown() and "milp" in repr(result) and "<table" in result._repr_html_()


def test_compare_aligns_objective_order_and_refuses_other_objectives(tiny_problem):
    a = synthetic_front(A, *EC, tiny_problem, method="milp")
    swapped = synthetic_front([[v[1], v[0]] for v in B], ("change", "efficiency"), ("min", "max"),
                              tiny_problem, method="nsga2")
    table = compare([a, swapped]).indicators.set_index("front")
    assert table.loc["nsga2", "hypervolume"] == pytest.approx(0.415)
    other = synthetic_front([[1, 2]], ("efficiency", "ecology"), ("max", "max"), tiny_problem)
    with pytest.raises(InputError, match="different objectives"):
        compare([a, other])
    with pytest.raises(InputError, match="names"):
        compare([a, a], names=["one"])
    assert compare([a, a]).names == ("milp", "milp (2)")


def test_comparison_files(tiny_problem, tmp_path):
    a = synthetic_front(A, *EC, tiny_problem, method="milp")
    b = synthetic_front(B, *EC, tiny_problem, method="nsga2")
    out = tmp_path / "compared"
    compare([a, b], out=out)
    for name in ("indicators.csv", "pairs.csv", "comparison.md", "pareto.png", "indicators.png", "report.html"):
        assert (out / name).stat().st_size > 0, name
    indicators = pd.read_csv(out / "indicators.csv")
    assert list(indicators["front"]) == ["milp", "nsga2"]
    assert indicators["hypervolume"].tolist() == pytest.approx([0.46, 0.415])
    pairs = pd.read_csv(out / "pairs.csv")
    assert len(pairs) == 4 and set(pairs.columns) == {"a", "b", "coverage", "epsilon"}
    with pytest.raises(InputError, match="not empty"):
        compare([a, b], out=out)


def test_infeasible_points_are_not_scored(tiny_problem):
    a = synthetic_front(A, *EC, tiny_problem, method="milp")
    b = synthetic_front(B + [[40, 0]], *EC, tiny_problem, method="nsga2", feasible=[True, True, True, False])
    table = compare([a, b]).indicators.set_index("front")
    assert table.loc["nsga2", "points"] == 3 and table.loc["nsga2", "hypervolume"] == pytest.approx(0.415)
    with pytest.raises(InputError, match="no front has a feasible point"):
        compare([synthetic_front([[1, 1]], *EC, tiny_problem, feasible=[False])])
