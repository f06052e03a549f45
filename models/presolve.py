"""Cheap checks before solving: rules that cannot hold together, and data a solver will find dull.

Every check reads the compiled :class:`Problem` with whole-array operations. Errors are
certain: each compares a bound with what *every* layout the allocation rules allow must have
(or can at most reach), so a reported error is a proof that no layout is feasible. Warnings, in
the spirit of prioritizr's ``presolve_check``, flag data that make the optimisation pointless or
hard (a use no parcel may take, an objective that cannot change, slivers).

Checks, in order (docs/errors.md lists their messages):

1. ``quota_max[r]`` — the area that must be in ``r`` (parcels whose every allowed use is in
   ``r``) exceeds ``U_r``.
2. ``quota_min[r]`` — the area that may be in ``r`` (parcels with some allowed use in ``r``) is
   below ``L_r``.
3. ``quotas`` — the minimum quotas of disjoint rows, plus the area that must take uses outside
   them, exceed the total area.
4. ``population[d]`` — a district's target exceeds ``sum_i max_k a_i rho_k`` over the uses its
   parcels may take.
5. ``cropland_balance`` — ``sum_i max_k balance_ik < 0``: more cropland must be built on than
   new cropland can be gained.
7. ``quota_min[<district>.<use>]`` / ``quota_max[...]`` of a district with districts under it —
   the children's ranges (their own quotas cut to what their parcels allow, recursively) cannot add
   up to the parent's bound; the first such district from the top is named, with its level.
6. ``joint`` — when 1-5 and 7 pass: the LP relaxation of rules 5-7 aggregated over parcels with the
   same allowed uses, district and current use (an exact relaxation; a few hundred columns)
   has no solution; the minimal scaled relaxation says which bounds to move and by how much.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Callable, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import cKDTree

from landalloc.models.errors import InfeasibleError, first_ids
from landalloc.models.evaluation import TOLERANCE, gap_weights
from landalloc.models.problem import Problem
from landalloc.models.rules import QuotaRule, Side
from landalloc.models.scenario import OBJECTIVES

MAX_SUBSETS_OF = 12
"""Quota rows up to which check 3 tries every disjoint subset (2^12 sets); above, single rows."""
MAX_LP_COLUMNS = 500_000
"""Above this many aggregated columns the joint LP check is skipped (with a warning)."""
LP_TOLERANCE = 1e-5
"""Relative relaxation below which the joint LP counts as feasible: looser than evaluate's
tolerance, so that LP round-off never reports a feasible plan as impossible."""
SLIVER_RATIO = 1e6
"""Largest/smallest parcel area above which parcels are flagged as slivers."""


@dataclass(frozen=True)
class Finding:
    """One result of :func:`presolve_check`.

    Attributes
    ----------
    rule : the constraint or datum concerned, named as :func:`landalloc.models.evaluate` names
        constraints (``quota_min[crop]``, ``population[T01]``, ``cropland_balance``), or
        ``quotas``, ``joint``, ``use[<code>]``, ``objective[<name>]``, ``parcels``.
    severity : ``"error"`` (no layout can be feasible) or ``"warning"``.
    message : one sentence for the planner: what, by how much, and what to change.
    amount : by how much the rule fails, in ``unit`` (0 for warnings).
    """

    rule: str
    severity: Literal["error", "warning"]
    message: str
    amount: float = 0.0
    unit: str = ""

    def __str__(self) -> str:
        return self.message


def presolve_check(problem: Problem) -> list[Finding]:
    """Errors that make every layout infeasible, then warnings; empty when all is well.

    Examples
    --------
    >>> for finding in presolve_check(problem):  # doctest: +SKIP
    ...     print(finding.severity, finding.message)
    """
    facts = _Facts(problem)
    bounds = _bounds(facts)
    errors = [f for f in bounds if f.rule.startswith("quota_")]
    errors += [] if errors else _quota_sum(facts)  # a row that fails alone fails in every sum
    errors += [] if errors else _levels(facts)   # children that cannot add up to their parent's quota
    errors += [f for f in bounds if not f.rule.startswith("quota_")]
    warnings: list[Finding] = []
    if not errors:
        errors, warnings = _joint(facts)
    return errors + warnings + _warnings(facts)


def require_feasible_bounds(problem: Problem) -> list[Finding]:
    """Raise :class:`InfeasibleError` listing every error of :func:`presolve_check`.

    Returns the warnings, for the caller to show. Engines call this before solving, so that
    an impossible plan is explained in the planner's terms instead of by a solver status.
    """
    findings = presolve_check(problem)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        listed = errors[0].message if len(errors) == 1 else \
            "; ".join(f"({n}) {f.message}" for n, f in enumerate(errors, 1))
        raise InfeasibleError(f"{problem.name}: no layout can satisfy the rules: {listed}")
    return [f for f in findings if f.severity == "warning"]


class _Facts:
    """What every check reads: per parcel, per quota row, the area that may or must be there."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.area, self.total = problem.area, float(problem.area.sum())
        self.low, self.high = problem.rules.reachable(problem.allowed)   # per rule row
        self.pattern = _pattern_ids(problem.allowed)             # N: which allowed-use pattern
        first = np.zeros(self.pattern.max() + 1, np.int64)
        first[self.pattern] = np.arange(problem.n_parcels)
        self.patterns = problem.allowed[first]                     # one row per pattern
        self.pattern_area = np.bincount(self.pattern, weights=self.area)

    def quota(self, r: int) -> tuple[QuotaRule, np.ndarray, np.ndarray]:
        """Quota row r (``build_rules`` puts the quotas first, in order), the parcels that may take
        one of its uses and those that must (every allowed use is one of them), within its parcels."""
        quota = self.problem.quotas[r]
        scope = np.ones(self.problem.n_parcels, bool) if quota.parcels is None else quota.parcels
        allowed = self.problem.allowed
        may = scope & (allowed & quota.members[None, :]).any(axis=1)
        must = scope & ~(allowed & ~quota.members[None, :]).any(axis=1)
        return quota, may, must

    def rules_against(self, rows: np.ndarray, uses: np.ndarray) -> list[str]:
        """Rules that forbid any of ``uses`` on any of the parcels ``rows``."""
        return [rule for rule, mask in self.problem.forbidden.items() if mask[np.ix_(rows, uses)].any()]


