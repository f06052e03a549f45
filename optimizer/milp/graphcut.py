"""The graph-cut move: alpha-expansion on the priced Potts energy, then an exact restricted MIP.

With the coupling rows (quotas, construction cap, cropland balance, housing capacity, ε-rows)
priced out at multipliers ``y``, a task over layouts ``l`` is a Potts labelling energy::

    E_y(l) = sum_i u_i(l_i) + sum_{e=(a,b)} w_e(l_a) [l_a = l_b]

with ``u_i(k)`` the reduced cost ``c_ik - B_ik'y`` of column ``x_ik`` (:func:`landalloc.optimizer.milp.lagrange.price`;
uses a parcel may not take are no labels of it; locked parcels are constants whose edges the
formulation already put on their neighbours' ``x``) and ``w_e(k) >= 0`` the reduced cost of the
edge's ``y`` column on compact use ``k``. For one use ``α``, the *expansion* lets every parcel
either keep its use or switch to ``α``; with ``w >= 0`` that binary choice is submodular, so one
min-cut (PyMaxflow) finds the best expansion exactly and moves whole patches at once, where a
block move changes one parcel per independent set.

The moved layout may break the coupling rows the prices only discourage, so it is followed by
the **repair**. No edge joins two of the moved patches (connected groups of changed parcels), so
the objective and every row's activity are sums over the patches moved: an exact MIP with one
binary per patch over the coupling rows picks the best set (:func:`select_patches`). When that
gains nothing, MIPs on the true task over groups of the changed parcels (whole patches together,
at most ``settings.repair_group``) and their neighbours, every other parcel held, look further
(:func:`repair`). Between rounds, the prices of the rows the moved layout breaks rise by a
subgradient step, so the next expansion respects them more.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import maxflow
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from landalloc.optimizer.milp import highs as hi
from landalloc.optimizer.milp.formulation import Formulation, Task
from landalloc.optimizer.milp.lagrange import price
from landalloc.optimizer.milp.pairs import LINKS
from landalloc.optimizer.milp.check import polish, satisfies
from landalloc.optimizer.milp.settings import Settings

STALE_ROUNDS = 2
"""Rounds in a row that gain nothing after which the step stops (the prices rose in each)."""
GAIN = 1e-9
"""Relative gain of the energy (or objective) below which a step counts as no gain."""


@dataclass(frozen=True)
class Potts:
    """The priced energy of one task: ``unary`` (free parcels × uses, ``-inf`` where a use is not
    allowed), free–free edges ``a``–``b`` (free-parcel numbers) with reward ``pair`` (edges × uses)."""

    parcels: np.ndarray
    unary: np.ndarray
    a: np.ndarray
    b: np.ndarray
    pair: np.ndarray
    y_pair: np.ndarray
    """Edge (row of ``pair``) of each ``y`` column of the formulation."""

    def labels(self, layout: np.ndarray) -> np.ndarray:
        return layout[self.parcels]

    def energy(self, labels: np.ndarray) -> float:
        """``E_y`` of the free parcels' uses ``labels``."""
        unary = float(self.unary[np.arange(len(labels)), labels].sum())
        same = labels[self.a] == labels[self.b]
        return unary + float(self.pair[np.flatnonzero(same), labels[self.a][same]].sum())


def coupling_prices(form: Formulation, duals: np.ndarray) -> np.ndarray:
    """``duals`` (one per coupling row) with the compactness link rows' entries at 0: the
    Potts energy counts each edge exactly, so those rows need no price."""
    y = np.asarray(duals, float).copy()
    for group in form.rows:
        if group.name in LINKS:
            y[group.start - form.n_assignment:group.stop - form.n_assignment] = 0.0
    return y


