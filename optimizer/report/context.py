"""What a report needs beyond the front itself: the compiled problem, today's values, the payoff.

A result folder's ``run.json`` tells where the instance is and which scenario was solved
(:mod:`landalloc.optimizer.provenance`). Entries read here (all optional; a report without them
still draws the front and the maps, and says what it left out):

- ``instance``, ``instance_from_results``, ``instance_given``: the instance folder, absolute,
  relative to the result folder and as given, tried in that order;
- ``scenario`` (with ``scenario_hash``): the scenario as solved (default: the instance's scenario.toml);
- ``inputs``: SHA-256 per instance file, to warn when the instance changed since the run;
- ``current``: today's layout's objective values ``{"efficiency": ..., ...}``;
- ``payoff``: the payoff table as run.json stores it, ``{"table": [{"optimised": name, objective: value, ...}]}``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from landalloc.models import InputError, LandallocError, Problem, evaluate
from landalloc.models.scenario import OBJECTIVES
from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.provenance import changed_inputs, find_instance, is_data, load_recorded

LEFT_OUT = "the report leaves out quota and district tables"


def load_problem(front: ParetoFront, folder: str | Path | None = None,
                 instance: str | Path | None = None) -> Problem | None:
    """Compile the instance the front was solved on, under the scenario run.json recorded.

    ``instance`` overrides the folder run.json names (``landalloc report DIR --instance PATH``);
    InputError when it is not there. Returns None, with one warning that says why and what to
    pass, when no instance is named, it is not where run.json says (moved or deleted), it cannot
    be loaded, or it has other parcels than the front; warns too when its files changed since the run.
    """
    run = front.run
    where = f"{folder}: " if folder is not None else ""
    if instance is not None and not Path(instance).exists():
        raise InputError(f"--instance {instance}: no such instance folder or parcel file")
    path = Path(instance) if instance is not None else find_instance(run, folder)
    if path is None:
        named = run.get("instance")
        warnings.warn(f"{where}the instance cannot be loaded: it is not at {named} any more (moved or deleted); "
                      f"{LEFT_OUT}; pass --instance PATH (its new folder) to include them" if named else
                      f"{where}run.json names no instance; {LEFT_OUT}; pass --instance PATH to include them "
                      "(from Python: write_report(DIR, problem=problem), or front.to_file(DIR, instance=instance))",
                      stacklevel=2)
        return None
    if instance is None and run.get("instance") and Path(run["instance"]) != path:
        warnings.warn(f"{where}the instance moved from {run['instance']}; the report uses the one at {path}",
                      stacklevel=2)
    try:
        loaded = load_recorded(path, run)
        problem = loaded.compile()
    except LandallocError as exc:
        warnings.warn(f"{where}the instance {path} cannot be loaded ({exc}); {LEFT_OUT}", stacklevel=2)
        return None
    recorded = isinstance(run.get("scenario"), dict)   # then scenario files no longer matter
    changed = [n for names in changed_inputs(run, loaded).values() for n in names
               if is_data(n) and not (recorded and n.endswith(".toml"))]
    if changed:
        warnings.warn(f"{where}instance {path}: {', '.join(changed)} changed since the run (SHA-256 differs "
                      "from run.json's 'inputs'); the tables use today's files", stacklevel=2)
    if not matches(front, problem):
        warnings.warn(f"{where}instance {path} does not have the front's parcels; {LEFT_OUT}; pass --instance "
                      "PATH (the instance it was solved on)", stacklevel=2)
        return None
    return problem


def matches(front: ParetoFront, problem: Problem) -> bool:
    """Whether the problem's parcels and land uses are the front's, in the same order."""
    ids = front.parcels["parcel_id"].to_numpy()
    return (len(ids) == problem.n_parcels and np.array_equal(ids.astype(str), problem.parcel_ids.astype(str))
            and tuple(u.code for u in front.uses) == problem.codes)


def current_values(front: ParetoFront, problem: Problem | None = None) -> np.ndarray | None:
    """Today's layout's values of the front's objectives: from the problem, else run.json."""
    if problem is not None:
        values = evaluate(problem, problem.current_layout).objectives[0]
        return np.array([values[OBJECTIVES.index(o)] for o in front.objectives])
    current = front.run.get("current")
    if isinstance(current, dict) and all(o in current for o in front.objectives):
        return np.array([float(current[o]) for o in front.objectives])
    return None


def payoff_values(front: ParetoFront) -> dict[str, np.ndarray]:
    """The payoff table's rows (optimised objective -> values of the front's objectives)."""
    payoff = front.run.get("payoff")
    rows = payoff.get("table") if isinstance(payoff, dict) else None
    if not isinstance(rows, list):
        return {}
    return {row["optimised"]: np.array([float(row[o]) for o in front.objectives]) for row in rows
            if isinstance(row, dict) and row.get("optimised") in front.objectives
            and all(o in row for o in front.objectives)}


def parcel_area(front: ParetoFront, problem: Problem | None = None) -> np.ndarray:
    """Parcel areas in ha: the problem's, else the projected geometry's."""
    if problem is not None:
        return np.asarray(problem.area, float)
    crs = front.parcels.crs
    if crs is not None and crs.is_geographic:
        warnings.warn("parcels are in a geographic CRS: areas are approximate", stacklevel=2)
        return front.parcels.to_crs(front.parcels.estimate_utm_crs()).area.to_numpy() / 1e4
    return front.parcels.area.to_numpy() / 1e4


def current_layout(front: ParetoFront) -> np.ndarray:
    """Today's use index of every parcel (from the parcels' ``current_use``)."""
    index = {u.code: k for k, u in enumerate(front.uses)}
    return front.parcels["current_use"].map(index).to_numpy(np.int64)
