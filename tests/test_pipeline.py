"""The declared MILP plan: chosen from the model's shape, and what run.json says ran."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from landalloc.models.errors import InputError
from landalloc.optimizer import milp
from landalloc.optimizer.milp.build import formulate
from landalloc.optimizer.milp.plan import plan_for
from landalloc.optimizer.milp.session import Session
from landalloc.optimizer.milp.settings import Settings
from tests.counties import random_county
from tests.reference import Enumeration, close
from tests.test_cli import run


LABELS = {"lp[": "bound", "repair[": "restricted_mip", "subgradient[": "subgradient", "graph cut[": "graph_cut",
          "linearised moves[": "moves", "block moves[": "moves", "mip[": "branch_and_bound"}
"""How each plan step names itself in the strategy line."""


def test_plan_follows_the_model_shape(tiny_problem):
    assignment = formulate(tiny_problem, ["efficiency"])
    compact = formulate(tiny_problem, ["efficiency", "compactness"])
    assert assignment.shape == "assignment" and compact.shape == "general"
    assert plan_for(assignment, Settings(), 60.0).steps == ("bound", "restricted_mip", "branch_and_bound")
    small = plan_for(compact, Settings(), 60.0)
    assert small.name == "compactness" and small.relaxed
    assert small.steps == ("bound", "restricted_mip", "graph_cut", "branch_and_bound")
    assert plan_for(compact, Settings(lp="simplex"), 60.0).steps == small.steps
    large = {"search_above": 0, "branch_and_bound_above": 0}
    assert plan_for(compact, Settings(**large), 60.0).steps == ("bound", "restricted_mip", "subgradient", "moves",
                                                                 "graph_cut")
    assert plan_for(compact, Settings(**large), None).steps[-1] == "branch_and_bound"   # no limit: it runs
    for form in (assignment, compact):
        assert plan_for(form, Settings(strategy="highs"), 60.0).steps == ("branch_and_bound",)


def test_the_plan_that_ran_is_the_one_reported(tiny_problem):
    form = formulate(tiny_problem, ["efficiency", "compactness"])
    task = form.task({"efficiency": 1.0, "compactness": 50.0})
    for settings in (Settings(gap=0), Settings(gap=0, strategy="highs"),
                     Settings(gap=0, time_limit=30.0, search_above=0, branch_and_bound_above=0)):
        plan = plan_for(form, settings, settings.time_limit)
        outcome = Session(form, settings).solve(task)
        assert outcome.plan == plan.name and outcome.steps[0] == f"plan {plan.name}"
        reported = [LABELS[line.split("[")[0] + "["] for line in outcome.steps if line.split("[")[0] + "[" in LABELS]
        ran = [step for i, step in enumerate(reported) if i == 0 or reported[i - 1] != step]
        # the plan's steps in its order (a step after the proof is not begun), and nothing else
        assert ran and ran[0] == plan.steps[0] and ran == [step for step in plan.steps if step in ran]
        assert outcome.status == "optimal" or plan.steps[-1] != "branch_and_bound"


def test_a_compactness_solve_runs_the_graph_cut_and_says_so(tmp_path):
    """On a small county the compactness plan's graph cut runs from the repaired layout at the
    half-edge LP's prices; the point's record names the plan, and its steps show the move."""
    folder = tmp_path / "county"
    assert run("instance", "generate", "--parcels", "400", "--seed", "3", "--out", str(folder)).returncode == 0
    out = tmp_path / "compact"
    done = run("solve", str(folder), "--out", str(out), "--method", "milp", "--objectives", "compactness",
               "--time-limit", "4", "--no-report")
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "run.json").read_text())["settings"]["strategy"] == "auto"
    point = pd.read_csv(out / "front.csv").iloc[0]
    assert point["plan"] == "compactness"
    notes = point["strategy"].split("; ")
    assert notes[0] == "plan compactness" and any(line.startswith("graph cut[") for line in notes), notes
    reported = [LABELS[line.split("[")[0] + "["] for line in notes if line.split("[")[0] + "[" in LABELS]
    assert reported[0] == "bound" and "graph_cut" in reported


@pytest.mark.parametrize("seed", [2, 9])
def test_the_graph_cut_step_keeps_only_a_better_feasible_layout(seed):
    """The plan without the graph cut and the plan with it, from the same bound and repair: the
    step never makes the layout worse, and the reported value is the layout's evaluated value."""
    from landalloc.models import evaluate
    from landalloc.optimizer.milp.plan import Plan

    problem = random_county(seed).compile()
    form = formulate(problem, ["efficiency", "compactness"])
    task = form.task({"efficiency": 1.0, "compactness": 50.0})
    without = Session(form, Settings()).run(Plan("test", ("bound", "restricted_mip"), relaxed=True), task, None)
    with_cut = Session(form, Settings()).run(Plan("test", ("bound", "restricted_mip", "graph_cut"), relaxed=True),
                                             task, None)
    assert any(line.startswith("graph cut[") for line in with_cut.steps) or with_cut.status == "optimal"
    assert with_cut.objective >= without.objective - 1e-9
    result = evaluate(problem, form.layout(with_cut.values)[None])
    assert result.feasible[0]
    assert with_cut.objective == pytest.approx(result.objective("efficiency")[0]
                                               + 50.0 * result.objective("compactness")[0], rel=1e-9)


