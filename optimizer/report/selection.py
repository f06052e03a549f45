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


KNEE = "knee"
BEST = "best:"
"""Solution selectors besides indices and ids: ``"knee"`` and ``"best:<objective>"``."""


def select(front: ParetoFront, solution: str | int) -> int:
    """Index of one point: an index (negative counts from the end), an id such as ``"milp_003"``,
    ``"knee"``, or ``"best:<objective>"`` (best in that objective, by its sense).

    Raises InputError naming the accepted forms and the known ids when nothing matches.

    Examples
    --------
    >>> front.points["id"][select(front, "best:equity")]  # doctest: +SKIP
    'milp_000'
    """
    ids = front.points["id"].astype(str).tolist()
    if isinstance(solution, (int, np.integer)) and not isinstance(solution, bool):
        if -len(ids) <= solution < len(ids):
            return int(solution) % len(ids)
        raise InputError(f"solution {solution}: the front has {len(ids)} points (indices 0..{len(ids) - 1})")
    name = str(solution)
    if name in ids:
        return ids.index(name)
    if not ids:
        raise InputError(f"solution {name!r}: the front has no points")
    if name.lower() == KNEE:
        return knee_point(front)
    if name.lower().startswith(BEST):
        objective = name[len(BEST):].strip().lower()
        best = extremes(front)
        if objective not in best:
            raise InputError(f"solution {name!r}: {objective!r} is not an objective of this front; "
                             f"use one of {', '.join(BEST + o for o in front.objectives)}")
        return best[objective]
    raise InputError(f"solution {name!r} is not on the front; give an index, an id ({', '.join(ids[:8])}"
                     + (" ..." if len(ids) > 8 else "") + f"), {KNEE!r} or 'best:<objective>' "
                     f"({', '.join(BEST + o for o in front.objectives)})")


def resolve(front: ParetoFront, solutions: list[str | int] | None) -> dict[int, list[str]]:
    """Point indices for solution selectors (see :func:`select`), or the default choice when
    ``solutions`` is None, each with its roles (``["best efficiency", "knee"]``).

    Raises InputError naming the accepted forms when a selector matches no point.
    """
    roles = chosen_solutions(front)
    if solutions is None:
        return roles
    out: dict[int, list[str]] = {}
    for solution in solutions:
        index = select(front, solution)
        out[index] = roles.get(index, [])
    return out
