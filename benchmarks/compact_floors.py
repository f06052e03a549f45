"""The floors of issue 15 in one run, each against its baselines: ``make bench`` writes
benchmarks/results/compact_floors.md (+ .csv).

    python -m benchmarks.compact_floors [--sizes 40000,250000,1000000] [--limit SECONDS]
                                        [--cases compact,efficiency,nsga,limits] [--skip-cpsat]

- **compact**: efficiency + compactness (range-normalised sum, ``benchmarks.milp_bench``'s
  model) on the synthetic county with every rule, 60 s (300 s at 1,000,000 parcels): our
  proven gap and peak memory, against HiGHS on the whole model and OR-Tools CP-SAT on the same
  model with the same limit (see ``benchmarks.cpsat`` for how it is made integral), each
  layout re-evaluated by ``evaluate``, with the ratio of our gap to theirs.
- **efficiency**: efficiency alone at 40,000 and 250,000 parcels, seconds to optimal.
- **nsga**: NSGA-II on instances/ordos, efficiency × equity, 60 s: its share of the hypervolume
  of the union of its front and the MILP front (11 points, 120 s each, cached under
  benchmarks/results/fronts), the median of three seeds, with and without the graph-cut move.
- **limits**: every measured solve of ours, seconds against its limit.

``--limit`` replaces every limit (for a quick run). Every measurement runs in a forked child
(``milp_bench.isolated``), killed at its limit plus a grace period, so a baseline whose setup
does not finish is reported as "> limit". Verdicts ("met"/"missed") are computed from the
figures against ``FLOORS``.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.common import RESULTS, synthetic_problem, write_table
from benchmarks.milp_bench import direct, isolated
from landalloc.models import Problem, evaluate
from landalloc.optimizer.milp.build import formulate
from landalloc.optimizer.milp.formulation import Formulation, Task
from landalloc.optimizer.milp.settings import Settings, relative_gap

COMPACT_LIMITS = {40_000: 60.0, 250_000: 60.0, 1_000_000: 300.0}
FLOORS: dict[str, Any] = {
    "compact gap": {40_000: 0.005, 250_000: 0.01, 1_000_000: 0.02},
    "peak memory GB": 8.0,
    "efficiency seconds": {40_000: 0.63, 250_000: 5.5},
    "nsga union share": 0.97,
    "limit overrun": 1.05,
}
"""The issue's floors; a size without a floor of its own (a quick run) takes the nearest
larger size's."""
NSGA_INSTANCE = "instances/ordos"
NSGA_PAIR = ("efficiency", "equity")
NSGA_SEEDS = (1, 2, 3)
"""Seeds of the NSGA-II runs; the table quotes the median share."""
GRAPH_CUT_TRIAL = 0.02
"""Share of offspring given the graph-cut move in the comparison row while the default is off."""
CASES = ("compact", "efficiency", "nsga", "limits")


# -- measurements (each runs in a forked child) --------------------------------------------------
def compact_model(problem: Problem) -> tuple[Formulation, Task]:
    """efficiency / |efficiency today| + compactness / |compactness today|, every rule on."""
    today = evaluate(problem, problem.current_layout)
    weights = {o: 1.0 / max(1e-9, abs(float(today.objective(o)[0]))) for o in ("efficiency", "compactness")}
    form = formulate(problem, list(weights))
    return form, form.task(weights)


def layout_value(problem: Problem, task: Task, layout: np.ndarray) -> tuple[float, bool]:
    """The weighted objective of a layout as ``evaluate`` scores it, and whether it keeps every rule."""
    scored = evaluate(problem, layout, objectives=list(task.weights))
    value = sum(w * float(scored.objective(o)[0]) for o, w in task.weights.items())
    return value, bool(scored.feasible[0])


def ours(problem: Problem, limit: float) -> dict[str, Any]:
    from landalloc.optimizer.milp.session import Session

    started = time.perf_counter()
    form, task = compact_model(problem)
    # the model's build counts against the limit, as in milp.solve
    left = limit - (time.perf_counter() - started)
    outcome = Session(form, Settings(time_limit=limit)).solve(task, time_limit=max(1e-3, left))
    seconds = time.perf_counter() - started
    layout = None if outcome.values is None else form.layout(outcome.values)
    return _scored(problem, task, layout, outcome.bound, seconds, outcome.status, outcome.strategy)


