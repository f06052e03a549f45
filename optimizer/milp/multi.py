"""Several objectives: lexicographic payoff table, AUGMECON2 ε-grid points, weighted sums.

All solves of one run share one formulation (every objective gets an ε-row and a slack column)
and one :class:`~optimizer.milp.session.Session`: a new grid point only changes ε right-hand
sides and objective costs, and the solver state of the previous point warm-starts it.

Conventions: ``g_o`` is objective ``o`` in its maximised sense (``f`` or ``-f``); the payoff
table gives, per objective, its best value ``ideal`` and the worst value met while optimising
the others, ``nadir`` (an estimate of the true nadir); ``r_o = ideal_o - nadir_o``.

AUGMECON2 (Mavrotas & Florios 2013) for objectives ``(f_1, f_2[, f_3])``, grid point
``(j_2[, j_3])``::

    max  g_1 / r_1 + eps * (s_2 / r_2 + 0.1 * s_3 / r_3)
    s.t. g_k - s_k = nadir_k + j_k r_k / (points - 1),  s_k >= 0,   k = 2, 3

with ``eps = 1e-3``. The slack of the innermost objective gives the *bypass*: the next
``floor(s_2 / step_2)`` grid points have the same optimum and are skipped; an infeasible point
ends its row of the grid (*early exit*), and an infeasible first point of a row ends the grid.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models import Problem
from models.errors import InputError
from optimizer.front import ParetoFront
from optimizer.milp import diagnose
from optimizer.milp.build import formulate, objective_senses
from optimizer.milp.formulation import Formulation
from optimizer.milp.session import Session
from optimizer.milp.settings import Settings, Solution
from optimizer.milp.single import finish

AUGMENTATION = 1e-3
EXACT_STEP = 1e-5
"""Relative step of the exact front's ε-jumps."""
FLAT = 1e-9
"""Relative range below which an objective counts as not conflicting with the others (its
payoff-table column is constant): the front is then the payoff table's points."""
LEXICOGRAPHIC_SLACK = 1e-9
"""Relative room left when an optimised objective is fixed for the next lexicographic stage."""


@dataclass
class Model:
    """The formulation and solver state a run reuses, built once from the problem."""

    problem: Problem
    objectives: tuple[str, ...]
    settings: Settings
    form: Formulation
    session: Session
    build_seconds: float

    @classmethod
    def build(cls, problem: Problem, objectives: Sequence[str], settings: Settings) -> Model:
        objectives = tuple(objectives)
        if len(set(objectives)) != len(objectives) or not objectives:
            raise InputError(f"objectives {list(objectives)}: name distinct objectives")
        senses = objective_senses(problem, list(objectives))
        start = time.perf_counter()
        form = formulate(problem, senses, constrained=list(objectives))
        return cls(problem, objectives, settings, form, Session(form, settings), time.perf_counter() - start)

    def g(self, name: str, values: dict[str, float]) -> float:
        return self.form.objectives[name].sign * values[name]


@dataclass(frozen=True)
class Payoff:
    """Lexicographic payoff table: row ``o`` holds every objective at the lexicographic optimum
    of ``o`` (natural units); ``ideal`` and ``nadir`` come from its diagonal and columns."""

    objectives: tuple[str, ...]
    senses: tuple[str, ...]
    table: pd.DataFrame
    layouts: np.ndarray
    solutions: tuple[Solution, ...]

    @property
    def sign(self) -> np.ndarray:
        return np.array([1.0 if s == "max" else -1.0 for s in self.senses])

    @property
    def ideal(self) -> np.ndarray:
        """Best value of each objective (natural units)."""
        return np.diag(self.table.to_numpy())

    @property
    def nadir(self) -> np.ndarray:
        """Worst value of each objective over the table's rows (natural units)."""
        g = self.table.to_numpy() * self.sign
        return g.min(axis=0) * self.sign

    @property
    def ranges(self) -> np.ndarray:
        """``r_o = ideal - nadir`` in maximised units (at least a tiny positive number)."""
        r = (self.ideal - self.nadir) * self.sign
        return np.maximum(r, 1e-9 * np.maximum(1.0, np.abs(self.ideal)))

    def epsilon(self, index: Sequence[int], points: int) -> dict[str, float]:
        """ε of each constrained objective (maximised units) at grid index ``index``."""
        out = {}
        for j, name in zip(index, self.objectives[1:]):
            k = self.objectives.index(name)
            nadir_g = self.nadir[k] * self.sign[k]
            out[name] = nadir_g + j * (self.ideal[k] * self.sign[k] - nadir_g) / max(1, points - 1)
        return out

    def __repr__(self) -> str:
        return f"Payoff({', '.join(self.objectives)}):\n{self.table.to_string()}"


