"""The NSGA-II explorer: operator invariants, determinism, checkpoints and the exact tiny front."""

from __future__ import annotations

import itertools
import os
import signal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landalloc.instances.synthetic import generate_county
from landalloc.models import InputError, evaluate, parse_scenario
from landalloc.models.compile import compile_problem
from landalloc.models.parcels import validate_parcels
from landalloc.models.scenario import DEFAULT_OBJECTIVES, OBJECTIVES
from landalloc.optimizer import nsga
from landalloc.optimizer.front import nondominated
from landalloc.optimizer.nsga import explorer as explore_module
from landalloc.optimizer.nsga.operators import (FingerprintDuplicates, NeighbourMutation, SpatialCrossover,
                                      random_weights)
from landalloc.optimizer.nsga.problem import LandUseProblem

FAST = dict(pop_size=24, progress=False)


@pytest.fixture(scope="module")
def county():
    parcels, scenario = generate_county(400, seed=3)
    chosen = parse_scenario(scenario)
    return compile_problem(validate_parcels(parcels, chosen.codes), chosen)


def _land(problem, objectives=("efficiency", "equity")):
    senses = tuple(problem.senses[problem.objectives.index(o)] for o in objectives)
    return LandUseProblem(problem, objectives, senses)


def _all_layouts(problem):
    """Every layout of the tiny instance: the product of each free parcel's allowed uses."""
    options = [np.flatnonzero(problem.allowed[i]) for i in problem.free]
    genes = np.array(list(itertools.product(*options)))
    layouts = np.repeat(problem.current_layout[None, :], len(genes), axis=0)
    layouts[:, problem.locked] = problem.allowed[problem.locked].argmax(axis=1)
    layouts[:, problem.free] = genes
    return layouts


def _exact_front(problem, objectives):
    layouts = _all_layouts(problem)
    result = evaluate(problem, layouts)
    values = result.objectives[:, [OBJECTIVES.index(o) for o in objectives]]
    senses = tuple(problem.senses[problem.objectives.index(o)] for o in objectives)
    keep = nondominated(values, senses, result.feasible)
    return values[keep], layouts[keep]


def _sorted_rows(values):
    values = np.round(np.asarray(values, float), 9)
    return values[np.lexsort(values.T[::-1])]


# -- encoding and ledger ----------------------------------------------------------------------------

def test_genes_and_layouts_round_trip(tiny_problem):
    land = _land(tiny_problem)
    g = land.genome
    layouts = _all_layouts(tiny_problem)[:50]
    np.testing.assert_array_equal(g.layouts(g.genes(layouts)), layouts)
    locked = np.flatnonzero(tiny_problem.locked)
    assert (g.layouts(g.genes(layouts))[:, locked] == tiny_problem.allowed[locked].argmax(axis=1)).all()


@pytest.mark.parametrize("which, row_by_row", [("tiny", False), ("county", False), ("county", True)])
def test_ledger_slacks_equal_evaluate(tiny_problem, county, which, row_by_row, monkeypatch):
    from landalloc.optimizer.nsga import ledger

    if row_by_row:  # the path of large instances: layout by layout, counting changes from today
        monkeypatch.setattr(ledger, "ROW_BY_ROW_GENES", 0)
    problem = tiny_problem if which == "tiny" else county
    land = _land(problem)
    rng = np.random.default_rng(5)
    genes = np.where(land.genome.allowed[None], rng.random((30, *land.genome.allowed.shape)), -1).argmax(axis=2)
    genes = genes.astype(land.genome.dtype)
    near_today = np.repeat(land.genome.genes(problem.current_layout), 10, axis=0)   # like offspring
    changed = rng.random(near_today.shape) < 0.1
    near_today[changed] = genes[:10][changed]
    genes = np.concatenate([genes, near_today])
    result = evaluate(problem, land.genome.layouts(genes))
    skip = len(problem.forbidden)
    assert result.constraints[skip:] == land.ledger.names
    np.testing.assert_allclose(land.ledger.slack(genes), result.slack[:, skip:], rtol=1e-12, atol=1e-9)
    # the exact effect of single moves is the change of slack
    gene = rng.integers(0, land.genome.n_genes, 20)
    new = np.where(land.genome.allowed[gene], rng.random((20, problem.n_uses)), -1).argmax(axis=1)
    moved = genes[:20].copy()
    moved[np.arange(20), gene] = new
    np.testing.assert_allclose(land.ledger.slack(moved) - land.ledger.slack(genes[:20]),
                               land.ledger.moved(gene, genes[np.arange(20), gene], new), atol=1e-9)


