"""The MILP engine's own model, solved by OR-Tools CP-SAT: the constraint-programming baseline.

CP-SAT solves integer programs only, so the model is made integral:

- columns: every column is binary in these models; the continuous shared-edge columns ``y``
  (bounds 0..1, each capped by its two parcels' ``x``) become integers too, which keeps the
  model's optimum because at integral ``x`` the best ``y`` is ``min(x_i, x_j)``, itself 0 or 1;
- rows: a row whose coefficients are all integers (every row of a grid county) is kept as it
  is, with its bounds rounded inwards (exact for integral coefficients); any other row is
  scaled so that its largest coefficient is ``ROW_SCALE`` and rounded, which moves its
  feasible set slightly (that is why CP-SAT's layout is re-evaluated by ``evaluate``);
- objective: scaled by ``S = OBJECTIVE_SCALE / max |cost|`` and rounded. CP-SAT's bound,
  divided by ``S``, is off by at most ``0.5 · (columns with a cost) / S``; that error is added
  to the bound reported, so it stays a bound of the original objective over the (unchanged,
  for integral rows) feasible set.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from landalloc.optimizer.milp.formulation import Formulation, Task

ROW_SCALE = 1e6
OBJECTIVE_SCALE = 1e6


@dataclass
class CpsatRun:
    """What CP-SAT returned, in the task's (maximised) units."""

    status: str
    values: np.ndarray | None
    bound: float
    setup_seconds: float
    solve_seconds: float
    rows_scaled: int


def integral_rows(form: Formulation, task: Task) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray,
                                                          np.ndarray, int]:
    """Each row's columns and integer coefficients, its integer bounds, and how many rows had
    to be scaled and rounded."""
    matrix = form.matrix.tocsr()
    cols, coefs = [], []
    lower = np.empty(matrix.shape[0])
    upper = np.empty(matrix.shape[0])
    scaled = 0
    for r in range(matrix.shape[0]):
        a = matrix.data[matrix.indptr[r]:matrix.indptr[r + 1]]
        scale = 1.0
        if not np.array_equal(a, np.round(a)):
            scale = ROW_SCALE / np.abs(a).max()
            scaled += 1
        cols.append(matrix.indices[matrix.indptr[r]:matrix.indptr[r + 1]])
        coefs.append(np.round(a * scale).astype(np.int64))
        lower[r] = math.ceil(task.row_lower[r] * scale - 1e-9) if np.isfinite(task.row_lower[r]) else -np.inf
        upper[r] = math.floor(task.row_upper[r] * scale + 1e-9) if np.isfinite(task.row_upper[r]) else np.inf
    return cols, coefs, lower, upper, scaled


def solve_cpsat(form: Formulation, task: Task, time_limit: float) -> CpsatRun:
    """Build the integral model (setup) and let CP-SAT search for ``time_limit`` seconds with
    one worker per CPU; a setup that uses up the limit is reported as such, not solved."""
    started = time.perf_counter()
    lower, upper = task.col_lower, task.col_upper
    if not (np.array_equal(lower, np.round(lower)) and np.array_equal(upper, np.round(upper))):
        raise ValueError("CP-SAT needs integral column bounds; this model has fractional ones")
    model = cp_model.CpModel()
    columns = [model.new_int_var(int(lo), int(up), "") for lo, up in zip(lower, upper, strict=True)]
    cols, coefs, row_lower, row_upper, scaled = integral_rows(form, task)
    for index, coef, lo, up in zip(cols, coefs, row_lower, row_upper, strict=True):
        expr = cp_model.LinearExpr.weighted_sum([columns[j] for j in index], coef.tolist())
        if np.isfinite(lo) and np.isfinite(up):
            model.add_linear_constraint(expr, int(lo), int(up))
        elif np.isfinite(up):
            model.add(expr <= int(up))
        elif np.isfinite(lo):
            model.add(expr >= int(lo))
    priced = np.flatnonzero(task.cost)
    scale = OBJECTIVE_SCALE / np.abs(task.cost[priced]).max()
    model.maximize(cp_model.LinearExpr.weighted_sum([columns[j] for j in priced],
                                                    np.round(task.cost[priced] * scale).astype(np.int64).tolist()))
    setup = time.perf_counter() - started
    if setup >= time_limit:
        return CpsatRun(f"setup {setup:.0f} s > limit", None, math.inf, setup, 0.0, scaled)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = os.cpu_count() or 1
    solve_started = time.perf_counter()
    status = solver.solve(model)
    solve_seconds = time.perf_counter() - solve_started
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    values = np.asarray(solver.response_proto.solution, float) if found else None
    rounding = 0.5 * len(priced) / scale
    bound = solver.best_objective_bound / scale + task.offset + rounding
    return CpsatRun(solver.status_name(status).lower(), values, bound, setup, solve_seconds, scaled)
