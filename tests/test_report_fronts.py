"""Real fronts for the report tests, and checks that they are what the tests assume.

Until the engines land, fronts come from brute force on the tiny instance (every layout of its
free parcels: the exact front) and from a random walk over feasible layouts of a small
synthetic county (a heuristic front, like NSGA-II's). Both go through ``ParetoFront.build``,
which re-evaluates and verifies every layout.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

from landalloc.instances.synthetic import generate_county, write_instance
from landalloc.models import Evaluation, Instance, Problem, evaluate
from landalloc.models.scenario import OBJECTIVES
from landalloc.optimizer.front import ParetoFront


def all_layouts(problem: Problem) -> np.ndarray:
    """Every layout of the free parcels (locked parcels take their only use)."""
    free = problem.free
    base = problem.allowed.argmax(axis=1).astype(np.int64)
    options = [np.flatnonzero(problem.allowed[i]) for i in free]
    grid = np.indices([len(o) for o in options]).reshape(len(options), -1).T
    layouts = np.repeat(base[None], len(grid), axis=0)
    for c, (i, o) in enumerate(zip(free, options)):
        layouts[:, i] = o[grid[:, c]]
    return layouts


_EVALUATED: dict[int, tuple[Problem, np.ndarray, Evaluation]] = {}


def enumerated(problem: Problem) -> tuple[np.ndarray, Evaluation]:
    """Every layout of a small problem and its evaluation, computed once per problem."""
    if id(problem) not in _EVALUATED:
        layouts = all_layouts(problem)
        _EVALUATED[id(problem)] = (problem, layouts, evaluate(problem, layouts))
    return _EVALUATED[id(problem)][1:]


def _best(problem: Problem, layouts: np.ndarray, objectives: tuple[str, ...],
          result: Evaluation | None = None) -> np.ndarray:
    """Feasible, non-dominated layouts among ``layouts`` (pymoo's sorting, then build's check)."""
    result = result if result is not None else evaluate(problem, layouts)
    ok = np.flatnonzero(result.feasible)
    sign = np.array([-1.0 if problem.senses[problem.objectives.index(o)] == "max" else 1.0 for o in objectives])
    f = result.objectives[ok][:, [OBJECTIVES.index(o) for o in objectives]] * sign
    return layouts[ok[NonDominatedSorting().do(f, only_non_dominated_front=True)]]


def exact_front(problem: Problem, objectives: tuple[str, ...], method: str = "milp") -> ParetoFront:
    """The exact front of a problem small enough to enumerate (the tiny instance)."""
    layouts, result = enumerated(problem)
    best = _best(problem, layouts, objectives, result)
    points = [{"status": "optimal", "gap": 0.0, "seconds": 0.01}] * len(best)
    return ParetoFront.build(problem, objectives, best, points, method)


def feasible_start(problem: Problem, rng: np.random.Generator) -> np.ndarray:
    """Today's layout, grown (grassland to urban or service land) until every rule holds."""
    layout = problem.current_layout.copy()
    urban, grass = problem.use_index("urban"), problem.use_index("grass")
    for _ in range(500):
        result = evaluate(problem, layout)
        if result.feasible[0]:
            return layout
        table = result.constraint_table(0)
        broken = table.loc[~table["holds"], "constraint"].iloc[0]
        if broken.startswith("population["):
            district = problem.districts.index(broken[len("population["):-1])
            pool = (problem.district == district) & problem.allowed[:, urban] & (layout == grass)
            layout[rng.choice(np.flatnonzero(pool))] = urban
        elif broken == "quota_min[service]":
            pool = problem.allowed[:, problem.service] & (layout == grass)
            layout[rng.choice(np.flatnonzero(pool))] = problem.service
        else:
            raise AssertionError(f"the test county's start cannot repair {broken}")
    raise AssertionError("no feasible start found")


