"""One formulation held by HiGHS across solves, solved by a declared plan of steps.

:func:`landalloc.optimizer.milp.plan.plan_for` chooses the plan from the model's shape; the
session holds what its steps reuse from solve to solve:

- the LP relaxation — by column generation (:mod:`landalloc.optimizer.milp.master`) when few rows
  couple the parcels, else by HiGHS's simplex on the full model; models with compactness get
  its half-edge relaxation (:mod:`landalloc.optimizer.milp.pairs`), which keeps them
  assignment-shaped. Its Lagrangian bound is a proven bound on the MILP;
- the repair (restricted MIP) — a MIP over the parcels whose best uses nearly tie at the LP's
  prices (the others keep their best use). Its layout is feasible for the full model, so
  ``(bound - layout value) / |layout value|`` is a proven gap at once;
- the subgradient bound and the linearised and block moves of
  :mod:`landalloc.optimizer.milp.neighbourhood` for large models with compactness;
- branch and bound — HiGHS on the full model (built once and kept; later solves change costs
  and bounds in place), started from the best layout (``setSolution``), presolve chosen by size.

Objectives and bounds are in maximised units throughout (``g = f`` for max, ``-f`` for min).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from landalloc.optimizer.milp import highs as hi
from landalloc.optimizer.milp.formulation import Formulation, Task
from landalloc.optimizer.milp.lagrange import second_margin
from landalloc.optimizer.milp.master import ColumnGeneration, Relaxation, lp_with_highs
from landalloc.optimizer.milp.neighbourhood import CompactnessSearch
from landalloc.optimizer.milp.pairs import PairRelaxation
from landalloc.optimizer.milp.plan import Plan, plan_for
from landalloc.optimizer.milp.settings import Settings, proven_status, relative_gap, within_gap

PRESOLVE_OFF_ABOVE = {"assignment": 20_000, "general": 5_000}
"""Columns above which ``presolve="auto"`` turns HiGHS's MIP presolve off, by model shape
(measured in benchmarks/milp_bench.py: below, presolve pays; above, its probing and clique
detection on the assignment rows cost more than the whole solve)."""
REPAIR_SHARE, REPAIR_MIN = 0.02, 200
"""Besides the parcels the LP splits, the repair MIP frees those with the smallest second-best
margins: this share of the free parcels (at least this many), four times more after each failure."""
REPAIR_SHARE_OF_TIME, REPAIR_TIME = 0.25, 120.0
"""A repair MIP (unless it frees every parcel) may take this share of the time left, at most
this many seconds: when it is slow the full MIP's own heuristics are the better use of time."""
COLUMNS_COUPLING_SHARE = 0.25
"""``lp="auto"`` uses column generation only while the coupling rows number at most this share
of the free parcels: its master LP holds every coupling row, so with a coverage row per demand
point (real data, where nearly every parcel has residents) it is as large as the model and
converges slowly (Ordos, 0.91: not within 60 s; HiGHS's simplex on the full model: 0.4 s),
while the synthetic counties' few demand points (demo, 0.04) solve in a tenth of a second."""
EARLIER = 3
"""Layouts of earlier solves on a session tried as starts of each new solve (a row check each)."""
BOUND_SHARE = 0.5
"""Share of the time left spent on the subgradient bound, and on the moves when branch and bound follows."""
FEASIBILITY = 1e-6
"""Relative tolerance of a row's violation, as :data:`landalloc.models.evaluation.TOLERANCE`."""


@dataclass
class Outcome:
    """One solve of a task: the best layout found (as a full vector) and what is proven."""

    status: str
    values: np.ndarray | None
    raw: np.ndarray | None
    objective: float
    bound: float
    gap: float
    seconds: float
    handover_seconds: float
    strategy: str
    steps: list[str] = field(default_factory=list)
    model_seconds: float = 0.0
    """Seconds spent building a solver-side model object (the Pyomo model; 0 for highspy)."""
    plan: str = ""
    """Name of the plan that ran (:mod:`landalloc.optimizer.milp.plan`)."""


Candidate = tuple[np.ndarray, "np.ndarray | None", float]
"""A checked layout: full solution vector, the solver's raw vector (if any), objective value."""


