"""A Pareto front: objective table, layouts and per-point metadata, from any engine.

Every front is built through :meth:`ParetoFront.build`, which re-evaluates each layout with
:func:`landalloc.models.evaluate` and refuses (SolverError) an infeasible one unless the engine asks to
report least-violating layouts explicitly marked infeasible. Files follow DESIGN.md section 3.
"""

from __future__ import annotations

import dataclasses
import json
import platform
import shutil
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Iterator

import geopandas as gpd
import numpy as np
import pandas as pd

from landalloc.models import Instance, Problem, evaluate
from landalloc.models.errors import InputError, SolverError
from landalloc.models.evaluation import TOLERANCE
from landalloc.models.files import CSV_ENCODING, atomic_folder, check_target
from landalloc.models.landuse import LandUse
from landalloc.models.scenario import NATURAL_SENSE, OBJECTIVES, UNITS
from landalloc.optimizer import provenance
from landalloc.optimizer.point import Point
from landalloc.optimizer.styles import write_styles

POINT_COLUMNS = ("status", "gap", "seconds")
PROVEN = ("optimal",)
"""MILP statuses of a proven optimum; any other (``time_limit``...) is only a feasible layout."""
VERSIONED = ("landalloc", "numpy", "scipy", "pyomo", "highspy", "pymoo", "geopandas", "shapely")