@dataclass
class Point:
    """One solved ε-grid or weighted point: its layout (None when infeasible) and metadata."""

    index: tuple[int, ...]
    status: str
    solution: Solution | None
    slack: dict[str, float] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)


# -- payoff table ----------------------------------------------------------------------------------
def lexicographic(model: Model, order: Sequence[str], fixed: dict[str, float] | None = None) -> Solution:
    """Optimise ``order[0]``, then each next objective with the previous ones held at their
    optimum; ``fixed`` holds extra ε-bounds (maximised units) that apply throughout."""
    start = time.perf_counter()
    held = dict(fixed or {})
    solution: Solution | None = None
    for stage, name in enumerate(order):
        task = model.form.task({name: 1.0}, epsilon=held)
        outcome = model.session.solve(task)
        context = f"lexicographic optimum of {', '.join(order[:stage + 1])}"
        if outcome.status == "infeasible":
            raise diagnose.explain(model.problem, model.settings) if not held else _Infeasible(context)
        sign = model.form.objectives[name].sign
        solution = finish(model.form, task, name, outcome, model.settings, 0.0, start, bound=sign * outcome.bound,
                          context=context)
        g = sign * solution.objective
        held[name] = g - LEXICOGRAPHIC_SLACK * max(1.0, abs(g))
    assert solution is not None
    first = order[0]
    return Solution(name=first, sense=model.form.objectives[first].sense, layout=solution.layout,
                    objective=solution.values[first], bound=math.nan, gap=solution.gap, status=solution.status,
                    seconds=time.perf_counter() - start, build_seconds=0.0,
                    handover_seconds=solution.handover_seconds, solve_seconds=solution.solve_seconds,
                    values=solution.values, strategy=solution.strategy, engine=solution.engine)


def payoff_table(model: Model) -> Payoff:
    """Each objective optimised lexicographically first, the others after it in order."""
    objectives = model.objectives
    rows, layouts, solutions = [], [], []
    for name in objectives:
        order = [name] + [o for o in objectives if o != name]
        solution = lexicographic(model, order)
        rows.append([solution.values[o] for o in objectives])
        layouts.append(solution.layout)
        solutions.append(solution)
    table = pd.DataFrame(rows, index=pd.Index(objectives, name="optimised"), columns=list(objectives))
    senses = tuple(model.form.objectives[o].sense for o in objectives)
    return Payoff(objectives, senses, table, np.array(layouts), tuple(solutions))


def payoff(problem: Problem, objectives: Sequence[str], time_limit: float | None = None, gap: float = 1e-4,
           threads: int | None = None, seed: int = 0, **options: object) -> Payoff:
    """The lexicographic payoff table of ``objectives`` (true ideal, nadir estimate) and its layouts.

    Examples
    --------
    >>> table = milp.payoff(problem, ["efficiency", "equity"])   # doctest: +SKIP
    >>> table.table, table.ideal, table.nadir                     # doctest: +SKIP
    """
    settings = Settings(time_limit=time_limit, gap=gap, threads=threads, seed=seed, **options)  # type: ignore[arg-type]
    diagnose.presolve_check(problem)
    return payoff_table(Model.build(problem, objectives, settings))