@dataclass
class Progress:
    """What a plan's steps have found so far (maximised units)."""

    deadline: float
    steps: list[str]
    bound: float = math.inf
    best: Candidate | None = None
    stopped: str = "optimal"
    """``time_limit`` once branch and bound stopped on its clock or was not begun for lack of time."""
    infeasible: bool = False
    relaxation: Relaxation | None = None

    def offer(self, candidate: Candidate | None, note: str = "") -> None:
        """Keep ``candidate`` if it is better than the best layout so far."""
        if candidate is not None and (self.best is None or candidate[2] > self.best[2]):
            self.best = candidate
            if note:
                self.steps.append(note)


class Session:
    """A formulation plus its solver state, reused by every solve on it."""

    def __init__(self, form: Formulation, settings: Settings) -> None:
        self.form, self.settings = form, settings
        self.master: ColumnGeneration | None = None
        self.full: highspy.Highs | None = None
        self.pairs: PairRelaxation | None = None
        self.inner: Session | None = None
        self.search: CompactnessSearch | None = None
        self._handover = 0.0
        self.earlier: list[np.ndarray] = []
        """Layouts of the latest solves, newest last: a lexicographic stage's optimum is
        feasible for the next stage, whose ε-row holds it to that value, and often the only
        layout its heuristics would not find in time."""

    @property
    def lp_method(self) -> str:
        if self.settings.lp != "auto":
            return self.settings.lp
        form = self.form
        few_coupling = form.n_rows - form.n_assignment <= COLUMNS_COUPLING_SHARE * len(form.x_starts)
        return "columns" if form.shape == "assignment" and form.n_x and few_coupling else "simplex"

    # -- the plan and its steps ------------------------------------------------------------------
    def solve(self, task: Task, time_limit: float | None = None) -> Outcome:
        """Solve a task within ``time_limit`` seconds (default: the settings') by the plan
        :func:`~landalloc.optimizer.milp.plan.plan_for` chooses for this model."""
        limit = time_limit if time_limit is not None else self.settings.time_limit
        return self.run(plan_for(self.form, self.settings, limit), task, limit)

    def run(self, plan: Plan, task: Task, limit: float | None) -> Outcome:
        """Run ``plan``'s steps on ``task`` until one proves the layout within the gap, one
        finds the model infeasible, or the time is gone (a step is begun only before the deadline)."""
        start = time.perf_counter()
        self._handover = 0.0
        state = Progress(start + (limit if limit is not None else math.inf), [f"plan {plan.name}"])
        steps = {"bound": self._bound, "restricted_mip": self._restricted_mip, "subgradient": self._subgradient,
                 "moves": self._moves, "branch_and_bound": self._branch_and_bound}
        for index, name in enumerate(plan.steps):
            if state.infeasible or self._done(state.best, state.bound):
                break
            if time.perf_counter() >= state.deadline:
                state.stopped = "time_limit"
                state.steps.append(f"{name} not begun: time limit")
                break
            steps[name](plan, task, state, plan.steps[index + 1:])
        else:
            if plan.steps[-1] != "branch_and_bound" and not self._done(state.best, state.bound):
                state.stopped = "time_limit"   # branch and bound was left out for the time limit
        if state.infeasible:
            return self._outcome(plan, "infeasible", None, None, -math.inf, -math.inf, start, state.steps)
        if state.best is None:
            return self._outcome(plan, "time_limit", None, None, -math.inf, state.bound, start, state.steps)
        values, raw, objective = state.best
        self._remember(values)
        bound = max(state.bound, objective)
        return self._outcome(plan, proven_status(state.stopped, objective, bound, self.settings.gap), values, raw,
                             objective, bound, start, state.steps)

    def _bound(self, plan: Plan, task: Task, state: Progress, rest: tuple[str, ...]) -> None:
        """The LP bound and its prices; its rounding and earlier layouts are the first layouts."""
        inner, inner_task = self._relaxed(plan, task)
        if inner is not self:
            state.steps.append("compactness relaxed by half-edges")
        relaxation = inner.relaxation(inner_task, state.deadline)
        if inner is not self:
            self._handover += inner._handover
        state.steps.append(f"lp[{relaxation.method}] {relaxation.seconds:.2f}s {relaxation.status}")
        if relaxation.status == "infeasible":
            state.infeasible = True
            return
        state.relaxation, state.bound = relaxation, min(state.bound, relaxation.bound)
        if relaxation.values is not None:
            state.offer(self._candidate(task, self._mapped(inner, relaxation.values), claim=False),
                        "lp rounding feasible")
        for layout in self.earlier:
            state.offer(self._candidate(task, self.form.complete(layout), claim=False), "earlier layout feasible")

    def _restricted_mip(self, plan: Plan, task: Task, state: Progress, rest: tuple[str, ...]) -> None:
        """The repair MIP over the parcels the bound's prices leave undecided."""
        relaxation = state.relaxation
        if relaxation is None or relaxation.pricing is None:
            return
        inner, inner_task = self._relaxed(plan, task)
        repaired, whole = inner.repair(inner_task, relaxation, state.deadline, state.steps)
        if inner is not self:
            self._handover += inner._handover
            whole = None
            repaired = None if repaired is None else self._candidate(task, self._mapped(inner, repaired[0]),
                                                                     claim=False)
        if whole is not None and whole.status == "infeasible":   # the repair freed every parcel: the full MIP
            if state.best is None:
                state.infeasible = True
                return
            state.steps.append("repair's 'infeasible' contradicts a feasible layout: set aside")
            whole = None
        state.offer(repaired)
        if whole is not None and whole.status == "optimal":
            state.bound = min(state.bound, whole.bound)
            if state.best is not None:
                state.bound = max(state.bound, state.best[2])

    def _subgradient(self, plan: Plan, task: Task, state: Progress, rest: tuple[str, ...]) -> None:
        until = self._share(state.deadline, BOUND_SHARE)
        state.bound = min(state.bound, self.compactness_search().bound(task, until, state.steps))

    def _moves(self, plan: Plan, task: Task, state: Progress, rest: tuple[str, ...]) -> None:
        """Linearised then block moves from the best layout (none without one)."""
        if state.best is None:
            return
        search = self.compactness_search()
        until = self._share(state.deadline, BOUND_SHARE) if "branch_and_bound" in rest else state.deadline
        check = lambda v: self._candidate(task, v, claim=False)   # noqa: E731
        best = search.improve(task, state.best[0], until, state.steps, check) or state.best
        state.best = search.blocks(task, best, until, state.steps, check, self.settings)

    def _branch_and_bound(self, plan: Plan, task: Task, state: Progress, rest: tuple[str, ...]) -> None:
        # the baseline plan keeps HiGHS's own presolve default (on) unless one is set
        presolve = "on" if plan.steps == ("branch_and_bound",) and self.settings.presolve == "auto" \
            else self._presolve(self.form.n_cols)
        run = self.branch_and_bound(task, state.best, state.deadline, state.steps, presolve)
        if presolve != "off" and self._contradicts(run, state.best):
            # HiGHS's presolve has cut feasible layouts off before (highs.AGGREGATOR_OFF): a
            # verdict that contradicts what evaluate checks is set aside, the MIP rerun without it
            run = self.branch_and_bound(task, state.best, state.deadline, state.steps, "off")
        if run.status == "infeasible":
            state.infeasible = state.best is None
            return
        state.bound = min(state.bound, run.bound)
        if run.values is not None:
            state.offer(self._candidate(task, run.values))
        state.stopped = run.status

    def _contradicts(self, run: hi.Run, best: Candidate | None) -> bool:
        """Whether HiGHS's verdict is refuted: "infeasible" though ``best`` is a feasible layout,
        or "optimal" with a bound beyond the gap from the layout it returns (its presolved model
        held a point that is not a layout: HiGHS warns of "untransformed violations")."""
        if run.status == "infeasible":
            return best is not None
        return run.status == "optimal" and run.values is not None and not within_gap(
            run.objective, run.bound, self.settings.gap)

    def _relaxed(self, plan: Plan, task: Task) -> tuple[Session, Task]:
        """Where the bound and the repair work: this model, or its half-edge relaxation."""
        return (self.pair_session(), self.pairs.task(task)) if plan.relaxed else (self, task)

    def _remember(self, values: np.ndarray) -> None:
        layout = self.form.layout(values)
        self.earlier = [old for old in self.earlier if not np.array_equal(old, layout)][-(EARLIER - 1):] + [layout]

    def pair_session(self) -> Session:
        """A session on the half-edge relaxation of compactness (:mod:`landalloc.optimizer.milp.pairs`)."""
        if self.pairs is None:
            self.pairs = PairRelaxation(self.form)
            self.inner = Session(self.pairs.relaxed, self.settings)
        assert self.inner is not None
        self.inner._handover = 0.0
        return self.inner

    def compactness_search(self) -> CompactnessSearch:
        if self.search is None:
            self.pair_session()
            self.search = CompactnessSearch(self.form, self.pairs, self.inner)
        return self.search

    @staticmethod
    def _share(deadline: float, share: float) -> float:
        """A deadline ``share`` of the time left from now (no limit stays no limit)."""
        now = time.perf_counter()
        return deadline if not math.isfinite(deadline) else now + share * max(0.0, deadline - now)

    def _mapped(self, inner: Session, values: np.ndarray) -> np.ndarray:
        """A solution of ``inner`` as a vector of this model (through its layout)."""
        return values if inner is self else self.form.complete(inner.form.layout(values))

    def relaxation(self, task: Task, deadline: float) -> Relaxation:
        method = self.lp_method
        if method == "columns":
            if self.master is None:
                self.master = ColumnGeneration(self.form, self.settings)
                self._handover += self.master.handover_seconds
            return self.master.solve(task, deadline)
        return lp_with_highs(self.form, task, self.full_model(task), method, deadline)

    def repair(self, task: Task, relaxation: Relaxation, deadline: float,
               steps: list[str]) -> tuple[tuple[np.ndarray, np.ndarray | None, float] | None, hi.Run | None]:
        """Best layout of the MIP where only some parcels choose: those the LP splits between
        uses and those whose second-best use is nearly as good at the LP's prices; every other
        parcel keeps the use the LP gives it. Also returns the run when it freed every parcel
        (then it was the full MIP)."""
        form, pricing = self.form, relaxation.pricing
        free = len(form.x_starts)
        if relaxation.values is not None:
            weight = relaxation.values[:form.n_x]
        else:
            weight = np.zeros(form.n_x)
            weight[pricing.choice] = 1.0
        top = np.maximum.reduceat(weight, form.x_starts) if free else np.zeros(0)
        hit = np.flatnonzero(weight >= top[form.x_slot])
        lp_choice = hit[np.r_[True, form.x_slot[hit][1:] != form.x_slot[hit][:-1]]] if len(hit) else hit
        split = top < 1.0 - 1e-9
        order = np.lexsort((np.arange(free), second_margin(form, pricing)))
        order = order[~split[order]]
        on_lp = np.zeros(form.n_x, bool)
        on_lp[lp_choice] = True
        count = max(REPAIR_MIN, int(REPAIR_SHARE * free))
        while time.perf_counter() < deadline:
            count = min(count, free)
            chosen = split.copy()
            chosen[order[:count]] = True
            keep = on_lp | chosen[form.x_slot] if count < free else np.ones(form.n_x, bool)
            restriction = form.restrict(task, keep)
            if restriction is not None:
                left = deadline - time.perf_counter()
                share = left if count >= free else min(REPAIR_TIME, REPAIR_SHARE_OF_TIME * left)
                run, handover = hi.solve_restriction(self.settings, restriction, time_limit=max(1e-3, share),
                                                     presolve=self._presolve(restriction.matrix.shape[1]))
                self._handover += handover
                steps.append(f"repair[{int(chosen.sum()) if count < free else free} parcels] {run.seconds:.2f}s "
                             f"{run.status}")
                whole = run if count >= free else None
                if run.values is not None:
                    candidate = self._candidate(task, restriction.lift(run.values))
                    if candidate is not None:
                        return candidate, whole
                if run.status == "time_limit" or whole is not None:
                    return None, whole   # out of its share of time: leave the rest to the full MIP
            if count >= free:
                return None, None
            count *= 4
        return None, None

    def branch_and_bound(self, task: Task, start: tuple[np.ndarray, np.ndarray, float] | None,
                         deadline: float, steps: list[str], presolve: str) -> hi.Run:
        highs = self.full_model(task)
        # feasibility jump looks for a first layout, untimed (65 s at 250,000 parcels): not needed
        # when one is handed over
        hi.set_options(highs, presolve=presolve, time_limit=max(1e-3, deadline - time.perf_counter()),
                       mip_rel_gap=float(self.settings.gap), mip_heuristic_run_feasibility_jump=start is None)
        run = hi.branch_and_bound(highs, None if start is None else start[0], task.objective, interruptible=True)
        steps.append(f"mip[presolve {presolve}] {run.seconds:.2f}s {run.status}")
        return run

    # -- the full model in one Highs object ----------------------------------------------------
    def full_model(self, task: Task) -> highspy.Highs:
        """The whole MILP in HiGHS: passed once, then only costs and bounds change."""
        form = self.form
        if self.full is None:
            self.full = hi.new_highs(self.settings)
            self._handover += hi.pass_model(self.full, form.csc, task, form.integer)
            return self.full
        start = time.perf_counter()
        n, m = form.n_cols, form.n_rows
        cols, rows = np.arange(n, dtype=np.int32), np.arange(m, dtype=np.int32)
        self.full.changeColsCost(n, cols, np.ascontiguousarray(task.cost))
        self.full.changeObjectiveOffset(float(task.offset))
        self.full.changeColsBounds(n, cols, task.col_lower, task.col_upper)
        self.full.changeRowsBounds(m, rows, task.row_lower, task.row_upper)
        self._handover += time.perf_counter() - start
        return self.full

    # -- helpers -------------------------------------------------------------------------------
    def _presolve(self, columns: int) -> str:
        """HiGHS's MIP presolve (probing, cliques on every assignment row) costs more than it
        saves on large models: off above PRESOLVE_OFF_ABOVE columns unless set."""
        if self.settings.presolve != "auto":
            return self.settings.presolve
        return "off" if columns > PRESOLVE_OFF_ABOVE[self.form.shape] else "on"

    def _candidate(self, task: Task, values: np.ndarray,
                   claim: bool = True) -> tuple[np.ndarray, np.ndarray | None, float] | None:
        """The layout a solution vector rounds to, completed and checked against every row;
        ``claim``: the vector is an integer solution whose value the solver vouches for."""
        polished = polish(self.form, task, values)
        if not satisfies(self.form, task, polished):
            return None
        return polished, values if claim else None, task.objective(polished)

    def _done(self, best: Candidate | None, bound: float) -> bool:
        return best is not None and within_gap(best[2], bound, self.settings.gap)

    def _outcome(self, plan: Plan, status: str, values: np.ndarray | None, raw: np.ndarray | None, objective: float,
                 bound: float, start: float, steps: list[str]) -> Outcome:
        gap = relative_gap(objective, bound) if values is not None else math.inf
        return Outcome(status, values, raw, objective, bound, gap, time.perf_counter() - start, self._handover,
                       "; ".join(steps), steps, plan=plan.name)