# -- operators ----------------------------------------------------------------------------------------

@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), share=st.floats(0.0, 1.0))
def test_repair_reaches_feasibility_on_tiny(tiny_problem, seed, share):
    """Any genes, even on forbidden uses: repair keeps locks, uses only allowed uses, ends feasible."""
    land = _land(tiny_problem)
    rng = np.random.default_rng(seed)
    g = land.genome
    genes = np.repeat(g.genes(tiny_problem.current_layout), 8, axis=0)
    hit = rng.random(genes.shape) < share
    genes[hit] = rng.integers(0, tiny_problem.n_uses, int(hit.sum()))
    land.moves.repair(genes, random_weights(len(genes), 2, rng), rng, rounds=100)
    layouts = g.layouts(genes)
    assert tiny_problem.allowed[np.arange(tiny_problem.n_parcels), layouts].all()
    assert evaluate(tiny_problem, layouts).feasible.all()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), share=st.floats(0.0, 0.5))
def test_repair_reaches_feasibility_on_a_county(county, seed, share):
    land = _land(county)
    rng = np.random.default_rng(seed)
    g = land.genome
    genes = np.repeat(g.genes(county.current_layout), 6, axis=0)
    rows, cols = np.nonzero(rng.random(genes.shape) < share)
    genes[rows, cols] = np.where(g.allowed[cols], rng.random((len(cols), county.n_uses)), -1).argmax(axis=1)
    land.moves.repair(genes, random_weights(len(genes), 2, rng), rng, rounds=200)
    result = evaluate(county, g.layouts(genes))
    assert county.allowed[np.arange(county.n_parcels), g.layouts(genes)].all()
    assert result.feasible.all(), result.constraint_table(int(np.argmin(result.feasible)))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_crossover_exchanges_genes_between_parents(county, seed):
    land = _land(county)
    rng = np.random.default_rng(seed)
    g = land.genome
    parents = np.where(g.allowed[None], rng.random((2 * 6, *g.allowed.shape)), -1).argmax(axis=2)
    parents = parents.astype(g.dtype).reshape(2, 6, -1)
    children = SpatialCrossover()._do(land, parents, random_state=rng)
    assert children.shape == parents.shape
    # every gene comes from one parent, and the two children take complementary genes
    assert ((children[0] == parents[0]) | (children[0] == parents[1])).all()
    swapped = children[0] != parents[0]
    np.testing.assert_array_equal(children[1][swapped], parents[0][swapped])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_mutation_keeps_allowed_uses(county, seed):
    land = _land(county)
    rng = np.random.default_rng(seed)
    g = land.genome
    genes = np.repeat(g.genes(county.current_layout), 10, axis=0)
    mutated = NeighbourMutation(rate=20)._do(land, genes, random_state=rng)
    assert g.is_allowed(mutated).all()
    assert (mutated != genes).any()


def test_duplicates_found_by_fingerprint(county):
    from pymoo.core.population import Population

    land = _land(county)
    genes = np.repeat(land.genome.genes(county.current_layout), 4, axis=0)
    genes[1, 0] = (genes[1, 0] + 1) % county.n_uses
    pop = Population.new("X", genes)
    assert FingerprintDuplicates()._do(pop, None, np.zeros(4, bool)).tolist() == [False, False, True, True]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), objectives=st.sampled_from([("efficiency", "ecology"),
                                                                   ("efficiency", "equity")]))
