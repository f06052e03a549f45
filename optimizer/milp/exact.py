"""Exact fronts, and the gaps a grid leaves: ε-bounds moved past the points already found.

Objectives ``g_1`` (optimised) and ``g_2[, g_3]`` (ε-bounded), in maximised units. A *probe* at
``ε`` is the lexicographic optimum of ``g_1``, then ``g_2`` (then ``g_3``), subject to
``g_2 >= ε``: its point ``P`` is non-dominated, and for two objectives no non-dominated point
has ``g_2`` in ``[ε, g_2(P))`` (it would have a larger ``g_1`` than ``P``, which is optimal).

- :func:`exact_front` moves ``ε`` just past each point it finds (``points="all"``): the sequence
  meets every non-dominated point, ending when the bound leaves nothing feasible.
- :class:`Gaps` fills a front: between neighbouring points (sorted by ``g_2``), it probes the
  widest gap in range-normalised units, first at the middle of the ``ε`` still open there, then
  just past the lower point; either finds a new point or proves the gap empty. Filling until no
  gap is open finds the complete front too (``points="auto"``), but spreads the points it has
  at any moment over the whole front.

"Just past" is a step of the ε-bounded objective's *resolution*: when its coefficients sit on
integer columns only and are multiples of one step (grid areas times a value per ha), the
objective moves in multiples of that step and no point can be skipped; otherwise the step is
:data:`EXACT_STEP` relative, and points whose values of that objective differ by less count as
one (run.json ``resolution`` says which held).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from landalloc.models.errors import InputError
from landalloc.optimizer.front import nondominated
from landalloc.optimizer.milp.build import STEP_DIVISORS
from landalloc.optimizer.milp.formulation import Formulation
from landalloc.optimizer.milp.multi import (RANGE_SCALE, Model, Payoff, Point, _advance, _Infeasible, augmented_point,
                                            lexicographic, reused_point)
from landalloc.optimizer.milp.resume import Earlier

EXACT_STEP = 1e-5
"""Relative step past a point when the objective has no resolution of its own: ten times the
feasibility tolerance, so that a bound one step past a point cannot be met by that point."""
FEASIBILITY_MARGIN = 10.0
"""An objective's own resolution is used only while it is this many feasibility tolerances
(relative to the objective's scale) wide: a smaller step could be met by the point it passes."""


@dataclass(frozen=True)
class Resolution:
    """The step by which an ε-bound passes a point, per objective, and whether it is the
    objective's own resolution (``exact``: no point can lie closer) or an assumed one."""

    step: dict[str, float]
    exact: dict[str, bool]

    @classmethod
    def of(cls, form: Formulation, table: Payoff) -> Resolution:
        step, exact = {}, {}
        for name, ideal, nadir in zip(table.objectives, table.ideal, table.nadir):
            scale = max(1.0, abs(ideal), abs(nadir))
            own = objective_step(form, name)
            exact[name] = own is not None and own >= FEASIBILITY_MARGIN * 1e-6 * scale
            step[name] = float(own) if exact[name] else EXACT_STEP * scale
        return cls(step, exact)

    def record(self) -> dict[str, dict[str, Any]]:
        """run.json's ``resolution``: per objective its step and where it comes from."""
        return {n: {"step": s, "source": "objective" if self.exact[n] else "assumed"} for n, s in self.step.items()}


def objective_step(form: Formulation, name: str) -> float | None:
    """The common step of an objective over integer columns (``min|c| / k`` for one of
    :data:`~landalloc.optimizer.milp.build.STEP_DIVISORS`), or None when it has none."""
    coef = form.objectives[name].coef
    used = np.flatnonzero(coef)
    if not len(used) or not form.integer[used].all():
        return None
    data = np.abs(coef[used])
    for k in STEP_DIVISORS:
        ratio = data * k / data.min()
        if (np.abs(ratio - np.round(ratio)) <= 1e-9 * np.maximum(1.0, ratio)).all():
            return float(data.min() / k)
    return None


def range_shifts(model: Model, table: Payoff) -> dict[str, float]:
    """Offsets that make each objective of a solve read ``g - nadir + RANGE_SCALE * range``, so
    that the relative MIP gap is a share of the front's range, not of the objective's size
    (demo: efficiency spans 0.1 % of its value, so a gap of 1e-4 of the value is 10 % of the
    front; measured against the range it is 1 %)."""
    return {n: float(RANGE_SCALE * r - model.g(n, dict(zip(table.objectives, table.nadir))))
            for n, r in zip(table.objectives, table.ranges)}


def proven(point: Point, resolution: Resolution, table: Payoff) -> bool:
    """Whether a solve proved its point to within the resolution of the objective it
    optimised (each stage's, for a lexicographic one): then no point better by a step exists.
    A grid point's bound includes its augmentation term, so its gap (relative to an objective
    of about twice the range, see :func:`~landalloc.optimizer.milp.multi.solve_point`) is used."""
    if point.status != "optimal":
        return False
    if point.reused:
        return True
    stages = point.record.get("stages")
    if stages is None:
        name = str(point.record.get("optimised"))
        gap = float(point.record.get("gap", math.inf))
        return gap * GRID_SCALE * table.ranges[table.objectives.index(name)] <= resolution.step[name]
    return all(abs(s["bound"] - s["value"]) <= resolution.step[s["objective"]] * (1 + 1e-9)
               for s in stages if math.isfinite(s["bound"]))


def probe(model: Model, table: Payoff, held: dict[str, float], key: str, kind: str,
          earlier: Earlier) -> Point | None:
    """The lexicographic optimum under ``held`` (ε-bounds, maximised units) as a point, taken
    from the ``earlier`` run when it proved it; None when nothing meets the bounds."""
    point = reused_point(earlier, (), key)
    if point is not None:
        return point
    try:
        solution = lexicographic(model, list(model.objectives), held, shifts=range_shifts(model, table))
    except _Infeasible:
        return None
    record = {"kind": kind, "grid": key, **solution.record(), "time_limit": model.clock.limit,
              **{f"epsilon_{n}": model.form.objectives[n].sign * e for n, e in held.items()}}
    return Point((), solution.status, solution, {}, record)


def distinct(model: Model, found: list[Point]) -> np.ndarray:
    """The distinct non-dominated values (maximised units) among ``found``, as ParetoFront keeps them."""
    values = np.array([[p.values[o] for o in model.objectives] for p in found if p.values])
    if not len(values):
        return np.zeros((0, len(model.objectives)))
    senses = tuple(model.form.objectives[o].sense for o in model.objectives)
    sign = np.array([model.form.objectives[o].sign for o in model.objectives])
    return values[nondominated(values, senses)] * sign


def exact_front(model: Model, table: Payoff, resolution: Resolution, progress: Any = None,
                earlier: Earlier | None = None, limit: float = math.inf,
                found: list[Point] | None = None) -> Iterator[Point]:
    """Every non-dominated point, for 2 or 3 objectives: each ε-bound jumps one resolution step
    past the last point's value, and each point is a lexicographic optimum; for 3 objectives a
    sweep of ``g_2`` at each level of ``g_3`` (levels one step past the lowest ``g_3`` met).
    Stops early once ``found`` (the caller's points, payoff rows included) holds ``limit``
    distinct points. Points proven by the ``earlier`` run are taken from it."""
    earlier = earlier or Earlier()
    found = found if found is not None else []
    rest = model.objectives[1:]
    delta = resolution.step
    outer: float | None = None
    count = 0
    while True:
        eps2: float | None = None
        level: list[float] = []
        while True:
            if len(distinct(model, found)) >= limit:
                return
            held = {rest[0]: eps2} if eps2 is not None else {}
            if outer is not None:
                held[rest[1]] = outer
            if held:
                point = probe(model, table, held, str(count + 1), "exact", earlier)
                if point is None:
                    break
                count += 1
                found.append(point)
                yield point
                _advance(progress, 1)
                values = point.values
            else:   # no bound yet: the payoff table's row of the first objective is that optimum
                values = dict(zip(table.objectives, table.table.iloc[0]))
            g = {n: model.g(n, values) for n in rest}
            eps2 = g[rest[0]] + delta[rest[0]]
            if len(rest) == 2:
                level.append(g[rest[1]])
        if len(rest) == 1 or not level:
            return
        outer = min(level) + delta[rest[1]]


@dataclass
class Gaps:
    """Gap filling on a two-objective front (see the module docstring); ``exhausted`` is true
    once every gap between neighbouring points is proven empty."""

    model: Model
    table: Payoff
    resolution: Resolution
    lexicographic: bool = True
    """Probe by lexicographic optima (two MIPs, proving each gap empty) or, after a grid of N,
    by AUGMECON2's augmented solve (one MIP; its slack term may prefer a point with a little
    less of the first objective, so an empty gap is not proven)."""
    probes: list[float] = field(default_factory=list)
    """ε of every probe so far: ``[ε, g_2(its point))`` holds no non-dominated point."""
    exhausted: bool = False

    def fill(self, found: list[Point], target: float, progress: Any = None,
             earlier: Earlier | None = None) -> Iterator[Point]:
        """Probe the widest open gap of the points in ``found`` (appending each new point to it)
        until they hold ``target`` distinct points or no gap is open."""
        earlier = earlier or Earlier()
        inner = self.model.objectives[1]
        count = 0
        while True:
            known = distinct(self.model, found)
            if len(known) >= target:
                return
            epsilon = self.next_epsilon(known[np.argsort(known[:, 1], kind="stable")])
            if epsilon is None:
                self.exhausted = True
                return
            count += 1
            self.probes.append(epsilon)
            key = f"fill {count}"
            point = (probe(self.model, self.table, {inner: epsilon}, key, "fill", earlier) if self.lexicographic
                     else reused_point(earlier, (), key)
                     or augmented_point(self.model, self.table, {inner: epsilon}, (), {"kind": "fill", "grid": key}))
            if point is not None and point.status == "infeasible":
                point = None
            if point is None:   # nothing meets a bound below a known point: only numerically possible
                continue
            found.append(point)
            _advance(progress, 1)
            yield point

    def next_epsilon(self, known: np.ndarray) -> float | None:
        """ε of the next probe: in the widest open gap between neighbours ``known[i]``,
        ``known[i + 1]`` (sorted by ``g_2``), its middle, or one step past ``known[i]`` once the
        upper half is known to be empty; None when every gap is closed."""
        step = self.resolution.step[self.model.objectives[1]]
        ranges = self.table.ranges
        best: tuple[float, float] | None = None
        for low, high in zip(known[:-1], known[1:]):
            bounds = [e for e in self.probes if low[1] < e <= high[1]]
            upper = min([high[1], *bounds])
            if upper - low[1] <= step * (1 + 1e-9):
                continue   # a probe one step past `low` found `high`: nothing lies between
            width = float(np.hypot(*((high - low) / ranges)))
            middle = (low[1] + upper) / 2
            epsilon = middle if not bounds and middle - low[1] > step else low[1] + step
            if best is None or width > best[0]:
                best = (width, epsilon)
        return None if best is None else best[1]



EXACT_UP_TO = 30
"""``points="auto"``: a front counts as small while it has at most this many points; it is then
found complete, and a larger one gets this many points spread over it."""
AUTO_GRID = 11
"""Grid points per objective with which ``points="auto"`` goes on for 3 objectives once the
exact sequence has met ``exact_up_to`` points."""
MODES = ("auto", "all")
GRID_SCALE = RANGE_SCALE + 1.1
"""Most a grid point's objective ((g - nadir) / range + RANGE_SCALE + augmentation) is worth, in ranges."""


def requested_points(points: int | str | None, method: str) -> int | str:
    """``points`` as a front run records it: an integer of at least 2, ``"all"`` or ``"auto"``
    (``None`` is ``"all"``); a clear error otherwise."""
    if points is None:
        points = "all"
    if isinstance(points, str) and points in MODES:
        if method != "augmecon":
            raise InputError(f"points: {points!r} (every non-dominated point) needs method='augmecon'; "
                             "give weighted sums an integer number of points")
        return points
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or points < 2:
        raise InputError(f"points: need an integer of at least 2, 'all' or 'auto', got {points!r}")
    return int(points)


@dataclass
class Sweep:
    """The points of a front after its payoff table, by ``points``: a grid of N followed by
    gap filling up to N distinct points (2 objectives), every point (``"all"``), or every point
    while there are at most ``exact_up_to`` (``"auto"``); and what they add up to (:meth:`account`)."""

    model: Model
    table: Payoff
    points: int | str
    exact_up_to: int
    found: list[Point]
    """Every point with values so far, payoff rows first: what the gaps are measured between."""
    resolution: Resolution = field(init=False)
    gaps: Gaps = field(init=False)
    tally: dict[str, int] = field(default_factory=lambda: {"bypassed": 0, "early_exit": 0})
    ended: str = ""
    """``exhausted`` (no non-dominated point left unfound), ``probed`` (every gap probed by
    augmented solves), ``target`` (N distinct points),
    ``capped`` (``exact_up_to`` met) or ``grid`` (3 objectives: the grid's points); empty while running."""

    def __post_init__(self) -> None:
        self.resolution = Resolution.of(self.model.form, self.table)
        self.gaps = Gaps(self.model, self.table, self.resolution)

    def run(self, progress: Any, reuse: bool, earlier: Earlier) -> Iterator[Point]:
        from landalloc.optimizer.milp.multi import grid

        two = len(self.model.objectives) == 2
        if self.points == "all":
            yield from self._kept(exact_front(self.model, self.table, self.resolution, progress, earlier))
            self.ended = "exhausted"
        elif self.points == "auto" and two:
            yield from self.gaps.fill(self.found, self.exact_up_to, progress, earlier)
            self.ended = "exhausted" if self.gaps.exhausted else "capped"
        elif self.points == "auto":
            yield from self._kept(exact_front(self.model, self.table, self.resolution, progress, earlier,
                                              limit=self.exact_up_to, found=self.found))
            if len(distinct(self.model, self.found)) < self.exact_up_to:
                self.ended = "exhausted"
                return
            yield from self._kept(grid(self.model, self.table, AUTO_GRID, None, reuse, earlier, self.tally))
            self.ended = "capped"
        else:
            assert isinstance(self.points, int)
            yield from self._kept(grid(self.model, self.table, self.points, progress, reuse, earlier, self.tally))
            yield from self.fill_after_grid(earlier)

    def fill_after_grid(self, earlier: Earlier) -> Iterator[Point]:
        """After a grid of N points: fill the widest gaps until the front holds N distinct
        points or every gap is empty (two objectives; three keep the grid's points)."""
        if len(self.model.objectives) != 2:
            self.ended = "grid"
            return
        self.gaps.lexicographic = False   # N points, quickly: a complete front is points="all"'s
        yield from self.gaps.fill(self.found, self.points, None, earlier)
        self.ended = "probed" if self.gaps.exhausted else "target"

    def _kept(self, points: Iterator[Point]) -> Iterator[Point]:
        for point in points:
            if not any(p is point for p in self.found):
                self.found.append(point)
            yield point

    def account(self, distinct_points: int, solved: list[Point], rows: list[Point], stopped_by: str,
                method: str = "augmecon") -> dict[str, Any]:
        """run.json's account of the front: how many distinct points it holds against those
        requested and why fewer, and whether it is the complete non-dominated set and why not."""
        values = [tuple(np.round([p.values[o] for o in self.model.objectives], 9)) for p in solved + rows if p.values]
        solves = [p for p in solved + rows if p.status != "infeasible"]
        unproven = [p for p in solved + rows if p.status != "infeasible" and not proven(p, self.resolution, self.table)]
        fewer = {"solves": len(solves), "duplicates": len(values) - len(set(values)),
                 "dominated": len(set(values)) - distinct_points, **self.tally,
                 "infeasible": sum(p.status == "infeasible" for p in solved), "fill": sum(
                     p.record.get("kind") == "fill" for p in solved)}
        why_not = self._why_not(method, stopped_by, unproven, distinct_points)
        # a grid of N per constrained objective: N points for 2 objectives, N² for 3
        target = self.points ** (len(self.model.objectives) - 1) if isinstance(self.points, int) else None
        out: dict[str, Any] = {"requested": self.points, "target": target, "distinct": distinct_points,
                               "complete": why_not is None, "incomplete_because": why_not, "counts": fewer,
                               "resolution": self.resolution.record()}
        if target is not None and distinct_points < target:
            out["fewer_because"] = self._why_fewer(fewer, distinct_points)
        return out

    def _why_not(self, method: str, stopped_by: str, unproven: list[Point], distinct_points: int) -> str | None:
        if method != "augmecon":
            return "weighted sums find only the supported points of a front"
        if stopped_by != "completed":
            return "the run was interrupted" if stopped_by == "interrupted" else "a solve stopped at its time limit"
        if unproven:
            gap = self.model.settings.gap
            return (f"{len(unproven)} solves were not proven to the resolution of their objectives (MIP gap {gap:g}): "
                    "a better point may lie within that gap; rerun with gap 0 (--gap 0)")
        if self.ended == "exhausted":
            return None
        if self.ended == "probed":
            return (f"every gap of the {distinct_points} points was probed by AUGMECON2's augmented solve, which "
                    "does not prove a gap empty; points='all' (--points all) does")
        if self.ended == "capped":
            return (f"the front has more than {self.exact_up_to} points (exact_up_to): these {distinct_points} are "
                    "spread over it; points='all' (--points all) finds every one")
        return (f"a grid of {self.points} points finds {distinct_points} of a larger front; points='all' "
                "(--points all) finds every one")

    def _why_fewer(self, fewer: dict[str, int], distinct_points: int) -> str:
        parts = [f"{fewer['duplicates']} solves returned a point already found" if fewer["duplicates"] else "",
                 f"{fewer['bypassed']} grid points were skipped by AUGMECON2's bypass (same optimum as a solved one)"
                 if fewer["bypassed"] else "",
                 f"{fewer['early_exit'] + fewer['infeasible']} grid points had no layout meeting their ε-bounds"
                 if fewer["early_exit"] + fewer["infeasible"] else "",
                 f"{fewer['dominated']} points were dominated by others" if fewer["dominated"] else ""]
        reasons = "; ".join(p for p in parts if p)
        if self.ended in ("exhausted", "probed"):
            return (f"the front has only {distinct_points} non-dominated points as far as the gaps between them were "
                    "probed" + (f" ({reasons})" if reasons else ""))
        return reasons or "the run stopped before the gaps were filled"
