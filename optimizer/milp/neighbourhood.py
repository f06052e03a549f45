"""Bounds and layouts for large models with compactness, where branch and bound is hopeless.

With compactness at tens of thousands of parcels HiGHS does not finish the root LP of the full
model within minutes, so both the bound and the layout must come from the assignment-shaped
model of :mod:`landalloc.optimizer.milp.pairs`, whose LP column generation solves in a second:

- **Bound** — compactness pays ``c_e y_e`` with ``y_e <= x_a, y_e <= x_b`` (``a, b`` the two
  parcels' x columns). For any ``0 <= mu_e <= c_e``, ``c_e y_e <= mu_e x_a + (c_e - mu_e) x_b``,
  so the relaxed model with those costs bounds the full one (Lagrangian relaxation of the link
  rows). ``mu = c / 2`` is the half-edge relaxation; a projected subgradient step on ``mu``
  (``x_a - x_b`` at the LP optimum) lowers the bound towards the full LP's.
- **Layout** — around a layout ``x``, compactness is ``sum_e c_e x_a x_b``; its gradient gives
  parcel ``i`` the edges of the neighbours already on use ``k``. Solving the relaxed model with
  ``lam * gradient + (1 - lam) * half edges`` (``lam`` rising from 0.3 to 1) moves the layout
  towards patches while every rule keeps holding; a layout is kept only if the *full*
  objective improves.
- **Block moves** — then the parcels are split into independent sets (no two neighbours in one
  set). With every other parcel held, the objective is *exactly* linear in one set's parcels,
  so a MIP over that set alone, started from the current layout, can only improve it: a
  coordinate ascent over sets that every rule holds at each step.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from landalloc.optimizer.milp import highs as hi
from landalloc.optimizer.milp.formulation import Formulation, Task
from landalloc.optimizer.milp.pairs import PairRelaxation
from landalloc.optimizer.milp.plan import LAYOUT
from landalloc.optimizer.milp.settings import Settings

Candidate = tuple[np.ndarray, "np.ndarray | None", float]
"""A checked layout: full solution vector, the solver's raw vector (if any), objective value."""
Check = Callable[[np.ndarray], "Candidate | None"]

SCHEDULE = (0.3, 0.5, 0.7, 0.85, 1.0)
"""Weights of the gradient against the half edges, one after the other."""
STEPS_PER_WEIGHT = 6
SUBGRADIENT_STEP, SUBGRADIENT_DECAY = 0.5, 0.9
"""First step (a share of each edge's weight) and its decay per iteration."""
BLOCK_GAIN = 1e-7
"""Relative gain below which a pass of block moves over every set counts as converged."""


