"""An ε-constraint front whose grid points are independent Dask tasks.

The sequential AUGMECON2 sweep (:func:`optimizer.milp.pareto`) skips points by bypass and early
exit, which orders the work. Here the payoff table is solved first, in this process, and then
every grid point is one task (:func:`optimizer.milp.solve_point`) given the table: the points
can run on any worker, in any order, and the front is the same point for point whether they
run serially, on a local cluster or on a remote one.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from models import Problem
from optimizer.distributed import map_tasks
from optimizer.front import ParetoFront
from optimizer.milp import diagnose
from optimizer.milp.multi import Model, Payoff, Point, payoff_table, solve_point
from optimizer.milp.settings import Settings


def distributed_front(problem: Problem, objectives: Sequence[str], points: int = 11, client: Any = None,
                      time_limit: float | None = None, gap: float = 1e-4, seed: int = 0,
                      on_point: Any = None) -> ParetoFront:
    """AUGMECON2 grid points solved as tasks on ``client`` (None: serially in this process).

    Parameters
    ----------
    problem, objectives, points, time_limit, gap, seed : as :func:`optimizer.milp.pareto`.
    client : a Dask client from :func:`optimizer.distributed.cluster`.
    on_point : called with each finished :class:`Point` (progress bars, partial saves).
    """
    objectives = tuple(objectives)
    settings = Settings(time_limit=time_limit, gap=gap, seed=seed)
    diagnose.presolve_check(problem)
    started = time.perf_counter()
    table = payoff_table(Model.build(problem, objectives, settings))
    payoff_seconds = time.perf_counter() - started
    indices = list(itertools.product(range(points), repeat=len(objectives) - 1))
    tasks = [{"objectives": objectives, "table": table, "index": index, "settings": settings, "points": points}
             for index in indices]
    solved: list[Point] = map_tasks(_solve_point, problem, tasks, client,
                                    on_done=None if on_point is None else lambda _, p: on_point(p))
    layouts = [s.layout for s in table.solutions] + [p.solution.layout for p in solved if p.solution is not None]
    records = ([{"kind": "payoff", "grid": f"optimum of {s.name}", **s.record()} for s in table.solutions]
               + [p.record for p in solved if p.solution is not None])
    seconds = time.perf_counter() - started
    run = {"engine": "milp", "settings": {**settings.as_dict(), "points": points, "method": "augmecon-grid"},
           "payoff": _payoff_record(table), "workers": _workers(client),
           "timings": {"payoff": payoff_seconds, "points": seconds - payoff_seconds, "total": seconds},
           "finished": all(p.status in ("optimal", "infeasible") for p in solved)}
    return ParetoFront.build(problem, list(objectives), np.array(layouts), records, method="milp", run=run)


def _solve_point(problem: Problem, objectives: tuple[str, ...], table: Payoff, index: tuple[int, ...],
                 settings: Settings, points: int) -> Point:
    """One task: a fresh model per point, so no warm start makes the result depend on which
    worker solved which points before (the price of identical fronts on any cluster)."""
    return solve_point(problem, objectives, table, index, settings, points)


def _payoff_record(table: Payoff) -> dict[str, Any]:
    return {"table": table.table.reset_index().to_dict(orient="records"),
            "ideal": dict(zip(table.objectives, table.ideal)), "nadir": dict(zip(table.objectives, table.nadir))}


def _workers(client: Any) -> int:
    return 0 if client is None else len(client.scheduler_info().get("workers", {}))
