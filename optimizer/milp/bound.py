"""The bound primitives: a formulation's LP relaxation, and the subgradient on the edge split.

- :class:`LinearRelaxation` — the LP of one formulation with what it keeps between solves: the
  column generation master (:mod:`landalloc.optimizer.milp.master`) when few rows couple the
  parcels, else a Highs object holding the whole model (costs and bounds changed in place, the
  same object branch and bound runs on). Its answer carries prices of the coupling rows
  (:func:`landalloc.optimizer.milp.lagrange.price`) and a proven Lagrangian bound.
- :class:`EdgeSplit` — compactness pays ``c_e y_e`` with ``y_e <= x_a, y_e <= x_b``. For any
  ``0 <= mu_e <= c_e``, ``c_e y_e <= mu_e x_a + (c_e - mu_e) x_b``, so the half-edge model
  (:mod:`landalloc.optimizer.milp.pairs`) with those costs bounds the full one (Lagrangian
  relaxation of the link rows). ``mu = c / 2`` is the half-edge relaxation; projected
  subgradient steps on ``mu`` (direction ``x_a - x_b`` at the LP optimum) lower the bound
  towards the full LP's, and the last LP's row duals price the coupling rows for the moves.
"""

from __future__ import annotations

import math
import time

import highspy
import numpy as np

from landalloc.optimizer.milp import highs as hi
from landalloc.optimizer.milp.formulation import Formulation, Task
from landalloc.optimizer.milp.lagrange import price
from landalloc.optimizer.milp.master import ColumnGeneration, Relaxation
from landalloc.optimizer.milp.pairs import PairRelaxation
from landalloc.optimizer.milp.settings import Settings

SUBGRADIENT_STEP, SUBGRADIENT_DECAY, SUBGRADIENT_LAST = 0.5, 0.9, 1e-3
"""First step (a share of each edge's weight), its decay per iteration, the step it stops at."""


class LinearRelaxation:
    """The LP relaxation of ``form``, solved by the method ``settings.lp`` names (or, for
    ``"auto"``, the one its shape suits)."""

    def __init__(self, form: Formulation, settings: Settings) -> None:
        self.form, self.settings = form, settings
        self.master: ColumnGeneration | None = None
        self.highs: highspy.Highs | None = None
        self.handover = 0.0
        """Seconds spent handing models to HiGHS, summed until the caller resets it."""

    @property
    def method(self) -> str:
        """``columns`` while the coupling rows number at most ``settings.columns_coupling_share``
        of the free parcels of an assignment-shaped model, else HiGHS's ``simplex``."""
        if self.settings.lp != "auto":
            return self.settings.lp
        form = self.form
        coupling = form.n_rows - form.n_assignment
        few = coupling <= self.settings.columns_coupling_share * len(form.x_starts)
        return "columns" if form.shape == "assignment" and form.n_x and few else "simplex"

    def solve(self, task: Task, deadline: float) -> Relaxation:
        if self.method == "columns":
            if self.master is None:
                self.master = ColumnGeneration(self.form, self.settings)
                self.handover += self.master.handover_seconds
            return self.master.solve(task, deadline)
        return lp_with_highs(self.form, task, self.model(task), self.method, deadline)

    def model(self, task: Task) -> highspy.Highs:
        """The whole MILP in HiGHS: passed once, then only costs and bounds change."""
        form = self.form
        if self.highs is None:
            self.highs = hi.new_highs(self.settings)
            self.handover += hi.pass_model(self.highs, form.csc, task, form.integer)
            return self.highs
        start = time.perf_counter()
        n, m = form.n_cols, form.n_rows
        cols, rows = np.arange(n, dtype=np.int32), np.arange(m, dtype=np.int32)
        self.highs.changeColsCost(n, cols, np.ascontiguousarray(task.cost))
        self.highs.changeObjectiveOffset(float(task.offset))
        self.highs.changeColsBounds(n, cols, task.col_lower, task.col_upper)
        self.highs.changeRowsBounds(m, rows, task.row_lower, task.row_upper)
        self.handover += time.perf_counter() - start
        return self.highs


