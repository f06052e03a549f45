"""The NSGA-II graph-cut move on tiny random counties: offspring keep every rule after the repair,
the Potts energy is the objectives' own, and alpha-expansion never lowers it."""

from __future__ import annotations

import time

import numpy as np
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from landalloc.models import evaluate
from landalloc.optimizer.milp.graphcut import alpha_expansion
from landalloc.optimizer.nsga.graph_cut import Energy, graph_cut_move
from landalloc.optimizer.nsga.operators import random_weights
from landalloc.optimizer.nsga.problem import LandUseProblem
from tests.counties import random_county

PAIRS = (("efficiency", "equity"), ("efficiency", "compactness"), ("equity", "compactness"))


def _land(problem, objectives):
    senses = tuple(problem.senses[problem.objectives.index(o)] if o in problem.objectives else "max"
                   for o in objectives)
    return LandUseProblem(problem, objectives, senses)


def _feasible_parents(land, rng, rows=6):
    """Random layouts, repaired: the parents the move starts from (None when repair cannot)."""
    g = land.genome
    genes = np.where(g.allowed[None], rng.random((rows, *g.allowed.shape)), -1).argmax(axis=2).astype(g.dtype)
    land.moves.repair(genes, random_weights(rows, land.n_obj, rng), rng, rounds=200)
    feasible = evaluate(land.problem, g.layouts(genes)).feasible
    return genes[feasible] if feasible.any() else None


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), pair=st.sampled_from(PAIRS))
@example(seed=224140, pair=("efficiency", "equity"))   # the repair alone leaves quota_min[grass] broken
def test_offspring_keep_every_rule_after_the_repair(seed, pair):
    problem = random_county(seed).compile()
    land = _land(problem, pair)
    rng = np.random.default_rng(seed)
    parents = _feasible_parents(land, rng)
    assume(parents is not None)
    offspring = graph_cut_move(land, parents.copy(), random_weights(len(parents), 2, rng), rng)
    layouts = land.genome.layouts(offspring)
    assert problem.allowed[np.arange(problem.n_parcels), layouts].all()
    result = evaluate(problem, layouts)
    assert result.feasible.all(), result.constraint_table(int(np.argmin(result.feasible)))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), weight=st.floats(0.05, 5.0))
def test_expansion_never_lowers_the_energy_of_the_objectives(seed, weight):
    problem = random_county(seed).compile()
    assume(len(problem.edges) and problem.compact_uses.any())
    land = _land(problem, ("efficiency", "compactness"))
    energy, g = Energy(land), land.genome
    rng = np.random.default_rng(seed)
    parents = _feasible_parents(land, rng, rows=2)
    assume(parents is not None)
    weights = np.array([[1.0, weight]])
    unary = np.where(g.allowed, energy.unary_values(weights)[0], -np.inf)
    for parent in parents.astype(np.int64):
        model = energy.potts(unary, parent, weight)
        # the energy is the weighted efficiency plus the weighted shared boundary evaluate counts
        scored = evaluate(problem, g.layouts(parent), objectives=["compactness"])
        mean_length = float(np.mean(problem.edge_length))
        expected = unary[np.arange(g.n_genes), parent].sum() + weight * float(scored.objective("compactness")[0]) \
            / mean_length - weight * _locked_boundary(problem, g) / mean_length
        assert np.isclose(model.energy(parent), expected, rtol=1e-6, atol=1e-6)
        moved = alpha_expansion(model, parent, time.perf_counter() + 5.0)
        assert model.energy(moved) >= model.energy(parent) - 1e-9
        assert g.allowed[np.arange(g.n_genes), moved].all()


def _locked_boundary(problem, g) -> float:
    """Shared boundary between two locked parcels of one compact use: no labelling changes it."""
    a, b = problem.edges.T if len(problem.edges) else (np.zeros(0, int), np.zeros(0, int))
    both = (g.position[a] < 0) & (g.position[b] < 0)
    same = both & (g.base[a] == g.base[b]) & problem.compact_uses[g.base[a]]
    return float(problem.edge_length[same].sum())
