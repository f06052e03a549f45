"""``write_report``: everything a result folder shows a planner, written next to front.csv.

Files (DESIGN.md section 3, and docs/report.md):

- ``pareto.png`` — the front, with today's layout, the payoff extremes and the knee point;
- ``maps/<id>.png`` and ``maps/<id>_change.png`` — land use and change from today of each chosen
  solution (default: the best point in each objective and the knee point), plus
  ``maps/current.png`` (today's land use);
- ``tables/<id>_areas.csv``, ``tables/<id>_transitions.csv`` and, with the instance at hand,
  ``tables/<id>_districts.csv``; ``tables/chosen.csv`` lists the chosen solutions and why;
- ``report.html`` — the interactive report of every point.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from landalloc.models import Problem
from landalloc.models.files import CSV_ENCODING
from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.report.charts import plot_front
from landalloc.optimizer.report.context import current_values, load_problem
from landalloc.optimizer.report.html import report_html
from landalloc.optimizer.report.labels import CURRENT
from landalloc.optimizer.report.maps import plot_change, plot_layout
from landalloc.optimizer.report.selection import resolve
from landalloc.optimizer.report.tables import area_table, district_table, transition_matrix

DPI = 150


def write_report(folder: str | Path, problem: Problem | None = None, solutions: Sequence[str | int] | None = None,
                 front: ParetoFront | None = None, html: bool = True) -> list[Path]:
    """Write the charts, maps, tables and interactive report of a result folder.

    Parameters
    ----------
    folder : a result folder (front.csv, layouts.gpkg, run.json).
    problem : the compiled problem; default: compiled from run.json's ``instance`` when it can
        be loaded (quota and district tables and today's values need it).
    solutions : ids or indices of the points to map and tabulate; default: the best point in
        each objective and the knee point.
    front : the folder's front when already in memory (skips reading it back).
    html : write report.html (the largest file: plotly.js is inlined).

    Returns
    -------
    The paths written.

    Examples
    --------
    >>> write_report("results/demo")  # doctest: +SKIP
    """
    folder = Path(folder)
    front = front if front is not None else ParetoFront.read(folder)
    if problem is None:
        problem = load_problem(front, folder)
    written: list[Path] = []
    written.append(_save(plot_front(front, current=current_values(front, problem)), folder / "pareto.png"))
    chosen = resolve(front, list(solutions) if solutions is not None else None)
    maps, tables = folder / "maps", folder / "tables"
    maps.mkdir(exist_ok=True)
    tables.mkdir(exist_ok=True)
    written.append(_save(plot_layout(front, CURRENT), maps / f"{CURRENT}.png"))
    rows = []
    for index, roles in chosen.items():
        pid = str(front.points["id"].iloc[index])
        layout = front.layouts[index]
        written.append(_save(plot_layout(front, index), maps / f"{pid}.png"))
        written.append(_save(plot_change(front, index, problem), maps / f"{pid}_change.png"))
        written.append(_csv(area_table(front, layout, problem), tables / f"{pid}_areas.csv", index=False))
        written.append(_csv(transition_matrix(front, layout, problem), tables / f"{pid}_transitions.csv"))
        if problem is not None:
            written.append(_csv(district_table(problem, layout), tables / f"{pid}_districts.csv", index=False))
        rows.append({"id": pid, "roles": ", ".join(roles),
                     **{o: v for o, v in zip(front.objectives, front.values[index])}})
    chosen_table = pd.DataFrame(rows, columns=["id", "roles", *front.objectives])
    written.append(_csv(chosen_table, tables / "chosen.csv", index=False))
    if html:
        written.append(_write_text(report_html(front, problem), folder / "report.html"))
    if problem is None and not front.run.get("instance"):
        warnings.warn(f"{folder}: run.json names no instance; quota and district tables were left out "
                      "(pass problem= or record 'instance' in run.json)", stacklevel=2)
    return written


def _save(fig, path: Path) -> Path:
    def write(tmp: Path) -> None:
        fig.savefig(tmp, dpi=DPI, format="png")

    return _atomic(path, write)


def _csv(table: pd.DataFrame, path: Path, index: bool = True) -> Path:
    # six decimals: hectares to the square decimetre, no binary noise such as 114107.00000000001
    return _atomic(path, lambda tmp: table.round(6).to_csv(tmp, index=index, encoding=CSV_ENCODING))


def _write_text(text: str, path: Path) -> Path:
    return _atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _atomic(path: Path, write) -> Path:
    """Write through a temporary sibling and rename, so that readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        tmp.chmod(0o644)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