# -- one grid point --------------------------------------------------------------------------------
def solve_point(problem: Problem, objectives: Sequence[str], table: Payoff, index: Sequence[int],
                settings: Settings | None = None, points: int = 11, model: Model | None = None) -> Point:
    """Solve AUGMECON2 grid point ``index`` (one grid index per objective after the first).

    Independent of every other point given the payoff table, so points can run on separate
    workers; pass ``model`` to reuse a built model (sequential runs do).
    """
    settings = settings or Settings()
    model = model or Model.build(problem, objectives, settings)
    index = tuple(int(j) for j in index)
    start = time.perf_counter()
    first, rest = model.objectives[0], model.objectives[1:]
    ranges = dict(zip(model.objectives, table.ranges))
    epsilon = table.epsilon(index, points)
    weights = {first: 1.0 / ranges[first]}
    slack = {name: AUGMENTATION * 0.1 ** k / ranges[name] for k, name in enumerate(rest)}
    task = model.form.task(weights, epsilon=epsilon, slack_weights=slack)
    outcome = model.session.solve(task)
    record = {"kind": "grid", "grid": ",".join(map(str, index)),
              **{f"epsilon_{n}": model.form.objectives[n].sign * e for n, e in epsilon.items()}}
    if outcome.status == "infeasible" or outcome.values is None:
        status = "infeasible" if outcome.status == "infeasible" else "time_limit"
        return Point(index, status, None, {}, {**record, "status": status, "seconds": time.perf_counter() - start})
    sign = model.form.objectives[first].sign
    solution = finish(model.form, task, first, outcome, settings, 0.0, start,
                      bound=sign * ranges[first] * outcome.bound, context=f"ε-point {index}")
    slacks = {n: float(outcome.values[model.form.epsilon[n][1]]) for n in rest}
    return Point(index, solution.status, solution, slacks, {**record, **solution.record()})


def grid(model: Model, table: Payoff, points: int, progress: Any = None, reuse: bool = True) -> Iterator[Point]:
    """AUGMECON2's sweep of the ε-grid with bypass and early exit (2 or 3 objectives);
    ``reuse=False`` builds a fresh model for every point."""
    rest = model.objectives[1:]
    inner = rest[0]
    step = table.ranges[1] / max(1, points - 1)
    outer_range = range(points) if len(rest) == 2 else [None]
    for j3 in outer_range:
        j2 = 0
        while j2 < points:
            index = (j2,) if j3 is None else (j2, j3)
            point = solve_point(model.problem, model.objectives, table, index, model.settings, points,
                                model if reuse else None)
            yield point
            if point.status == "infeasible":
                _advance(progress, points - j2)
                if j2 == 0:
                    if j3 is not None:
                        _advance(progress, (points - j3 - 1) * points)
                    return
                break
            skip = 0 if point.status != "optimal" else int(math.floor(point.slack[inner] / step + 1e-9))
            skip = min(skip, points - j2 - 1)
            _advance(progress, 1 + skip)
            j2 += 1 + skip


