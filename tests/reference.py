"""A plain-Python reading of docs/model.md, written from the parcel table, not the compiled arrays.

Slow and obvious on purpose: tests compare :func:`landalloc.models.evaluate` (and every engine) with it.
:class:`Enumeration` scores every allowed layout of a small problem, for the true optima and
fronts the engines must reproduce.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely

from landalloc.models import Problem, evaluate
from landalloc.models.scenario import GROUPS, OBJECTIVES, Scenario


def reference_evaluate(parcels, scenario: Scenario, layout: list[str]) -> tuple[dict, dict]:
    """Objectives and constraint slacks of one layout given as land-use codes."""
    uses = {u.code: u for u in scenario.land_use}
    rows = list(parcels.itertuples(index=False))
    geoms = list(parcels.geometry)
    rules = scenario.rules
    n = len(rows)

    objectives = {"efficiency": 0.0, "ecology": 0.0, "change": 0.0, "compactness": 0.0}
    for r, use in zip(rows, layout):
        objectives["efficiency"] += r.area_ha * getattr(r, f"suit_{use}") * uses[use].benefit
        objectives["ecology"] += r.area_ha * uses[use].esv
        objectives["change"] += r.area_ha if use != r.current_use else 0.0
    for i in range(n):
        for j in range(i + 1, n):
            if layout[i] == layout[j] and layout[i] in scenario.compactness.uses:
                shared = geoms[i].boundary.intersection(geoms[j].boundary).length
                objectives["compactness"] += shared / 1000.0

    centroids = [g.centroid for g in geoms]
    coverage: dict[str, list[float]] = {}
    for i, r in enumerate(rows):
        if r.pop <= 0:
            continue
        covered = any(layout[j] == "service" and
                      (i == j or shapely.distance(centroids[i], centroids[j]) <= scenario.service.radius_m)
                      for j in range(n))
        got, total = coverage.get(r.district, [0.0, 0.0])
        coverage[r.district] = [got + (r.pop if covered else 0.0), total + r.pop]
    objectives["equity"] = min((g / t for g, t in coverage.values()), default=0.0) if "service" in uses else 0.0
    kinds = {d: scenario.districts[d].kind if d in scenario.districts else "rural" for d in coverage}
    got = {k: sum(g for d, (g, _) in coverage.items() if kinds[d] == k) for k in ("urban", "rural")}
    total = {k: sum(t for d, (_, t) in coverage.items() if kinds[d] == k) for k in ("urban", "rural")}
    both = "service" in uses and total["urban"] > 0 and total["rural"] > 0
    objectives["urban_rural_gap"] = got["urban"] / total["urban"] - got["rural"] / total["rural"] if both else 0.0

    slack: dict[str, float] = {}
    conversion = {src: set(dst) | {src} for src, dst in scenario.conversion.items()}
    breach = {"conversion": 0.0, "basic_farmland": 0.0, "eco_redline": 0.0, "urban_boundary": 0.0,
              "steep_cropland": 0.0}
    steep = rules.cropland_max_slope
    for r, use in zip(rows, layout):
        if use not in conversion.get(r.current_use, uses):
            breach["conversion"] += r.area_ha
        if r.farmland and use != "crop":
            breach["basic_farmland"] += r.area_ha
        ecological_ok = uses[use].group == "ecological" or (use == "crop" and r.current_use == "crop")
        if r.eco_redline and not ecological_ok:
            breach["eco_redline"] += r.area_ha
        if use == "urban" and not r.urban_boundary and r.current_use != "urban":
            breach["urban_boundary"] += r.area_ha
        if steep is not None and use == "crop" and r.current_use != "crop" and r.slope > steep:
            breach["steep_cropland"] += r.area_ha
    active = {"conversion": rules.conversion and bool(scenario.conversion),
              "basic_farmland": rules.basic_farmland, "eco_redline": rules.eco_redline,
              "urban_boundary": rules.urban_boundary and "urban" in uses,
              "steep_cropland": steep is not None and "crop" in uses}
    for name, value in breach.items():
        if active[name]:
            slack[name] = -value

    if rules.quotas:
        for key, quota in scenario.quotas.items():
            members = {c for c, u in uses.items() if (u.group == key if key in GROUPS else c == key)}
            total = sum(r.area_ha for r, use in zip(rows, layout) if use in members)
            if quota.min:
                slack[f"quota_min[{key}]"] = total - quota.min
            if quota.max is not None:
                slack[f"quota_max[{key}]"] = quota.max - total
    if rules.cropland_balance and "crop" in uses:
        lost = gained = 0.0
        for r, use in zip(rows, layout):
            weight = r.area_ha * (r.crop_quality if rules.quality_weighted_balance else 1.0)
            if r.current_use == "crop" and uses[use].group == "construction":
                lost += weight
            if r.current_use != "crop" and use == "crop":
                gained += weight
        slack["cropland_balance"] = gained - lost
    if rules.population_capacity:
        for name, district in scenario.districts.items():
            if district.population_target is None:
                continue
            capacity = sum(r.area_ha * scenario.population.density.get(use, 0.0)
                           for r, use in zip(rows, layout) if r.district == name)
            slack[f"population[{name}]"] = capacity - district.population_target
    return objectives, slack


# -- exhaustive enumeration ------------------------------------------------------------------------
RTOL = 1e-6
"""Relative tolerance of "the same value" between an engine and the enumeration."""


def layouts_of(problem: Problem) -> np.ndarray:
    """Every layout a problem allows: the product of each parcel's allowed uses (L × N)."""
    options = [np.flatnonzero(row) for row in problem.allowed]
    grids = np.meshgrid(*options, indexing="ij")
    return np.column_stack([g.ravel() for g in grids]).astype(np.int64)


