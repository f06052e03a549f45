"""Several objectives: lexicographic payoff table, AUGMECON2 ε-grid points, weighted sums.

All solves of one run share one formulation (every objective gets an ε-row and a slack column)
and one :class:`~landalloc.optimizer.milp.session.Session`: a new grid point only changes ε right-hand
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

Ctrl-C during a run returns the points finished so far, marked partial; ``resume=`` continues
such a run (:mod:`landalloc.optimizer.milp.resume`).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from landalloc.models import Problem
from landalloc.models.errors import InputError
from landalloc.models.presolve import require_feasible_bounds
from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.milp import diagnose
from landalloc.optimizer.milp.build import formulate, objective_senses
from landalloc.optimizer.milp.clock import SHORTEST_STAGE, Clock, OutOfTime
from landalloc.optimizer.milp.formulation import Formulation, Task
from landalloc.optimizer.milp.resume import FINISHED, Earlier, Interruption, interruption, load_earlier
from landalloc.optimizer.milp.session import Outcome, Session
from landalloc.optimizer.milp.settings import Settings, Solution
from landalloc.optimizer.milp.single import finish

AUGMENTATION = 1e-3
FLAT = 1e-9
"""Relative range below which an objective counts as not conflicting with the others (its
payoff-table column is constant): the front is then the payoff table's points."""
RANGE_SCALE = 100.0
"""Points after the payoff table measure their MIP gap against this many times the front's
range of the optimised objective (its value is shifted to ``g - nadir + RANGE_SCALE * range``):
the default gap of 1e-4 then leaves at most 1 % of the range, where a share of the objective's
own size can exceed the whole front; tighter costs minutes per point on the demo county."""
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
    clock: Clock
    """The time of the point in progress (``settings.time_limit`` each) and of the whole run."""

    @classmethod
    def build(cls, problem: Problem, objectives: Sequence[str], settings: Settings, clock: Clock | None = None) -> Model:
        objectives = tuple(objectives)
        if len(set(objectives)) != len(objectives) or not objectives:
            raise InputError(f"objectives {list(objectives)}: name distinct objectives")
        if settings.engine == "pyomo":  # fronts run on the highspy sessions only; never relabel them
            raise InputError("engine='pyomo' solves one objective through Pyomo (milp.solve) but not payoff tables "
                             "or fronts, which run on highspy: drop engine='pyomo' (the default 'highs' is the "
                             "same model) or solve single objectives with milp.solve(..., engine='pyomo')")
        senses = objective_senses(problem, list(objectives))
        start = time.perf_counter()
        form = formulate(problem, senses, constrained=list(objectives))
        return cls(problem, objectives, settings, form, Session(form, settings), time.perf_counter() - start,
                   clock or Clock(settings.time_limit))

    def solve(self, task: Task, first: bool = True) -> Outcome | None:
        """Solve ``task`` within what is left of the point in progress; None when a later
        stage (``first=False``) has no time left to start. Raises :class:`OutOfTime` when the
        run's total time limit leaves a point no time to start or to find a layout."""
        if first and self.clock.run_out():
            raise OutOfTime
        left = self.clock.left()
        if left is not None and left < SHORTEST_STAGE and not first:
            return None
        outcome = self.session.solve(task, time_limit=self.clock.stage_limit())
        if outcome.values is None and outcome.status == "time_limit" and self.clock.run_out():
            raise OutOfTime
        return outcome

    def g(self, name: str, values: dict[str, float]) -> float:
        return self.form.objectives[name].sign * values[name]