def exact_front(model: Model, table: Payoff, progress: Any = None) -> Iterator[Point]:
    """Every nondominated point, for 2 or 3 objectives: each ε-bound jumps just past the last
    point's value (no grid), and each point is a lexicographic optimum. Complete when every
    solve is optimal (gap 0) and distinct values of an objective differ by more than
    :data:`EXACT_STEP` relative (ten times the feasibility tolerance)."""
    rest = model.objectives[1:]
    delta = {n: EXACT_STEP * max(1.0, abs(i), abs(d)) for n, i, d in zip(model.objectives, table.ideal, table.nadir)}
    outer: float | None = None
    count = 0
    while True:
        eps2: float | None = None
        level: list[float] = []
        while True:
            held = {rest[0]: eps2} if eps2 is not None else {}
            if outer is not None:
                held[rest[1]] = outer
            start = time.perf_counter()
            try:
                solution = lexicographic(model, list(model.objectives), held)
            except _Infeasible:
                break
            count += 1
            record = {"kind": "exact", "grid": str(count), **solution.record(), "seconds": time.perf_counter() - start,
                      **{f"epsilon_{n}": model.form.objectives[n].sign * e for n, e in held.items()}}
            yield Point((count,), solution.status, solution, {}, record)
            _advance(progress, 1)
            g = {n: model.g(n, solution.values) for n in rest}
            eps2 = g[rest[0]] + delta[rest[0]]
            if len(rest) == 2:
                level.append(g[rest[1]])
        if len(rest) == 1 or not level:
            return
        outer = min(level) + delta[rest[1]]


def weighted(model: Model, table: Payoff, points: int, progress: Any = None) -> Iterator[Point]:
    """Weighted sums of range-normalised objectives over a simplex lattice of weights."""
    m = len(model.objectives)
    for index, weights in enumerate(simplex_lattice(m, points)):
        start = time.perf_counter()
        task_weights = {n: w / r for n, w, r in zip(model.objectives, weights, table.ranges) if w > 0}
        task = model.form.task(task_weights)
        outcome = model.session.solve(task)
        record = {"kind": "weighted", "grid": str(index),
                  **{f"weight_{n}": w for n, w in zip(model.objectives, weights)}}
        _advance(progress, 1)
        if outcome.status == "infeasible" or outcome.values is None:
            yield Point((index,), "infeasible", None, {}, {**record, "status": outcome.status,
                                                          "seconds": time.perf_counter() - start})
            continue
        first = max(task_weights, key=lambda n: task_weights[n])
        solution = finish(model.form, task, first, outcome, model.settings, 0.0, start,
                          context=f"weighted point {tuple(np.round(weights, 3))}")
        yield Point((index,), solution.status, solution, {}, {**record, **solution.record()})


def simplex_lattice(m: int, points: int) -> list[np.ndarray]:
    """Weight vectors ``w >= 0, sum w = 1`` on a lattice with ``points - 1`` divisions."""
    divisions = max(1, points - 1)
    out = []

    def rec(prefix: list[int], left: int, slots: int) -> None:
        if slots == 1:
            out.append(np.array(prefix + [left], float) / divisions)
            return
        for k in range(left, -1, -1):
            rec(prefix + [k], left - k, slots - 1)

    rec([], divisions, m)
    return out


