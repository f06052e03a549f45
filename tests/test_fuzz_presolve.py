"""Fuzzing presolve against brute force: an error from presolve_check is a proof of infeasibility.

On the tiny instance every allowed layout can be enumerated, so each random plan (quotas,
targets, conversions of at most two new uses, switches) is decided exactly; presolve must never report an error for a
plan some layout satisfies. Reproducible (``derandomize=True``), with a fixed example count.
"""

from __future__ import annotations

import copy

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from landalloc.instances.handmade import tiny_county
from landalloc.models import InfeasibleError, InputError, Instance, parse_scenario
from landalloc.models.parcels import validate_parcels
from landalloc.models.presolve import presolve_check
from tests.test_presolve import any_feasible

EXAMPLES = 120
MAX_LAYOUTS = 12_000
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                suppress_health_check=list(HealthCheck))
CODES = ("crop", "grass", "urban", "service")
KEYS = CODES + ("agricultural", "ecological", "construction")
BASE = tiny_county()


@st.composite
def plans(draw):
    scenario = copy.deepcopy(BASE[1])
    scenario["quotas"] = {}
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=4, unique=True)):
        low = draw(st.none() | st.integers(0, 6))
        high = draw(st.none() | st.integers(2, 12))
        quota = {}
        if low is not None:
            quota["min"] = float(low)
        if high is not None:
            quota["max"] = float(max(high, low or 0))
        scenario["quotas"][key] = quota
    for district in scenario["districts"].values():
        district["population_target"] = float(draw(st.sampled_from([0, 100, 200, 300, 400, 600])))
    for source in CODES:  # at most two new uses per parcel keep every plan small enough to enumerate
        scenario["conversion"][source] = draw(st.lists(st.sampled_from(CODES), max_size=2, unique=True))
    scenario["rules"] = {rule: draw(st.booleans()) for rule in ("eco_redline", "urban_boundary", "cropland_balance",
                                                                  "quality_weighted_balance")}
    scenario["rules"]["basic_farmland"] = draw(st.integers(0, 3)) > 0
    scenario["population"] = {"density": {"urban": float(draw(st.sampled_from([50, 100, 150, 300])))}}
    return scenario


@FUZZ
@given(plans())
def test_presolve_errors_only_for_impossible_plans(data):
    try:
        scenario = parse_scenario(data)
        problem = Instance(validate_parcels(BASE[0], scenario.codes), scenario).compile()
    except (InputError, InfeasibleError):
        event("refused before presolve")
        return
    if np.prod([problem.allowed[i].sum() for i in problem.free], dtype=float) > MAX_LAYOUTS:
        event("too many layouts to enumerate")
        return
    errors = [f for f in presolve_check(problem) if f.severity == "error"]
    feasible = any_feasible(problem)
    event("feasible" if feasible else
          "infeasible, explained by presolve" if errors else "infeasible, left to the solver")
    assert not (errors and feasible), [f.message for f in errors]