@dataclass(frozen=True)
class Payoff:
    """Lexicographic payoff table: row ``o`` holds every objective at the lexicographic optimum
    of ``o`` (natural units); ``ideal`` and ``nadir`` come from its diagonal and columns.
    ``layouts`` and ``solutions`` are the rows solved by the call that made the table: all of
    them, unless a resumed run took some from the run it continues."""

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
    """One solved payoff row, ε-grid, exact or weighted point: its layout (None when infeasible,
    or when a resumed run reuses a point that was not on the earlier front) and metadata."""

    index: tuple[int, ...]
    status: str
    solution: Solution | None
    slack: dict[str, float] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)
    layout: np.ndarray | None = None
    values: dict[str, float] = field(default_factory=dict)
    reused: bool = False

    def __post_init__(self) -> None:
        if self.solution is not None:
            self.layout, self.values = self.solution.layout, dict(self.solution.values)

    def entry(self) -> dict[str, Any]:
        """What run.json's ``sweep`` keeps of the point, so that a later run can resume."""
        return {"grid": self.record["grid"], "status": self.status, "slack": self.slack, "values": self.values}


def reused_point(earlier: Earlier, index: tuple[int, ...], key: str) -> Point | None:
    """The point ``key`` as the run being resumed proved it, or None when it must be solved."""
    entry = earlier.sweep.get(key)
    if entry is None:
        return None
    layout, record = earlier.kept.get(key, (None, {"grid": key}))
    return Point(index, entry["status"], None, dict(entry.get("slack", {})), record, layout,
                 dict(entry.get("values", {})), reused=True)


# -- payoff table ----------------------------------------------------------------------------------
def lexicographic(model: Model, order: Sequence[str], fixed: dict[str, float] | None = None,
                  shifts: Mapping[str, float] | None = None) -> Solution:
    """Optimise ``order[0]``, then each next objective with the previous ones held at their
    optimum; ``fixed`` holds extra ε-bounds (maximised units) that apply throughout; ``shifts``
    are added to each stage's objective offset, so that the relative MIP gap is a share of the
    front's range (:func:`~landalloc.optimizer.milp.exact.range_shifts`).

    The stages share the point's time (:class:`~landalloc.optimizer.milp.clock.Clock`): each
    gets what the stages before it left; a later stage that finds no time, or no layout in it,
    keeps the layout before it and is recorded as ``time_limit``."""
    model.clock.start_point()
    start = model.clock.point_started
    held = dict(fixed or {})
    solution: Solution | None = None
    stages: list[dict[str, Any]] = []
    for stage, name in enumerate(order):
        shift = (shifts or {}).get(name, 0.0)
        task = shifted(model.form.task({name: 1.0}, epsilon=held), shift)
        stage_start = model.clock.now()
        outcome = model.solve(task, first=solution is None)
        if solution is not None and (outcome is None or outcome.values is None):
            kept = solution   # this stage and the ones after it: the layout stays the last stage's
            stages += [{"objective": later, "status": "time_limit", "gap": math.inf, "value": kept.values[later],
                        "bound": math.nan, "seconds": model.clock.now() - stage_start if later == name else 0.0}
                       for later in order[stage:]]
            break
        assert outcome is not None
        context = f"lexicographic optimum of {', '.join(order[:stage + 1])}"
        if outcome.status == "infeasible":
            raise diagnose.explain(model.problem, model.settings) if not held else _Infeasible(context)
        sign = model.form.objectives[name].sign
        solution = finish(model.form, task, name, outcome, model.settings, 0.0, start,
                          bound=sign * (outcome.bound - shift), context=context)
        stages.append({"objective": name, "status": solution.status, "gap": solution.gap,
                       "value": solution.values[name], "bound": solution.bound,
                       "seconds": model.clock.now() - stage_start})
        g = sign * solution.objective
        held[name] = g - LEXICOGRAPHIC_SLACK * max(1.0, abs(g))
    assert solution is not None
    first = order[0]
    cut = [s for s in stages if s["status"] != "optimal"]
    return Solution(name=first, sense=model.form.objectives[first].sense, layout=solution.layout,
                    objective=solution.values[first], bound=stages[0]["bound"] if len(stages) == 1 else math.nan,
                    gap=max(s["gap"] for s in stages), status=cut[0]["status"] if cut else "optimal",
                    seconds=model.clock.elapsed(), build_seconds=0.0,
                    handover_seconds=solution.handover_seconds, solve_seconds=solution.solve_seconds,
                    values=solution.values, strategy=solution.strategy, plan=solution.plan, engine=solution.engine,
                    stages=tuple(stages))


