"""Ctrl-C during ``landalloc solve``: the finished points are written, marked partial, and
``--resume`` completes the front an uninterrupted run finds (MILP and NSGA-II)."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from landalloc.instances import bundled
from landalloc.models import Instance
from tests.test_cli import LANDALLOC, run

OBJECTIVES = ["efficiency", "equity"]
WAIT = 300.0
"""Seconds a run may take to reach the point where it is interrupted (a shared machine is slow)."""


def _interrupted(args: list[str], ready: Callable[[str], bool], log: Path) -> tuple[int, str]:
    """Start ``landalloc args``, send SIGINT once ``ready(stderr so far)``, return its exit code and stderr."""
    with log.open("w") as stderr:
        process = subprocess.Popen([LANDALLOC, *args], stdout=subprocess.DEVNULL, stderr=stderr,
                                   env={"COLUMNS": "200", "PATH": str(Path(sys.executable).parent)})
        try:
            deadline = time.monotonic() + WAIT
            while not ready(log.read_text()):
                assert process.poll() is None, f"the run ended before it was interrupted:\n{log.read_text()}"
                assert time.monotonic() < deadline, "the run never reached the point to interrupt it"
                time.sleep(0.01)
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=WAIT)
        finally:
            if process.poll() is None:
                process.kill()
    return code, log.read_text()


def _values(folder: Path) -> np.ndarray:
    return pd.read_csv(folder / "front.csv")[OBJECTIVES].to_numpy(float)


def _same_front(found: np.ndarray, expected: np.ndarray) -> None:
    """The same points, in any order, to 1e-6 relative."""
    assert found.shape == expected.shape, (found, expected)
    np.testing.assert_allclose(_sorted(found), _sorted(expected), rtol=1e-6, atol=1e-6)


def _sorted(values: np.ndarray) -> np.ndarray:
    return values[np.lexsort(values.T[::-1])]


def _check_partial(folder: Path, stderr: str) -> dict:
    """The partial folder: marked partial, every point feasible, a resume command printed."""
    run_json = json.loads((folder / "run.json").read_text())
    assert run_json["partial"] is True and run_json["finished"] is False
    assert "--resume" in stderr and str(folder) in stderr
    checked = run("check", str(bundled("demo")), str(folder))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"{len(pd.read_csv(folder / 'front.csv'))} points verified" in checked.stdout
    return run_json


def test_milp_front_interrupted_then_resumed(tmp_path):
    out, resumed = tmp_path / "partial", tmp_path / "resumed"
    args = ["solve", str(bundled("demo")), "--method", "milp", "--objectives", ",".join(OBJECTIVES),
            "--points", "4", "--gap", "0.001", "--no-report"]   # few points, a coarse gap: this test is about resuming
    # interrupt once the first ε-grid point (after the two payoff-table rows) is finished: the points
    # after it (a fill point between distant ones among them) take seconds, so Ctrl-C lands in the sweep
    code, stderr = _interrupted([*args, "--out", str(out)], lambda text: re.search(r"^point \d", text, re.M),
                                tmp_path / "stderr.txt")
    assert code == 130, stderr
    run_json = _check_partial(out, stderr)
    assert run_json["stopped_by"] == "interrupted"
    assert len(run_json["payoff"]["table"]) == 2 and run_json["sweep"]
    table = pd.read_csv(out / "front.csv", dtype={"grid": str})
    finished = {e["grid"] for e in run_json["sweep"]} | {f"optimum of {o}" for o in OBJECTIVES}
    assert set(table["grid"]) <= finished and {f"optimum of {o}" for o in OBJECTIVES} <= set(table["grid"])

    instance = Instance.load(bundled("demo"))
    _refuses_other_runs(out, instance, args, tmp_path)

    done = run(*args, "--resume", str(out), "--out", str(resumed))
    assert done.returncode == 0, done.stderr
    final = json.loads((resumed / "run.json").read_text())
    assert final["partial"] is False and final["stopped_by"] == "completed"
    assert final["grid"]["reused"] >= 1 and final["resumed_from"] == str(out)
    assert json.loads((out / "run.json").read_text())["partial"] is True   # the partial result is kept

    from landalloc.optimizer import milp

    whole = milp.pareto(instance.compile(), OBJECTIVES, points=4, gap=0.001, seed=1, progress=False)
    _same_front(_values(resumed), whole.values)


def _refuses_other_runs(out: Path, instance: Instance, args: list[str], tmp_path: Path) -> None:
    """``--resume`` names what differs from the run it would continue (checked in-process: fast)."""
    from typer.testing import CliRunner

    from landalloc.models import InputError
    from landalloc.optimizer.cli import app, check_resumable

    with pytest.raises(InputError, match="--objectives efficiency,equity .not efficiency,ecology.; --seed 1 .not 2."):
        check_resumable(out, instance, "milp", ["efficiency", "ecology"], 2, 11)
    with pytest.raises(InputError, match="--method milp, not nsga2"):
        check_resumable(out, instance, "nsga2", OBJECTIVES, 1, 100)
    copy = tmp_path / "demo-edited"
    shutil.copytree(bundled("demo"), copy)
    (copy / "README.md").write_text("edited\n")
    with pytest.raises(InputError, match="same instance files"):
        check_resumable(out, Instance.load(copy), "milp", OBJECTIVES, 1, 11)
    onto = CliRunner().invoke(app, [*args, "--resume", str(out), "--out", str(out)])
    assert isinstance(onto.exception, InputError) and "--force" in str(onto.exception)


def test_nsga_run_interrupted_then_resumed_from_its_checkpoint(tmp_path):
    out, resumed = tmp_path / "partial", tmp_path / "resumed"
    args = ["solve", str(bundled("demo")), "--method", "nsga2", "--objectives", ",".join(OBJECTIVES),
            "--pop", "20", "--generations", "15", "--seed", "2", "--no-report"]

    def checkpointed(text: str) -> bool:
        match = re.search(r"^checkpoint: (.+) \(every", text, re.M)
        return bool(match) and Path(match.group(1)).exists()

    code, stderr = _interrupted([*args, "--checkpoint-every", "0", "--out", str(out)], checkpointed,
                                tmp_path / "stderr.txt")
    assert code == 130, stderr
    run_json = _check_partial(out, stderr)
    assert run_json["stopped_by"].startswith("interrupt") and run_json["generations"] < 15
    assert (out / "checkpoint.pkl").exists()

    done = run(*args, "--resume", str(out), "--out", str(resumed))
    assert done.returncode == 0, done.stderr
    final = json.loads((resumed / "run.json").read_text())
    assert final["partial"] is False and final["generations"] == 15

    from landalloc.optimizer import nsga

    problem = Instance.load(bundled("demo")).compile()
    whole = nsga.explore(problem, OBJECTIVES, pop_size=20, generations=15, seed=2, progress=False)
    _same_front(_values(resumed), whole.values)


# -- the same in Python, on the tiny instance: Ctrl-C simulated right after the k-th point ---------
class _CtrlC:
    """An ``on_point`` callback that raises KeyboardInterrupt after ``after`` points."""

    def __init__(self, after: int) -> None:
        self.after, self.seen = after, 0

    def __call__(self, point) -> None:
        self.seen += 1
        if self.seen == self.after:
            raise KeyboardInterrupt


@pytest.mark.parametrize("objectives, options", [
    (("efficiency", "compactness"), {"points": 6}),
    (("efficiency", "compactness", "ecology"), {"points": 4}),
    (("efficiency", "ecology"), {"points": None}),
    (("efficiency", "ecology", "equity"), {"points": 4, "method": "weighted"}),
])
def test_resumed_front_equals_the_uninterrupted_one(tiny_problem, tmp_path, objectives, options):
    from landalloc.optimizer import milp
    from landalloc.optimizer.front import ParetoFront

    whole = milp.pareto(tiny_problem, list(objectives), gap=0, progress=False, **options)
    m = len(objectives)
    count = len(whole.run["sweep"]) + m
    # during the payoff table, right after it, after the first point, half-way, before the last
    for after in sorted({1, m, m + 1, (count + m) // 2, count - 1} & set(range(1, count))):
        partial = milp.pareto(tiny_problem, list(objectives), gap=0, progress=False, on_point=_CtrlC(after),
                              **options)
        assert partial.run["partial"] and partial.run["stopped_by"] == "interrupted"
        assert len(partial.run["sweep"]) == max(0, after - len(objectives))
        folder = partial.to_file(tmp_path / f"partial-{after}")
        resumed = milp.pareto(tiny_problem, list(objectives), gap=0, progress=False, resume=folder, **options)
        assert not resumed.run["partial"] and resumed.run["grid"]["reused"] == len(partial.run["sweep"])
        _same_front(resumed.values, whole.values)
        again = milp.pareto(tiny_problem, list(objectives), gap=0, progress=False, resume=ParetoFront.read(folder),
                            on_point=_CtrlC(1), **options)   # interrupted again: still nothing lost
        assert again.run["partial"] and len(again) >= len(partial)


def test_distributed_front_resumes_too(tiny_problem):
    from landalloc.optimizer.milp.grid_tasks import distributed_front

    whole = distributed_front(tiny_problem, ["efficiency", "compactness"], points=5)
    partial = distributed_front(tiny_problem, ["efficiency", "compactness"], points=5, on_point=_CtrlC(4))
    assert partial.run["partial"] and len(partial.run["sweep"]) == 2
    resumed = distributed_front(tiny_problem, ["efficiency", "compactness"], points=5, resume=partial)
    assert resumed.run["finished"] and resumed.run["grid"]["reused"] == 2
    _same_front(resumed.values, whole.values)


def test_resume_refuses_another_run(tiny, tiny_problem):
    from landalloc.models import InputError, parse_scenario
    from landalloc.optimizer import milp, nsga

    partial = milp.pareto(tiny_problem, ["efficiency", "equity"], points=5, progress=False, on_point=_CtrlC(3))
    with pytest.raises(InputError, match="points = 5, not 7"):
        milp.pareto(tiny_problem, ["efficiency", "equity"], points=7, progress=False, resume=partial)
    with pytest.raises(InputError, match="same objectives"):
        milp.pareto(tiny_problem, ["equity", "efficiency"], points=5, progress=False, resume=partial)
    explored = nsga.explore(tiny_problem, ["efficiency", "equity"], pop_size=8, generations=2, progress=False)
    with pytest.raises(InputError, match="not a MILP front"):
        milp.pareto(tiny_problem, ["efficiency", "equity"], points=5, progress=False, resume=explored)
    # the same parcels under other benefits: the saved layouts no longer score as recorded
    scenario = tiny.scenario.model_dump()
    for use in scenario["land_use"]:
        use["benefit"] = use["benefit"] * 2 + 1
    other = Instance(tiny.parcels, parse_scenario(scenario)).compile()
    with pytest.raises(InputError, match="do not score as recorded"):
        milp.pareto(other, ["efficiency", "equity"], points=5, progress=False, resume=partial)