def walk_front(problem: Problem, objectives: tuple[str, ...], seed: int, method: str = "nsga2",
               rounds: int = 40, keep: int = 24) -> ParetoFront:
    """A heuristic front: mutate kept layouts, keep the feasible non-dominated ones."""
    rng = np.random.default_rng(seed)
    pool = feasible_start(problem, rng)[None]
    options = [np.flatnonzero(row) for row in problem.allowed]
    for _ in range(rounds):
        kids = pool[rng.integers(0, len(pool), 64)].copy()
        for kid in kids:
            for i in rng.choice(problem.free, rng.integers(1, 5)):
                kid[i] = rng.choice(options[i])
        pool = _best(problem, np.vstack([pool, kids]), objectives)
        if len(pool) > keep:
            pool = pool[rng.choice(len(pool), keep, replace=False)]
    points = [{"status": "heuristic", "gap": np.nan, "seconds": 0.5}] * len(pool)
    return ParetoFront.build(problem, objectives, pool, points, method)


@lru_cache(maxsize=1)
def county() -> tuple[Instance, Problem]:
    """A 400-parcel synthetic county (the generator's smallest useful size)."""
    parcels, scenario = generate_county(400, seed=5, name="county")
    from landalloc.models import parse_scenario
    from landalloc.models.parcels import validate_parcels

    chosen = parse_scenario(scenario)
    instance = Instance(validate_parcels(parcels, chosen.codes), chosen)
    return instance, instance.compile()


@lru_cache(maxsize=8)
def county_front(objectives: tuple[str, ...], seed: int = 1, method: str = "nsga2") -> ParetoFront:
    return walk_front(county()[1], objectives, seed, method)


def with_run(front: ParetoFront, **run: object) -> ParetoFront:
    """The same front with entries added to its run.json."""
    return dataclasses.replace(front, run={**front.run, **run})


def county_folder(root: Path, objectives: tuple[str, ...] = ("efficiency", "ecology"), seed: int = 1,
                  method: str = "nsga2", name: str | None = None) -> Path:
    """A result folder of the county front whose run.json names the instance folder."""
    instance_dir = root / "county"
    if not instance_dir.exists():
        parcels, scenario = generate_county(400, seed=5, name="county")
        write_instance(parcels, scenario, instance_dir, "# county\n\nSynthetic test county.\n")
    problem = county()[1]
    today = evaluate(problem, problem.current_layout).objectives[0]
    front = with_run(county_front(objectives, seed, method), instance=str(instance_dir),
                     current={o: float(v) for o, v in zip(OBJECTIVES, today)})
    return front.to_file(root / (name or f"{method}_{len(objectives)}_{seed}"))


def synthetic_front(values: list[list[float]], objectives: tuple[str, ...], senses: tuple[str, ...],
                    problem: Problem, method: str = "test", feasible: list[bool] | None = None) -> ParetoFront:
    """A front with given values (for hand-computed checks); layouts are today's, unused."""
    values_array = np.asarray(values, float).reshape(-1, len(objectives))
    n = len(values_array)
    points = pd.DataFrame({"id": [f"{method}_{i:03d}" for i in range(n)], "method": method,
                           "status": "optimal", "gap": 0.0, "seconds": 0.0,
                           "feasible": feasible if feasible is not None else [True] * n})
    layouts = np.repeat(problem.current_layout[None], n, axis=0)
    return ParetoFront(objectives, senses, values_array, layouts, points, problem.uses, problem.parcel_frame(), {})


def test_tiny_exact_front_is_feasible_and_nondominated(tiny_problem):
    front = exact_front(tiny_problem, ("efficiency", "ecology"))
    assert len(front) >= 3
    assert evaluate(tiny_problem, front.layouts).feasible.all()
    # sorted by efficiency (max) with ecology (max) strictly falling: a proper trade-off
    assert np.all(np.diff(front.values[:, 0]) < 0) and np.all(np.diff(front.values[:, 1]) > 0)


@pytest.mark.parametrize("objectives", [("efficiency", "ecology"), ("efficiency", "equity", "ecology")])
def test_county_walk_front_is_feasible(objectives):
    front = county_front(objectives)
    assert len(front) >= 2
    assert evaluate(county()[1], front.layouts).feasible.all()
