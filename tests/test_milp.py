"""The MILP engine against brute force on the tiny instance, and its contracts on larger ones."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from landalloc.models import InfeasibleError, evaluate, parse_scenario
from landalloc.models.errors import InputError, SolverError
from landalloc.models.instance import Instance
from landalloc.models.parcels import validate_parcels
from landalloc.models.scenario import NATURAL_SENSE, OBJECTIVES
from landalloc.optimizer import milp
from landalloc.optimizer.milp.build import formulate
from landalloc.optimizer.milp.verify import verified_values

RTOL = 1e-6


# -- brute force ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def exhaustive(tiny_problem):
    """Every layout over each parcel's allowed uses, evaluated in batches; the feasible ones."""
    problem = tiny_problem
    options = [np.flatnonzero(row) for row in problem.allowed]
    assert np.prod([len(o) for o in options]) <= 50_000, "the tiny instance should stay enumerable"
    layouts = np.array(list(itertools.product(*options)), dtype=np.int64)
    feasible, values = [], []
    for start in range(0, len(layouts), 2000):
        batch = layouts[start:start + 2000]
        result = evaluate(problem, batch)
        feasible.append(batch[result.feasible])
        values.append(result.objectives[result.feasible])
    return np.concatenate(feasible), np.concatenate(values)


def _maximised(names):
    return np.array([1.0 if NATURAL_SENSE[n] == "max" else -1.0 for n in names])


def exhaustive_front(values, names):
    """Distinct nondominated objective vectors (rounded to 1e-9), written independently of
    ParetoFront's filter."""
    g = values[:, [OBJECTIVES.index(n) for n in names]] * _maximised(names)
    g = np.unique(np.round(g, 9), axis=0)
    dominated = ((g[None, :, :] >= g[:, None, :]).all(axis=2) & (g[None, :, :] > g[:, None, :]).any(axis=2)).any(axis=1)
    return g[~dominated]


def as_set(g):
    return {tuple(np.round(row, 6)) for row in g}


# -- the model is the model ----------------------------------------------------------------------
def test_formulation_agrees_with_evaluate_on_every_layout(tiny_problem, exhaustive):
    """For feasible layouts: every objective of the MILP equals evaluate(); for random layouts:
    the MILP's rows hold exactly when evaluate() finds the layout feasible."""
    problem = tiny_problem
    form = formulate(problem, list(OBJECTIVES))
    layouts, values = exhaustive
    for layout, truth in zip(layouts[::7], values[::7]):
        v = form.complete(layout)
        for j, name in enumerate(OBJECTIVES):
            assert form.value(name, v) == pytest.approx(truth[j], rel=1e-9, abs=1e-9), name
    rng = np.random.default_rng(3)
    scores = np.where(problem.allowed[None], rng.random((300, *problem.allowed.shape)), -1)
    random_layouts = scores.argmax(axis=2)
    result = evaluate(problem, random_layouts)
    for layout, feasible in zip(random_layouts, result.feasible):
        v = form.complete(layout)
        activity = form.matrix @ v
        holds = np.all(activity >= form.row_lower - 1e-9) and np.all(activity <= form.row_upper + 1e-9)
        assert holds == feasible


def test_formulation_has_variables_only_for_free_allowed_pairs(tiny_problem):
    problem = tiny_problem
    form = formulate(problem, ["efficiency"])
    free = ~problem.locked
    assert form.n_x == int(problem.allowed[free].sum())
    assert problem.allowed[form.x_parcel, form.x_use].all()
    assert not problem.locked[form.x_parcel].any()
    assert form.shape == "assignment"
    assert formulate(problem, ["equity"]).shape == "assignment"
    assert formulate(problem, ["compactness"]).shape == "general"


# -- single objectives ------------------------------------------------------------------------------
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_single_objective_optimum_matches_enumeration(tiny_problem, exhaustive, objective):
    layouts, values = exhaustive
    column = values[:, OBJECTIVES.index(objective)]
    best = column.max() if NATURAL_SENSE[objective] == "max" else column.min()
    solution = milp.solve(tiny_problem, objective, gap=0)
    assert solution.status == "optimal"
    assert solution.objective == pytest.approx(best, rel=RTOL, abs=1e-9)
    assert solution.bound == pytest.approx(best, rel=RTOL, abs=1e-9)
    assert evaluate(tiny_problem, solution.layout).feasible[0]
    assert solution.seconds >= solution.build_seconds


