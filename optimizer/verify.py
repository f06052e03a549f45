"""Verify a result folder against its inputs: same files, same values, feasible where claimed.

A result folder (DESIGN.md section 3) says which instance it solved (``run.json``:
``instance``, and the SHA-256 of every input file under ``inputs``). :func:`verify_result`
reloads that instance, re-evaluates every layout of ``layouts.gpkg`` with
:func:`landalloc.models.evaluate` and compares with ``front.csv``. Nothing an engine wrote is trusted:
this is what ``landalloc check INSTANCE RESULT_DIR`` runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from landalloc.models import Instance, evaluate
from landalloc.models.errors import InputError, first_ids
from landalloc.models.files import CSV_ENCODING
from landalloc.models.scenario import OBJECTIVES
from landalloc.optimizer.provenance import changed_inputs, find_instance, is_data, read_run, recorded_scenario

RELATIVE_TOLERANCE = 1e-6
"""Objective values in front.csv must match re-evaluation to this relative tolerance."""
ABSOLUTE_TOLERANCE = 1e-9
"""...or to this absolute one, for values at zero (no change, no coverage)."""


@dataclass(frozen=True)
class Report:
    """What :func:`verify_result` found.

    Attributes
    ----------
    folder, instance : the result folder and the instance it was checked against.
    points : one row per point of front.csv: ``id``, ``claimed_feasible``, ``feasible``,
        ``max_relative_error`` (over its objectives) and ``note`` (what is wrong, if anything).
    problems : reasons the result does not verify (changed inputs, values that disagree,
        layouts claimed feasible that are not); empty when it verifies.
    warnings : things worth knowing that do not fail verification.
    """

    folder: Path
    instance: Path
    points: pd.DataFrame
    problems: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def exit_code(self) -> int:
        """0 when everything verifies, 1 otherwise (bad input raises InputError, exit 2)."""
        return 0 if self.ok else 1

    def table(self) -> pd.DataFrame:
        return self.points.copy()

    def __str__(self) -> str:
        head = (f"{self.folder}: {len(self.points)} points verified against {self.instance}" if self.ok else
                f"{self.folder}: does NOT verify against {self.instance} ({len(self.problems)} "
                f"problem{'s' if len(self.problems) > 1 else ''})")
        lines = [head, *(f"  problem: {p}" for p in self.problems), *(f"  warning: {w}" for w in self.warnings)]
        return "\n".join(lines)

    def __repr__(self) -> str:
        state = "verified" if self.ok else f"{len(self.problems)} problems"
        return f"Report({self.folder.name}: {len(self.points)} points, {state}, {len(self.warnings)} warnings)"


def verify_result(folder: str | Path, instance: str | Path | None = None, scenario: str | Path | None = None,
                  fix_geometries: bool = False) -> Report:
    """Re-evaluate a result folder's layouts against the instance it names and compare.

    Parameters
    ----------
    folder : a result folder (front.csv, layouts.gpkg, run.json).
    instance : the instance to check against; default the one run.json names.
    scenario : another scenario file, as given to ``landalloc solve --scenario``.
    fix_geometries : as in :meth:`landalloc.models.Instance.load`.

    Returns
    -------
    Report : ``ok`` when the input files hash as recorded, the scenario is the recorded one,
        every objective value agrees to 1e-6 relative and every layout claimed feasible is.

    Raises
    ------
    InputError : a missing or malformed file, or a result whose parcels are not the instance's.

    Examples
    --------
    >>> report = verify_result("results/demo")  # doctest: +SKIP
    >>> report.ok, report.exit_code             # doctest: +SKIP
    """
    folder = Path(folder)
    run, front, layouts = _read_result(folder)
    if not (instance or run.get("instance")):
        raise InputError(f"{folder / 'run.json'}: names no instance; give the instance folder "
                         "(landalloc check INSTANCE RESULT_DIR)")
    path = instance if instance is not None else find_instance(run, folder)
    if path is None or not Path(path).exists():
        raise InputError(f"{instance or run['instance']}: the instance of {folder} is not there (moved or deleted?); "
                         "give its folder (landalloc check INSTANCE RESULT_DIR)")
    loaded = Instance.load(path, scenario, fix_geometries=fix_geometries)
    problems, warnings = _compare_inputs(run, loaded, scenario)

    objectives = list(run["objectives"])
    ids = front["id"].astype(str).tolist()
    matrix = _layout_matrix(folder / "layouts.gpkg", layouts, ids, loaded)
    problem = loaded.compile()
    result = evaluate(problem, matrix, objectives)
    recomputed = result.objectives[:, [OBJECTIVES.index(o) for o in objectives]]
    recorded = front[objectives].to_numpy(float)
    agree = np.isclose(recorded, recomputed, rtol=RELATIVE_TOLERANCE, atol=ABSOLUTE_TOLERANCE)
    error = np.abs(recorded - recomputed) / np.maximum(np.abs(recomputed), ABSOLUTE_TOLERANCE)
    claimed = _claimed_feasible(front)
    notes = []
    for p, point in enumerate(ids):
        note = [f"{o} is {recorded[p, j]:.10g} in front.csv but {recomputed[p, j]:.10g} re-evaluated"
                for j, o in enumerate(objectives) if not agree[p, j]]
        if claimed[p] and not result.feasible[p]:
            table = result.constraint_table(p)
            broken = table[~table["holds"]]
            note.append("marked feasible but violates " + ", ".join(
                f"{r.constraint} by {r.violation:.6g}" for r in broken.itertuples()))
        elif not claimed[p] and result.feasible[p]:
            warnings.append(f"point {point} is marked infeasible but is feasible")
        problems += [f"point {point}: {n}" for n in note]
        notes.append("; ".join(note))
    points = pd.DataFrame({"id": ids, "claimed_feasible": claimed, "feasible": result.feasible,
                           "max_relative_error": np.nan_to_num(error, nan=np.inf).max(axis=1, initial=0.0),
                           "note": notes})
    warnings += _dominated(points, recomputed, run)
    return Report(folder, Path(path), points, tuple(problems), tuple(warnings))


def _read_result(folder: Path) -> tuple[dict[str, Any], pd.DataFrame, gpd.GeoDataFrame]:
    """run.json, front.csv and layouts.gpkg, each checked for what verification needs."""
    if not folder.is_dir():
        raise InputError(f"{folder}: not a result folder; give the folder written by landalloc solve")
    for name in ("front.csv", "layouts.gpkg", "run.json"):
        if not (folder / name).exists():
            raise InputError(f"{folder}: missing {name}; a result folder holds front.csv, layouts.gpkg and "
                             "run.json (written by landalloc solve)")
    run = read_run(folder)
    if not isinstance(run.get("objectives"), list) or not run["objectives"]:
        raise InputError(f"{folder / 'run.json'}: no 'objectives' list; was it written by landalloc solve?")
    unknown = [o for o in run["objectives"] if o not in OBJECTIVES]
    if unknown:
        raise InputError(f"{folder / 'run.json'}: unknown objectives {unknown}; known: {', '.join(OBJECTIVES)}")
    try:
        front = pd.read_csv(folder / "front.csv", encoding=CSV_ENCODING)
    except Exception as exc:  # an empty or garbled CSV: name the file, not pandas' internals
        raise InputError(f"{folder / 'front.csv'}: cannot read ({exc})") from None
    missing = [c for c in ["id", *run["objectives"]] if c not in front.columns]
    if missing:
        raise InputError(f"{folder / 'front.csv'}: missing columns {missing}; front.csv has id, method and one "
                         "column per objective of run.json")
    for col in run["objectives"]:
        values = pd.to_numeric(front[col], errors="coerce")
        if values.isna().any():
            raise InputError(f"{folder / 'front.csv'}: column '{col}' is not a number at points "
                             f"{first_ids(front['id'][values.isna()].astype(str).tolist())}; write the result "
                             "again (landalloc solve), or correct the column in front.csv")
        front[col] = values
    repeated = front["id"][front["id"].duplicated()]
    if len(repeated):
        raise InputError(f"{folder / 'front.csv'}: point ids listed twice: {first_ids(repeated.astype(str).tolist())}")
    try:
        layouts = gpd.read_file(folder / "layouts.gpkg", layer="layouts", engine="pyogrio")
    except Exception as exc:
        raise InputError(f"{folder / 'layouts.gpkg'}: cannot read layer 'layouts' ({exc})") from None
    return run, front, layouts


def _layout_matrix(path: Path, layouts: pd.DataFrame, ids: list[str], instance: Instance) -> np.ndarray:
    """P×N use indices in the instance's parcel order, refusing parcels or codes that do not match."""
    columns = [c for c in ["parcel_id", *ids] if c not in layouts.columns]
    if columns:
        raise InputError(f"{path}: missing columns {first_ids(columns)}; layouts.gpkg has parcel_id and one "
                         "column of land-use codes per point of front.csv")
    expected = instance.parcels["parcel_id"]
    given = layouts["parcel_id"]
    try:
        given = given.astype(expected.dtype)
    except (TypeError, ValueError):
        pass
    if given.duplicated().any():
        raise InputError(f"{path}: parcel ids listed twice: {first_ids(given[given.duplicated()].tolist())}")
    position = pd.Index(given).get_indexer(expected)
    absent = position < 0
    extra = ~given.isin(expected)
    if absent.any() or extra.any():
        detail = "; ".join(part for part in (
            f"instance parcels {first_ids(expected[absent].tolist())} are missing" if absent.any() else "",
            f"parcels {first_ids(given[extra].tolist())} are not in the instance" if extra.any() else "") if part)
        raise InputError(f"{path}: the layouts are not over the instance's parcels ({detail}); this result "
                         "belongs to another instance: give that one")
    ordered = layouts.iloc[position]
    return np.stack([instance.layout_from_codes(ordered[i].to_numpy(), f"{path} column '{i}'") for i in ids]) \
        if ids else np.zeros((0, len(expected)), np.int64)


