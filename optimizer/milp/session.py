"""One formulation held by HiGHS across solves: LP first, then only as much MIP as needed.

Every solve of a :class:`~landalloc.optimizer.milp.formulation.Task` (objective weights and ε-bounds)
runs the same three steps, each of which may already prove the answer:

1. **LP relaxation** — by column generation (:mod:`landalloc.optimizer.milp.master`) when few rows
   couple the parcels, else by HiGHS's simplex on the full model. Models with
   compactness first get its half-edge relaxation (:mod:`landalloc.optimizer.milp.pairs`), which keeps
   them assignment-shaped; ``lp="simplex"`` or ``"ipm"`` has HiGHS solve the full model's LP
   instead. The Lagrangian bound is a proven bound on the MILP. When the LP's rounding is
   feasible and within the gap, the solve is done.
2. **Repair** — a MIP over the parcels whose best uses nearly tie at the LP's prices (the
   others keep their best use), solved by HiGHS in a fraction of the time of the full MIP. Its
   layout is feasible for the full model, so ``(bound - layout value) / |layout value|`` is a
   proven gap at once.
   Large models with compactness (beyond ``NEIGHBOURHOOD_ABOVE`` columns) then tighten the
   bound by subgradient steps and improve the layout by linearised and block moves
   (:mod:`landalloc.optimizer.milp.neighbourhood`), on the assignment-shaped relaxation.
3. **Branch and bound** — only if that gap is still above the target (and, after the search,
   if the time left covers HiGHS's root, which it cannot interrupt): HiGHS on the full model
   (built once and kept; later solves change costs and bounds in place), started from the
   repaired layout (``setSolution``), with presolve chosen by size.

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
NEIGHBOURHOOD_ABOVE = 50_000
"""Columns above which a model with compactness gets its bound and layout from
:mod:`landalloc.optimizer.milp.neighbourhood` before branch and bound: there HiGHS's root LP alone
outlasts any practical time limit."""
BOUND_SHARE = 0.5
"""Share of the time left spent on the subgradient bound; linearised and block moves take the
rest, less the estimated root of a branch and bound that follows."""
ROOT_SECONDS_PER_NONZERO = 1.1e-3
"""Estimated seconds per matrix nonzero before HiGHS's branch and bound can leave its root node
on a model with compactness beyond ``NEIGHBOURHOOD_ABOVE`` columns. HiGHS 1.16 checks its clock
only between root steps, and its analytic-centre IPM runs untimed: at 40,000 parcels (933,138
nonzeros, 2 cores) the root LP alone took 590 s, and branch and bound given 840 s stopped after
983 s, given 700 s after 962 s. So it starts only when the time left covers this estimate."""
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

    # -- the three steps -----------------------------------------------------------------------
    def solve(self, task: Task, time_limit: float | None = None, branch: bool = True) -> Outcome:
        """Solve a task within ``time_limit`` (default: the settings'); ``branch=False`` stops
        before branch and bound (a quick layout and bound, as heuristics want)."""
        start = time.perf_counter()
        self._handover = 0.0
        limit = time_limit if time_limit is not None else self.settings.time_limit
        deadline = start + (limit if limit is not None else math.inf)
        steps: list[str] = []
        stopped = "optimal"   # "time_limit" once a step ran out of time or was skipped for lack of it

        inner, inner_task = self, task
        if self.form.shape == "general" and self.settings.lp in ("auto", "columns"):
            inner, inner_task = self.pair_session(), self.pairs.task(task)
            steps.append("compactness relaxed by half-edges")
        relaxation = inner.relaxation(inner_task, deadline)
        steps.append(f"lp[{relaxation.method}] {relaxation.seconds:.2f}s {relaxation.status}")
        if relaxation.status == "infeasible":
            return self._outcome("infeasible", None, None, -math.inf, -math.inf, start, steps)
        bound = relaxation.bound
        best: tuple[np.ndarray, np.ndarray | None, float] | None = None
        if relaxation.values is not None:
            best = self._candidate(task, self._mapped(inner, relaxation.values), claim=False)
            if best is not None:
                steps.append("lp rounding feasible")
        for layout in self.earlier:
            candidate = self._candidate(task, self.form.complete(layout), claim=False)
            if candidate is not None and (best is None or candidate[2] > best[2]):
                best = candidate
                steps.append("earlier layout feasible")
        if not self._done(best, bound) and relaxation.pricing is not None and time.perf_counter() < deadline:
            repaired, whole = inner.repair(inner_task, relaxation, deadline, steps)
            if inner is not self:
                self._handover += inner._handover
                whole = None
                repaired = None if repaired is None else self._candidate(task, self._mapped(inner, repaired[0]),
                                                                         claim=False)
            if whole is not None:   # the repair freed every parcel: it was the full MIP
                if whole.status == "infeasible":
                    return self._outcome("infeasible", None, None, -math.inf, -math.inf, start, steps)
                bound = min(bound, whole.bound) if whole.status == "optimal" else bound
            if repaired is not None and (best is None or repaired[2] > best[2]):
                best = repaired
            if whole is not None and whole.status == "optimal" and best is not None:
                bound = max(min(bound, whole.bound), best[2])
        searched = inner is not self and self.form.n_cols > NEIGHBOURHOOD_ABOVE
        root = ROOT_SECONDS_PER_NONZERO * self.form.csc.nnz if searched else 0.0
        branch = branch and time.perf_counter() + root <= deadline
        if searched and not self._done(best, bound) and time.perf_counter() < deadline:
            search = self.compactness_search()
            until = deadline - root if branch else deadline   # the search's share
            bound = min(bound, search.bound(task, min(until, self._share(deadline, BOUND_SHARE)), steps))
            if best is not None:
                check = lambda v: self._candidate(task, v, claim=False)   # noqa: E731
                best = search.improve(task, best[0], until, steps, check) or best
                best = search.blocks(task, best, until, steps, check, self.settings)
            if not branch:
                steps.append(f"branch and bound skipped: its root needs about {root:.0f}s")
        if not self._done(best, bound):
            if branch and time.perf_counter() < deadline:
                run = self.branch_and_bound(task, best, deadline, steps)
                if run.status == "infeasible":
                    return self._outcome("infeasible", None, None, -math.inf, -math.inf, start, steps)
                bound = min(bound, run.bound)
                if run.values is not None:
                    candidate = self._candidate(task, run.values)
                    if candidate is not None and (best is None or candidate[2] > best[2]):
                        best = candidate
                stopped = run.status
            else:
                stopped = "time_limit"
        if best is None:
            return self._outcome("time_limit", None, None, -math.inf, bound, start, steps)
        values, raw, objective = best
        self._remember(values)
        bound = max(bound, objective)
        return self._outcome(proven_status(stopped, objective, bound, self.settings.gap), values, raw, objective,
                             bound, start, steps)

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
                         deadline: float, steps: list[str]) -> hi.Run:
        highs = self.full_model(task)
        presolve = self._presolve(self.form.n_cols)
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

    def _done(self, best: tuple[np.ndarray, np.ndarray, float] | None, bound: float) -> bool:
        return best is not None and within_gap(best[2], bound, self.settings.gap)

    def _outcome(self, status: str, values: np.ndarray | None, raw: np.ndarray | None, objective: float,
                 bound: float, start: float, steps: list[str]) -> Outcome:
        gap = relative_gap(objective, bound) if values is not None else math.inf
        return Outcome(status, values, raw, objective, bound, gap, time.perf_counter() - start, self._handover,
                       "; ".join(steps), steps)


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