def highs_whole(problem: Problem, limit: float) -> dict[str, Any]:
    """The whole model handed to HiGHS's MIP with its defaults (what ``strategy="highs"`` does)."""
    from landalloc.optimizer.milp import highs as hi

    started = time.perf_counter()
    form, task = compact_model(problem)
    highs = hi.new_highs(Settings(), time_limit=limit)
    hi.pass_model(highs, form.csc, task, form.integer)
    run = hi.run(highs, mip=True)
    seconds = time.perf_counter() - started
    layout = None if run.values is None else form.layout(run.values)
    return _scored(problem, task, layout, run.bound, seconds, run.status, "HiGHS MIP on the whole model, defaults")


def cpsat(problem: Problem, limit: float) -> dict[str, Any]:
    from benchmarks.cpsat import solve_cpsat

    started = time.perf_counter()
    form, task = compact_model(problem)
    run = solve_cpsat(form, task, limit - (time.perf_counter() - started))
    seconds = time.perf_counter() - started
    layout = None if run.values is None else form.layout(run.values)
    note = (f"CP-SAT, {os.cpu_count()} workers; setup {run.setup_seconds:.1f} s; "
            f"{run.rows_scaled} rows scaled and rounded" + (" (bound approximate)" if run.rows_scaled else ""))
    return _scored(problem, task, layout, run.bound, seconds, run.status, note)


def efficiency(problem: Problem) -> dict[str, Any]:
    row = direct(problem)
    return {"seconds": row["total_s"], "status": row["status"], "gap": row["gap"], "note": row["note"]}


