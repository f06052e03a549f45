"""What a caller may tune (Settings) and what every solve reports (Solution)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from landalloc.models.errors import InputError

ENGINES = ("highs", "pyomo")
PRESOLVE = ("auto", "on", "off")
LP_SOLVERS = ("auto", "columns", "simplex", "ipm")
STRATEGIES = ("auto", "highs")
COUNTS = {"search_above": 0, "branch_and_bound_above": 0, "presolve_off_above": 0, "presolve_off_above_compact": 0,
          "repair_min": 0, "graph_cut_rounds": 0, "repair_group": 1, "earlier_layouts": 0}
"""Settings that are counts (of columns, parcels, rounds or layouts), with their least value."""
SHARES = ("columns_coupling_share", "repair_share", "repair_time_share", "step_share")
"""Settings that are shares in (0, 1]."""
STATUSES = ("optimal", "time_limit", "gap_not_proven", "infeasible")
"""What a solve reports: ``optimal`` only when the gap between the layout's value and the
proven bound is within the requested gap (:func:`proven_status`); ``time_limit`` when the time
ran out first; ``gap_not_proven`` when the solver stopped on its own with a larger gap."""
ABSOLUTE_GAP = 1e-6
"""A value this close to its bound (in the solved objective's units) is proven optimal whatever
the relative gap (HiGHS's ``mip_abs_gap``): an objective of 0 has no finite relative gap."""
ROUND_OFF_GAP = 1e-7
"""Relative gap that is the solver's round-off, not an unproven gap: HiGHS meets rows within
its feasibility tolerance (1e-7), so its bound may sit that far above the exact optimum even at
``gap=0``."""


@dataclass(frozen=True)
class Settings:
    """Solver settings shared by every MILP solve.

    Parameters
    ----------
    time_limit : seconds per solve (per Pareto point), None for no limit.
    gap : relative MIP gap at which a solve stops, ``|bound - objective| / |objective|``.
    threads : HiGHS threads (None: HiGHS's choice).
    seed : HiGHS random seed.
    engine : ``"highs"`` (arrays handed to highspy, the fast path) or ``"pyomo"`` (a Pyomo
        model solved by ``solver``, for users of other Pyomo solvers).
    solver : Pyomo solver name for ``engine="pyomo"`` (``"highs"`` uses Pyomo's HiGHS interface).
    lp : how the LP relaxation is solved first: ``"columns"`` (column generation over whole
        layouts, for models made of the assignment rows plus a few area/population/balance
        rows), ``"simplex"`` or ``"ipm"`` (HiGHS on the full model), ``"auto"`` to choose by shape
        and by the number of coupling rows (``columns_coupling_share``).
    presolve : HiGHS presolve for branch and bound and the restricted MIPs: ``"auto"`` (off for
        models with more than ``presolve_off_above`` columns, ``presolve_off_above_compact`` with
        compactness, where HiGHS's MIP presolve costs more than it saves on these assignment
        structures), ``"on"`` or ``"off"``.
    log : print HiGHS's log.
    strategy : ``"auto"`` (the plan :func:`landalloc.optimizer.milp.plan.plan_for` chooses from the
        model's shape) or ``"highs"`` (the whole model to HiGHS's branch and bound from no start,
        HiGHS's defaults otherwise: the baseline).
    search_above : columns above which a model with compactness gets the subgradient bound and
        the linearised and block moves before branch and bound (default 50,000: there HiGHS's
        root LP alone outlasts any practical time limit).
    branch_and_bound_above : columns above which a model with compactness solved under a time
        limit skips branch and bound (default 50,000): HiGHS checks its clock only between root
        steps, and its root took 590 s at 40,000 parcels, so it would overrun the limit. Without
        a time limit branch and bound always runs.
    presolve_off_above, presolve_off_above_compact : columns above which ``presolve="auto"``
        turns HiGHS's MIP presolve off, without and with compactness (defaults 20,000 and 5,000,
        measured in benchmarks/milp_bench.py: below, presolve pays; above, its probing and clique
        detection on the assignment rows cost more than the whole solve).
    columns_coupling_share : ``lp="auto"`` uses column generation only while the coupling rows
        number at most this share of the free parcels (default 0.25): its master holds every
        coupling row, so with a coverage row per demand point (real land) it is as large as the
        model and slow (Ordos: 0.91 of the parcels; HiGHS's simplex on the full model: 0.4 s).
    repair_share, repair_min : the restricted MIP frees, besides the parcels the LP splits,
        those whose second-best use is nearest their best: this share of the free parcels, at
        least this many (defaults 0.02 and 200), four times more after each failure.
    repair_time_share, repair_seconds : a restricted MIP that does not free every parcel may
        take this share of the time left, at most this many seconds (defaults 0.25 and 120):
        when it is slow, the later steps are the better use of the time.
    step_share : share of the time left that the subgradient, the graph cut and the moves each
        take when other steps follow them (default 0.5).
    graph_cut_rounds : price updates at most per graph-cut step (default 20): each is one sweep
        of expansions and one exact choice among the moved patches.
    repair_group : most changed parcels one graph-cut repair MIP frees, with their neighbours
        (default 200): HiGHS cannot stop inside its root node, so a repair is kept small (at
        40,000 parcels, 1,000 made a MIP whose root outlasted 20 s; 200, one solved in seconds).
    earlier_layouts : layouts of earlier solves on a session (a front's points) tried as starts
        of each new solve (default 3).
    """

    time_limit: float | None = None
    gap: float = 1e-4
    threads: int | None = None
    seed: int = 0
    engine: str = "highs"
    solver: str = "highs"
    lp: str = "auto"
    presolve: str = "auto"
    log: bool = False
    strategy: str = "auto"
    search_above: int = 50_000
    branch_and_bound_above: int = 50_000
    presolve_off_above: int = 20_000
    presolve_off_above_compact: int = 5_000
    columns_coupling_share: float = 0.25
    repair_share: float = 0.02
    repair_min: int = 200
    repair_time_share: float = 0.25
    repair_seconds: float = 120.0
    step_share: float = 0.5
    graph_cut_rounds: int = 20
    repair_group: int = 200
    earlier_layouts: int = 3

    def __post_init__(self) -> None:
        if self.time_limit is not None and not (self.time_limit > 0):
            raise InputError(f"time_limit: need a positive number of seconds or None, got {self.time_limit!r}")
        if not (0 <= self.gap < 1):
            raise InputError(f"gap: need a relative gap in [0, 1), got {self.gap!r}")
        if self.threads is not None and (not isinstance(self.threads, int) or self.threads < 1):
            raise InputError(f"threads: need a positive integer or None, got {self.threads!r}")
        for name, allowed in (("engine", ENGINES), ("presolve", PRESOLVE), ("lp", LP_SOLVERS),
                              ("strategy", STRATEGIES)):
            if getattr(self, name) not in allowed:
                raise InputError(f"{name}: unknown value {getattr(self, name)!r}; allowed: {', '.join(allowed)}")
        for name, least in COUNTS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise InputError(f"{name}: need a count (an integer >= {least}), got {value!r}")
        for name in SHARES:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
                raise InputError(f"{name}: need a share in (0, 1], got {value!r}")
        if not (isinstance(self.repair_seconds, (int, float)) and self.repair_seconds > 0):
            raise InputError(f"repair_seconds: need a positive number of seconds, got {self.repair_seconds!r}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, eq=False, repr=False)
class Solution:
    """One MILP solve: the layout, its value, the proven bound and how long each step took.

    ``objective`` is the evaluated value of objective ``name`` (natural units and sense);
    ``bound`` is the best proven bound on it (above for max, below for min); ``gap`` is the
    relative gap :func:`relative_gap` of the solved (possibly scalarised) objective, between
    its value recomputed from the evaluated layout and the proven bound; ``status`` is
    :func:`proven_status` of that gap; ``values`` holds every objective the model formulated,
    evaluated on the layout.
    """

    name: str
    sense: str
    layout: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str
    seconds: float
    build_seconds: float
    handover_seconds: float
    solve_seconds: float
    values: dict[str, float] = field(default_factory=dict)
    strategy: str = ""
    engine: str = "highs"
    plan: str = ""
    """Name of the plan the engine ran (:mod:`landalloc.optimizer.milp.plan`); its steps are ``strategy``."""
    stages: tuple[dict[str, Any], ...] = ()
    """A lexicographic solve's stages in order (objective, status, gap, bound, seconds): a
    payoff row is optimal only if every stage is, and a planner needs to see which one was cut."""

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"

    def record(self) -> dict[str, Any]:
        """Point metadata for ParetoFront tables and run.json."""
        return {"status": self.status, "gap": self.gap, "seconds": self.seconds, "bound": self.bound,
                "optimised": self.name, "plan": self.plan, "strategy": self.strategy, "build_seconds": self.build_seconds,
                "handover_seconds": self.handover_seconds, "solve_seconds": self.solve_seconds,
                **({"stages": list(self.stages)} if self.stages else {})}

    def __repr__(self) -> str:
        gap = "" if math.isnan(self.gap) else f", gap {self.gap:.2e}"
        return (f"Solution({self.name} ({self.sense}) = {self.objective:,.6g}, bound {self.bound:,.6g}{gap}, "
                f"{self.status}, {self.seconds:.2f} s: build {self.build_seconds:.2f}, hand-over "
                f"{self.handover_seconds:.2f}, solve {self.solve_seconds:.2f}; {self.strategy})")


def relative_gap(objective: float, bound: float) -> float:
    """``|bound - objective| / |objective|``: 0 when they differ by round-off
    (:data:`ROUND_OFF_GAP` of ``max(1, |bound|)``), inf when only the objective is 0."""
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.inf
    diff = abs(bound - objective)
    if diff <= ROUND_OFF_GAP * max(1.0, abs(bound)):
        return 0.0
    return diff / abs(objective) if objective != 0 else math.inf


def within_gap(objective: float, bound: float, gap: float) -> bool:
    """Whether ``objective`` is proven within ``gap`` (at least :data:`ROUND_OFF_GAP`) relative,
    or :data:`ABSOLUTE_GAP`, of ``bound``."""
    return relative_gap(objective, bound) <= max(gap, ROUND_OFF_GAP) or abs(bound - objective) <= ABSOLUTE_GAP


def proven_status(stopped: str, objective: float, bound: float, gap: float) -> str:
    """The status a solve may report, from its layout's value and its proven bound (maximised
    units) whatever the solver said: ``optimal`` only within ``gap``; otherwise ``time_limit``
    when the solve was ``stopped`` by its time, else ``gap_not_proven``."""
    if within_gap(objective, bound, gap):
        return "optimal"
    return "time_limit" if stopped == "time_limit" else "gap_not_proven"