def lp_with_highs(form: Formulation, task: Task, highs: highspy.Highs, solver: str, deadline: float) -> Relaxation:
    """The LP relaxation of the full model by HiGHS (``solver`` = simplex or ipm), same Highs
    object as the branch and bound that may follow."""
    start = time.perf_counter()
    hi.set_options(highs, solve_relaxation=True, solver=solver, presolve="on",
                   time_limit=max(1e-3, deadline - time.perf_counter()))
    run = hi.run(highs, mip=False)
    hi.set_options(highs, solve_relaxation=False, solver="choose")
    seconds = time.perf_counter() - start
    if run.status == "infeasible":
        return Relaxation("infeasible", -math.inf, -math.inf, None, None, seconds, 0, solver)
    if run.status != "optimal" or run.duals is None:
        return Relaxation(run.status, -math.inf, math.inf, None, None, seconds, 0, solver)
    pricing = price(form, task, run.duals[form.n_assignment:])
    return Relaxation("optimal", run.objective, max(run.objective, pricing.bound), pricing, run.values, seconds, 0,
                      solver)


class EdgeSplit:
    """Compactness's edges split between their two parcels (see module docstring): the
    half-edge model priced by a split ``mu``, and the subgradient that tightens it."""

    def __init__(self, form: Formulation, pairs: PairRelaxation, relaxed: LinearRelaxation) -> None:
        self.form, self.pairs, self.relaxed = form, pairs, relaxed
        ends = []
        for name in ("compact_i", "compact_j"):
            g = form.group(name)
            ends.append((-form.matrix[g.start:g.stop, :form.n_x].minimum(0)).tocsr().indices)
        self.a, self.b = ends
        """x column of each y column's two parcels."""
        self.mu: np.ndarray | None = None
        """The last split, the next subgradient's start."""
        self.lp_seconds = 0.0
        """Wall time of the last relaxation: a step is begun only if one fits before the deadline."""

    def weights(self, task: Task) -> np.ndarray:
        return np.maximum(task.cost[self.form.blocks["y"]], 0.0)

    def task(self, task: Task, x_extra: np.ndarray) -> Task:
        """``task`` on the half-edge model with the edges' weight given as ``x_extra`` on the x columns."""
        relaxed = self.pairs.task(task)
        cost = task.cost[self.pairs.cols].copy()
        cost[:self.form.n_x] += x_extra
        return Task(cost, relaxed.offset, relaxed.row_lower, relaxed.row_upper, relaxed.col_lower,
                    relaxed.col_upper)

    def subgradient(self, task: Task, deadline: float, steps: list[str]) -> Relaxation | None:
        """The relaxation of the best Lagrangian bound found by subgradient steps on the split
        (None when not one LP was solved in time)."""
        start = time.perf_counter()
        weight = self.weights(task)
        mu = weight / 2 if self.mu is None or len(self.mu) != len(weight) else np.minimum(self.mu, weight)
        best: Relaxation | None = None
        step, count, last = SUBGRADIENT_STEP, 0, 0.0
        while time.perf_counter() + last < deadline:   # no step that would end past the deadline
            extra = np.zeros(self.form.n_x)
            np.add.at(extra, self.a, mu)
            np.add.at(extra, self.b, weight - mu)
            began = time.perf_counter()
            relaxation = self.relaxed.solve(self.task(task, extra), deadline)
            last = time.perf_counter() - began
            count += 1
            if relaxation.status != "optimal" or relaxation.values is None:
                break
            if best is None or relaxation.bound < best.bound:
                best = relaxation
            x = relaxation.values[:self.form.n_x]
            direction = x[self.a] - x[self.b]
            if not direction.any():
                break
            mu = np.clip(mu - step * weight * direction, 0.0, weight)
            step *= SUBGRADIENT_DECAY
            if step < SUBGRADIENT_LAST:
                break
        self.mu, self.lp_seconds = mu, last
        bound = math.inf if best is None else best.bound
        steps.append(f"subgradient[{count}] {time.perf_counter() - start:.2f}s bound {bound:.6g}")
        return best
