"""What a report needs beyond the front itself: the compiled problem, today's values, the payoff.

A result folder's ``run.json`` tells where the instance is. Entries read here (all optional;
a report without them still draws the front and the maps, and says what it left out):

- ``instance``: the instance folder (absolute, or relative to the result folder);
- ``scenario``: another scenario file applied to it (default: the instance's scenario.toml);
- ``inputs``: SHA-256 per instance file, to warn when the instance changed since the run;
- ``current``: today's layout's objective values ``{"efficiency": ..., ...}``;
- ``payoff``: the payoff table as run.json stores it, ``{"table": [{"optimised": name, objective: value, ...}]}``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from landalloc.models import Instance, LandallocError, Problem, evaluate
from landalloc.models.scenario import OBJECTIVES
from landalloc.optimizer.front import ParetoFront


def load_problem(front: ParetoFront, folder: str | Path | None = None) -> Problem | None:
    """Compile the instance named by ``front.run["instance"]``, or None (with a warning) when
    it is not named, not found, changed since the run, or has other parcels than the front."""
    named = front.run.get("instance")
    if not named:
        return None
    path = Path(named)
    if not path.is_absolute() and folder is not None and not path.exists():
        path = Path(folder) / path
    scenario = front.run.get("scenario")
    try:
        instance = Instance.load(path, scenario)
        problem = instance.compile()
    except LandallocError as exc:
        warnings.warn(f"run.json names instance {named}, which cannot be loaded ({exc}); "
                      "the report leaves out quota and district tables", stacklevel=2)
        return None
    recorded = front.run.get("inputs")
    if isinstance(recorded, dict) and recorded:
        now = instance.input_hashes()
        changed = sorted(name for name, digest in recorded.items() if now.get(name) != digest)
        if changed:
            warnings.warn(f"instance {named}: {', '.join(changed)} changed since the run; tables "
                          "use today's files", stacklevel=2)
    if not matches(front, problem):
        warnings.warn(f"instance {named} does not have the front's parcels; the report leaves "
                      "out quota and district tables", stacklevel=2)
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
