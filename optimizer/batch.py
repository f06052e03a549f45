"""Many scenarios of one instance: one result folder each, a summary table, one comparison.

Each scenario is a task (compile + solve) on the Dask layer of :mod:`landalloc.optimizer.distributed`;
the parcels are loaded and validated once and scattered to the workers. A scenario that fails
(a rule that cannot hold, a bad scenario file) is one line of the summary, not the end of the
batch: the others are solved and written as usual.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from landalloc.models import Instance, LandallocError, Scenario, load_scenario
from landalloc.models.errors import InputError
from landalloc.models.files import CSV_ENCODING, atomic_folder
from landalloc.optimizer.distributed import cluster, map_tasks
from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.methods import milp_front, plan

ScenarioSource = str | Path | Instance
"""A scenario file for the batch's parcels, or an :class:`Instance` variant (e.g.
``dataclasses.replace(instance, scenario=...)``)."""


@dataclasses.dataclass(frozen=True)
class ScenarioResult:
    """One scenario of a batch: its front, or the one-line reason it has none."""

    name: str
    front: ParetoFront | None
    seconds: float
    error: str = ""
    note: str = ""

    def line(self) -> str:
        """What the command line prints as the scenario finishes."""
        if self.front is None:
            return f"{self.name}: failed after {self.seconds:.1f} s: {self.error}"
        return (f"{self.name}: {len(self.front)} points in {self.seconds:.1f} s"
                + (f" (note: {self.note})" if self.note else ""))


def run_batch(instance: str | Path | Instance | None,
              scenarios: Sequence[ScenarioSource] | Mapping[str, ScenarioSource], out: str | Path,
              method: str = "milp", objectives: Sequence[str] | None = None, workers: int | None = None,
              scheduler: str | None = None, force: bool = False, front: str | None = None,
              on_done: Callable[[ScenarioResult], None] | None = None, **options: Any) -> pd.DataFrame:
    """Solve every scenario on the instance's parcels; write ``out/<scenario>/`` result folders,
    ``out/summary.csv`` and, when two or more fronts share objectives, ``out/comparison/``.

    Parameters
    ----------
    instance : the instance folder (or loaded :class:`Instance`) whose parcels scenario files
        apply to; None when every scenario is an :class:`Instance`.
    scenarios : scenario files and/or :class:`Instance` variants; a mapping names them, else a
        file is named by its stem (its folder for ``scenario.toml``), a variant by its scenario's
        ``name``.
    method, front : as ``landalloc solve --method/--front`` (:func:`landalloc.optimizer.methods.plan`):
        every objective count gets an answer.
    objectives : the objectives of every front; None: each scenario's own.
    on_done : called with each :class:`ScenarioResult` as it finishes (progress lines).
    options : go to the engine (points, time_limit, gap for the MILP; pop_size, generations,
        time_limit for NSGA); ``seed`` is shared by every scenario.

    Returns
    -------
    The summary (also ``out/summary.csv``): one row per scenario with its points, best values,
    seconds and, for a scenario that failed, ``error`` (its folder is then absent).

    Examples
    --------
    >>> base = Instance.load("instances/demo")                                    # doctest: +SKIP
    >>> variants = {"strict": dataclasses.replace(base, scenario=stricter)}       # doctest: +SKIP
    >>> run_batch(base, variants, "results/sensitivity", points=5, time_limit=30)  # doctest: +SKIP
    """
    plan(method, list(objectives or ["efficiency"]), front)   # a bad method or front fails before any solve
    named = _names(scenarios)
    variants = [source for _, source in named if isinstance(source, Instance)]
    if instance is None and not variants:
        raise InputError("run_batch: instance is None and no scenario is an Instance; pass the instance folder "
                         "whose parcels the scenario files apply to")
    base = instance if isinstance(instance, Instance) else variants[0] if instance is None else Instance.load(instance)
    results: dict[int, ScenarioResult] = {}
    tasks, placed = [], []
    for index, (name, source) in enumerate(named):
        try:
            scenario = source.scenario if isinstance(source, Instance) else load_scenario(source)
        except LandallocError as exc:
            results[index] = ScenarioResult(name, None, 0.0, str(exc))
            _report(on_done, results[index])
            continue
        own = source.parcels if isinstance(source, Instance) and source.parcels is not base.parcels else None
        tasks.append({"scenario": scenario, "parcels": own, "name": name, "method": method, "front": front,
                      "objectives": objectives, "options": options})
        placed.append(index)

    def collect(position: int, result: ScenarioResult) -> None:
        results[placed[position]] = result
        _report(on_done, result)

    with cluster(workers, scheduler) as client:
        map_tasks(_solve_scenario, base, tasks, client, on_done=collect)
    return _write(base, named, [results[i] for i in range(len(named))], tasks, placed, Path(out), force)


def _names(scenarios: Sequence[ScenarioSource] | Mapping[str, ScenarioSource]) -> list[tuple[str, ScenarioSource]]:
    """(name, source) per scenario: the mapping's keys, else file stems or scenario names,
    numbered when two coincide."""
    if isinstance(scenarios, Mapping):
        return [(str(name), source) for name, source in scenarios.items()]
    names = [source.scenario.name if isinstance(source, Instance)
             else Path(source).stem if Path(source).stem != "scenario" else Path(source).parent.name
             for source in scenarios]
    if len(set(names)) != len(names):
        names = [f"{i:02d}_{n}" for i, n in enumerate(names)]
    return list(zip(names, scenarios))


def _report(on_done: Callable[[ScenarioResult], None] | None, result: ScenarioResult) -> None:
    if on_done is not None:
        on_done(result)


def _write(base: Instance, named: list[tuple[str, ScenarioSource]],
           results: list[ScenarioResult], tasks: list[dict[str, Any]], placed: list[int], out: Path,
           force: bool) -> pd.DataFrame:
    """The batch folder: a result folder per solved scenario, summary.csv, the comparison."""
    scenario_of = {placed[p]: task for p, task in enumerate(tasks)}
    rows = []
    solved = []
    with atomic_folder(out, force=force) as tmp:
        for index, ((name, source), result) in enumerate(zip(named, results)):
            front = result.front
            row: dict[str, Any] = {"scenario": name, "points": 0 if front is None else len(front),
                                   "seconds": result.seconds, "error": result.error}
            if front is not None:
                task = scenario_of[index]
                scenario_file = None if isinstance(source, Instance) else str(source)
                run = {**front.run, "scenario_file": scenario_file, "label": name}
                variant = _variant(base, task["scenario"], task["parcels"])
                dataclasses.replace(front, run=run).to_file(tmp / name, report=True, instance=variant)
                best = {f"best {o}": (front.values[:, j].max() if s == "max" else front.values[:, j].min())
                        for j, (o, s) in enumerate(zip(front.objectives, front.senses))} if len(front) else {}
                row.update(objectives=",".join(front.objectives), method=front.run.get("method"),
                           feasible=bool(front.points["feasible"].all()) if len(front) else False,
                           finished=bool(front.run.get("finished", True)), **best)
                solved.append((name, front))
            rows.append(row)
        summary = pd.DataFrame(rows)
        summary = summary[[c for c in summary if c != "error"] + ["error"]]   # the long text last
        summary.to_csv(tmp / "summary.csv", index=False, encoding=CSV_ENCODING)
        comparable = len({tuple(f.objectives) for _, f in solved}) == 1 and all(len(f) for _, f in solved)
        if comparable and len(solved) > 1:
            from landalloc.optimizer.report import compare

            compare([tmp / n for n, _ in solved], out=tmp / "comparison", names=[n for n, _ in solved])
    return summary


def _variant(base: Instance, scenario: Scenario, parcels: Any) -> Instance:
    return dataclasses.replace(base, scenario=scenario, parcels=base.parcels if parcels is None else parcels)


def _solve_scenario(base: Instance, scenario: Scenario, parcels: Any, name: str, method: str, front: str | None,
                    objectives: Sequence[str] | None, options: dict[str, Any]) -> ScenarioResult:
    """One task: a failure becomes the scenario's one-line error, so that neither the other
    scenarios nor the terminal (Dask logs a failed task's traceback) see an exception."""
    started = time.perf_counter()
    try:
        problem = _variant(base, scenario, parcels).compile()
        chosen = list(objectives or problem.objectives)
        how = plan(method, chosen, front, options.get("points"))
        if how.method == "milp":
            found = milp_front(problem, chosen, how.front or "augmecon", progress=False, **options)
        else:
            from landalloc.optimizer import nsga

            found = nsga.explore(problem, chosen, progress=False, method=how.method, **options)
    except Exception as exc:   # noqa: BLE001 -- a bug in one scenario must not end the batch either
        error = str(exc) if isinstance(exc, LandallocError) else f"{type(exc).__name__}: {exc}"
        return ScenarioResult(name, None, time.perf_counter() - started, error)
    found = dataclasses.replace(found, run={**found.run, "method": how.method})
    return ScenarioResult(name, found, time.perf_counter() - started, note=how.note)