def test_solution_reports_timings_and_status(tiny_problem):
    solution = milp.solve(tiny_problem, "efficiency")
    assert solution.status == "optimal" and 0 <= solution.gap <= 1e-4
    assert solution.build_seconds >= 0 and solution.handover_seconds >= 0 and solution.solve_seconds >= 0
    assert "efficiency" in repr(solution)
    assert solution.layout.shape == (tiny_problem.n_parcels,)


# -- fronts -------------------------------------------------------------------------------------
@pytest.mark.parametrize("objectives", [("efficiency", "equity"), ("efficiency", "compactness"),
                                        ("ecology", "change")])
def test_exact_two_objective_front_equals_exhaustive(tiny_problem, exhaustive, objectives):
    truth = exhaustive_front(exhaustive[1], objectives)
    front = milp.pareto(tiny_problem, list(objectives), points=None, gap=0, progress=False)
    found = front.values * _maximised(objectives)
    assert as_set(found) == as_set(truth)
    assert len(front) == len(truth)
    assert evaluate(tiny_problem, front.layouts).feasible.all()


def test_exact_three_objective_front_equals_exhaustive(tiny_problem, exhaustive):
    objectives = ("efficiency", "compactness", "ecology")
    truth = exhaustive_front(exhaustive[1], objectives)
    front = milp.pareto(tiny_problem, list(objectives), points=None, gap=0, progress=False)
    assert as_set(front.values * _maximised(objectives)) == as_set(truth)


@pytest.mark.parametrize("objectives", [("efficiency", "compactness"), ("efficiency", "compactness", "ecology")])
def test_augmecon_grid_points_lie_on_the_exhaustive_front(tiny_problem, exhaustive, objectives):
    truth = as_set(exhaustive_front(exhaustive[1], objectives))
    front = milp.pareto(tiny_problem, list(objectives), points=6, gap=0, progress=False)
    assert as_set(front.values * _maximised(objectives)) <= truth
    assert len(front) >= min(3, len(truth))
    assert {"status", "gap", "seconds", "bound"} <= set(front.points.columns)
    assert front.run["payoff"]["ideal"]


def test_weighted_sum_points_are_supported_points_of_the_front(tiny_problem, exhaustive):
    objectives = ("efficiency", "ecology")
    truth = as_set(exhaustive_front(exhaustive[1], objectives))
    front = milp.pareto(tiny_problem, list(objectives), points=7, method="weighted", gap=0, progress=False)
    assert as_set(front.values * _maximised(objectives)) <= truth


def test_every_weighted_point_with_zero_weights_is_pareto_optimal(tiny_problem, exhaustive):
    """Lattice weights with zeros (the corners and edges of the simplex): each point, before the
    front drops dominated ones, is on the true front (strictly non-dominated)."""
    objectives = ("efficiency", "ecology", "compactness")
    truth = as_set(exhaustive_front(exhaustive[1], objectives))
    model = milp.Model.build(tiny_problem, list(objectives), milp.Settings(gap=0))
    table = milp.multi.payoff_table(model)
    points = list(milp.multi.weighted(model, table, 4))
    zero = [p for p in points if min(p.record[f"weight_{o}"] for o in objectives) == 0]
    assert len(zero) == 9 and all(p.status == "optimal" for p in zero)
    assert {tuple(np.round(np.array([p.values[o] for o in objectives]) * _maximised(objectives), 6))
            for p in zero} <= truth


def test_payoff_table_holds_the_ideal_and_lexicographic_optima(tiny_problem, exhaustive):
    objectives = ["efficiency", "equity"]
    table = milp.payoff(tiny_problem, objectives, gap=0)
    values = exhaustive[1]
    eff, eq = values[:, 0], values[:, 1]
    assert table.ideal == pytest.approx([eff.max(), eq.max()])
    # lexicographic: the best equity among the efficiency-optimal layouts, and vice versa
    assert table.table.loc["efficiency", "equity"] == pytest.approx(eq[np.isclose(eff, eff.max())].max())
    assert table.table.loc["equity", "efficiency"] == pytest.approx(eff[np.isclose(eq, eq.max())].max())
    assert table.layouts.shape == (2, tiny_problem.n_parcels)