def _bounds(facts: _Facts) -> list[Finding]:
    """Checks 1, 2, 4 and 5 row by row of the rule matrix: a lower bound above the row's greatest
    reachable activity, or an upper bound below its least, explained by the row kind's message."""
    rules, out = facts.problem.rules, []
    for side in rules.sides:
        reached = facts.high[side.row] if side.sign > 0 else facts.low[side.row]
        amount = side.sign * (side.bound - reached)
        if amount > TOLERANCE * max(1.0, abs(side.bound)):
            out.append(MESSAGES[rules.kinds[side.row]](facts, side, float(amount)))
    return out


def _quota(facts: _Facts, side: Side, amount: float) -> Finding:
    p = facts.problem
    quota, may, must = facts.quota(side.row)
    key = f"{'quotas' if p.rules.kinds[side.row] == 'quota' else 'district_quotas'}.{p.rules.names[side.row]}"
    where = "under the rules" if quota.district < 0 else "there"
    if side.sign < 0:
        rows = np.flatnonzero(must)
        rules = facts.rules_against(rows, np.flatnonzero(~quota.members))
        return Finding(side.name, "error",
                       f"{_what(quota, 'maximum')} {_ha(side.bound)} cannot be met: {_ha(facts.low[side.row])} of "
                       f"parcels must be {quota.use_label} {where} ({', '.join(rules) or 'no other use'}; "
                       f"e.g. parcels {first_ids(p.parcel_ids[rows].tolist())}), {_ha(amount)} too many; raise "
                       f"{key}.max or allow those parcels other uses", amount, "ha")
    uses = np.flatnonzero(quota.members)
    inside = np.ones(p.n_parcels, bool) if quota.parcels is None else quota.parcels
    shut = {rule: float(facts.area[inside & ~may & mask[:, uses].all(axis=1)].sum())
            for rule, mask in p.forbidden.items()}
    place = "the county" if quota.district < 0 else f"district {quota.place}"
    because = ", ".join(f"{rule} shuts out {_ha(a)}" for rule, a in sorted(shut.items(), key=lambda x: -x[1])
                        if a > 0) or f"{place} has only {_ha(float(facts.area[inside].sum()))}"
    return Finding(side.name, "error",
                   f"{_what(quota, 'minimum')} {_ha(side.bound)} cannot be met: at most "
                   f"{_ha(facts.high[side.row])} of parcels may be {quota.use_label} {where} ({because}), "
                   f"{_ha(amount)} short; lower {key}.min or allow more conversions", amount, "ha")