def potts(form: Formulation, task: Task, duals: np.ndarray) -> Potts:
    """The Potts energy of ``task`` at coupling multipliers ``duals`` (see module docstring)."""
    problem = form.problem
    pricing = price(form, task, coupling_prices(form, duals))
    reduced = task.cost - form.coupling_t @ pricing.duals
    slots = len(form.x_starts)
    n_uses = len(problem.compact_uses)
    unary = np.full((slots, n_uses), -np.inf)
    unary[form.x_slot, form.x_use] = pricing.reduced
    parcels = form.x_parcel[form.x_starts]
    slot = np.full(len(form.fixed), -1)
    slot[parcels] = np.arange(slots)
    edges, pair_of = np.unique(form.y_edge, return_inverse=True)
    ends = problem.edges[edges]
    pair = np.zeros((len(edges), n_uses))
    y_cols = form.blocks["y"]
    np.add.at(pair, (pair_of, form.y_use), np.maximum(reduced[y_cols], 0.0))
    return Potts(parcels, unary, slot[ends[:, 0]], slot[ends[:, 1]], pair, pair_of)


def expand(model: Potts, labels: np.ndarray, alpha: int) -> np.ndarray:
    """The best layout that moves any parcels allowed ``alpha`` onto it (one exact min-cut)."""
    movable = np.isfinite(model.unary[:, alpha]) & (labels != alpha)
    nodes = np.flatnonzero(movable)
    if not len(nodes):
        return labels
    node = np.full(len(labels), -1)
    node[nodes] = np.arange(len(nodes))
    keep = -model.unary[nodes, labels[nodes]]        # cost of keeping the use (min-cut minimises)
    switch = -model.unary[nodes, alpha]
    a, b = model.a, model.b
    la, lb = labels[a], labels[b]
    rows = np.arange(len(a))
    held = model.pair[rows, la] * (la == lb)          # reward of the edge if both keep their use
    onto = model.pair[:, alpha]                       # reward if both end on alpha
    both = movable[a] & movable[b]
    # both movable: E(keep, keep) = -held, E(switch, switch) = -onto, mixed = 0, written as
    # unary terms plus an edge a -> b of capacity held + onto (cut when a keeps and b switches)
    np.add.at(switch, node[a[both]], held[both])
    np.add.at(switch, node[b[both]], -onto[both])
    for mine, other in ((a, b), (b, a)):              # one end movable, the other a constant
        one = movable[mine] & ~movable[other]
        np.add.at(keep, node[mine[one]], -held[one])
        np.add.at(switch, node[mine[one]], -onto[one] * (labels[other[one]] == alpha))
    graph = maxflow.Graph[float](len(nodes), int(both.sum()))
    ids = graph.add_nodes(len(nodes))
    low = np.minimum(keep, switch)
    graph.add_grid_tedges(ids, switch - low, keep - low)
    capacity = held[both] + onto[both]
    graph.add_edges(node[a[both]], node[b[both]], capacity, np.zeros_like(capacity))
    graph.maxflow()
    moved = labels.copy()
    moved[nodes[graph.get_grid_segments(ids)]] = alpha
    return moved if model.energy(moved) >= model.energy(labels) else labels


def alpha_expansion(model: Potts, labels: np.ndarray, deadline: float) -> np.ndarray:
    """Expansions on every use in turn until a sweep gains nothing (or the deadline)."""
    energy = model.energy(labels)
    while time.perf_counter() < deadline:
        before = energy
        for alpha in range(model.unary.shape[1]):
            if time.perf_counter() >= deadline:
                break
            moved = expand(model, labels, alpha)
            gained = model.energy(moved)
            if gained > energy + GAIN * max(1.0, abs(energy)):
                labels, energy = moved, gained
        if energy <= before + GAIN * max(1.0, abs(before)):
            break
    return labels