def test_exchange_gains_without_adding_violation(county, seed, objectives):
    """Pairs of moves raise the weighted linear objective, add no violation and never lower
    equity's coverage when they move service land (only redundant service may leave)."""
    land = _land(county, objectives)
    rng = np.random.default_rng(seed)
    g, moves = land.genome, land.moves
    weights = random_weights(6, 2, rng)
    genes = np.repeat(g.genes(county.current_layout), 6, axis=0)
    rows, cols = np.nonzero(rng.random(genes.shape) < 0.2)
    genes[rows, cols] = np.where(g.allowed[cols], rng.random((len(cols), county.n_uses)), -1).argmax(axis=1)
    moves.repair(genes, weights, rng, rounds=200)
    before = genes.copy()
    moves.exchange(genes, weights, rng, rounds=5, top=4)
    linear = moves.linear(weights)
    assert (moves.gain(before, genes, linear) >= -1e-6).all()
    assert g.is_allowed(genes).all()
    led = land.ledger
    assert (led.violation(led.slack(genes)).sum(axis=1) <= led.violation(led.slack(before)).sum(axis=1) + 1e-6).all()
    if "equity" in objectives:
        assert (evaluate(county, g.layouts(genes)).objective("equity") >=
                evaluate(county, g.layouts(before)).objective("equity") - 1e-12).all()


def test_redundant_service_leaves_coverage_unchanged(county):
    from landalloc.models.evaluation import coverage_by_district

    land = _land(county)
    g, p = land.genome, county
    rng = np.random.default_rng(4)
    genes = np.repeat(g.genes(county.current_layout), 3, axis=0)
    can = np.flatnonzero(g.allowed[:, p.service])
    for row in genes:
        row[rng.choice(can, min(len(can), 25), replace=False)] = p.service
    redundant = land.moves.redundant_service(genes)
    assert redundant.any()
    for r, gene in zip(*np.nonzero(genes == p.service)):
        moved = genes[r].copy()
        moved[gene] = g.fallback[gene] if g.fallback[gene] != p.service else \
            np.flatnonzero(g.allowed[gene] & (np.arange(p.n_uses) != p.service))[0]
        same = np.array_equal(np.nan_to_num(coverage_by_district(p, g.layouts(moved))),
                              np.nan_to_num(coverage_by_district(p, g.layouts(genes[r]))))
        if redundant[r, gene]:
            assert same


def test_relaxation_seeds_are_allowed_and_near_the_optimum(tiny_problem):
    from landalloc.optimizer.nsga.relaxation import relaxed_layouts

    land = _land(tiny_problem, ("efficiency", "ecology"))
    exact, _ = _exact_front(tiny_problem, ("efficiency", "ecology"))
    genes = relaxed_layouts(land.ledger, land.moves.values, np.eye(2))
    assert land.genome.is_allowed(genes).all()
    rng = np.random.default_rng(0)
    land.moves.repair(genes, np.eye(2), rng, rounds=100)
    land.moves.exchange(genes, np.eye(2), rng, rounds=10, top=8)
    result = evaluate(tiny_problem, land.genome.layouts(genes))
    assert result.feasible.all()
    best = exact.max(axis=0)
    assert result.objective("efficiency")[0] == pytest.approx(best[0], rel=1e-9)
    assert result.objective("ecology")[1] == pytest.approx(best[1], rel=1e-9)


# -- runs ----------------------------------------------------------------------------------------------

def test_same_seed_same_front(county):
    first = nsga.explore(county, ["efficiency", "ecology"], generations=6, seed=7, **FAST)
    second = nsga.explore(county, ["efficiency", "ecology"], generations=6, seed=7, **FAST)
    np.testing.assert_array_equal(first.values, second.values)
    np.testing.assert_array_equal(first.layouts, second.layouts)
    assert first.run["hypervolume"] == second.run["hypervolume"]
    assert first.points["feasible"].all() and evaluate(county, first.layouts).feasible.all()
    assert first.run["finished"] and first.run["generations"] == 6 and first.run["seed"] == 7