def _compare_inputs(run: dict[str, Any], instance: Instance,
                    scenario: str | Path | None) -> tuple[list[str], list[str]]:
    """Input files hashed as recorded, and the scenario recorded is the one loaded."""
    problems: list[str] = []
    warnings: list[str] = []
    recorded = run.get("inputs")
    if not isinstance(recorded, dict) or not recorded:
        warnings.append("run.json records no input hashes: whether the instance changed since the run is unknown")
    else:
        for kind, names in changed_inputs(run, instance).items():
            data = [n for n in names if is_data(n)]
            other = [n for n in names if not is_data(n)]
            if data:
                problems.append(f"instance files {kind} since the run: {', '.join(data)} (hashes differ from "
                                "run.json's 'inputs')")
            if other:
                warnings.append(f"instance files {kind} since the run: {', '.join(other)} (not data)")
    then = recorded_scenario(run)
    if then is not None:
        differ = _differences(then.model_dump(), instance.scenario.model_dump())
        if differ:
            source = scenario or (instance.path / "scenario.toml" if instance.path else "the scenario")
            problems.append(f"the run's scenario differs from {source} in {first_ids(differ)}; verify with the "
                            "scenario the run used (--scenario)")
    return problems, warnings


def _differences(a: Any, b: Any, key: str = "") -> list[str]:
    """Dotted keys at which two nested dicts/lists differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(a.keys() | b.keys(), key=str)
                for d in _differences(a.get(k), b.get(k), f"{key}.{k}" if key else str(k))]
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _differences(x, y, f"{key}[{i}]")]
    return [] if a == b else [key or "(top level)"]


def _claimed_feasible(front: pd.DataFrame) -> np.ndarray:
    """front.csv's ``feasible`` column (true/false text or booleans); every point when absent."""
    if "feasible" not in front.columns:
        return np.ones(len(front), bool)
    text = front["feasible"].astype(str).str.strip().str.lower()
    return text.isin(["true", "1", "1.0", "yes"]).to_numpy()


def _dominated(points: pd.DataFrame, values: np.ndarray, run: dict[str, Any]) -> list[str]:
    """Feasible points that another feasible point dominates: a front should not hold them."""
    senses = run.get("senses")
    if not isinstance(senses, list) or len(senses) != values.shape[1] or len(points) < 2:
        return []
    sign = np.array([-1.0 if s == "max" else 1.0 for s in senses])
    f = np.where(points["feasible"].to_numpy()[:, None], values * sign, np.inf)
    tol = RELATIVE_TOLERANCE * np.maximum(1.0, np.abs(values).max(axis=0))  # ties within rounding are ties
    better_eq = (f[None, :, :] <= f[:, None, :] + tol).all(axis=2)      # [i, j]: j as good as i everywhere
    strictly = (f[None, :, :] < f[:, None, :] - tol).any(axis=2)
    dominated = np.flatnonzero((better_eq & strictly).any(axis=1) & points["feasible"].to_numpy())
    return [f"point {points['id'][i]} is dominated by another point of the front" for i in dominated]


__all__ = ["Report", "verify_result"]
