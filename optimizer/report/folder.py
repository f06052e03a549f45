"""``write_report``: everything a result folder shows a planner, written next to front.csv.

Files (DESIGN.md section 3, and docs/report.md):

- ``pareto.png`` — the front, with today's layout, the payoff extremes and the knee point;
- ``maps/<id>.png`` and ``maps/<id>_change.png`` — land use and change from today of each chosen
  solution (default: the best point in each objective and the knee point), plus
  ``maps/current.png`` (today's land use);
- ``tables/<id>_areas.csv``, ``tables/<id>_transitions.csv``, ``tables/<id>_district_change.csv``
  (ha gained and lost per use in each district) and, with the instance at hand,
  ``tables/<id>_districts.csv``; ``tables/chosen.csv`` lists the chosen solutions and why;
- ``cascade.csv`` — with the instance at hand and some quota: each district's area of every use
  with a quota, today and in each chosen solution, beside its own quota (the quota cascade);
- ``report.html`` — the interactive report of every point.

:func:`report_folder` does the same for any folder landalloc writes: a result folder, a
comparison (compared again from the fronts its run.json lists) or a batch (each of its results
and its comparison); :func:`result_folders` lists the result folders such a folder stands for.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from landalloc.models import Problem
from landalloc.models.errors import InputError, storage_error
from landalloc.models.files import CSV_ENCODING
from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.report.cascade import cascade_table
from landalloc.optimizer.provenance import compared_folders, read_run
from landalloc.optimizer.report.charts import plot_front
from landalloc.optimizer.report.context import load_problem
from landalloc.optimizer.report.html import report_html
from landalloc.optimizer.report.labels import CURRENT
from landalloc.optimizer.report.maps import plot_change, plot_layout
from landalloc.optimizer.report.selection import resolve
from landalloc.optimizer.report.tables import (
    area_table,
    district_change_table,
    district_table,
    transition_matrix,
    with_district_names,
)

DPI = 150


def write_report(folder: str | Path, problem: Problem | None = None, solutions: Sequence[str | int] | None = None,
                 front: ParetoFront | None = None, html: bool = True, instance: str | Path | None = None) -> list[Path]:
    """Write the charts, maps, tables and interactive report of a result folder.

    Parameters
    ----------
    folder : a result folder (front.csv, layouts.gpkg, run.json).
    problem : the compiled problem; default: the instance run.json records, reloaded under the
        recorded scenario when it can be (quota and district tables and today's values need it;
        a warning says why and what to pass when it cannot).
    solutions : ids or indices of the points to map and tabulate; default: the best point in
        each objective and the knee point.
    front : the folder's front when already in memory (skips reading it back).
    html : write report.html (the largest file: plotly.js is inlined).
    instance : the instance folder to use instead of the one run.json records (e.g. it moved).

    Returns
    -------
    The paths written.

    Examples
    --------
    >>> write_report("results/demo")  # doctest: +SKIP
    """
    folder = Path(folder)
    front = front if front is not None else ParetoFront.read(folder)
    if not len(front):
        raise InputError(f"{folder}: holds no points ({front.run.get('incomplete_because') or 'an empty front'}), "
                         "so there is nothing to report; continue the run with landalloc solve ... --resume "
                         f"{folder} and report the folder that writes")
    if problem is None:
        problem = load_problem(front, folder, instance)
    written: list[Path] = []
    written.append(_save(plot_front(front, problem=problem), folder / "pareto.png"))
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
        written.append(_csv(district_change_table(front, layout, problem), tables / f"{pid}_district_change.csv",
                            index=False))
        if problem is not None:
            written.append(_csv(with_district_names(district_table(problem, layout), front),
                                tables / f"{pid}_districts.csv", index=False))
        rows.append({"id": pid, "roles": ", ".join(roles),
                     **{o: v for o, v in zip(front.objectives, front.values[index])}})
    if problem is not None and problem.quotas:
        cascade = pd.concat([cascade_table(problem, front.layouts[i]).assign(solution=str(front.points["id"].iloc[i]))
                             for i in chosen], ignore_index=True)
        written.append(_csv(cascade[["solution", *cascade.columns[:-1]]], folder / "cascade.csv", index=False))
    chosen_table = pd.DataFrame(rows, columns=["id", "roles", *front.objectives])
    written.append(_csv(chosen_table, tables / "chosen.csv", index=False))
    if html:
        written.append(_write_text(report_html(front, problem), folder / "report.html"))
    return written


def report_folder(folder: str | Path, instance: str | Path | None = None) -> list[Path]:
    """(Re)write the report of any folder landalloc writes (``landalloc report DIR``).

    A result folder (of ``solve``, ``--resume``, ``batch`` or ``to_file``) gets :func:`write_report`;
    a comparison (of ``compare``) is compared again from the fronts its run.json lists, and its
    charts, tables and report.html are replaced (run.json and kept fronts stay); a batch folder
    gets both, for each of its results and its comparison.

    Parameters
    ----------
    folder : the folder to report on.
    instance : the instance folder to use instead of the one each run.json records.

    Returns
    -------
    The paths written.
    """
    folder = Path(folder)
    kind = folder_kind(folder)
    if kind == "result":
        return write_report(folder, instance=instance)
    if kind == "comparison":
        return _rewrite_comparison(folder)
    return [path for member in _batch_members(folder) for path in report_folder(member, instance)]


def result_folders(folder: str | Path) -> list[tuple[str, Path]]:
    """The result folders a folder stands for, each with a name: a result folder itself, a
    comparison's fronts, a batch's scenarios (``landalloc compare`` takes any of them)."""
    folder = Path(folder)
    kind = folder_kind(folder)
    if kind == "result":
        return [(folder.resolve().name, folder)]
    if kind == "comparison":
        return compared_folders(_run_json(folder), folder)
    return [(member.name, member) for member in _batch_members(folder) if folder_kind(member) == "result"]


def folder_kind(folder: Path) -> Literal["result", "comparison", "batch"]:
    """Which folder of landalloc's this is, from the files it holds; InputError for any other."""
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder; give a folder written by landalloc solve, batch or compare")
    if (folder / "front.csv").exists():
        return "result"
    if "compared" in _run_json(folder):
        return "comparison"
    if (folder / "summary.csv").exists():
        return "batch"
    if (folder / "indicators.csv").exists():
        raise InputError(f"{folder}: a comparison whose run.json does not list the fronts it compares (written by "
                         f"an older landalloc); compare them again: landalloc compare A B --out {folder} --force")
    raise InputError(f"{folder}: not a folder of landalloc's; give a result folder (front.csv, layouts.gpkg and "
                     "run.json, from landalloc solve), a comparison (landalloc compare) or a batch (landalloc batch)")