def graph_cut(form: Formulation, task: Task, duals: np.ndarray, start: np.ndarray, deadline: float,
              settings: Settings, steps: list[str] | None = None) -> np.ndarray | None:
    """A layout better than ``start`` (N use indices, feasible for ``task``) by graph-cut moves at
    coupling prices ``duals`` (one per coupling row, e.g. an LP's row duals), each repaired
    exactly; ``None`` when no round improves the task's objective.

    A round expands every use at the current prices, keeps the best feasible set of the moved
    patches (:func:`select_patches`), falls back to restricted MIPs over groups of them
    (:func:`repair`) when that set gains nothing, and raises the prices of the rows the moved
    layout broke. At most ``settings.graph_cut_rounds`` rounds. The returned layout meets every
    row of ``task`` and its objective, re-evaluated from the layout, beats the start's."""
    began = time.perf_counter()
    best = polish(form, task, form.complete(start))
    if not satisfies(form, task, best):
        raise ValueError("graph_cut needs a start that meets every row of the task")
    first, value = task.objective(best), task.objective(best)
    y = np.asarray(duals, float).copy()
    rounds = repairs = stale = 0
    while rounds < settings.graph_cut_rounds and stale < STALE_ROUNDS and time.perf_counter() < deadline:
        rounds += 1
        model = potts(form, task, y)
        current = form.layout(best)
        labels = model.labels(current)
        moved_labels = alpha_expansion(model, labels, deadline)
        changed = moved_labels != labels
        if not changed.any():
            break
        moved = current.copy()
        moved[model.parcels] = moved_labels
        moved_v = polish(form, task, form.complete(moved))
        improved = False
        selected = select_patches(form, task, model, best, moved_v, changed, settings, deadline)
        if selected is not None and task.objective(selected) > value + GAIN * max(1.0, abs(value)):
            best, value, improved = selected, task.objective(selected), True
        for chunk in ([] if improved else patches(model, changed, settings.repair_group)):
            if time.perf_counter() >= deadline:
                break
            repairs += 1
            repaired = repair(form, task, model, best, moved_labels, chunk, deadline, settings)
            if repaired is not None and task.objective(repaired) > value + GAIN * max(1.0, abs(value)):
                best, value, improved = repaired, task.objective(repaired), True
        stale = 0 if improved else stale + 1
        violation = _violation(form, task, moved_v)
        if not violation.any():
            if not improved:
                break
            continue
        surplus = max(model.energy(moved_labels) - model.energy(labels), GAIN * max(1.0, abs(value)))
        y = y + surplus / float(violation @ violation) * violation
    if steps is not None:
        steps.append(f"graph cut[{rounds} rounds, {repairs} repairs] {time.perf_counter() - began:.2f}s "
                     f"{first:.6g} -> {value:.6g}")
    return form.layout(best) if value > first + GAIN * max(1.0, abs(first)) else None


def select_patches(form: Formulation, task: Task, model: Potts, start: np.ndarray, moved: np.ndarray,
                   changed: np.ndarray, settings: Settings, deadline: float) -> np.ndarray | None:
    """The best vector of ``task`` that moves some of the move's patches (connected groups of
    the ``changed`` free parcels) from ``start`` to ``moved`` (both complete vectors) and holds
    the rest: an exact MIP with one binary per patch over the coupling rows.

    No edge joins two patches, so each column's change belongs to one patch (an x column to its
    parcel's, a y column to its changed end's) and the objective and every row's activity are
    sums over the chosen patches. None when that MIP finds nothing, or its layout fails the
    check of every row (columns outside x and y, such as coverage, are not modelled here)."""
    slots = np.flatnonzero(changed)
    inside = changed[model.a] & changed[model.b]
    graph = sp.coo_matrix((np.ones(int(inside.sum())), (model.a[inside], model.b[inside])),
                          shape=(len(changed), len(changed)))
    _, label = connected_components(graph, directed=False)
    patch = np.full(len(changed), -1)
    patch[slots] = np.unique(label[slots], return_inverse=True)[1]
    n_patches = int(patch.max()) + 1
    owner = np.full(form.n_cols, -1)
    owner[:form.n_x] = patch[form.x_slot]
    y_cols = form.blocks["y"]
    owner[y_cols] = np.maximum(patch[model.a[model.y_pair]], patch[model.b[model.y_pair]])
    delta = moved - start
    cols = np.flatnonzero((delta != 0) & (owner >= 0))
    by_patch = sp.csc_matrix((delta[cols], (cols, owner[cols])), shape=(form.n_cols, n_patches))
    gain = by_patch.T @ task.cost
    coupling = np.ones(form.n_rows - form.n_assignment, bool)
    for group in form.rows:
        if group.name in LINKS:   # completed layouts meet the link rows by construction
            coupling[group.start - form.n_assignment:group.stop - form.n_assignment] = False
    rows = form.coupling[coupling]
    change = (rows @ by_patch).tocsr()
    touched = np.flatnonzero(np.diff(change.indptr) > 0)
    activity = rows[touched] @ start
    lower = task.row_lower[form.n_assignment:][coupling][touched] - activity
    upper = task.row_upper[form.n_assignment:][coupling][touched] - activity
    choice = Task(gain, 0.0, np.minimum(lower, 0.0), np.maximum(upper, 0.0), np.zeros(n_patches),
                  np.ones(n_patches))
    highs = hi.new_highs(settings, presolve="on", time_limit=max(1e-3, deadline - time.perf_counter()))
    hi.pass_model(highs, change[touched].tocsc(), choice, np.ones(n_patches, bool))
    run = hi.run(highs, mip=True)
    if run.values is None:
        return None
    chosen = np.flatnonzero(run.values > 0.5)
    layout = form.layout(start)
    moving = slots[np.isin(patch[slots], chosen)]
    layout[model.parcels[moving]] = form.layout(moved)[model.parcels[moving]]
    selected = polish(form, task, form.complete(layout))
    return selected if satisfies(form, task, selected) else None


