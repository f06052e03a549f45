"""The district tree: leaves (the parcels' districts) and every district above them.

Planning indicators are handed down level by level (province, city, county, township); a
``[districts.<id>]`` table names its ``parent`` and ``level``, parcels name leaves, and a quota on
any district of the tree counts the parcels of the leaves under it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True, eq=False, repr=False)
class DistrictTree:
    """Every district, leaves first in :attr:`Problem.districts` order, then the others by id.

    Attributes
    ----------
    ids : district ids; node ``d < n_leaves`` is the leaf ``Problem.districts[d]``.
    parent : node index of each district's parent, -1 at the top.
    levels : each district's level ("county", "city", ...; "" when the scenario gives none).
    names : each district's name for messages and tables (Chinese, else English, else the id).
    n_leaves : how many leaves (districts parcels belong to).
    """

    ids: tuple[str, ...]
    parent: np.ndarray
    levels: tuple[str, ...]
    names: tuple[str, ...]
    n_leaves: int

    def __post_init__(self) -> None:
        self.parent.flags.writeable = False

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"DistrictTree({len(self)} districts, {self.n_leaves} leaves, depth {int(self.depth.max(initial=0)) + 1})"

    @cached_property
    def under(self) -> np.ndarray:
        """Bool districts × leaves: ``under[d, l]`` when leaf l lies in district d (itself included)."""
        out = np.zeros((len(self), self.n_leaves), bool)
        for leaf in range(self.n_leaves):
            node = leaf
            while node >= 0:
                out[node, leaf] = True
                node = int(self.parent[node])
        return out

    @cached_property
    def depth(self) -> np.ndarray:
        """Steps from each district up to the top of its tree (0 at the top)."""
        out = np.zeros(len(self), np.int64)
        for node in range(len(self)):
            up = int(self.parent[node])
            while up >= 0:
                out[node] += 1
                up = int(self.parent[up])
        return out

    def children(self, node: int) -> np.ndarray:
        return np.flatnonzero(self.parent == node)

    def index(self, district: str) -> int:
        return self.ids.index(district)
