"""The graph-cut move against today's pipeline, and three bounds of the same model.

On the synthetic county (efficiency + compactness, range-normalised as in milp_bench.py), per
size and within one time limit:

- **layouts** — today's pipeline (``Session.solve``: LP, repair, and on large models the
  subgradient bound, linearised and block moves); the graph-cut move
  (:func:`landalloc.optimizer.milp.graphcut.graph_cut`) started from the LP-and-repair layout of a
  short solve (``--start-seconds``) at the half-edge LP's duals, for the rest of the time;
- **bounds** — the full model's LP by HiGHS's IPM and by its first-order PDLP (``solver="pdlp"``),
  and the Lagrangian bound of the subgradient on the half-edge split (``CompactnessSearch.bound``).

Each layout's gap is taken against the tightest bound any row proved, so the layout rows compare
layouts alone.

    python -m benchmarks.graph_cut --parcels 2500,40000 --time-limit 60
"""

from __future__ import annotations

import argparse
import math
import os
import time
from typing import Any

import numpy as np

from benchmarks.common import synthetic_problem, write_table
from landalloc.models import Problem, evaluate
from landalloc.optimizer.milp import highs as hi
from landalloc.optimizer.milp.build import formulate
from landalloc.optimizer.milp.graphcut import graph_cut
from landalloc.optimizer.milp.session import Session, polish
from landalloc.optimizer.milp.settings import Settings


def combined_task(problem: Problem):
    """efficiency / |efficiency today| + compactness / |compactness today|, as milp_bench.py weighs them."""
    today = evaluate(problem, problem.current_layout)
    form = formulate(problem, ["efficiency", "compactness"])
    return form, form.task({o: 1.0 / max(1e-9, abs(float(today.objective(o)[0]))) for o in ("efficiency", "compactness")})


def layouts(form, task, time_limit: float, start_seconds: float) -> list[dict[str, Any]]:
    """Today's pipeline and the graph-cut move, each with ``time_limit`` seconds in all."""
    settings = Settings(time_limit=time_limit)
    began = time.perf_counter()
    today = Session(form, settings).solve(task)
    rows = [{"method": "today's pipeline (block moves)", "seconds": time.perf_counter() - began,
             "objective": today.objective, "bound": today.bound, "steps": today.strategy}]
    began = time.perf_counter()
    deadline = began + time_limit
    session = Session(form, settings)
    first = session.solve(task, time_limit=start_seconds, branch=False)
    inner = session.pair_session()
    relaxation = inner.relaxation(session.pairs.task(task), deadline)
    duals = np.zeros(form.n_rows - form.n_assignment)
    duals[session.pairs.rows[form.n_assignment:] - form.n_assignment] = relaxation.pricing.duals
    steps = [first.strategy]
    moved = graph_cut(form, task, duals, form.layout(first.values), deadline, settings, steps)
    values = first.values if moved is None else polish(form, task, form.complete(moved))
    rows.append({"method": "graph cut (LP duals, then priced rounds)", "seconds": time.perf_counter() - began,
                 "objective": task.objective(values), "bound": first.bound, "steps": "; ".join(steps)})
    return rows


def bounds(form, task, time_limit: float) -> list[dict[str, Any]]:
    """The full model's LP bound by IPM and PDLP, and the subgradient's Lagrangian bound."""
    rows = []
    for solver in ("ipm", "pdlp"):
        highs = hi.new_highs(Settings(), solver=solver, time_limit=time_limit)
        hi.pass_model(highs, form.csc, task, None)
        began = time.perf_counter()
        run = hi.run(highs, mip=False)
        rows.append({"method": f"LP bound, HiGHS {solver}", "seconds": time.perf_counter() - began,
                     "bound": run.bound if run.status == "optimal" else math.inf, "steps": run.status})
    session = Session(form, Settings(time_limit=time_limit))
    began = time.perf_counter()
    steps: list[str] = []
    bound = session.compactness_search().bound(task, began + time_limit, steps)
    rows.append({"method": "Lagrangian bound (subgradient on the edge split)", "seconds": time.perf_counter() - began,
                 "bound": bound, "steps": "; ".join(steps)})
    return rows


def run(sizes: list[int], time_limit: float, start_seconds: float) -> list[dict[str, Any]]:
    table = []
    for n in sizes:
        problem = synthetic_problem(n)
        form, task = combined_task(problem)
        rows = bounds(form, task, time_limit) + layouts(form, task, time_limit, start_seconds)
        best_bound = min(r["bound"] for r in rows)
        for r in rows:
            gap = (best_bound - r["objective"]) / abs(r["objective"]) if "objective" in r else math.nan
            table.append({"parcels": n, "method": r["method"], "seconds": round(r["seconds"], 2),
                          "objective": r.get("objective", math.nan), "bound": r["bound"],
                          "gap to best bound": gap, "load average": round(os.getloadavg()[0], 1),
                          "steps": r["steps"]})
            print(table[-1], flush=True)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", default="2500,40000")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--start-seconds", type=float, default=5.0,
                        help="seconds of the short solve whose layout the graph-cut move starts from")
    args = parser.parse_args()
    rows = run([int(n) for n in args.parcels.split(",")], args.time_limit, args.start_seconds)
    print(write_table(rows, "graph_cut", f"Graph-cut move against block moves, and three bounds "
                      f"(efficiency + compactness, {args.time_limit:g} s)"))


if __name__ == "__main__":
    main()