def test_payoff_rows_record_each_lexicographic_stage(tiny_problem, monkeypatch):
    objectives = ["efficiency", "equity"]
    model = milp.Model.build(tiny_problem, objectives, milp.Settings(gap=0))
    table = milp.multi.payoff_table(model)
    for solution, order in zip(table.solutions, (objectives, objectives[::-1])):
        assert [s["objective"] for s in solution.stages] == order
        assert all(s["status"] == "optimal" and s["gap"] <= 1e-9 for s in solution.stages)
        assert solution.record()["stages"] == list(solution.stages)
    # a second stage cut by its time limit (short of its bound) makes the whole row time-limited,
    # and says which stage
    solve, calls = model.session.solve, []

    def cut_second_stage(task, *args, **kwargs):
        outcome = solve(task, *args, **kwargs)
        calls.append(outcome)
        return (dataclasses.replace(outcome, status="time_limit", bound=outcome.bound + 1.0 + abs(outcome.bound))
                if len(calls) == 2 else outcome)

    monkeypatch.setattr(model.session, "solve", cut_second_stage)
    row = milp.multi.lexicographic(model, objectives)
    assert row.status == "time_limit" and not row.optimal
    assert [s["status"] for s in row.stages] == ["optimal", "time_limit"]


def test_points_are_independent_of_the_run(tiny_problem):
    objectives = ["efficiency", "compactness"]
    settings = milp.Settings(gap=0)
    model = milp.Model.build(tiny_problem, objectives, settings)
    table = milp.multi.payoff_table(model)
    shared = milp.solve_point(tiny_problem, objectives, table, (2,), settings, points=5, model=model)
    alone = milp.solve_point(tiny_problem, objectives, table, (2,), settings, points=5)
    assert shared.solution.values == pytest.approx(alone.solution.values)


def test_rebuilding_per_point_gives_the_same_front(tiny_problem):
    objectives = ["efficiency", "compactness"]
    reused = milp.pareto(tiny_problem, objectives, points=5, gap=0, progress=False)
    rebuilt = milp.pareto(tiny_problem, objectives, points=5, gap=0, progress=False, reuse=False)
    np.testing.assert_allclose(reused.values, rebuilt.values)


# -- engines -------------------------------------------------------------------------------------
@pytest.mark.parametrize("objective", ["efficiency", "equity", "compactness"])
def test_pyomo_and_highspy_give_the_same_optimum(tiny_problem, objective):
    direct = milp.solve(tiny_problem, objective, gap=0)
    pyomo = milp.solve(tiny_problem, objective, gap=0, engine="pyomo")
    assert pyomo.objective == pytest.approx(direct.objective, rel=RTOL, abs=1e-9)
    assert pyomo.status == "optimal" and pyomo.engine == "pyomo:highs"


def test_time_limited_solve_reports_status_and_gap(county_problem):
    solution = milp.solve(county_problem, "compactness", time_limit=4)
    assert solution.status in ("optimal", "time_limit")
    assert np.isfinite(solution.gap) and solution.gap >= 0
    assert solution.bound >= solution.objective - 1e-6
    if solution.status == "time_limit":
        assert solution.gap > 1e-4
    assert evaluate(county_problem, solution.layout).feasible[0]


def test_county_efficiency_is_proven_within_the_gap(county_problem):
    solution = milp.solve(county_problem, "efficiency")
    assert solution.status == "optimal" and solution.gap <= 1e-4
    assert solution.bound >= solution.objective


# -- verification and errors -----------------------------------------------------------------------
def test_a_formulation_that_disagrees_with_evaluate_is_an_error(tiny_problem):
    form = formulate(tiny_problem, ["efficiency"])
    task = form.task({"efficiency": 1.0})
    v = form.complete(milp.solve(tiny_problem, "efficiency").layout)
    form.objectives["efficiency"].coef[0] += 1.0   # a wrong coefficient
    if v[0] == 0:
        form.objectives["efficiency"].coef[int(np.flatnonzero(v[:form.n_x])[0])] += 1.0
    with pytest.raises(SolverError, match="evaluate"):
        verified_values(form, task, v, None, "test")


def _variant(tiny, **changes):
    parcels = tiny.parcels
    scenario = tiny.scenario.model_dump()
    for key, value in changes.items():
        scenario[key] = value
    chosen = parse_scenario(scenario)
    return Instance(validate_parcels(parcels, chosen.codes), chosen).compile()


def test_crop_minimum_above_the_allowed_area_is_named(tiny):
    problem = _variant(tiny, quotas={"crop": {"min": 9.0}, "service": {"min": 1.0}, "construction": {"max": 6.0}})
    with pytest.raises(InfeasibleError, match=r"cropland minimum 9 ha cannot be met: at most \d ha"):
        milp.solve(problem, "efficiency")


def test_population_target_above_capacity_is_named(tiny):
    districts = tiny.scenario.model_dump()["districts"]
    districts["west"]["population_target"] = 5000.0
    problem = _variant(tiny, districts=districts)
    with pytest.raises(InfeasibleError, match="district west must house 5,000 persons"):
        milp.solve(problem, "efficiency")


