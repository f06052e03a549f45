"""The quota cascade (指标分解): each district's share of the quotas handed down the district tree.

A quota on a district with districts under it, and none on them, is split by the optimiser; the
cascade table says which share each district carries in a layout, level by level, beside today's
area and the district's own quota where the scenario sets one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from landalloc.models import Problem

ALL = "all"
"""District and level of the rows for the whole plan (the scenario's ``[quotas]``)."""


def cascade_table(problem: Problem, layout: np.ndarray) -> pd.DataFrame:
    """Per district of the tree and per use (or group) with a quota anywhere: hectares today and in
    ``layout``, and the district's quota.

    Columns: district, name, level, parent, use, current_ha, planned_ha, change_ha, quota_min_ha,
    quota_max_ha (NaN where the district has no quota on the use). Rows run from the whole plan
    down the tree (by depth, then id). Empty when the plan has no quota.

    Examples
    --------
    >>> cascade_table(problem, front.layouts[0])  # doctest: +SKIP
    """
    tree, columns = problem.tree, ["district", "name", "level", "parent", "use", "current_ha", "planned_ha",
                                   "change_ha", "quota_min_ha", "quota_max_ha"]
    bounds = {(q.district, q.key): (q.low if q.low > 0 else np.nan, q.high if np.isfinite(q.high) else np.nan)
              for q in problem.quotas}
    rows = []
    order = np.lexsort((np.array(tree.ids, dtype=object).astype(str), tree.depth))
    for key in dict.fromkeys(q.key for q in problem.quotas):
        members = next(q.members for q in problem.quotas if q.key == key)
        today = np.bincount(problem.district, weights=problem.area * members[problem.current], minlength=tree.n_leaves)
        planned = np.bincount(problem.district, weights=problem.area * members[np.asarray(layout)],
                              minlength=tree.n_leaves)
        if (-1, key) in bounds:
            rows.append((ALL, problem.name, ALL, "", key, today.sum(), planned.sum(), *bounds[(-1, key)]))
        for node in order:
            parent = int(tree.parent[node])
            rows.append((tree.ids[node], tree.names[node], tree.levels[node] or ("district" if node < tree.n_leaves else ""),
                         tree.ids[parent] if parent >= 0 else "", key, tree.under[node] @ today,
                         tree.under[node] @ planned, *bounds.get((int(node), key), (np.nan, np.nan))))
    table = pd.DataFrame([(*r[:7], r[6] - r[5], *r[7:]) for r in rows], columns=columns)
    return table


def cascade_by_level(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The cascade table split by level, top first (one table per level in the report)."""
    return {str(level): part.reset_index(drop=True) for level, part in table.groupby("level", sort=False)}
