"""Linearised and block moves for large models with compactness, where branch and bound is hopeless.

Both work on the half-edge model of :mod:`landalloc.optimizer.milp.pairs` priced as
:class:`landalloc.optimizer.milp.bound.EdgeSplit` prices it, and keep a layout only if the
*full* objective improves and every rule holds:

- **Linearised moves** — around a layout ``x``, compactness is ``sum_e c_e x_a x_b``; its
  gradient gives parcel ``i`` the edges of the neighbours already on use ``k``. Solving the
  relaxed model with ``lam * gradient + (1 - lam) * half edges`` (``lam`` rising from 0.3 to 1)
  moves the layout towards patches.
- **Block moves** — the parcels are split into independent sets (no two neighbours in one
  set). With every other parcel held, the objective is *exactly* linear in one set's parcels,
  so a MIP over that set alone, started from the current layout, can only improve it: a
  coordinate ascent over sets that every rule holds at each step.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from landalloc.optimizer.milp import highs as hi
from landalloc.optimizer.milp.bound import EdgeSplit
from landalloc.optimizer.milp.check import Candidate, candidate
from landalloc.optimizer.milp.formulation import Task
from landalloc.optimizer.milp.restricted import restricted_mip
from landalloc.optimizer.milp.settings import Settings, within_gap

Check = Callable[[np.ndarray], "Candidate | None"]

SCHEDULE = (0.3, 0.5, 0.7, 0.85, 1.0)
"""Weights of the gradient against the half edges, one after the other."""
STEPS_PER_WEIGHT = 6
BLOCK_GAIN = 1e-7
"""Relative gain below which a pass of block moves over every set counts as converged."""


class CompactnessMoves:
    """Linearised and block moves on the half-edge model of ``split.form``."""

    def __init__(self, split: EdgeSplit, settings: Settings) -> None:
        self.split, self.settings = split, settings
        form = split.form
        self.sets = independent_sets(len(form.x_starts), form.x_slot[split.a], form.x_slot[split.b])
        """Independent set of each free parcel (see :func:`independent_sets`)."""

    def _gradient(self, weight: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Per x column, the edge weight of the parcel's neighbours already on that use."""
        split = self.split
        x = values[:split.form.n_x]
        gradient = np.zeros(split.form.n_x)
        np.add.at(gradient, split.a, weight * x[split.b])
        np.add.at(gradient, split.b, weight * x[split.a])
        return gradient

    def _relaxed_layout(self, task: Task, deadline: float) -> np.ndarray | None:
        """A layout of the half-edge model at ``task``: its LP's rounding, else its restricted MIP."""
        relaxed, form = self.split.relaxed, self.split.relaxed.form
        relaxation = relaxed.solve(task, deadline)
        if relaxation.pricing is None:
            return None
        rounded = None if relaxation.values is None else candidate(form, task, relaxation.values, claim=False)
        if rounded is not None and within_gap(rounded[2], relaxation.bound, self.settings.gap):
            return rounded[0]
        repaired, _, handover = restricted_mip(form, task, relaxation, deadline, [], self.settings)
        relaxed.handover += handover
        found = max((c for c in (rounded, repaired) if c is not None), key=lambda c: c[2], default=None)
        return None if found is None else found[0]

    def improve(self, task: Task, best: Candidate, deadline: float, steps: list[str], check: Check) -> Candidate:
        """Linearised moves from ``best``; ``check(v)`` checks a full vector and returns
        ``(polished, raw, value)`` or None. Returns the best such triple."""
        start, split = time.perf_counter(), self.split
        weight = split.weights(task)
        half = split.pairs.split.T @ weight
        first, moves, last = best[2], 0, split.lp_seconds
        for lam in SCHEDULE:
            for _ in range(STEPS_PER_WEIGHT):
                if time.perf_counter() + last >= deadline:
                    break
                began = time.perf_counter()
                values = self._relaxed_layout(split.task(task, lam * self._gradient(weight, best[0]) + (1 - lam) * half),
                                              deadline)
                if values is None:
                    break
                moved = check(split.form.complete(split.relaxed.form.layout(values)))
                moves += 1
                last = time.perf_counter() - began
                if moved is None or moved[2] <= best[2] + 1e-9 * max(1.0, abs(best[2])):
                    break
                best = moved
        steps.append(f"linearised moves[{moves}] {time.perf_counter() - start:.2f}s {first:.6g} -> {best[2]:.6g}")
        return best

    def blocks(self, task: Task, best: Candidate, deadline: float, steps: list[str], check: Check) -> Candidate:
        """Block moves from the layout ``best`` (a ``check`` triple): one MIP per independent
        set, the other parcels held, until a pass over every set gains nothing."""
        start, split = time.perf_counter(), self.split
        form, inner_form, weight = split.form, split.relaxed.form, split.weights(task)
        first, moves, last = best[2], 0, split.lp_seconds
        n_sets = int(self.sets.max()) + 1 if len(self.sets) else 0
        passes, gained = 0, True
        while gained and n_sets:
            gained, before = False, best[2]
            for block in range(n_sets):
                if time.perf_counter() + last >= deadline:
                    break
                began = time.perf_counter()
                moving = (self.sets == block)[form.x_slot]
                restriction = inner_form.restrict(split.task(task, self._gradient(weight, best[0])),
                                                  moving | (best[0][:form.n_x] > 0.5))
                if restriction is None:
                    continue
                current = inner_form.complete(form.layout(best[0]))
                run, _ = hi.solve_restriction(self.settings, restriction, current[restriction.cols], presolve="off",
                                              time_limit=max(1e-3, deadline - time.perf_counter()))
                moves += 1
                last = time.perf_counter() - began
                if run.values is None:
                    continue
                moved = check(form.complete(inner_form.layout(restriction.lift(run.values))))
                if moved is not None and moved[2] > best[2]:
                    best = moved
            passes += 1
            gained = best[2] - before > BLOCK_GAIN * max(1.0, abs(before))
        steps.append(f"block moves[{moves} in {passes} passes] {time.perf_counter() - start:.2f}s "
                     f"{first:.6g} -> {best[2]:.6g}")
        return best


def independent_sets(n: int, u: np.ndarray, v: np.ndarray, seed: int = 0) -> np.ndarray:
    """A colouring of ``n`` nodes joined by edges ``u``–``v``: node -> set number, no edge inside
    a set. Each set is a maximal independent set of the nodes left (Luby's random rounds): five
    sets on a 40,000-parcel synthetic county, the first two holding three quarters of it."""
    rng = np.random.default_rng(seed)
    keep = u != v
    u, v = u[keep], v[keep]
    colour = np.full(n, -1)
    block = 0
    while (colour < 0).any():
        open_ = colour < 0
        inside = np.zeros(n, bool)
        while open_.any():
            priority = np.where(open_, rng.random(n), -1.0)
            top = np.full(n, -1.0)
            np.maximum.at(top, u, priority[v])
            np.maximum.at(top, v, priority[u])
            win = open_ & (priority > top)
            inside |= win
            blocked = win.copy()
            blocked[u[win[v]]] = True
            blocked[v[win[u]]] = True
            open_ &= ~blocked
        colour[inside] = block
        block += 1
    return colour