def test_rules_that_only_fail_together_are_named_with_the_shortfall(tiny):
    # room for construction (4 ha, all of it locked) leaves no hectare for the west's new homes
    problem = _variant(tiny, quotas={"crop": {"min": 3.0}, "service": {"min": 1.0}, "construction": {"max": 4.0}})
    with pytest.raises(InfeasibleError) as caught:
        milp.solve(problem, "efficiency")
    message = str(caught.value)
    assert "together" in message
    assert "construction land maximum 4 ha" in message or "district west" in message


def test_bad_settings_name_the_parameter(tiny_problem):
    with pytest.raises(InputError, match="gap"):
        milp.solve(tiny_problem, "efficiency", gap=2.0)
    with pytest.raises(InputError, match="engine"):
        milp.solve(tiny_problem, "efficiency", engine="cplex-direct")
    with pytest.raises(InputError, match="objective"):
        milp.solve(tiny_problem, "beauty")
    with pytest.raises(InputError, match="2 or 3 objectives"):
        milp.pareto(tiny_problem, ["efficiency"], progress=False)


@pytest.fixture(scope="module")
def county_problem():
    from landalloc.instances.synthetic import generate_county

    parcels, scenario = generate_county(900, seed=3)
    chosen = parse_scenario(scenario)
    return Instance(validate_parcels(parcels, chosen.codes), chosen).compile()


# -- the pieces that make it fast ------------------------------------------------------------------
@pytest.mark.parametrize("objective", ["efficiency", "equity", "change"])
def test_column_generation_lp_equals_the_simplex_lp(county_problem, objective):
    from landalloc.optimizer.milp.bound import LinearRelaxation

    form = formulate(county_problem, [objective])
    task = form.task({objective: 1.0})
    columns = LinearRelaxation(form, milp.Settings(lp="columns")).solve(task, np.inf)
    simplex = LinearRelaxation(form, milp.Settings(lp="simplex")).solve(task, np.inf)
    assert columns.status == simplex.status == "optimal"
    assert columns.objective == pytest.approx(simplex.objective, rel=1e-7, abs=1e-9)
    assert columns.bound >= simplex.objective - 1e-7 * abs(simplex.objective)


def test_half_edge_relaxation_never_undervalues_a_layout(tiny_problem, exhaustive):
    from landalloc.optimizer.milp.bound import LinearRelaxation
    from landalloc.optimizer.milp.pairs import PairRelaxation

    form = formulate(tiny_problem, ["efficiency", "compactness"])
    task = form.task({"efficiency": 1.0, "compactness": 10.0})
    pairs = PairRelaxation(form)
    relaxed_task = pairs.task(task)
    assert pairs.relaxed.shape == "assignment"
    layouts = exhaustive[0]
    for layout in layouts[::5]:
        true = task.objective(form.complete(layout))
        relaxed = relaxed_task.objective(pairs.relaxed.complete(layout))
        assert relaxed >= true - 1e-9
    best = max(task.objective(form.complete(layout)) for layout in layouts)
    bound = LinearRelaxation(pairs.relaxed, milp.Settings()).solve(relaxed_task, np.inf).bound
    assert bound >= best - 1e-9


def test_rows_of_equal_areas_are_rounded_to_their_step():
    import scipy.sparse as sp

    from landalloc.optimizer.milp.build import round_integral_rows

    matrix = sp.csr_matrix(np.array([[25.0, 25.0, 50.0, 0.0], [25.0, 0.0, 0.0, 0.5], [3750.0, 1000.0, 0.0, 0.0]]))
    integer = np.array([True, True, True, False])
    lower, upper = round_integral_rows(matrix, np.array([30.0, 30.0, 100.0]), np.array([110.0, 110.0, np.inf]),
                                       integer)
    np.testing.assert_allclose(lower, [50.0, 30.0, 250.0])   # second row has a continuous column
    np.testing.assert_allclose(upper, [100.0, 110.0, np.inf])


def test_compactness_search_bounds_and_improves_on_tiny(tiny_problem, exhaustive):
    from landalloc.optimizer.milp.session import Session

    form = formulate(tiny_problem, ["efficiency", "compactness"])
    task = form.task({"efficiency": 1.0, "compactness": 50.0})
    values = exhaustive[1]
    best = (values[:, OBJECTIVES.index("efficiency")] + 50.0 * values[:, OBJECTIVES.index("compactness")]).max()
    split = Session(form, milp.Settings()).edge_split()
    assert split.subgradient(task, np.inf, []).bound >= best - 1e-9
    outcome = Session(form, milp.Settings(gap=0, search_above=0)).solve(task)   # the large-model plan
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(best, rel=1e-9)
    assert "subgradient" in outcome.strategy and "linearised" in outcome.strategy and "block moves" in outcome.strategy


