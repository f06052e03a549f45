"""The area-linear rules (the rows of ``problem.rules``) as a running account of layouts.

Every constraint that :func:`landalloc.models.evaluate` reports after the allocation rules is one
side of a row of the problem's rule matrix: ``lhs_c = sign_c (sum_i A_r[i, k_i] - bound_c) >= 0``.
The ledger's *features* are the rows' activities; the slacks follow by one small matrix product.
It reads nothing but the rule matrix, so a new kind of row (a district quota, say) reaches repair
and local improvement with no edit here.

A move of one parcel from use ``k0`` to ``k1`` changes the rows that count that parcel, so repair
and local improvement can score thousands of candidate moves per layout with array arithmetic and
add them up exactly (moves on distinct parcels are additive). Slacks agree with ``evaluate``
(a test checks it); ``evaluate`` stays the judge of every reported layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from landalloc.models.evaluation import TOLERANCE, constraint_names
from landalloc.optimizer.nsga.genome import Genome

CHUNK_ELEMENTS = 2_000_000
"""Genes per bincount call when summing features over a population."""
ROW_BY_ROW_GENES = 50_000
"""From this many genes on, features are summed layout by layout (counting only changes from today)."""


@dataclass(frozen=True, eq=False)
class Ledger:
    """Rule-row activities of layouts given as genes, and the effect of single-parcel moves."""

    genome: Genome

    @cached_property
    def _constraints(self) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray]:
        """Names, matrix M (C × rows: the side's sign), bound b and scale of every checked side."""
        p = self.genome.problem
        names, scale = constraint_names(p)
        skip = len(p.forbidden)
        sides = p.rules.sides
        matrix = np.zeros((len(sides), self.n_features))
        matrix[np.arange(len(sides)), [s.row for s in sides]] = [s.sign for s in sides]
        bound = np.array([s.sign * s.bound for s in sides], float)
        return names[skip:], matrix, bound, scale[skip:]

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

    @property
    def n_features(self) -> int:
        return len(self.genome.problem.rules)

    # -- per-(gene, use) coefficients of the rows ----------------------------------------------

    @cached_property
    def area(self) -> np.ndarray:
        return self.genome.problem.area[self.genome.free]

    @cached_property
    def table(self) -> sp.csr_matrix:
        """CSR (n_genes·K) × rows: row ``g*K + k`` holds every rule row's coefficient of gene g on use k."""
        p, g = self.genome.problem, self.genome
        k = p.n_uses
        columns = (g.free[:, None] * k + np.arange(k)[None, :]).reshape(-1)
        return p.rules.matrix.tocsc()[:, columns].T.tocsr()

    def _onehot(self, genes: np.ndarray) -> sp.csr_matrix:
        """(n_genes·K) × P indicator of each layout's (gene, use) pairs."""
        p_, n = genes.shape
        k = self.genome.problem.n_uses
        positions = (np.arange(n, dtype=np.int64)[None, :] * k + genes).reshape(-1)
        return sp.csr_matrix((np.ones(p_ * n), (positions, np.repeat(np.arange(p_), n))), shape=(n * k, p_))

    # -- population sums -----------------------------------------------------------------------

    @cached_property
    def _classes(self) -> tuple[np.ndarray, int, np.ndarray | None]:
        """Gene classes (district × today's use) and per-class, per-ha coefficients of every row.

        Rule rows are area times a coefficient that depends only on the district, today's use and
        the new use in every scenario compiled today (quotas, district quotas, balance, capacity);
        then one bincount of area by (class, use) per layout gives every row. The factorisation is
        checked, not assumed: when it fails (e.g. quality-weighted balance) ``features`` falls back
        to a sparse product with :attr:`table`.
        """
        p, g = self.genome.problem, self.genome
        k = p.n_uses
        cls = g.district.astype(np.int64) * k + p.current[g.free]
        n_cls = len(p.districts) * k
        first = np.full(n_cls, -1)
        has_area = np.flatnonzero(self.area > 0)
        first[cls[has_area][::-1]] = has_area[::-1]        # a gene with area stands for its class
        present = np.flatnonzero(first >= 0)
        rows = (first[present][:, None] * k + np.arange(k)[None, :]).reshape(-1)
        coef = np.zeros((n_cls, k, self.n_features))
        coef[present] = (self.table[rows].toarray() / np.repeat(self.area[first[present]], k)[:, None]) \
            .reshape(len(present), k, -1)
        flat = coef.reshape(n_cls * k, -1)
        key = (cls[:, None] * k + np.arange(k)[None, :]).reshape(-1)
        gene_area = np.repeat(self.area, k)
        columns = self.table.tocsc()
        for r in range(self.n_features):   # row by row: no n × K × R temporaries
            got = columns[:, r].toarray().ravel()
            expected = gene_area * flat[key, r]
            if np.abs(got - expected).max(initial=0.0) > 1e-12 * max(1.0, np.abs(got).max(initial=0.0)):
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
        """Row activities of the locked parcels (constant for every layout)."""
        p, g = self.genome.problem, self.genome
        locked = np.flatnonzero(p.locked)
        columns = locked * p.n_uses + g.base[locked].astype(np.int64)
        return np.asarray(p.rules.matrix[:, columns].sum(axis=1), float).reshape(-1)

    def features(self, genes: np.ndarray) -> np.ndarray:
        """P × rows: the activity of every rule row in each layout."""
        genes = np.atleast_2d(genes)
        cls, n_cls, coef = self._classes
        k, n = self.genome.problem.n_uses, self.genome.n_genes
        if coef is None:
            return np.asarray((self.table.T @ self._onehot(genes)).todense()).T + self.fixed
        out = np.empty((len(genes), self.n_features))
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
        moves; slacks themselves are kept in float64 by :meth:`moved`)."""
        g = self.genome
        return np.asarray(self.table @ self.matrix.T, np.float32).reshape(g.n_genes, g.problem.n_uses, -1)

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
        """float32 change of every lhs (S × K × C, or only ``columns``) when gene ``gene`` moves from
        use ``old`` to each use."""
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
        gene = np.asarray(gene, np.int64)
        change = self.table[gene * k + np.asarray(new, np.int64)] - self.table[gene * k + np.asarray(old, np.int64)]
        return np.asarray(change @ self.matrix.T, float).reshape(len(gene), -1)
