"""The exact front against NSGA-II: hypervolume of the N-point MILP front and of NSGA-II's front.

For each objective pair, the MILP front of ``--points`` (AUGMECON2 grid, then gap filling up to
that many distinct points) and NSGA-II runs of ``--nsga-seconds`` (the CLI's default run, and
one seeded with the MILP's payoff-table extremes) are scored together by
:func:`landalloc.optimizer.report.compare`, as ``landalloc demo`` and ``landalloc compare`` do:
values normalised by the union's ideal and nadir, hypervolume as a share of the union's. The
floor: the MILP front's hypervolume is at least NSGA-II's.

    python -m benchmarks.exact_fronts --instance instances/demo --points 11 --nsga-seconds 60
"""

from __future__ import annotations

import argparse
import os
import time

from benchmarks.common import write_table
from landalloc.models import Instance
from landalloc.optimizer import milp, nsga
from landalloc.optimizer.report import compare

PAIRS = (("efficiency", "equity"), ("efficiency", "ecology"))


def run(instance: str, points: int | str, nsga_seconds: float, pop_size: int, milp_limit: float,
        pairs=PAIRS) -> list[dict]:
    problem = Instance.load(instance).compile()
    rows = []
    for pair in pairs:
        start = time.perf_counter()
        exact = milp.pareto(problem, list(pair), points=points, time_limit=milp_limit, progress=False,
                            on_point=lambda point: print(f"  {point.record.get('grid')}: {point.status}, "
                                                         f"{point.record.get('seconds', 0):.1f} s", flush=True))
        milp_seconds = time.perf_counter() - start
        for label, initial in (("none (default run)", None), ("payoff extremes", exact.layouts[[0, -1]])):
            cpu = time.process_time()
            approx = nsga.explore(problem, list(pair), pop_size=pop_size, time_limit=nsga_seconds, seed=1,
                                  initial=initial, progress=False)
            cpu = time.process_time() - cpu
            scores = compare([exact, approx], names=["milp", "nsga2"]).indicators.set_index("front")
            hv_milp, hv_nsga = (float(scores.loc[n, "hypervolume_ratio"]) for n in ("milp", "nsga2"))
            rows.append({"instance": f"{problem.name} ({problem.n_parcels})", "objectives": " × ".join(pair),
                         "milp points": f"{exact.run['distinct']} of {points}", "milp complete": exact.run["complete"],
                         "milp solves": exact.run["counts"]["solves"], "milp s": round(milp_seconds, 1),
                         "nsga seeds": label, "nsga points": len(approx), "nsga s": nsga_seconds,
                         "nsga cpu s": round(cpu, 1), "generations": approx.run["generations"],
                         "HV milp / union": round(hv_milp, 4), "HV nsga / union": round(hv_nsga, 4),
                         "floor met": hv_milp >= hv_nsga, "load average": round(os.getloadavg()[0], 1)})
            print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default="instances/demo")
    parser.add_argument("--points", default="11", help="MILP points: an integer, 'all' or 'auto'")
    parser.add_argument("--nsga-seconds", type=float, default=60.0)
    parser.add_argument("--pop", type=int, default=100)
    parser.add_argument("--milp-time-limit", type=float, default=120.0, help="seconds per MILP solve")
    parser.add_argument("--pairs", default="efficiency:equity,efficiency:ecology")
    args = parser.parse_args()
    points: int | str = int(args.points) if args.points.isdigit() else args.points
    pairs = [tuple(p.split(":")) for p in args.pairs.split(",")]
    rows = run(args.instance, points, args.nsga_seconds, args.pop, args.milp_time_limit, pairs)
    print(write_table(rows, "exact_fronts", f"Exact (MILP, --points {points}) against NSGA-II fronts: "
                      "hypervolume as a share of the union's"))


if __name__ == "__main__":
    main()
