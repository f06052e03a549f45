"""Time limits as a planner reads them: ``time_limit`` per front point (its lexicographic stages
share it), ``total_time_limit`` for the whole run (an honest partial front that resume completes).

Time is a fake clock that each outer solve advances, so the accounting is tested, not the
machine's speed (timed tests are flaky under load; benchmarks measure overrun)."""

from __future__ import annotations

import functools
import json
import math

import numpy as np
import pytest

from landalloc.models.errors import InputError
from landalloc.optimizer import milp
from landalloc.optimizer.milp import multi
from landalloc.optimizer.milp.clock import Clock
from landalloc.optimizer.milp.session import Session
from tests.test_cli import bundled, run


class FakeTime:
    """A clock that moves only when a solve says it took time."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def timed_sessions(monkeypatch: pytest.MonkeyPatch, fake: FakeTime, seconds: list[float],
                   limits: list[float | None]) -> None:
    """Outer solves of a run record the limit they were handed and take ``seconds`` of fake time
    in turn (the last entry repeats); the solve itself runs for real, unlimited (tiny instances)."""

    class TimedSession(Session):
        def solve(self, task, time_limit=None):
            limits.append(time_limit)
            outcome = super().solve(task, time_limit=None)
            fake.t += seconds[min(len(limits), len(seconds)) - 1]
            return outcome

    monkeypatch.setattr(multi, "Session", TimedSession)
    monkeypatch.setattr(multi, "Clock", functools.partial(Clock, now=fake))


def test_the_stages_of_a_point_share_its_time_limit(tiny_problem, monkeypatch):
    fake, limits = FakeTime(), []
    timed_sessions(monkeypatch, fake, [4.0], limits)
    objectives = ("efficiency", "equity", "ecology")
    model = multi.Model.build(tiny_problem, objectives, milp.Settings(time_limit=10), multi.Clock(10))
    solution = multi.lexicographic(model, objectives)
    assert limits == [10.0, 6.0, 2.0]   # each stage gets what the ones before it left
    assert [s["seconds"] for s in solution.stages] == [4.0, 4.0, 4.0]
    assert solution.seconds == 12.0


def test_a_stage_left_without_time_keeps_the_layout_before_it(tiny_problem, monkeypatch):
    fake, limits = FakeTime(), []
    timed_sessions(monkeypatch, fake, [12.0], limits)
    objectives = ("efficiency", "equity")
    model = multi.Model.build(tiny_problem, objectives, milp.Settings(time_limit=10), multi.Clock(10))
    solution = multi.lexicographic(model, objectives)
    assert limits == [10.0]   # the equity stage was not started
    first = multi.lexicographic(multi.Model.build(tiny_problem, ("efficiency",), milp.Settings()), ["efficiency"])
    np.testing.assert_allclose(solution.values["efficiency"], first.values["efficiency"])
    assert [s["objective"] for s in solution.stages] == ["efficiency", "equity"]
    assert solution.stages[1]["status"] == "time_limit" and math.isnan(solution.stages[1]["bound"])
    assert solution.status == "time_limit"


def test_a_total_time_limit_leaves_an_honest_partial_front_that_resume_completes(tiny_problem, monkeypatch):
    objectives = ["efficiency", "equity"]
    fresh = milp.pareto(tiny_problem, objectives, points=5, gap=0, progress=False)
    fake, limits = FakeTime(), []
    timed_sessions(monkeypatch, fake, [1.0], limits)
    # the payoff table's 2 rows x 2 stages take 4 s, then one grid point gets the half second left
    partial = milp.pareto(tiny_problem, objectives, points=5, gap=0, progress=False, total_time_limit=4.5)
    assert limits == [4.5, 3.5, 2.5, 1.5, 0.5]
    run_ = partial.run
    assert run_["stopped_by"] == "total_time_limit" and run_["partial"] and not run_["finished"]
    assert not run_["complete"] and "total time limit (4.5 s)" in run_["incomplete_because"]
    assert run_["settings"]["total_time_limit"] == 4.5
    assert list(partial.points["time_limit"]) == [4.5, 2.5]   # each row's limit is what was left of the run
    assert [p["grid"] for p in run_["sweep"]] == ["0"] and "1 solved after the payoff table" in run_["incomplete_because"]
    monkeypatch.undo()
    resumed = milp.pareto(tiny_problem, objectives, points=5, gap=0, progress=False, resume=partial)
    assert resumed.run["finished"] and resumed.run["complete"] == fresh.run["complete"]
    np.testing.assert_allclose(np.sort(resumed.values, axis=0), np.sort(fresh.values, axis=0))


def test_a_total_time_limit_during_the_payoff_table_says_so(tiny_problem, monkeypatch):
    fake, limits = FakeTime(), []
    timed_sessions(monkeypatch, fake, [1.0], limits)
    partial = milp.pareto(tiny_problem, ["efficiency", "equity"], points=5, progress=False, total_time_limit=2)
    assert limits == [2.0, 1.0]   # one payoff row, then no other point starts
    assert partial.run["stopped_by"] == "total_time_limit" and not partial.run["complete"]
    assert "payoff table is not finished" in partial.run["incomplete_because"]
    assert list(partial.points["grid"]) == ["optimum of efficiency"]


def test_a_total_time_limit_must_be_positive(tiny_problem):
    with pytest.raises(InputError, match="total_time_limit"):
        milp.pareto(tiny_problem, ["efficiency", "equity"], points=3, progress=False, total_time_limit=0)


def test_total_time_limit_on_the_command_line_writes_a_partial_front_resume_completes(tmp_path):
    out = tmp_path / "cut"
    cut = run("solve", str(bundled("tiny")), "--objectives", "efficiency,equity", "--points", "5",
              "--total-time-limit", "0.001", "--out", str(out))
    assert cut.returncode == 0, cut.stderr
    saved = json.loads((out / "run.json").read_text())
    assert saved["stopped_by"] == "total_time_limit" and saved["partial"] and not saved["complete"]
    assert "total time limit (0.001 s)" in saved["incomplete_because"]
    assert "total time limit" in cut.stdout and "--resume" in cut.stderr
    # stopped before its first point: a folder to resume, with no report of nothing
    assert saved["points"] == 0 and not (out / "report.html").exists() and "DataFrame" not in cut.stdout
    assert f"wrote {out}\n" in cut.stdout
    checked = run("check", str(bundled("tiny")), str(out))
    assert checked.returncode == 0 and "0 points verified" in checked.stdout, checked.stdout + checked.stderr
    reported = run("report", str(out))
    assert reported.returncode == 2 and "holds no points" in reported.stderr and "--resume" in reported.stderr
    assert "Traceback" not in reported.stderr
    done = run("solve", str(bundled("tiny")), "--objectives", "efficiency,equity", "--points", "5",
               "--no-report", "--resume", str(out), "--out", str(tmp_path / "done"))
    assert done.returncode == 0, done.stderr
    finished = json.loads((tmp_path / "done" / "run.json").read_text())
    assert finished["finished"] and finished["stopped_by"] == "completed"