def test_branch_and_bound_is_left_out_above_its_size_under_a_time_limit(tiny_problem, exhaustive):
    """HiGHS cannot be stopped inside its root node: beyond ``branch_and_bound_above`` columns
    under a time limit the search's layout and bound are the answer, honestly marked."""
    from landalloc.optimizer.milp.session import Session

    form = formulate(tiny_problem, ["efficiency", "compactness"])
    task = form.task({"efficiency": 1.0, "compactness": 50.0})
    values = exhaustive[1]
    best = (values[:, OBJECTIVES.index("efficiency")] + 50.0 * values[:, OBJECTIVES.index("compactness")]).max()
    large = {"search_above": 0, "branch_and_bound_above": 0}
    outcome = Session(form, milp.Settings(gap=0, time_limit=30.0, **large)).solve(task)
    assert outcome.plan == "compactness-large" and "mip[" not in outcome.strategy
    assert outcome.objective <= best + 1e-9 <= outcome.bound + 2e-9
    assert outcome.status == ("optimal" if outcome.gap <= 0 else "time_limit")
    # without a time limit branch and bound always runs and proves the optimum
    outcome = Session(form, milp.Settings(gap=0, **large)).solve(task)
    assert outcome.status == "optimal" and outcome.objective == pytest.approx(best, rel=1e-9)


def test_independent_sets_hold_no_neighbours_together():
    from landalloc.optimizer.milp.neighbourhood import independent_sets

    rng = np.random.default_rng(3)
    side = 30
    cells = np.arange(side * side).reshape(side, side)
    grid = np.r_[cells[:, :-1].ravel(), cells[:-1, :].ravel()], np.r_[cells[:, 1:].ravel(), cells[1:, :].ravel()]
    random = rng.integers(0, 500, 3000), rng.integers(0, 500, 3000)
    for n, (u, v) in ((side * side, grid), (500, random)):
        colour = independent_sets(n, u, v)
        assert (colour >= 0).all()
        assert not ((colour[u] == colour[v]) & (u != v)).any()


def test_block_moves_only_improve_and_keep_every_rule(tiny_problem, exhaustive):
    from landalloc.optimizer.milp.check import candidate
    from landalloc.optimizer.milp.session import Session

    form = formulate(tiny_problem, ["efficiency", "compactness"])
    task = form.task({"efficiency": 1.0, "compactness": 50.0})
    layouts, values = exhaustive
    score = values[:, OBJECTIVES.index("efficiency")] + 50.0 * values[:, OBJECTIVES.index("compactness")]
    session = Session(form, milp.Settings(gap=0))
    moves = session.compactness_moves()
    check = lambda v: candidate(form, task, v, claim=False)   # noqa: E731
    worst = check(form.complete(layouts[np.argmin(score)]))
    assert worst is not None
    steps = []
    moved = moves.blocks(task, worst, np.inf, steps, check)
    assert check(moved[0]) is not None                              # every rule still holds
    assert score.min() - 1e-9 <= worst[2] < moved[2] <= score.max() + 1e-9
    result = evaluate(tiny_problem, form.layout(moved[0]))
    assert bool(result.feasible[0])
    assert result.objective("efficiency")[0] + 50.0 * result.objective("compactness")[0] == pytest.approx(moved[2])
    assert steps and steps[0].startswith("block moves")


def test_feasibility_jump_is_off_only_when_a_start_is_handed_over(tiny_problem, exhaustive, monkeypatch):
    from landalloc.optimizer.milp import highs as hi

    form = formulate(tiny_problem, ["efficiency"])
    task = form.task({"efficiency": 1.0})
    restriction = form.restrict(task, np.ones(form.n_x, bool))
    seen, made = [], hi.new_highs
    monkeypatch.setattr(hi, "new_highs", lambda settings, **options: seen.append(options) or made(settings, **options))
    start = form.complete(exhaustive[0][0])[restriction.cols]
    for given in (None, start):
        run, _ = hi.solve_restriction(milp.Settings(gap=0), restriction, given)
        assert run.status == "optimal"
    assert [o["mip_heuristic_run_feasibility_jump"] for o in seen] == [True, False]
