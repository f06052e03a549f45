"""evaluate() against the plain-Python reference, and its batch behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from landalloc.models import InputError, evaluate
from landalloc.models.scenario import OBJECTIVES
from tests.reference import reference_evaluate


def _random_layouts(problem, count, seed, allowed_only):
    rng = np.random.default_rng(seed)
    if allowed_only:
        scores = np.where(problem.allowed[None], rng.random((count, *problem.allowed.shape)), -1)
        return scores.argmax(axis=2)
    return rng.integers(0, problem.n_uses, (count, problem.n_parcels))


def assert_matches_reference(instance, problem, layouts):
    result = evaluate(problem, layouts)
    codes = np.array(problem.codes)
    for p, layout in enumerate(layouts):
        objectives, slack = reference_evaluate(instance.parcels, instance.scenario, list(codes[layout]))
        for name in OBJECTIVES:
            assert result.objective(name)[p] == pytest.approx(objectives[name], rel=1e-9, abs=1e-9), name
        assert set(result.constraints) == set(slack)
        for c, name in enumerate(result.constraints):
            assert result.slack[p, c] == pytest.approx(slack[name], rel=1e-9, abs=1e-9), name


@pytest.mark.parametrize("allowed_only", [True, False])
def test_tiny_matches_reference(tiny, tiny_problem, allowed_only):
    layouts = _random_layouts(tiny_problem, 40, seed=1, allowed_only=allowed_only)
    assert_matches_reference(tiny, tiny_problem, layouts)


def test_layouts_near_today_match_reference(tiny, tiny_problem):
    """Layouts with few changes are summed as today's layout plus the changes: same values."""
    rng = np.random.default_rng(4)
    layouts = np.repeat(tiny_problem.current_layout[None, :], 30, axis=0)
    for row in layouts:
        hit = rng.choice(tiny_problem.n_parcels, rng.integers(0, 3), replace=False)
        row[hit] = rng.integers(0, tiny_problem.n_uses, len(hit))
    assert_matches_reference(tiny, tiny_problem, layouts)


def test_current_layout_of_tiny(tiny_problem):
    result = evaluate(tiny_problem, tiny_problem.current_layout)
    table = result.constraint_table().set_index("constraint")
    # the western district houses 300 of the 400 residents it must: 100 short
    assert table.loc["population[west]", "slack"] == pytest.approx(-100.0)
    assert not result.feasible[0]
    assert result.objective("change")[0] == 0.0


def test_batch_equals_one_by_one(tiny_problem):
    layouts = _random_layouts(tiny_problem, 25, seed=2, allowed_only=False)
    batch = evaluate(tiny_problem, layouts)
    for p, layout in enumerate(layouts):
        single = evaluate(tiny_problem, layout)
        np.testing.assert_allclose(single.objectives[0], batch.objectives[p])
        np.testing.assert_allclose(single.slack[0], batch.slack[p])


def test_chunked_threads_equal_single_chunk(tiny_problem, monkeypatch):
    from landalloc.models import evaluation

    layouts = _random_layouts(tiny_problem, 30, seed=3, allowed_only=False)
    whole = evaluate(tiny_problem, layouts)
    monkeypatch.setattr(evaluation, "CHUNK_ELEMENTS", 24)  # two layouts per chunk
    chunked = evaluate(tiny_problem, layouts)
    np.testing.assert_array_equal(whole.objectives, chunked.objectives)
    np.testing.assert_array_equal(whole.slack, chunked.slack)


def test_rule_breaches_are_reported(tiny_problem):
    layout = tiny_problem.current_layout.copy()
    grass = tiny_problem.use_index("grass")
    layout[0] = grass  # parcel 1 is basic farmland
    result = evaluate(tiny_problem, layout)
    table = result.constraint_table().set_index("constraint")
    assert table.loc["basic_farmland", "violation"] == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [np.zeros(5, int), np.full(12, 9), np.zeros(12, float)])
def test_bad_layouts_are_refused(tiny_problem, bad):
    with pytest.raises(InputError, match="layouts"):
        evaluate(tiny_problem, bad)


def test_problem_arrays_are_read_only(tiny_problem):
    with pytest.raises(ValueError):
        tiny_problem.area[0] = 5.0


def test_terms_that_do_not_factor_fall_back_to_gathers(tiny_problem):
    """Area-proportional terms share one bincount when they factor by (district, today's use);
    a term that does not (here a per-parcel ecology value) is gathered, with the same meaning."""
    import dataclasses

    from landalloc.models.evaluation import area_classes

    assert {"ecology", "change", "capacity"} <= set(area_classes(tiny_problem).columns)
    rng = np.random.default_rng(7)
    ecology = tiny_problem.ecology * rng.uniform(0.5, 1.5, tiny_problem.ecology.shape)
    odd = dataclasses.replace(tiny_problem, ecology=ecology)
    assert "ecology" not in area_classes(odd).columns
    layouts = _random_layouts(odd, 20, seed=8, allowed_only=False)
    plain = ecology[np.arange(odd.n_parcels), layouts].sum(axis=1)
    np.testing.assert_allclose(evaluate(odd, layouts).objective("ecology"), plain, rtol=1e-12)
    np.testing.assert_allclose(evaluate(odd, layouts).slack, evaluate(tiny_problem, layouts).slack, rtol=1e-12)