def shifted(task: Task, shift: float) -> Task:
    """``task`` with ``shift`` added to its objective's offset (same optimum, another scale for
    the relative gap)."""
    return task if not shift else dataclasses.replace(task, offset=task.offset + shift)


def payoff_rows(model: Model, finished: dict[str, dict[str, float]] | None = None) -> Iterator[Point]:
    """The payoff table's rows not in ``finished`` (by optimised objective), as points of kind
    ``payoff``: each objective optimised lexicographically first, the others after it in order."""
    for name in model.objectives:
        if finished and name in finished:
            continue
        order = [name] + [o for o in model.objectives if o != name]
        solution = lexicographic(model, order)
        yield Point((), solution.status, solution, {}, {"kind": "payoff", "grid": f"optimum of {name}",
                                                         **solution.record(), "time_limit": model.clock.limit})


def payoff_table(model: Model, finished: dict[str, dict[str, float]] | None = None,
                 rows: Sequence[Point] | None = None) -> Payoff:
    """The lexicographic payoff table from the rows ``finished`` by an earlier run and the
    ``rows`` solved for the others (solved here when not given)."""
    finished = finished or {}
    rows = list(payoff_rows(model, finished)) if rows is None else list(rows)
    solutions = tuple(p.solution for p in rows if p.solution is not None)
    solved = {s.name: s.values for s in solutions}
    objectives = model.objectives
    table = pd.DataFrame([[(finished[name] if name in finished else solved[name])[o] for o in objectives]
                          for name in objectives],
                         index=pd.Index(objectives, name="optimised"), columns=list(objectives))
    senses = tuple(model.form.objectives[o].sense for o in objectives)
    layouts = np.array([s.layout for s in solutions]).reshape(len(solutions), model.problem.n_parcels)
    return Payoff(objectives, senses, table, layouts, solutions)


def payoff(problem: Problem, objectives: Sequence[str], time_limit: float | None = None, gap: float = 1e-4,
           threads: int | None = None, seed: int = 0, **options: object) -> Payoff:
    """The lexicographic payoff table of ``objectives`` (true ideal, nadir estimate) and its layouts.

    Examples
    --------
    >>> table = milp.payoff(problem, ["efficiency", "equity"])   # doctest: +SKIP
    >>> table.table, table.ideal, table.nadir                     # doctest: +SKIP
    """
    settings = Settings(time_limit=time_limit, gap=gap, threads=threads, seed=seed, **options)  # type: ignore[arg-type]
    require_feasible_bounds(problem)
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
    return augmented_point(model, table, table.epsilon(index, points), index,
                           {"kind": "grid", "grid": ",".join(map(str, index))})


def augmented_point(model: Model, table: Payoff, epsilon: dict[str, float], index: tuple[int, ...],
                    record: dict[str, Any]) -> Point:
    """AUGMECON2's solve at ε-bounds ``epsilon`` (maximised units): the first objective plus
    the slacks' augmentation, one MIP; ``record`` starts the point's metadata."""
    settings = model.settings
    model.clock.start_point()
    start = model.clock.point_started
    first, rest = model.objectives[0], model.objectives[1:]
    ranges = dict(zip(model.objectives, table.ranges))
    weights = {first: 1.0 / ranges[first]}
    slack = {name: AUGMENTATION * 0.1 ** k / ranges[name] for k, name in enumerate(rest)}
    # the objective reads (g_1 - nadir_1) / r_1 + RANGE_SCALE + augmentation: the gap is a share of the range
    shift = RANGE_SCALE - model.g(first, dict(zip(table.objectives, table.nadir))) / ranges[first]
    task = shifted(model.form.task(weights, epsilon=epsilon, slack_weights=slack), shift)
    outcome = model.solve(task)
    assert outcome is not None
    record = {**record, **{f"epsilon_{n}": model.form.objectives[n].sign * e for n, e in epsilon.items()},
              "time_limit": model.clock.limit}
    if outcome.status == "infeasible" or outcome.values is None:
        status = "infeasible" if outcome.status == "infeasible" else "time_limit"
        return Point(index, status, None, {}, {**record, "status": status, "seconds": model.clock.elapsed()})
    sign = model.form.objectives[first].sign
    solution = finish(model.form, task, first, outcome, settings, 0.0, start,
                      bound=sign * ranges[first] * (outcome.bound - shift), context=f"ε-point {record['grid']}")
    slacks = {n: float(outcome.values[model.form.epsilon[n][1]]) for n in rest}
    return Point(index, solution.status, solution, slacks, {**record, **solution.record()})