def test_resume_from_checkpoint_equals_one_run(county, tmp_path):
    straight = nsga.explore(county, ["efficiency", "equity"], generations=8, seed=3, **FAST)
    path = tmp_path / "run.pkl"
    nsga.explore(county, ["efficiency", "equity"], generations=4, seed=3, checkpoint=path, **FAST)
    resumed = nsga.explore(county, ["efficiency", "equity"], generations=8, resume=path, **FAST)
    np.testing.assert_array_equal(straight.values, resumed.values)
    np.testing.assert_array_equal(straight.layouts, resumed.layouts)
    assert straight.run["hypervolume"] == resumed.run["hypervolume"]
    assert resumed.run["resumed_from"] == str(path)


def test_checkpoint_of_another_problem_is_refused(county, tiny_problem, tmp_path):
    path = tmp_path / "run.pkl"
    nsga.explore(tiny_problem, ["efficiency", "equity"], generations=1, checkpoint=path, **FAST)
    with pytest.raises(InputError, match="another problem"):
        nsga.explore(county, ["efficiency", "equity"], generations=2, resume=path, **FAST)
    with pytest.raises(InputError, match="same objectives"):
        nsga.explore(tiny_problem, ["efficiency", "ecology"], generations=2, resume=path, **FAST)


def test_ctrl_c_returns_the_front_so_far(county, tmp_path, monkeypatch):
    step = explore_module._one_generation
    calls = []

    def generation_then_ctrl_c(state, algorithm):
        step(state, algorithm)
        calls.append(1)
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(explore_module, "_one_generation", generation_then_ctrl_c)
    path = tmp_path / "run.pkl"
    front = nsga.explore(county, ["efficiency", "equity"], generations=50, seed=2, checkpoint=path, **FAST)
    assert not front.run["finished"] and front.run["partial"] and front.run["stopped_by"] == "interrupt"
    assert front.run["generations"] == 2 and len(front) > 0 and path.exists()
    assert evaluate(county, front.layouts).feasible.all()


@pytest.mark.parametrize("objectives", [("efficiency", "ecology"), ("efficiency", "equity", "ecology"),
                                        DEFAULT_OBJECTIVES])
def test_tiny_front_is_the_exhaustive_front(tiny_problem, objectives):
    exact, _ = _exact_front(tiny_problem, objectives)
    generations = 30 if len(objectives) <= 3 else 60  # the 5-objective front has 33 points
    front = nsga.explore(tiny_problem, list(objectives), pop_size=40, generations=generations, seed=1,
                         progress=False)
    assert front.run["method"] == ("nsga3" if len(objectives) > 3 else "nsga2")
    np.testing.assert_allclose(_sorted_rows(front.values), _sorted_rows(exact), rtol=1e-9)


def test_seeds_enter_the_first_population(tiny_problem):
    exact, layouts = _exact_front(tiny_problem, ("efficiency", "ecology"))
    front = nsga.explore(tiny_problem, ["efficiency", "ecology"], generations=0, initial=layouts, **FAST)
    np.testing.assert_allclose(_sorted_rows(front.values), _sorted_rows(exact), rtol=1e-9)


def test_nothing_feasible_gives_least_violating_layouts(tiny):
    data = tiny.scenario.model_dump()
    data["quotas"]["crop"] = {"min": 11.0}  # more cropland than parcels that may be cropland
    chosen = parse_scenario(data)
    problem = compile_problem(tiny.parcels, chosen)
    front = nsga.explore(problem, ["efficiency", "equity"], generations=3, **FAST)
    assert len(front) > 0 and not front.points["feasible"].any()
    assert (front.points["status"] == "infeasible").all()


@pytest.mark.parametrize("kwargs, match", [
    (dict(objectives=["efficiency", "wealth"]), "objectives"),
    (dict(pop_size=2), "pop_size"),
    (dict(method="moead"), "method"),
    (dict(generations=-1), "generations"),
    (dict(initial=np.zeros((1, 5), int)), "initial"),
])
def test_bad_arguments_are_refused(tiny_problem, kwargs, match):
    args = dict(objectives=["efficiency", "equity"], generations=1, progress=False) | kwargs
    with pytest.raises(InputError, match=match):
        nsga.explore(tiny_problem, **args)
