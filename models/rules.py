"""Every area-linear rule of a problem as one sparse matrix with bounds and names.

A row r is ``lower[r] <= sum_{i,k} matrix[r, i*K + k] x_ik <= upper[r]`` over the one-hot
layout ``x`` (``x_ik = 1`` when parcel i takes use k). The quotas (rule 5, with the construction
cap), the cropland balance (rule 6), the district housing capacities (rule 7) and the construction
linkage (rule 8) are such rows;
a new area-linear rule is new rows from one builder here, and :func:`~landalloc.models.evaluation.evaluate`,
the MILP builder, NSGA-II's ledger and presolve read it without new code.

A row with a finite lower bound is reported by ``evaluate`` as the constraint ``SIDES[kind][0]``
(slack ``activity - lower``), a finite upper bound as ``SIDES[kind][1]`` (slack ``upper - activity``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from landalloc.models.landuse import CROPLAND, RURAL, URBAN, LandUse

SIDES: dict[str, tuple[str, str]] = {
    "quota": ("quota_min[{name}]", "quota_max[{name}]"),
    "district_quota": ("quota_min[{name}]", "quota_max[{name}]"),
    "fairness": ("fairness_min[{name}]", "fairness_max[{name}]"),
    "balance": ("{name}", "{name}_max"),
    "capacity": ("population[{name}]", "population_max[{name}]"),
    "linkage": ("construction_linkage_min[{name}]", "construction_linkage[{name}]"),
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
    kinds : "quota", "district_quota", "fairness", "balance", "capacity" (housing), "linkage"
        (see :data:`SIDES`).
    units : the activity's unit ("ha", "quality-weighted ha", "persons").
    district : the district (node of ``Problem.tree``; leaves first) a row belongs to, -1 for county-wide rows.
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

    def touched(self, r: int, n_uses: int) -> tuple[np.ndarray, np.ndarray]:
        """The parcels row r counts and their coefficients (len × K): the row without its zero parcels."""
        start, stop = self.matrix.indptr[r], self.matrix.indptr[r + 1]
        column, value = self.matrix.indices[start:stop], self.matrix.data[start:stop]
        parcels, where = np.unique(column // n_uses, return_inverse=True)
        coef = np.zeros((len(parcels), n_uses))
        coef[where, column % n_uses] = value
        return parcels, coef

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
        for r in range(len(self)):   # parcels a row does not count add 0 to either end
            parcels, coef = self.touched(r, allowed.shape[1])
            low[r] = np.where(allowed[parcels], coef, np.inf).min(axis=1).sum()
            high[r] = np.where(allowed[parcels], coef, -np.inf).max(axis=1).sum()
        return low, high

    def slack(self, activity: np.ndarray) -> np.ndarray:
        """Signed slack of every side (P × sides) from the rows' activities (P×R)."""
        sides = self.sides
        rows = np.array([s.row for s in sides], dtype=np.intp)
        sign = np.array([s.sign for s in sides])
        bound = np.array([s.bound for s in sides])
        return sign[None, :] * (activity[:, rows] - bound[None, :])


@dataclass(frozen=True, eq=False)
class QuotaRule:
    """One quota as compiled input: bounds in ha on the area of some uses, county-wide or in a district.

    ``members`` (K bool) are the uses it sums (one use or a group), ``parcels`` (N bool) the
    parcels it covers (None: every parcel), ``district`` the district index it belongs to (-1:
    county-wide) and ``place`` that district's name. ``low`` is 0 and ``high`` inf where the side
    is not set.
    """

    key: str
    members: np.ndarray
    low: float
    high: float
    use_label: str
    parcels: np.ndarray | None = None
    district: int = -1
    district_id: str = ""
    place: str = ""

    @property
    def name(self) -> str:
        """The row's name: the use or group, after its district's id for a district quota (``150623.crop``)."""
        return f"{self.district_id}.{self.key}" if self.district >= 0 else self.key

    @property
    def label(self) -> str:
        """The quota in messages: "cropland", "construction land of 鄂托克前旗"."""
        return f"{self.use_label} of {self.place}" if self.place else self.use_label


@dataclass(frozen=True, eq=False)
class FairShare:
    """A district's share of its parent's change of a quota's uses, kept within a band (``[fairness]``).

    With ``A_c``, ``A_P`` the area of the uses in the child and the parent in a layout and ``s`` the
    child's share today (``T_c / T_P``), the row is ``A_c - s A_P`` within ``±band_ha``: the child's
    change is its share today of the parent's change, give or take ``band × D_P`` hectares, where
    ``D_P`` is the change the parent's quota asks of it.
    """

    name: str
    members: np.ndarray
    child: np.ndarray
    parent: np.ndarray
    share: float
    band_ha: float
    district: int
    label: str


@dataclass(frozen=True, eq=False)
class Linkage:
    """城乡建设用地增减挂钩 over some parcels: the new urban construction land there is at most the
    rural settlement land reclaimed there to cropland or an ecological use (row ``coef · x <= 0``).

    ``coef`` (N×K, shared by every scope of a plan) is ``+a_i`` on ``urban`` where today's use is
    not urban, ``-a_i`` on cropland and the ecological uses where today's use is ``rural``;
    ``parcels`` (N bool) is the scope, None for the whole plan.
    """

    name: str
    coef: np.ndarray
    parcels: np.ndarray | None
    label: str

    def __post_init__(self) -> None:
        for array in (self.coef, self.parcels):
            if array is not None:
                array.flags.writeable = False


