"""Both engines against exhaustive enumeration on many random tiny counties (slow).

Each case is one county of ``tests/counties.py`` (seed ``seed + case``) and one objective pair
(in turn from ``tests.counties.PAIRS``), checked by :func:`tests.counties.check_county`: wrong
single-objective optima, payoff rows and grid points of the MILP, answers that differ between a
reused and a fresh model, points of either engine's front that are infeasible or dominated, and
complete fronts (``points="all"``) that miss a true non-dominated point or do not say they are complete.

    python -m benchmarks.exact_sweep --cases 300 [--jobs 2]

prints the counts and every error, and writes benchmarks/results/exact_sweep.{csv,md}.
"""

from __future__ import annotations

import argparse
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

from benchmarks.common import write_table
from tests.counties import PAIRS, MAX_LAYOUTS, check_county, random_county

COUNTS = ("optima", "wrong_optima", "grid_points", "reuse_differs", "milp_points", "milp_off_front",
          "nsga_points", "nsga_off_front", "all_points", "all_off_front", "all_incomplete", "true_front")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0, help="seed of the first county")
    parser.add_argument("--points", type=int, default=11, help="AUGMECON2 grid points")
    parser.add_argument("--generations", type=int, default=60, help="NSGA-II generations (population 40)")
    parser.add_argument("--max-layouts", type=int, default=MAX_LAYOUTS * 2, help="layouts a county may allow")
    parser.add_argument("--jobs", type=int, default=1, help="cases checked at once, each in a process of its own")
    args = parser.parse_args()
    rows = []
    started = time.perf_counter()
    cases = [(args.seed + case, PAIRS[case % len(PAIRS)], args) for case in range(args.cases)]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for done, (row, errors) in enumerate(pool.map(_case, cases, chunksize=1), start=1):
            rows.append(row)
            for error in errors:
                print(error, flush=True)
            if done % 10 == 0 or done == args.cases:   # the table so far, should the sweep be stopped
                path = _write(rows, args, time.perf_counter() - started)
                print(f"{done}/{args.cases} cases, {time.perf_counter() - started:.0f} s", flush=True)
    print(f"wrote {path}")


def _case(case: tuple[int, tuple[str, str], argparse.Namespace]) -> tuple[dict, list[str]]:
    """One county and objective pair checked: its table row and its errors."""
    seed, objectives, args = case
    warnings.filterwarnings("ignore", category=UserWarning)
    county = random_county(seed, args.max_layouts)
    start = time.perf_counter()
    found = check_county(county, objectives, points=args.points, nsga_generations=args.generations)
    return ({"seed": seed, "shape": county.shape, "parcels": len(county.parcels), "objectives": ",".join(objectives),
             **{k: getattr(found, k) for k in COUNTS}, "seconds": round(time.perf_counter() - start, 2)},
            found.errors)


def _write(rows: list[dict], args: argparse.Namespace, seconds: float) -> str:
    """The results table: a row per case and their totals, also printed."""
    totals = {k: sum(r[k] for r in rows) for k in COUNTS}
    print(f"{len(rows)} cases in {seconds:.0f} s: " + ", ".join(f"{k} {v}" for k, v in totals.items()), flush=True)
    summary = {"seed": "all", "shape": "", "parcels": "", "objectives": f"{len(rows)} cases", **totals,
               "seconds": round(seconds, 1)}
    return str(write_table(rows + [summary], "exact_sweep",
                           f"Exact sweep: MILP and NSGA-II against enumeration ({len(rows)} of {args.cases} random "
                           f"tiny counties, {args.points} grid points, NSGA-II {args.generations} generations)"))


if __name__ == "__main__":
    main()
