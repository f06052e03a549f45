"""A layout's tables: area by use against quotas, from→to transitions, districts against targets.

Every function takes one layout (use index per parcel, as in ``front.layouts[p]``) and returns
a DataFrame in hectares or persons; the report writes them as CSV and shows them in HTML.
:func:`district_change_table` gives each district's hectares gained and lost per use.
Quota and district columns need the compiled :class:`~landalloc.models.Problem`; without it the area
table has no quota columns and there is no district table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from landalloc.models import Problem
from landalloc.models.evaluation import coverage_by_district
from landalloc.models.rules import linkage_coefficients
from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.report.context import current_layout, parcel_area
from landalloc.optimizer.report.labels import district_labels


def area_table(front: ParetoFront, layout: np.ndarray, problem: Problem | None = None) -> pd.DataFrame:
    """Area of each use today and in ``layout`` (ha), with the plan's quotas and their status.

    One row per land use, then one per group quota (e.g. ``construction``, the cap on all
    construction land). ``status`` is ``ok``, ``below min by X ha`` or ``above max by X ha``.

    Examples
    --------
    >>> area_table(front, front.layouts[0], problem)  # doctest: +SKIP
    """
    area = parcel_area(front, problem)
    k = len(front.uses)
    today = np.bincount(current_layout(front), weights=area, minlength=k)
    planned = np.bincount(np.asarray(layout), weights=area, minlength=k)
    codes = [u.code for u in front.uses]
    table = pd.DataFrame({"code": codes, "class": [u.name_en for u in front.uses],
                          "名称": [u.name_zh for u in front.uses], "group": [u.group for u in front.uses],
                          "current_ha": today, "planned_ha": planned, "change_ha": planned - today})
    if problem is None:
        return table
    table["quota_min_ha"] = np.nan
    table["quota_max_ha"] = np.nan
    rules = problem.rules
    quota = np.flatnonzero(np.array(rules.kinds, dtype=object) == "quota")
    activity = rules.activity(np.vstack([current_layout(front), layout]), problem.n_uses)[:, quota]
    rows = []
    for (before, after), r in zip(activity.T, quota):
        name = rules.names[r]
        low = rules.lower[r] if np.isfinite(rules.lower[r]) else np.nan
        high = rules.upper[r] if np.isfinite(rules.upper[r]) else np.nan
        if name in codes:
            table.loc[codes.index(name), ["quota_min_ha", "quota_max_ha"]] = [low, high]
        else:
            rows.append({"code": name, "class": f"all {name} land", "名称": "", "group": name,
                         "current_ha": before, "planned_ha": after, "change_ha": after - before,
                         "quota_min_ha": low, "quota_max_ha": high})
    if rows:
        table = pd.concat([table, pd.DataFrame(rows)], ignore_index=True)
    table["status"] = [_quota_status(p, lo, hi) for p, lo, hi in
                       zip(table["planned_ha"], table["quota_min_ha"], table["quota_max_ha"])]
    return table


def _quota_status(planned: float, low: float, high: float) -> str:
    tolerance = 1e-6 * max(1.0, abs(planned))
    if np.isfinite(low) and planned < low - tolerance:
        return f"below min by {low - planned:,.1f} ha"
    if np.isfinite(high) and planned > high + tolerance:
        return f"above max by {planned - high:,.1f} ha"
    return "ok" if np.isfinite(low) or np.isfinite(high) else ""


def transition_matrix(front: ParetoFront, layout: np.ndarray, problem: Problem | None = None) -> pd.DataFrame:
    """Hectares moving from each use today (rows) to each use in ``layout`` (columns), with totals.

    The diagonal is land that keeps its use; the ``total`` column is today's area of each use
    and the ``total`` row the planned one.
    """
    area = parcel_area(front, problem)
    k = len(front.uses)
    flat = current_layout(front) * k + np.asarray(layout)
    matrix = np.bincount(flat, weights=area, minlength=k * k).reshape(k, k)
    codes = [u.code for u in front.uses]
    table = pd.DataFrame(matrix, index=pd.Index(codes, name="from \\ to"), columns=codes)
    table["total"] = table.sum(axis=1)
    table.loc["total"] = table.sum(axis=0)
    return table


def district_table(problem: Problem, layout: np.ndarray) -> pd.DataFrame:
    """Per district: residents, share covered by public service, housing capacity against target.

    ``coverage`` is the equity objective's ``cov_d`` (its minimum over inhabited districts is the
    layout's equity); ``capacity`` is ``sum_{i in d} a_i rho_k`` (persons) and ``margin`` its
    excess over the population target (negative: the rule is broken); ``new_urban_ha`` and
    ``reclaimed_rural_ha`` are the two sides of the construction linkage (增减挂钩) in the district,
    whether the rule is on or not.
    """
    layout = np.asarray(layout)
    n_districts = len(problem.districts)
    residents = np.bincount(problem.district, weights=problem.residents, minlength=n_districts)
    coverage = coverage_by_district(problem, layout)[0]
    capacity = np.bincount(problem.district, weights=problem.capacity[np.arange(problem.n_parcels), layout],
                           minlength=n_districts)
    rules = problem.rules
    housing = np.flatnonzero(np.array(rules.kinds, dtype=object) == "capacity")
    target = np.full(n_districts, np.nan)
    target[rules.district[housing]] = rules.lower[housing]
    margin = capacity - target
    linkage = linkage_coefficients(problem.uses, problem.current, problem.area)
    moved = np.zeros(problem.n_parcels) if linkage is None else linkage[np.arange(problem.n_parcels), layout]
    return pd.DataFrame({
        "district": problem.districts, "kind": np.where(problem.district_urban, "urban", "rural"),
        "residents": residents, "coverage": coverage,
        "service_ha": np.bincount(problem.district, weights=problem.area * (layout == problem.service),
                                  minlength=n_districts),
        "new_urban_ha": np.bincount(problem.district, weights=np.maximum(moved, 0.0), minlength=n_districts),
        "reclaimed_rural_ha": np.bincount(problem.district, weights=np.maximum(-moved, 0.0), minlength=n_districts),
        "capacity": capacity, "target": target, "margin": margin,
        "status": np.where(np.isnan(target), "", np.where(margin >= -1e-6 * np.maximum(1.0, target),
                                                          "ok", "short")),
    })


def district_change_table(front: ParetoFront, layout: np.ndarray, problem: Problem | None = None) -> pd.DataFrame:
    """Hectares of each use gained and lost in each district, today -> ``layout``.

    One row per district and land use present in it today or in the layout: ``current_ha``,
    ``gained_ha`` (land that takes the use and did not have it), ``lost_ha`` (land that had it
    and takes another), ``planned_ha`` and ``change_ha`` = gained − lost = planned − current.
    District names come from the scenario recorded in run.json (``[districts.<id>]``).

    Examples
    --------
    >>> district_change_table(front, front.layouts[0], problem)  # doctest: +SKIP
    """
    area = parcel_area(front, problem)
    layout = np.asarray(layout)
    today = current_layout(front)
    district_of = front.parcels["district"].astype(str).to_numpy()
    ids, district = np.unique(district_of, return_inverse=True)
    k = len(front.uses)
    moved = layout != today

    def by_district_use(uses: np.ndarray, mask: np.ndarray) -> np.ndarray:
        flat = district[mask] * k + uses[mask]
        return np.bincount(flat, weights=area[mask], minlength=len(ids) * k).reshape(len(ids), k)

    everywhere = np.ones(len(layout), bool)
    current, planned = by_district_use(today, everywhere), by_district_use(layout, everywhere)
    gained, lost = by_district_use(layout, moved), by_district_use(today, moved)
    names = district_labels(front.run, list(ids))
    d, u = np.nonzero((current > 0) | (planned > 0))
    return pd.DataFrame({
        "district": ids[d], "district_name": [names[ids[i]][0] for i in d], "区名": [names[ids[i]][1] for i in d],
        "code": [front.uses[j].code for j in u], "class": [front.uses[j].name_en for j in u],
        "名称": [front.uses[j].name_zh for j in u],
        "current_ha": current[d, u], "gained_ha": gained[d, u], "lost_ha": lost[d, u],
        "planned_ha": planned[d, u], "change_ha": planned[d, u] - current[d, u],
    })


def with_district_names(table: pd.DataFrame, front: ParetoFront) -> pd.DataFrame:
    """``table`` with ``district_name`` and ``区名`` columns after its ``district`` column."""
    names = district_labels(front.run, table["district"].astype(str).tolist())
    out = table.copy()
    at = out.columns.get_loc("district") + 1
    out.insert(at, "district_name", [names[str(d)][0] for d in out["district"]])
    out.insert(at + 1, "区名", [names[str(d)][1] for d in out["district"]])
    return out
