"""Every chart, map, table and page of a report, produced from real fronts and checked."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from PIL import Image

from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.report import (
    compare,
    fonts,
    front_html,
    knee_point,
    plot_change,
    plot_front,
    plot_layout,
    report_html,
    write_report,
)
from landalloc.optimizer.report.context import current_values, load_problem, payoff_values
from tests.test_report_fronts import county_folder, county_front, exact_front, with_run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path: Path, min_side: int = 300) -> None:
    assert path.read_bytes()[:8] == PNG_MAGIC, path
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert min(image.size) >= min_side, (path, image.size)


def embedded_data(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S)
    assert found, "report.html embeds its data"
    return json.loads(found.group(1).replace("<\\/", "</"))


def scatter_sizes(fig, gid: str) -> list[int]:
    return [len(c.get_offsets()) for ax in fig.axes for c in ax.collections if c.get_gid() == gid]


@pytest.fixture(autouse=True)
def quick_png(monkeypatch):
    """Lower resolution: the same drawing code, a quarter of the pixels to encode."""
    monkeypatch.setattr("landalloc.optimizer.report.folder.DPI", 72)


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("results")
    return {"two": county_folder(root, ("efficiency", "ecology"), seed=1, method="nsga2"),
            "exact": county_folder(root, ("efficiency", "ecology"), seed=2, method="milp"),
            "three": county_folder(root, ("efficiency", "equity", "ecology"), seed=1, method="nsga2")}


def test_two_objective_chart_marks_extremes_knee_and_today(tiny_problem):
    front = exact_front(tiny_problem, ("efficiency", "ecology"))
    fig = plot_front(front, problem=tiny_problem)
    assert scatter_sizes(fig, "series") == [len(front)]
    assert scatter_sizes(fig, "knee") == [1] and scatter_sizes(fig, "extreme") == [1, 1]
    ax = fig.axes[0]
    # today's layout lies far left of this front: an arrow at the edge, axes fitted to the front
    assert scatter_sizes(fig, "current") == [] and [t.get_gid() for t in ax.texts].count("current-arrow") == 1
    assert current_values(front, tiny_problem)[0] < ax.get_xlim()[0] < front.values[:, 0].min()
    assert "10^4" in ax.get_xlabel() and "CNY/yr" in ax.get_xlabel() and "ecology" in ax.get_ylabel()
    knee = ax.collections[[c.get_gid() for c in ax.collections].index("knee")].get_offsets()[0]
    assert tuple(knee) == pytest.approx(tuple(front.values[knee_point(front)]))


def test_overlaid_fronts_have_one_series_each_and_a_legend():
    exact = county_front(("efficiency", "ecology"), 2, "milp")
    approx = county_front(("efficiency", "ecology"), 1, "nsga2")
    fig = plot_front(exact, [approx], names=["MILP", "NSGA-II"], current={"efficiency": 1.0, "ecology": 2.0})
    assert scatter_sizes(fig, "series") == [len(exact), len(approx)]
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[:2] == ["MILP", "NSGA-II"] and "today's layout" in labels


def test_many_objectives_give_a_scatter_matrix_and_parallel_coordinates(tiny_problem):
    objectives = ("efficiency", "equity", "ecology", "compactness", "change")
    front = exact_front(tiny_problem, objectives)
    fig = plot_front(front, problem=tiny_problem)
    pairs = len(objectives) * (len(objectives) - 1) // 2
    assert scatter_sizes(fig, "series") == [len(front)] * pairs
    parallel = [ax for ax in fig.axes if ax.get_title().startswith("parallel")][0]
    # one line per point, then the knee (outlined: two lines) and today's layout
    assert len(parallel.get_lines()) == len(front) + 2 + 1 + len(objectives)  # + the vertical axes
    assert [t.get_text() for t in parallel.get_xticklabels()][-1].startswith("change (ha) ↓")


def test_layout_and_change_maps(tiny_problem):
    front = exact_front(tiny_problem, ("efficiency", "ecology"))
    fig = plot_layout(front, 0)
    polygons = [c for c in fig.axes[0].collections if isinstance(c, PolyCollection)][0]
    colours = {u.code: u.color for u in front.uses}
    codes = np.array([u.code for u in front.uses])[front.layouts[0]]
    expected = np.array([[int(colours[c][i:i + 2], 16) / 255 for i in (1, 3, 5)] for c in codes])
    assert polygons.get_facecolors()[:, :3] == pytest.approx(expected)
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    if fonts.can_draw_chinese():
        assert "cropland 耕地" in texts and "ecological red line 生态保护红线" in texts
    assert any(t.get_text().endswith(" m") or t.get_text().endswith(" km") for t in fig.axes[0].texts)  # scale bar
    assert "N" in [t.get_text() for t in fig.axes[0].texts]                                              # north arrow
    change = plot_change(front, 0, tiny_problem)
    assert "ha change use" in change.axes[0].get_title(loc="left")
    assert "unchanged" in " ".join(t.get_text() for t in change.legends[0].get_texts())


def test_without_a_cjk_font_legends_fall_back_to_english(tiny_problem, monkeypatch):
    front = exact_front(tiny_problem, ("efficiency", "ecology"))
    monkeypatch.setattr(fonts, "cjk_family", lambda: None)
    fonts.can_draw_chinese.cache_clear()
    try:
        with pytest.warns(UserWarning, match="fonts-noto-cjk"):
            fig = plot_layout(front, "current")
    finally:
        fonts.can_draw_chinese.cache_clear()
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "cropland" in texts and not any("耕地" in t for t in texts)


@pytest.fixture(scope="module")
def two_reported(folders) -> list[Path]:
    """The two-objective folder's default report, written once for every test that reads it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("landalloc.optimizer.report.folder.DPI", 72)
        return write_report(folders["two"])


