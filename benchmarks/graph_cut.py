"""The graph-cut step against the other layout steps, and three bounds of the same model.

On the synthetic county (efficiency + compactness, range-normalised as in milp_bench.py), per
size and within one time limit:

- **layouts** — the declared plan (:func:`landalloc.optimizer.milp.plan.plan_for`) and the same
  plan without the graph-cut step, and without the moves, each from scratch in the whole limit;
- **bounds** — the full model's LP by HiGHS's IPM and by its first-order PDLP (``solver="pdlp"``),
  and the Lagrangian bound of the subgradient on the half-edge split (``EdgeSplit.subgradient``).

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


from benchmarks.common import synthetic_problem, write_table
from landalloc.models import Problem, evaluate
from landalloc.optimizer.milp import highs as hi
from landalloc.optimizer.milp.build import formulate
from landalloc.optimizer.milp.plan import Plan, plan_for
from landalloc.optimizer.milp.session import Session
from landalloc.optimizer.milp.settings import Settings


def combined_task(problem: Problem):
    """efficiency / |efficiency today| + compactness / |compactness today|, as milp_bench.py weighs them."""
    today = evaluate(problem, problem.current_layout)
    form = formulate(problem, ["efficiency", "compactness"])
    return form, form.task({o: 1.0 / max(1e-9, abs(float(today.objective(o)[0]))) for o in ("efficiency", "compactness")})


def layouts(form, task, time_limit: float) -> list[dict[str, Any]]:
    """The declared plan and the plan less one of its layout steps, each in ``time_limit`` seconds."""
    settings = Settings(time_limit=time_limit)
    declared = plan_for(form, settings, time_limit)
    variants = [declared] + [Plan(f"{declared.name} without {left_out}",
                                  tuple(step for step in declared.steps if step != left_out), declared.relaxed)
                             for left_out in ("graph_cut", "moves") if left_out in declared.steps]
    rows = []
    for plan in variants:
        began = time.perf_counter()
        outcome = Session(form, settings).run(plan, task, time_limit)
        rows.append({"method": f"plan {plan.name}", "seconds": time.perf_counter() - began,
                     "objective": outcome.objective, "bound": outcome.bound, "steps": outcome.strategy})
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
    relaxation = session.edge_split().subgradient(task, began + time_limit, steps)
    bound = math.inf if relaxation is None else relaxation.bound
    rows.append({"method": "Lagrangian bound (subgradient on the edge split)", "seconds": time.perf_counter() - began,
                 "bound": bound, "steps": "; ".join(steps)})
    return rows


def run(sizes: list[int], time_limit: float) -> list[dict[str, Any]]:
    table = []
    for n in sizes:
        problem = synthetic_problem(n)
        form, task = combined_task(problem)
        rows = bounds(form, task, time_limit) + layouts(form, task, time_limit)
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
    args = parser.parse_args()
    rows = run([int(n) for n in args.parcels.split(",")], args.time_limit)
    print(write_table(rows, "graph_cut", f"The graph-cut step against the other layout steps, and three bounds "
                      f"(efficiency + compactness, {args.time_limit:g} s)"))


if __name__ == "__main__":
    main()
