"""Cost of one NSGA-II generation at scale, split by step, and where ``evaluate`` spends its time.

    python -m benchmarks.nsga_generation --parcels 250000 --pop 100 --generations 5
    python -m benchmarks.nsga_generation --parcels 155 --objectives efficiency,equity --radius 1000000

``--radius`` overrides the scenario's service radius (metres): with a radius covering the whole
county every catchment holds every parcel, the case where a generation's cost must still follow
the problem's size (explore ``equity`` to exercise the coverage bookkeeping).

Part 1 runs ``nsga.explore`` with timers around each step (crossover, mutation, repair,
improvement, duplicate check, evaluation, survival). Part 2 times ``landalloc.models.evaluate`` on an
offspring-like population (all objectives, and only the two the run explores) and each of its
terms; the area-proportional terms share one bincount per layout, timed on its own.
"""

from __future__ import annotations

import argparse
import functools
import os
import tempfile
import time
from collections import defaultdict

import numpy as np

from benchmarks.common import write_table
from landalloc.instances import generate_county
from landalloc.models import Problem, compile_problem, parse_scenario
from landalloc.models.parcels import validate_parcels
from landalloc.models import evaluate
from landalloc.models import evaluation as ev
from landalloc.optimizer import nsga
from landalloc.optimizer.nsga import moves, operators, problem as land_problem
from pymoo.operators.survival.rank_and_crowding import RankAndCrowding

CLOCK: dict[str, float] = defaultdict(float)
CPU: dict[str, float] = defaultdict(float)
"""CPU seconds per step: on a shared machine, closer than wall time to what an idle one takes
(single-threaded steps; evaluate runs two threads, so its CPU time is about twice its wall time)."""


def timed(owner, name: str, label: str) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        t, c = time.perf_counter(), time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            CLOCK[label] += time.perf_counter() - t
            CPU[label] += time.process_time() - c

    setattr(owner, name, wrapper)


def county(parcels: int, seed: int, radius: float | None) -> Problem:
    """A synthetic county, with its service radius replaced by ``radius`` metres when given."""
    table, scenario = generate_county(parcels, seed)
    if radius is not None:
        scenario["service"]["radius_m"] = radius
    chosen = parse_scenario(scenario)
    return compile_problem(validate_parcels(table, chosen.codes), chosen)


def generation_split(problem, pop: int, generations: int,
                     objectives: list[str]) -> tuple[dict[str, float], object]:
    timed(operators.SpatialCrossover, "_do", "crossover")
    timed(operators.NeighbourMutation, "_do", "mutation")
    timed(moves.Moves, "repair", "repair of offspring")
    timed(moves.Moves, "improve", "improvement (incl. its repair)")
    timed(operators.FingerprintDuplicates, "_do", "duplicate check")
    timed(land_problem.LandUseProblem, "_evaluate", "evaluate (landalloc.models.evaluate)")
    timed(RankAndCrowding, "do", "survival (rank and crowding)")
    front = nsga.explore(problem, objectives, pop_size=pop, generations=0, seed=1, progress=False)
    initial = dict(CLOCK)
    CLOCK.clear()
    CPU.clear()
    # continue the same run for the timed generations via a checkpoint
    path = os.path.join(tempfile.gettempdir(), f"nsga_generation_{os.getpid()}.pkl")
    nsga.explore(problem, objectives, pop_size=pop, generations=0, seed=1, progress=False, checkpoint=path)
    CLOCK.clear()
    CPU.clear()
    start = time.perf_counter()
    front = nsga.explore(problem, objectives, generations=generations, resume=path, progress=False)
    total = time.perf_counter() - start
    os.unlink(path)
    per = {k: (v / generations, CPU[k] / generations) for k, v in CLOCK.items()}
    per["total per generation"] = (front.run["timings"]["per_generation_s"], None)
    per["wall per generation (incl. result)"] = (total / generations, None)
    return per | {"initial population (once)": (sum(initial.values()), None)}, front


def evaluate_split(problem, layouts: np.ndarray, objectives: list[str]) -> dict[str, float]:
    x = ev.check_layouts(problem, layouts)
    out = {}
    for label, wanted in (("evaluate (all objectives, threaded)", None),
                          (f"evaluate ({', '.join(objectives)}: what the run computes)", objectives)):
        start, cpu = time.perf_counter(), time.process_time()
        evaluate(problem, x, objectives=wanted)
        out[label] = (time.perf_counter() - start, time.process_time() - cpu)
    step = max(1, ev.CHUNK_ELEMENTS // problem.n_parcels)
    terms = {"efficiency": ev.efficiency, "equity": ev.equity, "ecology": ev.ecology,
             "compactness": ev.compactness, "change": ev.change, "allocation rules": ev.allocation_rules,
             "area rules (quotas, cropland balance, population capacity)": ev.area_rules}
    timing, cpu_timing = defaultdict(float), defaultdict(float)
    for s in range(0, len(x), step):
        rows = ev._Rows(problem, x[s:s + step])
        t, c = time.perf_counter(), time.process_time()
        rows.sums  # noqa: B018 - the shared bincount, timed on its own
        timing["area by (district, today's use, use): one bincount per layout"] += time.perf_counter() - t
        cpu_timing["area by (district, today's use, use): one bincount per layout"] += time.process_time() - c
        for name, fn in terms.items():
            t, c = time.perf_counter(), time.process_time()
            fn(problem, rows)
            timing[name] += time.perf_counter() - t
            cpu_timing[name] += time.process_time() - c
    return out | {f"  {k} (single thread)": (v, cpu_timing[k]) for k, v in timing.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=250_000)
    parser.add_argument("--pop", type=int, default=100)
    parser.add_argument("--generations", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--objectives", default="efficiency,ecology", help="comma-separated objectives explored")
    parser.add_argument("--radius", type=float, default=None, help="service radius in metres (default: the scenario's)")
    args = parser.parse_args()
    objectives = args.objectives.split(",")
    problem = county(args.parcels, args.seed, args.radius)
    split, front = generation_split(problem, args.pop, args.generations, objectives)
    layouts = np.repeat(front.layouts[:1], args.pop, axis=0)
    rng = np.random.default_rng(0)
    hit = rng.random(layouts.shape) < 0.05     # offspring-like: mostly shared, some changes
    options = problem.allowed[np.nonzero(hit)[1]]
    layouts[hit] = np.where(options, rng.random(options.shape), -1).argmax(axis=1)
    split_eval = evaluate_split(problem, layouts, objectives)
    load = os.getloadavg()[0]
    radius = f"{args.radius:g}" if args.radius is not None else "scenario's"
    rows = [{"parcels": args.parcels, "population": args.pop, "objectives": args.objectives, "radius m": radius,
             "mean catchment parcels": round(problem.catchment_by_parcel.nnz / max(1, problem.catchment_by_parcel.shape[1]), 1),
             "step": k, "wall s": round(v[0], 4),
             "cpu s": None if v[1] is None else round(v[1], 4), "load average": round(load, 1)}
            for k, v in {**split, **split_eval}.items()]
    for r in rows:
        print(r)
    name = f"nsga_generation_{args.parcels}" + (f"_radius_{args.radius:g}" if args.radius is not None else "")
    print(write_table(rows, name, "One NSGA-II generation, split by step"))


if __name__ == "__main__":
    main()
