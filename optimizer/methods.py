"""Which engine answers a scenario with a given number of objectives, for ``solve`` and ``batch``.

No objective count is refused (docs/cli.md):

=========== ============================== ================= ==============
objectives  ``--method milp``              ``--method nsga2`` ``--method nsga3``
=========== ============================== ================= ==============
1           the proven optimum (one point) NSGA-II           NSGA-III
2-3         AUGMECON2 (``--front weighted`` NSGA-II           NSGA-III
            for weighted sums)
4-5         weighted sums, with a note     NSGA-III, with a  NSGA-III
                                           note
=========== ============================== ================= ==============
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from landalloc.models.errors import InputError
from landalloc.models.scenario import OBJECTIVES

if TYPE_CHECKING:   # the command line reads METHODS and FRONTS without importing the engines
    from landalloc.models import Problem
    from landalloc.optimizer.front import ParetoFront

METHODS = ("milp", "nsga2", "nsga3")
"""Values of ``--method``."""
FRONTS = ("augmecon", "weighted")
"""Values of ``--front``: how the MILP maps a front of several objectives."""
WEIGHTED_BUDGET = 30
"""Most weight vectors of a weighted-sum front when ``--points`` names no number."""


@dataclass(frozen=True)
class Plan:
    """How a front of ``objectives`` is found: the engine that runs (``method``), for the MILP
    its kind of front (``optimum``, ``augmecon`` or ``weighted``), and a note saying what was
    chosen for the planner when it is not what they named."""

    method: str
    front: str | None
    note: str = ""


def parse_objectives(text: str | Sequence[str] | None) -> list[str] | None:
    """Objective names from ``--objectives`` (comma-separated, any case), or None when empty.

    Raises InputError naming an unknown or repeated objective and the valid names.
    """
    names = text.split(",") if isinstance(text, str) else list(text or ())
    chosen = [name.strip().lower() for name in names if name.strip()]
    unknown = [name for name in chosen if name not in OBJECTIVES]
    if unknown:
        raise InputError(f"--objectives: unknown objective {unknown[0]!r}; choose among {', '.join(OBJECTIVES)} "
                         "(comma-separated, e.g. --objectives efficiency,equity)")
    repeated = sorted({name for name in chosen if chosen.count(name) > 1})
    if repeated:
        raise InputError(f"--objectives: {', '.join(repeated)} named twice; name each objective once")
    return chosen or None


def plan(method: str, objectives: Sequence[str], front: str | None = None, points: Any = None) -> Plan:
    """The engine and kind of front that answer ``objectives`` with ``method``.

    Parameters
    ----------
    method : one of :data:`METHODS` (any case).
    objectives : the front's objective names (1 to 5).
    front : MILP only: ``augmecon`` or ``weighted``; None picks AUGMECON2 for 2-3 objectives and
        weighted sums for 4-5.
    points : ``--points``, for the note on a weighted-sum front (:func:`weighted_points`).
    """
    method = method.strip().lower()
    if method not in METHODS:
        raise InputError(f"--method: unknown method {method!r}; choose among {', '.join(METHODS)}")
    if front is not None and front not in FRONTS:
        raise InputError(f"--front: unknown front {front!r}; choose among {', '.join(FRONTS)}")
    count = len(objectives)
    if method != "milp":
        if front is not None:
            raise InputError(f"--front {front} shapes a MILP front; drop it or use --method milp")
        if method == "nsga2" and count > 3:
            return Plan("nsga3", None, f"{count} objectives: NSGA-II's crowding distance spreads at most 3, "
                                       "so NSGA-III (reference directions) runs instead")
        return Plan(method, None)
    if count == 1:
        note = "" if front is None else f"one objective: --front {front} does not apply; solving for its optimum"
        return Plan("milp", "optimum", note)
    if front == "augmecon" and count > 3:
        raise InputError(f"--front augmecon: AUGMECON2 maps 2 or 3 objectives, not {count}; drop --front "
                         "(weighted sums) or choose at most 3 objectives with --objectives")
    if front is None and count > 3:
        vectors = math.comb(weighted_points(count, points) - 1 + count - 1, count - 1)
        return Plan("milp", "weighted", f"{count} objectives: AUGMECON2 maps 2 or 3, so the MILP maps this front "
                                        f"by weighted sums over {vectors} weight vectors after the {count} optima "
                                        "(supported points only; --points caps the vectors)")
    return Plan("milp", front or "augmecon")


def weighted_points(objectives: int, points: Any) -> int:
    """The weight lattice (``points`` of :func:`landalloc.optimizer.milp.pareto` with
    ``method='weighted'``) with the most weight vectors that ``--points`` allows: at most
    ``points`` of them, or :data:`WEIGHTED_BUDGET` when ``points`` is not a number (never fewer
    than one vector per objective)."""
    budget = points if isinstance(points, int) else WEIGHTED_BUDGET
    divisions = 1
    while math.comb(divisions + objectives, objectives - 1) <= budget:
        divisions += 1
    return divisions + 1


def milp_front(problem: Problem, objectives: Sequence[str], front: str, time_limit: float | None = None,
               gap: float = 1e-4, seed: int = 0, strategy: str = "auto", total_time_limit: float | None = None,
               **options: Any) -> ParetoFront:
    """The MILP's answer for ``objectives``: the proven optimum of a single objective as a
    one-point front, or a front by ``front`` (``augmecon`` or ``weighted``); ``strategy`` is the
    MILP engine's (:class:`landalloc.optimizer.milp.Settings`). ``time_limit`` is per point and
    ``total_time_limit`` for the whole run (a single optimum is one point: it gets the shorter).
    ``options`` go to :func:`landalloc.optimizer.milp.pareto` (points, progress, on_point,
    resume); a single optimum uses none of them, a weighted front reads ``points`` as at most
    that many weight vectors."""
    from landalloc.optimizer import milp

    if front == "optimum":
        return optimum_front(problem, objectives[0], time_limit=shorter(time_limit, total_time_limit), gap=gap,
                             seed=seed, strategy=strategy)
    if front == "weighted":
        options["points"] = weighted_points(len(objectives), options.get("points"))
    return milp.pareto(problem, list(objectives), method=front, time_limit=time_limit, gap=gap, seed=seed,
                       strategy=strategy, total_time_limit=total_time_limit, **options)


def shorter(limit: float | None, other: float | None) -> float | None:
    """The shorter of two time limits (None: no limit)."""
    return limit if other is None else other if limit is None else min(limit, other)


def optimum_front(problem: Problem, objective: str, time_limit: float | None = None, gap: float = 1e-4,
                  seed: int = 0, strategy: str = "auto") -> ParetoFront:
    """:func:`landalloc.optimizer.milp.solve` for one objective, as a one-point front: front.csv
    keeps its status, proven bound and gap, run.json whether it was proven (``finished``)."""
    from landalloc.optimizer import milp
    from landalloc.optimizer.front import ParetoFront

    solution = milp.solve(problem, objective, time_limit=time_limit, gap=gap, seed=seed, strategy=strategy)
    proven = solution.status == "optimal"
    run = {"engine": "milp", "settings": {"time_limit": time_limit, "gap": gap, "seed": seed, "method": "optimum",
                                         "strategy": strategy},
           "timings": {"build": solution.build_seconds, "total": solution.seconds},
           "finished": proven, "partial": not proven, "stopped_by": "completed" if proven else "time_limit"}
    record = {"kind": "optimum", "grid": f"optimum of {objective}", **solution.record()}
    return ParetoFront.build(problem, [objective], solution.layout[None, :], [record], method="milp", run=run)
