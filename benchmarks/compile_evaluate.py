"""Compile time and evaluate throughput by instance size.

Run: ``.venv/bin/python -m benchmarks.compile_evaluate [--sizes 2500,40000,250000,1000000] [--repeat 3]
[--instances instances/ordos,instances/inner-mongolia,instances/china]``
Writes benchmarks/results/compile_evaluate.{md,csv}. Synthetic counties are generated in memory;
instance folders (real land cover, ``make instances``) are read from disk, and their reading time
is reported beside compilation. Each case runs in its own process so that
its peak memory (resident set) is its own. The baseline in the same run is a plain
per-layout loop over the same evaluate call (batch of one), so the ratio shows what batching buys.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.common import built_instances, median_seconds, synthetic_parcels, write_table
from landalloc.models import Instance, compile_problem, evaluate

POPULATION = 100


def random_layouts(problem, count: int, seed: int = 0) -> np.ndarray:
    """Random layouts over each parcel's allowed uses (what NSGA-II's sampling produces)."""
    rng = np.random.default_rng(seed)
    out = np.empty((count, problem.n_parcels), dtype=np.int8)
    for p in range(count):
        out[p] = np.where(problem.allowed, rng.random(problem.allowed.shape), -1).argmax(axis=1)
    return out


def measure(case: str, repeat: int) -> dict:
    """Timings of one case: a synthetic size (digits) or an instance folder."""
    start = time.perf_counter()
    if case.isdigit():
        name = "synthetic grid"
        parcels, scenario = synthetic_parcels(int(case))
    else:
        instance = Instance.load(case)
        name, parcels, scenario = Path(case).name, instance.parcels, instance.scenario
    generate = time.perf_counter() - start
    compile_s, problem = median_seconds(lambda: compile_problem(parcels, scenario), repeat)
    n = problem.n_parcels
    layouts = random_layouts(problem, POPULATION)
    evaluate(problem, layouts[:2])  # warm caches (catchment transpose)
    batch_s, _ = median_seconds(lambda: evaluate(problem, layouts), repeat)
    single_s, _ = median_seconds(lambda: [evaluate(problem, layouts[p]) for p in range(10)], 1)
    single_per_layout = single_s / 10
    return {"instance": name, "parcels": n, "edges": len(problem.edges), "demand points": len(problem.demand),
            "generate or read s": generate, "compile s": compile_s,
            f"evaluate {POPULATION} layouts s": batch_s,
            "layouts×parcels per s": POPULATION * n / batch_s,
            "one-by-one s per layout": single_per_layout,
            "batch speed-up": single_per_layout * POPULATION / batch_s}


def measure_in_child(case: str, repeat: int) -> dict:
    """Run :func:`measure` in a fresh interpreter and add its peak resident memory."""
    done = subprocess.run([sys.executable, "-m", "benchmarks.compile_evaluate", "--child", case,
                           "--repeat", str(repeat)], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{case}: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else 'failed'}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="2500,40000,250000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--instances", default="", help="instance folders to add, comma-separated "
                        "(missing ones are skipped with a note: build them with `make instances`)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        row = measure(args.child, args.repeat)
        row["peak memory MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(row))
        return
    cases = [n for n in args.sizes.split(",") if n]
    cases += built_instances(args.instances)
    rows = [measure_in_child(case, args.repeat) for case in cases]
    path = write_table(rows, "compile_evaluate", "Compile and evaluate")
    print(path.read_text())


if __name__ == "__main__":
    main()
