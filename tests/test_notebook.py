"""What a planner types in a notebook: indexable fronts, knee and best points, short reprs,
scenario variants for sensitivity runs, and NSGA-II runs that repeat for a seed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import landalloc as la
from landalloc.instances import bundled
from landalloc.models.errors import InputError
from landalloc.optimizer.report.selection import knee_point, resolve
from tests.test_cli import run


@pytest.fixture(scope="module")
def instance() -> la.Instance:
    return la.Instance.load(bundled("tiny"))


@pytest.fixture(scope="module")
def problem(instance) -> la.Problem:
    return instance.compile()


@pytest.fixture(scope="module")
def front(problem) -> la.ParetoFront:
    """A real MILP front with a minimised objective, so that ``best`` must read each sense."""
    return la.milp.pareto(problem, ["efficiency", "change"], points=5, progress=False)


def test_front_is_indexable_and_iterable(front):
    ids = front.points["id"].tolist()
    assert len(front) == len(ids) >= 3
    assert [p.id for p in front] == ids
    assert front[0].id == ids[0] and front[-1].id == ids[-1]
    third = front[ids[2]]
    assert third.index == 2 and third.method == "milp"
    assert third.values == dict(zip(front.objectives, front.values[2].tolist()))
    assert third.status == front.points["status"].iloc[2] and third.gap == front.points["gap"].iloc[2]
    assert np.array_equal(third.layout, front.layouts[2])
    codes = third.codes
    assert codes.index.name == "parcel_id" and codes.index.tolist() == front.parcels["parcel_id"].tolist()
    assert codes.tolist() == [front.uses[k].code for k in front.layouts[2]]
    with pytest.raises(InputError, match=f"not on the front; give an index, an id \\({ids[0]}"):
        front["milp_999"]
    with pytest.raises(InputError, match=f"has {len(ids)} points"):
        front[len(ids)]


def test_knee_and_best_follow_each_objective_sense(front):
    efficiency, change = front.values[:, 0], front.values[:, 1]
    assert front.senses == ("max", "min")
    assert front.best("efficiency").values["efficiency"] == efficiency.max()
    assert front.best("change").values["change"] == change.min()
    assert front.best("efficiency").id != front.best("change").id
    assert front["best:change"].id == front.best("change").id
    assert front.knee().index == knee_point(front) == front["knee"].index
    with pytest.raises(InputError, match="'equity' is not an objective of this front; use one of best:efficiency"):
        front.best("equity")
    chosen = resolve(front, ["knee", "best:change", front[0].id])       # what write_report(solutions=...) maps
    assert list(chosen) == [front.knee().index, front.best("change").index, 0]
    assert "knee" in chosen[front.knee().index] and "best change" in chosen[front.best("change").index]


def _title(figure: Figure) -> str:
    return " ".join(figure.axes[0].get_title(loc) for loc in ("left", "center", "right"))


def test_maps_of_knee_and_best_points(front):
    knee = front.plot_layout("knee")
    assert isinstance(knee, Figure) and front.knee().id in _title(knee)
    assert front.best("change").id in _title(front.plot_layout("best:change"))
    assert front[0].id in _title(front[0].plot())


def test_point_evaluation_is_the_models(front, problem):
    point = front.knee()
    result = point.evaluation(problem)
    assert result.feasible[0] == point.feasible
    for name, value in point.values.items():
        assert result.objective(name)[0] == pytest.approx(value, rel=1e-12, abs=1e-12)


def test_reprs_are_one_short_line(instance, problem, front):
    for text in (repr(instance), repr(problem), repr(front), repr(front[0]),
                 repr(la.evaluate(problem, problem.current_layout)),
                 repr(la.evaluate(problem, front.layouts))):
        assert "\n" not in text and len(text) < 320, text
    assert repr(instance).startswith("Instance('tiny' from ") and "12 parcels in 2 districts" in repr(instance)
    assert "4 uses (crop, grass, urban, service)" in repr(instance)
    assert f"ParetoFront({len(front)} milp points over 12 parcels: efficiency (max)" in repr(front)
    assert "population[west]" in repr(la.evaluate(problem, problem.current_layout))  # today's layout breaks it
    batch = la.evaluate(problem, front.layouts)
    assert repr(batch) == f"Evaluation({len(front)} layouts, {len(front)} feasible, {len(batch.constraints)} constraints)"


def test_html_repr_is_a_compact_table(front):
    page = front._repr_html_()
    assert re.findall(r"<th>(.*?)</th>", page) == ["id", "efficiency", "change", "status", "gap"]
    assert re.findall(r"<td>(milp_\d+)</td>", page) == front.points["id"].tolist()
    assert "<img" not in page and "bound" not in page and f"knee: {front.knee().id}" in page


def test_with_scenario_merges_and_validates(instance):
    variant = instance.with_scenario(name="open", quotas={"crop": {"min": 4.0}}, rules={"population_capacity": False},
                                     objectives={"change": None})
    assert variant.scenario.name == "open" and instance.scenario.name == "tiny"
    assert variant.scenario.quotas["crop"].min == 4.0 and instance.scenario.quotas["crop"].min == 3.0
    assert variant.scenario.quotas["construction"].max == 6.0            # untouched keys stay
    assert not variant.scenario.rules.population_capacity and variant.scenario.rules.cropland_balance
    assert "change" not in variant.scenario.objectives and "change" in instance.scenario.objectives
    assert variant.parcels is instance.parcels and variant.path == instance.path
    today, relaxed = instance.compile(), variant.compile()
    assert not la.evaluate(today, today.current_layout).feasible[0]    # today's layout houses too few people
    assert la.evaluate(relaxed, relaxed.current_layout).feasible[0]    # the variant drops that rule
    assert next(q for q in relaxed.quotas if q.key == "crop").low == 4.0


WITHOUT_SERVICE = {"land_use": [u.model_dump() for u in la.Instance.load(bundled("tiny")).scenario.land_use
                                 if u.code != "service"],
                   "quotas": {"service": None}, "conversion": {"urban": ["urban"], "service": None}}
"""A classification without public service land: the parcels that have it today no longer fit."""


@pytest.mark.parametrize(("changes", "message"), [
    ({"quota": {"crop": {"min": 1}}}, "unknown key 'quota' \\(did you mean 'quotas'\\?\\)"),
    ({"rules": {"eco_redlin": False}}, "unknown key 'rules.eco_redlin' \\(did you mean 'eco_redline'\\?\\)"),
    ({"quotas": {"crop": {"min": -1}}}, "'quotas.crop.min': Input should be greater than or equal to 0"),
    ({"quotas": {"cropp": {"min": 1}}}, "quotas: unknown name 'cropp' \\(did you mean 'crop'\\?\\)"),
    (WITHOUT_SERVICE, "column 'current_use' has unknown land-use codes \\['service'\\] at parcels 10"),
])
def test_with_scenario_refuses_what_a_scenario_file_would(instance, changes, message):
    with pytest.raises(InputError, match=message) as caught:
        instance.with_scenario(**changes)
    assert str(caught.value).startswith("with_scenario(")


NSGA = ("--method", "nsga2", "--objectives", "efficiency,ecology,change", "--pop", "20", "--seed", "3",
        "--no-report")


def _solve(folder: Path, *limits: str) -> tuple[pd.DataFrame, gpd.GeoDataFrame, dict]:
    done = run("solve", str(bundled("tiny")), *NSGA, *limits, "--out", str(folder))
    assert done.returncode == 0, done.stderr
    return (pd.read_csv(folder / "front.csv", dtype=str), gpd.read_file(folder / "layouts.gpkg", layer="layouts"),
            json.loads((folder / "run.json").read_text(encoding="utf-8")))


def _same_front(a: tuple[pd.DataFrame, gpd.GeoDataFrame, dict], b: tuple[pd.DataFrame, gpd.GeoDataFrame, dict]):
    columns = ["id", "efficiency", "ecology", "change", "status", "generation"]
    pd.testing.assert_frame_equal(a[0][columns], b[0][columns])           # the text written, digit for digit
    ids = a[0]["id"].tolist()
    pd.testing.assert_frame_equal(a[1][ids], b[1][ids])


def test_nsga_bounded_by_generations_repeats_for_a_seed(tmp_path):
    first, second = _solve(tmp_path / "a", "--generations", "12"), _solve(tmp_path / "b", "--generations", "12")
    assert len(first[0]) >= 3
    _same_front(first, second)
    assert first[2]["reproducible"] is True and first[2]["stopped_by"] == "generations"
    assert la.ParetoFront.read(tmp_path / "a").knee().id in first[0]["id"].tolist()


def test_time_limited_nsga_says_it_is_not_reproducible_and_what_is(tmp_path):
    timed = _solve(tmp_path / "timed", "--time-limit", "1")
    record = timed[2]
    assert record["reproducible"] is False and record["stopped_by"] == "time_limit"
    done = record["generations"]
    assert f"generations={done} and no time limit gives this front again" in record["reproducibility"]
    _same_front(timed, _solve(tmp_path / "again", "--generations", str(done)))