@dataclass(frozen=True, eq=False, repr=False)
class ParetoFront:
    """Trade-off points between ``objectives``: values (P×M, natural units) and layouts (P×N).

    ``points`` holds one row per point: ``id``, ``method``, ``status``, ``gap``, ``seconds``,
    ``feasible`` and any engine-specific columns (e.g. ``bound``).
    """

    objectives: tuple[str, ...]
    senses: tuple[str, ...]
    values: np.ndarray
    layouts: np.ndarray
    points: pd.DataFrame
    uses: tuple[LandUse, ...]
    parcels: gpd.GeoDataFrame
    run: dict[str, Any] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=lambda: dict(UNITS))
    """Objective -> unit as tables and charts print it (the scenario's ``[units]``)."""

    @classmethod
    def build(cls, problem: Problem, objectives: list[str] | tuple[str, ...], layouts: np.ndarray,
              points: list[dict[str, Any]], method: str, run: dict[str, Any] | None = None,
              allow_infeasible: bool = False, keep_dominated: bool = False) -> ParetoFront:
        """Evaluate layouts, verify them, drop dominated and duplicate points, and wrap them.

        Parameters
        ----------
        problem : the compiled problem the layouts belong to.
        objectives : names of the front's objectives (senses are the problem's, else natural).
        layouts : P×N use indices; points : one metadata dict per layout.
        method : engine name, the prefix of point ids (``milp_000``...).
        allow_infeasible : keep infeasible layouts, marked ``feasible = False`` (used to report
            least-violating layouts when nothing feasible was found); otherwise they raise.
        """
        objectives = tuple(_check_objectives(objectives))
        senses = tuple(problem.senses[problem.objectives.index(o)] if o in problem.objectives
                       else NATURAL_SENSE[o] for o in objectives)
        layouts = np.asarray(layouts, dtype=np.int64).reshape(-1, problem.n_parcels)
        if len(points) != len(layouts):
            raise ValueError(f"{len(points)} metadata rows for {len(layouts)} layouts")
        result = evaluate(problem, layouts)
        if not allow_infeasible and not result.feasible.all():
            bad = int(np.flatnonzero(~result.feasible)[0])
            table = result.constraint_table(bad)
            broken = table[~table["holds"]]
            raise SolverError(f"{method} returned an infeasible layout (point {bad}): "
                              + "; ".join(f"{r.constraint} violated by {r.violation:.6g}"
                                          for r in broken.itertuples()))
        values = result.objectives[:, [OBJECTIVES.index(o) for o in objectives]]
        table = pd.DataFrame(points)
        for col in POINT_COLUMNS:
            if col not in table:
                table[col] = np.nan
        table["feasible"] = result.feasible
        keep = np.arange(len(layouts)) if keep_dominated else nondominated(values, senses, result.feasible)
        table = table.iloc[keep].reset_index(drop=True)
        table.insert(0, "method", method)
        table.insert(0, "id", [f"{method}_{i:03d}" for i in range(len(keep))])
        return cls(objectives, senses, values[keep], layouts[keep], table, problem.uses,
                   problem.parcel_frame(), dict(run or {}), dict(problem.units))

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, solution: int | str) -> Point:
        """One point: ``front[0]``, ``front[-1]``, ``front["milp_003"]``, ``front["knee"]``,
        ``front["best:equity"]`` (see :func:`landalloc.optimizer.report.selection.select`)."""
        from landalloc.optimizer.report.selection import select

        return Point(self, select(self, solution))

    def __iter__(self) -> Iterator[Point]:
        return (Point(self, i) for i in range(len(self)))

    def knee(self) -> Point:
        """The knee point: the best compromise, smallest sum of objectives normalised over the front."""
        return self["knee"]

    def best(self, objective: str) -> Point:
        """The point best in ``objective`` (by its sense; ties broken by the other objectives)."""
        return self[f"best:{objective}"]

    def __repr__(self) -> str:
        methods = "+".join(dict.fromkeys(self.points["method"].astype(str))) if len(self) else ""
        span = "; ".join(f"{o} ({s}) {self.values[:, j].min():,.4g}..{self.values[:, j].max():,.4g}"
                         for j, (o, s) in enumerate(zip(self.objectives, self.senses))) if len(self) else \
            ", ".join(self.objectives)
        unproven = int(((self.points["method"] == "milp") & ~self.points["status"].isin(PROVEN)).sum())
        note = f"; {unproven} not proven optimal" if unproven else ""
        return f"ParetoFront({len(self)} {methods + ' ' if methods else ''}points over {len(self.parcels):,} " \
               f"parcels: {span}{note}{count_note(self.run)})"

    def _repr_html_(self) -> str:
        from landalloc.optimizer.report import front_html

        return front_html(self)

    def plot(self, others: tuple[ParetoFront, ...] | list[ParetoFront] = (), **options: Any):
        """The trade-off chart (matplotlib Figure), with other fronts overlaid."""
        from landalloc.optimizer.report import plot_front

        return plot_front(self, others, **options)

    def plot_layout(self, solution: str | int | None = None, **options: Any):
        """A map of one solution: an index, an id, ``"knee"`` (the default), ``"best:<objective>"``,
        or ``"current"`` for today's land use."""
        from landalloc.optimizer.report import plot_layout

        return plot_layout(self, solution, **options)

    def compare(self, *others: ParetoFront, names: list[str] | None = None):
        """Hypervolume, IGD, additive epsilon and coverage against other fronts."""
        from landalloc.optimizer.report import compare

        return compare([self, *others], names=names)

    @property
    def minimised(self) -> np.ndarray:
        """Values with every objective turned into one to minimise (max objectives negated)."""
        sign = np.array([-1.0 if s == "max" else 1.0 for s in self.senses])
        return self.values * sign

    def table(self) -> pd.DataFrame:
        """The front.csv table: id, method, one column per objective, status, gap, seconds."""
        out = self.points[["id", "method"]].copy()
        for j, name in enumerate(self.objectives):
            out[name] = self.values[:, j]
        extra = [c for c in self.points.columns if c not in ("id", "method", *POINT_COLUMNS)]
        return pd.concat([out, self.points[list(POINT_COLUMNS) + extra]], axis=1)

    def layout_frame(self) -> gpd.GeoDataFrame:
        """Parcels with one column of land-use codes per solution (layouts.gpkg)."""
        codes = np.array([u.code for u in self.uses], dtype=object)
        solutions = pd.DataFrame({pid: codes[layout] for pid, layout in zip(self.points["id"], self.layouts)},
                                 index=self.parcels.index)
        return gpd.GeoDataFrame(pd.concat([self.parcels, solutions], axis=1), geometry="geometry",
                                crs=self.parcels.crs)

    def to_file(self, out: str | Path, force: bool = False, report: bool = False,
                problem: Problem | None = None, files: dict[str, Path] | None = None,
                instance: Instance | None = None) -> Path:
        """Write front.csv, layouts.gpkg and run.json (and, with ``report``, the charts, maps,
        tables and report.html of :func:`landalloc.optimizer.report.write_report`) atomically into ``out``;
        ``files`` are copied in under the given names (e.g. an NSGA checkpoint, to resume from).

        Given the ``instance`` solved, run.json records where it is, the SHA-256 of its files and
        the scenario with its hash (:mod:`landalloc.optimizer.provenance`), so that
        ``landalloc report`` and ``landalloc check`` find it again; given the ``problem``, today's values.
        """
        out = Path(out)
        check_target(out, force)   # before run.json's record resolves the path
        if instance is not None and problem is None:
            problem = instance.compile()
        inputs = provenance.record(out, self.objectives, instance, problem, self.run)
        with atomic_folder(out, force=force) as tmp:
            for name, source in (files or {}).items():
                shutil.copyfile(source, tmp / name)
            self.table().to_csv(tmp / "front.csv", index=False, encoding=CSV_ENCODING)
            self.layout_frame().to_file(tmp / "layouts.gpkg", layer="layouts", driver="GPKG", engine="pyogrio")
            write_styles(tmp / "layouts.gpkg", self.uses, [*self.points["id"], "current_use"])
            run = {**self.run, **inputs, "objectives": list(self.objectives), "senses": list(self.senses),
                   "uses": [u.model_dump() for u in self.uses], "units": self.units, "points": len(self),
                   "versions": versions(), "machine": machine()}
            (tmp / "run.json").write_text(json.dumps(run, indent=2, default=jsonable), encoding="utf-8")
            if report and len(self):   # a run stopped before its first point has nothing to chart
                from landalloc.optimizer.report import write_report

                # the report reads what run.json records (the scenario's district names among it)
                write_report(tmp, problem=problem, front=dataclasses.replace(self, run=run))
        return out

    @classmethod
    def read(cls, folder: str | Path) -> ParetoFront:
        """Read a result folder written by :meth:`to_file`."""
        folder = Path(folder)
        for name in ("front.csv", "layouts.gpkg", "run.json"):
            if not (folder / name).exists():
                raise InputError(f"{folder}: missing {name}; a result folder holds front.csv, "
                                 "layouts.gpkg and run.json (written by landalloc solve)")
        run = provenance.read_run(folder)
        try:
            objectives, senses = tuple(run["objectives"]), tuple(run["senses"])
            uses = tuple(LandUse(**u) for u in run["uses"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{folder / 'run.json'}: lacks the objectives, senses or land uses landalloc "
                             f"writes ({type(exc).__name__}: {exc}); write the results again") from None
        try:
            table = pd.read_csv(folder / "front.csv", dtype={"grid": str}, encoding=CSV_ENCODING)  # grid "3", "3,1"
            frame = gpd.read_file(folder / "layouts.gpkg", layer="layouts", engine="pyogrio")
        except Exception as exc:  # a garbled CSV or GeoPackage: name the file, not the reader's internals
            raise InputError(f"{folder}: front.csv or layouts.gpkg cannot be read ({exc}); write the results "
                             "again") from None
        missing = [c for c in ["id", *objectives] if c not in table.columns]
        if missing:
            raise InputError(f"{folder / 'front.csv'}: no column {', '.join(missing)}; write the results again")
        absent = [i for i in table["id"].astype(str) if i not in frame.columns]
        if absent:
            raise InputError(f"{folder / 'layouts.gpkg'}: no layout column for points {', '.join(absent[:5])} of "
                             "front.csv; write the results again")
        index = {u.code: k for k, u in enumerate(uses)}
        ids = table["id"].astype(str).tolist()
        layouts = np.stack([frame[i].map(index).to_numpy(np.int64) for i in ids]) if ids else \
            np.zeros((0, len(frame)), np.int64)
        points = table.drop(columns=list(objectives))
        base = frame.drop(columns=ids)
        return cls(objectives, senses, table[list(objectives)].to_numpy(float), layouts, points, uses, base, run,
                   {**UNITS, **run.get("units", {})})


def count_note(run: dict[str, Any]) -> str:
    """What a MILP front's account in run.json says in a few words: requested against distinct
    points, complete or not (run.json's ``fewer_because`` and ``incomplete_because`` say why)."""
    if "complete" not in run:
        return ""
    target = run.get("target")
    asked = (f"; {run['distinct']} of {target} requested points" if isinstance(target, int)
             and run.get("distinct", target) < target else "")
    return f"{asked}; {'complete' if run['complete'] else 'not complete'}"


def nondominated(values: np.ndarray, senses: tuple[str, ...], feasible: np.ndarray | None = None) -> np.ndarray:
    """Indices of the non-dominated, first-of-duplicates rows, sorted by the first objective.

    Feasible points always dominate infeasible ones; among the infeasible (only reported when
    nothing is feasible) the same rule applies.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    sign = np.array([-1.0 if s == "max" else 1.0 for s in senses])
    f = values * sign
    scale = np.maximum(1.0, np.abs(f).max(axis=0))
    f_round = np.round(f / (scale * TOLERANCE)) * (scale * TOLERANCE)
    feasible = np.ones(len(f), bool) if feasible is None else np.asarray(feasible)
    pool = np.flatnonzero(feasible) if feasible.any() else np.arange(len(f))
    _, first = np.unique(f_round[pool], axis=0, return_index=True)
    pool = pool[np.sort(first)]
    sub = f_round[pool]
    dominated = ((sub[None, :, :] <= sub[:, None, :]).all(axis=2)
                 & (sub[None, :, :] < sub[:, None, :]).any(axis=2)).any(axis=1)
    keep = pool[~dominated]
    return keep[np.argsort(f[keep, 0], kind="stable")]


def versions() -> dict[str, str]:
    """Installed versions of landalloc and the libraries that shape its results."""
    out = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def machine() -> dict[str, Any]:
    import os

    return {"platform": platform.platform(), "processor": platform.machine(), "cpus": os.cpu_count()}


def _check_objectives(objectives: list[str] | tuple[str, ...]) -> list[str]:
    names = list(objectives)
    unknown = [o for o in names if o not in OBJECTIVES]
    if unknown or not names or len(set(names)) != len(names):
        raise InputError(f"objectives {names}: name 1 to 5 distinct objectives among {', '.join(OBJECTIVES)}")
    return names


def jsonable(value: Any) -> Any:
    """How run.json writes numpy values and paths (``json.dumps(..., default=jsonable)``)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
