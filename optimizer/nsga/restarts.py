"""Independent NSGA-II runs (restarts with successive seeds) as Dask tasks, merged into one front.

Each run is :func:`landalloc.optimizer.nsga.explore` with seed ``seed + r``; the union of their fronts is
re-evaluated and filtered by :meth:`ParetoFront.build`. Runs are independent, so the merged
front is the same whether they run serially, on a local cluster or on a remote one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from landalloc.models import Problem
from landalloc.optimizer.distributed import map_tasks
from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.nsga.explorer import explore


def explore_restarts(problem: Problem, objectives: Sequence[str], runs: int, seed: int = 1, client: Any = None,
                     **options: Any) -> ParetoFront:
    """``runs`` independent explorations (seeds ``seed .. seed + runs - 1``), merged.

    ``options`` go to :func:`landalloc.optimizer.nsga.explore` (pop_size, generations, time_limit, ...).
    """
    options = {**options, "progress": False}
    tasks = [{"objectives": list(objectives), "seed": seed + r, **options} for r in range(runs)]
    fronts: list[ParetoFront] = map_tasks(_explore, problem, tasks, client)
    layouts = np.concatenate([f.layouts for f in fronts])
    points = [{**{k: v for k, v in row.items() if k not in ("id", "method", "feasible")},
               "restart": r, "run_id": row["id"]}
              for r, f in enumerate(fronts) for row in f.points.to_dict(orient="records")]
    feasible = all(f.points["feasible"].all() for f in fronts)
    method = str(fronts[0].points["method"].iloc[0]) if len(fronts[0]) else "nsga2"
    run = {"engine": "nsga", "restarts": runs, "seeds": [seed + r for r in range(runs)],
           "runs": [f.run for f in fronts], "finished": all(f.run.get("finished", True) for f in fronts),
           "reproducible": all(f.run.get("reproducible", False) for f in fronts)}
    return ParetoFront.build(problem, list(objectives), layouts, points, method=method, run=run,
                             allow_infeasible=not feasible)


def _explore(problem: Problem, objectives: list[str], seed: int, **options: Any) -> ParetoFront:
    return explore(problem, objectives, seed=seed, **options)
