"""The exact engine is never wrong: optima, payoff rows, grid points and fronts against enumeration.

Random tiny counties (``tests/counties.py``) are solved by both engines and compared with every
layout they allow (``tests/reference.py``): 0 wrong optima, 0 points off the true front, and the
same answer from a model reused between solves as from a fresh one. The larger sweep is
``python -m benchmarks.exact_sweep``.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from landalloc.optimizer import milp
from landalloc.optimizer.milp import highs as hi
from landalloc.optimizer.milp.multi import Model, payoff_table, solve_point
from landalloc.optimizer.milp.check import polish
from landalloc.optimizer.milp.settings import Settings, proven_status
from tests.counties import MAX_LAYOUTS, PAIRS, check_county, random_county
from tests.reference import Enumeration, close
from tests.test_cli import run

EXAMPLES = 40
SWEEP = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                 suppress_health_check=list(HealthCheck))
MISVALUED_START = 42
"""A county whose compactness payoff row HiGHS got wrong from an earlier row's layout as its
start: its presolve valued the start 0.95953 (the optimum) though it is worth 0.95398, stopped
"optimal" at once and returned the start."""
CUT_OFF = 25
"""A county (drawn with 40,000 layouts at most) on whose ε-point 7 of 11 HiGHS's aggregator
presolve rule cut the optimum off."""

CONTRADICTED = 13
"""A county (drawn with 40,000 layouts at most) on whose lexicographic second stages HiGHS's
presolve said "infeasible" although the first stage's layout is feasible, and "optimal" at a
bound it had from a point that is no layout ("untransformed violations")."""


@SWEEP
@given(st.integers(0, 10**6), st.sampled_from(PAIRS))
def test_engines_match_the_enumeration(seed, objectives):
    county = random_county(seed)
    found = check_county(county, objectives, points=5, nsga_generations=40)
    event(f"true front of {min(found.true_front, 10)}{'+' if found.true_front > 10 else ''} points")
    assert found.errors == [], f"{county!r}:\n" + "\n".join(found.errors)
    assert found.wrong_optima == found.reuse_differs == found.milp_off_front == found.nsga_off_front == 0
    assert found.all_off_front == found.all_incomplete == 0


def test_misvalued_start_gives_the_true_payoff_row_on_the_command_line(tmp_path):
    county = random_county(MISVALUED_START)
    folder = county.write(tmp_path / "county")
    done = run("solve", str(folder), "--out", str(tmp_path / "out"), "--method", "milp",
               "--objectives", "ecology,compactness", "--points", "11", "--no-report")
    assert done.returncode == 0, done.stderr
    truth = Enumeration(county.compile())
    payoff = {row["optimised"]: row for row in json.loads((tmp_path / "out" / "run.json").read_text())["payoff"]["table"]}
    assert close(payoff["compactness"]["compactness"], truth.optimum("compactness", "max"))
    expected = truth.lexicographic(["compactness", "ecology"], ["max", "max"])
    assert close(payoff["compactness"]["ecology"], expected[1])
    import pandas as pd

    points = pd.read_csv(tmp_path / "out" / "front.csv")
    row = points[points["grid"] == "optimum of compactness"].iloc[0]
    assert row["status"] == "optimal" and row["gap"] <= 1e-4


def test_epsilon_point_whose_optimum_the_aggregator_cut_off():
    """With HiGHS's aggregator presolve rule on, this grid point (fresh model, no start) came
    back "optimal" at compactness 0 though 0.08 is feasible."""
    county = random_county(CUT_OFF, 40_000)
    problem = county.compile()
    objectives = ("compactness", "efficiency")
    run_settings = Settings(gap=0.0)
    table = payoff_table(Model.build(problem, objectives, run_settings))
    point = solve_point(problem, objectives, table, (7,), run_settings, 11)
    epsilon = table.epsilon((7,), 11)["efficiency"]
    truth = Enumeration(problem).constrained("compactness", {"efficiency": epsilon},
                                             {"compactness": "max", "efficiency": "max"})
    assert point.status == "optimal" and close(point.values["compactness"], truth)


@pytest.mark.parametrize("aggregator", ["off", "on"])
def test_branch_and_bound_from_a_start_returns_what_it_claims(aggregator, monkeypatch):
    """The start HiGHS misvalued: the run's vector is worth what HiGHS reports, the optimum,
    also when the aggregator rule is on (then the run is repeated without the start)."""
    problem = random_county(MISVALUED_START).compile()
    model = Model.build(problem, ("ecology", "compactness"), Settings())
    form = model.form
    truth = Enumeration(problem)
    g = truth.g(["ecology", "compactness"], ["max", "max"])
    best_ecology = g[:, 0] >= g[:, 0].max() - 1e-9
    layout = truth.layouts[best_ecology][np.argmax(g[best_ecology, 1])]   # the ecology row's layout
    task = form.task({"compactness": 1.0})
    start = polish(form, task, form.complete(layout))
    if aggregator == "on":
        monkeypatch.setattr(hi, "AGGREGATOR_OFF", 0)
    highs = hi.new_highs(Settings(), presolve="on")
    hi.pass_model(highs, form.csc, task, form.integer)
    result = hi.branch_and_bound(highs, start, task.objective)
    assert close(result.objective, task.objective(result.values))
    assert close(task.objective(result.values), truth.optimum("compactness", "max"))


def test_presolve_verdicts_that_contradict_a_layout_are_rerun_without_it():
    county = random_county(CONTRADICTED, MAX_LAYOUTS * 2)
    objectives = PAIRS[CONTRADICTED % len(PAIRS)]
    problem = county.compile()
    front = milp.pareto(problem, list(objectives), points="all", gap=0.0, progress=False)
    assert front.points["strategy"].str.contains("infeasible; mip[presolve off]", regex=False).any()   # the case arose
    assert front.run["complete"] is True, front.run["incomplete_because"]
    assert (front.points["status"] == "optimal").all(), front.points[["status", "gap", "strategy"]]
    senses = [problem.senses[problem.objectives.index(o)] for o in objectives]
    assert len(front) == len(Enumeration(problem).front(objectives, senses))


def test_the_aggregator_bit_is_the_installed_highs_aggregator(capfd):
    """HiGHS numbers its presolve rules by an enum that has changed between releases: the bit
    switched off must be the one this HiGHS logs as the aggregator (pyproject pins the releases
    where it is)."""
    highs = hi.new_highs(Settings(log=True), presolve="on")
    form = Model.build(random_county(MISVALUED_START).compile(), ("compactness",), Settings()).form
    task = form.task({"compactness": 1.0})
    hi.pass_model(highs, form.csc, task, form.integer)
    hi.branch_and_bound(highs, None, task.objective)
    log = capfd.readouterr().out
    switched = re.findall(r"set bit \d+ =\s*(\d+)\): (.+)", log)   # "Rule 12 (set bit 12 = 4096): Aggregator"
    assert switched == [(str(hi.AGGREGATOR_OFF), "Aggregator")], log[:2000]


@pytest.mark.parametrize("stopped, objective, bound, gap, expected", [
    ("optimal", 3.5, 4.0, 1e-4, "gap_not_proven"),     # the solver's word is not enough
    ("time_limit", 3.5, 4.0, 1e-4, "time_limit"),
    ("optimal", 4.0, 4.0002, 1e-4, "optimal"),
    ("time_limit", 4.0, 4.0, 0.0, "optimal"),          # proven before the limit struck
    ("optimal", 0.0, 5e-7, 0.0, "optimal"),            # no relative gap at 0: the absolute one
])
def test_status_is_judged_from_value_and_bound(stopped, objective, bound, gap, expected):
    assert proven_status(stopped, objective, bound, gap) == expected