def _what(quota: QuotaRule, side: str) -> str:
    """"cropland minimum", "cropland minimum of 鄂托克前旗"."""
    return f"{quota.use_label} {side}" + (f" of {quota.place}" if quota.place else "")


def _levels(facts: _Facts) -> list[Finding]:
    """Check 7: the districts under a district with a quota can meet it. A district's range of a use
    is its own quota cut to what its children's ranges add up to (at a leaf: to what its parcels
    allow); the first district from the top whose quota lies outside its children's sum is named."""
    p, tree = facts.problem, facts.problem.tree
    bounds = {(q.district, q.key): (q.low, q.high) for q in p.quotas}
    keys = sorted({q.key for q in p.quotas})
    tops = np.flatnonzero(tree.parent < 0)
    order = [-1, *np.argsort(tree.depth, kind="stable")]          # the whole plan first, then down the tree
    for key in keys:
        members = next(q.members for q in p.quotas if q.key == key)
        may = np.bincount(p.district, weights=p.area * (p.allowed & members).any(axis=1), minlength=tree.n_leaves)
        must = np.bincount(p.district, weights=p.area * ~(p.allowed & ~members).any(axis=1), minlength=tree.n_leaves)
        ranges: dict[int, tuple[float, float]] = {}

        def reach(node: int) -> tuple[float, float]:
            if node not in ranges:
                under = tops if node < 0 else tree.children(node)
                if len(under):
                    parts = [reach(int(c)) for c in under]
                    low, high = sum(a for a, _ in parts), sum(b for _, b in parts)
                else:
                    low, high = float(must[node]), float(may[node])
                own = bounds.get((node, key), (0.0, np.inf))
                ranges[node] = (max(low, own[0]), min(high, own[1]))
            return ranges[node]

        for node in order:
            node = int(node)
            if (node, key) not in bounds or (node >= 0 and not len(tree.children(node))):
                continue
            under = tops if node < 0 else tree.children(node)
            parts = [reach(int(c)) for c in under]
            low, high = bounds[(node, key)]
            quota = next(q for q in p.quotas if (q.district, q.key) == (node, key))
            place = "" if node < 0 else f" {tree.ids[node]}"
            rule = f"quota_min[{quota.name}]"
            if low > sum(b for _, b in parts) + TOLERANCE * max(1.0, low):
                amount, side, each, verb = low - sum(b for _, b in parts), "min", [b for _, b in parts], "at most"
            elif high < sum(a for a, _ in parts) - TOLERANCE * max(1.0, high):
                amount, side, each, verb = sum(a for a, _ in parts) - high, "max", [a for a, _ in parts], "at least"
                rule = f"quota_max[{quota.name}]"
            else:
                continue
            level = tree.levels[int(under[0])] or "district"
            listed = ", ".join(f"{tree.names[int(c)]} {_ha(v)}" for c, v in zip(under, each))
            key_path = f"quotas.{key}" if node < 0 else f"district_quotas.{tree.ids[node]}.{key}"
            return [Finding(rule, "error",
                            f"{_what(quota, 'minimum' if side == 'min' else 'maximum')} "
                            f"{_ha(low if side == 'min' else high)} cannot be met by the {level} districts under "
                            f"{quota.place or 'the plan'}: their own quotas and parcels allow {verb} "
                            f"{_ha(sum(each))} ({listed}), {_ha(amount)} {'short' if side == 'min' else 'too many'}; "
                            f"change {key_path}.{side} or the {level} quotas of {quota.use_label} under{place or ' it'}",
                            float(amount), "ha")]
    return []


