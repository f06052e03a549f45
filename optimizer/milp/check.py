"""Solution vectors as layouts: rounded, completed and checked against every row of a task.

Every layout a step of the MILP engine finds, whatever the relaxation it came from, passes
through :func:`candidate` before it is kept, so the steps compare values of one model.
"""

from __future__ import annotations

import numpy as np

from landalloc.optimizer.milp.formulation import Formulation, Task

FEASIBILITY = 1e-6
"""Relative tolerance of a row's violation, as :data:`landalloc.models.evaluation.TOLERANCE`."""

Candidate = tuple[np.ndarray, "np.ndarray | None", float]
"""A checked layout: full solution vector, the solver's raw vector (if any), objective value."""


def candidate(form: Formulation, task: Task, values: np.ndarray, claim: bool = True) -> Candidate | None:
    """The layout a solution vector rounds to, completed and checked against every row;
    ``claim``: the vector is an integer solution whose value the solver vouches for."""
    polished = polish(form, task, values)
    if not satisfies(form, task, polished):
        return None
    return polished, values if claim else None, task.objective(polished)


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
