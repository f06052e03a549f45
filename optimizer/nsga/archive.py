"""The best layouts found so far: a bounded archive of non-dominated feasible layouts,
and the hypervolume that tracks its progress."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from moocore import hypervolume

REFERENCE_POINT = 1.1
"""Hypervolume reference point in normalised space (nadir = 1): extreme points still count."""


def nondominated_mask(F: np.ndarray) -> np.ndarray:
    """Rows of F (minimised) that no other row dominates; among equal rows only the first survives."""
    n = len(F)
    if n == 0:
        return np.zeros(0, bool)
    le = (F[None, :, :] <= F[:, None, :]).all(axis=2)     # [i, j]: j weakly dominates i
    lt = (F[None, :, :] < F[:, None, :]).any(axis=2)
    dominated = (le & lt).any(axis=1)
    equal = le & ~lt
    earlier_equal = np.tril(equal, k=-1).any(axis=1)
    return ~dominated & ~earlier_equal


def crowding(F: np.ndarray) -> np.ndarray:
    """NSGA-II crowding distance (boundary points infinite)."""
    n, m = F.shape
    if n <= 2:
        return np.full(n, np.inf)
    out = np.zeros(n)
    for j in range(m):
        order = np.argsort(F[:, j], kind="stable")
        span = F[order[-1], j] - F[order[0], j]
        out[order[[0, -1]]] = np.inf
        if span > 0:
            out[order[1:-1]] += (F[order[2:], j] - F[order[:-2], j]) / span
    return out


@dataclass
class Archive:
    """Non-dominated feasible layouts (genes), their minimised objectives and when they were found."""

    capacity: int
    genes: np.ndarray | None = None
    F: np.ndarray | None = None
    found: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    """Generation and elapsed seconds at which each point was found."""

    def __len__(self) -> int:
        return 0 if self.F is None else len(self.F)

    def update(self, genes: np.ndarray, F: np.ndarray, feasible: np.ndarray, generation: int,
               seconds: float) -> None:
        genes, F = genes[feasible], F[feasible]
        if len(F) == 0:
            return
        if self.F is None:
            self.genes, self.F = genes[:0].copy(), F[:0].copy()
        all_F = np.concatenate([self.F, F])
        all_found = np.concatenate([self.found, np.tile([generation, seconds], (len(F), 1))])
        keep = np.flatnonzero(nondominated_mask(all_F))
        if len(keep) > self.capacity:
            dist = crowding(all_F[keep])
            keep = np.sort(keep[np.argsort(-dist, kind="stable")[:self.capacity]])
        old = len(self.F)
        pool = np.concatenate([self.genes, genes]) if len(keep) and keep.max() >= old else self.genes
        self.genes = pool[keep]
        self.F, self.found = all_F[keep], all_found[keep]


@dataclass
class Normalisation:
    """Fixed ideal and nadir (minimised objectives) that make hypervolumes comparable over a run."""

    ideal: np.ndarray
    nadir: np.ndarray

    @classmethod
    def of(cls, F: np.ndarray) -> Normalisation:
        ideal, nadir = F.min(axis=0), F.max(axis=0)
        tiny = 1e-6 * np.maximum(1.0, np.abs(ideal))
        return cls(ideal, np.maximum(nadir, ideal + tiny))

    def hypervolume(self, F: np.ndarray) -> float:
        if F is None or len(F) == 0:
            return 0.0
        z = (F - self.ideal) / (self.nadir - self.ideal)
        z = z[(z < REFERENCE_POINT).all(axis=1)]
        if len(z) == 0:
            return 0.0
        return float(hypervolume(z, ref=np.full(F.shape[1], REFERENCE_POINT)))
