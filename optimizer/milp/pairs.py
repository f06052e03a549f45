"""A relaxation of compactness that keeps the model assignment-shaped, hence fast.

Compactness pays ``w_e`` for a neighbour pair ``e = (i, j)`` on the same compact use ``k``
through ``y_ejk <= x_ik, y_ejk <= x_jk``. Since ``min(x_ik, x_jk) <= (x_ik + x_jk) / 2``, giving
each parcel half of every shared edge it would pay (the Lagrangian relaxation of both link rows
with multipliers ``w_e / 2``) over-estimates compactness for *every* layout. The relaxed model
has no ``y`` columns and no link rows, so column generation solves its LP in seconds where the
full model's LP takes minutes: its bound is a proven bound on the full model, and its layouts
are feasible starts for the full model (unless compactness itself is ε-bounded).

Where ``y`` enters another row or the objective with a negative coefficient (compactness
minimised, or bounded from above), it is dropped instead (``y >= 0``), which relaxes that side too.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from landalloc.optimizer.milp.formulation import Formulation, Objective, RowGroup, Task

LINKS = ("compact_i", "compact_j", "compact_both")


def split_matrix(form: Formulation) -> sp.csr_matrix:
    """``P`` (y columns × x columns): half of each y onto each of its two parcels' x column,
    read off the link rows ``y - x_ik <= 0`` and ``y - x_jk <= 0`` (one row per y, in order)."""
    halves = []
    for name in ("compact_i", "compact_j"):
        g = form.group(name)
        links = form.matrix[g.start:g.stop, :form.n_x]
        halves.append(-links.minimum(0))
    return (0.5 * (halves[0] + halves[1])).tocsr()


class PairRelaxation:
    """The relaxed formulation of a model with compactness, and how tasks map onto it."""

    def __init__(self, form: Formulation) -> None:
        self.form = form
        y = form.blocks["y"]
        self.cols = np.r_[np.arange(y.start), np.arange(y.stop, form.n_cols)]
        links = [g for g in form.rows if g.name in LINKS]
        drop = np.zeros(form.n_rows, bool)
        for g in links:
            drop[g.start:g.stop] = True
        self.rows = np.flatnonzero(~drop)
        self.split = split_matrix(form)
        matrix = form.matrix[self.rows]
        on_y = matrix[:, y.start:y.stop]
        kept = matrix[:, self.cols]
        extra = (on_y.maximum(0) @ self.split).tocsr()               # positive y: half to each parcel
        padded = sp.hstack([extra, sp.csr_matrix((len(self.rows), len(self.cols) - form.n_x))]).tocsr()
        new_index = np.full(form.n_rows, -1)
        new_index[self.rows] = np.arange(len(self.rows))
        groups, start = [], 0
        for g in form.rows:
            if g.name in LINKS:
                continue
            groups.append(RowGroup(g.name, g.label, g.unit, start, start + g.stop - g.start, g.relaxable))
            start += g.stop - g.start
        col_index = np.full(form.n_cols, -1)
        col_index[self.cols] = np.arange(len(self.cols))
        blocks = {}
        for name, s in form.blocks.items():
            if name == "y":
                blocks[name] = slice(y.start, y.start)
            else:
                shift = (y.stop - y.start) if s.start >= y.stop else 0
                blocks[name] = slice(s.start - shift, s.stop - shift)
        objectives = {name: Objective(name, self.cost(o.coef), o.constant, o.sense)
                      for name, o in form.objectives.items()}
        self.relaxed = replace(
            form, matrix=(kept + padded).tocsr(), row_lower=form.row_lower[self.rows],
            row_upper=form.row_upper[self.rows], col_lower=form.col_lower[self.cols],
            col_upper=form.col_upper[self.cols], integer=form.integer[self.cols], blocks=blocks, rows=groups,
            objectives=objectives, y_edge=form.y_edge[:0], y_use=form.y_use[:0],
            epsilon={n: (int(new_index[r]), int(col_index[c])) for n, (r, c) in form.epsilon.items()},
            elastic=form.elastic[:0], _best_possible={})

    def cost(self, cost: np.ndarray) -> np.ndarray:
        """Column costs on the relaxed model: positive y costs split onto the parcels' x."""
        y = self.form.blocks["y"]
        out = cost[self.cols].astype(float)
        out[:self.form.n_x] += self.split.T @ np.maximum(cost[y], 0.0)
        return out

    def task(self, task: Task) -> Task:
        return Task(self.cost(task.cost), task.offset, task.row_lower[self.rows], task.row_upper[self.rows],
                    task.col_lower[self.cols], task.col_upper[self.cols])