def close(a: float, b: float) -> bool:
    return abs(a - b) <= RTOL * max(1.0, abs(a), abs(b))


class Enumeration:
    """Every allowed layout of a small problem, scored by :func:`landalloc.models.evaluate`:
    the true optimum of each objective, lexicographic payoff rows, ε-constrained optima and
    the exact non-dominated set, all in maximised units ``g = f`` (max) or ``-f`` (min)."""

    def __init__(self, problem: Problem, batch: int = 20_000) -> None:
        self.problem = problem
        layouts = layouts_of(problem)
        feasible, values = [], []
        for start in range(0, len(layouts), batch):
            result = evaluate(problem, layouts[start:start + batch])
            feasible.append(result.feasible)
            values.append(result.objectives)
        self.count = len(layouts)
        keep = np.concatenate(feasible)
        self.layouts = layouts[keep]
        self.values = np.concatenate(values)[keep]

    @property
    def feasible(self) -> bool:
        return len(self.layouts) > 0

    def g(self, names: Sequence[str], senses: Sequence[str]) -> np.ndarray:
        """Feasible layouts' objectives ``names`` in maximised units (L × len(names))."""
        sign = np.array([1.0 if s == "max" else -1.0 for s in senses])
        return self.values[:, [OBJECTIVES.index(n) for n in names]] * sign

    def optimum(self, name: str, sense: str) -> float:
        """The best value of one objective (maximised units)."""
        return float(self.g([name], [sense]).max())

    def lexicographic(self, order: Sequence[str], senses: Sequence[str]) -> np.ndarray:
        """The lexicographic optimum of ``order`` (maximised units, in that order): each
        objective at its best among the layouts that hold the previous ones at theirs."""
        g = self.g(order, senses)
        pool = np.ones(len(g), bool)
        for k in range(len(order)):
            best = g[pool, k].max()
            pool &= g[:, k] >= best - RTOL * max(1.0, abs(best))
        return g[pool][0]

    def constrained(self, first: str, bounds: dict[str, float], senses: dict[str, str]) -> float | None:
        """``max g_first`` subject to ``g_o >= bounds[o]`` (maximised units); None when no
        layout meets the bounds."""
        pool = np.ones(len(self.layouts), bool)
        for name, bound in bounds.items():
            pool &= self.g([name], [senses[name]])[:, 0] >= bound - RTOL * max(1.0, abs(bound))
        if not pool.any():
            return None
        return float(self.g([first], [senses[first]])[pool, 0].max())

    def augmented(self, names: Sequence[str], bounds: Sequence[float], senses: Sequence[str],
                  ranges: Sequence[float], augmentation: float) -> float | None:
        """AUGMECON2's optimum (Mavrotas 2009): ``max g_1 / r_1 + sum_k augmentation 0.1^k
        (g_k - bounds_k) / r_k`` over the layouts with ``g_k >= bounds_k`` (k = 2, 3 in maximised
        units); None when no layout meets the bounds. A grid point is this optimum, which need
        not be the plain ε-constrained optimum of ``g_1`` (a slightly lower ``g_1`` may buy a
        larger slack)."""
        g = self.g(names, senses)
        pool = np.ones(len(self.layouts), bool)
        value = g[:, 0] / ranges[0]
        for k, bound in enumerate(bounds, start=1):
            pool &= g[:, k] >= bound - RTOL * max(1.0, abs(bound))
            value = value + augmentation * 0.1 ** (k - 1) * (g[:, k] - bound) / ranges[k]
        return float(value[pool].max()) if pool.any() else None

    def front(self, names: Sequence[str], senses: Sequence[str]) -> np.ndarray:
        """The distinct non-dominated objective vectors (maximised units), written
        independently of :func:`landalloc.optimizer.front.nondominated`."""
        g = self.g(names, senses)
        scale = np.maximum(1.0, np.abs(g).max(axis=0)) * RTOL
        g = np.unique(np.round(g / scale) * scale, axis=0)
        order = np.lexsort(g.T[::-1])[::-1]      # by the first objective, best first
        kept: list[np.ndarray] = []
        for row in g[order]:
            if not any((k >= row).all() for k in kept):
                kept.append(row)
        return np.array(kept).reshape(-1, len(names))

    def dominated(self, point: np.ndarray, names: Sequence[str], senses: Sequence[str]) -> bool:
        """Whether some feasible layout is at least as good in every objective and better by
        more than the tolerance in one (``point`` in maximised units)."""
        g = self.g(names, senses)
        slack = RTOL * np.maximum(1.0, np.abs(point))
        return bool(((g >= point - slack).all(axis=1) & (g > point + slack).any(axis=1)).any())