def grid(model: Model, table: Payoff, points: int, progress: Any = None, reuse: bool = True,
         earlier: Earlier | None = None, tally: dict[str, int] | None = None) -> Iterator[Point]:
    """AUGMECON2's sweep of the ε-grid with bypass and early exit (2 or 3 objectives);
    ``reuse=False`` builds a fresh model for every point; points proven by the ``earlier`` run
    are taken from it, with the same bypass. ``tally`` counts the grid points not solved:
    ``bypassed`` and ``early_exit`` (past an infeasible point)."""
    earlier = earlier or Earlier()
    tally = tally if tally is not None else {"bypassed": 0, "early_exit": 0}
    rest = model.objectives[1:]
    inner = rest[0]
    step = table.ranges[1] / max(1, points - 1)
    outer_range = range(points) if len(rest) == 2 else [None]
    for j3 in outer_range:
        j2 = 0
        while j2 < points:
            index = (j2,) if j3 is None else (j2, j3)
            point = (reused_point(earlier, index, ",".join(map(str, index)))
                     or solve_point(model.problem, model.objectives, table, index, model.settings, points,
                                    model if reuse else Model.build(model.problem, model.objectives,
                                                                    model.settings, model.clock)))
            yield point
            if point.status == "infeasible":
                _advance(progress, points - j2)
                tally["early_exit"] += points - j2 - 1
                if j2 == 0:
                    if j3 is not None:
                        _advance(progress, (points - j3 - 1) * points)
                        tally["early_exit"] += (points - j3 - 1) * points
                    return
                break
            skip = 0 if point.status != "optimal" else int(math.floor(point.slack[inner] / step + 1e-9))
            skip = min(skip, points - j2 - 1)
            tally["bypassed"] += skip
            _advance(progress, 1 + skip)
            j2 += 1 + skip


