"""Rich representations for Jupyter: a front as a compact table (``front.plot()`` draws it)."""

from __future__ import annotations

import html as html_text

from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.report.selection import chosen_solutions


def front_html(front: ParetoFront, max_rows: int = 30) -> str:
    """HTML of a front for notebooks: its repr, then one row per point with its id, objective
    values, solver status and gap only (the solver's other columns are in ``front.table()``),
    and a line naming the knee and the best point of each objective."""
    summary = f"<p><b>{html_text.escape(repr(front))}</b></p>"
    if len(front) == 0:
        return summary
    table = front.table()[["id", *front.objectives, "status", "gap"]]
    shown = table if len(table) <= max_rows else table.head(max_rows)
    more = f"<p>... {len(table) - max_rows} more points</p>" if len(table) > max_rows else ""
    ids = front.points["id"].astype(str)
    roles = "; ".join(f"{', '.join(names)}: {ids.iloc[i]}" for i, names in chosen_solutions(front).items())
    return (f"{summary}{shown.to_html(index=False, float_format=lambda v: f'{v:,.6g}', na_rep='')}{more}"
            f"<p>{html_text.escape(roles)} (<code>front.knee()</code>, <code>front.best(\"...\")</code>)</p>")
