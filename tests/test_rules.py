"""The rule matrix is the one statement of rules 5-7: every reader agrees with it on random counties.

``evaluate``'s slacks, the MILP formulation's coupling rows, NSGA-II's ledger (its slacks and its
moves), the NSGA-II LP relaxation's rows and presolve's reachable bounds are each compared with ``problem.rules`` on random layouts of random tiny
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
from landalloc.optimizer.nsga.relaxation import relaxed_rows

SEEDS = st.integers(0, 100_000)


def _county(seed: int):
    return random_county(seed, max_layouts=2_000).compile()


def _layouts(problem, count: int, seed: int) -> np.ndarray:
    """Random layouts on allowed uses (the rows of rules 5-7 hold or break at random)."""
    rng = np.random.default_rng(seed)
    return np.where(problem.allowed[None], rng.random((count, *problem.allowed.shape)), -1).argmax(axis=2)


def _nsga(seed: int, count: int):
    """A random county, its NSGA-II problem and ``count`` random layouts."""
    problem = _county(seed)
    return problem, LandUseProblem(problem, ("efficiency", "change"), ("max", "min")), _layouts(problem, count, seed)


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
    problem, land, layouts = _nsga(seed, 20)
    genes = land.genome.genes(layouts)
    rules = problem.rules
    assert land.ledger.names == tuple(s.name for s in rules.sides)
    slack = rules.slack(rules.activity(layouts, problem.n_uses))
    np.testing.assert_allclose(land.ledger.slack(genes), slack, rtol=1e-10, atol=1e-8)
    if land.genome.n_genes == 0:
        return
    # a single move changes the slacks by what the ledger says, exactly and in its float32 tables
    rng = np.random.default_rng(seed)
    gene = rng.integers(0, land.genome.n_genes, len(genes))
    old = genes[np.arange(len(genes)), gene]
    new = np.where(land.genome.allowed[gene], rng.random((len(genes), problem.n_uses)), -1).argmax(axis=1)
    after = layouts.copy()
    after[np.arange(len(genes)), land.genome.free[gene]] = new
    change = rules.slack(rules.activity(after, problem.n_uses)) - slack
    np.testing.assert_allclose(land.ledger.moved(gene, old, new), change, rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(land.ledger.chosen_effect(gene, old, new), change, rtol=1e-5, atol=1e-3)


@settings(max_examples=15, deadline=None)
@given(seed=SEEDS)
def test_relaxation_rows_are_the_matrix_rows_on_free_columns(seed):
    """On an integer point, the LP relaxation's rows minus their right-hand side are the slacks."""
    problem, land, layouts = _nsga(seed, 10)
    gene, use, lhs, rhs = relaxed_rows(land.ledger)
    rules = problem.rules
    for layout, slack in zip(layouts, rules.slack(rules.activity(layouts, problem.n_uses))):
        x = (layout[land.genome.free[gene]] == use).astype(float)
        np.testing.assert_allclose(lhs @ x - rhs, slack, rtol=1e-10, atol=1e-8)


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
