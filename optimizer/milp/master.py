"""The LP relaxation of assignment-shaped models by column generation over whole layouts.

When the model is the assignment rows plus a few coupling rows (quotas, cropland balance,
population per district, ε-bounds of linear objectives), its LP relaxation has hundreds of
thousands of columns but only tens of rows that tie parcels together. Dantzig-Wolfe
decomposition solves it exactly with a master LP of *those* rows only:

- free parcels are dealt into ``G`` groups (about ``sqrt(F)``); a master column is one group's
  layout, summarised by its objective value and its activity on each coupling row, with a
  convexity row per group (``sum of the group's weights = 1``);
- given the master's duals, every parcel picks its best use at the reduced costs
  (:func:`landalloc.optimizer.milp.lagrange.price`, one sparse product and a segmented maximum), each
  group whose new layout prices out positively gets a column, and HiGHS re-optimises the master
  from its previous basis (primal simplex);
- a first phase minimises the elastic violation of the coupling rows (proves infeasibility when
  it cannot reach 0); the second maximises the objective; it stops when no group prices out,
  and then the Lagrangian bound equals the master objective: the LP optimum, proven.

The master is kept between solves: a new ε-bound or objective only changes row bounds and
column costs (recomputed from the stored layouts), and the columns found so far warm-start it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from landalloc.models.errors import SolverError
from landalloc.optimizer.milp import highs as hi
from landalloc.optimizer.milp.formulation import Formulation, Task
from landalloc.optimizer.milp.lagrange import Pricing, price
from landalloc.optimizer.milp.settings import Settings

MAX_GROUPS = 1000
SMOOTHING = 0.5
"""Wentges smoothing: columns are priced halfway between the best-bound duals and the master's."""
KEEP_COLUMNS = 3
"""Columns kept per master row when old, priced-out layouts are dropped (at twice as many)."""
PHASE_ONE_TOLERANCE = 1e-7
"""Relative violation of a coupling row at the end of phase 1 that proves the LP infeasible."""
TOLERANCE = 1e-9
"""Relative tolerance of convergence: reduced costs and bound gaps below it count as zero."""
DUAL_TOLERANCE = 1e-7
"""HiGHS's dual feasibility tolerance (its default): smaller reduced costs do not pivot."""
MAX_ITERATIONS = 2000
"""A guard against cycling on round-off: the master and its Lagrangian bound stay valid when it
stops here, only the bound may be a little weaker than the LP optimum."""


@dataclass
class Relaxation:
    """An LP relaxation's answer (maximised units): value, proven bound, duals and solution."""

    status: str
    objective: float
    bound: float
    pricing: Pricing | None
    values: np.ndarray | None
    seconds: float
    iterations: int
    method: str