def weighted(model: Model, table: Payoff, points: int, progress: Any = None,
             earlier: Earlier | None = None) -> Iterator[Point]:
    """Weighted sums of range-normalised objectives over a simplex lattice of weights (points
    proven by the ``earlier`` run are taken from it). A zero weight of the lattice is solved as
    :data:`AUGMENTATION`: with every weight positive an optimum is Pareto optimal, where a zero
    weight would allow a layout that another one beats in the ignored objective."""
    earlier = earlier or Earlier()
    m = len(model.objectives)
    for index, weights in enumerate(simplex_lattice(m, points)):
        reused = reused_point(earlier, (index,), str(index))
        if reused is not None:
            _advance(progress, 1)
            yield reused
            continue
        model.clock.start_point()
        start = model.clock.point_started
        task_weights = {n: max(w, AUGMENTATION) / r for n, w, r in zip(model.objectives, weights, table.ranges)}
        task = model.form.task(task_weights)
        outcome = model.solve(task)
        assert outcome is not None
        record = {"kind": "weighted", "grid": str(index), "time_limit": model.clock.limit,
                  **{f"weight_{n}": w for n, w in zip(model.objectives, weights)}}
        _advance(progress, 1)
        if outcome.status == "infeasible" or outcome.values is None:
            status = "infeasible" if outcome.status == "infeasible" else "time_limit"
            yield Point((index,), status, None, {}, {**record, "status": status, "seconds": model.clock.elapsed()})
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
def pareto(problem: Problem, objectives: Sequence[str], points: int | str | None = "auto", method: str = "augmecon",
           time_limit: float | None = None, gap: float = 1e-4, threads: int | None = None, seed: int = 0,
           progress: bool = True, reuse: bool = True, resume: ParetoFront | str | Path | None = None,
           on_point: Callable[[Point], None] | None = None, exact_up_to: int | None = None,
           total_time_limit: float | None = None, **options: object) -> ParetoFront:
    """The Pareto front of 2 or 3 objectives (weighted sums: any number).

    Parameters
    ----------
    problem : the compiled problem.
    objectives : names; the first is optimised at every point, the others are ε-constrained.
    points : ``"all"``: every non-dominated point (the exact ε-constraint sequence of
        :mod:`landalloc.optimizer.milp.exact`; ``None`` means the same). ``"auto"`` (default):
        the same while the front is small (at most ``exact_up_to`` points), else that many
        points spread over it. An integer N: AUGMECON2's grid of N points per constrained
        objective, then (2 objectives) the widest gaps filled until the front holds N distinct
        points or every gap is proven empty; for weighted sums, lattice divisions + 1.
    method : ``"augmecon"`` or ``"weighted"`` (finds only supported points).
    time_limit : seconds per point: a payoff row's or exact point's lexicographic stages share
        it, each stage getting what the ones before it left.
    total_time_limit : seconds for the whole run (model build included): no point starts once it
        has run out, and the point in progress gets at most what is left of it. The front is then
        partial (``run["stopped_by"] = "total_time_limit"``, ``complete`` false and
        ``incomplete_because`` saying so) and ``resume=`` continues it.
    gap : relative MIP gap; for the points after the payoff table, relative to the front's
        range of the optimised objective. ``threads``, ``seed``: HiGHS settings;
        ``**options`` further :class:`Settings` fields.
    progress : show a progress bar per point.
    reuse : keep one model for all AUGMECON2 grid points (default); ``False`` rebuilds it for
        every point (to measure what reuse saves).
    resume : a partial front of the same problem, objectives, ``points`` and ``method`` (a
        ParetoFront or its result folder): its payoff table and proven points are reused and
        only the rest is solved, giving the front an uninterrupted run gives.
    on_point : called with each newly solved payoff row or point (progress lines, logs).
    exact_up_to : how many points a front may have to count as small for ``points="auto"``
        (default :data:`~landalloc.optimizer.milp.exact.EXACT_UP_TO`).

    Returns
    -------
    ParetoFront, built (re-evaluated, verified, dominated and duplicate points removed) by
    :meth:`ParetoFront.build`; ``front.points`` keeps each point's status, gap, seconds, bound,
    ε values and grid key, ``front.run`` the payoff table, settings, timings and the sweep, and
    the front's account: ``requested`` and ``distinct`` points, ``fewer_because`` (an integer
    ``points`` not reached), ``complete`` (the front is the whole non-dominated set) and
    ``incomplete_because``.
    Ctrl-C (KeyboardInterrupt) ends the run early with the points finished so far: then
    ``run["partial"]`` is true and ``run["stopped_by"]`` is ``"interrupted"``; a point whose
    branch and bound was cut keeps HiGHS's incumbent (status ``time_limit``, with its gap). A
    point stopped by ``time_limit`` also leaves the run partial (``stopped_by = "time_limit"``).

    Examples
    --------
    >>> front = milp.pareto(problem, ["efficiency", "equity"], points="all")                  # doctest: +SKIP
    >>> front.run["complete"], front.run["distinct"]                                          # doctest: +SKIP
    >>> front = milp.pareto(problem, ["efficiency", "equity"], points=11, time_limit=60)  # doctest: +SKIP
    >>> front = milp.pareto(problem, ["efficiency", "equity"], points=11, resume="results/partial")  # doctest: +SKIP
    """
    from landalloc.optimizer.milp.exact import EXACT_UP_TO, Sweep, requested_points

    if method not in ("augmecon", "weighted"):
        raise InputError(f"method: unknown method {method!r}; allowed: augmecon, weighted")
    objectives = tuple(objectives)
    if method == "augmecon" and len(objectives) not in (2, 3):
        raise InputError(f"objectives {list(objectives)}: AUGMECON2 fronts take 2 or 3 objectives; "
                         "use method='weighted' for more")
    points = requested_points(11 if points == "auto" and method == "weighted" else points, method)
    exact_up_to = EXACT_UP_TO if exact_up_to is None else exact_up_to
    if not isinstance(exact_up_to, int) or exact_up_to < 2:
        raise InputError(f"exact_up_to: need an integer of at least 2, got {exact_up_to!r}")
    settings = Settings(time_limit=time_limit, gap=gap, threads=threads, seed=seed, **options)  # type: ignore[arg-type]
    clock = Clock(time_limit, total_time_limit)
    require_feasible_bounds(problem)
    earlier = load_earlier(resume, problem, objectives, {"points": points, "method": method})
    started = time.perf_counter()
    model = Model.build(problem, objectives, settings, clock)
    total = (len(simplex_lattice(len(objectives), points)) if method == "weighted" and isinstance(points, int)
             else points ** (len(objectives) - 1) if isinstance(points, int) else None)
    rows: list[Point] = []
    solved: list[Point] = []
    table: Payoff | None = None
    sweep: Sweep | None = None
    flat = np.zeros(len(objectives), bool)
    payoff_seconds = 0.0
    out_of_time = False
    with interruption() as stop:
        try:
            table = solve_payoff(model, earlier, stop, on_point, rows)
            payoff_seconds = time.perf_counter() - started
            # an objective that does not move between the payoff table's rows has no trade-off to map
            flat = table.ranges <= FLAT * np.maximum(1.0, np.abs(table.ideal))
            sweep = Sweep(model, table, points, exact_up_to, table_points(table))
            with _progress(progress and not flat.any(), total, f"{method} {' × '.join(objectives)}") as bar:
                for point in _sweep(model, table, method, points, bar, reuse, earlier, flat.any(), sweep):
                    solved.append(point)
                    if not point.reused:
                        _notify(on_point, point)
                    stop.check()   # after keeping the point whose branch and bound Ctrl-C cut
                    if clock.run_out():
                        raise OutOfTime
        except KeyboardInterrupt:
            stop.event.set()
        except OutOfTime:
            out_of_time = True
    seconds = time.perf_counter() - started
    run = {"engine": "milp", "settings": {**settings.as_dict(), "points": points, "method": method, "reuse": reuse,
                                          "exact_up_to": exact_up_to, "total_time_limit": total_time_limit},
           "timings": {"build": model.build_seconds, "payoff": payoff_seconds, "points": seconds - payoff_seconds,
                       "total": seconds},
           "flat": [o for o, f in zip(objectives, flat) if f],
           "grid": {"solved": len(solved), "infeasible": sum(p.status == "infeasible" for p in solved),
                    "time_limit": sum(p.status == "time_limit" for p in solved), "total": total,
                    "reused": sum(p.reused for p in solved)}}
    ended = "interrupted" if stop.requested else "total_time_limit" if out_of_time else ""
    front = assemble(problem, objectives, earlier, rows, table, solved, ended, run)
    return accounted(front, sweep, solved, rows, method, flat.any(), clock)


