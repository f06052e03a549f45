"""Parallel speed-up of a 2-objective, 21-point MILP front: 1 worker against 2.

Run: ``.venv/bin/python -m benchmarks.distributed [--instance instances/demo] [--points 21]``
Writes benchmarks/results/distributed.{md,csv}. Both runs solve the same ε-grid points as Dask
tasks (the payoff table first, in-process); the 1-worker run is the baseline of the ratio.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.common import write_table
from landalloc.models import Instance
from landalloc.optimizer.distributed import cluster
from landalloc.optimizer.milp.grid_tasks import distributed_front


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instance", default="instances/demo")
    parser.add_argument("--objectives", default="efficiency,equity")
    parser.add_argument("--points", type=int, default=21)
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args()
    problem = Instance.load(args.instance).compile()
    objectives = args.objectives.split(",")
    rows, fronts = [], {}
    for workers in (1, 2):
        with cluster(workers=workers) as client:
            start = time.perf_counter()
            front = distributed_front(problem, objectives, points=args.points, client=client,
                                      time_limit=args.time_limit)
            seconds = time.perf_counter() - start
        fronts[workers] = front
        rows.append({"instance": args.instance, "objectives": args.objectives, "grid points": args.points,
                     "workers": workers, "front points": len(front), "seconds": seconds})
    rows[1]["speed-up"] = rows[0]["seconds"] / rows[1]["seconds"]
    rows[1]["same front"] = bool(np.array_equal(fronts[1].values, fronts[2].values))
    print(write_table(rows, "distributed", "Dask speed-up of an ε-constraint front").read_text())


if __name__ == "__main__":
    main()
