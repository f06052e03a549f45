"""verify_result: a result folder re-evaluated against the instance it names, and every way to fail."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from landalloc.instances import bundled
from landalloc.models import InputError, Instance, evaluate
from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.verify import verify_result

OBJECTIVES = ["efficiency", "ecology"]


def _feasible_layouts(problem) -> np.ndarray:
    options = [np.flatnonzero(problem.allowed[i]) for i in problem.free]
    layouts = np.repeat(problem.current_layout[None], int(np.prod([len(o) for o in options])), axis=0)
    layouts[:, problem.free] = np.array(list(itertools.product(*options)))
    return layouts[evaluate(problem, layouts, objectives=()).feasible]


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> Path:
    """The tiny instance and an exact front of it (every allowed layout enumerated)."""
    root = tmp_path_factory.mktemp("solved")
    shutil.copytree(bundled("tiny"), root / "tiny")
    instance = Instance.load(root / "tiny")
    problem = instance.compile()
    feasible = _feasible_layouts(problem)
    run = {"instance": str((root / "tiny").resolve()), "inputs": instance.input_hashes(),
           "scenario": instance.scenario.model_dump()}
    front = ParetoFront.build(problem, OBJECTIVES, feasible, [{} for _ in feasible], "enum", run=run)
    assert len(front) >= 3
    front.to_file(root / "result")
    return root


@pytest.fixture
def copy(solved, tmp_path) -> Path:
    """A private copy of instance and result, to tamper with (run.json points at this instance)."""
    shutil.copytree(solved, tmp_path / "c")
    run = json.loads((tmp_path / "c/result/run.json").read_text())
    run["instance"] = str((tmp_path / "c/tiny").resolve())
    (tmp_path / "c/result/run.json").write_text(json.dumps(run))
    return tmp_path / "c"


def _edit_layouts(folder: Path, change) -> None:
    frame = gpd.read_file(folder / "layouts.gpkg", layer="layouts")
    change(frame)
    frame.to_file(folder / "layouts.gpkg", layer="layouts", driver="GPKG")


def test_result_verifies(solved):
    report = verify_result(solved / "result")
    assert report.ok and report.exit_code == 0, str(report)
    assert report.points["feasible"].all() and (report.points["max_relative_error"] <= 1e-12).all()
    assert "verified against" in str(report) and "verified" in repr(report)


def test_objective_value_disagrees(copy):
    front = pd.read_csv(copy / "result/front.csv")
    front.loc[1, "ecology"] *= 1 + 1e-4
    front.to_csv(copy / "result/front.csv", index=False)
    report = verify_result(copy / "result")
    assert report.exit_code == 1
    assert len(report.problems) == 1 and "point enum_001: ecology is" in report.problems[0]
    assert report.points.loc[1, "max_relative_error"] == pytest.approx(1e-4, rel=1e-3)


def test_tiny_rounding_agrees(copy):
    front = pd.read_csv(copy / "result/front.csv")
    front["efficiency"] *= 1 + 1e-9
    front.to_csv(copy / "result/front.csv", index=False)
    assert verify_result(copy / "result").ok


def test_layout_marked_feasible_is_infeasible(copy):
    def farm_to_grass(frame):  # parcel 1 is basic farmland
        frame["enum_000"] = np.where(frame["parcel_id"] == 1, "grass", frame["enum_000"])

    _edit_layouts(copy / "result", farm_to_grass)
    report = verify_result(copy / "result")
    assert report.exit_code == 1
    assert not report.points.loc[0, "feasible"]
    assert any("point enum_000: marked feasible but violates basic_farmland by 1" in p for p in report.problems)


def test_input_file_changed(copy):
    path = copy / "tiny/scenario.toml"
    path.write_text(path.read_text().replace("min = 3.0", "min = 2.0"))
    report = verify_result(copy / "result")
    assert report.exit_code == 1
    assert any("instance files changed since the run: scenario.toml" in p for p in report.problems)
    assert any("the run's scenario differs" in p and "quotas.crop.min" in p for p in report.problems)


def test_readme_change_is_a_warning(copy):
    with open(copy / "tiny/README.md", "a") as readme:
        readme.write("\nEdited.\n")
    report = verify_result(copy / "result")
    assert report.ok and any("README.md (not data)" in w for w in report.warnings)


def test_run_json_without_hashes_is_a_warning(copy):
    run = json.loads((copy / "result/run.json").read_text())
    del run["inputs"]
    (copy / "result/run.json").write_text(json.dumps(run))
    report = verify_result(copy / "result")
    assert report.ok and any("records no input hashes" in w for w in report.warnings)


def test_marked_infeasible_but_feasible_is_a_warning(copy):
    front = pd.read_csv(copy / "result/front.csv")
    front["feasible"] = [False] + [True] * (len(front) - 1)
    front.to_csv(copy / "result/front.csv", index=False)
    report = verify_result(copy / "result")
    assert report.ok and any("enum_000 is marked infeasible but is feasible" in w for w in report.warnings)


def test_dominated_point_is_a_warning(copy):
    problem = Instance.load(copy / "tiny").compile()
    layouts = _feasible_layouts(problem)
    values = evaluate(problem, layouts).objectives[:, [0, 2]]  # efficiency, ecology
    front = pd.read_csv(copy / "result/front.csv")
    best = front.loc[0, OBJECTIVES].to_numpy(float)
    worse = np.flatnonzero((values <= best).all(axis=1) & (values < best - 1e-3).any(axis=1))[0]
    codes = np.array(problem.codes, dtype=object)[layouts[worse]]
    order = problem.parcel_ids

    def replace(frame):
        frame["enum_001"] = pd.Series(codes, index=order).loc[frame["parcel_id"]].to_numpy()

    _edit_layouts(copy / "result", replace)
    front.loc[1, OBJECTIVES] = values[worse]
    front.to_csv(copy / "result/front.csv", index=False)
    report = verify_result(copy / "result")
    assert report.ok, str(report)
    assert "point enum_001 is dominated by another point of the front" in report.warnings


def test_missing_result_file(copy):
    (copy / "result/layouts.gpkg").unlink()
    with pytest.raises(InputError, match="missing layouts.gpkg"):
        verify_result(copy / "result")


def test_run_json_not_json(copy):
    (copy / "result/run.json").write_text("{not json")
    with pytest.raises(InputError, match="run.json: not valid JSON"):
        verify_result(copy / "result")


def test_run_json_names_no_instance(copy):
    run = json.loads((copy / "result/run.json").read_text())
    del run["instance"]
    (copy / "result/run.json").write_text(json.dumps(run))
    with pytest.raises(InputError, match="names no instance; give the instance folder"):
        verify_result(copy / "result")
    assert verify_result(copy / "result", instance=copy / "tiny").ok


def test_instance_gone(copy):
    shutil.rmtree(copy / "tiny")
    with pytest.raises(InputError, match="the instance of .* is not there"):
        verify_result(copy / "result")


def test_result_of_another_instance(copy):
    _edit_layouts(copy / "result", lambda f: f.__setitem__("parcel_id", f["parcel_id"] + 100))
    with pytest.raises(InputError, match=r"instance parcels 1, 2, 3.*are missing; parcels 101.*belongs to another"):
        verify_result(copy / "result")


def test_unknown_code_in_layouts(copy):
    _edit_layouts(copy / "result", lambda f: f.__setitem__("enum_002", "orchard"))
    with pytest.raises(InputError, match=r"column 'enum_002': unknown land-use codes \['orchard'\]"):
        verify_result(copy / "result")


def test_front_value_not_a_number(copy):
    front = pd.read_csv(copy / "result/front.csv")
    front["ecology"] = front["ecology"].astype(object)
    front.loc[0, "ecology"] = "n/a"
    front.to_csv(copy / "result/front.csv", index=False)
    with pytest.raises(InputError, match="column 'ecology' is not a number at points enum_000"):
        verify_result(copy / "result")