# -- the front -------------------------------------------------------------------------------------
def pareto(problem: Problem, objectives: Sequence[str], points: int | None = 11, method: str = "augmecon",
           time_limit: float | None = None, gap: float = 1e-4, threads: int | None = None, seed: int = 0,
           progress: bool = True, reuse: bool = True, **options: object) -> ParetoFront:
    """The Pareto front of 2 or 3 objectives (weighted sums: any number).

    Parameters
    ----------
    problem : the compiled problem.
    objectives : names; the first is optimised at every point, the others are ε-constrained.
    points : grid points per constrained objective (AUGMECON2) or lattice divisions + 1
        (weighted); ``None`` with ``method="augmecon"`` finds every nondominated point (exact
        ε-jumps, see :func:`exact_front`).
    method : ``"augmecon"`` or ``"weighted"`` (finds only supported points).
    time_limit : seconds per solve (per point and per payoff-table stage).
    gap, threads, seed : HiGHS settings; ``**options`` further :class:`Settings` fields.
    progress : show a progress bar per point.
    reuse : keep one model for all AUGMECON2 grid points (default); ``False`` rebuilds it for
        every point (to measure what reuse saves).

    Returns
    -------
    ParetoFront, built (re-evaluated, verified, dominated and duplicate points removed) by
    :meth:`ParetoFront.build`; ``front.points`` keeps each point's status, gap, seconds, bound
    and ε values, ``front.run`` the payoff table, settings and timings.

    Examples
    --------
    >>> front = milp.pareto(problem, ["efficiency", "equity"], points=11, time_limit=60)  # doctest: +SKIP
    """
    if method not in ("augmecon", "weighted"):
        raise InputError(f"method: unknown method {method!r}; allowed: augmecon, weighted")
    objectives = tuple(objectives)
    if method == "augmecon" and len(objectives) not in (2, 3):
        raise InputError(f"objectives {list(objectives)}: AUGMECON2 fronts take 2 or 3 objectives; "
                         "use method='weighted' for more")
    if points is None and method != "augmecon":
        raise InputError("points: None (every nondominated point) needs method='augmecon'")
    if points is not None and (not isinstance(points, int) or points < 2):
        raise InputError(f"points: need an integer of at least 2 (or None), got {points!r}")
    settings = Settings(time_limit=time_limit, gap=gap, threads=threads, seed=seed, **options)  # type: ignore[arg-type]
    diagnose.presolve_check(problem)
    started = time.perf_counter()
    model = Model.build(problem, objectives, settings)
    table = payoff_table(model)
    payoff_seconds = time.perf_counter() - started
    total = (len(simplex_lattice(len(objectives), points)) if method == "weighted" and points
             else points ** (len(objectives) - 1) if points else None)
    solved: list[Point] = []
    # an objective that does not move between the payoff table's rows has no trade-off to map
    flat = table.ranges <= FLAT * np.maximum(1.0, np.abs(table.ideal))
    with _progress(progress and not flat.any(), total, f"{method} {' × '.join(objectives)}") as bar:
        if flat.any():
            sweep: Iterator[Point] = iter(())
        elif method == "weighted":
            sweep = weighted(model, table, points or 11, bar)
        elif points is None:
            sweep = exact_front(model, table, bar)
        else:
            sweep = grid(model, table, points, bar, reuse)
        solved.extend(sweep)
    layouts = [s.layout for s in table.solutions] + [p.solution.layout for p in solved if p.solution is not None]
    records = ([{"kind": "payoff", "grid": f"optimum of {s.name}", **s.record()} for s in table.solutions]
               + [p.record for p in solved if p.solution is not None])
    seconds = time.perf_counter() - started
    run = {"engine": "milp", "settings": {**settings.as_dict(), "points": points, "method": method, "reuse": reuse},
           "payoff": {"table": table.table.reset_index().to_dict(orient="records"),
                      "ideal": dict(zip(objectives, table.ideal)), "nadir": dict(zip(objectives, table.nadir))},
           "timings": {"build": model.build_seconds, "payoff": payoff_seconds, "points": seconds - payoff_seconds,
                       "total": seconds},
           "flat": [o for o, f in zip(objectives, flat) if f],
           "grid": {"solved": len(solved), "infeasible": sum(p.status == "infeasible" for p in solved),
                    "time_limit": sum(p.status == "time_limit" for p in solved), "total": total},
           "finished": all(p.status in ("optimal", "infeasible") for p in solved)}
    return ParetoFront.build(problem, list(objectives), np.array(layouts), records, method="milp", run=run)


class _Infeasible(Exception):
    """An ε-bounded solve with no feasible layout (ends a row of the grid, not the run)."""


def _advance(progress: Any, steps: int) -> None:
    if progress is not None and steps > 0:
        progress(steps)


class _progress:
    """A rich progress bar per point (a no-op when ``enabled`` is false)."""

    def __init__(self, enabled: bool, total: int | None, label: str) -> None:
        self.enabled, self.total, self.label = enabled, total, label
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            transient=False)
        self.bar.start()
        task = self.bar.add_task(self.label, total=self.total)
        return lambda steps: self.bar.advance(task, steps)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
