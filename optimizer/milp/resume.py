"""Ctrl-C during a MILP front, and what a later run takes from the partial result it left.

A front run records in ``run.json`` every point of its sweep (``run["sweep"]``: grid key,
status, ε-slacks and values) and the payoff-table rows it finished (``run["payoff"]["table"]``);
``front.csv`` keeps each point's grid key (column ``grid``). A resumed run takes the payoff
table as it was (the ε-grid is defined by it), reuses every point that was proven (optimal or
infeasible) and solves the others, so it ends with the front an uninterrupted run finds.
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from landalloc.models import Problem, evaluate
from landalloc.models.errors import InputError
from landalloc.models.scenario import OBJECTIVES
from landalloc.optimizer.front import ParetoFront

FINISHED = ("optimal", "infeasible", "gap_not_proven")
"""Point statuses a resumed run keeps; a point stopped by a time limit or Ctrl-C is solved again
(``gap_not_proven`` is what the solver gives when solved again, so it is kept)."""
AGREEMENT = 1e-6
"""Relative difference above which a saved layout's value shows it belongs to another problem."""


class Interruption:
    """Whether Ctrl-C arrived during a front.

    HiGHS's interruptible branch and bound catches the KeyboardInterrupt itself and returns its
    incumbent, so the sweep cannot rely on the exception alone: the signal is remembered here
    and :meth:`check` raises it again once the point in progress has been collected.
    """

    def __init__(self) -> None:
        self.event = threading.Event()

    @property
    def requested(self) -> bool:
        return self.event.is_set()

    def check(self) -> None:
        if self.requested:
            raise KeyboardInterrupt

    def handler(self, signum: int, frame: Any) -> None:
        self.event.set()
        raise KeyboardInterrupt


@contextmanager
def interruption() -> Iterator[Interruption]:
    """Remember Ctrl-C while a front runs (only the main thread receives signals)."""
    stop = Interruption()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = signal.signal(signal.SIGINT, stop.handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


@dataclass(frozen=True)
class Earlier:
    """What a partial front hands to the run that resumes it (all empty for a fresh run)."""

    payoff: dict[str, dict[str, float]] = field(default_factory=dict)
    """Finished payoff-table rows: optimised objective -> every objective's value."""
    sweep: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Proven points by grid key: status, ``slack`` and ``values`` (natural units)."""
    kept: dict[str, tuple[np.ndarray, dict[str, Any]]] = field(default_factory=dict)
    """Layouts on the earlier front by grid key (payoff rows: ``optimum of NAME``), with their records."""
    source: str = ""


def load_earlier(resume: ParetoFront | str | Path | None, problem: Problem, objectives: Sequence[str],
                 settings: dict[str, Any]) -> Earlier:
    """The reusable part of ``resume`` (a ParetoFront or a result folder) for a run of
    ``objectives`` with ``settings`` (``points`` and ``method`` must be the earlier run's)."""
    if resume is None:
        return Earlier()
    front = resume if isinstance(resume, ParetoFront) else ParetoFront.read(resume)
    source = "the resumed front" if isinstance(resume, ParetoFront) else str(resume)
    run = front.run
    if run.get("engine") != "milp" or "sweep" not in run:
        raise InputError(f"{source}: not a MILP front that can be resumed (engine {run.get('engine')!r}); "
                         "resume a result of milp.pareto or `landalloc solve --method milp`")
    if tuple(front.objectives) != tuple(objectives):
        raise InputError(f"{source}: its front is of {', '.join(front.objectives)}, not {', '.join(objectives)}; "
                         "resume with the same objectives in the same order")
    for name, value in settings.items():
        before = run.get("settings", {}).get(name)
        if before != value:
            raise InputError(f"{source}: the earlier run used {name} = {before!r}, not {value!r}; "
                             f"resume with {name} = {before!r}")
    _check_same_problem(front, problem, source)
    table = run.get("payoff", {}).get("table", [])
    unproven = {str(row.get("optimised")) for _, row in front.points.iterrows()
                if row["kind"] == "payoff" and str(row.get("status")) not in FINISHED}
    payoff = {row["optimised"]: {o: float(row[o]) for o in objectives} for row in table
              if row["optimised"] not in unproven}
    # the ε-grid is laid over the payoff table: a row solved again moves it, so the sweep starts anew
    sweep = {} if unproven else {str(entry["grid"]): entry for entry in run["sweep"] if entry["status"] in FINISHED}
    kept = {}
    for layout, (_, row) in zip(front.layouts, front.points.iterrows()):
        key = str(row["grid"])
        if (row["kind"] == "payoff" and str(row.get("optimised")) in payoff) or key in sweep:
            record = {k: v for k, v in row.items() if k not in ("id", "method", "feasible") and not _missing(v)}
            kept[key] = (layout, {**record, "grid": key, "resumed_from": source})
    return Earlier(payoff, sweep, kept, source)


def _check_same_problem(front: ParetoFront, problem: Problem, source: str) -> None:
    """Saved layouts must score as recorded: otherwise the parcels or the scenario changed."""
    codes = tuple(u.code for u in front.uses)
    if front.layouts.shape[1:] != (problem.n_parcels,) or codes != tuple(problem.codes):
        raise InputError(f"{source}: solved on {front.layouts.shape[1] if front.layouts.ndim == 2 else '?'} parcels "
                         f"with uses {', '.join(codes)}, not this instance ({problem.n_parcels} parcels, uses "
                         f"{', '.join(problem.codes)}); resume on the instance and scenario it was solved on")
    if not len(front):
        return
    values = evaluate(problem, front.layouts).objectives[:, [OBJECTIVES.index(o) for o in front.objectives]]
    scale = np.maximum(1.0, np.abs(front.values))
    if np.abs(values - front.values).max(initial=0.0) > AGREEMENT * scale.max():
        raise InputError(f"{source}: its layouts do not score as recorded on this problem, so it was solved on "
                         "other parcels or another scenario; resume on the instance and scenario it was solved on")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