def test_write_report_from_a_result_folder(folders, two_reported):
    folder = folders["two"]
    front = ParetoFront.read(folder)
    assert all(p.exists() for p in two_reported)
    assert_png(folder / "pareto.png")
    chosen = pd.read_csv(folder / "tables" / "chosen.csv")
    assert "knee" in " ".join(chosen["roles"]) and set(front.objectives) <= set(chosen.columns)
    for pid in chosen["id"]:
        assert_png(folder / "maps" / f"{pid}.png")
        assert_png(folder / "maps" / f"{pid}_change.png")
        areas = pd.read_csv(folder / "tables" / f"{pid}_areas.csv")
        assert {"code", "名称", "planned_ha", "quota_min_ha", "status"} <= set(areas.columns)
        assert set(areas["status"].fillna("")) <= {"ok", ""}
        matrix = pd.read_csv(folder / "tables" / f"{pid}_transitions.csv", index_col=0)
        assert matrix.loc["total", "total"] == pytest.approx(matrix["total"].iloc[:-1].sum())
        districts = pd.read_csv(folder / "tables" / f"{pid}_districts.csv")
        assert (districts["status"].fillna("ok") == "ok").all()
    assert_png(folder / "maps" / "current.png")
    data = embedded_data((folder / "report.html").read_text(encoding="utf-8"))
    assert [len(s["points"]) for s in data["series"]] == [len(front)]
    assert len(data["solutions"]) == len(front) + 1 and "current" in data["solutions"]
    assert all(len(s["layout"]) == len(front.parcels) for s in data["solutions"].values())
    assert all("districts" in s["tables"] for s in data["solutions"].values())
    assert data["marks"]["current"] and data["marks"]["knee"]


def test_report_html_is_self_contained(folders, two_reported):
    page = (folders["two"] / "report.html").read_text(encoding="utf-8")
    assert "<script src=" not in page and "<link" not in page  # plotly.js is inlined, nothing fetched
    assert "Plotly" in page and page.count('id="report-data"') == 1


def test_three_objective_report_and_chosen_solutions(folders):
    folder = folders["three"]
    front = ParetoFront.read(folder)
    write_report(folder, solutions=[front.points["id"].iloc[0]], html=True)
    assert (folder / "maps" / f"{front.points['id'].iloc[0]}.png").exists()
    assert len(pd.read_csv(folder / "tables" / "chosen.csv")) == 1
    assert_png(folder / "pareto.png", min_side=400)
    data = embedded_data((folder / "report.html").read_text(encoding="utf-8"))
    assert len(data["objectives"]) == 3 and 'id="parallel"' in (folder / "report.html").read_text(encoding="utf-8")


