"""The graph-cut move on random tiny counties (grids and polygons), against their enumeration."""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from landalloc.models import evaluate
from landalloc.optimizer.milp.build import formulate
from landalloc.optimizer.milp.graphcut import alpha_expansion, expand, graph_cut, potts
from landalloc.optimizer.milp.check import polish
from landalloc.optimizer.milp.settings import Settings
from tests.counties import random_county
from tests.reference import Enumeration

MOVES = settings(max_examples=25, derandomize=True, database=None, deadline=None,
                 suppress_health_check=list(HealthCheck))
OBJECTIVES = {"efficiency": "max", "compactness": "max"}
WEIGHTS = {"efficiency": 1.0, "compactness": 50.0}
"""Compactness (a share) weighted up to the scale of efficiency, so that patches matter."""


def _model(seed: int, max_layouts: int = 2_000):
    problem = random_county(seed, max_layouts=max_layouts).compile()
    form = formulate(problem, OBJECTIVES)
    return problem, form, form.task(WEIGHTS)


def _value(problem, layout: np.ndarray) -> float:
    """The task's objective re-evaluated from the layout by the model's own ``evaluate``."""
    result = evaluate(problem, layout[None])
    return sum(w * float(result.objective(name)[0]) for name, w in WEIGHTS.items())


@MOVES
@given(st.integers(0, 10**6), st.integers(0, 10**6), st.sampled_from([0.0, 0.1, 1.0, 10.0]))
def test_the_move_never_worsens_a_layout_nor_breaks_a_rule(seed, pick, scale):
    problem, form, task = _model(seed)
    truth = Enumeration(problem)
    assume(truth.feasible and len(form.x_starts) > 0)
    start = truth.layouts[pick % len(truth.layouts)]
    duals = scale * np.random.default_rng(pick).normal(size=form.n_rows - form.n_assignment)

    model = potts(form, task, duals)
    labels = model.labels(start)
    assert model.energy(alpha_expansion(model, labels, math.inf)) >= model.energy(labels) - 1e-9

    moved = graph_cut(form, task, duals, start, math.inf, Settings())
    if moved is None:
        return
    assert evaluate(problem, moved[None]).feasible[0]
    assert _value(problem, moved) > _value(problem, start) - 1e-9
    assert task.objective(polish(form, task, form.complete(moved))) > task.objective(
        polish(form, task, form.complete(start)))
    best = max(sum(w * g for w, g in zip(WEIGHTS.values(), row))
               for row in truth.g(list(WEIGHTS), list(OBJECTIVES.values())))
    assert _value(problem, moved) <= best + 1e-6 * max(1.0, abs(best))


@MOVES
@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_one_expansion_is_the_best_expansion_move(seed, pick):
    """With no price on any rule (a quota-free model), one min-cut finds the best of every way
    to move some parcels onto a use, as brute force over all those subsets does."""
    _, form, task = _model(seed)
    assume(len(form.y_edge) > 0)
    model = potts(form, task, np.zeros(form.n_rows - form.n_assignment))
    rng = np.random.default_rng(pick)
    allowed = np.isfinite(model.unary)
    labels = np.array([rng.choice(np.flatnonzero(row)) for row in allowed])
    for alpha in np.flatnonzero(allowed.any(axis=0)):
        movable = np.flatnonzero(allowed[:, alpha] & (labels != alpha))
        best = -math.inf
        for chosen in itertools.product((False, True), repeat=len(movable)):
            trial = labels.copy()
            trial[movable[np.array(chosen, bool)]] = alpha
            best = max(best, model.energy(trial))
        got = expand(model, labels, alpha)
        assert set(np.flatnonzero(got != labels)) <= set(movable)
        assert math.isclose(model.energy(got), best, rel_tol=1e-9, abs_tol=1e-9)
