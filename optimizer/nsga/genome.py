"""The NSGA-II encoding: one integer gene per free parcel, holding its land-use index.

Locked parcels (one allowed use) are not genes: :class:`Genome` fills them in when it turns
genes back into full layouts for :func:`landalloc.models.evaluate`. Genes store the use index itself
(not a position in the parcel's list of allowed uses) so that spatial operators can copy a
neighbour's use directly; every operator keeps genes inside ``allowed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from landalloc.models import Problem
from landalloc.models.errors import InputError
from landalloc.models.evaluation import allowed_bits


@dataclass(frozen=True, eq=False)
class Genome:
    """Free parcels, their allowed uses and their neighbourhoods, read once from the problem."""

    problem: Problem

    @cached_property
    def free(self) -> np.ndarray:
        """Parcel index of each gene."""
        return self.problem.free

    @property
    def n_genes(self) -> int:
        return len(self.free)

    @cached_property
    def dtype(self) -> type:
        return np.int8 if self.problem.n_uses < 128 else np.int16

    @cached_property
    def base(self) -> np.ndarray:
        """A full layout with every locked parcel on its only allowed use (free parcels: today's use)."""
        layout = np.asarray(self.problem.current, dtype=self.dtype).copy()
        locked = np.flatnonzero(self.problem.locked)
        layout[locked] = self.problem.allowed[locked].argmax(axis=1)
        return layout

    @cached_property
    def allowed(self) -> np.ndarray:
        """Bool n_genes × K: the uses each gene may take."""
        return np.ascontiguousarray(self.problem.allowed[self.free])

    @cached_property
    def fallback(self) -> np.ndarray:
        """The use a gene returns to when an operator left it on a forbidden use: today's use when
        allowed, else the allowed use of highest efficiency."""
        current = self.problem.current[self.free]
        keep = self.allowed[np.arange(self.n_genes), current]
        best = np.where(self.allowed, self.problem.efficiency[self.free], -np.inf).argmax(axis=1)
        return np.where(keep, current, best).astype(self.dtype)

    @cached_property
    def position(self) -> np.ndarray:
        """Gene index of each parcel, -1 for locked parcels."""
        out = np.full(self.problem.n_parcels, -1, dtype=np.int64)
        out[self.free] = np.arange(self.n_genes)
        return out

    @cached_property
    def neighbours(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Neighbours of each gene as CSR: (indptr, gene index or -1, fixed use of locked neighbours)."""
        edges = self.problem.edges
        both = np.concatenate([edges, edges[:, ::-1]]) if len(edges) else np.zeros((0, 2), np.int64)
        src = self.position[both[:, 0]]
        keep = src >= 0
        src, dst = src[keep], both[keep, 1]
        order = np.argsort(src, kind="stable")
        src, dst = src[order], dst[order]
        indptr = np.searchsorted(src, np.arange(self.n_genes + 1))
        return indptr, self.position[dst], self.base[dst]

    @cached_property
    def centroids(self) -> np.ndarray:
        return np.ascontiguousarray(self.problem.centroids[self.free], dtype=np.float64)

    @cached_property
    def district(self) -> np.ndarray:
        return self.problem.district[self.free]

    def layouts(self, genes: np.ndarray) -> np.ndarray:
        """Full P×N layouts (use indices) from P×n_genes genes."""
        genes = np.atleast_2d(genes)
        out = np.repeat(self.base[None, :], len(genes), axis=0)
        out[:, self.free] = genes
        return out

    def genes(self, layouts: np.ndarray, source: str = "initial") -> np.ndarray:
        """Genes of full layouts (P×N use indices); locked parcels are ignored (forced anyway)."""
        x = np.asarray(layouts)
        if x.ndim == 1:
            x = x[None, :]
        if x.ndim != 2 or x.shape[1] != self.problem.n_parcels:
            raise InputError(f"{source}: layouts must be P×{self.problem.n_parcels} use indices, "
                             f"got shape {np.shape(layouts)}")
        if not np.issubdtype(x.dtype, np.integer) or (x.size and (x.min() < 0 or x.max() >= self.problem.n_uses)):
            raise InputError(f"{source}: layouts must hold integer use indices 0..{self.problem.n_uses - 1}")
        return np.ascontiguousarray(x[:, self.free].astype(self.dtype))

    @cached_property
    def allowed_bits(self) -> np.ndarray:
        """Allowed uses of each gene as a bit mask (bit k set when use k is allowed)."""
        return np.ascontiguousarray(allowed_bits(self.problem)[self.free])

    def is_allowed(self, genes: np.ndarray) -> np.ndarray:
        """Bool P×n_genes: whether each gene holds an allowed use (elementwise, no gathers)."""
        bits = self.allowed_bits
        return ((bits[None, :] >> genes.astype(bits.dtype)) & 1).astype(bool)

    def restore_allowed(self, genes: np.ndarray) -> np.ndarray:
        """Put every gene on a forbidden use back on its fallback use (in place); returns genes."""
        bad = ~self.is_allowed(genes)
        if bad.any():
            rows, cols = np.nonzero(bad)
            genes[rows, cols] = self.fallback[cols]
        return genes
