"""What a planner reads off the report without help: axes fitted to the front, districts by name
with their boundaries, change by district, downloads, an infeasible today and time-limited points."""

from __future__ import annotations

import dataclasses
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.collections import LineCollection

from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.report import plot_change, plot_front, plot_layout, report_html, write_report
from landalloc.optimizer.report.context import current_layout
from landalloc.optimizer.report.tables import area_table, district_change_table
from tests.test_report_fronts import county, county_front, exact_front, synthetic_front, with_run
from tests.test_report_outputs import embedded_data, scatter_sizes

NAMED = {"west": {"kind": "urban", "population_target": 400.0, "name_en": "West", "name_zh": "西区"},
         "east": {"kind": "rural", "population_target": 100.0, "name_zh": "东区"}}


@pytest.fixture(autouse=True)
def quick_png(monkeypatch):
    monkeypatch.setattr("landalloc.optimizer.report.folder.DPI", 40)


def named(front: ParetoFront, tiny) -> ParetoFront:
    """The front with run.json's scenario as the CLI records it, districts named."""
    scenario = tiny.scenario.model_dump()
    scenario["districts"] = NAMED
    return with_run(front, scenario=scenario)


def time_limited(front: ParetoFront, index: int, gap: float) -> ParetoFront:
    points = front.points.copy()
    points.loc[index, ["status", "gap"]] = ["time_limit", gap]
    return dataclasses.replace(front, points=points)


def test_axes_fit_a_narrow_front_and_point_to_a_distant_today(tiny_problem):
    # a 0.1 % spread in efficiency, today 10 % below: the axes must show the spread
    values = [[1000.0, 50.0], [1000.5, 49.9], [1001.0, 49.8]]
    front = synthetic_front(values, ("efficiency", "ecology"), ("max", "max"), tiny_problem)
    fig = plot_front(front, current={"efficiency": 900.0, "ecology": 40.0})
    ax = fig.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert 999.0 < x0 < 1000.0 and 1001.0 < x1 < 1002.0 and 49.7 < y0 < 49.8 and 50.0 < y1 < 50.1
    assert (x1 - x0) < 1.2 * 1.0 + 1e-9              # the front spans 1.0: a margin of 6 % each side
    assert scatter_sizes(fig, "current") == []
    arrows = [t for t in ax.texts if t.get_gid() == "current-arrow"]
    assert len(arrows) == 1 and "efficiency 900.0" in arrows[0].get_text()
    tip = arrows[0].xy
    assert tip[0] < 0.1 and tip[1] < 0.5              # at the left edge, below the middle: towards today
    # the same in the report's chart: ranges of the front, an arrow towards today
    data = embedded_data(report_html(with_run(front, current={"efficiency": 900.0, "ecology": 40.0})))
    assert data["ranges"][0] == pytest.approx([x0, x1]) and data["ranges"][1] == pytest.approx([y0, y1])
    assert data["today"]["arrow"]["tip"] == pytest.approx(list(tip))


def test_today_within_reach_is_drawn_inside_the_axes(tiny_problem):
    values = [[1000.0, 50.0], [1001.0, 49.0]]
    front = synthetic_front(values, ("efficiency", "ecology"), ("max", "max"), tiny_problem)
    fig = plot_front(front, current={"efficiency": 999.5, "ecology": 48.5})
    ax = fig.axes[0]
    assert scatter_sizes(fig, "current") == [1] and not [t for t in ax.texts if t.get_gid() == "current-arrow"]
    assert ax.get_xlim()[0] < 999.5 and ax.get_ylim()[0] < 48.5 and ax.get_xlim()[1] < 1001.2


def test_three_objective_panels_and_parallel_axes_fit_the_front(tiny_problem):
    objectives = ("efficiency", "equity", "ecology")
    front = exact_front(tiny_problem, objectives)
    fig = plot_front(front, current={"efficiency": -500.0, "equity": 0.5, "ecology": 11.0})
    panels = [ax for ax in fig.axes if ax.get_xlabel().startswith("efficiency")]
    low = front.values[:, 0].min()
    assert panels and all(-500.0 < ax.get_xlim()[0] <= low for ax in panels)
    parallel = [ax for ax in fig.axes if ax.get_title().startswith("parallel")][0]
    assert any(t.get_text() == "today -500.0" for t in parallel.texts)  # clipped at the edge, value written