def table_points(table: Payoff) -> list[Point]:
    """The payoff table's rows as points with values (the gaps of a front start between them)."""
    return [Point((), "optimal", None, values={o: float(v) for o, v in row.items()})
            for _, row in table.table.iterrows()]


def accounted(front: ParetoFront, sweep: Any, solved: list[Point], rows: list[Point], method: str,
              flat: bool, clock: Clock) -> ParetoFront:
    """``front`` with its account in run.json (:meth:`landalloc.optimizer.milp.exact.Sweep.account`):
    requested and distinct points, why fewer, complete or why not."""
    stopped_by = front.run["stopped_by"]
    if sweep is None:   # stopped during the payoff table
        why = (clock.total_reason("the payoff table is not finished") if stopped_by == "total_time_limit"
               else "the run was interrupted during the payoff table")
        account = {"requested": front.run["settings"]["points"], "distinct": len(front), "complete": False,
                   "incomplete_because": why}
    else:
        if flat:
            sweep.ended = "exhausted"   # no trade-off: the payoff table's points are the front
        account = sweep.account(len(front), solved, rows, stopped_by, method)
        if stopped_by == "total_time_limit":
            account["incomplete_because"] = clock.total_reason(
                f"{len(solved)} solved after the payoff table, the rest not started")
    return dataclasses.replace(front, run={**front.run, **account})


