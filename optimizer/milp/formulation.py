"""The MILP of docs/model.md as arrays: one sparse matrix, bounds and objective vectors.

Built from the compiled :class:`~landalloc.models.Problem` only, with whole-array operations (index sets
from ``np.nonzero``, sums through sparse matrices), so that 250,000 parcels take a second or two.

Columns (every column belongs to one block):

- ``x`` — binary ``x_ik`` for each *free* parcel ``i`` (more than one allowed use) and each
  use ``k`` its allowed mask permits. Locked parcels are not modelled: their one use is a
  constant that moves into right-hand sides and objective constants.
- ``z`` — continuous ``0 <= z_d <= 1`` for each demand point whose coverage the layout decides;
  points already covered by locked service land, or out of reach of any free parcel that may
  become service land, are constants.
- ``t`` — continuous ``0 <= t <= 1``, the worst district's coverage (equity).
- ``w`` — binary, 1 when every inhabited district has a demand point within reach of service
  land (only when some district is not reached by locked service land).
- ``y`` — continuous ``0 <= y_ejk <= 1`` for each neighbour pair ``e = (i, j)`` of free parcels
  that may both take the compact use ``k``.
- ``s`` — continuous slack ``s_o >= 0`` of each ε-constrained objective ``o``.

Rows, in this order (``RowGroup`` names them for messages):

- ``assignment`` — ``sum_k x_ik = 1`` for each free parcel;
- ``quota[r]`` — ``L_r - A^locked_r <= sum_{i, k in r} a_i x_ik <= U_r - A^locked_r``;
- ``cropland_balance`` — ``sum balance_ik x_ik >= -sum^locked balance``;
- ``population[d]`` — ``sum_{i in d} a_i rho_k x_ik >= target_d - capacity^locked_d``;
- ``coverage`` — ``z_d - sum_{j in C_d} x_j,service <= 0``;
- ``equity[D]`` — ``t - sum_{d in D} (p_d / P_D) z_d <= (locked-covered residents of D) / P_D``
  for each district ``D`` with residents;
- ``equity_reached`` — ``t - w <= 0``; ``service_reach`` — ``sum_{j in R_D} x_j,service - w >= 0``
  for each inhabited district ``D`` no locked service parcel reaches (``R_D``: the free parcels
  within reach of its demand points);
- ``compact_i``, ``compact_j`` — ``y_ejk - x_ik <= 0`` and ``y_ejk - x_jk <= 0`` (and, when
  compactness is minimised, ``y_ejk - x_ik - x_jk >= -1``);
- ``epsilon[o]`` — ``g_o(v) - s_o = e_o``, the augmented ε-constraint of AUGMECON2, where
  ``g_o`` is the objective in its maximised sense; free (``-inf..inf``) until a point sets it.

Each objective ``f_o`` is ``c_o · v + const_o`` in natural units. A compactness edge between a
locked parcel and a free one needs no ``y``: its weight goes on the free parcel's ``x``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from landalloc.models import Problem

INF = np.inf


@dataclass(frozen=True)
class RowGroup:
    """A block of rows with one meaning: ``name`` (as :func:`landalloc.models.evaluate` names the rule),
    a planner's ``label``, its ``unit`` and which rows (``start:stop``)."""

    name: str
    label: str
    unit: str
    start: int
    stop: int
    relaxable: bool = False


@dataclass(frozen=True)
class Objective:
    """``f(v) = coef · v + constant`` in natural units; ``sign`` turns it into a maximisation."""

    name: str
    coef: np.ndarray
    constant: float
    sense: str

    @property
    def sign(self) -> float:
        return 1.0 if self.sense == "max" else -1.0


