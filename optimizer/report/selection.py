"""Which points of a front a planner looks at first: the extremes of each objective and the knee.

Both work on the front's values turned into minimisation and normalised to [0, 1] by the
front's own ideal (best value of each objective) and nadir (worst value over the front):

- the **extreme** of an objective is the point best in it, ties broken by the next objectives
  in order, like a lexicographic payoff table;
- the **knee** is the point farthest below the hyperplane through the normalised extremes
  ``sum_j f_j = 1``, i.e. the point with the smallest sum of normalised objectives (for two
  objectives: the point farthest from the line joining the two extremes, towards the ideal).
  Ties go to the first point in the front's order.

Infeasible points (reported only when an engine found nothing feasible) are chosen only when
the front has no feasible point.
"""

from __future__ import annotations

import numpy as np

from landalloc.models.errors import InputError
from landalloc.optimizer.front import ParetoFront


def normalised(front: ParetoFront) -> np.ndarray:
    """Values to minimise scaled to [0, 1] by the front's ideal and nadir (0 = best).

    An objective with the same value at every point maps to 0.
    """
    f = front.minimised
    if len(f) == 0:
        return f
    ideal, nadir = f.min(axis=0), f.max(axis=0)
    span = np.where(nadir > ideal, nadir - ideal, 1.0)
    return (f - ideal) / span


def _candidates(front: ParetoFront) -> np.ndarray:
    feasible = front.points["feasible"].to_numpy(bool) if "feasible" in front.points else np.ones(len(front), bool)
    return np.flatnonzero(feasible) if feasible.any() else np.arange(len(front))


def extremes(front: ParetoFront) -> dict[str, int]:
    """Index of the best point in each objective (ties broken lexicographically by the others).

    Examples
    --------
    >>> extremes(front)                       # doctest: +SKIP
    {'efficiency': 7, 'ecology': 0}
    """
    if len(front) == 0:
        return {}
    f, pool = front.minimised, _candidates(front)
    out = {}
    for j, name in enumerate(front.objectives):
        order = [j] + [m for m in range(len(front.objectives)) if m != j]
        # np.lexsort sorts by the last key first
        best = np.lexsort(tuple(f[pool, m] for m in reversed(order)))[0]
        out[name] = int(pool[best])
    return out


def knee_point(front: ParetoFront) -> int | None:
    """Index of the knee point: smallest sum of normalised objectives; None for an empty front.

    Examples
    --------
    >>> front.points["id"][knee_point(front)]  # doctest: +SKIP
    'milp_004'
    """
    if len(front) == 0:
        return None
    pool = _candidates(front)
    score = normalised(front)[pool].sum(axis=1)
    return int(pool[np.argmin(score)])


def chosen_solutions(front: ParetoFront) -> dict[int, list[str]]:
    """The points to map by default and why: ``{index: ["best efficiency", "knee"], ...}``."""
    roles: dict[int, list[str]] = {}
    for name, index in extremes(front).items():
        roles.setdefault(index, []).append(f"best {name}")
    knee = knee_point(front)
    if knee is not None:
        roles.setdefault(knee, []).append("knee")
    return dict(sorted(roles.items()))


def resolve(front: ParetoFront, solutions: list[str | int] | None) -> dict[int, list[str]]:
    """Point indices for solution ids or indices, or the default choice when ``solutions`` is None.

    Raises InputError naming the known ids when an id is not on the front.
    """
    if solutions is None:
        return chosen_solutions(front)
    ids = front.points["id"].astype(str).tolist()
    roles = chosen_solutions(front)
    out: dict[int, list[str]] = {}
    for solution in solutions:
        if isinstance(solution, (int, np.integer)) and 0 <= solution < len(ids):
            index = int(solution)
        elif str(solution) in ids:
            index = ids.index(str(solution))
        else:
            raise InputError(f"solution {solution!r} is not on the front; ids: {', '.join(ids[:8])}"
                           + (" ..." if len(ids) > 8 else ""))
        out[index] = roles.get(index, [])
    return out
