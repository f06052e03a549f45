"""Score any batch of layouts, from any source, the same way: the model's one source of truth.

A layout is one land-use index per parcel; a batch is an int array P×N. :func:`evaluate`
returns every objective of docs/model.md and the signed slack of every constraint; tests, the
NSGA-II fitness, the MILP's result check and ``landalloc check`` all call it.

Speed: every area-proportional term (ecology, change, area by use and so every quota, the
cropland balance, housing capacity) is ``area × a coefficient of (district, today's use, new
use)``, so one weighted ``bincount`` per layout into those few hundred classes, times a small
matrix, gives them all (:class:`AreaClasses`; a term that does not factor that way, such as a
quality-weighted balance, falls back to a gather). Efficiency (suitability varies by parcel) is
one gather; allowed uses are checked with a bit mask. Rows are processed in cache-sized chunks
on a thread pool (numpy releases the GIL in these kernels).
"""

from __future__ import annotations

import os
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from landalloc.models.errors import InputError, first_ids
from landalloc.models.problem import Problem
from landalloc.models.scenario import OBJECTIVES

TOLERANCE = 1e-6
"""Relative tolerance of feasibility: violation <= TOLERANCE * max(1, |bound|)."""

CHUNK_ELEMENTS = 1_000_000
"""Layout cells per chunk of rows: small enough to stay in cache, large enough to amortise."""


@dataclass(frozen=True)
class Evaluation:
    """Objectives (P×6, columns :data:`OBJECTIVES`) and constraint slacks (P×C) of P layouts.

    ``slack >= 0`` means the constraint holds with that much room; a negative slack is a
    violation of that size, in the constraint's own unit (ha, persons).
    """

    objectives: np.ndarray
    slack: np.ndarray
    constraints: tuple[str, ...]
    scale: np.ndarray
    problem: Problem | None = field(default=None, repr=False, compare=False)
    layouts: np.ndarray | None = field(default=None, repr=False, compare=False)
    """What was evaluated, kept (not copied) so that :meth:`constraint_table` can say where a rule
    breaks; nothing is derived from them until the table is asked for."""

    def __repr__(self) -> str:
        rows = len(self.objectives)
        if rows != 1:
            return f"Evaluation({rows:,} layouts, {int(self.feasible.sum()):,} feasible, {len(self.constraints)} constraints)"
        values = ", ".join(f"{o} {v:,.6g}" for o, v in zip(OBJECTIVES, self.objectives[0]))
        broken = self.constraint_table()
        broken = broken.loc[~broken["holds"], "constraint"].tolist()
        verdict = f"violates {', '.join(broken)}" if broken else "feasible"
        return f"Evaluation(1 layout, {verdict}; {values})"

    @property
    def violation(self) -> np.ndarray:
        return np.maximum(0.0, -self.slack) + 0.0  # + 0.0 turns -0.0 into 0.0

    @property
    def feasible(self) -> np.ndarray:
        return (self.violation <= TOLERANCE * self.scale).all(axis=1)

    def objective(self, name: str) -> np.ndarray:
        return self.objectives[:, OBJECTIVES.index(name)]

    def objective_table(self) -> pd.DataFrame:
        return pd.DataFrame(self.objectives, columns=list(OBJECTIVES))

    def constraint_table(self, row: int = 0) -> pd.DataFrame:
        """One layout's constraints: slack, violation and its unit, whether each holds, and where not.

        ``where`` names, for a broken rule, the first parcels at fault (allocation rules) or its
        district (population targets); quotas and the cropland balance hold for the whole county,
        so they name none. It is empty when the evaluation does not know its problem.
        """
        violation = self.violation[row]
        holds = violation <= TOLERANCE * self.scale
        table = pd.DataFrame({"constraint": self.constraints, "slack": self.slack[row] + 0.0, "violation": violation,
                              "unit": [constraint_unit(self.problem, c) for c in self.constraints],
                              "holds": holds, "where": ""})
        if self.problem is not None and self.layouts is not None:
            for r in np.flatnonzero(~holds):
                table.loc[r, "where"] = where_broken(self.problem, self.layouts[row], self.constraints[r])
        return table


