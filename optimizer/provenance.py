"""Where a result came from: what run.json records about its inputs, and finding them again.

Every folder landalloc writes records its inputs the same way, because every writer goes through
:meth:`landalloc.optimizer.front.ParetoFront.to_file` (``landalloc solve``, ``--resume``, ``batch``,
the demo, a Python script) or :meth:`landalloc.optimizer.report.Comparison.to_file`
(``landalloc compare``). A result folder's run.json then holds (:func:`record`):

- ``instance``: the instance folder, absolute; ``instance_given``: the path as it was given;
  ``instance_from_results``: the same folder relative to the result folder, which still holds
  when a project folder with its instances and results is moved or copied as a whole;
- ``inputs``: the SHA-256 of every file of the instance folder;
- ``scenario``: the scenario as solved (every key, as JSON) and ``scenario_hash``, the SHA-256
  of its canonical JSON, so that a variant made in Python is told apart from the folder's
  scenario.toml;
- ``current``, ``current_feasible``: today's layout's values of the front's objectives.

A comparison's run.json lists the fronts it compared (``compared``: name and folder, absolute
and relative to the comparison), plus the entries above that all its fronts share.

Readers (``landalloc report``, ``landalloc check``) find the instance with
:func:`find_instance` and reload it under the recorded scenario with :func:`load_recorded`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from landalloc.models import Instance, Problem, Scenario, evaluate, parse_scenario
from landalloc.models.errors import InputError
from landalloc.models.instance import PARCEL_FILES

if TYPE_CHECKING:
    from landalloc.optimizer.front import ParetoFront

SHARED = ("instance", "instance_given", "inputs", "scenario", "scenario_hash", "current", "current_feasible")
"""The entries a comparison copies from its fronts' run.json when they all agree."""
DATA_SUFFIXES = (".gpkg", ".parquet", ".geoparquet", ".shp", ".shx", ".dbf", ".prj", ".cpg", ".geojson", ".fgb",
                 ".tif", ".tiff", ".toml")
"""Instance files whose change changes the problem; a changed README does not."""


def read_run(folder: str | Path) -> dict[str, Any]:
    """A folder's run.json as a dict; a damaged file is an :class:`InputError` naming it, since a
    planner may have edited or truncated it (a copy interrupted halfway, a merge in a text editor)."""
    path = Path(folder) / "run.json"
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{Path(folder)}: no run.json there; give a folder written by landalloc") from None
    except (OSError, ValueError) as exc:   # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise InputError(f"{path}: not valid JSON ({exc}); it was changed or cut short since landalloc "
                         "wrote it - write the results again") from None
    if not isinstance(run, dict):
        raise InputError(f"{path}: holds a {type(run).__name__}, not the object landalloc writes; write the "
                         "results again")
    return run


def record(out: str | Path, objectives: Sequence[str], instance: Instance | None = None,
           problem: Problem | None = None, run: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The provenance entries of run.json for a result written to ``out``.

    Parameters
    ----------
    out : the result folder being written (relative paths are taken from it).
    objectives : the front's objectives (today's values are recorded for them).
    instance : the instance solved; without it, what ``run`` already records is kept.
    problem : the compiled problem, for today's values.
    run : the run.json entries so far (e.g. of a front read back from another folder).
    """
    run = dict(run or {})
    entries: dict[str, Any] = {}
    if instance is not None:
        scenario = scenario_record(instance.scenario)
        entries.update(inputs=instance.input_hashes(), scenario=scenario, scenario_hash=scenario_hash(scenario))
        if instance.path is not None:
            entries.update(instance=str(instance.path.resolve()), instance_given=str(instance.path))
    elif isinstance(run.get("scenario"), dict) and "scenario_hash" not in run:
        entries["scenario_hash"] = scenario_hash(run["scenario"])
    if problem is not None:
        today = evaluate(problem, problem.current_layout, list(objectives))
        entries.update(current={o: float(today.objective(o)[0]) for o in objectives},
                       current_feasible=bool(today.feasible[0]))
    absolute = entries.get("instance", run.get("instance"))
    if absolute:
        entries["instance_from_results"] = relative(absolute, out)
    return entries


def comparison_record(out: str | Path, names: Sequence[str], folders: Sequence[Path],
                      fronts: Sequence[ParetoFront]) -> dict[str, Any]:
    """A comparison's run.json entries: the fronts it compared and the inputs they share."""
    first = fronts[0].run
    shared = {k: first[k] for k in SHARED if k in first and all(f.run.get(k) == first[k] for f in fronts)}
    compared = [{"name": name, "folder": str(Path(folder).resolve()), "folder_from_results": relative(folder, out),
                 "instance": front.run.get("instance"), "scenario_hash": front.run.get("scenario_hash")}
                for name, folder, front in zip(names, folders, fronts)]
    return {"compared": compared, **shared, **record(out, fronts[0].objectives, run=shared)}


