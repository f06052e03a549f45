"""The MILP engine on real data: Ordos, 3,633 MODIS cells where nearly every cell has residents.

Real data differs from the synthetic counties in ways that matter to the engine: a service
catchment row per inhabited cell (thousands of coupling rows, not a hundred) and population
targets that bind in every district.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest

from models import evaluate
from models.instance import Instance
from optimizer import milp
from optimizer.milp import multi
from optimizer.milp.master import lp_with_highs

ORDOS = Path(__file__).resolve().parents[1] / "instances" / "ordos"


@pytest.fixture(scope="module")
def ordos():
    return Instance.load(ORDOS).compile()


def test_ordos_efficiency_is_proven_optimal(ordos):
    solution = milp.solve(ordos, "efficiency", time_limit=120)
    assert solution.status == "optimal" and solution.gap <= 1e-4
    assert solution.bound >= solution.objective - 1e-6 * abs(solution.objective)
    result = evaluate(ordos, solution.layout)
    assert result.feasible[0]
    assert result.objective("efficiency")[0] == pytest.approx(solution.objective, rel=1e-9)


def test_ordos_efficiency_is_proven_optimal_with_equity_rows_in_the_model(ordos):
    """The first step of an efficiency-equity front: the same optimum, although the model
    also holds a coverage row per inhabited cell."""
    alone = milp.solve(ordos, "efficiency", time_limit=120)
    model = multi.Model.build(ordos, ["efficiency", "equity"], milp.Settings(time_limit=120))
    solution = multi.lexicographic(model, ["efficiency"])
    assert solution.status == "optimal" and solution.gap <= 1e-4
    assert evaluate(ordos, solution.layout).feasible[0]
    assert solution.objective == pytest.approx(alone.objective, rel=2e-4)


def test_each_run_on_a_kept_model_gets_its_own_time_limit(ordos):
    """HiGHS's run clock keeps counting across runs of one Highs object: an LP given 3 s
    after earlier runs used more than that must still get them (it needs well under a second)."""
    model = multi.Model.build(ordos, ["efficiency", "equity"], milp.Settings())
    form = model.form
    equity = form.task({"equity": 1.0})
    highs = model.session.full_model(equity)
    while highs.getRunTime() < 3.0:
        highs.clearSolver()   # from scratch each time: the run clock grows by the whole solve
        assert lp_with_highs(form, equity, highs, "simplex", math.inf).status == "optimal"
    efficiency = form.task({"efficiency": 1.0})
    relaxation = lp_with_highs(form, efficiency, model.session.full_model(efficiency), "simplex",
                               time.perf_counter() + 3.0)
    assert relaxation.status == "optimal"
    assert np.isfinite(relaxation.bound)


def test_ordos_equity_optimum_is_proven(ordos):
    """With land for one or two service parcels and nine districts, no layout reaches every
    district: the max-min coverage is 0, which the LP (about 0.022) cannot show alone."""
    solution = milp.solve(ordos, "equity", time_limit=120)
    assert solution.status == "optimal"
    assert solution.bound <= solution.objective + 1e-6
    assert evaluate(ordos, solution.layout).feasible[0]