def polish(form: Formulation, task: Task, values: np.ndarray) -> np.ndarray:
    """Round a solution to its layout and set every auxiliary column to the value the layout
    implies (coverage, worst share, same-use pairs, ε slacks)."""
    v = form.complete(form.layout(values))
    for row, slack in form.epsilon.values():
        if np.isfinite(task.row_lower[row]):
            v[slack] = 0.0
            v[slack] = max(0.0, float((form.matrix[row] @ v)[0]) - task.row_lower[row])
    return v


def satisfies(form: Formulation, task: Task, v: np.ndarray) -> bool:
    """Whether ``v`` meets every row and column bound within :data:`FEASIBILITY`."""
    return len(violations(form, task, v)) == 0


def violations(form: Formulation, task: Task, v: np.ndarray) -> list[tuple[str, float]]:
    """Row groups that ``v`` breaks, with the largest violation of each."""
    activity = form.matrix @ v
    scale = FEASIBILITY * np.maximum(1.0, np.maximum(np.abs(np.where(np.isfinite(task.row_lower), task.row_lower, 0)),
                                                     np.abs(np.where(np.isfinite(task.row_upper), task.row_upper, 0))))
    excess = np.maximum(task.row_lower - activity, activity - task.row_upper)
    out = []
    for group in form.rows:
        worst = excess[group.start:group.stop] - scale[group.start:group.stop]
        if len(worst) and worst.max() > 0:
            out.append((group.name, float(excess[group.start:group.stop].max())))
    col_excess = np.maximum(task.col_lower - v, v - task.col_upper)
    if len(col_excess) and col_excess.max() > FEASIBILITY:
        out.append(("column bounds", float(col_excess.max())))
    return out
