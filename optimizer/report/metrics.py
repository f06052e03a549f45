"""Quality indicators of Pareto fronts, on objectives turned into minimisation and normalised.

All indicators take arrays already normalised to a common scale (see :func:`common_scale`):
``0`` is the best value found by any of the compared fronts (the union's ideal), ``1`` the
worst value on any of them (the union's nadir).

- **hypervolume** (higher is better): the volume dominated by the front and bounded by the
  reference point ``1.1`` in every objective (pymoo's HV).
- **IGD** (lower is better): mean distance from each point of the reference set (the
  non-dominated points of the union) to the nearest point of the front (pymoo's IGD).
- **additive epsilon** ``I_eps+(A, B)`` (lower is better): the smallest ``eps`` such that every
  point of B is weakly dominated by some point of A moved by ``eps`` in every objective,
  ``max_b min_a max_j (a_j - b_j)``. ``I_eps+(A, B) <= 0`` means A weakly dominates all of B.
- **coverage** ``C(A, B)`` (Zitzler's C-metric): the share of B's points weakly dominated by
  some point of A (``a_j <= b_j`` for every j). ``C(A, B) = 1`` and ``C(B, A) < 1`` means A is
  better; the measure is not symmetric.
"""

from __future__ import annotations

import numpy as np
from pymoo.indicators.hv import HV
from pymoo.indicators.igd import IGD

REFERENCE_POINT = 1.1
"""Hypervolume reference in normalised units: the union's nadir plus 10 % of each range."""
TOLERANCE = 1e-9
"""Normalised values this close count as equal when testing dominance."""


def common_scale(minimised: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The union's ideal (best) and nadir (worst) point over several fronts' minimised values."""
    union = np.vstack([f for f in minimised if len(f)]) if any(len(f) for f in minimised) else None
    if union is None:
        raise ValueError("no front has any point: nothing to compare")
    return union.min(axis=0), union.max(axis=0)


def normalise(minimised: np.ndarray, ideal: np.ndarray, nadir: np.ndarray) -> np.ndarray:
    """``(f - ideal) / (nadir - ideal)``; an objective without range maps to 0."""
    span = np.where(nadir > ideal, nadir - ideal, 1.0)
    return (np.asarray(minimised, float) - ideal) / span


def nondominated_points(points: np.ndarray) -> np.ndarray:
    """The non-dominated rows (minimisation), duplicates kept once."""
    if len(points) == 0:
        return points
    unique = np.unique(points, axis=0)
    le = (unique[:, None, :] <= unique[None, :, :] + TOLERANCE).all(axis=2)
    lt = (unique[:, None, :] < unique[None, :, :] - TOLERANCE).any(axis=2)
    dominated = (le & lt).any(axis=0)
    return unique[~dominated]


def hypervolume(points: np.ndarray, reference: float = REFERENCE_POINT) -> float:
    """Hypervolume of normalised points up to ``reference`` in every objective (0 when empty)."""
    if len(points) == 0:
        return 0.0
    m = points.shape[1]
    inside = points[(points < reference).all(axis=1)]
    if len(inside) == 0:
        return 0.0
    return float(HV(ref_point=np.full(m, reference))(inside))


def igd(points: np.ndarray, reference_set: np.ndarray) -> float:
    """Inverted generational distance of normalised points to a reference set (inf when empty)."""
    if len(points) == 0:
        return float("inf")
    return float(IGD(reference_set)(points))


def additive_epsilon(a: np.ndarray, b: np.ndarray) -> float:
    """``I_eps+(A, B) = max_b min_a max_j (a_j - b_j)``; inf when A is empty, -inf when B is."""
    if len(b) == 0:
        return float("-inf")
    if len(a) == 0:
        return float("inf")
    return float((a[:, None, :] - b[None, :, :]).max(axis=2).min(axis=0).max())


def coverage(a: np.ndarray, b: np.ndarray) -> float:
    """``C(A, B)``: share of B's points weakly dominated by some point of A (NaN when B is empty)."""
    if len(b) == 0:
        return float("nan")
    if len(a) == 0:
        return 0.0
    covered = (a[:, None, :] <= b[None, :, :] + TOLERANCE).all(axis=2).any(axis=0)
    return float(covered.mean())
