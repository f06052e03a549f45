"""What a planner sees: charts, maps, tables and an interactive report of Pareto fronts.

- :func:`write_report` — everything for one result folder (pareto.png, maps/, tables/, report.html);
- :func:`compare` — indicators (hypervolume, IGD, additive epsilon, coverage) of several fronts,
  with charts, CSV and Markdown tables;
- :func:`plot_front`, :func:`plot_layout`, :func:`plot_change` — matplotlib figures;
- :func:`report_html` — the interactive report as HTML text;
- :func:`knee_point`, :func:`extremes` — which points to look at first;
- :func:`area_table`, :func:`transition_matrix`, :func:`district_table`, :func:`district_change_table` —
  one layout's tables.

See docs/report.md.
"""

from landalloc.optimizer.report.charts import plot_front
from landalloc.optimizer.report.comparison import Comparison, compare
from landalloc.optimizer.report.folder import write_report
from landalloc.optimizer.report.html import report_html
from landalloc.optimizer.report.maps import plot_change, plot_layout
from landalloc.optimizer.report.notebook import front_html
from landalloc.optimizer.report.selection import chosen_solutions, extremes, knee_point
from landalloc.optimizer.report.tables import area_table, district_change_table, district_table, transition_matrix

__all__ = [
    "Comparison", "area_table", "chosen_solutions", "compare", "district_change_table", "district_table", "extremes",
    "front_html",
    "knee_point", "plot_change", "plot_front", "plot_layout", "report_html", "transition_matrix", "write_report",
]
