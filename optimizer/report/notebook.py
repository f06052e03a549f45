"""Rich representations for Jupyter: a front as its chart and its table."""

from __future__ import annotations

import base64
import html as html_text
import io

from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.report.charts import plot_front
from landalloc.optimizer.report.selection import chosen_solutions


def front_html(front: ParetoFront, max_rows: int = 30) -> str:
    """HTML of a front for notebooks: summary line, the chart (PNG inline) and the points table,
    the knee and extremes named in a ``role`` column."""
    summary = f"<p><b>{html_text.escape(repr(front))}</b></p>"
    if len(front) == 0:
        return summary
    buffer = io.BytesIO()
    plot_front(front).savefig(buffer, format="png", dpi=72)
    image = base64.b64encode(buffer.getvalue()).decode("ascii")
    table = front.table()
    roles = chosen_solutions(front)
    table.insert(2, "role", [", ".join(roles.get(p, [])) for p in range(len(front))])
    shown = table if len(table) <= max_rows else table.head(max_rows)
    more = f"<p>... {len(table) - max_rows} more points</p>" if len(table) > max_rows else ""
    return (f"{summary}<div style='display:flex;gap:12px;align-items:flex-start;flex-wrap:wrap'>"
            f"<img style='max-width:520px' src='data:image/png;base64,{image}'/>"
            f"<div>{shown.to_html(index=False, float_format=lambda v: f'{v:.6g}', na_rep='')}{more}</div></div>")
