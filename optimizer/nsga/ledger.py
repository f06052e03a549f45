"""The linear constraints (quotas, cropland balance, population capacity) as a running account.

Every constraint that :func:`landalloc.models.evaluate` reports after the allocation rules is linear in
the layout: ``lhs_c = sum_i A_c[i, k_i] >= b_c``. The ledger keeps, per layout, a few
*features* from which every ``lhs_c`` follows by one small matrix product:

- the area of each use (K features; quotas are sums of them),
- the cropland balance (one feature, when the rule is on),
- the housing capacity of each district with a target (one feature each).

A move of one parcel from use ``k0`` to ``k1`` changes at most four features, so repair and
local improvement can score thousands of candidate moves per layout with array arithmetic and
add them up exactly (moves on distinct parcels are additive). Slacks agree with ``evaluate``
(a test checks it); ``evaluate`` stays the judge of every reported layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from landalloc.models.evaluation import TOLERANCE, constraint_names
from landalloc.optimizer.nsga.genome import Genome

CHUNK_ELEMENTS = 2_000_000
"""Genes per bincount call when summing features over a population."""
ROW_BY_ROW_GENES = 50_000
"""From this many genes on, features are summed layout by layout (counting only changes from today)."""


@dataclass(frozen=True, eq=False)
class Ledger:
    """Constraint features of layouts given as genes, and the effect of single-parcel moves."""

    genome: Genome

    @cached_property
    def _constraints(self) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray]:
        """Names, matrix M (C × features), bound b and scale of every linear constraint."""
        p = self.genome.problem
        names, scale = constraint_names(p)
        skip = len(p.forbidden)
        k, n_feat = p.n_uses, self.n_features
        rows, bounds = [], []
        for r in range(len(p.quota_names)):
            member = np.zeros(n_feat)
            member[:k] = p.quota_members[r]
            if p.quota_min[r] > 0:
                rows.append(member)
                bounds.append(p.quota_min[r])
            if np.isfinite(p.quota_max[r]):
                rows.append(-member)
                bounds.append(-p.quota_max[r])
        if p.balance is not None:
            row = np.zeros(n_feat)
            row[k] = 1.0
            rows.append(row)
            bounds.append(0.0)
        for f, d in enumerate(self.targeted):
            row = np.zeros(n_feat)
            row[self.capacity_offset + f] = 1.0
            rows.append(row)
            bounds.append(p.district_target[d])
        matrix = np.array(rows, float).reshape(-1, n_feat)
        assert len(matrix) == len(names) - skip
        return names[skip:], matrix, np.array(bounds, float), scale[skip:]

    @property
    def names(self) -> tuple[str, ...]:
        return self._constraints[0]

    @property
    def matrix(self) -> np.ndarray:
        return self._constraints[1]

    @property
    def bound(self) -> np.ndarray:
        return self._constraints[2]

    @property
    def scale(self) -> np.ndarray:
        return self._constraints[3]

    @property
    def n_constraints(self) -> int:
        return len(self.bound)

    @cached_property
    def targeted(self) -> np.ndarray:
        """Districts with a population target."""
        return np.flatnonzero(np.isfinite(self.genome.problem.district_target))

    @property
    def capacity_offset(self) -> int:
        p = self.genome.problem
        return p.n_uses + (p.balance is not None)

    @property
    def n_features(self) -> int:
        return self.capacity_offset + len(self.targeted)

    # -- per-(gene, use) coefficients of the features ------------------------------------------

    @cached_property
    def area(self) -> np.ndarray:
        return self.genome.problem.area[self.genome.free]

    @cached_property
    def balance(self) -> np.ndarray:
        """n_genes × K cropland-balance coefficients (zeros when the rule is off)."""
        p = self.genome.problem
        if p.balance is None:
            return np.zeros((self.genome.n_genes, p.n_uses))
        return np.ascontiguousarray(p.balance[self.genome.free])

    @cached_property
    def capacity(self) -> np.ndarray:
        """n_genes × K housing capacity, zero outside districts with a target."""
        p = self.genome.problem
        cap = np.ascontiguousarray(p.capacity[self.genome.free], dtype=float)
        cap[~np.isin(self.genome.district, self.targeted)] = 0.0
        return cap

    @cached_property
    def capacity_column(self) -> np.ndarray:
        """Feature column of each gene's district capacity (n_features - 0 ... ), -1 if untargeted."""
        lookup = np.full(len(self.genome.problem.districts), -1, dtype=np.int64)
        lookup[self.targeted] = self.capacity_offset + np.arange(len(self.targeted))
        return lookup[self.genome.district]

    # -- population sums -----------------------------------------------------------------------

    @cached_property
    def _classes(self) -> tuple[np.ndarray, int, np.ndarray | None]:
        """Gene classes (district × today's use) and per-class, per-ha feature coefficients.

        Balance and capacity are area times a coefficient that depends only on the district, today's
        use and the new use in every scenario compiled today; then one bincount of area by
        (class, use) per layout gives every feature. The factorisation is checked, not assumed:
        when it fails (e.g. quality-weighted balance) ``features`` falls back to gathers.
        """
        p, g = self.genome.problem, self.genome
        k = p.n_uses
        cls = g.district.astype(np.int64) * k + p.current[g.free]
        n_cls = len(p.districts) * k
        coef = np.zeros((n_cls, k, self.n_features))
        coef[:, np.arange(k), np.arange(k)] = 1.0
        per_ha = np.zeros((g.n_genes, k, self.n_features - k))
        area = self.area[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            if p.balance is not None:
                per_ha[:, :, 0] = np.where(area > 0, self.balance / area, 0.0)
            col = self.capacity_column
            rows = np.flatnonzero(col >= 0)
            per_ha[rows, :, col[rows] - k] = np.where(area[rows] > 0, self.capacity[rows] / area[rows], 0.0)
        first = np.full(n_cls, -1)
        first[cls[::-1]] = np.arange(g.n_genes)[::-1]
        present = first >= 0
        coef[present, :, k:] = per_ha[first[present]]
        for f in range(per_ha.shape[2]):  # feature by feature: no n × K × F temporaries
            got = coef[cls, :, k + f]
            if np.abs(got - per_ha[:, :, f]).max(initial=0.0) > 1e-12 * max(1.0, np.abs(per_ha[:, :, f]).max(initial=0.0)):
                return cls, n_cls, None
        return cls, n_cls, coef

    @cached_property
    def _today(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Class keys of the genes, today's genes and today's area by (class, use)."""
        cls, n_cls, _ = self._classes
        k = self.genome.problem.n_uses
        key = (cls * k).astype(np.int32)
        today = self.genome.base[self.genome.free]
        return key, today, np.bincount(key + today, weights=self.area, minlength=n_cls * k)

    @cached_property
    def fixed(self) -> np.ndarray:
        """Features of the locked parcels (constant for every layout)."""
        p, g = self.genome.problem, self.genome
        locked = np.flatnonzero(p.locked)
        use = g.base[locked].astype(np.intp)
        out = np.zeros(self.n_features)
        out[:p.n_uses] = np.bincount(use, weights=p.area[locked], minlength=p.n_uses)
        if p.balance is not None:
            out[p.n_uses] = p.balance[locked, use].sum()
        targeted = np.isin(p.district[locked], self.targeted)
        cap = np.bincount(p.district[locked][targeted], weights=p.capacity[locked[targeted], use[targeted]],
                          minlength=len(p.districts))
        out[self.capacity_offset:] = cap[self.targeted]
        return out

    def features(self, genes: np.ndarray) -> np.ndarray:
        """P × n_features: area by use, balance and targeted districts' capacity of each layout."""
        genes = np.atleast_2d(genes)
        cls, n_cls, coef = self._classes
        k, n = self.genome.problem.n_uses, self.genome.n_genes
        out = np.empty((len(genes), self.n_features))
        if coef is not None:
            flat_coef = coef.reshape(n_cls * k, -1)
            if n >= ROW_BY_ROW_GENES:  # one bincount per layout: no P×n temporaries
                key, today, today_area = self._today
                for p_, row in enumerate(genes):
                    moved = np.flatnonzero(row != today)
                    if len(moved) * 4 < n:  # offspring keep most of today's uses: count only the changes
                        counts = np.bincount(key[moved] + row[moved], weights=self.area[moved], minlength=n_cls * k) \
                            - np.bincount(key[moved] + today[moved], weights=self.area[moved], minlength=n_cls * k)
                        out[p_] = (today_area + counts) @ flat_coef
                    else:
                        out[p_] = np.bincount(key + row, weights=self.area, minlength=n_cls * k) @ flat_coef
            else:
                key = (cls * k).astype(np.int64)
                step = max(1, CHUNK_ELEMENTS // max(1, n))
                for s in range(0, len(genes), step):
                    chunk = genes[s:s + step]
                    keys = key[None, :] + chunk + (n_cls * k) * np.arange(len(chunk))[:, None]
                    area = np.bincount(keys.ravel(), weights=np.broadcast_to(self.area, chunk.shape).ravel(),
                                       minlength=len(chunk) * n_cls * k).reshape(len(chunk), n_cls * k)
                    out[s:s + len(chunk)] = area @ flat_coef
        else:
            rows = np.arange(n)
            for p_, row in enumerate(genes):
                use = row.astype(np.intp)
                feat = np.zeros(self.n_features)
                feat[:k] = np.bincount(use, weights=self.area, minlength=k)
                feat[k] = self.balance[rows, use].sum() if self.genome.problem.balance is not None else 0.0
                col = self.capacity_column
                has = col >= 0
                feat += np.bincount(col[has], weights=self.capacity[rows[has], use[has]], minlength=self.n_features)
                out[p_] = feat
        return out + self.fixed

    def slack(self, genes: np.ndarray) -> np.ndarray:
        """P × C slacks (lhs - bound), in the order of ``names``; negative means violated."""
        return self.features(genes) @ self.matrix.T - self.bound

    def violation(self, slack: np.ndarray, columns: np.ndarray | None = None) -> np.ndarray:
        """Scaled violations that count: those beyond half of evaluate's tolerance (slack may hold
        only ``columns`` of the constraints)."""
        factor = self._minus_inverse_scale if columns is None else self._minus_inverse_scale[columns]
        if slack.dtype == np.float32:
            return np.maximum(np.float32(0.0), slack * factor.astype(np.float32) - np.float32(0.5 * TOLERANCE))
        return np.maximum(0.0, slack * factor - 0.5 * TOLERANCE)

    @cached_property
    def _minus_inverse_scale(self) -> np.ndarray:
        return -1.0 / self.scale

    # -- moves ------------------------------------------------------------------------------------

    @cached_property
    def contribution(self) -> np.ndarray:
        """float32 n_genes × K × C: each gene's contribution to every lhs on each use (for scoring
        moves; slacks themselves are kept in float64 by :meth:`move_effect`)."""
        g = self.genome
        k = g.problem.n_uses
        out = np.zeros((g.n_genes, k, self.n_constraints), np.float32)
        col = self.capacity_column
        for c in range(self.n_constraints):
            coef = self.area[:, None] * self.matrix[c, :k][None, :]
            if g.problem.balance is not None:
                coef = coef + self.balance * self.matrix[c, k]
            coef = coef + self.capacity * np.where(col >= 0, self.matrix[c, np.maximum(col, 0)], 0.0)[:, None]
            out[:, :, c] = coef
        return out

    @cached_property
    def reach(self) -> np.ndarray:
        """Per constraint, the largest change of its lhs one move can make: constraints with more
        slack than this cannot be broken by a single move (so move scoring skips them)."""
        table = self.contribution
        allowed = self.genome.allowed[:, :, None]
        hi = np.where(allowed, table, -np.inf).max(axis=1)
        lo = np.where(allowed, table, np.inf).min(axis=1)
        return (hi - lo).max(axis=0, initial=0.0).astype(np.float64) * 1.001

    def move_score_effect(self, gene: np.ndarray, old: np.ndarray, columns: np.ndarray | None = None) -> np.ndarray:
        """float32 approximation of :meth:`move_effect` (S × K × C, or only ``columns``)."""
        table = self.contribution[gene]
        if columns is not None:
            table = table[..., columns]
        return table - np.take_along_axis(table, old.astype(np.intp)[..., None, None], axis=-2)

    def chosen_effect(self, gene: np.ndarray, old: np.ndarray, new: np.ndarray) -> np.ndarray:
        """float32 effect on every constraint of one given move per slot (S × C)."""
        table = self.contribution
        return table[gene, new.astype(np.intp)] - table[gene, old.astype(np.intp)]

    def moved(self, gene: np.ndarray, old: np.ndarray, new: np.ndarray) -> np.ndarray:
        """Exact change of every lhs (M × C, float64) for moves gene: old -> new."""
        k = self.genome.problem.n_uses
        old, new = old.astype(np.intp), new.astype(np.intp)
        area_rows = self.matrix[:, :k].T                                        # K × C
        out = self.area[gene][:, None] * (area_rows[new] - area_rows[old])
        if self.genome.problem.balance is not None:
            out += (self.balance[gene, new] - self.balance[gene, old])[:, None] * self.matrix[:, k]
        if len(self.targeted):
            col = self.capacity_column[gene]
            d_cap = (self.capacity[gene, new] - self.capacity[gene, old]) * (col >= 0)
            out += d_cap[:, None] * self.matrix[:, np.maximum(col, 0)].T
        return out

    def move_effect(self, gene: np.ndarray, old: np.ndarray) -> np.ndarray:
        """Change of every constraint's lhs when gene ``gene`` moves from use ``old`` to each use.

        ``gene`` and ``old`` are integer arrays of one shape S; returns S × K × C.
        """
        k = self.genome.problem.n_uses
        area_rows = self.matrix[:, :k].T                                    # K × C
        old = old.astype(np.intp)
        area = self.area[gene][..., None, None]
        effect = area * (area_rows - area_rows[old][..., None, :])
        if self.genome.problem.balance is not None:
            bal = self.balance[gene]                                          # S × K
            d_bal = bal - np.take_along_axis(bal, old[..., None], axis=-1)
            effect += d_bal[..., None] * self.matrix[:, k]
        if len(self.targeted):
            cap = self.capacity[gene]
            d_cap = cap - np.take_along_axis(cap, old[..., None], axis=-1)   # S × K
            col = self.capacity_column[gene]
            rows = self.matrix[:, np.maximum(col, 0)]                           # C × S
            rows = np.moveaxis(rows, 0, -1) * (col >= 0)[..., None]             # S × C
            effect += d_cap[..., None] * rows[..., None, :]
        return effect