@dataclass(eq=False)
class Formulation:
    """The model as arrays, plus the maps between columns and parcels (see module docstring)."""

    problem: Problem
    matrix: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    blocks: dict[str, slice]
    rows: list[RowGroup]
    objectives: dict[str, Objective]
    fixed: np.ndarray
    """Use of each locked parcel, -1 for free parcels."""
    x_parcel: np.ndarray
    x_use: np.ndarray
    z_demand: np.ndarray
    """Positions in ``problem.demand`` of the z columns."""
    y_edge: np.ndarray
    y_use: np.ndarray
    epsilon: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Objective -> (row, slack column) of its ε-constraint."""
    elastic: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), np.int64))
    """(row, column, 0 = lifts to the lower bound / 1 = lowers to the upper bound) per elastic column."""
    _best_possible: dict[str, float] = field(default_factory=dict, repr=False)

    @property
    def n_cols(self) -> int:
        return self.matrix.shape[1]

    @property
    def n_rows(self) -> int:
        return self.matrix.shape[0]

    def __repr__(self) -> str:
        sizes = ", ".join(f"{b} {s.stop - s.start:,}" for b, s in self.blocks.items() if s.stop > s.start)
        return (f"Formulation({self.problem.name!r}: {self.n_cols:,} columns ({sizes}), "
                f"{self.n_rows:,} rows, {self.matrix.nnz:,} nonzeros)")

    def group(self, name: str) -> RowGroup:
        return next(g for g in self.rows if g.name == name)

    def layout(self, values: np.ndarray) -> np.ndarray:
        """The layout (N use indices) of a solution vector: locked uses plus each free parcel's
        largest ``x`` (exactly one is 1 in an integer solution)."""
        x = np.asarray(values)[self.blocks["x"]]
        layout = self.fixed.copy()
        free = self.fixed < 0
        if free.any():
            # x columns are sorted by parcel: the best column of each parcel via a segmented argmax
            order = np.lexsort((-x, self.x_parcel))
            first = np.r_[True, self.x_parcel[order][1:] != self.x_parcel[order][:-1]]
            best = order[first]
            layout[self.x_parcel[best]] = self.x_use[best]
        return layout

    def complete(self, layout: np.ndarray) -> np.ndarray:
        """The solution vector a layout implies, with every auxiliary column at its best value:
        ``z`` = coverage, ``t`` = worst district coverage, ``w`` = every district reached,
        ``y`` = both neighbours on the use, ``s`` left at 0 (set by the caller from its ε values)."""
        problem = self.problem
        v = np.zeros(self.n_cols)
        v[self.blocks["x"]] = layout[self.x_parcel] == self.x_use
        if self.blocks["z"].stop > self.blocks["z"].start or self.blocks["t"].stop > self.blocks["t"].start:
            service = (layout == problem.service).astype(np.float64)
            covered = (problem.catchment @ service) > 0
            v[self.blocks["z"]] = covered[self.z_demand]
            if self.blocks["t"].stop > self.blocks["t"].start:
                g = self.group("equity")
                rows = self.matrix[g.start:g.stop]
                t = self.blocks["t"].start
                others = rows @ v - rows[:, t].toarray().ravel() * v[t]
                v[t] = max(0.0, min(1.0, float(np.min(self.row_upper[g.start:g.stop] - others))))
        if self.blocks["w"].stop > self.blocks["w"].start:
            g = self.group("service_reach")
            reached = self.matrix[g.start:g.stop, :self.n_x] @ v[:self.n_x] >= 1.0 - 1e-9
            v[self.blocks["w"]] = float(reached.all())
        if len(self.y_edge):
            edges = problem.edges[self.y_edge]
            v[self.blocks["y"]] = (layout[edges[:, 0]] == self.y_use) & (layout[edges[:, 1]] == self.y_use)
        if len(self.elastic):
            rows, cols, side = self.elastic.T
            activity = self.matrix[rows] @ v
            v[cols] = np.where(side == 0, np.maximum(0.0, self.row_lower[rows] - activity),
                               np.maximum(0.0, activity - self.row_upper[rows]))
        return v

    def value(self, name: str, v: np.ndarray) -> float:
        """Natural value of objective ``name`` at solution vector ``v``."""
        objective = self.objectives[name]
        return float(objective.coef @ v + objective.constant)

    # -- views used by the solvers -------------------------------------------------------------
    @cached_property
    def csc(self) -> sp.csc_matrix:
        return self.matrix.tocsc()

    @property
    def n_x(self) -> int:
        return self.blocks["x"].stop

    @property
    def n_assignment(self) -> int:
        """Rows 0..n_assignment are the one-use-per-parcel rows; the others couple parcels."""
        return self.group("assignment").stop

    @cached_property
    def coupling(self) -> sp.csr_matrix:
        """Every row but the assignment rows (m × columns)."""
        return self.matrix[self.n_assignment:]

    @cached_property
    def coupling_t(self) -> sp.csr_matrix:
        return self.coupling.T.tocsr()

    @cached_property
    def x_starts(self) -> np.ndarray:
        """First x column of each free parcel (x columns are sorted by parcel)."""
        p = self.x_parcel
        return np.flatnonzero(np.r_[True, p[1:] != p[:-1]]) if len(p) else np.zeros(0, np.int64)

    @cached_property
    def x_slot(self) -> np.ndarray:
        """Free-parcel number (0..F-1) of each x column."""
        counts = np.diff(np.r_[self.x_starts, self.n_x])
        return np.repeat(np.arange(len(self.x_starts)), counts)

    @property
    def shape(self) -> str:
        """``"assignment"`` when, besides the assignment rows, only rows that tie few columns
        per parcel remain (quotas, balance, population, coverage, equity, ε-bounds): the LP
        then solves by column generation; ``"general"`` with compactness, whose two rows per
        neighbour pair and use would make the master as large as the model."""
        aux = self.blocks["y"].stop - self.blocks["y"].start
        return "assignment" if aux == 0 else "general"

    def task(self, weights: Mapping[str, float], epsilon: Mapping[str, float | None] | None = None,
             slack_weights: Mapping[str, float] | None = None) -> Task:
        """The arrays of one solve: maximise ``sum_o w_o g_o(v) + sum_o a_o s_o`` subject to
        ``g_o(v) - s_o = e_o`` for each ε-constrained objective (``g_o`` = objective in its
        maximised sense; a ``None`` ε leaves the row free and its slack at 0)."""
        cost = np.zeros(self.n_cols)
        offset = 0.0
        for name, w in weights.items():
            if w:
                objective = self.objectives[name]
                cost += (w * objective.sign) * objective.coef
                offset += w * objective.sign * objective.constant
        row_lower, row_upper = self.row_lower.copy(), self.row_upper.copy()
        col_lower, col_upper = self.col_lower.copy(), self.col_upper.copy()
        for name, (row, slack) in self.epsilon.items():
            value = (epsilon or {}).get(name)
            if value is None:
                row_lower[row], row_upper[row] = -INF, INF
                col_upper[slack] = 0.0
            else:
                objective = self.objectives[name]
                row_lower[row] = row_upper[row] = value - objective.sign * objective.constant
                cost[slack] += (slack_weights or {}).get(name, 0.0)
                # a finite cap keeps every Lagrangian bound finite: s = g - e <= max g - e
                col_upper[slack] = max(0.0, self.best_possible(name) - value)
        return Task(cost, offset, row_lower, row_upper, col_lower, col_upper, dict(weights),
                    {n: w for n, w in (slack_weights or {}).items() if (epsilon or {}).get(n) is not None})

    def best_possible(self, name: str) -> float:
        """An upper bound on ``g_name`` (the objective in its maximised sense) from the
        assignment rows and column bounds alone."""
        if name not in self._best_possible:
            objective = self.objectives[name]
            g = objective.sign * objective.coef
            x = np.maximum.reduceat(g[:self.n_x], self.x_starts).sum() if self.n_x else 0.0
            g_rest, upper = g[self.n_x:], self.col_upper[self.n_x:]
            top = np.where(g_rest != 0, g_rest * np.where(np.isfinite(upper), upper, 0.0), 0.0)
            top[(g_rest > 0) & ~np.isfinite(upper)] = INF
            rest = np.maximum(g_rest * self.col_lower[self.n_x:], top)
            self._best_possible[name] = float(x + rest.sum() + objective.sign * objective.constant)
        return self._best_possible[name]

    def restrict(self, task: Task, keep: np.ndarray, other: np.ndarray | None = None,
                 values: np.ndarray | None = None) -> Restriction | None:
        """The model with x columns outside ``keep`` fixed at 0 and parcels left with one kept
        column fixed on it; ``None`` when some parcel keeps no column or a fixed row breaks.

        ``other`` (bool over the columns after x; default all) says which other columns stay
        variable; the rest are fixed at ``values`` (a full solution vector).
        """
        keep = np.asarray(keep, bool)
        kept_per_parcel = np.add.reduceat(keep.astype(np.int64), self.x_starts) if self.n_x else np.zeros(0)
        if (kept_per_parcel == 0).any():
            return None
        v0 = np.zeros(self.n_cols)
        fixed_parcel = kept_per_parcel[self.x_slot] == 1
        v0[:self.n_x][keep & fixed_parcel] = 1.0
        variable = np.ones(self.n_cols, bool)
        variable[:self.n_x] = keep & ~fixed_parcel
        if other is not None:
            variable[self.n_x:] = other
            v0[self.n_x:] = np.where(other, 0.0, values[self.n_x:])
        cols = np.flatnonzero(variable)
        csc = self.csc
        shift = csc @ v0
        sub = csc[:, cols]
        lower, upper = task.row_lower - shift, task.row_upper - shift
        nonempty = np.diff(sub.tocsr().indptr) > 0
        bound = np.maximum(np.abs(np.where(np.isfinite(task.row_lower), task.row_lower, 0.0)),
                           np.abs(np.where(np.isfinite(task.row_upper), task.row_upper, 0.0)))
        scale = 1e-6 * np.maximum(1.0, bound)   # a fixed row may hold within the feasibility tolerance
        if ((~nonempty) & ((lower > scale) | (upper < -scale))).any():
            return None
        rows = np.flatnonzero(nonempty)
        sub_task = Task(task.cost[cols], task.offset + float(task.cost @ v0), lower[rows], upper[rows],
                        task.col_lower[cols], task.col_upper[cols])
        return Restriction(sub[rows].tocsc(), sub_task, self.integer[cols], cols, v0)


@dataclass(eq=False)
class Task:
    """One solve over a formulation: column costs (maximised), objective offset, bounds."""

    cost: np.ndarray
    offset: float
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    weights: dict[str, float] = field(default_factory=dict)
    """Weight of each objective (maximised units) in the cost and offset, as set by
    :meth:`Formulation.task`, so that a layout's value can be recomputed from its evaluated
    objectives (empty for a restriction's task)."""
    slack_weights: dict[str, float] = field(default_factory=dict)

    def objective(self, v: np.ndarray) -> float:
        return float(self.cost @ v + self.offset)


@dataclass(eq=False)
class Restriction:
    """A smaller model: ``cols`` of the formulation stay variable, the rest sit at ``v0``."""

    matrix: sp.csc_matrix
    task: Task
    integer: np.ndarray
    cols: np.ndarray
    v0: np.ndarray

    def lift(self, values: np.ndarray) -> np.ndarray:
        v = self.v0.copy()
        v[self.cols] = values
        return v


def __getattr__(name: str) -> object:
    """``formulate`` lives in :mod:`landalloc.optimizer.milp.build`; still importable from here."""
    if name in ("formulate", "objective_senses"):
        from landalloc.optimizer.milp import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
