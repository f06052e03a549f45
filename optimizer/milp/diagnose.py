"""Why a scenario has no feasible layout, in a planner's words, without a stack trace.

Two stages, both raising :class:`~landalloc.models.errors.InfeasibleError`:

- :func:`presolve_check` — arithmetic on the allowed mask, before any solver runs: a use whose
  allowed area is below its minimum quota, locked area above a maximum, a district whose target
  exceeds the most housing its parcels may hold, a cropland balance that cannot close.
- :func:`explain` — when the solver proves the model infeasible: the same model with each quota,
  balance and population row made elastic (a penalised violation column, weighted by the
  inverse of the rule's bound) finds the plan closest to feasible; the rows it still has to
  violate, and by how much, are the rules that cannot all hold together.
"""

from __future__ import annotations

import numpy as np

from landalloc.models import Problem
from landalloc.models.errors import InfeasibleError
from landalloc.models.scenario import GROUPS
from landalloc.optimizer.milp.settings import Settings

RULE_NAMES = {"conversion": "conversion", "basic_farmland": "permanent basic farmland",
              "eco_redline": "ecological red line", "urban_boundary": "urban development boundary"}
EXPLAIN_TIME = 120.0
"""Seconds the elastic model may take (or the solve's own time limit when shorter)."""


def quota_label(problem: Problem, name: str) -> str:
    if name in GROUPS:
        return f"{name} land"
    return problem.uses[problem.use_index(name)].name_en


def presolve_check(problem: Problem) -> None:
    """Raise InfeasibleError naming every rule that fails on simple area and capacity sums."""
    messages: list[str] = []
    allowed, area = problem.allowed, problem.area
    for r, name in enumerate(problem.quota_names):
        members = problem.quota_members[r]
        label = quota_label(problem, name)
        can = (allowed & members[None, :]).any(axis=1)
        must = ~(allowed & ~members[None, :]).any(axis=1)
        most, least = float(area[can].sum()), float(area[must].sum())
        if problem.quota_min[r] > 0 and most < problem.quota_min[r] * (1 - 1e-9):
            rules = [RULE_NAMES.get(k, k) for k, mask in problem.forbidden.items() if (mask & members[None, :]).any()]
            under = f" under the {' and '.join(rules)} rules" if rules else ""
            messages.append(f"{label} minimum {problem.quota_min[r]:,.0f} ha cannot be met: at most {most:,.0f} ha "
                            f"of parcels may be {label}{under}")
        if np.isfinite(problem.quota_max[r]) and least > problem.quota_max[r] * (1 + 1e-9):
            messages.append(f"{label} maximum {problem.quota_max[r]:,.0f} ha cannot hold: {least:,.0f} ha of parcels "
                            f"can only be {label} under the rules (they are locked or may only take such uses)")
    targeted = np.flatnonzero(np.isfinite(problem.district_target))
    if len(targeted):
        best = np.where(allowed, problem.capacity, -np.inf).max(axis=1)
        capacity = np.bincount(problem.district, best, minlength=len(problem.districts))
        for d in targeted:
            if capacity[d] < problem.district_target[d] * (1 - 1e-9):
                messages.append(f"district {problem.districts[d]} must house {problem.district_target[d]:,.0f} "
                                f"residents but its parcels can hold at most {capacity[d]:,.0f} even if every "
                                "parcel took its densest allowed residential use")
    if problem.balance is not None:
        most = float(np.where(allowed, problem.balance, -np.inf).max(axis=1).sum())
        if most < -1e-9:
            messages.append(f"the cropland balance cannot close: even at best {-most:,.1f} ha more cropland is lost "
                            "to construction than can be gained under the rules")
    if messages:
        raise InfeasibleError(_paragraph(messages))