def test_infeasible_today_is_marked_with_the_rules_it_breaks(tiny_problem, tmp_path):
    front = exact_front(tiny_problem, ("efficiency", "ecology"))
    fig = plot_front(front, problem=tiny_problem)
    title = fig._suptitle.get_text()
    assert "today's layout is infeasible" in title and "population[west]" in title and "persons" in title
    assert "today's layout (infeasible)" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    page = report_html(front, tiny_problem)
    data = embedded_data(page)
    assert data["today"]["feasible"] is False
    assert data["today"]["broken"] and data["today"]["broken"][0].startswith("population[west] violated by 100")
    assert 'id="today-infeasible"' in page and "population[west]" in page.split('id="today-infeasible"')[1][:400]
    assert data["solutions"]["current"]["label"].endswith("infeasible")
    recorded = with_run(front, current_feasible=False)
    assert plot_layout(recorded, "current").axes[0].get_title(loc="left").endswith("infeasible under this scenario")
    # a today that run.json records as feasible is a plain baseline
    calm = report_html(with_run(front, current={"efficiency": 1.0, "ecology": 1.0}, current_feasible=True))
    assert 'id="today-infeasible"' not in calm and embedded_data(calm)["today"]["feasible"] is True


def test_time_limited_points_are_hollow_with_their_gap(tiny_problem):
    front = time_limited(exact_front(tiny_problem, ("efficiency", "ecology")), 1, 0.0123)
    fig = plot_front(front, problem=tiny_problem)
    ax = fig.axes[0]
    cut = [c for c in ax.collections if c.get_gid() == "time_limit"]
    assert len(cut) == 1 and tuple(cut[0].get_offsets()[0]) == pytest.approx(tuple(front.values[1]))
    assert cut[0].get_facecolors()[0][:3] == pytest.approx([1.0, 1.0, 1.0])   # hollow
    assert scatter_sizes(fig, "series") == [len(front) - 1]
    assert [t.get_text() for t in ax.texts if t.get_gid() == "gap"] == ["gap 1.2 %"]
    assert "stopped at time limit (gap shown)" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert "1 stopped at time limit" in fig._suptitle.get_text()
    pid = front.points["id"].iloc[1]
    assert "stopped at time limit, gap 1.2 %" in plot_layout(front, 1).axes[0].get_title(loc="left")
    assert "stopped at time limit, gap 1.2 %" in plot_change(front, 1, tiny_problem).axes[0].get_title(loc="left")
    assert "proven optimal" in plot_layout(front, 0).axes[0].get_title(loc="left")
    data = embedded_data(report_html(front, tiny_problem))
    points = data["series"][0]["points"]
    assert [p["limited"] for p in points] == [i == 1 for i in range(len(front))]
    assert "stopped at time limit, gap 1.2 %" in points[1]["hover"] and "gap 1.2 %" in data["solutions"][pid]["label"]


def test_maps_draw_district_boundaries_and_names(tiny, tiny_problem):
    front = named(exact_front(tiny_problem, ("efficiency", "ecology")), tiny)
    fig = plot_layout(front, 0)
    ax = fig.axes[0]
    lines = [c for c in ax.collections if isinstance(c, LineCollection) and c.get_gid() == "districts"]
    assert len(lines) == 1
    drawn = sum(shapely.length(shapely.LineString(segment)) for segment in lines[0].get_segments())
    parcels = front.parcels
    expected = sum(shapely.union_all(parcels.geometry[parcels["district"] == d].to_numpy()).length
                   for d in parcels["district"].unique())
    assert drawn == pytest.approx(expected)      # each district's outline, shared edges once per side
    names = sorted(t.get_text() for t in ax.texts if t.get_gid() == "district-name")
    assert names in (["West 西区", "东区"], ["West", "east"])   # with a CJK font, or English and ids
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any(t.startswith("district boundary") for t in legend)
    change = plot_change(front, 0, tiny_problem).axes[0]
    assert any(c.get_gid() == "districts" for c in change.collections)
    data = embedded_data(report_html(front, tiny_problem))
    assert sorted(label["text"] for label in data["districts"]["labels"]) == ["West 西区", "东区"]
    assert data["districts"]["x"].count(None) == len(lines[0].get_segments())


