"""NSGA-II front quality against the exact MILP front: hypervolume ratio against time.

For each objective pair, the exact front comes from ``landalloc.optimizer.milp.pareto`` (AUGMECON2,
``--points`` grid points; a plain ε-constraint sweep through ``scipy.optimize.milp`` stands in
where that engine is missing). Both fronts are normalised by the MILP payoff table (best = 0, worst = 1) and
their hypervolumes taken with reference point 1.1. NSGA-II runs twice: as the default run
(``landalloc solve --method nsga2``: no seeds beyond today's layout; its own relaxation and
greedy seeds), and seeded with the payoff table's extreme layouts.

    python -m benchmarks.nsga_quality --parcels 3600 --time-limit 60
    python -m benchmarks.nsga_quality --instance instances/demo --pairs efficiency:equity
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from benchmarks.common import synthetic_problem, write_table
from landalloc.models import Problem, evaluate
from landalloc.models.scenario import OBJECTIVES
from landalloc.optimizer import nsga
from landalloc.optimizer.nsga.archive import Normalisation
from landalloc.optimizer.nsga.problem import fingerprint

PAIRS = (("efficiency", "equity"), ("efficiency", "ecology"))


def exact_front(problem: Problem, pair: tuple[str, str], points: int, time_limit: float) -> dict:
    """Payoff table and ε-constraint front (layouts) of two maximised objectives."""
    try:
        from landalloc.optimizer.milp import pareto  # the project's engine, once it exists

        front = pareto(problem, list(pair), points=points, time_limit=time_limit, progress=False)
        layouts = front.layouts
    except ImportError:
        layouts = _epsilon_sweep(problem, pair, points, time_limit)
    result = evaluate(problem, layouts)
    values = result.objectives[:, [OBJECTIVES.index(o) for o in pair]][result.feasible]
    return {"values": values, "layouts": layouts[result.feasible]}


def _epsilon_sweep(problem: Problem, pair: tuple[str, str], points: int, time_limit: float) -> np.ndarray:
    from landalloc.optimizer.milp.formulation import formulate

    form = formulate(problem, list(pair))
    f1, f2 = (form.objectives[o] for o in pair)
    base = [LinearConstraint(form.matrix, form.row_lower, form.row_upper)]
    bounds = (form.col_lower, form.col_upper)
    options = {"time_limit": time_limit, "mip_rel_gap": 1e-5, "disp": False}

    def solve(main, floor=None):
        cons = list(base)
        if floor is not None:
            other, value = floor
            cons.append(LinearConstraint(other.sign * other.coef[None, :],
                                         other.sign * (value - other.constant), np.inf))
        res = milp(-main.sign * main.coef, constraints=cons, integrality=form.integer.astype(int),
                   bounds=Bounds(*bounds), options=options)
        if res.x is None:
            return None
        return res.x

    layouts = []
    ends = []
    for first, second in ((f1, f2), (f2, f1)):  # lexicographic payoff table
        v = solve(first)
        best = form.value(first.name, v)
        slack = 1e-7 * max(1.0, abs(best))
        v = solve(second, (first, best - first.sign * slack)) if v is not None else None
        layouts.append(form.layout(v))
        ends.append(form.value(f2.name, v))
    for e in np.linspace(ends[0], ends[1], points)[1:-1]:
        v = solve(f1, (f2, e))
        if v is not None:
            layouts.append(form.layout(v))
    return np.array(layouts)


def cached_exact_front(problem: Problem, pair: tuple[str, str], points: int, time_limit: float,
                       cache: str | None) -> tuple[dict, float]:
    """:func:`exact_front` and the seconds it took, kept in ``cache`` so that reruns measure only
    the explorer.

    The file is keyed by the problem's fingerprint, the pair, the points and the MILP's time limit
    (a front of other points or limits is another front), and is a CSV small enough to commit: one
    row per front point with the pair's values, the seconds the whole front took, and the layout
    as space-separated use indices."""
    if cache is None:
        stored = None
    else:
        key = f"exact_{fingerprint(problem)[:12]}_{'_'.join(pair)}_{points}p_{time_limit:g}s.csv"
        stored = Path(cache) / key
    if stored is not None and stored.exists():
        table = pd.read_csv(stored)
        layouts = np.array([np.array(t.split(), dtype=np.int64) for t in table["layout"]]).reshape(
            len(table), problem.n_parcels)
        return {"values": table[list(pair)].to_numpy(float), "layouts": layouts}, float(table["seconds"].iloc[0])
    started = time.perf_counter()
    exact = exact_front(problem, pair, points, time_limit)
    seconds = time.perf_counter() - started
    if stored is not None:
        stored.parent.mkdir(parents=True, exist_ok=True)
        table = pd.DataFrame(exact["values"], columns=list(pair)).assign(
            seconds=seconds, layout=[" ".join(map(str, row)) for row in exact["layouts"]])
        partial = stored.with_suffix(".tmp")
        table.to_csv(partial, index=False, float_format="%.17g")
        partial.replace(stored)
    return exact, seconds


def _gap(found: np.ndarray, exact: np.ndarray, sign: float) -> str:
    """The explorer's best value against the MILP's, as a signed relative difference."""
    best_found, best_exact = (found * -sign).max() * -sign, (exact * -sign).max() * -sign
    return f"{(best_found - best_exact) / max(abs(best_exact), 1e-12) * -sign:+.3%}"


def hypervolume(values: np.ndarray, norm: Normalisation, sign: np.ndarray) -> float:
    return norm.hypervolume(values * sign)


def run(n: int, seed: int, time_limit: float, points: int, milp_limit: float, pop_size: int,
        pairs=PAIRS, cache: str | None = None, seeding=("default", "payoff extremes"),
        instance: str | None = None) -> list[dict]:
    if instance is not None:
        from landalloc.models import Instance

        problem = Instance.load(instance).compile()
        n = f"{Path(instance).name} ({problem.n_parcels})"
    else:
        problem = synthetic_problem(n, seed)
    rows = []
    for pair in pairs:
        exact, milp_seconds = cached_exact_front(problem, pair, points, milp_limit, cache)
        sign = np.array([-1.0 if problem.senses[problem.objectives.index(o)] == "max" else 1.0 for o in pair])
        f = exact["values"] * sign
        norm = Normalisation(f.min(axis=0), f.max(axis=0))
        hv_exact = hypervolume(exact["values"], norm, sign)
        reference = (np.where(sign < 0, exact["values"].max(axis=0), exact["values"].min(axis=0)),
                     np.where(sign < 0, exact["values"].min(axis=0), exact["values"].max(axis=0)))
        extremes = exact["layouts"][[int(np.argmax(exact["values"][:, j] * -sign[j])) for j in range(2)]]
        for label, initial in (("default", None), ("payoff extremes", extremes)):
            if label not in seeding:
                continue
            cpu = time.process_time()
            front = nsga.explore(problem, list(pair), pop_size=pop_size, time_limit=time_limit, seed=1,
                                 initial=initial, progress=False, reference=reference)
            cpu = time.process_time() - cpu
            hv = hypervolume(front.values, norm, sign)
            history = np.array(front.run["hypervolume"])
            seconds = np.array(front.run["history_seconds"])
            at = {t: float(history[seconds <= t].max(initial=0.0)) / hv_exact for t in (5, 10, 20, 30, 60)}
            rows.append({"parcels": n, "objectives": " vs ".join(pair), "milp points": len(exact["values"]),
                         "milp s": round(milp_seconds, 1),
                         "nsga seeds": "none (default run)" if initial is None else label,
                         "nsga points": len(front), "generations": front.run["generations"],
                         "s/generation": round(front.run["timings"]["per_generation_s"] or 0, 3),
                         **{f"HV ratio @{t}s": round(v, 4) for t, v in at.items()},
                         "HV ratio final": round(hv / hv_exact, 4),
                         # wall-time limits on a shared machine: the load and CPU share say how busy it was
                         "nsga cpu s": round(cpu, 1), "load average": round(os.getloadavg()[0], 1),
                         **{f"{o} best vs MILP best": _gap(front.values[:, j], exact["values"][:, j], sign[j])
                            for j, o in enumerate(pair)}})
            print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=3600)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--points", type=int, default=11)
    parser.add_argument("--milp-time-limit", type=float, default=120.0)
    parser.add_argument("--pop", type=int, default=100)
    parser.add_argument("--pairs", default="efficiency:equity,efficiency:ecology")
    parser.add_argument("--seeding", default="default,payoff extremes",
                        help="comma-separated: default (no seeds, as the CLI runs), payoff extremes")
    parser.add_argument("--cache", default=None, help="folder to keep exact fronts between runs")
    parser.add_argument("--instance", default=None, help="an instance folder (e.g. instances/demo) "
                        "instead of a synthetic county")
    args = parser.parse_args()
    pairs = [tuple(p.split(":")) for p in args.pairs.split(",")]
    rows = run(args.parcels, args.seed, args.time_limit, args.points, args.milp_time_limit, args.pop,
               pairs, args.cache, tuple(args.seeding.split(",")), args.instance)
    name = "nsga_quality" if args.instance is None else f"nsga_quality_{Path(args.instance).name}"
    print(write_table(rows, name, "NSGA-II hypervolume against the exact (MILP) front"))


if __name__ == "__main__":
    main()