def _quota_sum(facts: _Facts) -> list[Finding]:
    """Minimum quotas of disjoint rows, plus the area that must lie outside them, above the total."""
    p = facts.problem
    rows = [r for r, q in enumerate(p.quotas) if q.district < 0 and q.low > 0]
    sizes = range(2, len(rows) + 1) if len(rows) <= MAX_SUBSETS_OF else ()
    worst: tuple[float, tuple[int, ...], float] | None = None
    for size in sizes:
        for chosen in combinations(rows, size):
            covered = np.array([p.quotas[r].members for r in chosen])
            if (covered.sum(axis=0) > 1).any():  # overlapping rows count the same hectares twice
                continue
            outside = float(facts.pattern_area[~(facts.patterns & covered.any(axis=0)).any(axis=1)].sum())
            excess = sum(p.quotas[r].low for r in chosen) + outside - facts.total
            if excess > TOLERANCE * max(1.0, facts.total) and (worst is None or excess > worst[0]):
                worst = (excess, chosen, outside)
    if worst is None:
        return []
    excess, chosen, outside = worst
    parts = " + ".join(f"{p.quotas[r].key} {_ha(p.quotas[r].low, unit='')}" for r in chosen)
    rest = f", and {_ha(outside)} of parcels may take none of these uses," if outside > 0 else ""
    return [Finding("quotas", "error",
                    f"the minimum quotas {parts} = {_ha(sum(p.quotas[r].low for r in chosen))} cannot fit: the "
                    f"county has {_ha(facts.total)}{rest} so they exceed it by {_ha(excess)}; lower these minimums",
                    excess, "ha")]


def _population(facts: _Facts, side: Side, amount: float) -> Finding:
    p = facts.problem
    housing = [f"{u.code} {p.capacity[:, k].sum() / max(facts.total, 1e-12):,.6g}"
               for k, u in enumerate(p.uses) if p.capacity[:, k].any()]
    return Finding(side.name, "error",
                   f"district {p.rules.names[side.row]} must house {side.bound:,.0f} persons but at most "
                   f"{facts.high[side.row]:,.0f} fit even if each of its parcels took its densest allowed use "
                   f"(persons/ha: {', '.join(housing) or 'no housing use has a density'}), {amount:,.0f} short; "
                   "lower the target, raise [population] density or widen the urban development boundary",
                   amount, "persons")


def _balance(facts: _Facts, side: Side, amount: float) -> Finding:
    p = facts.problem
    coef = p.rules.row(side.row, p.n_uses)
    best = np.where(p.allowed, coef, -np.inf).max(axis=1)
    lost, gained = float(-best[best < 0].sum()), float(best[best > 0].sum())
    rows = np.flatnonzero(best < 0)
    unit = p.rules.units[side.row]
    return Finding(side.name, "error",
                   f"cropland balance (占补平衡) cannot hold: {_ha(lost, unit)} of cropland must become construction "
                   f"land under the rules (parcels {first_ids(p.parcel_ids[rows].tolist())}), but at most "
                   f"{_ha(gained, unit)} of new cropland can be gained, {_ha(amount, unit)} short; allow more "
                   "land to become cropland or keep that cropland", amount, unit)


def _fairness(facts: _Facts, side: Side, amount: float) -> Finding:
    p = facts.problem
    reached = facts.high[side.row] if side.sign > 0 else facts.low[side.row]
    return Finding(side.name, "error",
                   f"the {p.rules.labels[side.row]} cannot stay within its fairness band of {_ha(abs(side.bound))} "
                   f"around its share today: the rules move it {_ha(abs(reached))} at {'most' if side.sign > 0 else 'least'}, "
                   f"{_ha(amount)} outside; widen [fairness] for its level or allow other conversions there",
                   amount, "ha")


def _linkage(facts: _Facts, side: Side, amount: float) -> Finding:
    p = facts.problem
    return Finding(side.name, "error",
                   f"the {p.rules.labels[side.row]} (增减挂钩: new urban construction land at most the rural "
                   "settlement land reclaimed to cropland or ecological land) cannot hold: the rules make at least "
                   f"{_ha(amount)} more new urban land than the rural settlements there can give back; allow those "
                   "settlements to become cropland or ecological land, or set rules.construction_linkage = false",
                   amount, "ha")


MESSAGES: dict[str, Callable[[_Facts, Side, float], Finding]] = {
    "quota": _quota, "district_quota": _quota, "fairness": _fairness, "balance": _balance, "capacity": _population,
    "linkage": _linkage}
"""The planner's message for a broken side of a rule row, by the row's kind."""
IN_WORDS = {"quota": "quotas", "district_quota": "quotas", "fairness": "fairness bands", "balance": "cropland balance",
            "capacity": "population targets", "linkage": "construction linkage"}
"""Each kind of rule row as the joint check names it."""