def test_change_by_district_equals_a_direct_count():
    instance, problem = county()
    front = county_front(("efficiency", "ecology"))
    layout = front.layouts[-1]
    table = district_change_table(front, layout, problem)
    today = current_layout(front)
    frame = pd.DataFrame({"district": front.parcels["district"].astype(str), "area": problem.area,
                          "today": [front.uses[k].code for k in today], "planned": [front.uses[k].code for k in layout]})
    for rec in table.itertuples():
        here = frame[frame["district"] == rec.district]
        moved = here[here["today"] != here["planned"]]
        assert rec.gained_ha == pytest.approx(moved.loc[moved["planned"] == rec.code, "area"].sum())
        assert rec.lost_ha == pytest.approx(moved.loc[moved["today"] == rec.code, "area"].sum())
        assert rec.current_ha == pytest.approx(here.loc[here["today"] == rec.code, "area"].sum())
        assert rec.planned_ha == pytest.approx(here.loc[here["planned"] == rec.code, "area"].sum())
    assert (table["gained_ha"] - table["lost_ha"]).to_numpy() == pytest.approx(table["change_ha"].to_numpy())
    assert table["change_ha"].abs().sum() > 0                        # the layout does change something
    county_wide = table.groupby("code")["change_ha"].sum()
    areas = area_table(front, layout, problem).set_index("code")["change_ha"]
    assert county_wide.to_numpy() == pytest.approx(areas.loc[county_wide.index].to_numpy(), abs=1e-9)
    page = report_html(front, problem)
    assert "Change by district" in page and "net change (ha)" in embedded_data(page)["solutions"][
        front.points["id"].iloc[-1]]["tables"]["changes"]


def test_report_folder_writes_change_by_district(tiny, tiny_problem, tmp_path):
    front = named(exact_front(tiny_problem, ("efficiency", "ecology")), tiny)
    folder = front.to_file(tmp_path / "tiny")
    write_report(folder, problem=tiny_problem, solutions=[0], html=False)
    pid = front.points["id"].iloc[0]
    path = folder / "tables" / f"{pid}_district_change.csv"
    assert path.read_bytes().startswith("\ufeffdistrict,district_name,区名".encode())   # a BOM for Excel
    written = pd.read_csv(path, encoding="utf-8-sig")
    expected = district_change_table(ParetoFront.read(folder), front.layouts[0], tiny_problem)
    assert written[["district", "code"]].values.tolist() == expected[["district", "code"]].values.tolist()
    assert written["change_ha"].to_numpy() == pytest.approx(expected["change_ha"].to_numpy())
    assert set(written["区名"]) == {"西区", "东区"} and set(written["district_name"]) == {"West", "东区"}
    districts = pd.read_csv(folder / "tables" / f"{pid}_districts.csv", encoding="utf-8-sig")
    assert set(districts["district_name"]) == {"West", "东区"}


def test_report_carries_the_layout_downloads_as_valid_geojson(tiny_problem, tmp_path):
    front = exact_front(tiny_problem, ("efficiency", "ecology"))
    page = report_html(front, tiny_problem)
    for panel in "ab":
        assert f'id="download-csv-{panel}"' in page and f'id="download-geojson-{panel}"' in page
    data = embedded_data(page)
    assert data["parcel_ids"] == front.parcels["parcel_id"].astype(str).tolist()
    path = tmp_path / "parcels.geojson"
    path.write_text(json.dumps(data["download"]["geojson"]), encoding="utf-8")
    read = gpd.read_file(path, engine="pyogrio")
    assert read.crs.to_epsg() == 4326 and read["parcel_id"].tolist() == data["parcel_ids"]
    assert read.to_crs(front.parcels.crs).area.to_numpy() == pytest.approx(front.parcels.area.to_numpy(), rel=5e-5)
    # the page completes each feature with the layout's use, in parcel order
    codes = [u["code"] for u in data["uses"]]
    layout = data["solutions"][data["order"][0]]["layout"]
    assert [codes[ord(c) - 48] for c in layout] == [front.uses[k].code for k in front.layouts[0]]
    assert np.all(read["current_use"].to_numpy() == front.parcels["current_use"].to_numpy())