class CompactnessSearch:
    """Subgradient bound and linearised improvement on the pair relaxation of ``form``."""

    def __init__(self, form: Formulation, pairs: PairRelaxation, inner) -> None:
        self.form, self.pairs, self.inner = form, pairs, inner
        ends = []
        for name in ("compact_i", "compact_j"):
            g = form.group(name)
            ends.append((-form.matrix[g.start:g.stop, :form.n_x].minimum(0)).tocsr().indices)
        self.a, self.b = ends
        self.sets = independent_sets(len(form.x_starts), form.x_slot[self.a], form.x_slot[self.b])
        """Independent set of each free parcel (see :func:`independent_sets`)."""
        self.mu: np.ndarray | None = None
        self.lp_seconds = 0.0
        """Wall time of the last relaxation: a step is begun only if one fits before the deadline."""

    def _task(self, task: Task, x_extra: np.ndarray) -> Task:
        relaxed = self.pairs.task(task)
        cost = task.cost[self.pairs.cols].copy()
        cost[:self.form.n_x] += x_extra
        return Task(cost, relaxed.offset, relaxed.row_lower, relaxed.row_upper, relaxed.col_lower,
                    relaxed.col_upper)

    def _weights(self, task: Task) -> np.ndarray:
        return np.maximum(task.cost[self.form.blocks["y"]], 0.0)

    def _gradient(self, weight: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Per x column, the edge weight of the parcel's neighbours already on that use."""
        x = values[:self.form.n_x]
        gradient = np.zeros(self.form.n_x)
        np.add.at(gradient, self.a, weight * x[self.b])
        np.add.at(gradient, self.b, weight * x[self.a])
        return gradient

    def bound(self, task: Task, deadline: float, steps: list[str]) -> float:
        """The best Lagrangian bound found by subgradient steps on the split of each edge."""
        start = time.perf_counter()
        weight = self._weights(task)
        mu = weight / 2 if self.mu is None or len(self.mu) != len(weight) else np.minimum(self.mu, weight)
        best, step, count, last = np.inf, SUBGRADIENT_STEP, 0, 0.0
        while time.perf_counter() + last < deadline:   # no step that would end past the deadline
            extra = np.zeros(self.form.n_x)
            np.add.at(extra, self.a, mu)
            np.add.at(extra, self.b, weight - mu)
            began = time.perf_counter()
            relaxation = self.inner.relaxation(self._task(task, extra), deadline)
            last = time.perf_counter() - began
            count += 1
            if relaxation.status != "optimal" or relaxation.values is None:
                break
            best = min(best, relaxation.bound)
            x = relaxation.values[:self.form.n_x]
            direction = x[self.a] - x[self.b]
            if not direction.any():
                break
            mu = np.clip(mu - step * weight * direction, 0.0, weight)
            step *= SUBGRADIENT_DECAY
            if step < 1e-3:
                break
        self.mu, self.lp_seconds = mu, last
        steps.append(f"subgradient[{count}] {time.perf_counter() - start:.2f}s bound {best:.6g}")
        return best

    def improve(self, task: Task, values: np.ndarray, deadline: float, steps: list[str],
                candidate: Check) -> Candidate | None:
        """Linearised moves from ``values``; ``candidate(v)`` checks a full vector and returns
        ``(polished, raw, value)`` or None. Returns the best such triple."""
        start = time.perf_counter()
        weight = self._weights(task)
        half = self.pairs.split.T @ weight
        best = candidate(values)
        if best is None:
            return None
        moves, last = 0, self.lp_seconds
        for lam in SCHEDULE:
            for _ in range(STEPS_PER_WEIGHT):
                if time.perf_counter() + last >= deadline:
                    break
                began = time.perf_counter()
                gradient = self._gradient(weight, best[0])
                outcome = self.inner.run(LAYOUT, self._task(task, lam * gradient + (1 - lam) * half),
                                         max(1e-3, deadline - time.perf_counter()))
                if outcome.values is None:
                    break
                moved = candidate(self.form.complete(self.inner.form.layout(outcome.values)))
                moves += 1
                last = time.perf_counter() - began
                if moved is None or moved[2] <= best[2] + 1e-9 * max(1.0, abs(best[2])):
                    break
                best = moved
        steps.append(f"linearised moves[{moves}] {time.perf_counter() - start:.2f}s")
        return best

    def blocks(self, task: Task, best: Candidate, deadline: float, steps: list[str], candidate: Check,
               settings: Settings) -> Candidate:
        """Block moves from the layout ``best`` (a ``candidate`` triple): one MIP per independent
        set, the other parcels held, until a pass over every set gains nothing."""
        start = time.perf_counter()
        inner_form, weight = self.inner.form, self._weights(task)
        moves, last, n_sets = 0, self.lp_seconds, int(self.sets.max()) + 1 if len(self.sets) else 0
        passes, gained = 0, True
        while gained and n_sets:
            gained, before = False, best[2]
            for block in range(n_sets):
                if time.perf_counter() + last >= deadline:
                    break
                began = time.perf_counter()
                moving = (self.sets == block)[self.form.x_slot]
                restriction = inner_form.restrict(self._task(task, self._gradient(weight, best[0])),
                                                  moving | (best[0][:self.form.n_x] > 0.5))
                if restriction is None:
                    continue
                current = inner_form.complete(self.form.layout(best[0]))
                run, _ = hi.solve_restriction(settings, restriction, current[restriction.cols], presolve="off",
                                              time_limit=max(1e-3, deadline - time.perf_counter()))
                moves += 1
                last = time.perf_counter() - began
                if run.values is None:
                    continue
                moved = candidate(self.form.complete(inner_form.layout(restriction.lift(run.values))))
                if moved is not None and moved[2] > best[2]:
                    best = moved
            passes += 1
            gained = best[2] - before > BLOCK_GAIN * max(1.0, abs(before))
        steps.append(f"block moves[{moves} in {passes} passes] {time.perf_counter() - start:.2f}s")
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