def solve_payoff(model: Model, earlier: Earlier, stop: Interruption, on_point: Callable[[Point], None] | None,
                 rows: list[Point]) -> Payoff:
    """The payoff table, solving the rows ``earlier`` lacks; each is appended to ``rows`` as it
    is found, so that Ctrl-C keeps the finished ones."""
    for row in payoff_rows(model, earlier.payoff):
        stop.check()   # a row cut short by Ctrl-C is not the lexicographic optimum
        rows.append(row)
        _notify(on_point, row)
    return payoff_table(model, earlier.payoff, rows)


def assemble(problem: Problem, objectives: tuple[str, ...], earlier: Earlier, rows: list[Point],
             table: Payoff | None, solved: list[Point], ended: str, run: dict[str, Any]) -> ParetoFront:
    """The front of a run, finished or not (``ended`` early: ``interrupted`` or
    ``total_time_limit``): the payoff table's layouts, then the sweep's, and in ``run`` what a
    later run needs to resume it."""
    # a payoff row stopped by its time limit leaves the run partial too: resuming solves it again
    finished = not ended and table is not None and all(p.status in FINISHED for p in [*rows, *solved])
    run = {**run, "payoff": payoff_record(objectives, earlier, rows, table), "sweep": [p.entry() for p in solved],
           "finished": finished, "partial": not finished,
           "stopped_by": ended or ("completed" if finished else "time_limit"),
           "resumed_from": earlier.source or None}
    found = [p for p in payoff_points(objectives, earlier, rows) + solved if p.layout is not None]
    layouts = np.array([p.layout for p in found], dtype=np.int64).reshape(len(found), problem.n_parcels)
    return ParetoFront.build(problem, list(objectives), layouts, [p.record for p in found], method="milp", run=run)


def _sweep(model: Model, table: Payoff, method: str, points: int | str, bar: Any, reuse: bool, earlier: Earlier,
           flat: bool, sweep: Any) -> Iterator[Point]:
    """The points of the front after the payoff table (none when an objective is flat)."""
    if flat:
        return iter(())
    if method == "weighted":
        assert isinstance(points, int)
        return weighted(model, table, points, bar, earlier)
    return sweep.run(bar, reuse, earlier)


def payoff_points(objectives: tuple[str, ...], earlier: Earlier, rows: list[Point]) -> list[Point]:
    """The payoff table's layouts in objective order: reused from the earlier run, or solved now."""
    solved = {p.record["grid"]: p for p in rows}
    out = []
    for name in objectives:
        key = f"optimum of {name}"
        if key in solved:
            out.append(solved[key])
        elif key in earlier.kept:
            layout, record = earlier.kept[key]
            out.append(Point((), str(record.get("status", "optimal")), None, {}, record, layout, reused=True))
    return out


def payoff_record(objectives: tuple[str, ...], earlier: Earlier, rows: list[Point],
                   table: Payoff | None) -> dict[str, Any]:
    """run.json's payoff table: its finished rows (all of them unless interrupted), ideal, nadir."""
    if table is not None:
        return {"table": table.table.reset_index().to_dict(orient="records"),
                "ideal": dict(zip(objectives, table.ideal)), "nadir": dict(zip(objectives, table.nadir))}
    done = {**earlier.payoff, **{p.solution.name: p.values for p in rows if p.solution is not None}}
    return {"table": [{"optimised": name, **{o: done[name][o] for o in objectives}}
                      for name in objectives if name in done]}


def _notify(on_point: Callable[[Point], None] | None, point: Point) -> None:
    if on_point is not None:
        on_point(point)


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
