"""Fuzzing evaluate and presolve over generated counties and random scenarios.

Instances are small synthetic counties (``generate_county(n, seed)``, 100-160 parcels, grids
and polygons); scenarios draw quotas, rule switches, conversions, targets, coefficients and
objectives at random. On every valid input :func:`landalloc.models.evaluate` must agree with the
plain-Python reference (``tests/reference.py``) and :func:`presolve_check` must neither crash
nor call a plan impossible while some evaluated layout is feasible. Runs are reproducible
(``derandomize=True``); the example counts are fixed below.
"""

from __future__ import annotations

import copy
import functools

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from landalloc.instances.synthetic import generate_county
from landalloc.models import InfeasibleError, InputError, Instance, evaluate, parse_scenario
from landalloc.models.parcels import validate_parcels
from landalloc.models.presolve import presolve_check
from landalloc.models.scenario import GROUPS, NATURAL_SENSE, OBJECTIVES
from tests.reference import reference_evaluate

EXAMPLES = 120
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                suppress_health_check=list(HealthCheck))
CODES = ("crop", "forest", "grass", "water", "urban", "rural", "service")
RULES = ("conversion", "basic_farmland", "eco_redline", "urban_boundary", "quotas", "cropland_balance",
         "quality_weighted_balance", "population_capacity")


@functools.lru_cache(maxsize=None)
def county(n: int, seed: int, shape: str):
    return generate_county(n, seed, shape)


@st.composite
def scenarios(draw):
    """A generated county and a random but valid scenario for it."""
    n = draw(st.sampled_from([100, 121, 160]))
    seed = draw(st.integers(0, 3))
    shape = draw(st.sampled_from(["grid", "polygons"]))
    parcels, base = county(n, seed, shape)
    scenario = copy.deepcopy(base)
    total = float(parcels.geometry.area.sum() / 1e4)
    default = {rule: rule != "quality_weighted_balance" for rule in RULES}
    scenario["rules"] = {rule: draw(st.booleans()) if draw(st.integers(0, 3)) == 0 else on
                         for rule, on in default.items()}  # mostly the defaults, a quarter switched at random
    if draw(st.booleans()):  # new quotas: shares of the county, max at least min
        quotas = {}
        for key in draw(st.lists(st.sampled_from(CODES + GROUPS), max_size=4, unique=True)):
            low = draw(st.none() | st.floats(0, 0.3)) if key in CODES else None
            high = draw(st.none() | st.floats(0.05, 1.0))
            quota = {}
            if low is not None:
                quota["min"] = round(low * total, 3)
            if high is not None:
                quota["max"] = round(max(high, low or 0.0) * total, 3)
            quotas[key] = quota
        scenario["quotas"] = quotas
    if draw(st.booleans()):
        scenario["conversion"] = {source: draw(st.lists(st.sampled_from(CODES), max_size=7, unique=True))
                                  for source in draw(st.lists(st.sampled_from(CODES), max_size=4, unique=True))}
    factor = draw(st.sampled_from([0.0, 0.5, 1.0, 1.5]))
    districts = {}
    for name, district in scenario["districts"].items():
        if draw(st.integers(0, 4)) > 0:
            districts[name] = {**district, "population_target": district["population_target"] * factor}
    scenario["districts"] = districts
    scenario["population"] = {"density": {"urban": draw(st.floats(0, 300)), "rural": draw(st.floats(0, 80)),
                                          **({"service": 10.0} if draw(st.booleans()) else {})}}
    scenario["service"] = {"radius_m": draw(st.floats(100, 6000))}
    scenario["compactness"] = {"uses": draw(st.lists(st.sampled_from(CODES), max_size=4, unique=True))}
    chosen = draw(st.lists(st.sampled_from(OBJECTIVES), min_size=1, max_size=5, unique=True))
    scenario["objectives"] = {o: draw(st.sampled_from(["max", "min"])) if draw(st.booleans()) else NATURAL_SENSE[o]
                              for o in chosen}
    if draw(st.booleans()):
        from landalloc.models.landuse import DEFAULT_LAND_USES

        scenario["land_use"] = [{**u.model_dump(), "benefit": draw(st.floats(0, 50)), "esv": draw(st.floats(0, 20))}
                                for u in DEFAULT_LAND_USES]
    return parcels, scenario, draw(st.integers(0, 2**32 - 1))


def _layouts(problem, seed: int) -> np.ndarray:
    """Today's layout, two drawn from the allowed uses and one from any use."""
    rng = np.random.default_rng(seed)
    allowed = np.where(problem.allowed[None], rng.random((2, *problem.allowed.shape)), -1).argmax(axis=2)
    anything = rng.integers(0, problem.n_uses, (1, problem.n_parcels))
    return np.vstack([problem.current_layout[None], allowed, anything])


@FUZZ
@given(scenarios())
def test_evaluate_agrees_with_reference(case):
    parcels, data, seed = case
    try:
        scenario = parse_scenario(data)
    except InputError:  # drawn quotas may contradict (group minimums above a maximum): refused, fine
        event("scenario refused")
        return
    instance = Instance(validate_parcels(parcels, scenario.codes), scenario)
    try:
        problem = instance.compile()
    except InfeasibleError as exc:  # a conversion matrix that leaves basic farmland no use
        assert "may take no land use" in str(exc)
        event("parcels with no allowed use")
        return
    layouts = _layouts(problem, seed)
    result = evaluate(problem, layouts)
    codes = np.array(problem.codes)
    for p, layout in enumerate(layouts):
        objectives, slack = reference_evaluate(instance.parcels, scenario, list(codes[layout]))
        for name in OBJECTIVES:
            assert result.objective(name)[p] == pytest.approx(objectives[name], rel=1e-9, abs=1e-9), name
        assert set(result.constraints) == set(slack)
        for c, name in enumerate(result.constraints):
            assert result.slack[p, c] == pytest.approx(slack[name], rel=1e-9, abs=1e-6), name
    findings = presolve_check(problem)
    failed = sorted({f.rule.split("[")[0] for f in findings if f.severity == "error"})
    event("evaluated; presolve: " + (", ".join(failed) or "no error"))
    event(f"feasible layouts drawn: {int(result.feasible.sum())}")
    if any(f.severity == "error" for f in findings):
        assert not result.feasible.any(), [f.message for f in findings]