def nsga_share(instance: str, limit: float, cache: str, graph_cut: float) -> dict[str, Any]:
    """NSGA-II's share of the hypervolume of the union of its front and the MILP front, both
    normalised over the union, the median over NSGA_SEEDS (the exact front is cached, so reruns
    time only NSGA-II); ``graph_cut`` is the share of offspring given the graph-cut move."""
    from benchmarks.nsga_quality import cached_exact_front
    from landalloc.models import Instance
    from landalloc.optimizer import nsga
    from landalloc.optimizer.nsga.archive import Normalisation

    problem = Instance.load(instance).compile()
    exact, milp_seconds = cached_exact_front(problem, NSGA_PAIR, 11, 120.0, cache)
    sign = np.array([-1.0 if problem.senses[problem.objectives.index(o)] == "max" else 1.0 for o in NSGA_PAIR])
    runs = []
    for seed in NSGA_SEEDS:
        started = time.perf_counter()
        front = nsga.explore(problem, list(NSGA_PAIR), pop_size=100, time_limit=limit, seed=seed, progress=False,
                             graph_cut=graph_cut)
        seconds = time.perf_counter() - started
        found = evaluate(problem, front.layouts)
        ours_values = found.objectives[:, [problem.objectives.index(o) for o in NSGA_PAIR]][found.feasible]
        union = np.vstack([exact["values"], ours_values]) * sign
        norm = Normalisation.of(union)
        hv_union = norm.hypervolume(union)
        runs.append({"seconds": seconds, "generations": front.run["generations"],
                     "value": norm.hypervolume(ours_values * sign) / hv_union,
                     "milp share": norm.hypervolume(exact["values"] * sign) / hv_union})
    median = sorted(runs, key=lambda r: r["value"])[len(runs) // 2]
    shares = ", ".join(f"{r['value']:.4f}" for r in runs)
    return {"seconds": max(r["seconds"] for r in runs), "status": f"{median['generations']} generations",
            "value": median["value"], "milp share": median["milp share"],
            "note": f"graph-cut share {graph_cut:g}; median of seeds {', '.join(map(str, NSGA_SEEDS))} "
                    f"({shares}); "
                    f"MILP front {len(exact['values'])} points ({milp_seconds:.0f} s, cached)"}


def _scored(problem: Problem, task: Task, layout: np.ndarray | None, bound: float, seconds: float, status: str,
            note: str) -> dict[str, Any]:
    if layout is None:
        value, feasible = -math.inf, False
    else:
        value, feasible = layout_value(problem, task, layout)
    return {"seconds": seconds, "status": status if feasible or layout is None else f"{status}, breaks a rule",
            "value": value, "bound": bound, "gap": relative_gap(value, bound) if feasible else math.inf,
            "note": note}


def with_peak_memory(action: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """The action, its row completed by the child's peak resident memory (Linux: kB)."""
    def measured(*args: Any) -> dict[str, Any]:
        row = action(*args)
        row["peak GB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        return row
    return measured


# -- floors --------------------------------------------------------------------------------------
def floor_of(table: dict[int, float], size: int) -> float:
    return table[min((s for s in table if s >= size), default=max(table))]


def compact_rows(size: int, limit: float, skip_cpsat: bool) -> list[dict[str, Any]]:
    """Ours and the baselines on one county; the verdicts sit on our row."""
    started = time.perf_counter()
    problem = synthetic_problem(size, 1)
    print(f"{problem!r}: generated and compiled in {time.perf_counter() - started:.1f} s", flush=True)
    methods: list[tuple[str, Callable[..., dict[str, Any]]]] = [("ours", ours), ("HiGHS, whole model", highs_whole)]
    if not skip_cpsat:
        methods.append(("OR-Tools CP-SAT", cpsat))
    case = f"efficiency + compactness, {size:,} parcels, {limit:g} s"
    rows = []
    for method, action in methods:
        # a baseline gets its limit for setup and its limit for search, then the grace period
        result = isolated(with_peak_memory(action), problem, limit, limit=2 * limit)
        rows.append({"case": case, "method": method, "parcels": size, "limit s": limit, **result})
        print(rows[-1], flush=True)
    gap_floor, memory_floor = floor_of(FLOORS["compact gap"], size), FLOORS["peak memory GB"]
    mine = rows[0]
    mine["floor"] = f"proven gap ≤ {gap_floor:.1%}, peak memory ≤ {memory_floor:g} GB"
    mine["verdict"] = verdict(mine.get("gap", math.inf) <= gap_floor and mine.get("peak GB", math.inf) <= memory_floor)
    for theirs in rows[1:]:
        theirs["ours/theirs gap"] = gap_ratio(mine.get("gap", math.inf), theirs.get("gap", math.inf))
        theirs["floor"] = "row present, with the ratio of our gap to theirs"
        theirs["verdict"] = verdict(np.isfinite(theirs["ours/theirs gap"]))
    return rows


def gap_ratio(ours_gap: float, their_gap: float) -> float:
    """Our gap over theirs: 0 when they found no layout (infinite gap) and ours is finite."""
    if not np.isfinite(their_gap):
        return 0.0 if np.isfinite(ours_gap) else math.nan
    if their_gap == 0:
        return 1.0 if ours_gap == 0 else math.inf
    return ours_gap / their_gap


def efficiency_rows(sizes: list[int]) -> list[dict[str, Any]]:
    rows = []
    for size in [s for s in sizes if s <= max(FLOORS["efficiency seconds"])]:
        problem = synthetic_problem(size, 1)
        result = isolated(efficiency, problem, limit=600.0)
        today = floor_of(FLOORS["efficiency seconds"], size)
        rows.append({"case": f"efficiency only, {size:,} parcels", "method": "ours", "parcels": size, **result,
                     "floor": f"optimal, no slower than {today:g} s",
                     "verdict": verdict(str(result.get("status")).startswith("optimal")
                                        and result.get("seconds", math.inf) <= today)})
        print(rows[-1], flush=True)
    return rows


def nsga_rows(limit: float, cache: str) -> list[dict[str, Any]]:
    """NSGA-II with its default graph-cut share, and with the other choice (off when the default
    is on, else GRAPH_CUT_TRIAL), same seeds: the measurement behind the default."""
    from landalloc.optimizer.nsga.explorer import GRAPH_CUT_SHARE

    floor = FLOORS["nsga union share"]
    other = 0.0 if GRAPH_CUT_SHARE else GRAPH_CUT_TRIAL
    rows = []
    for method, share in (("ours", GRAPH_CUT_SHARE), (f"ours, graph-cut share {other:g}", other)):
        result = isolated(nsga_share, NSGA_INSTANCE, limit, cache, share,
                          limit=len(NSGA_SEEDS) * (limit + 60.0) + 900.0)
        row = {"case": f"NSGA-II, {NSGA_INSTANCE}, {' × '.join(NSGA_PAIR)}, {limit:g} s", "method": method,
               "limit s": limit, **result, "floor": f"share of union hypervolume ≥ {floor:g}",
               "verdict": verdict(result.get("value", -math.inf) >= floor)}
        print(row, flush=True)
        rows.append(row)
    return rows


def limit_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per measured solve of ours that had a limit: seconds / limit."""
    floor = FLOORS["limit overrun"]
    out = []
    for row in [r for r in rows if r["method"] == "ours" and np.isfinite(r.get("limit s", math.nan))]:
        share = row.get("seconds", math.inf) / row["limit s"]
        out.append({"case": f"time limit: {row['case']}", "method": "ours", "limit s": row["limit s"],
                    "seconds": row.get("seconds"), "value": share, "floor": f"seconds / limit ≤ {floor:g}",
                    "verdict": verdict(share <= floor)})
    return out


def verdict(met: bool) -> str:
    return "met" if met else "missed"


# -- the run -------------------------------------------------------------------------------------
def build_table(sizes: list[int], limit: float | None, cases: list[str], skip_cpsat: bool,
                cache: str, name: str = "compact_floors") -> list[dict[str, Any]]:
    """Every chosen case's rows, written to benchmarks/results/<name>.md and .csv."""
    load = os.getloadavg()
    rows: list[dict[str, Any]] = []
    if "compact" in cases:
        for size in sizes:
            rows += compact_rows(size, limit or floor_of(COMPACT_LIMITS, size), skip_cpsat)
    if "efficiency" in cases:
        rows += efficiency_rows(sizes)
    if "nsga" in cases:
        rows += nsga_rows(limit or 60.0, cache)
    if "limits" in cases:
        rows += limit_rows(rows)
    title = (f"Floors of issue 15: ours against the baselines (shared 2-core machine; load average "
             f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the start, "
             f"{os.getloadavg()[0]:.1f} at the end)")
    path = write_table(rows, name, title)
    with path.open("a") as out:
        out.write("\n" + NOTES + "\n")
    print(f"wrote {path} and {RESULTS / (name + '.csv')}")
    return rows


NOTES = """Notes:
- gap = (bound − value) / |value|, value = the layout's weighted objective as `evaluate` scores it; a
  layout that breaks a rule has an infinite gap.
- HiGHS, whole model: the MILP engine's own model handed to HiGHS's MIP with its defaults (no pipeline).
- OR-Tools CP-SAT: the same model made integral (benchmarks/cpsat.py): the shared-edge columns
  (continuous 0..1) become integers, which keeps the optimum; rows with fractional coefficients are
  scaled so that their largest is 10⁶ and rounded (none on a grid county); the objective is scaled to a
  largest coefficient of 10⁶ and rounded, and its bound is converted back with the rounding error
  (0.5 per priced column, over the scale) added, so that it stays a bound of the original objective.
- A baseline gets its limit for setup and its limit for search; one still running then (plus a
  grace period) is killed and reported as "> limit".
- peak GB: the child process's peak resident memory (it includes the compiled problem it inherits).
- ours/theirs gap: 0 when the baseline found no layout within the limit."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="40000,250000,1000000", help="parcels per synthetic county")
    parser.add_argument("--limit", type=float, default=None,
                        help="replace every time limit (s), for a quick run; default the issue's")
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, of {', '.join(CASES)}")
    parser.add_argument("--skip-cpsat", action="store_true", help="leave out the OR-Tools CP-SAT baseline")
    parser.add_argument("--cache", default=str(RESULTS / "fronts"), help="folder of cached exact fronts")
    args = parser.parse_args()
    cases = [c for c in args.cases.split(",") if c]
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f"--cases: unknown {', '.join(unknown)}; choose from {', '.join(CASES)}")
    build_table([int(s) for s in args.sizes.split(",") if s], args.limit, cases, args.skip_cpsat, args.cache)


if __name__ == "__main__":
    main()