def explain(problem: Problem, settings: Settings) -> InfeasibleError:
    """The error that names the rule groups the closest-to-feasible plan still breaks."""
    from landalloc.optimizer.milp.build import formulate
    from landalloc.optimizer.milp.session import Session

    form = formulate(problem, {}, elastic=True)
    limit = min(settings.time_limit or EXPLAIN_TIME, EXPLAIN_TIME)
    session = Session(form, Settings(time_limit=limit, gap=1e-6, threads=settings.threads, seed=settings.seed,
                                      log=settings.log))
    outcome = session.solve(form.task({"violation": 1.0}))
    if outcome.values is None:
        return InfeasibleError("the scenario's rules cannot all hold together, and the closest plan could not be "
                               f"found within {limit:.0f} s; check the quotas, the cropland balance and the "
                               "district population targets against the allowed conversions")
    v = outcome.values
    activity = form.matrix @ v - _elastic_part(form, v)
    messages, binding = [], []
    for row, col, side in form.elastic:
        short = float(v[col])
        group = next(g for g in form.rows if g.start <= row < g.stop)
        bound = form.row_lower[row] if side == 0 else form.row_upper[row]
        tolerance = 1e-6 * max(1.0, abs(bound))
        if short > tolerance:
            messages.append(_violation(problem, group.name, int(row - group.start), side, short))
        elif abs(activity[row] - bound) <= tolerance:
            binding.append(_limit(problem, group.name, int(row - group.start), side))
    if not messages:
        messages.append("no single quota, balance or population rule is to blame; the model is numerically "
                        "infeasible - rerun with log=True")
    elif binding:
        listed = binding[:5]
        names = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]
        messages[-1] += f", while {names} {'are at their limits' if len(listed) > 1 else 'is at its limit'}"
    return InfeasibleError(_paragraph(messages, together=True))


def _elastic_part(form, v: np.ndarray) -> np.ndarray:
    """Row activity contributed by the elastic columns (to recover the plan's own activity)."""
    out = np.zeros(form.n_rows)
    rows, cols, side = form.elastic.T
    np.add.at(out, rows, np.where(side == 0, 1.0, -1.0) * v[cols])
    return out


def _limit(problem: Problem, group: str, index: int, side: int) -> str:
    if group == "quota":
        label = quota_label(problem, problem.quota_names[index])
        bound = problem.quota_min[index] if side == 0 else problem.quota_max[index]
        return f"the {label} {'minimum' if side == 0 else 'maximum'} ({bound:,.0f} ha)"
    if group == "population":
        d = np.flatnonzero(np.isfinite(problem.district_target))[index]
        return f"the population target of district {problem.districts[d]} ({problem.district_target[d]:,.0f})"
    return "the cropland balance"


def _violation(problem: Problem, group: str, index: int, side: int, short: float) -> str:
    if group == "quota":
        label = quota_label(problem, problem.quota_names[index])
        if side == 0:
            bound = problem.quota_min[index]
            return (f"{label} minimum {bound:,.0f} ha cannot be met together with the other rules: the closest "
                    f"plan reaches {bound - short:,.0f} ha (short by {short:,.1f} ha)")
        bound = problem.quota_max[index]
        return (f"{label} maximum {bound:,.0f} ha cannot hold together with the other rules: the closest plan "
                f"needs {bound + short:,.0f} ha (over by {short:,.1f} ha)")
    if group == "population":
        d = np.flatnonzero(np.isfinite(problem.district_target))[index]
        target = problem.district_target[d]
        return (f"district {problem.districts[d]} must house {target:,.0f} residents but the closest plan houses "
                f"{target - short:,.0f} (short by {short:,.0f} persons)")
    return (f"the cropland balance cannot close together with the other rules: the closest plan loses "
            f"{short:,.1f} ha more cropland to construction than it gains")


def _paragraph(messages: list[str], together: bool = False) -> str:
    head = "the scenario's rules cannot all hold" + (" together" if together else "")
    return (f"{head}: " + "; ".join(messages) + ". Lower a minimum, raise a maximum or a density, reduce a "
            "district target or allow more conversions in scenario.toml")
