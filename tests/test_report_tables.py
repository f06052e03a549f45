"""A layout's tables agree with evaluate(): areas and quotas, transitions, districts."""

from __future__ import annotations

import numpy as np
import pytest

from landalloc.models import evaluate
from landalloc.models.evaluation import area_by_use
from landalloc.optimizer.report import area_table, district_table, transition_matrix
from tests.test_report_fronts import county, county_front, exact_front


@pytest.fixture(scope="module")
def tiny_front(tiny_problem):
    return exact_front(tiny_problem, ("efficiency", "equity", "ecology"))


def test_area_table_matches_evaluate_and_quota_slacks(tiny_front, tiny_problem):
    for layout in tiny_front.layouts:
        table = area_table(tiny_front, layout, tiny_problem)
        k = tiny_problem.n_uses
        assert table["planned_ha"][:k].to_numpy() == pytest.approx(area_by_use(tiny_problem, layout)[0])
        assert table["current_ha"][:k].sum() == pytest.approx(tiny_problem.area.sum())
        assert table["status"].isin(["ok", ""]).all()  # the front's layouts are feasible
    construction = table.set_index("code").loc["construction"]
    assert construction["quota_max_ha"] == 6.0 and construction["class"] == "all construction land"
    crop = table.set_index("code").loc["crop"]
    assert crop["quota_min_ha"] == 3.0 and np.isnan(crop["quota_max_ha"])


def test_area_table_flags_a_broken_quota(tiny_front, tiny_problem):
    today = tiny_problem.current_layout.copy()
    today[today == tiny_problem.use_index("service")] = tiny_problem.use_index("urban")  # no service land
    table = area_table(tiny_front, today, tiny_problem).set_index("code")
    assert table.loc["service", "status"] == "below min by 1.0 ha"


def test_area_table_without_the_problem_uses_geometry(tiny_front, tiny_problem):
    table = area_table(tiny_front, tiny_front.layouts[0])
    assert "quota_min_ha" not in table
    assert table["planned_ha"].to_numpy() == pytest.approx(area_by_use(tiny_problem, tiny_front.layouts[0])[0])


def test_transition_matrix_margins_and_change(tiny_front, tiny_problem):
    for layout in tiny_front.layouts:
        matrix = transition_matrix(tiny_front, layout, tiny_problem)
        k = tiny_problem.n_uses
        today = area_by_use(tiny_problem, tiny_problem.current_layout)[0]
        planned = area_by_use(tiny_problem, layout)[0]
        assert matrix["total"][:k].to_numpy() == pytest.approx(today)
        assert matrix.loc["total"][:k].to_numpy() == pytest.approx(planned)
        changed = evaluate(tiny_problem, layout).objective("change")[0]
        assert matrix.iloc[:k, :k].to_numpy().sum() - np.trace(matrix.iloc[:k, :k].to_numpy()) == pytest.approx(changed)


@pytest.mark.parametrize("which", ["tiny", "county"])
def test_district_table_gives_equity_and_population_slack(which, tiny_front, tiny_problem):
    problem = tiny_problem if which == "tiny" else county()[1]
    front = tiny_front if which == "tiny" else county_front(("efficiency", "equity", "ecology"))
    layouts = np.vstack([front.layouts, problem.current_layout[None]])
    result = evaluate(problem, layouts)
    for p, layout in enumerate(layouts):
        table = district_table(problem, layout)
        inhabited = table["residents"] > 0
        assert table.loc[inhabited, "coverage"].min() == pytest.approx(result.objective("equity")[p])
        assert table.loc[~inhabited, "coverage"].isna().all()
        for _, row in table.iterrows():
            name = f"population[{row['district']}]"
            if name in result.constraints:
                assert row["margin"] == pytest.approx(result.slack[p, result.constraints.index(name)])
                assert row["status"] == ("ok" if result.slack[p, result.constraints.index(name)] >= 0 else "short")
    assert (table["status"] == "short").any()  # today's layout houses too few somewhere
