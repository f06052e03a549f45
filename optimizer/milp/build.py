"""Building the MILP from the compiled problem: column blocks and row blocks as arrays.

Every block is a few whole-array statements: index sets from ``np.nonzero(allowed)``, sums by
``np.bincount`` and sparse products, never a loop over parcels. See
:mod:`landalloc.optimizer.milp.formulation` for the model's columns, rows and objectives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from landalloc.models import Problem
from landalloc.models.errors import InputError
from landalloc.models.evaluation import district_residents, gap_weights
from landalloc.models.scenario import NATURAL_SENSE, OBJECTIVES
from landalloc.optimizer.milp.formulation import INF, Formulation, Objective, RowGroup


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


RULE_GROUPS = {"quota": ("quota", "area quota"), "district_quota": ("district_quota", "district area quota"),
               "fairness": ("fairness", "fair share of a quota"),
               "balance": ("cropland_balance", "cropland balance"),
               "capacity": ("population", "population capacity"),
               "linkage": ("construction_linkage", "construction linkage")}
"""Row group name and label of each kind of rule row (``RowGroup.name`` is read by the diagnosis)."""
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
        self.rule_of_row: dict[int, int] = {}
        """Model row -> the row of ``problem.rules`` it reads."""

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
        self.rules()
        x_cols = np.arange(len(self.x_parcel))
        for name in ("efficiency", "ecology", "change"):
            if name in self.senses:
                values, constant = self.linear(getattr(problem, name))
                self.objective(name, x_cols, values, constant)
        z_demand = np.zeros(0, np.int64)
        if "equity" in self.senses or "urban_rural_gap" in self.senses:
            z_demand, covered = self.coverage()
            if "equity" in self.senses:
                self.equity(z_demand, covered)
            if "urban_rural_gap" in self.senses:
                self.urban_rural_gap(z_demand, covered)
        y_edge, y_use = self.compactness() if "compactness" in self.senses else (np.zeros(0, np.int64),) * 2
        elastic = self.elastic_columns() if self.elastic else np.zeros((0, 3), np.int64)
        objectives = self.finish_objectives()
        epsilon = self.epsilon_rows(objectives)
        for block in ("z", "t", "w", "y", "e", "s"):
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

    def rules(self) -> None:
        """Rules 5-7 (quotas, cropland balance, housing capacity): the rows of ``problem.rules``
        restricted to the x columns, the locked parcels' contributions moved into the bounds; one
        row group per kind (the names the diagnosis and the sessions know them by)."""
        rules, k = self.problem.rules, self.k
        if len(rules) == 0:
            return
        columns = rules.matrix.tocsc()
        on_x = columns[:, self.x_parcel * k + self.x_use].tocoo()
        locked = np.asarray(columns[:, self.locked_idx * k + self.fixed[self.locked_idx]].sum(axis=1)).ravel()
        kinds = np.array(rules.kinds)
        for kind in dict.fromkeys(rules.kinds):
            own = np.flatnonzero(kinds == kind)
            row_of = np.full(len(rules), -1)
            row_of[own] = np.arange(len(own))
            keep = row_of[on_x.row] >= 0
            name, label = RULE_GROUPS[kind]
            start = self.add_rows(name, label, rules.units[own[0]], row_of[on_x.row[keep]], on_x.col[keep],
                                  on_x.data[keep], rules.lower[own] - locked[own], rules.upper[own] - locked[own],
                                  relaxable=True)
            self.rule_of_row.update(zip(range(start, start + len(own)), own.tolist()))

    def coverage(self) -> tuple[np.ndarray, np.ndarray]:
        """Coverage ``z`` (at most 1 where some free parcel in reach is service land) of the demand
        points neither covered by locked service land nor out of reach of any: those points, and
        which demand points the locked parcels cover."""
        problem = self.problem
        if problem.service < 0 or len(problem.demand) == 0:
            self.add_columns("z", 0, 0.0, 1.0)
            return np.zeros(0, np.int64), np.zeros(len(problem.demand), bool)
        catchment = problem.catchment.astype(np.float64)
        free_service = self.col_of[:, problem.service] >= 0
        covered = (catchment @ (self.fixed == problem.service).astype(np.float64)) > 0
        reachable = (catchment @ free_service.astype(np.float64)) > 0
        z_demand = np.flatnonzero(~covered & reachable)
        z0 = self.add_columns("z", len(z_demand), 0.0, 1.0)
        sub, x_cols = self._reach_of(z_demand)
        rows = np.concatenate([np.arange(len(z_demand)), sub.row])
        cols = np.concatenate([z0 + np.arange(len(z_demand)), x_cols[sub.col]])
        vals = np.concatenate([np.ones(len(z_demand)), -np.ones(sub.nnz)])
        self.add_rows("coverage", "service coverage", "share", rows, cols, vals,
                      np.full(len(z_demand), -INF), np.zeros(len(z_demand)))
        return z_demand, covered

    def _reach_of(self, demand: np.ndarray) -> tuple[sp.coo_matrix, np.ndarray]:
        """The free parcels in reach of the given demand points (COO over them) and their service x columns."""
        problem = self.problem
        free = np.flatnonzero(self.col_of[:, problem.service] >= 0)
        return problem.catchment[demand][:, free].tocoo(), self.col_of[free, problem.service]

    def equity(self, z_demand: np.ndarray, covered: np.ndarray) -> None:
        """The max-min share ``t`` over the districts' coverage."""
        problem = self.problem
        if problem.service < 0 or len(problem.demand) == 0:
            self.objective("equity", np.zeros(0), np.zeros(0), 0.0)
            return
        z0 = self.blocks["z"].start
        catchment = problem.catchment.astype(np.float64)
        free_service = self.col_of[:, problem.service] >= 0
        x_cols = self.col_of[np.flatnonzero(free_service), problem.service]
        pop = problem.residents[problem.demand]
        district = problem.district[problem.demand]
        total = district_residents(problem)
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
        locked_reach = np.bincount(district, covered, minlength=len(problem.districts)) > 0
        self.reach(catchment[:, np.flatnonzero(free_service)], district, inhabited[~locked_reach[inhabited]],
                   x_cols, t)

    def urban_rural_gap(self, z_demand: np.ndarray, covered: np.ndarray) -> None:
        """The gap ``sum_urban p_d z_d / P_urban - sum_rural p_d z_d / P_rural``, with ``z_d`` held
        to the coverage from below (``z_d >= x_j,service`` for each free j in reach) on the side
        the objective would push down: urban points when the gap is minimised, rural ones when
        maximised. From above, ``coverage`` rows already hold every ``z``."""
        problem = self.problem
        weight = gap_weights(problem) if problem.service >= 0 else None
        if weight is None:
            self.objective("urban_rural_gap", np.zeros(0), np.zeros(0), 0.0)
            return
        coef = problem.residents[problem.demand] * weight[problem.district[problem.demand]]
        z0 = self.blocks["z"].start
        self.objective("urban_rural_gap", z0 + np.arange(len(z_demand)), coef[z_demand], float(coef[covered].sum()))
        pushed_down = coef[z_demand] > 0 if self.senses["urban_rural_gap"] == "min" else coef[z_demand] < 0
        held = np.flatnonzero(pushed_down)
        sub, x_cols = self._reach_of(z_demand[held])
        each = np.arange(sub.nnz)
        self.add_rows("coverage_from_below", "service coverage (from below)", "share", np.r_[each, each],
                      np.r_[z0 + held[sub.row], x_cols[sub.col]], np.r_[np.ones(sub.nnz), -np.ones(sub.nnz)],
                      np.zeros(sub.nnz), np.full(sub.nnz, INF))

    def reach(self, catchment: sp.csr_matrix, district: np.ndarray, unreached: np.ndarray,
              x_cols: np.ndarray, t: int) -> None:
        """Equity is 0 unless every inhabited district has a demand point in reach of service
        land: ``t <= w``, ``sum_{j in R_D} x_j,service >= w`` for each district ``D`` that no
        locked service parcel reaches, ``R_D`` the free parcels within reach of ``D``'s demand
        points, ``w`` binary.

        Valid for every layout, and no tighter in the LP; but with little land left for
        service the LP spreads fractions of it over every district, and only branching on
        ``w`` shows that ``t > 0`` needs a cover of all districts (Ordos: the max-min optimum 0
        proven in 5 s instead of not within 120 s).
        """
        if len(unreached) == 0:
            return
        w = self.add_columns("w", 1, 0.0, 1.0, integer=True)
        self.add_rows("equity_reached", "worst district's coverage only when every district is reached",
                      "share", np.zeros(2, np.int64), np.array([t, w]), np.array([1.0, -1.0]),
                      np.array([-INF]), np.zeros(1))
        members = sp.csr_matrix((np.ones(len(district)), (district, np.arange(len(district)))),
                                shape=(len(self.problem.districts), len(district)))
        within = ((members[unreached] @ catchment) > 0).tocoo()
        count = len(unreached)
        self.add_rows("service_reach", "districts reached by public service", "parcels",
                      np.r_[within.row, np.arange(count)], np.r_[x_cols[within.col], np.full(count, w)],
                      np.r_[np.ones(within.nnz), -np.ones(count)], np.zeros(count), np.full(count, INF))

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
        lower, upper = np.concatenate(self.row_lower), np.concatenate(self.row_upper)
        out = []
        for group in self.groups:
            if not group.relaxable:
                continue
            rows = np.arange(group.start, group.stop)
            real_lower = np.isfinite(lower[rows])
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
        rules = self.problem.rules
        out = bound.copy()
        for j, row in enumerate(rows.tolist()):
            if row in self.rule_of_row:
                r = self.rule_of_row[row]
                out[j] = rules.lower[r] if signs[j] > 0 else rules.upper[r]
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
