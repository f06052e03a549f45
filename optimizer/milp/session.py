"""One formulation held by HiGHS across solves, solved by a declared plan of steps.

:func:`landalloc.optimizer.milp.plan.plan_for` chooses the plan from the model's shape; the
session runs its steps over a few primitives and holds what they reuse from solve to solve:

- the LP relaxation (:class:`~landalloc.optimizer.milp.bound.LinearRelaxation`) of the model,
  and for models with compactness of its half-edge relaxation
  (:mod:`landalloc.optimizer.milp.pairs`), which keeps them assignment-shaped. Its Lagrangian
  bound is a proven bound on the MILP, its duals the prices of the coupling rows;
- the restricted MIP (:mod:`landalloc.optimizer.milp.restricted`) over the parcels the LP's
  prices leave undecided, whose layout proves a gap at once;
- for compactness, the subgradient on the edge split (:class:`~landalloc.optimizer.milp.bound.EdgeSplit`),
  the graph-cut move (:mod:`landalloc.optimizer.milp.graphcut`) and the linearised and block
  moves (:mod:`landalloc.optimizer.milp.neighbourhood`);
- branch and bound — HiGHS on the full model (built once and kept; later solves change costs
  and bounds in place), started from the best layout (``setSolution``), presolve chosen by size.

Every layout a step finds is checked against every row of the full model
(:func:`landalloc.optimizer.milp.check.candidate`) before it is kept. Objectives and bounds are
in maximised units throughout (``g = f`` for max, ``-f`` for min).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from landalloc.optimizer.milp import highs as hi
from landalloc.optimizer.milp.bound import EdgeSplit, LinearRelaxation
from landalloc.optimizer.milp.check import Candidate, candidate
from landalloc.optimizer.milp.formulation import Formulation, Task
from landalloc.optimizer.milp.graphcut import graph_cut
from landalloc.optimizer.milp.master import Relaxation
from landalloc.optimizer.milp.neighbourhood import CompactnessMoves
from landalloc.optimizer.milp.pairs import PairRelaxation
from landalloc.optimizer.milp.plan import Plan, plan_for
from landalloc.optimizer.milp.restricted import presolve_for, restricted_mip
from landalloc.optimizer.milp.settings import Settings, proven_status, relative_gap, within_gap


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
        self.lp = LinearRelaxation(form, settings)
        """The full model's LP; its Highs object is the one branch and bound runs on."""
        self.pairs: PairRelaxation | None = None
        self.relaxed_lp: LinearRelaxation | None = None
        """The half-edge relaxation's LP (models with compactness, made when a plan asks)."""
        self.split: EdgeSplit | None = None
        self.moves: CompactnessMoves | None = None
        self._handover = 0.0
        self.earlier: list[np.ndarray] = []
        """Layouts of the latest solves, newest last: a lexicographic stage's optimum is
        feasible for the next stage, whose ε-row holds it to that value, and often the only
        layout its heuristics would not find in time."""

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
                 "graph_cut": self._graph_cut, "moves": self._moves, "branch_and_bound": self._branch_and_bound}
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
        for lp in (self.lp, self.relaxed_lp):
            if lp is not None:
                self._handover += lp.handover
                lp.handover = 0.0
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
        lp, lp_task = self._where(plan, task)
        if plan.relaxed:
            state.steps.append("compactness relaxed by half-edges")
        relaxation = lp.solve(lp_task, state.deadline)
        state.steps.append(f"lp[{relaxation.method}] {relaxation.seconds:.2f}s {relaxation.status}")
        if relaxation.status == "infeasible":
            state.infeasible = True
            return
        state.relaxation, state.bound = relaxation, min(state.bound, relaxation.bound)
        if relaxation.values is not None:
            state.offer(self._check(task, self._mapped(lp, relaxation.values)), "lp rounding feasible")
        for layout in self.earlier:
            state.offer(self._check(task, self.form.complete(layout)), "earlier layout feasible")

    def _restricted_mip(self, plan: Plan, task: Task, state: Progress, rest: tuple[str, ...]) -> None:
        """The repair MIP over the parcels the bound's prices leave undecided."""
        relaxation = state.relaxation
        if relaxation is None or relaxation.pricing is None:
            return
        lp, lp_task = self._where(plan, task)
        repaired, whole, handover = restricted_mip(lp.form, lp_task, relaxation, state.deadline, state.steps,
                                                   self.settings)
        self._handover += handover
        if lp is not self.lp:   # a layout of the relaxation: checked on the full model, no bound from it
            whole = None
            repaired = None if repaired is None else self._check(task, self._mapped(lp, repaired[0]))
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
        """A tighter Lagrangian bound; its relaxation's duals price the moves that follow."""
        relaxation = self.edge_split().subgradient(task, self._share(state.deadline), state.steps)
        if relaxation is not None:
            state.bound = min(state.bound, relaxation.bound)
            state.relaxation = relaxation

    def _graph_cut(self, plan: Plan, task: Task, state: Progress, rest: tuple[str, ...]) -> None:
        """Alpha-expansion from the best layout at the latest relaxation's prices, repaired
        exactly; its layout is kept only if it scores better and meets every row."""
        relaxation = state.relaxation
        if state.best is None or relaxation is None or relaxation.pricing is None:
            return
        duals = self._coupling_duals(plan, relaxation)
        until = self._share(state.deadline) if rest else state.deadline
        moved = graph_cut(self.form, task, duals, self.form.layout(state.best[0]), until, self.settings,
                          state.steps)
        if moved is not None:
            state.offer(self._check(task, self.form.complete(moved)))

    def _moves(self, plan: Plan, task: Task, state: Progress, rest: tuple[str, ...]) -> None:
        """Linearised then block moves from the best layout (none without one)."""
        if state.best is None:
            return
        moves = self.compactness_moves()
        until = self._share(state.deadline) if rest else state.deadline
        check = lambda v: self._check(task, v)   # noqa: E731
        best = moves.improve(task, state.best, until, state.steps, check)
        state.best = moves.blocks(task, best, until, state.steps, check)

    def _branch_and_bound(self, plan: Plan, task: Task, state: Progress, rest: tuple[str, ...]) -> None:
        # the baseline plan keeps HiGHS's own presolve default (on) unless one is set
        presolve = "on" if plan.steps == ("branch_and_bound",) and self.settings.presolve == "auto" \
            else presolve_for(self.settings, self.form, self.form.n_cols)
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
            state.offer(candidate(self.form, task, run.values))
        state.stopped = run.status

    def _contradicts(self, run: hi.Run, best: Candidate | None) -> bool:
        """Whether HiGHS's verdict is refuted: "infeasible" though ``best`` is a feasible layout,
        or "optimal" with a bound beyond the gap from the layout it returns (its presolved model
        held a point that is not a layout: HiGHS warns of "untransformed violations")."""
        if run.status == "infeasible":
            return best is not None
        return run.status == "optimal" and run.values is not None and not within_gap(
            run.objective, run.bound, self.settings.gap)

    # -- where the steps work ------------------------------------------------------------------
    def _where(self, plan: Plan, task: Task) -> tuple[LinearRelaxation, Task]:
        """The LP the bound and the repair work on: this model's, or its half-edge relaxation's."""
        if not plan.relaxed:
            return self.lp, task
        pairs = self.pair_relaxation()
        assert self.relaxed_lp is not None
        return self.relaxed_lp, pairs.task(task)

    def pair_relaxation(self) -> PairRelaxation:
        """The half-edge relaxation of compactness and its LP, made once."""
        if self.pairs is None:
            self.pairs = PairRelaxation(self.form)
            self.relaxed_lp = LinearRelaxation(self.pairs.relaxed, self.settings)
        return self.pairs

    def edge_split(self) -> EdgeSplit:
        if self.split is None:
            pairs = self.pair_relaxation()
            assert self.relaxed_lp is not None
            self.split = EdgeSplit(self.form, pairs, self.relaxed_lp)
        return self.split

    def compactness_moves(self) -> CompactnessMoves:
        if self.moves is None:
            self.moves = CompactnessMoves(self.edge_split(), self.settings)
        return self.moves

    def _coupling_duals(self, plan: Plan, relaxation: Relaxation) -> np.ndarray:
        """The relaxation's coupling-row prices as one per coupling row of this model (the
        half-edge model lacks the link rows, whose prices the Potts energy does not need)."""
        assert relaxation.pricing is not None
        n = self.form.n_assignment
        if not plan.relaxed:
            return relaxation.pricing.duals
        assert self.pairs is not None
        duals = np.zeros(self.form.n_rows - n)
        duals[self.pairs.rows[n:] - n] = relaxation.pricing.duals
        return duals

    def _mapped(self, lp: LinearRelaxation, values: np.ndarray) -> np.ndarray:
        """A solution of ``lp``'s model as a vector of this model (through its layout)."""
        return values if lp is self.lp else self.form.complete(lp.form.layout(values))

    def _share(self, deadline: float) -> float:
        """A deadline ``settings.step_share`` of the time left from now (no limit stays no limit)."""
        now = time.perf_counter()
        return deadline if not math.isfinite(deadline) else now + self.settings.step_share * max(0.0, deadline - now)

    def _remember(self, values: np.ndarray) -> None:
        keep, layout = self.settings.earlier_layouts, self.form.layout(values)
        older = [old for old in self.earlier if not np.array_equal(old, layout)]
        self.earlier = (older[max(0, len(older) - keep + 1):] + [layout])[-keep:] if keep else []

    # -- branch and bound on the full model ------------------------------------------------------
    def branch_and_bound(self, task: Task, start: Candidate | None, deadline: float, steps: list[str],
                         presolve: str) -> hi.Run:
        highs = self.lp.model(task)
        # feasibility jump looks for a first layout, untimed (65 s at 250,000 parcels): not needed
        # when one is handed over
        hi.set_options(highs, presolve=presolve, time_limit=max(1e-3, deadline - time.perf_counter()),
                       mip_rel_gap=float(self.settings.gap), mip_heuristic_run_feasibility_jump=start is None)
        run = hi.branch_and_bound(highs, None if start is None else start[0], task.objective, interruptible=True)
        steps.append(f"mip[presolve {presolve}] {run.seconds:.2f}s {run.status}")
        return run

    # -- helpers -------------------------------------------------------------------------------
    def _check(self, task: Task, values: np.ndarray) -> Candidate | None:
        """A layout from a relaxation or a move, checked on the full model (no solver vouches for it)."""
        return candidate(self.form, task, values, claim=False)

    def _done(self, best: Candidate | None, bound: float) -> bool:
        return best is not None and within_gap(best[2], bound, self.settings.gap)

    def _outcome(self, plan: Plan, status: str, values: np.ndarray | None, raw: np.ndarray | None, objective: float,
                 bound: float, start: float, steps: list[str]) -> Outcome:
        gap = relative_gap(objective, bound) if values is not None else math.inf
        return Outcome(status, values, raw, objective, bound, gap, time.perf_counter() - start, self._handover,
                       "; ".join(steps), steps, plan=plan.name)
