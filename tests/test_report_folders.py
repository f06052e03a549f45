"""``landalloc report`` and ``landalloc compare`` on every folder landalloc writes: ``solve`` (MILP and
NSGA-II), ``ParetoFront.to_file`` from Python, ``--resume``, ``batch`` and ``compare`` itself; and
after the instance moved. Every folder is written by the installed command (or a Python script in a
subprocess) on the tiny instance, solved with tiny budgets and ``--no-report``, so that what is
checked is the report ``landalloc report`` writes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from landalloc.instances import bundled
from landalloc.models import Instance
from landalloc.optimizer.provenance import scenario_hash, scenario_record
from tests.test_cli import run

TINY = bundled("tiny")
OBJECTIVES = ["efficiency", "equity"]


def _solve(instance: Path | str, out: Path | str, *options: str, cwd: Path | None = None) -> None:
    done = run("solve", str(instance), "--objectives", ",".join(OBJECTIVES), "--out", str(out), "--no-report",
               *options, cwd=cwd)
    assert done.returncode == 0, done.stderr


def _report(folder: Path, *options: str, cwd: Path | None = None) -> str:
    """``landalloc report folder``; its stderr (the warnings it printed)."""
    done = run("report", str(folder), *options, cwd=cwd)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stdout + done.stderr
    assert "wrote" in done.stdout and "report.html" in done.stdout
    return done.stderr


def _instance_warnings(stderr: str) -> list[str]:
    """The report's warnings about the instance (a missing CJK font is the machine's business)."""
    return [line for line in stderr.splitlines() if line.startswith("warning:") and "CJK" not in line]


def _assert_full(folder: Path) -> None:
    """A report made with the instance at hand: every chosen point's tables, quotas and districts."""
    for name in ("report.html", "pareto.png", "maps/current.png", "tables/chosen.csv"):
        assert (folder / name).is_file(), name
    chosen = pd.read_csv(folder / "tables" / "chosen.csv")["id"]
    assert len(chosen) >= 1
    for pid in chosen:
        assert (folder / "maps" / f"{pid}_change.png").is_file()
        assert "quota_min_ha" in pd.read_csv(folder / "tables" / f"{pid}_areas.csv").columns
        assert (folder / "tables" / f"{pid}_districts.csv").is_file()


def _assert_without_instance(folder: Path) -> None:
    """A report from what the folder holds alone: front, maps and areas, no quota or district tables."""
    for name in ("report.html", "pareto.png", "maps/current.png", "tables/chosen.csv"):
        assert (folder / name).is_file(), name
    for pid in pd.read_csv(folder / "tables" / "chosen.csv")["id"]:
        assert (folder / "maps" / f"{pid}.png").is_file()
        assert "quota_min_ha" not in pd.read_csv(folder / "tables" / f"{pid}_areas.csv").columns
        assert not (folder / "tables" / f"{pid}_districts.csv").exists()