def _run_json(folder: Path) -> dict[str, Any]:
    return read_run(folder) if (folder / "run.json").is_file() else {}


def _batch_members(folder: Path) -> list[Path]:
    """A batch folder's result folders, in summary.csv's order, then its comparison if any."""
    scenarios = pd.read_csv(folder / "summary.csv", dtype={"scenario": str}).get("scenario", pd.Series(dtype=str))
    members = [folder / name for name in scenarios]
    missing = [m.name for m in members if not m.is_dir()]
    if missing:
        raise InputError(f"{folder}: summary.csv lists scenarios {', '.join(missing)} with no result folder there; "
                         "run landalloc batch again")
    return members + ([folder / "comparison"] if (folder / "comparison").is_dir() else [])


def _rewrite_comparison(folder: Path) -> list[Path]:
    """Compare the fronts again and replace the comparison's files, one by one."""
    from landalloc.optimizer.report.comparison import compare

    named = compared_folders(_run_json(folder), folder)
    result = compare([path for _, path in named], names=[name for name, _ in named])
    fresh = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        result.to_file(fresh)
        written = []
        for path in sorted(fresh.iterdir()):
            if path.is_file() and path.name != "run.json":   # run.json says what was compared: unchanged
                written.append(path.replace(folder / path.name))
        return written
    finally:
        shutil.rmtree(fresh, ignore_errors=True)


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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise storage_error(path, exc) from None
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        tmp.chmod(0o644)
        tmp.replace(path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise storage_error(path, exc) from None
        raise
    return path