FEW_CHANGES = 4
"""A layout whose changes from today's are fewer than 1/FEW_CHANGES of its parcels is summed
as today's sums plus its changes."""
FACTOR_TOLERANCE = 1e-12
"""Relative spread of ``coef / area`` within a class below which a term counts as factored."""


class AreaClasses:
    """Parcels grouped by (district, today's use); every factored term's coefficient per class and use.

    A term ``sum_i coef[i, k_i]`` with ``coef[i, k] = a_i c[class(i), k]`` equals
    ``sum_{class, k} A[class, k] c[class, k]`` where ``A`` is the area of each class on each use:
    one bincount of area per layout serves every such term at once. Whether a term factors is
    checked on the data, never assumed.
    """

    def __init__(self, problem: Problem) -> None:
        k, n_districts = problem.n_uses, len(problem.districts)
        self.n_bins = n_districts * k * k
        index = np.int32 if self.n_bins < 2**31 else np.int64
        cls = problem.district.astype(np.int64) * k + problem.current
        self.key = np.ascontiguousarray(cls * k, dtype=index)
        self.area = np.ascontiguousarray(problem.area, dtype=np.float64)
        self.row_start = np.arange(problem.n_parcels, dtype=np.intp) * k
        """Flat position of each parcel's first use: ``row_start + layout`` indexes any N×K table."""
        self._cls = cls
        self.today = np.asarray(problem.current, dtype=np.int8 if k < 128 else np.int16)
        self.today_position = self.row_start + self.today
        self._today_totals: dict[int, tuple[np.ndarray, float]] = {}
        columns = [np.eye(k)[None, :, :].repeat(n_districts * k, axis=0)]          # area by use
        self.columns: dict[str, slice] = {"area": slice(0, k)}
        for name in ("ecology", "change"):
            per_class = self._per_class(getattr(problem, name))
            if per_class is not None:
                start = sum(c.shape[2] for c in columns)
                columns.append(per_class[:, :, None])
                self.columns[name] = slice(start, start + 1)
        self.rule_columns = np.full(len(problem.rules), -1, dtype=np.intp)
        """Column of each rule row in :attr:`matrix`, -1 for a row that does not factor."""
        self.rule_tables: dict[int, np.ndarray] = {}
        """Rows that do not factor, as read-only dense N×K tables for :meth:`gather_sum`."""
        for r in range(len(problem.rules)):
            coef = problem.rules.row(r, k)
            per_class = self._per_class(coef)
            if per_class is None:
                coef.flags.writeable = False
                self.rule_tables[r] = coef
                continue
            self.rule_columns[r] = sum(c.shape[2] for c in columns)
            columns.append(per_class[:, :, None])
        for kind in dict.fromkeys(problem.rules.kinds):   # a kind whose rows all factor has its columns
            own = self.rule_columns[np.array(problem.rules.kinds) == kind]
            if (own >= 0).all():
                self.columns[kind] = slice(int(own[0]), int(own[-1]) + 1)
        self.matrix = np.ascontiguousarray(np.concatenate(columns, axis=2).reshape(self.n_bins, -1))
        self.today_sums = np.bincount(self.key + self.today, weights=self.area, minlength=self.n_bins) @ self.matrix

    def _per_class(self, coef: np.ndarray | None) -> np.ndarray | None:
        """``c[class, k]`` with ``coef[i, k] = area_i c[class(i), k]`` for every parcel, or None."""
        if coef is None or np.any((self.area <= 0) & (np.abs(coef) > 0).any(axis=1)):
            return None
        has_area = np.flatnonzero(self.area > 0)
        ratio = coef[has_area] / self.area[has_area, None]
        cls = self._cls[has_area]
        out = np.zeros((self.n_bins // coef.shape[1], coef.shape[1]))
        out[cls[::-1]] = ratio[::-1]                  # the first parcel of each class stands for it
        spread = np.abs(ratio - out[cls]).max(initial=0.0)
        return None if spread > FACTOR_TOLERANCE * max(1.0, np.abs(ratio).max(initial=0.0)) else out

    def sums(self, use: np.ndarray, changed: list[np.ndarray]) -> np.ndarray:
        """P × columns: every factored term of each layout (``changed``: its parcels not on today's use).

        A layout that keeps most of today's uses is today's sums plus a bincount over its changes;
        the others get one bincount over every parcel.
        """
        out = np.empty((len(use), self.matrix.shape[1]))
        for p, (row, moved) in enumerate(zip(use, changed)):
            if len(moved) * FEW_CHANGES < len(row):
                key = self.key[moved]
                area = self.area[moved]
                counts = np.bincount(key + row[moved], weights=area, minlength=self.n_bins) - \
                    np.bincount(key + self.today[moved], weights=area, minlength=self.n_bins)
                out[p] = self.today_sums + counts @ self.matrix
            else:
                out[p] = np.bincount(self.key + row, weights=self.area, minlength=self.n_bins) @ self.matrix
        return out

    def gather_sum(self, coef: np.ndarray, use: np.ndarray, changed: list[np.ndarray]) -> np.ndarray:
        """``sum_i coef[i, k_i]`` per layout: today's total plus the changes, or one gather of all
        parcels (intp positions: ``take`` converts no index)."""
        flat = coef.reshape(-1)
        today = self.today_position
        if id(coef) not in self._today_totals:   # coef is one of the problem's read-only tables
            self._today_totals[id(coef)] = (coef, float(flat.take(today).sum()))
        total = self._today_totals[id(coef)][1]
        out = np.empty(len(use))
        for p, (row, moved) in enumerate(zip(use, changed)):
            if len(moved) * FEW_CHANGES < len(row):
                start = self.row_start[moved]
                out[p] = total + (flat.take(start + row[moved]).sum() - flat.take(today[moved]).sum())
            else:
                out[p] = flat.take(self.row_start + row).sum()
        return out


_CACHE_LOCK = threading.Lock()
_CLASSES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_BITS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def area_classes(problem: Problem) -> AreaClasses:
    """The problem's :class:`AreaClasses`, built once per problem (the problem is immutable)."""
    with _CACHE_LOCK:
        if problem not in _CLASSES:
            _CLASSES[problem] = AreaClasses(problem)
        return _CLASSES[problem]


def allowed_bits(problem: Problem) -> np.ndarray:
    """Each parcel's allowed uses as a bit mask (bit k set when use k is allowed), built once."""
    with _CACHE_LOCK:
        if problem not in _BITS:
            k = problem.n_uses
            dtype = np.uint8 if k <= 8 else np.uint16 if k <= 16 else np.uint32 if k <= 32 else np.uint64
            weights = np.left_shift(np.ones(k, dtype), np.arange(k, dtype=dtype))
            _BITS[problem] = (problem.allowed.astype(dtype) * weights).sum(axis=1, dtype=dtype)
        return _BITS[problem]


class _Rows:
    """A chunk of layouts: use indices (P×N, small ints), with the shared pieces computed once."""

    def __init__(self, problem: Problem, use: np.ndarray) -> None:
        self.problem, self.use = problem, use

    @cached_property
    def coverage(self) -> np.ndarray:
        """Each district's covered share of residents (equity and the urban–rural gap share it)."""
        return coverage_by_district(self.problem, self.use)

    @cached_property
    def flat(self) -> np.ndarray:
        """Flat (parcel, use) positions, for terms that need a gather."""
        return self.classes.row_start[None, :] + self.use

    @cached_property
    def changed(self) -> list[np.ndarray]:
        """Per layout, the parcels not on today's use (offspring share most of today's layout)."""
        today = self.classes.today
        return [np.flatnonzero(row != today) for row in self.use]

    def gather_sum(self, coef: np.ndarray) -> np.ndarray:
        return self.classes.gather_sum(coef, self.use, self.changed)

    @cached_property
    def classes(self) -> AreaClasses:
        return area_classes(self.problem)

    @cached_property
    def sums(self) -> np.ndarray:
        return self.classes.sums(self.use, self.changed)

    def term(self, name: str) -> np.ndarray | None:
        """P × columns of a factored term, or None when the term needs a gather."""
        columns = self.classes.columns.get(name)
        return None if columns is None else self.sums[:, columns]


def evaluate(problem: Problem, layouts: np.ndarray, objectives: Sequence[str] | None = None) -> Evaluation:
    """Evaluate a batch of layouts (P×N use indices, or one layout of length N).

    Parameters
    ----------
    problem : the compiled problem.
    layouts : int array P×N (or N) of land-use column indices.
    objectives : compute only these objectives (the others are NaN); default all. Engines
        that optimise two objectives skip the cost of the rest; constraints are always computed.

    Returns
    -------
    Evaluation with ``objectives`` (P×5, natural units and senses) and ``slack`` (P×C).

    Examples
    --------
    >>> result = evaluate(problem, problem.current_layout)  # doctest: +SKIP
    >>> result.objective("efficiency"), result.feasible     # doctest: +SKIP
    """
    x = check_layouts(problem, layouts)
    wanted = tuple(OBJECTIVES if objectives is None else objectives)
    unknown = [o for o in wanted if o not in OBJECTIVES]
    if unknown:
        raise InputError(f"unknown objectives {unknown}; choose among {', '.join(OBJECTIVES)}")
    names, scale = constraint_names(problem)
    area_classes(problem)  # build once, before the threads
    step = max(1, CHUNK_ELEMENTS // max(1, problem.n_parcels))
    chunks = [x[s:s + step] for s in range(0, len(x), step)]
    if len(chunks) > 1:
        with ThreadPoolExecutor(max_workers=min(len(chunks), os.cpu_count() or 1)) as pool:
            parts = list(pool.map(lambda c: _evaluate_rows(problem, c, wanted), chunks))
    else:
        parts = [_evaluate_rows(problem, c, wanted) for c in chunks]
    objectives = np.concatenate([p[0] for p in parts]) if parts else np.zeros((0, len(OBJECTIVES)))
    slack = np.concatenate([p[1] for p in parts]) if parts else np.zeros((0, len(names)))
    return Evaluation(objectives, slack, names, scale, problem, x)


def check_layouts(problem: Problem, layouts: np.ndarray) -> np.ndarray:
    """Return layouts as a P×N array of small ints, refusing wrong shapes and unknown uses."""
    x = np.asarray(layouts)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] != problem.n_parcels:
        raise InputError(f"layouts must be P×{problem.n_parcels} use indices, got shape {np.shape(layouts)}")
    if not np.issubdtype(x.dtype, np.integer):
        raise InputError(f"layouts must hold integer use indices, got dtype {x.dtype}")
    if x.size and (x.min() < 0 or x.max() >= problem.n_uses):
        raise InputError(f"layouts hold use indices outside 0..{problem.n_uses - 1}")
    return x.astype(np.int8 if problem.n_uses < 128 else np.int16, copy=False)


def constraint_names(problem: Problem) -> tuple[tuple[str, ...], np.ndarray]:
    """Names of the constraints :func:`evaluate` reports, in column order, and their scales: the
    allocation rules, then each side of each row of :attr:`Problem.rules`."""
    sides = problem.rules.sides
    names = (*problem.forbidden, *(s.name for s in sides))
    scale = [0.0] * len(problem.forbidden) + [s.bound for s in sides]
    return tuple(names), np.maximum(1.0, np.abs(np.array(scale, float)))


def constraint_unit(problem: Problem | None, constraint: str) -> str:
    """The unit of a constraint's slack: its rule row's (ha, persons, quality-weighted ha), else ha."""
    if problem is not None:
        for side in problem.rules.sides:
            if side.name == constraint:
                return problem.rules.units[side.row]
    elif constraint.startswith("population["):
        return "persons"
    return "ha"


def where_broken(problem: Problem, layout: np.ndarray, constraint: str) -> str:
    """Where one layout breaks a constraint: its first parcels at fault, or its district."""
    if constraint in problem.forbidden:
        mask = problem.forbidden[constraint]
        bad = np.flatnonzero(mask[np.arange(problem.n_parcels), layout])
        if not len(bad):
            return ""
        return f"{len(bad):,} parcel{'s' if len(bad) > 1 else ''}: {first_ids(problem.parcel_ids[bad].tolist())}"
    for side in problem.rules.sides:
        if side.name == constraint and problem.rules.district[side.row] >= 0:
            return f"district {problem.tree.ids[problem.rules.district[side.row]]}"
    return ""


def _evaluate_rows(problem: Problem, use: np.ndarray, wanted: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    rows = _Rows(problem, use)
    objectives = np.full((len(use), len(OBJECTIVES)), np.nan)
    for j, name in enumerate(OBJECTIVES):
        if name in wanted:
            objectives[:, j] = OBJECTIVE_FUNCTIONS[name](problem, rows)
    slack = np.column_stack([allocation_rules(problem, rows), area_rules(problem, rows)])
    return objectives, slack


def linear_term(coef: np.ndarray, rows: _Rows, name: str | None = None) -> np.ndarray:
    """``sum_i coef[i, k_i]`` for every layout: the value of any per-(parcel, use) sum.

    ``name`` is the term's column in :class:`AreaClasses` when it may be factored there.
    """
    factored = None if name is None else rows.term(name)
    if factored is not None:
        return factored[:, 0]
    return rows.gather_sum(coef)


def efficiency(problem: Problem, rows: _Rows) -> np.ndarray:
    """Land-use efficiency (max): ``sum_i a_i s_ik b_k`` over each parcel's use k (10^4 CNY/yr)."""
    return linear_term(problem.efficiency, rows)


def ecology(problem: Problem, rows: _Rows) -> np.ndarray:
    """Ecosystem-service value (max): ``sum_i a_i v_k`` (10^4 CNY/yr, Xie et al. 2015 factors)."""
    return linear_term(problem.ecology, rows, "ecology")


def change(problem: Problem, rows: _Rows) -> np.ndarray:
    """Area converted (min): ``sum_i a_i [k_i != u0_i]`` in ha."""
    return linear_term(problem.change, rows, "change")


def equity(problem: Problem, rows: _Rows) -> np.ndarray:
    """Service equity (max): the worst district's covered share of residents.

    ``z_d = 1`` when some parcel within the service radius of demand point d is public-service
    land; ``cov_D = sum_{d in D} p_d z_d / sum_{d in D} p_d``; equity = ``min_D cov_D`` over
    districts with residents (0 when nobody lives in the county or there is no service use).
    """
    coverage = rows.coverage
    inhabited = ~np.isnan(coverage[0]) if len(coverage) else np.zeros(0, bool)
    if not inhabited.any():
        return np.zeros(len(rows.use))
    return coverage[:, inhabited].min(axis=1)


def urban_rural_gap(problem: Problem, rows: _Rows) -> np.ndarray:
    """The urban–rural gap in public service (min): the covered share of the residents of urban
    districts minus that of rural districts' residents.

    ``gap = sum_{d in urban} p_d z_d / P_urban - sum_{d in rural} p_d z_d / P_rural`` over demand
    points d (``z_d`` as in :func:`equity`), linear in the coverage; 0 when either kind of district
    has no residents. Negative when the countryside is better served than the towns.
    """
    weight = gap_weights(problem)
    if weight is None:
        return np.zeros(len(rows.use))
    return np.nan_to_num(rows.coverage) @ (weight * district_residents(problem))


def gap_weights(problem: Problem) -> np.ndarray | None:
    """Per district, the weight of one covered resident in the urban–rural gap: ``1/P_urban`` in
    urban districts, ``-1/P_rural`` in rural ones; None when either kind has no residents."""
    totals = district_residents(problem)
    urban, rural = totals[problem.district_urban].sum(), totals[~problem.district_urban].sum()
    if urban <= 0 or rural <= 0:
        return None
    return np.where(problem.district_urban, 1.0 / urban, -1.0 / rural)


def district_residents(problem: Problem) -> np.ndarray:
    """Residents of each district (the demand points' population)."""
    return np.bincount(problem.district[problem.demand], weights=problem.residents[problem.demand],
                       minlength=len(problem.districts))


def coverage_by_district(problem: Problem, layouts: np.ndarray) -> np.ndarray:
    """``cov_D``: each district's share of residents within reach of public service (P×D).

    NaN for districts without residents; all zeros when the classification has no service use.
    """
    layouts = np.atleast_2d(layouts)
    pop = problem.residents[problem.demand]
    district = problem.district[problem.demand]
    n_districts = len(problem.districts)
    total = district_residents(problem)
    out = np.where(total > 0, 0.0, np.nan)[None, :].repeat(len(layouts), axis=0)
    if problem.service < 0 or len(problem.demand) == 0:
        return out
    catchment = problem.catchment_by_parcel                       # N × demand, CSR
    for p, layout in enumerate(layouts):  # per layout: cost grows with its service parcels only
        service = np.flatnonzero(layout == problem.service)
        starts, counts = catchment.indptr[service], np.diff(catchment.indptr)[service]
        if counts.sum() == 0:
            continue
        positions = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        covered = np.zeros(len(pop), bool)
        covered[catchment.indices[positions]] = True
        reached = np.bincount(district[covered], weights=pop[covered], minlength=n_districts)
        out[p] = np.divide(reached, total, out=out[p], where=total > 0)
    return out


def compactness(problem: Problem, rows: _Rows) -> np.ndarray:
    """Compactness (max): shared boundary (km) between neighbours of the same compact use.

    ``sum_{(i,j) in E} w_ij [k_i = k_j] [k_i in compact uses]``.
    """
    if len(problem.edges) == 0 or not problem.compact_uses.any():
        return np.zeros(len(rows.use))
    code = np.where(problem.compact_uses, np.arange(problem.n_uses), -1).astype(rows.use.dtype)[rows.use]
    left = np.take(code, problem.edges[:, 0], axis=1)  # np.take: 4x faster than code[:, idx]
    same = (left == np.take(code, problem.edges[:, 1], axis=1)) & (left >= 0)
    lengths, groups = problem.edge_length_groups
    if len(lengths) == 1:  # square grids: count instead of weighting
        return np.count_nonzero(same, axis=1) * lengths[0]
    if groups:  # rectangular grids: a count per edge length
        return sum(np.count_nonzero(same[:, g], axis=1) * w for w, g in zip(lengths, groups))
    return same @ problem.edge_length


def allocation_rules(problem: Problem, rows: _Rows) -> np.ndarray:
    """Rules 1-4 (conversion, basic farmland, red line, boundary): minus the area (ha) in breach."""
    slack = np.zeros((len(rows.use), len(problem.forbidden)))
    if slack.size and not _all_allowed(problem, rows.use):
        for r, mask in enumerate(problem.forbidden.values()):
            slack[:, r] = -(mask.reshape(-1)[rows.flat] @ problem.area)
    return slack


def area_rules(problem: Problem, rows: _Rows) -> np.ndarray:
    """Rules 5-7 (quotas, cropland balance 占补平衡, housing capacity): the slack of each side of each
    row of :attr:`Problem.rules` (ha, quality-ha, persons); factored rows from the class sums, the
    others by a gather."""
    rules = problem.rules
    if len(rules) == 0:
        return np.zeros((len(rows.use), 0))
    classes = rows.classes
    activity = np.empty((len(rows.use), len(rules)))
    factored = np.flatnonzero(classes.rule_columns >= 0)
    if len(factored):
        activity[:, factored] = rows.sums[:, classes.rule_columns[factored]]
    for r, coef in classes.rule_tables.items():
        activity[:, r] = rows.gather_sum(coef)
    return rules.slack(activity)


OBJECTIVE_FUNCTIONS = {"efficiency": efficiency, "equity": equity, "ecology": ecology,
                       "compactness": compactness, "change": change, "urban_rural_gap": urban_rural_gap}


def area_by_use(problem: Problem, layouts: np.ndarray) -> np.ndarray:
    """Area (ha) of each use in each layout, P×K."""
    layouts = np.atleast_2d(layouts)
    return _group_sum(np.broadcast_to(problem.area, layouts.shape), layouts, problem.n_uses)


def _all_allowed(problem: Problem, use: np.ndarray) -> bool:
    """Whether every parcel of every layout is on an allowed use (a bit mask per parcel, no gather)."""
    bits = allowed_bits(problem)
    return bool(((bits[None, :] >> use.astype(bits.dtype)) & 1).all())


def _group_sum(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Row-wise ``bincount``: out[p, g] = sum of values[p, i] over i with groups[(p,) i] == g.

    One bincount per row: no P×N key array, and each row stays in cache.
    """
    values = np.atleast_2d(values)
    out = np.empty((values.shape[0], n_groups))
    for p in range(values.shape[0]):
        key = groups if groups.ndim == 1 else groups[p]
        out[p] = np.bincount(key, weights=values[p], minlength=n_groups)
    return out
