"""Every area-linear rule of a problem as one sparse matrix with bounds and names.

A row r is ``lower[r] <= sum_{i,k} matrix[r, i*K + k] x_ik <= upper[r]`` over the one-hot
layout ``x`` (``x_ik = 1`` when parcel i takes use k). The quotas (rule 5, with the construction
cap), the cropland balance (rule 6) and the district housing capacities (rule 7) are such rows;
a new area-linear rule is new rows from one builder here, and :func:`~landalloc.models.evaluation.evaluate`,
the MILP builder, NSGA-II's ledger and presolve read it without new code.

A row with a finite lower bound is reported by ``evaluate`` as the constraint ``SIDES[kind][0]``
(slack ``activity - lower``), a finite upper bound as ``SIDES[kind][1]`` (slack ``upper - activity``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

SIDES: dict[str, tuple[str, str]] = {
    "quota": ("quota_min[{name}]", "quota_max[{name}]"),
    "balance": ("{name}", "{name}_max"),
    "capacity": ("population[{name}]", "population_max[{name}]"),
}
"""Constraint names of a row's lower and upper side, by the row's kind: a contract with reports,
tables, tests and users (``quota_min[crop]``, ``cropland_balance``, ``population[T01]``)."""


@dataclass(frozen=True, eq=False)
class Side:
    """One checked side of a rule row: the constraint ``evaluate`` reports for it."""

    row: int
    sign: float
    """+1 for a lower bound (slack = activity - bound), -1 for an upper (slack = bound - activity)."""
    bound: float
    name: str


@dataclass(frozen=True, eq=False, repr=False)
class RuleMatrix:
    """R area-linear rows over the N·K (parcel, use) pairs, column ``i*K + k`` for x_ik.

    Attributes
    ----------
    matrix : CSR R × N·K coefficients.
    lower, upper : float R, the row's bounds (``-inf`` / ``inf`` where the side is not checked).
    names : the row's name inside its kind (a quota key, ``cropland_balance``, a district name).
    kinds : "quota", "balance", "capacity" (housing; see :data:`SIDES`).
    units : the activity's unit ("ha", "quality-weighted ha", "persons").
    district : the district index a row belongs to, -1 for county-wide rows.
    labels : a planner's name for the row in messages ("cropland", "housing capacity of T01").
    """

    matrix: sp.csr_matrix
    lower: np.ndarray
    upper: np.ndarray
    names: tuple[str, ...]
    kinds: tuple[str, ...]
    units: tuple[str, ...]
    district: np.ndarray
    labels: tuple[str, ...]

    def __post_init__(self) -> None:
        for array in (self.lower, self.upper, self.district):
            array.flags.writeable = False

    def __len__(self) -> int:
        return self.matrix.shape[0]

    def __repr__(self) -> str:
        return f"RuleMatrix({len(self)} rows, {self.matrix.nnz:,} nonzeros: {', '.join(self.names)})"

    @property
    def sides(self) -> tuple[Side, ...]:
        """The checked sides in ``evaluate``'s column order: each row's lower side, then its upper."""
        out: list[Side] = []
        for r, (name, kind) in enumerate(zip(self.names, self.kinds)):
            low, high = SIDES[kind]
            if np.isfinite(self.lower[r]):
                out.append(Side(r, 1.0, float(self.lower[r]), low.format(name=name)))
            if np.isfinite(self.upper[r]):
                out.append(Side(r, -1.0, float(self.upper[r]), high.format(name=name)))
        return tuple(out)

    def row(self, r: int, n_uses: int) -> np.ndarray:
        """Row r as a dense N×K table (``coef[i, k]`` of x_ik)."""
        return self.matrix[r].toarray().reshape(-1, n_uses)

    def activity(self, layouts: np.ndarray, n_uses: int) -> np.ndarray:
        """``matrix @ onehot(layout)`` for P layouts (P×N use indices): P×R, by a sparse gather."""
        layouts = np.atleast_2d(layouts)
        p, n = layouts.shape
        positions = (np.arange(n, dtype=np.int64)[None, :] * n_uses + layouts).reshape(-1)
        onehot = sp.csr_matrix((np.ones(p * n), (positions, np.repeat(np.arange(p), n))), shape=(n * n_uses, p))
        return np.asarray((self.matrix @ onehot).todense()).T

    def reachable(self, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each row's least and greatest activity over the layouts ``allowed`` (N×K bool) permits:
        ``sum_i min_k coef[i, k]`` and ``sum_i max_k coef[i, k]`` over each parcel's allowed uses
        (exact for one row alone: the parcels choose independently)."""
        low, high = np.zeros(len(self)), np.zeros(len(self))
        for r in range(len(self)):
            coef = self.row(r, allowed.shape[1])
            low[r] = np.where(allowed, coef, np.inf).min(axis=1).sum()
            high[r] = np.where(allowed, coef, -np.inf).max(axis=1).sum()
        return low, high

    def slack(self, activity: np.ndarray) -> np.ndarray:
        """Signed slack of every side (P × sides) from the rows' activities (P×R)."""
        sides = self.sides
        rows = np.array([s.row for s in sides], dtype=np.intp)
        sign = np.array([s.sign for s in sides])
        bound = np.array([s.bound for s in sides])
        return sign[None, :] * (activity[:, rows] - bound[None, :])


def _stack(rows: list[tuple[np.ndarray, float, float, str, str, str, int, str]], width: int) -> RuleMatrix:
    """Rows of (dense N×K coefficients, lower, upper, name, kind, unit, district, label) -> RuleMatrix."""
    if not rows:
        return RuleMatrix(sp.csr_matrix((0, width)), np.zeros(0), np.zeros(0), (), (), (), np.zeros(0, np.int64), ())
    matrix = sp.vstack([sp.csr_matrix(coef.reshape(1, width)) for coef, *_ in rows], format="csr")
    column = list(zip(*[r[1:] for r in rows]))
    return RuleMatrix(matrix, np.array(column[0], float), np.array(column[1], float), tuple(column[2]),
                      tuple(column[3]), tuple(column[4]), np.array(column[5], np.int64), tuple(column[6]))


def build_rules(area: np.ndarray, district: np.ndarray, districts: tuple[str, ...],
                quotas: tuple[tuple[str, np.ndarray, float, float, str], ...], balance: np.ndarray | None,
                capacity: np.ndarray, district_target: np.ndarray) -> RuleMatrix:
    """The rows of rules 5-7 from the compiled input data (see :class:`~landalloc.models.problem.Problem`).

    ``quotas``: (key, use membership K bool, min ha (0 = none), max ha (inf = none), label) per quota.
    """
    rows: list[tuple[np.ndarray, float, float, str, str, str, int, str]] = []
    for key, members, low, high, label in quotas:
        coef = area[:, None] * members[None, :].astype(float)
        rows.append((coef, low if low > 0 else -np.inf, high, key, "quota", "ha", -1, label))
    if balance is not None:
        weight = np.abs(balance).max(axis=1)
        moving = weight > 0
        unit = "ha" if np.allclose(weight[moving], area[moving]) else "quality-weighted ha"
        rows.append((np.asarray(balance, float), 0.0, np.inf, "cropland_balance", "balance", unit, -1,
                     "cropland balance"))
    for d in np.flatnonzero(np.isfinite(district_target)):
        coef = np.where((district == d)[:, None], capacity, 0.0)
        rows.append((coef, float(district_target[d]), np.inf, districts[d], "capacity", "persons", int(d),
                     f"housing capacity of {districts[d]}"))
    return _stack(rows, capacity.size)