def _run_json(folder: Path) -> dict:
    return json.loads((folder / "run.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> Path:
    """``solve`` folders of the bundled tiny instance: ``milp`` and ``nsga2`` (with its checkpoint)."""
    root = tmp_path_factory.mktemp("solved")
    _solve(TINY, root / "milp", "--points", "3")
    _solve(TINY, root / "nsga2", "--method", "nsga2", "--pop", "8", "--generations", "2")
    return root


@pytest.mark.parametrize("method", ["milp", "nsga2"])
def test_report_on_a_solve_folder(solved, method):
    folder = solved / method
    run_json = _run_json(folder)
    instance = Instance.load(TINY)
    assert run_json["instance"] == str(TINY.resolve()) and run_json["instance_given"] == str(TINY)
    assert (folder / run_json["instance_from_results"]).resolve() == TINY.resolve()
    assert run_json["inputs"] == instance.input_hashes()
    assert run_json["scenario"] == scenario_record(instance.scenario)
    assert run_json["scenario_hash"] == scenario_hash(scenario_record(instance.scenario))
    assert set(run_json["current"]) == set(OBJECTIVES)
    assert not (folder / "report.html").exists()
    assert _instance_warnings(_report(folder)) == []
    _assert_full(folder)


SCRIPT = """
import sys
import landalloc as la
from landalloc.optimizer import milp

instance = la.Instance.load(sys.argv[1])
problem = instance.compile()
milp.pareto(problem, ["efficiency", "equity"], points=3, progress=False).to_file(sys.argv[2] + "/bare")


seen = []


def stop(point):
    seen.append(point)
    if len(seen) == 3:   # after the payoff table and one grid point, as Ctrl-C would
        raise KeyboardInterrupt


partial = milp.pareto(problem, ["efficiency", "equity"], points=4, progress=False, on_point=stop)
assert partial.run["partial"]
partial.to_file(sys.argv[2] + "/partial", instance=instance)
"""


def test_report_on_to_file_folders_from_python(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(SCRIPT))
    done = subprocess.run([sys.executable, str(script), str(TINY), str(tmp_path)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    # given the instance: recorded as the CLI records it, and an interrupted run's folder reports in full
    recorded = _run_json(tmp_path / "partial")
    assert recorded["instance"] == str(TINY.resolve()) and recorded["scenario_hash"] and recorded["inputs"]
    assert recorded["partial"] and recorded["current"]
    assert _instance_warnings(_report(tmp_path / "partial")) == []
    _assert_full(tmp_path / "partial")
    # written without the instance: the report says so, what to pass, and uses what the folder holds
    assert "instance" not in _run_json(tmp_path / "bare")
    [warning] = _instance_warnings(_report(tmp_path / "bare"))
    assert "names no instance" in warning and "--instance PATH" in warning
    _assert_without_instance(tmp_path / "bare")
    assert _instance_warnings(_report(tmp_path / "bare", "--instance", str(TINY))) == []
    _assert_full(tmp_path / "bare")


def test_report_on_a_resumed_run(solved, tmp_path):
    resumed = tmp_path / "resumed"
    _solve(TINY, resumed, "--method", "nsga2", "--pop", "8", "--generations", "4", "--resume", str(solved / "nsga2"))
    run_json = _run_json(resumed)
    assert run_json["resumed_from"] and run_json["generations"] == 4
    assert run_json["scenario_hash"] == _run_json(solved / "nsga2")["scenario_hash"]
    assert _instance_warnings(_report(resumed)) == []
    _assert_full(resumed)


def test_report_on_batch_folders(tmp_path):
    strict = tmp_path / "strict.toml"
    strict.write_text((TINY / "scenario.toml").read_text().replace("[quotas.crop]\nmin = 3.0", "[quotas.crop]\nmin = 4.0"))
    done = run("batch", str(TINY / "scenario.toml"), str(strict), "--instance", str(TINY),
               "--objectives", ",".join(OBJECTIVES), "--points", "3", "--out", str(tmp_path / "batch"))
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "batch" / "strict"
    assert _run_json(folder)["scenario"]["quotas"]["crop"]["min"] == 4.0
    shutil.rmtree(folder / "tables")
    assert _instance_warnings(_report(folder)) == []
    _assert_full(folder)
    # under the batch's own scenario, as run.json recorded it, not the instance folder's scenario.toml
    for pid in pd.read_csv(folder / "tables" / "chosen.csv")["id"]:
        areas = pd.read_csv(folder / "tables" / f"{pid}_areas.csv").set_index("code")
        assert areas.loc["crop", "quota_min_ha"] == 4.0
    # the batch folder itself: each scenario's report, and the comparison's
    shutil.rmtree(tmp_path / "batch" / "tiny" / "tables")
    (tmp_path / "batch" / "comparison" / "report.html").unlink()
    assert _instance_warnings(_report(tmp_path / "batch")) == []
    _assert_full(tmp_path / "batch" / "tiny")
    assert (tmp_path / "batch" / "comparison" / "report.html").is_file()


def test_compare_any_folders_and_report_on_the_comparison(solved, tmp_path):
    results = tmp_path / "results"
    shutil.copytree(solved, results)
    compared = results / "compared"
    done = run("compare", str(results / "milp"), str(results / "nsga2"), "--out", str(compared))
    assert done.returncode == 0, done.stderr
    run_json = _run_json(compared)
    assert [c["name"] for c in run_json["compared"]] == ["milp", "nsga2"]
    assert [c["folder_from_results"] for c in run_json["compared"]] == ["../milp", "../nsga2"]
    assert run_json["instance"] == str(TINY.resolve()) and run_json["scenario_hash"]
    # a comparison stands for its fronts: compared again with a result folder, three fronts
    again = run("compare", str(compared), str(results / "milp"), "--out", str(tmp_path / "again"))
    assert again.returncode == 0, again.stderr
    assert len(pd.read_csv(tmp_path / "again" / "indicators.csv")) == 3
    # the results folder moved as a whole: the comparison finds its fronts relative to itself
    results.rename(tmp_path / "moved")
    compared = tmp_path / "moved" / "compared"
    for name in ("report.html", "pareto.png", "indicators.csv"):
        (compared / name).unlink()
    _report(compared)
    for name in ("report.html", "pareto.png", "indicators.csv"):
        assert (compared / name).is_file(), name
    assert _run_json(compared) == run_json   # what was compared stays recorded as it was


def test_report_after_the_instance_moved(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(TINY, project / "tiny")
    _solve("tiny", "result", "--points", "3", cwd=project)
    assert _run_json(project / "result")["instance_from_results"] == "../tiny"
    (tmp_path / "elsewhere").mkdir()
    (project / "tiny").rename(tmp_path / "elsewhere" / "tiny")
    [warning] = _instance_warnings(_report(project / "result", cwd=tmp_path))
    assert f"not at {(project / 'tiny').resolve()} any more (moved or deleted)" in warning
    assert "pass --instance PATH" in warning
    _assert_without_instance(project / "result")
    # told where it is now: the whole report, and no warning (its files are the ones solved)
    assert _instance_warnings(_report(project / "result", "--instance", str(tmp_path / "elsewhere" / "tiny"),
                                      cwd=tmp_path)) == []
    _assert_full(project / "result")
    # the instance and its results moved together: found relative to the result folder
    (tmp_path / "elsewhere" / "tiny").rename(project / "tiny")
    project.rename(tmp_path / "moved")
    shutil.rmtree(tmp_path / "moved" / "result" / "tables")
    [warning] = _instance_warnings(_report(tmp_path / "moved" / "result", cwd=tmp_path))
    assert "moved from" in warning and str(tmp_path / "moved" / "tiny") in warning
    _assert_full(tmp_path / "moved" / "result")
