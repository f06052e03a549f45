"""The MILP of docs/model.md as arrays: one sparse matrix, bounds and objective vectors.

Built from the compiled :class:`~models.Problem` only, with whole-array operations (index sets
from ``np.nonzero``, sums through sparse matrices), so that 250,000 parcels take a second or two.

Columns (every column belongs to one block):

- ``x`` — binary ``x_ik`` for each *free* parcel ``i`` (more than one allowed use) and each
  use ``k`` its allowed mask permits. Locked parcels are not modelled: their one use is a
  constant that moves into right-hand sides and objective constants.
- ``z`` — continuous ``0 <= z_d <= 1`` for each demand point whose coverage the layout decides;
  points already covered by locked service land, or out of reach of any free parcel that may
  become service land, are constants.
- ``t`` — continuous ``0 <= t <= 1``, the worst district's coverage (equity).
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
- ``compact_i``, ``compact_j`` — ``y_ejk - x_ik <= 0`` and ``y_ejk - x_jk <= 0`` (and, when
  compactness is minimised, ``y_ejk - x_ik - x_jk >= -1``);
- ``epsilon[o]`` — ``g_o(v) - s_o = e_o``, the augmented ε-constraint of AUGMECON2, where
  ``g_o`` is the objective in its maximised sense; free (``-inf..inf``) until a point sets it.

Each objective ``f_o`` is ``c_o · v + const_o`` in natural units. A compactness edge between a
locked parcel and a free one needs no ``y``: its weight goes on the free parcel's ``x``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from models import Problem
from models.errors import InputError
from models.scenario import NATURAL_SENSE, OBJECTIVES

INF = np.inf


@dataclass(frozen=True)
class RowGroup:
    """A block of rows with one meaning: ``name`` (as :func:`models.evaluate` names the rule),
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
        ``z`` = coverage, ``t`` = worst district coverage, ``y`` = both neighbours on the use,
        ``s`` left at 0 (set by the caller from its ε values)."""
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
        return Task(cost, offset, row_lower, row_upper, col_lower, col_upper)

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

    def restrict(self, task: Task, keep: np.ndarray) -> Restriction | None:
        """The model with x columns outside ``keep`` fixed at 0 and parcels left with one kept
        column fixed on it; ``None`` when some parcel keeps no column or a fixed row breaks."""
        keep = np.asarray(keep, bool)
        kept_per_parcel = np.add.reduceat(keep.astype(np.int64), self.x_starts) if self.n_x else np.zeros(0)
        if (kept_per_parcel == 0).any():
            return None
        v0 = np.zeros(self.n_cols)
        fixed_parcel = kept_per_parcel[self.x_slot] == 1
        v0[:self.n_x][keep & fixed_parcel] = 1.0
        variable = np.ones(self.n_cols, bool)
        variable[:self.n_x] = keep & ~fixed_parcel
        cols = np.flatnonzero(variable)
        csc = self.csc
        shift = csc @ v0
        sub = csc[:, cols]
        lower, upper = task.row_lower - shift, task.row_upper - shift
        nonempty = np.diff(sub.tocsr().indptr) > 0
        scale = 1e-9 * np.maximum(1.0, np.abs(np.where(np.isfinite(lower), lower, 0.0)))
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


def objective_senses(problem: Problem, names: Sequence[str]) -> dict[str, str]:
    """Sense of each objective: the scenario's when it names it, else the natural one."""
    unknown = [n for n in names if n not in OBJECTIVES]
    if unknown or not names:
        raise InputError(f"objectives {list(names)}: name one or more of {', '.join(OBJECTIVES)}")
    senses = {n: problem.senses[problem.objectives.index(n)] if n in problem.objectives else NATURAL_SENSE[n]
              for n in names}
    if senses.get("equity") == "min":
        raise InputError("objectives: the MILP maximises equity (max-min coverage) only; minimising the "
                         "worst district's coverage is not a linear program - set equity = \"max\"")
    return senses


def formulate(problem: Problem, objectives: Sequence[str] | Mapping[str, str],
              constrained: Sequence[str] = (), elastic: bool = False) -> Formulation:
    """Build the MILP for ``objectives`` (names, or name -> sense).

    Parameters
    ----------
    problem : the compiled problem.
    objectives : objectives whose columns and vectors the model needs (auxiliary ``z, t`` only
        with equity, ``y`` only with compactness); senses default to the scenario's.
    constrained : objectives that get an ε-constraint row and slack column (AUGMECON2).
    elastic : add a penalised elastic column to each quota, balance and population row and the
        objective ``violation`` (min): the sum of violations relative to each row's bound, used
        to explain infeasible scenarios.

    Returns
    -------
    Formulation
    """
    senses = dict(objectives) if isinstance(objectives, Mapping) else objective_senses(problem, objectives)
    missing = [o for o in constrained if o not in senses]
    if missing:
        raise InputError(f"constrained objectives {missing} are not among the objectives {list(senses)}")
    if elastic:
        senses = {**senses, "violation": "min"}
    return _Builder(problem, senses, list(constrained), elastic).build()


