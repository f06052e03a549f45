"""An ε-constraint front whose grid points are independent Dask tasks.

The sequential AUGMECON2 sweep (:func:`landalloc.optimizer.milp.pareto`) skips points by bypass and early
exit, which orders the work. Here the payoff table is solved first, in this process, and then
every grid point is one task (:func:`landalloc.optimizer.milp.solve_point`) given the table: the points
can run on any worker, in any order, and the front is the same point for point whether they
run serially, on a local cluster or on a remote one.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from landalloc.models import Problem
from landalloc.models.presolve import require_feasible_bounds
from landalloc.optimizer.distributed import map_tasks
from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.milp.exact import Sweep
from landalloc.optimizer.milp.multi import (Model, Payoff, Point, accounted, assemble, pareto, reused_point, solve_payoff,
                                            solve_point, table_points)
from landalloc.optimizer.milp.resume import interruption, load_earlier
from landalloc.optimizer.milp.settings import Settings

METHOD = "augmecon-grid"
"""run.json's name for a full ε-grid without bypass (a resumed run must use the same)."""


def distributed_front(problem: Problem, objectives: Sequence[str], points: int | str = 11, client: Any = None,
                      time_limit: float | None = None, gap: float = 1e-4, seed: int = 0,
                      on_point: Callable[[Point], None] | None = None,
                      resume: ParetoFront | str | Path | None = None) -> ParetoFront:
    """AUGMECON2 grid points solved as tasks on ``client`` (None: serially in this process).

    Parameters
    ----------
    problem, objectives, points, time_limit, gap, seed : as :func:`landalloc.optimizer.milp.pareto`.
    client : a Dask client from :func:`landalloc.optimizer.distributed.cluster`.
    on_point : called with each finished :class:`Point` (progress bars, partial saves).
    resume : a partial front of this function (same problem, objectives and ``points``): its
        payoff table and proven points are reused and only the other points become tasks.

    After the grid, two-objective fronts fill their widest gaps in this process, as
    :func:`landalloc.optimizer.milp.pareto` does, until they hold ``points`` distinct points.
    ``points="all"`` or ``"auto"``: each ε-bound of the exact sequence depends on the point
    before, so the front is found in this process by :func:`landalloc.optimizer.milp.pareto`.
    Ctrl-C returns the points finished so far, marked partial as in :func:`landalloc.optimizer.milp.pareto`.
    """
    if not isinstance(points, int):
        front = pareto(problem, objectives, points=points, time_limit=time_limit, gap=gap, seed=seed,
                       on_point=on_point, resume=resume, progress=False)
        return dataclasses.replace(front, run={**front.run, "workers": _workers(client),
                                               "note": "the exact sequence runs in one process"})
    objectives = tuple(objectives)
    settings = Settings(time_limit=time_limit, gap=gap, seed=seed)
    require_feasible_bounds(problem)
    earlier = load_earlier(resume, problem, objectives, {"points": points, "method": METHOD})
    started = time.perf_counter()
    model = Model.build(problem, objectives, settings)
    rows: list[Point] = []
    table: Payoff | None = None
    indices = list(itertools.product(range(points), repeat=len(objectives) - 1))
    done: dict[tuple[int, ...], Point] = {}
    filled: list[Point] = []
    sweep: Sweep | None = None
    for index in indices:
        reused = reused_point(earlier, index, ",".join(map(str, index)))
        if reused is not None:
            done[index] = reused
    payoff_seconds = 0.0
    with interruption() as stop:
        try:
            table = solve_payoff(model, earlier, stop, on_point, rows)
            payoff_seconds = time.perf_counter() - started
            sweep = Sweep(model, table, points, points, table_points(table))
            todo = [index for index in indices if index not in done]
            tasks = [{"objectives": objectives, "table": table, "index": index, "settings": settings,
                      "points": points} for index in todo]

            def collect(position: int, point: Point) -> None:
                done[todo[position]] = point
                if on_point is not None:
                    on_point(point)
                stop.check()

            map_tasks(_solve_point, problem, tasks, client, on_done=collect)
            sweep.found.extend(done[index] for index in indices if index in done)
            for point in sweep.fill_after_grid(earlier):
                filled.append(point)
                if on_point is not None and not point.reused:
                    on_point(point)
                stop.check()
        except KeyboardInterrupt:
            stop.event.set()
    solved = [done[index] for index in indices if index in done] + filled
    seconds = time.perf_counter() - started
    run = {"engine": "milp", "settings": {**settings.as_dict(), "points": points, "method": METHOD},
           "workers": _workers(client),
           "timings": {"payoff": payoff_seconds, "points": seconds - payoff_seconds, "total": seconds},
           "grid": {"solved": len(solved), "total": len(indices), "reused": sum(p.reused for p in solved)}}
    front = assemble(problem, objectives, earlier, rows, table, solved, "interrupted" if stop.requested else "", run)
    return accounted(front, sweep, solved, rows, "augmecon", False, model.clock)


def _solve_point(problem: Problem, objectives: tuple[str, ...], table: Payoff, index: tuple[int, ...],
                 settings: Settings, points: int) -> Point:
    """One task: a fresh model per point, so no warm start makes the result depend on which
    worker solved which points before (the price of identical fronts on any cluster)."""
    return solve_point(problem, objectives, table, index, settings, points)


def _workers(client: Any) -> int:
    return 0 if client is None else len(client.scheduler_info().get("workers", {}))
