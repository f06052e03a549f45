"""``landalloc solve`` answers every objective count, through the installed command."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import landalloc
from landalloc.instances import bundled
from landalloc.models import OBJECTIVES, NATURAL_SENSE, Instance, evaluate
from landalloc.models.scenario import DEFAULT_OBJECTIVES
from tests.test_cli import run
from tests.test_nsga import _all_layouts
from tests.test_solve_cli import _check_result

TINY = str(bundled("tiny"))


@pytest.fixture(scope="module")
def feasible_values():
    """Every objective of every feasible layout of the tiny instance, natural units."""
    problem = Instance.load(bundled("tiny")).compile()
    result = evaluate(problem, _all_layouts(problem))
    return result.objectives[result.feasible]


def test_one_objective_is_the_proven_optimum(tmp_path, feasible_values):
    done = run("solve", TINY, "--objectives", " Efficiency", "--out", str(tmp_path / "one"))
    assert done.returncode == 0, done.stderr
    _check_result(tmp_path / "one", ["efficiency"])
    table = pd.read_csv(tmp_path / "one" / "front.csv")
    assert len(table) == 1 and table["status"].iloc[0] == "optimal"
    best = feasible_values[:, OBJECTIVES.index("efficiency")].max()
    assert table["efficiency"].iloc[0] == pytest.approx(best, rel=1e-4)
    assert table["bound"].iloc[0] >= table["efficiency"].iloc[0] - 1e-6 and table["gap"].iloc[0] <= 1e-4
    assert "bound" in done.stdout
    run_json = json.loads((tmp_path / "one" / "run.json").read_text())
    assert run_json["objectives"] == ["efficiency"] and run_json["settings"]["method"] == "optimum"
    assert run_json["finished"] and not run_json["partial"]


def test_two_objectives_in_any_case_are_augmecon(tmp_path):
    done = run("solve", TINY, "--objectives", " Efficiency, EQUITY", "--points", "3", "--out", str(tmp_path / "two"))
    assert done.returncode == 0, done.stderr
    _check_result(tmp_path / "two", ["efficiency", "equity"])
    assert json.loads((tmp_path / "two" / "run.json").read_text())["settings"]["method"] == "augmecon"
    assert "weighted sums" not in done.stdout and "NSGA-III" not in done.stdout   # no switch


def test_scenario_five_objectives_by_weighted_sums(tmp_path, feasible_values):
    done = run("solve", TINY, "--points", "15", "--out", str(tmp_path / "five"))   # the scenario's own five
    assert done.returncode == 0, done.stderr
    assert "note:" in done.stdout and "weighted sums over 15 weight vectors" in done.stdout
    _check_result(tmp_path / "five", list(DEFAULT_OBJECTIVES))
    run_json = json.loads((tmp_path / "five" / "run.json").read_text())
    assert run_json["settings"]["method"] == "weighted" and run_json["settings"]["points"] == 3
    # a weighted sum with some zero weights promises weak Pareto optimality: no feasible layout is
    # better in every objective (by more than the MIP gap)
    sign = np.array([1.0 if NATURAL_SENSE[o] == "max" else -1.0 for o in DEFAULT_OBJECTIVES])
    g = feasible_values[:, [OBJECTIVES.index(o) for o in DEFAULT_OBJECTIVES]] * sign
    front = pd.read_csv(tmp_path / "five" / "front.csv")[list(DEFAULT_OBJECTIVES)].to_numpy() * sign
    scale = np.maximum(1.0, np.abs(g).max(axis=0))
    for point in front:
        better = (g > point + 1e-3 * scale).all(axis=1)
        assert not better.any(), point


def test_four_objectives_with_nsga2_switch_to_nsga3(tmp_path):
    done = run("solve", TINY, "--method", "NSGA2", "--objectives", "efficiency,equity,ecology,change",
               "--pop", "12", "--generations", "4", "--out", str(tmp_path / "four"))
    assert done.returncode == 0, done.stderr
    assert "note:" in done.stdout and "NSGA-III" in done.stdout
    _check_result(tmp_path / "four", ["efficiency", "equity", "ecology", "change"])
    assert set(pd.read_csv(tmp_path / "four" / "front.csv")["method"]) == {"nsga3"}
    assert json.loads((tmp_path / "four" / "run.json").read_text())["method"] == "nsga3"


def test_version_and_short_help():
    version = run("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"landalloc {landalloc.__version__}"
    for command in ([], ["solve"], ["batch"], ["instance", "generate"]):
        shown = run(*command, "-h")
        assert shown.returncode == 0 and "Usage:" in shown.stdout, command
    text = " ".join(run("solve", "-h").stdout.split())
    assert "milp|nsga2|nsga3" in text and "augmecon|weighted" in text
    assert all(name in text for name in OBJECTIVES)


@pytest.mark.parametrize("option, value, valid", [
    ("--method", "weighted", "milp, nsga2, nsga3"),
    ("--objectives", "efficiency,welfare", ", ".join(OBJECTIVES)),
    ("--front", "grid", "augmecon, weighted"),
])
def test_bad_choice_lists_the_valid_values(tmp_path, option, value, valid):
    done = run("solve", TINY, option, value, "--out", str(tmp_path / "x"))
    assert done.returncode == 2 and valid in done.stderr and option in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "x").exists()
