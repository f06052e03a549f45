"""Compile time and evaluate throughput by instance size.

Run: ``.venv/bin/python -m benchmarks.compile_evaluate [--sizes 2500,40000,250000] [--repeat 3]``
Writes benchmarks/results/compile_evaluate.{md,csv}. The baseline in the same run is a plain
per-layout loop over the same evaluate call (batch of one), so the ratio shows what batching buys.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.common import median_seconds, synthetic_parcels, write_table
from models import compile_problem, evaluate

POPULATION = 100


def random_layouts(problem, count: int, seed: int = 0) -> np.ndarray:
    """Random layouts over each parcel's allowed uses (what NSGA-II's sampling produces)."""
    rng = np.random.default_rng(seed)
    out = np.empty((count, problem.n_parcels), dtype=np.int8)
    for p in range(count):
        out[p] = np.where(problem.allowed, rng.random(problem.allowed.shape), -1).argmax(axis=1)
    return out


def measure(n: int, repeat: int) -> dict:
    start = time.perf_counter()
    parcels, scenario = synthetic_parcels(n)
    generate = time.perf_counter() - start
    compile_s, problem = median_seconds(lambda: compile_problem(parcels, scenario), repeat)
    layouts = random_layouts(problem, POPULATION)
    evaluate(problem, layouts[:2])  # warm caches (catchment transpose)
    batch_s, _ = median_seconds(lambda: evaluate(problem, layouts), repeat)
    single_s, _ = median_seconds(lambda: [evaluate(problem, layouts[p]) for p in range(10)], 1)
    single_per_layout = single_s / 10
    return {"parcels": n, "edges": len(problem.edges), "demand points": len(problem.demand),
            "generate s": generate, "compile s": compile_s,
            f"evaluate {POPULATION} layouts s": batch_s,
            "layouts×parcels per s": POPULATION * n / batch_s,
            "one-by-one s per layout": single_per_layout,
            "batch speed-up": single_per_layout * POPULATION / batch_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="2500,40000,250000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = [measure(int(n), args.repeat) for n in args.sizes.split(",")]
    path = write_table(rows, "compile_evaluate", "Compile and evaluate")
    print(path.read_text())


if __name__ == "__main__":
    main()