STEP_DIVISORS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 25, 40, 50, 100)
"""Candidate ``k`` for a row's common step ``min|a| / k`` (grids: equal areas times densities)."""


def round_integral_rows(matrix: sp.csr_matrix, lower: np.ndarray, upper: np.ndarray,
                        integer: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Round the bounds of rows of integer columns to the rows' common step.

    When every coefficient of a row over integer columns is a multiple of one step ``d`` (a
    grid's equal cell areas, times a density), the row's activity is a multiple of ``d`` too,
    so ``L <= a·x <= U`` may become ``d ceil(L/d) <= a·x <= d floor(U/d)`` without losing an
    integer solution. The LP relaxation gets tighter, which is what lets the LP bound prove
    optimality on raster-like instances.
    """
    lower, upper = lower.copy(), upper.copy()
    n = matrix.shape[0]
    if n == 0 or matrix.nnz == 0:
        return lower, upper
    counts = np.diff(matrix.indptr)
    row_of = np.repeat(np.arange(n), counts)
    data = np.abs(matrix.data)
    mixed = np.bincount(row_of, ~integer[matrix.indices], minlength=n) > 0
    smallest = np.full(n, np.inf)
    np.minimum.at(smallest, row_of, data)
    step = np.zeros(n)
    todo = (counts > 0) & ~mixed
    for k in STEP_DIVISORS:
        if not todo.any():
            break
        ratio = data * k / smallest[row_of]
        off = np.abs(ratio - np.round(ratio)) > 1e-9 * np.maximum(1.0, ratio)
        found = todo & (np.bincount(row_of, off, minlength=n) == 0)
        step[found] = smallest[found] / k
        todo &= ~found
    rows = np.flatnonzero(step > 0)
    d = step[rows]
    finite = np.isfinite(lower[rows])
    lower[rows[finite]] = np.ceil(lower[rows[finite]] / d[finite] - 1e-9) * d[finite]
    finite = np.isfinite(upper[rows])
    upper[rows[finite]] = np.floor(upper[rows[finite]] / d[finite] + 1e-9) * d[finite]
    return lower, upper


class _Builder:
    """Collects column blocks and row blocks as COO triplets, then assembles one CSR matrix."""

    def __init__(self, problem: Problem, senses: dict[str, str], constrained: list[str], elastic: bool) -> None:
        self.problem, self.senses, self.constrained, self.elastic = problem, senses, constrained, elastic
        allowed = problem.allowed
        self.n, self.k = allowed.shape
        self.locked = allowed.sum(axis=1) == 1
        self.fixed = np.where(self.locked, allowed.argmax(axis=1), -1)
        self.x_parcel, self.x_use = np.nonzero(allowed & ~self.locked[:, None])
        self.col_of = np.full((self.n, self.k), -1, np.int64)
        self.col_of[self.x_parcel, self.x_use] = np.arange(len(self.x_parcel))
        self.locked_idx = np.flatnonzero(self.locked)
        self.n_cols = len(self.x_parcel)
        self.blocks: dict[str, slice] = {"x": slice(0, self.n_cols)}
        self.lower: list[np.ndarray] = [np.zeros(self.n_cols)]
        self.upper: list[np.ndarray] = [np.ones(self.n_cols)]
        self.integer: list[np.ndarray] = [np.ones(self.n_cols, bool)]
        self.entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.row_lower: list[np.ndarray] = []
        self.row_upper: list[np.ndarray] = []
        self.groups: list[RowGroup] = []
        self.n_rows = 0
        self.objective_terms: dict[str, tuple[list[np.ndarray], list[np.ndarray], float]] = {}

    # -- helpers -----------------------------------------------------------------------------
    def add_columns(self, name: str, count: int, lower: float, upper: float, integer: bool = False) -> int:
        start = self.n_cols
        self.blocks[name] = slice(start, start + count)
        self.lower.append(np.full(count, lower))
        self.upper.append(np.full(count, upper))
        self.integer.append(np.full(count, integer))
        self.n_cols += count
        return start

    def add_rows(self, name: str, label: str, unit: str, rows: np.ndarray, cols: np.ndarray,
                 values: np.ndarray, lower: np.ndarray, upper: np.ndarray, relaxable: bool = False) -> int:
        start = self.n_rows
        count = len(lower)
        self.entries.append((rows + start, cols, values))
        self.row_lower.append(np.asarray(lower, float))
        self.row_upper.append(np.asarray(upper, float))
        self.groups.append(RowGroup(name, label, unit, start, start + count, relaxable))
        self.n_rows += count
        return start

    def linear(self, coef: np.ndarray) -> tuple[np.ndarray, float]:
        """Coefficients on x columns and the locked parcels' constant of an N×K linear term."""
        return coef[self.x_parcel, self.x_use], float(coef[self.locked_idx, self.fixed[self.locked_idx]].sum())

    def objective(self, name: str, cols: np.ndarray, values: np.ndarray, constant: float = 0.0) -> None:
        cols_list, values_list, const = self.objective_terms.setdefault(name, ([], [], 0.0))
        cols_list.append(np.asarray(cols, np.int64))
        values_list.append(np.asarray(values, float))
        self.objective_terms[name] = (cols_list, values_list, const + constant)

    # -- model pieces --------------------------------------------------------------------------
    def build(self) -> Formulation:
        problem = self.problem
        self.assignment()
        self.quotas()
        self.balance()
        self.population()
        x_cols = np.arange(len(self.x_parcel))
        for name in ("efficiency", "ecology", "change"):
            if name in self.senses:
                values, constant = self.linear(getattr(problem, name))
                self.objective(name, x_cols, values, constant)
        z_demand = self.equity() if "equity" in self.senses else np.zeros(0, np.int64)
        y_edge, y_use = self.compactness() if "compactness" in self.senses else (np.zeros(0, np.int64),) * 2
        elastic = self.elastic_columns() if self.elastic else np.zeros((0, 3), np.int64)
        objectives = self.finish_objectives()
        epsilon = self.epsilon_rows(objectives)
        for block in ("z", "t", "y", "e", "s"):
            self.blocks.setdefault(block, slice(self.n_cols, self.n_cols))
        objectives = {name: Objective(name, np.r_[o.coef, np.zeros(self.n_cols - len(o.coef))], o.constant,
                                      o.sense) for name, o in objectives.items()}
        rows = np.concatenate([e[0] for e in self.entries]) if self.entries else np.zeros(0, np.int64)
        cols = np.concatenate([e[1] for e in self.entries]) if self.entries else np.zeros(0, np.int64)
        vals = np.concatenate([e[2] for e in self.entries]) if self.entries else np.zeros(0)
        keep = vals != 0
        matrix = sp.csr_matrix((vals[keep], (rows[keep], cols[keep])), shape=(self.n_rows, self.n_cols))
        matrix.sum_duplicates()
        integer = np.concatenate(self.integer)
        row_lower, row_upper = round_integral_rows(
            matrix, np.concatenate(self.row_lower) if self.row_lower else np.zeros(0),
            np.concatenate(self.row_upper) if self.row_upper else np.zeros(0), integer)
        return Formulation(
            problem=problem, matrix=matrix, row_lower=row_lower, row_upper=row_upper,
            col_lower=np.concatenate(self.lower), col_upper=np.concatenate(self.upper),
            integer=integer, blocks=self.blocks, rows=self.groups,
            objectives=objectives, fixed=self.fixed, x_parcel=self.x_parcel, x_use=self.x_use,
            z_demand=z_demand, y_edge=y_edge, y_use=y_use, epsilon=epsilon, elastic=elastic)

    def assignment(self) -> None:
        """One use per free parcel: ``sum_k x_ik = 1``."""
        free = np.flatnonzero(~self.locked)
        row_of = np.full(self.n, -1)
        row_of[free] = np.arange(len(free))
        ones = np.ones(len(free))
        self.add_rows("assignment", "one land use per parcel", "parcels", row_of[self.x_parcel],
                      np.arange(len(self.x_parcel)), np.ones(len(self.x_parcel)), ones, ones)

    def quotas(self) -> None:
        """Area quotas, net of the locked parcels' area in each quota (rule 5)."""
        problem = self.problem
        count = len(problem.quota_names)
        if count == 0:
            return
        locked_area = (problem.quota_members[:, self.fixed[self.locked_idx]]
                       @ problem.area[self.locked_idx]) if len(self.locked_idx) else np.zeros(count)
        r, e = np.nonzero(problem.quota_members[:, self.x_use])
        self.add_rows("quota", "area quota", "ha", r, e, problem.area[self.x_parcel[e]],
                      problem.quota_min - locked_area, problem.quota_max - locked_area, relaxable=True)

    def balance(self) -> None:
        """Cropland balance: new cropland minus cropland lost to construction >= 0 (rule 6)."""
        if self.problem.balance is None:
            return
        values, constant = self.linear(self.problem.balance)
        self.add_rows("cropland_balance", "cropland balance", "ha", np.zeros(len(values), np.int64),
                      np.arange(len(values)), values, np.array([-constant]), np.array([INF]), relaxable=True)

    def population(self) -> None:
        """Housing capacity of each district with a target (rule 7)."""
        problem = self.problem
        targeted = np.flatnonzero(np.isfinite(problem.district_target))
        if len(targeted) == 0:
            return
        row_of = np.full(len(problem.districts), -1)
        row_of[targeted] = np.arange(len(targeted))
        locked_capacity = np.bincount(problem.district[self.locked_idx],
                                      problem.capacity[self.locked_idx, self.fixed[self.locked_idx]],
                                      minlength=len(problem.districts))
        rows = row_of[problem.district[self.x_parcel]]
        values = problem.capacity[self.x_parcel, self.x_use]
        keep = (rows >= 0) & (values != 0)
        self.add_rows("population", "population capacity", "persons", rows[keep], np.flatnonzero(keep),
                      values[keep], problem.district_target[targeted] - locked_capacity[targeted],
                      np.full(len(targeted), INF), relaxable=True)

    def equity(self) -> np.ndarray:
        """Coverage ``z`` of undecided demand points and the max-min share ``t``."""
        problem = self.problem
        if problem.service < 0 or len(problem.demand) == 0:
            self.objective("equity", np.zeros(0), np.zeros(0), 0.0)
            return np.zeros(0, np.int64)
        service = problem.service
        catchment = problem.catchment.astype(np.float64)
        locked_service = (self.fixed == service).astype(np.float64)
        free_service = self.col_of[:, service] >= 0
        covered = (catchment @ locked_service) > 0
        reachable = (catchment @ free_service.astype(np.float64)) > 0
        z_demand = np.flatnonzero(~covered & reachable)
        z0 = self.add_columns("z", len(z_demand), 0.0, 1.0)
        sub = catchment[z_demand][:, np.flatnonzero(free_service)].tocoo()
        x_cols = self.col_of[np.flatnonzero(free_service), service]
        rows = np.concatenate([np.arange(len(z_demand)), sub.row])
        cols = np.concatenate([z0 + np.arange(len(z_demand)), x_cols[sub.col]])
        vals = np.concatenate([np.ones(len(z_demand)), -np.ones(sub.nnz)])
        self.add_rows("coverage", "service coverage", "share", rows, cols, vals,
                      np.full(len(z_demand), -INF), np.zeros(len(z_demand)))

        pop = problem.residents[problem.demand]
        district = problem.district[problem.demand]
        total = np.bincount(district, pop, minlength=len(problem.districts))
        inhabited = np.flatnonzero(total > 0)
        row_of = np.full(len(problem.districts), -1)
        row_of[inhabited] = np.arange(len(inhabited))
        t = self.add_columns("t", 1, 0.0, 1.0)
        share = pop / total[district]
        fixed_share = np.bincount(district, share * covered, minlength=len(problem.districts))
        rows = np.concatenate([np.arange(len(inhabited)), row_of[district[z_demand]]])
        cols = np.concatenate([np.full(len(inhabited), t), z0 + np.arange(len(z_demand))])
        vals = np.concatenate([np.ones(len(inhabited)), -share[z_demand]])
        self.add_rows("equity", "worst district's coverage", "share", rows, cols, vals,
                      np.full(len(inhabited), -INF), fixed_share[inhabited])
        self.objective("equity", np.array([t]), np.ones(1), 0.0)
        return z_demand

    def compactness(self) -> tuple[np.ndarray, np.ndarray]:
        """Shared boundary between same-use neighbours over the compact uses."""
        problem = self.problem
        edges, weight = problem.edges, problem.edge_length
        if len(edges) == 0 or not problem.compact_uses.any():
            self.objective("compactness", np.zeros(0), np.zeros(0), 0.0)
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        a, b = edges[:, 0], edges[:, 1]
        allowed = self.problem.allowed
        both = allowed[a] & allowed[b] & problem.compact_uses[None, :]          # E×K
        free_a, free_b = ~self.locked[a][:, None], ~self.locked[b][:, None]
        constant = float(weight @ (both & ~free_a & ~free_b).sum(axis=1))
        ea, ka = np.nonzero(both & ~free_a & free_b)      # a locked on k: weight on x_bk
        eb, kb = np.nonzero(both & free_a & ~free_b)      # b locked on k: weight on x_ak
        self.objective("compactness", np.concatenate([self.col_of[b[ea], ka], self.col_of[a[eb], kb]]),
                       np.concatenate([weight[ea], weight[eb]]), constant)
        y_edge, y_use = np.nonzero(both & free_a & free_b)
        m = len(y_edge)
        y0 = self.add_columns("y", m, 0.0, 1.0)
        y_cols = y0 + np.arange(m)
        self.objective("compactness", y_cols, weight[y_edge])
        for side, parcel in (("i", a), ("j", b)):
            self.add_rows(f"compact_{side}", "compactness link", "", np.r_[np.arange(m), np.arange(m)],
                          np.r_[y_cols, self.col_of[parcel[y_edge], y_use]], np.r_[np.ones(m), -np.ones(m)],
                          np.full(m, -INF), np.zeros(m))
        if self.senses["compactness"] == "min":
            rows = np.arange(m)
            self.add_rows("compact_both", "compactness link", "", np.r_[rows, rows, rows],
                          np.r_[y_cols, self.col_of[a[y_edge], y_use], self.col_of[b[y_edge], y_use]],
                          np.r_[np.ones(m), -np.ones(m), -np.ones(m)], np.full(m, -1.0), np.full(m, INF))
        return y_edge, y_use

    def elastic_columns(self) -> np.ndarray:
        """One column per bound of each relaxable row: ``+e`` lifts a row to its lower bound,
        ``-e`` brings it down to its upper bound; each costs its violation over the bound."""
        problem = self.problem
        lower, upper = np.concatenate(self.row_lower), np.concatenate(self.row_upper)
        out = []
        for group in self.groups:
            if not group.relaxable:
                continue
            rows = np.arange(group.start, group.stop)
            real_lower = np.isfinite(lower[rows])
            if group.name == "quota":
                real_lower &= problem.quota_min > 0
            for side, mask, sign in (("lower", real_lower, 1.0), ("upper", np.isfinite(upper[rows]), -1.0)):
                for row in rows[mask]:
                    out.append((row, sign, 0 if side == "lower" else 1))
        if not out:
            self.objective("violation", np.zeros(0), np.zeros(0))
            return np.zeros((0, 3), np.int64)
        table = np.array(out)
        rows, signs = table[:, 0].astype(np.int64), table[:, 1]
        e0 = self.add_columns("e", len(rows), 0.0, INF)
        cols = e0 + np.arange(len(rows))
        self.entries.append((rows, cols, signs))
        bound = np.where(signs > 0, lower[rows], upper[rows])
        scale = np.maximum(1.0, np.abs(self._original_bound(rows, signs, bound)))
        self.objective("violation", cols, 1.0 / scale)
        return np.column_stack([rows, cols, table[:, 2].astype(np.int64)])

    def _original_bound(self, rows: np.ndarray, signs: np.ndarray, bound: np.ndarray) -> np.ndarray:
        """The rule's own bound (before locked parcels were netted out) for relative penalties."""
        problem, out = self.problem, bound.copy()
        for group in self.groups:
            inside = (rows >= group.start) & (rows < group.stop)
            r = rows[inside] - group.start
            if group.name == "quota":
                out[inside] = np.where(signs[inside] > 0, problem.quota_min[r], problem.quota_max[r])
            elif group.name == "population":
                out[inside] = problem.district_target[np.isfinite(problem.district_target)][r]
        return out

    def finish_objectives(self) -> dict[str, Objective]:
        out = {}
        for name, sense in self.senses.items():
            cols, values, constant = self.objective_terms.get(name, ([], [], 0.0))
            coef = np.bincount(np.concatenate(cols) if cols else np.zeros(0, np.int64),
                               np.concatenate(values) if values else np.zeros(0), minlength=self.n_cols)
            out[name] = Objective(name, coef.astype(float), constant, sense)
        return out

    def epsilon_rows(self, objectives: dict[str, Objective]) -> dict[str, tuple[int, int]]:
        """``g_o(v) - s_o = e_o`` rows (free until a grid point sets them) and slack columns."""
        if not self.constrained:
            return {}
        s0 = self.add_columns("s", len(self.constrained), 0.0, INF)
        out = {}
        for m, name in enumerate(self.constrained):
            objective = objectives[name]
            cols = np.flatnonzero(objective.coef)
            row = self.add_rows(f"epsilon[{name}]", f"{name} bound", "", np.zeros(len(cols) + 1, np.int64),
                                np.r_[cols, s0 + m], np.r_[objective.sign * objective.coef[cols], -1.0],
                                np.array([-INF]), np.array([INF]))
            out[name] = (row, s0 + m)
        return out