def test_a_pyomo_solve_records_its_plan():
    problem = random_county(3).compile()
    solution = milp.solve(problem, "efficiency", gap=0, engine="pyomo")
    assert solution.plan == "pyomo[highs]" and solution.strategy.startswith("plan pyomo[highs]; pyomo build")
    assert plan_for(formulate(problem, ["efficiency"]), Settings(engine="pyomo"), None).name == solution.plan


def test_bad_settings_are_refused():
    with pytest.raises(InputError, match="strategy"):
        Settings(strategy="cplex")
    with pytest.raises(InputError, match="branch_and_bound_above"):
        Settings(branch_and_bound_above=-1)
    with pytest.raises(InputError, match="repair_group"):
        Settings(repair_group=0)
    with pytest.raises(InputError, match=r"step_share: need a share in \(0, 1\]"):
        Settings(step_share=1.5)


@pytest.mark.parametrize("seed", [3, 11])
def test_highs_strategy_finds_the_same_optimum_as_the_plan(seed):
    problem = random_county(seed).compile()
    truth = Enumeration(problem)
    for objective in ("efficiency", "compactness"):
        auto = milp.solve(problem, objective, gap=0)
        baseline = milp.solve(problem, objective, gap=0, strategy="highs")
        assert auto.status == baseline.status == "optimal"
        assert baseline.plan == "highs" and baseline.strategy.startswith("plan highs; mip[")
        sign = 1.0 if auto.sense == "max" else -1.0
        assert close(sign * auto.objective, truth.optimum(objective, auto.sense)), objective
        assert close(sign * baseline.objective, truth.optimum(objective, auto.sense))


def test_command_line_writes_the_plan_it_ran(tmp_path):
    """Each point's record (front.csv) names the plan and its steps; run.json the strategy."""
    folder = random_county(5).write(tmp_path / "county")
    for strategy, objectives, plans in (("auto", "efficiency", {"assignment"}),
                                        ("highs", "efficiency,compactness", {"highs"})):
        out = tmp_path / f"{strategy}-{objectives}"
        done = run("solve", str(folder), "--out", str(out), "--method", "milp", "--objectives", objectives,
                   "--points", "2", "--strategy", strategy, "--no-report")
        assert done.returncode == 0, done.stderr
        assert json.loads((out / "run.json").read_text())["settings"]["strategy"] == strategy
        points = pd.read_csv(out / "front.csv")
        assert set(points["plan"]) <= plans and plans & set(points["plan"])
        assert all(line.startswith(f"plan {plan}; ") for plan, line in zip(points["plan"], points["strategy"]))
    bad = run("solve", str(folder), "--out", str(tmp_path / "bad"), "--method", "milp", "--strategy", "cplex")
    assert bad.returncode == 2 and "strategy" in bad.stderr and "Traceback" not in bad.stderr
