"""solve, report, compare and batch through the real ``landalloc`` entry point."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from landalloc.instances import bundled
from landalloc.models import Instance, evaluate
from landalloc.optimizer.front import ParetoFront
from tests.test_cli import run


def _check_result(folder, objectives):
    for name in ("front.csv", "layouts.gpkg", "run.json", "pareto.png", "report.html"):
        assert (folder / name).exists(), name
    table = pd.read_csv(folder / "front.csv")
    assert list(table.columns[:2]) == ["id", "method"] and set(objectives) <= set(table.columns)
    assert {"status", "gap", "seconds"} <= set(table.columns)
    run_json = json.loads((folder / "run.json").read_text())
    assert run_json["instance"] and run_json["inputs"] and "current" in run_json
    front = ParetoFront.read(folder)
    problem = Instance.load(bundled("tiny")).compile()
    result = evaluate(problem, front.layouts)
    assert result.feasible.all()
    for j, name in enumerate(objectives):
        assert abs(result.objective(name) - table[name].to_numpy()).max() <= 1e-6 * max(1, abs(table[name]).max())


def test_solve_milp_and_nsga_then_compare(tmp_path):
    milp = run("solve", str(bundled("tiny")), "--method", "milp", "--objectives", "efficiency,equity",
               "--points", "5", "--out", str(tmp_path / "milp"))
    assert milp.returncode == 0, milp.stderr
    _check_result(tmp_path / "milp", ["efficiency", "equity"])
    nsga = run("solve", str(bundled("tiny")), "--method", "nsga2", "--objectives", "efficiency,equity",
               "--pop", "16", "--generations", "15", "--seed", "3", "--out", str(tmp_path / "nsga"))
    assert nsga.returncode == 0, nsga.stderr
    _check_result(tmp_path / "nsga", ["efficiency", "equity"])
    again = run("solve", str(bundled("tiny")), "--out", str(tmp_path / "nsga"), "--method", "nsga2")
    assert again.returncode == 2 and "--force" in again.stderr
    compared = run("compare", str(tmp_path / "milp"), str(tmp_path / "nsga"), "--out", str(tmp_path / "cmp"))
    assert compared.returncode == 0, compared.stderr
    assert (tmp_path / "cmp" / "indicators.csv").exists()


def test_batch_of_scenarios(tmp_path):
    strict = tmp_path / "strict.toml"
    text = (bundled("tiny") / "scenario.toml").read_text()
    strict.write_text(text.replace("min = 3.0", "min = 4.0", 1))
    done = run("batch", str(bundled("tiny") / "scenario.toml"), str(strict), "--instance", str(bundled("tiny")),
               "--objectives", "efficiency,equity", "--points", "all", "--out", str(tmp_path / "batch"))
    assert done.returncode == 0, done.stderr
    summary = pd.read_csv(tmp_path / "batch" / "summary.csv")
    assert list(summary["scenario"]) == ["tiny", "strict"]
    for name in ("tiny", "strict"):   # every scenario's front is its complete non-dominated set
        recorded = json.loads((tmp_path / "batch" / name / "run.json").read_text())
        assert recorded["requested"] == "all" and recorded["complete"] is True, recorded
    assert (tmp_path / "batch" / "tiny" / "front.csv").exists()
    assert (tmp_path / "batch" / "comparison" / "indicators.csv").exists()


def test_batch_reports_a_failed_scenario_in_one_line(tmp_path):
    impossible = tmp_path / "impossible.toml"
    impossible.write_text((bundled("tiny") / "scenario.toml").read_text().replace("min = 3.0", "min = 40.0", 1))
    done = run("batch", str(bundled("tiny") / "scenario.toml"), str(impossible), "--instance", str(bundled("tiny")),
               "--objectives", "Efficiency,equity", "--points", "3", "--workers", "2", "--out", str(tmp_path / "batch"))
    assert done.returncode == 1, done.stderr
    failures = [line for line in done.stderr.splitlines() if line.startswith("impossible:")]
    assert len(failures) == 1 and "cropland minimum 40 ha cannot be met" in failures[0]
    assert "Traceback" not in done.stderr and "Compute Failed" not in done.stderr
    assert any(line.startswith("tiny: ") and "points in" in line for line in done.stdout.splitlines())
    for name in ("front.csv", "layouts.gpkg", "run.json", "pareto.png", "report.html"):
        assert (tmp_path / "batch" / "tiny" / name).exists(), name
    front = ParetoFront.read(tmp_path / "batch" / "tiny")
    assert len(front) >= 2 and evaluate(Instance.load(bundled("tiny")).compile(), front.layouts).feasible.all()
    assert not (tmp_path / "batch" / "impossible").exists()
    summary = pd.read_csv(tmp_path / "batch" / "summary.csv", keep_default_na=False)
    assert list(summary["scenario"]) == ["tiny", "impossible"]
    assert summary["error"].iloc[0] == "" and "cannot be met" in summary["error"].iloc[1]


def test_batch_from_python_with_instance_variants(tmp_path):
    import dataclasses

    import landalloc as la

    base = la.Instance.load(bundled("tiny"))
    cap = base.scenario.quotas["construction"].model_copy(update={"max": 5.0})   # 6 ha today
    quotas = {**base.scenario.quotas, "construction": cap}
    strict = dataclasses.replace(base, scenario=base.scenario.model_copy(update={"quotas": quotas}))
    lines = []
    summary = la.batch(base, {"today": base, "strict": strict}, tmp_path / "variants", objectives=["efficiency"],
                       on_done=lambda result: lines.append(result.line()))
    assert list(summary["scenario"]) == ["today", "strict"] and list(summary["points"]) == [1, 1]
    assert sorted(line.split(":")[0] for line in lines) == ["strict", "today"]
    best = dict(zip(summary["scenario"], summary["best efficiency"]))
    problem = strict.compile()
    exact = la.milp.solve(problem, "efficiency")
    assert best["strict"] == pytest.approx(exact.objective, rel=1e-6) and best["strict"] < best["today"]
    front = ParetoFront.read(tmp_path / "variants" / "strict")
    assert evaluate(problem, front.layouts).feasible.all()
    assert evaluate(base.compile(), front.layouts).objective("efficiency")[0] == pytest.approx(best["strict"])