def _rules_in_words(p: Problem) -> str:
    """The kinds of rule row a problem has, in words: "the quotas, cropland balance and population targets"."""
    words = list(dict.fromkeys(IN_WORDS[kind] for kind in p.rules.kinds))
    return "the " + (", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0])


def _joint(facts: _Facts) -> tuple[list[Finding], list[Finding]]:
    """The LP relaxation of quotas, balance and population over parcels grouped alike.

    Parcels with the same allowed uses, district and current use are one group ``g`` with
    columns ``z_gk`` (hectares of the group given use k, summing to the group's area); every
    constraint of rules 5-7 is linear in those hectares, so any feasible layout gives a
    feasible ``z``. Each constraint gets an elastic slack; the LP minimises their scaled sum.
    """
    from scipy.optimize import linprog

    p = facts.problem
    key = (facts.pattern * len(p.districts) + p.district) * p.n_uses + p.current
    _, first, group = np.unique(key, return_index=True, return_inverse=True)
    g, k = np.nonzero(p.allowed[first])
    if len(g) > MAX_LP_COLUMNS:
        return [], [Finding("joint", "warning", f"skipped the joint check of quotas, balance and population: "
                                                f"{len(g):,} aggregated columns is more than {MAX_LP_COLUMNS:,}")]
    rows = _joint_rows(p, first, group, g, k)
    if not rows:
        return [], []
    names, units = [r[0] for r in rows], [r[1] for r in rows]
    sense = np.array([r[2] for r in rows])  # +1: sum <= bound (a maximum), -1: sum >= bound
    bound = np.array([r[3] for r in rows])
    coef = np.array([r[4] for r in rows])
    scale = np.maximum(1.0, np.abs(bound))
    n_cols, n_rows = len(g), len(rows)
    a_ub = sp.hstack([sp.csr_matrix(coef * sense[:, None]), -sp.identity(n_rows)]).tocsr()
    a_eq = sp.hstack([sp.csr_matrix((np.ones(n_cols), (g, np.arange(n_cols))), shape=(len(first), n_cols)),
                      sp.csr_matrix((len(first), n_rows))]).tocsr()
    result = linprog(np.concatenate([np.zeros(n_cols), 1.0 / scale]), A_ub=a_ub, b_ub=sense * bound,
                     A_eq=a_eq, b_eq=np.bincount(group, weights=p.area), bounds=(0, None), method="highs")
    if result.status != 0:
        return [], [Finding("joint", "warning", "the joint check of quotas, balance and population did not "
                                                f"finish ({result.message})")]
    slack = result.x[n_cols:]
    missed = np.flatnonzero(slack > LP_TOLERANCE * scale)
    if len(missed) == 0:
        return [], []
    parts = "; ".join(f"{names[c]} by {slack[c]:,.6g} {units[c]}" for c in missed)
    return [Finding("joint", "error",
                    f"{_rules_in_words(p)} cannot all hold together, even with parcels split into fractions: the "
                    f"smallest relaxation that lets them hold misses {parts}; loosen these bounds at least that much (whole parcels may need more)",
                    float((slack[missed] / scale[missed]).sum()), "share of bounds")], []


def _joint_rows(p: Problem, first: np.ndarray, group: np.ndarray, g: np.ndarray,
                k: np.ndarray) -> list[tuple[str, str, float, float, np.ndarray]]:
    """Each side of each rule row over the columns ``(g, k)``: (name, unit, sense, bound, coefficient
    per hectare of each column). Where parcels of a group differ per hectare (a quality-weighted
    balance), the side's loosest member stands for the group, which keeps the LP a relaxation."""
    rules, rows = p.rules, []
    has_area = p.area > 0
    for side in rules.sides:
        per_ha = np.divide(rules.row(side.row, p.n_uses), p.area[:, None], where=has_area[:, None],
                           out=np.zeros((p.n_parcels, p.n_uses)))
        grouped = pd.DataFrame(per_ha).groupby(group)
        loosest = (grouped.max() if side.sign > 0 else grouped.min()).to_numpy()
        rows.append((f"{side.name} ({_describe(p, side)})", rules.units[side.row], -side.sign, side.bound,
                     loosest[g, k]))
    return rows


def _describe(p: Problem, side: Side) -> str:
    """A side of a rule row in the planner's words: "construction land maximum 4 ha"."""
    which = "minimum" if side.sign > 0 else "maximum"
    return f"{p.rules.labels[side.row]} {which} {_ha(side.bound, p.rules.units[side.row])}"


def _pattern_ids(allowed: np.ndarray) -> np.ndarray:
    """0..P-1 per parcel, equal for parcels with the same allowed uses."""
    if allowed.shape[1] <= 62:
        bits = allowed.astype(np.int64) @ (np.int64(1) << np.arange(allowed.shape[1], dtype=np.int64))
        return np.unique(bits, return_inverse=True)[1].ravel()
    return np.unique(allowed, axis=0, return_inverse=True)[1].ravel()


def _warnings(facts: _Facts) -> list[Finding]:
    p, out = facts.problem, []
    for k in np.flatnonzero(~p.allowed.any(axis=0)):
        out.append(Finding(f"use[{p.codes[k]}]", "warning",
                           f"no parcel may become {p.uses[k].name_en} ('{p.codes[k]}') under the rules; quotas, "
                           "objectives and maps that count it cannot change"))
    if len(p.free) == 0:
        out.append(Finding("parcels", "warning", "every parcel is locked by the rules: there is exactly one layout "
                                                 "and nothing to optimise"))
    for name in p.objectives:
        reason = _no_spread(p, name)
        if reason:
            out.append(Finding(f"objective[{name}]", "warning",
                               f"objective '{name}' takes the same value in every layout the rules allow ({reason}); "
                               "it cannot trade off against the others: drop it from [objectives]"))
    small, large = float(p.area.min()), float(p.area.max())
    if small > 0 and large / small > SLIVER_RATIO:
        slivers = np.flatnonzero(p.area < large / SLIVER_RATIO)
        out.append(Finding("parcels", "warning",
                           f"parcel areas span {np.log10(large / small):.0f} orders of magnitude ({_ha(small)} to "
                           f"{_ha(large)}): slivers such as "
                           f"parcels {first_ids(p.parcel_ids[slivers].tolist())} add decisions without meaning and "
                           "make the MILP numerically harder; merge them into their neighbours"))
    return out


def _no_spread(p: Problem, name: str) -> str:
    """Why an objective is constant over the allowed layouts, or "" when it may vary."""
    if name in ("efficiency", "ecology", "change"):
        coef = getattr(p, name)
        spread = (np.where(p.allowed, coef, -np.inf).max(axis=1) - np.where(p.allowed, coef, np.inf).min(axis=1)).sum()
        return "no parcel's allowed uses differ in it" if spread <= 1e-12 * max(1.0, np.abs(coef).sum()) else ""
    if name == "equity":
        if p.service < 0:
            return "the classification has no 'service' use"
        if len(p.demand) == 0:
            return "no parcel has residents"
        if not p.allowed[:, p.service].any():
            return "no parcel may be public-service land"
        unserved = _unserved(p)
        if unserved:
            return unserved
        if p.locked[np.unique(p.catchment.indices)].all():
            return "every parcel within reach of residents is locked"
        return ""
    if name == "urban_rural_gap":
        if p.service < 0:
            return "the classification has no 'service' use"
        if gap_weights(p) is None:
            return "residents live only in urban districts or only in rural ones ([districts.<id>] kind)"
        return ""
    if name == "compactness":
        if len(p.edges) == 0:
            return "no two parcels share an edge"
        if not p.compact_uses.any():
            return "[compactness] names no use"
        return ""
    return "" if name in OBJECTIVES else "unknown objective"


def _unserved(p: Problem) -> str:
    """Why equity is 0 in every layout when some inhabited district can never be served (equity is
    the least-served district's share), naming each with the distance from its residents to the
    nearest parcel that may become public-service land; "" when every district can be served."""
    may_serve = p.allowed[:, p.service]
    reached = np.asarray(p.catchment @ may_serve.astype(np.float64)).ravel() > 0
    home = p.district[p.demand]
    stuck = np.setdiff1d(np.unique(home), np.unique(home[reached]))
    if len(stuck) == 0:
        return ""
    nearest = cKDTree(p.centroids[may_serve]).query(p.centroids[p.demand])[0]
    named = [(p.districts[d] if p.tree.names[d] == p.districts[d] else f"{p.districts[d]} {p.tree.names[d]}",
              float(nearest[home == d].min())) for d in stuck]
    return ("no parcel that may become public-service land lies within the service radius of the residents of "
            f"district{'s' if len(named) > 1 else ''} "
            f"{first_ids([f'{name} (the nearest is {far:,.0f} m away)' for name, far in named])}, so equity is 0 "
            "in every layout; widen [service] radius_m beyond that distance or allow public-service land nearer")


def _ha(value: float, unit: str = "ha") -> str:
    text = f"{value:,.0f}" if abs(value) >= 1e5 else f"{value:,.6g}"
    return f"{text} {unit}" if unit else text
