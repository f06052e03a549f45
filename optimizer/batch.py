"""Many scenarios of one instance: one result folder each, a summary table, one comparison.

Each scenario is a task (compile + solve) on the Dask layer of :mod:`landalloc.optimizer.distributed`;
the parcels are loaded and validated once and scattered to the workers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from landalloc.models import Instance, load_scenario
from landalloc.models.files import CSV_ENCODING, atomic_folder
from landalloc.optimizer.distributed import cluster, map_tasks
from landalloc.optimizer.front import ParetoFront


def run_batch(instance: str | Path, scenarios: Sequence[str | Path], out: str | Path, method: str = "milp",
              objectives: Sequence[str] | None = None, workers: int | None = None, scheduler: str | None = None,
              force: bool = False, **options: Any) -> pd.DataFrame:
    """Solve every scenario on the instance's parcels; write ``out/<scenario>/`` result folders,
    ``out/summary.csv`` and, when the fronts share objectives, ``out/comparison/``.

    ``options`` go to the engine (points, time_limit, gap for the MILP; pop_size, generations,
    time_limit for NSGA-II); ``seed`` is shared by every scenario.
    """
    base = Instance.load(instance)
    chosen = [load_scenario(path) for path in scenarios]
    names = [Path(path).stem if Path(path).stem != "scenario" else Path(path).parent.name for path in scenarios]
    if len(set(names)) != len(names):
        names = [f"{i:02d}_{n}" for i, n in enumerate(names)]
    tasks = [{"scenario": s, "name": n, "method": method, "objectives": objectives, "options": options}
             for s, n in zip(chosen, names)]
    with cluster(workers, scheduler) as client:
        fronts: list[ParetoFront] = map_tasks(_solve_scenario, base, tasks, client)
    out = Path(out)
    rows = []
    with atomic_folder(out, force=force) as tmp:
        for name, scenario, scenario_path, front in zip(names, chosen, scenarios, fronts):
            run = {**front.run, "scenario_file": str(scenario_path), "label": name}
            solved = Instance(base.parcels, scenario, base.path)
            dataclasses.replace(front, run=run).to_file(tmp / name, report=True, instance=solved)
            best = {f"best {o}": (front.values[:, j].max() if s == "max" else front.values[:, j].min())
                    for j, (o, s) in enumerate(zip(front.objectives, front.senses))} if len(front) else {}
            rows.append({"scenario": name, "objectives": ",".join(front.objectives), "points": len(front),
                         "feasible": bool(front.points["feasible"].all()) if len(front) else False,
                         "finished": bool(front.run.get("finished", True)), **best})
        summary = pd.DataFrame(rows)
        summary.to_csv(tmp / "summary.csv", index=False, encoding=CSV_ENCODING)
        comparable = len({tuple(f.objectives) for f in fronts}) == 1 and all(len(f) for f in fronts)
        if comparable and len(fronts) > 1:
            from landalloc.optimizer.report import compare

            compare([tmp / n for n in names], out=tmp / "comparison", names=names)
    return summary


def _solve_scenario(base: Instance, scenario: Any, name: str, method: str, objectives: Sequence[str] | None,
                    options: dict[str, Any]) -> ParetoFront:
    problem = Instance(base.parcels, scenario, base.path).compile()
    chosen = list(objectives or problem.objectives)
    if method == "milp":
        from landalloc.optimizer import milp

        return milp.pareto(problem, chosen, progress=False, **options)
    from landalloc.optimizer import nsga

    return nsga.explore(problem, chosen, progress=False, **options)
