"""How far to trust what the report shows: points that stopped on a time limit (with their gap)
against proven ones, and whether today's layout obeys the scenario's rules at all.

A MILP point whose solve was cut by a time limit (status ``time_limit``) is HiGHS's best layout
found so far: feasible, but its objective may be up to its relative ``gap`` from the proven
bound, so it may not be Pareto-optimal. Heuristic points (NSGA-II) are never proven and carry no
gap; they are drawn as their front's points. Today's layout is evaluated like any other: where
it breaks rules (a district short of housing, a quota not met), the report says which.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from landalloc.models import Problem, evaluate
from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.report.context import current_values

LIMIT_STATUSES = ("time_limit",)
"""Statuses of a solve stopped before it proved its point optimal."""


def stopped_early(front: ParetoFront) -> np.ndarray:
    """Whether each point stopped on a limit (time, iterations) before it was proven optimal."""
    if "status" not in front.points:
        return np.zeros(len(front), bool)
    return front.points["status"].astype(str).isin(LIMIT_STATUSES).to_numpy()


def gaps(front: ParetoFront) -> np.ndarray:
    """Each point's relative MIP gap (NaN where the engine proves nothing, e.g. NSGA-II)."""
    if "gap" not in front.points:
        return np.full(len(front), np.nan)
    return np.asarray(front.points["gap"].to_numpy(), float)


def gap_text(gap: float) -> str:
    """``gap 1.2 %`` (two significant digits), or ``gap unknown`` when none was reported."""
    return f"gap {100 * gap:.2g} %" if np.isfinite(gap) else "gap unknown"


def point_note(front: ParetoFront, index: int) -> str:
    """What a point's status means for a planner: ``proven optimal``, ``stopped at time limit,
    gap 1.2 % (not proven optimal)``, or nothing for a heuristic point."""
    if stopped_early(front)[index]:
        return f"stopped at time limit, {gap_text(gaps(front)[index])} (not proven optimal)"
    status = str(front.points["status"].iloc[index]) if "status" in front.points else ""
    return "proven optimal" if status == "optimal" else ""


@dataclass(frozen=True)
class Today:
    """Today's layout: its objective values (None when unknown), whether it is feasible (None
    when unknown: neither the problem nor run.json says) and one line per rule it breaks."""

    values: np.ndarray | None
    feasible: bool | None
    broken: tuple[str, ...] = ()

    @property
    def infeasible(self) -> bool:
        return self.feasible is False

    def summary(self) -> str:
        """``today's layout is infeasible: it breaks population[T01] (...); ...`` or empty."""
        if not self.infeasible:
            return ""
        if not self.broken:
            return "today's layout is infeasible under this scenario"
        rules = "; ".join(self.broken)
        return f"today's layout is infeasible: it breaks {len(self.broken)} rule" \
               f"{'s' if len(self.broken) > 1 else ''}: {rules}"


def today_of(front: ParetoFront, problem: Problem | None = None,
             values: np.ndarray | dict | None = None) -> Today:
    """Today's layout's values and feasibility, from the problem (re-evaluated), else run.json
    (``current``, ``current_feasible``); ``values`` overrides the values shown."""
    if isinstance(values, dict):
        values = np.array([float(values[o]) for o in front.objectives])
    shown = values if values is not None else current_values(front, problem)
    if problem is None:
        recorded = front.run.get("current_feasible")
        return Today(shown, bool(recorded) if isinstance(recorded, bool) else None)
    result = evaluate(problem, problem.current_layout)
    table = result.constraint_table(0)
    broken = tuple(_broken(rec) for rec in table[~table["holds"]].itertuples())
    return Today(shown, bool(result.feasible[0]), broken)


def _broken(rec) -> str:
    where = f" ({rec.where})" if rec.where else ""
    return f"{rec.constraint} violated by {rec.violation:,.1f} {rec.unit}{where}"
