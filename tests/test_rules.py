"""The rule matrix is the one statement of rules 5-7: every reader agrees with it on random counties.

``evaluate``'s slacks, the MILP formulation's coupling rows, NSGA-II's ledger and presolve's
reachable bounds are each compared with ``problem.rules`` on random layouts of random tiny
counties (``tests/counties.py``), presolve's bounds against every layout a county allows.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counties import random_county
from reference import layouts_of

from landalloc.models import InputError, evaluate
from landalloc.optimizer import milp
from landalloc.optimizer.milp.build import RULE_GROUPS, formulate
from landalloc.optimizer.nsga.problem import LandUseProblem

SEEDS = st.integers(0, 100_000)


def _county(seed: int):
    return random_county(seed, max_layouts=2_000).compile()


def _layouts(problem, count: int, seed: int) -> np.ndarray:
    """Random layouts on allowed uses (the rows of rules 5-7 hold or break at random)."""
    rng = np.random.default_rng(seed)
    return np.where(problem.allowed[None], rng.random((count, *problem.allowed.shape)), -1).argmax(axis=2)


@settings(max_examples=20, deadline=None)
@given(seed=SEEDS)
def test_evaluate_slacks_are_the_matrix_rows(seed):
    problem = _county(seed)
    layouts = _layouts(problem, 25, seed)
    result = evaluate(problem, layouts, objectives=())
    skip = len(problem.forbidden)
    rules = problem.rules
    assert result.constraints[skip:] == tuple(s.name for s in rules.sides)
    np.testing.assert_allclose(result.slack[:, skip:], rules.slack(rules.activity(layouts, problem.n_uses)),
                               rtol=1e-10, atol=1e-8)


@settings(max_examples=15, deadline=None)
@given(seed=SEEDS)
def test_milp_coupling_rows_are_the_matrix_rows_on_free_columns(seed):
    problem = _county(seed)
    form = formulate(problem, ["efficiency"])
    rules, k = problem.rules, problem.n_uses
    layouts = _layouts(problem, 10, seed)
    locked = problem.locked
    only_locked = np.asarray(rules.matrix[:, np.flatnonzero(locked) * k + problem.allowed[locked].argmax(axis=1)]
                             .sum(axis=1)).ravel()
    kinds = np.array(rules.kinds)
    for layout in layouts:
        v = np.zeros(form.matrix.shape[1])
        v[:len(form.x_parcel)] = layout[form.x_parcel] == form.x_use
        activity = form.matrix @ v
        expected = rules.activity(layout, k)[0] - only_locked
        for kind, (name, _) in RULE_GROUPS.items():
            if kind in kinds:
                group = form.group(name)
                np.testing.assert_allclose(activity[group.start:group.stop], expected[kinds == kind],
                                           rtol=1e-10, atol=1e-8)


@settings(max_examples=15, deadline=None)
@given(seed=SEEDS)
def test_nsga_ledger_slacks_are_the_matrix_rows(seed):
    problem = _county(seed)
    land = LandUseProblem(problem, ("efficiency", "change"), ("max", "min"))
    layouts = _layouts(problem, 20, seed)
    genes = land.genome.genes(layouts)
    rules = problem.rules
    assert land.ledger.names == tuple(s.name for s in rules.sides)
    np.testing.assert_allclose(land.ledger.slack(genes), rules.slack(rules.activity(layouts, problem.n_uses)),
                               rtol=1e-10, atol=1e-8)


@settings(max_examples=15, deadline=None)
@given(seed=SEEDS)
def test_presolve_bounds_are_the_extremes_over_every_layout(seed):
    """Each row's reachable range is exactly what the layouts the rules allow span (brute force)."""
    problem = _county(seed)
    every = layouts_of(problem)
    activity = problem.rules.activity(every, problem.n_uses)
    low, high = problem.rules.reachable(problem.allowed)
    np.testing.assert_allclose(activity.min(axis=0, initial=np.inf), np.where(len(every), low, np.inf),
                               rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(activity.max(axis=0, initial=-np.inf), np.where(len(every), high, -np.inf),
                               rtol=1e-10, atol=1e-8)


def test_rows_name_their_rule_unit_and_district(tiny_problem):
    rules = tiny_problem.rules
    assert "cropland_balance" in rules.names
    for r, kind in enumerate(rules.kinds):
        assert (rules.district[r] >= 0) == (kind == "capacity")
        assert rules.units[r] == {"quota": "ha", "balance": "ha", "capacity": "persons"}[kind]


def test_pyomo_fronts_are_refused_not_relabelled(tiny_problem):
    with pytest.raises(InputError, match="engine='pyomo'"):
        milp.pareto(tiny_problem, ["efficiency", "ecology"], points=3, engine="pyomo", progress=False)
