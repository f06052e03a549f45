"""Why a scenario has no feasible layout, in a planner's words, without a stack trace.

Before any solver runs, both engines call :func:`landalloc.models.presolve.require_feasible_bounds`
(arithmetic on the allowed mask, row by row of the rule matrix). Here:

- :func:`explain` — when the solver proves the model infeasible: the same model with each quota,
  balance and population row made elastic (a penalised violation column, weighted by the
  inverse of the rule's bound) finds the plan closest to feasible; the rows it still has to
  violate, and by how much, are the rules that cannot all hold together.
"""

from __future__ import annotations

import numpy as np

from landalloc.models import Problem
from landalloc.models.errors import InfeasibleError
from landalloc.optimizer.milp.settings import Settings

RULE_NAMES = {"conversion": "conversion", "basic_farmland": "permanent basic farmland",
              "eco_redline": "ecological red line", "urban_boundary": "urban development boundary"}
EXPLAIN_TIME = 120.0
"""Seconds the elastic model may take (or the solve's own time limit when shorter)."""


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


KINDS = {"quota": "quota", "district_quota": "district_quota", "fairness": "fairness", "cropland_balance": "balance",
         "population": "capacity", "construction_linkage": "linkage"}
"""The kind of rule row each relaxable row group of the formulation holds (see ``build.RULE_GROUPS``)."""
QUOTAS = ("quota", "district_quota")
"""Row groups of area quotas: county-wide and of one district of the tree."""


def _rule(problem: Problem, group: str, index: int, side: int) -> tuple[int, str, float]:
    """The rule row behind row ``index`` of a relaxable group, its planner's label and the bound."""
    rules = problem.rules
    r = rules.kinds.index(KINDS[group]) + index
    bound = float(rules.lower[r] if side == 0 else rules.upper[r])
    label = rules.labels[r] if group in QUOTAS else rules.names[r]
    return r, label, bound


def _limit(problem: Problem, group: str, index: int, side: int) -> str:
    _, label, bound = _rule(problem, group, index, side)
    if group in QUOTAS:
        return f"the {label} {'minimum' if side == 0 else 'maximum'} ({bound:,.0f} ha)"
    if group == "population":
        return f"the population target of district {label} ({bound:,.0f})"
    if group == "fairness":
        return f"the fairness band of the {problem.rules.labels[_rule(problem, group, index, side)[0]]} (±{abs(bound):,.0f} ha)"
    if group == "construction_linkage":
        return f"the {problem.rules.labels[_rule(problem, group, index, side)[0]]}"
    return "the cropland balance"


def _violation(problem: Problem, group: str, index: int, side: int, short: float) -> str:
    _, label, bound = _rule(problem, group, index, side)
    if group in QUOTAS:
        if side == 0:
            return (f"{label} minimum {bound:,.0f} ha cannot be met together with the other rules: the closest "
                    f"plan reaches {bound - short:,.0f} ha (short by {short:,.1f} ha)")
        return (f"{label} maximum {bound:,.0f} ha cannot hold together with the other rules: the closest plan "
                f"needs {bound + short:,.0f} ha (over by {short:,.1f} ha)")
    if group == "population":
        return (f"district {label} must house {bound:,.0f} residents but the closest plan houses "
                f"{bound - short:,.0f} (short by {short:,.0f} persons)")
    if group == "fairness":
        return (f"the {problem.rules.labels[_rule(problem, group, index, side)[0]]} cannot stay within its fairness "
                f"band (±{abs(bound):,.0f} ha) together with the other rules (outside by {short:,.1f} ha)")
    if group == "construction_linkage":
        return (f"the {problem.rules.labels[_rule(problem, group, index, side)[0]]} cannot hold together with the "
                f"other rules: the closest plan adds {short:,.1f} ha more new urban land than it reclaims from rural "
                "settlements")
    return (f"the cropland balance cannot close together with the other rules: the closest plan loses "
            f"{short:,.1f} ha more cropland to construction than it gains")


def _paragraph(messages: list[str], together: bool = False) -> str:
    head = "the scenario's rules cannot all hold" + (" together" if together else "")
    return (f"{head}: " + "; ".join(messages) + ". Lower a minimum, raise a maximum or a density, reduce a "
            "district target or allow more conversions in scenario.toml")