def linkage_coefficients(uses: tuple[LandUse, ...] | list[LandUse], current: np.ndarray,
                         area: np.ndarray) -> np.ndarray | None:
    """The N×K coefficients of :class:`Linkage` (new urban ``+a_i``, reclaimed rural settlement
    ``-a_i``), or None when the classification lacks ``urban`` or ``rural``: the rule's rows and the
    report's hectares read these same numbers."""
    codes = [u.code for u in uses]
    if URBAN not in codes or RURAL not in codes:
        return None
    urban, rural = codes.index(URBAN), codes.index(RURAL)
    reclaimed = np.array([u.code == CROPLAND or u.group == "ecological" for u in uses])
    coef = np.zeros((len(area), len(codes)))
    coef[current != urban, urban] = area[current != urban]
    was_rural = current == rural
    coef[np.ix_(was_rural, reclaimed)] = -area[was_rural, None]
    return coef


def _area_rows(area: np.ndarray, n_uses: int, weights: list[np.ndarray], members: list[np.ndarray]) -> sp.csr_matrix:
    """Rows ``w_i [k in members]`` (w: per-parcel weights, e.g. a_i inside a district), straight as CSR."""
    indptr, indices, data = [0], [], []
    for weight, member in zip(weights, members):
        parcel = np.flatnonzero(weight != 0)
        uses = np.flatnonzero(member)
        indices.append((parcel[:, None] * n_uses + uses[None, :]).reshape(-1))
        data.append(np.repeat(weight[parcel], len(uses)))
        indptr.append(indptr[-1] + len(indices[-1]))
    width = len(area) * n_uses
    if not weights:
        return sp.csr_matrix((0, width))
    return sp.csr_matrix((np.concatenate(data), np.concatenate(indices), np.array(indptr, np.int64)),
                         shape=(len(weights), width))


def _table_rows(table: np.ndarray, row_of: np.ndarray, n_rows: int) -> sp.csr_matrix:
    """Rows of an N×K ``table`` split by parcel: parcel i's coefficients go to row ``row_of[i]``
    (-1: to none), as CSR from one pass over the table's nonzeros."""
    n, k = table.shape
    parcel, use = np.nonzero(table)
    keep = row_of[parcel] >= 0
    parcel, use = parcel[keep], use[keep]
    return sp.csr_matrix((table[parcel, use], (row_of[parcel], parcel * k + use)), shape=(n_rows, n * k))


def build_rules(area: np.ndarray, district: np.ndarray, districts: tuple[str, ...], n_uses: int,
                quotas: tuple[QuotaRule, ...], balance: np.ndarray | None,
                capacity: np.ndarray, district_target: np.ndarray, shares: tuple[FairShare, ...] = (),
                linkage: tuple[Linkage, ...] = ()) -> RuleMatrix:
    """The rows of rules 5-8 from the compiled input data (see :class:`~landalloc.models.problem.Problem`),
    built sparse: a row holds only the (parcel, use) pairs it counts, so a million parcels stay cheap."""
    blocks = [_area_rows(area, n_uses, [area if q.parcels is None else area * q.parcels for q in quotas],
                         [q.members for q in quotas]),
              _area_rows(area, n_uses, [area * (f.child - f.share * f.parent) for f in shares],
                         [f.members for f in shares])]
    lower = [q.low if q.low > 0 else -np.inf for q in quotas] + [-f.band_ha for f in shares]
    upper = [q.high for q in quotas] + [f.band_ha for f in shares]
    names = [q.name for q in quotas] + [f.name for f in shares]
    kinds = ["quota" if q.district < 0 else "district_quota" for q in quotas] + ["fairness"] * len(shares)
    units = ["ha"] * (len(quotas) + len(shares))
    owner = [q.district for q in quotas] + [f.district for f in shares]
    labels = [q.label for q in quotas] + [f.label for f in shares]
    if balance is not None:
        weight = np.abs(balance).max(axis=1)
        moving = weight > 0
        blocks.append(_table_rows(np.asarray(balance, float), np.zeros(len(area), np.int64), 1))
        lower.append(0.0), upper.append(np.inf), names.append("cropland_balance"), kinds.append("balance")
        units.append("ha" if np.allclose(weight[moving], area[moving]) else "quality-weighted ha")
        owner.append(-1), labels.append("cropland balance")
    targeted = np.flatnonzero(np.isfinite(district_target))
    row_of = np.full(len(districts), -1, np.int64)
    row_of[targeted] = np.arange(len(targeted))
    blocks.append(_table_rows(capacity, row_of[district], len(targeted)))
    for d in targeted:
        lower.append(float(district_target[d])), upper.append(np.inf), names.append(districts[d])
        kinds.append("capacity"), units.append("persons"), owner.append(int(d))
        labels.append(f"housing capacity of {districts[d]}")
    for scope in linkage:
        inside = np.zeros(len(area), np.int64) if scope.parcels is None else np.where(scope.parcels, 0, -1)
        blocks.append(_table_rows(scope.coef, inside, 1))
        lower.append(-np.inf), upper.append(0.0), names.append(scope.name), kinds.append("linkage")
        units.append("ha"), owner.append(-1), labels.append(scope.label)
    return RuleMatrix(sp.vstack(blocks, format="csr"), np.array(lower, float), np.array(upper, float),
                      tuple(names), tuple(kinds), tuple(units), np.array(owner, np.int64), tuple(labels))