def relative(path: str | Path, out: str | Path) -> str:
    """``path`` relative to the folder ``out`` (both made absolute first)."""
    return os.path.relpath(Path(path).resolve(), Path(out).resolve())


def scenario_record(scenario: Scenario) -> dict[str, Any]:
    """The scenario as run.json stores it: every key, JSON values only."""
    from landalloc.optimizer.front import jsonable

    return json.loads(json.dumps(scenario.model_dump(), default=jsonable))


def scenario_hash(scenario: Mapping[str, Any]) -> str:
    """SHA-256 of a scenario record's canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(scenario, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def instance_paths(run: Mapping[str, Any], folder: str | Path | None) -> list[Path]:
    """Where run.json says the instance is, in the order tried: absolute, relative to the result
    folder, as given (relative to the working directory)."""
    candidates = [run.get("instance"), None, run.get("instance_given")]
    if folder is not None and run.get("instance_from_results"):
        candidates[1] = Path(os.path.normpath(Path(folder) / str(run["instance_from_results"])))
    paths: list[Path] = []
    for candidate in candidates:
        if candidate and Path(candidate).resolve() not in [p.resolve() for p in paths]:
            paths.append(Path(candidate))
    return paths


def find_instance(run: Mapping[str, Any], folder: str | Path | None) -> Path | None:
    """The first place run.json names where the instance still is, or None."""
    return next((path for path in instance_paths(run, folder) if path.exists()), None)


def recorded_scenario(run: Mapping[str, Any]) -> Scenario | None:
    """The scenario run.json recorded (None for folders written without one).

    Raises InputError when it is not valid or does not match its ``scenario_hash`` (run.json
    edited after the run).
    """
    data = run.get("scenario")
    if not isinstance(data, dict):
        return None
    if run.get("scenario_hash") and scenario_hash(data) != run["scenario_hash"]:
        raise InputError("run.json: the recorded scenario does not match its scenario_hash (was run.json edited "
                         "after the run?); restore run.json from the run")
    try:
        return parse_scenario(data, "run.json scenario")
    except InputError as exc:
        raise InputError(f"run.json: the recorded scenario is not valid ({exc})") from None


def load_recorded(path: str | Path, run: Mapping[str, Any], fix_geometries: bool = False) -> Instance:
    """The instance at ``path`` under the scenario run.json recorded (its own scenario.toml when
    run.json records none)."""
    return Instance.load(path, recorded_scenario(run), fix_geometries=fix_geometries)


def changed_inputs(run: Mapping[str, Any], instance: Instance) -> dict[str, list[str]]:
    """Instance files whose SHA-256 is not the one run.json recorded: ``changed``, ``gone``, ``added``
    (empty when run.json records no hashes)."""
    recorded = run.get("inputs")
    if not isinstance(recorded, dict) or not recorded:
        return {"changed": [], "gone": [], "added": []}
    current = instance.input_hashes()
    return {"changed": sorted(n for n in recorded.keys() & current.keys() if recorded[n] != current[n]),
            "gone": sorted(recorded.keys() - current.keys()), "added": sorted(current.keys() - recorded.keys())}


def is_data(name: str) -> bool:
    """Whether an instance file's change changes the problem (parcels, rasters, scenarios)."""
    return name in PARCEL_FILES or Path(name).suffix.lower() in DATA_SUFFIXES


def compared_folders(run: Mapping[str, Any], folder: str | Path) -> list[tuple[str, Path]]:
    """The fronts a comparison's run.json lists, as (name, result folder): relative to the
    comparison first (it survives moving the whole results folder), then absolute.

    Raises InputError naming a front whose folder is in neither place.
    """
    found = []
    for entry in run.get("compared", []):
        places = [Path(folder) / str(entry.get("folder_from_results", "")), Path(str(entry.get("folder", "")))]
        path = next((p for p in places if (p / "front.csv").is_file()), None)
        if path is None:
            raise InputError(f"{folder}: compares '{entry.get('name')}', whose result folder is not at "
                             f"{entry.get('folder')} any more (moved or deleted); put it back, or compare the "
                             "folders again (landalloc compare A B --out DIR)")
        found.append((str(entry.get("name")), path))
    return found