class ColumnGeneration:
    """A persistent Dantzig-Wolfe master over one formulation (see module docstring)."""

    def __init__(self, form: Formulation, settings: Settings) -> None:
        self.form, self.settings = form, settings
        free = len(form.x_starts)
        self.n_groups = max(1, min(MAX_GROUPS, int(math.sqrt(free)), free))
        self.group = np.arange(free) % self.n_groups          # group of each free parcel
        self.m = form.n_rows - form.n_assignment
        self.static = np.arange(form.n_x, form.n_cols)        # non-x columns go in as they are
        self.x_coupling = form.coupling[:, :form.n_x].tocsc()
        self.choices: list[np.ndarray] = []                   # each proposal: one x column per parcel
        self.feasible_before = False                          # a previous solve got past phase 1
        self.col_proposal = np.zeros(0, np.int64)
        self.col_group = np.zeros(0, np.int64)
        start = time.perf_counter()
        self.highs = hi.new_highs(settings, presolve="off", simplex_strategy=4, solver="simplex")
        m, g = self.m, self.n_groups
        elastic = sp.csc_matrix((np.r_[np.ones(m), -np.ones(m)], (np.r_[np.arange(m), np.arange(m)],
                                                                  np.arange(2 * m))), shape=(m + g, 2 * m))
        static = sp.vstack([form.coupling[:, self.static].tocsc(),
                            sp.csc_matrix((g, len(self.static)))]).tocsc()
        matrix = sp.hstack([elastic, static]).tocsc()
        self.n_fixed_cols = matrix.shape[1]
        empty = Task(np.zeros(matrix.shape[1]), 0.0, np.r_[np.full(m, -np.inf), np.ones(g)],
                     np.r_[np.full(m, np.inf), np.ones(g)], np.zeros(matrix.shape[1]),
                     np.r_[np.full(2 * m, np.inf), form.col_upper[self.static]])
        hi.pass_model(self.highs, matrix, empty, None)
        self.handover_seconds = time.perf_counter() - start

    # -- master columns ------------------------------------------------------------------------
    def _add(self, choice: np.ndarray, groups: np.ndarray, cost: np.ndarray) -> None:
        """Add the layout ``choice`` (x column per free parcel) as columns for ``groups``."""
        if len(groups) == 0:
            return
        m, g = self.m, self.n_groups
        csc = self.x_coupling
        counts = np.diff(csc.indptr)[choice]
        starts = np.repeat(csc.indptr[choice], counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        entry = starts + offsets
        rows = csc.indices[entry]
        owner = np.repeat(self.group, counts)
        activity = np.bincount(rows * g + owner, csc.data[entry], minlength=m * g).reshape(m, g)
        sub = activity[:, groups]
        block = sp.csc_matrix(np.vstack([sub, np.zeros((g, len(groups)))]))
        block = block + sp.csc_matrix((np.ones(len(groups)), (m + groups, np.arange(len(groups)))),
                                      shape=(m + g, len(groups)))
        block = block.tocsc()
        values = np.bincount(self.group, cost[choice], minlength=g)[groups]
        self.highs.addCols(len(groups), values, np.zeros(len(groups)), np.full(len(groups), np.inf),
                           block.nnz, block.indptr[:-1].astype(np.int32), block.indices.astype(np.int32),
                           block.data)
        self.choices.append(choice.astype(np.int32))
        self.col_proposal = np.r_[self.col_proposal, np.full(len(groups), len(self.choices) - 1)]
        self.col_group = np.r_[self.col_group, groups]

    def _set_costs(self, cost: np.ndarray, phase: int) -> None:
        """Phase 1: only the elastic columns cost (-1); phase 2: the task's costs."""
        m = self.m
        n = self.highs.getNumCol()
        values = np.zeros(n)
        if phase == 1:
            values[:2 * m] = -1.0
        else:
            values[2 * m:self.n_fixed_cols] = cost[self.static]
            per_proposal = [np.bincount(self.group, cost[c], minlength=self.n_groups) for c in self.choices]
            if per_proposal:
                table = np.vstack(per_proposal)
                values[self.n_fixed_cols:] = table[self.col_proposal, self.col_group]
        self.highs.changeColsCost(n, np.arange(n, dtype=np.int32), values)
        upper = np.full(2 * m, np.inf if phase == 1 else 0.0)
        self.highs.changeColsBounds(2 * m, np.arange(2 * m, dtype=np.int32), np.zeros(2 * m), upper)

    # -- solve -------------------------------------------------------------------------------
    def solve(self, task: Task, deadline: float) -> Relaxation:
        start = time.perf_counter()
        form, m, g = self.form, self.m, self.n_groups
        a = form.n_assignment
        self.highs.changeRowsBounds(m, np.arange(m, dtype=np.int32), task.row_lower[a:], task.row_upper[a:])
        k = len(self.static)
        index = np.arange(2 * m, 2 * m + k, dtype=np.int32)
        self.highs.changeColsBounds(k, index, task.col_lower[self.static], task.col_upper[self.static])
        if not self.choices:
            zero = price(form, task, np.zeros(m))
            self._add(zero.choice, np.arange(g), task.cost)
            self._add(self._current_choice(), np.arange(g), task.cost)
        # HiGHS's tolerances are absolute: costs below 1 (normalised objectives) are scaled up
        largest = float(np.abs(task.cost).max(initial=0.0))
        sigma = 1.0 / largest if 0.0 < largest < 1.0 else 1.0
        scaled = task.cost * sigma
        zero = Task(np.zeros(form.n_cols), 0.0, task.row_lower, task.row_upper, task.col_lower, task.col_upper)
        iterations, proven_feasible = 0, False
        phase = 2 if self.feasible_before else 1
        self._set_costs(scaled, phase)
        best: Pricing | None = None
        status, value = "optimal", -math.inf
        while True:
            run = self._run(phase)
            iterations += 1
            if run.status == "infeasible" and phase == 2:
                if proven_feasible:   # phase 1 reached 0 but phase 2 disagrees: numerically infeasible
                    status = "infeasible"
                    break
                phase = 1
                self._set_costs(scaled, phase)
                continue
            if run.status != "optimal" or run.duals is None:
                status = run.status if run.status != "optimal" else "time_limit"
                break
            unit = sigma if phase == 2 else 1.0
            duals = run.duals / unit
            phase_task = task if phase == 2 else zero
            value = run.objective / unit + (task.offset if phase == 2 else 0.0)
            pricing = price(form, phase_task, duals[:m])
            scale = max(1.0, abs(value))
            if phase == 2 and (best is None or pricing.bound < best.bound):
                best = pricing
            threshold = max(TOLERANCE * scale, 10 * DUAL_TOLERANCE / unit)
            group_value = np.bincount(self.group, pricing.best, minlength=g) - duals[m:]
            improving = np.flatnonzero(group_value > threshold)
            converged = len(improving) == 0 or (phase == 2 and best.bound - value <= TOLERANCE * scale)
            if phase == 1 and converged:
                if self._violated(run.values, task):
                    status = "infeasible"
                    break
                proven_feasible = self.feasible_before = True
                phase = 2
                self._set_costs(scaled, phase)
                continue
            if converged or iterations >= MAX_ITERATIONS:
                break
            self._drop_columns(run)
            if time.perf_counter() > deadline:
                status = "time_limit"
                break
            choice, groups = pricing.choice, improving
            if phase == 2 and best is not pricing and SMOOTHING > 0:
                # Wentges smoothing: price between the best-bound duals and the master's, keep
                # the columns that still improve the master (else fall back to the master's)
                smooth = price(form, phase_task, SMOOTHING * best.duals + (1 - SMOOTHING) * duals[:m])
                if smooth.bound < best.bound:
                    best = smooth
                gain = np.bincount(self.group, pricing.reduced[smooth.choice], minlength=g) - duals[m:]
                better = np.flatnonzero(gain > threshold)
                if len(better):
                    choice, groups = smooth.choice, better
            self._add(choice, groups, scaled if phase == 2 else zero.cost)
        seconds = time.perf_counter() - start
        if status == "infeasible":
            return Relaxation("infeasible", -math.inf, -math.inf, None, None, seconds, iterations, "columns")
        if best is None:
            return Relaxation(status, -math.inf, math.inf, None, None, seconds, iterations, "columns")
        values = self._solution(run.values) if status == "optimal" else None
        objective = value if status == "optimal" else -math.inf
        return Relaxation(status, objective, max(best.bound, objective), best, values, seconds, iterations,
                          "columns")

    def _run(self, phase: int) -> hi.Run:
        """Re-optimise the master; on a numerical stall, once more from scratch. HiGHS may
        report an infeasible phase-2 master as 'unknown': phase 1 then decides."""
        try:
            return hi.run(self.highs, mip=False)
        except SolverError:
            self.highs.clearSolver()
            try:
                return hi.run(self.highs, mip=False)
            except SolverError:
                if phase == 1:
                    raise
                return hi.Run("infeasible", None, None, None, -math.inf, -math.inf, 0.0, 0)

    def _violated(self, master: np.ndarray, task: Task) -> bool:
        """Whether phase 1 ended with some coupling row still violated (beyond round-off)."""
        m, a = self.m, self.form.n_assignment
        violation = master[:m] + master[m:2 * m]
        bound = np.maximum(np.abs(np.where(np.isfinite(task.row_lower[a:]), task.row_lower[a:], 0.0)),
                           np.abs(np.where(np.isfinite(task.row_upper[a:]), task.row_upper[a:], 0.0)))
        return bool((violation > PHASE_ONE_TOLERANCE * np.maximum(1.0, bound)).any())

    def _drop_columns(self, run: hi.Run) -> None:
        """Keep the master small: once proposal columns exceed ``2 * KEEP_COLUMNS`` per row,
        delete the nonbasic ones that price out worst (the basis stays valid)."""
        rows = self.m + self.n_groups
        count = len(self.col_proposal)
        if count <= 2 * KEEP_COLUMNS * rows or run.reduced is None or run.values is None:
            return
        reduced = run.reduced[self.n_fixed_cols:]
        at_zero = run.values[self.n_fixed_cols:] <= 1e-12
        candidates = np.flatnonzero(at_zero & (reduced < -1e-9))
        excess = count - KEEP_COLUMNS * rows
        if excess <= 0 or len(candidates) == 0:
            return
        drop = candidates[np.argsort(reduced[candidates])[:excess]]
        self.highs.deleteCols(len(drop), np.sort(drop + self.n_fixed_cols).astype(np.int32))
        keep = np.ones(count, bool)
        keep[drop] = False
        self.col_proposal, self.col_group = self.col_proposal[keep], self.col_group[keep]

    def _current_choice(self) -> np.ndarray:
        """Each free parcel's x column for today's use, or its first allowed use."""
        form = self.form
        hit = np.flatnonzero(form.problem.current[form.x_parcel] == form.x_use)
        choice = form.x_starts.copy()
        choice[form.x_slot[hit]] = hit
        return choice

    def _solution(self, master: np.ndarray) -> np.ndarray:
        """The LP solution over the formulation's columns: weighted layouts plus static values."""
        form = self.form
        v = np.zeros(form.n_cols)
        v[self.static] = master[2 * self.m:self.n_fixed_cols]
        weights = master[self.n_fixed_cols:]
        positive = np.flatnonzero(weights > 1e-12)
        for p in np.unique(self.col_proposal[positive]):
            mine = positive[self.col_proposal[positive] == p]
            per_group = np.zeros(self.n_groups)
            per_group[self.col_group[mine]] = weights[mine]
            np.add.at(v, self.choices[p], per_group[self.group])
        return v