def patches(model: Potts, changed: np.ndarray, size: int) -> list[np.ndarray]:
    """The ``changed`` free parcels in groups of at most ``size`` (bool masks), whole connected
    patches together where they fit: a repair MIP per group stays small, and a patch the move
    grew is repaired as one."""
    nodes = np.flatnonzero(changed)
    inside = changed[model.a] & changed[model.b]
    graph = sp.coo_matrix((np.ones(int(inside.sum())), (model.a[inside], model.b[inside])),
                          shape=(len(changed), len(changed)))
    _, label = connected_components(graph, directed=False)
    order = nodes[np.argsort(label[nodes], kind="stable")]
    groups = []
    for first in range(0, len(order), size):
        mask = np.zeros(len(changed), bool)
        mask[order[first:first + size]] = True
        groups.append(mask)
    return groups


def repair(form: Formulation, task: Task, model: Potts, start: np.ndarray, moved: np.ndarray,
           chunk: np.ndarray, deadline: float, settings: Settings) -> np.ndarray | None:
    """The best vector of ``task`` with only the free parcels in ``chunk`` and their neighbours
    choosing (the rest as in ``start``, a feasible vector), started from the better feasible one
    of ``start`` and ``start`` with the chunk on its ``moved`` uses (free-parcel labels); None
    when nothing beats ``start``."""
    free = chunk.copy()
    free[model.a[chunk[model.b]]] = True
    free[model.b[chunk[model.a]]] = True
    keep = free[form.x_slot] | (start[:form.n_x] > 0.5)
    other = np.ones(form.n_cols - form.n_x, bool)
    y_cols = form.blocks["y"]
    edge_free = free[model.a] | free[model.b]
    other[y_cols.start - form.n_x:y_cols.stop - form.n_x] = edge_free[model.y_pair]
    restriction = form.restrict(task, keep, other, start)
    if restriction is None:
        return None
    layout = form.layout(start)
    layout[model.parcels[chunk]] = moved[chunk]
    trial = polish(form, task, form.complete(layout))
    initial = trial if satisfies(form, task, trial) and task.objective(trial) > task.objective(start) else start
    # the same 200-parcel repair: 6 s with HiGHS's presolve off, 15 s with it on
    presolve = settings.presolve if settings.presolve != "auto" else "off"
    run, _ = hi.solve_restriction(settings, restriction, initial[restriction.cols], presolve=presolve,
                                  time_limit=max(1e-3, deadline - time.perf_counter()))
    best = initial
    if run.values is not None:
        repaired = polish(form, task, restriction.lift(run.values))
        if satisfies(form, task, repaired) and task.objective(repaired) > task.objective(best):
            best = repaired
    return None if best is start else best


def _violation(form: Formulation, task: Task, v: np.ndarray) -> np.ndarray:
    """Per coupling row, how far ``v`` lies above its upper bound (positive) or below its lower
    bound (negative): the subgradient direction of the row's price."""
    n = form.n_assignment
    activity = form.coupling @ v
    lower, upper = task.row_lower[n:], task.row_upper[n:]
    scale = 1e-6 * np.maximum(1.0, np.maximum(np.abs(np.where(np.isfinite(lower), lower, 0.0)),
                                              np.abs(np.where(np.isfinite(upper), upper, 0.0))))
    above = np.where(activity - upper > scale, activity - upper, 0.0)
    below = np.where(lower - activity > scale, lower - activity, 0.0)
    return coupling_prices(form, above - below)
