"""Shared pieces of the benchmarks: instances by size, timing, and the results table."""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from landalloc.models import Problem, compile_problem, parse_scenario
from landalloc.models.parcels import validate_parcels

RESULTS = Path(__file__).parent / "results"


def synthetic_parcels(n: int, seed: int = 0):
    """A validated synthetic county of n grid parcels and its scenario."""
    from landalloc.instances import generate_county

    parcels, scenario = generate_county(n, seed)
    chosen = parse_scenario(scenario)
    return validate_parcels(parcels, chosen.codes), chosen


def synthetic_problem(n: int, seed: int = 0) -> Problem:
    parcels, scenario = synthetic_parcels(n, seed)
    return compile_problem(parcels, scenario)


def built_instances(folders: str) -> list[str]:
    """The instance folders of a comma-separated list that exist; the others are named on
    stderr (the large real ones are built by ``make instances``)."""
    import sys

    built = []
    for folder in [f for f in folders.split(",") if f]:
        if Path(folder, "scenario.toml").exists():
            built.append(folder)
        else:
            print(f"{folder}: not built, skipped (make instances)", file=sys.stderr, flush=True)
    return built


def median_seconds(action: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time of ``repeat`` runs, and the last run's result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def write_table(rows: list[dict[str, Any]], name: str, title: str) -> Path:
    """Write results as CSV and a Markdown table (with the machine) under benchmarks/results."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(rows)
    table.to_csv(RESULTS / f"{name}.csv", index=False)
    import os

    header = (f"# {title}\n\nMachine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
              f"{platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n\n")
    (RESULTS / f"{name}.md").write_text(header + table.astype(object).to_markdown(index=False, floatfmt=".4g") + "\n")
    return RESULTS / f"{name}.md"