def test_report_without_the_instance_leaves_out_quotas(tmp_path, tiny_problem):
    front = exact_front(tiny_problem, ("efficiency", "ecology"))
    folder = front.to_file(tmp_path / "tiny")
    with pytest.warns(UserWarning, match="names no instance"):
        write_report(folder, solutions=[0])
    pid = front.points["id"].iloc[0]
    assert not (folder / "tables" / f"{pid}_districts.csv").exists()
    assert "quota_min_ha" not in pd.read_csv(folder / "tables" / f"{pid}_areas.csv").columns
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "need the instance" in page
    # given the problem, the same folder gets every table
    write_report(folder, problem=tiny_problem, solutions=[0], html=False)
    assert (folder / "tables" / f"{pid}_districts.csv").exists()


def test_missing_or_other_instance_warns(tmp_path, tiny_problem, folders):
    front = with_run(exact_front(tiny_problem, ("efficiency", "ecology")), instance=str(tmp_path / "gone"))
    with pytest.warns(UserWarning, match="cannot be loaded"):
        assert load_problem(front) is None
    other = with_run(front, instance=ParetoFront.read(folders["two"]).run["instance"])
    with pytest.warns(UserWarning, match="does not have the front's parcels"):
        assert load_problem(other) is None


def test_compare_result_folders(folders, tmp_path):
    out = tmp_path / "compared"
    result = compare([folders["exact"], folders["two"]], out=out)
    assert result.names == (folders["exact"].name, folders["two"].name)
    assert_png(out / "pareto.png")
    assert_png(out / "indicators.png", min_side=200)
    table = pd.read_csv(out / "indicators.csv")
    assert len(table) == 2 and table["hypervolume_ratio"].between(0, 1 + 1e-9).all()
    assert "## Coverage C(A, B)" in (out / "comparison.md").read_text(encoding="utf-8")
    data = embedded_data((out / "report.html").read_text(encoding="utf-8"))
    sizes = [len(ParetoFront.read(f)) for f in (folders["exact"], folders["two"])]
    assert [len(s["points"]) for s in data["series"]] == sizes
    assert len(data["solutions"]) == sum(sizes) + 1
    with pytest.raises(Exception, match="different objectives"):
        compare([folders["two"], folders["three"]])


def test_notebook_representations(tiny_problem):
    front = exact_front(tiny_problem, ("efficiency", "ecology"))
    page = front_html(front)
    assert "<img" not in page and "knee" in page and page.count("<tr>") >= len(front)
    assert "<table" in compare([front, front])._repr_html_()
    assert "ParetoFront(0 points" in front_html(ParetoFront(front.objectives, front.senses, front.values[:0],
                                                                  front.layouts[:0], front.points.iloc[:0],
                                                                  front.uses, front.parcels))


def test_report_html_for_a_front_in_memory(tiny_problem):
    front = exact_front(tiny_problem, ("efficiency", "ecology"))
    data = embedded_data(report_html(front, tiny_problem))
    assert data["initial"]["a"] == front.points["id"].iloc[knee_point(front)]
    assert data["geometry"]["kind"] == "polygons"
    assert len(data["geometry"]["partStart"]) == len(front.parcels) + 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report_html(front, tiny_problem)  # nothing to warn about


def test_milp_payoff_table_is_marked_on_the_chart(tiny_problem):
    from landalloc.optimizer import milp

    front = milp.pareto(tiny_problem, ["efficiency", "ecology"], points=3, progress=False)
    rows = payoff_values(front)
    assert set(rows) == {"efficiency", "ecology"}
    best = front.values.max(axis=0)
    assert rows["efficiency"][0] == pytest.approx(best[0]) and rows["ecology"][1] == pytest.approx(best[1])
    assert scatter_sizes(plot_front(front, problem=tiny_problem), "payoff") == [1, 1]


def test_a_cjk_family_found_on_disk_is_registered_from_its_regular_face(monkeypatch):
    """Registering the bold file first makes matplotlib warn on every normal-weight label."""
    registered: list[str] = []
    monkeypatch.delenv("LANDALLOC_CJK_FONT", raising=False)
    monkeypatch.setattr(fonts, "CJK_FAMILIES", ())
    monkeypatch.setattr(fonts.font_manager, "findSystemFonts", lambda: [
        "/fonts/NotoSansCJK-Bold.ttc", "/fonts/NotoSansCJK-Regular.ttc"])
    monkeypatch.setattr(fonts, "_register", lambda path: registered.append(path.name) or "Noto Sans CJK SC")
    fonts.cjk_family.cache_clear()
    try:
        assert fonts.cjk_family() == "Noto Sans CJK SC"
    finally:
        fonts.cjk_family.cache_clear()
    assert registered == ["NotoSansCJK-Regular.ttc"]
