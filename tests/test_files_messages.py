"""Files and messages a planner reads without help: violations with units and parcels, a styled
layouts.gpkg, CSVs that Excel opens, district names, optional Chinese names, the money unit."""

from __future__ import annotations

import json
import sqlite3
import tomllib
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd
import pyogrio
import pytest
import tomli_w

from landalloc.instances import bundled, generate_county, write_instance
from landalloc.instances.handmade import tiny_county
from landalloc.models import Instance, evaluate
from landalloc.models.errors import InputError
from landalloc.models.scenario import parse_scenario
from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.report.labels import axis_label
from tests.test_cli import run

BOM = b"\xef\xbb\xbf"
ORDOS_NAMES = {"150602": ("东胜区", "Dongsheng District"), "150603": ("康巴什区", "Kangbashi District"),
               "150621": ("达拉特旗", "Dalad Banner"), "150622": ("准格尔旗", "Jungar Banner"),
               "150623": ("鄂托克前旗", "Otog Front Banner"), "150624": ("鄂托克旗", "Otog Banner"),
               "150625": ("杭锦旗", "Hanggin Banner"), "150626": ("乌审旗", "Uxin Banner"),
               "150627": ("伊金霍洛旗", "Ejin Horo Banner")}


def _county(tmp_path: Path) -> Path:
    """tiny, written out with a planner's own classification: grassland has no Chinese name, urban no
    name at all, every class a reference code, and efficiency counted in US dollars."""
    parcels, scenario = tiny_county()
    uses = scenario["land_use"]
    del uses[1]["name_zh"]
    del uses[2]["name_en"], uses[2]["name_zh"]
    for use, reference in zip(uses, ("01", "04", "07-13", "08")):
        use["reference"] = reference
    scenario["units"] = {"efficiency": "10^3 USD/yr"}
    return write_instance(parcels, scenario, tmp_path / "county", "# county\n")


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The county solved from the command line, with its report."""
    root = tmp_path_factory.mktemp("files")
    county = _county(root)
    done = run("solve", str(county), "--method", "milp", "--objectives", "efficiency,equity", "--points", "3",
               "--time-limit", "20", "--out", str(root / "result"))
    assert done.returncode == 0, done.stdout + done.stderr
    return county, root / "result"


def _layout(tmp_path: Path, change: dict[int, str]) -> Path:
    parcels, _ = tiny_county()
    table = pd.DataFrame({"parcel_id": parcels["parcel_id"], "use": parcels["current_use"]})
    for parcel, use in change.items():
        table.loc[table["parcel_id"] == parcel, "use"] = use
    path = tmp_path / "layout.csv"
    table.to_csv(path, index=False)
    return path


def test_check_gives_each_violation_its_unit_and_where(tmp_path: Path) -> None:
    # parcel 3 (red line, outside the boundary) built up; parcel 1 (basic farmland) turned to grass
    layout = _layout(tmp_path, {3: "urban", 1: "grass"})
    done = run("check", str(bundled("tiny")), str(layout))
    assert done.returncode == 1, done.stdout + done.stderr
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[1:-1]]
            for line in done.stdout.splitlines() if line.count("│") == 7}
    assert rows["eco_redline"][3:] == ["ha", "VIOLATED", "1 parcel: 3"]
    assert rows["urban_boundary"][3:] == ["ha", "VIOLATED", "1 parcel: 3"]
    assert rows["basic_farmland"][3:] == ["ha", "VIOLATED", "1 parcel: 1"]
    assert rows["population[west]"][3:] == ["persons", "VIOLATED", "district west"]
    assert rows["quota_min[crop]"][3:] == ["ha", "holds", ""]
    assert rows["population[east]"][3:] == ["persons", "holds", ""]


def test_constraint_table_names_the_first_five_parcels_and_nothing_for_county_quotas(tiny_problem) -> None:
    grass = np.full(tiny_problem.n_parcels, tiny_problem.use_index("grass"))
    table = evaluate(tiny_problem, grass).constraint_table().set_index("constraint")
    assert table.loc["basic_farmland", "where"] == "2 parcels: 1, 2"   # basic farmland lost
    assert table.loc["conversion", "where"] == "4 parcels: 5, 9, 10, 12"   # towns may not turn to grass
    assert not table.loc["quota_min[crop]", "holds"] and table.loc["quota_min[crop]", "where"] == ""
    assert table.loc["quota_min[crop]", "unit"] == "ha" and table.loc["population[west]", "unit"] == "persons"
    demo = Instance.load(bundled("demo"))
    problem = demo.compile()
    layout = np.full(problem.n_parcels, problem.use_index("grass"))
    conversion = demo.scenario.conversion
    barred = demo.parcels["current_use"].map(lambda use: "grass" not in conversion.get(use, ["grass"]))
    ids = demo.parcels["parcel_id"][barred.to_numpy()].tolist()
    assert len(ids) > 5
    where = evaluate(problem, layout).constraint_table().set_index("constraint").loc["conversion", "where"]
    assert where == f"{len(ids):,} parcels: {', '.join(map(str, ids[:5]))} (and {len(ids) - 5} more)"


def test_layouts_gpkg_is_styled_for_qgis_and_carries_reference_codes(solved: tuple[Path, Path]) -> None:
    _, result = solved
    path = result / "layouts.gpkg"
    ids = pd.read_csv(result / "front.csv", encoding="utf-8-sig")["id"].tolist()
    with sqlite3.connect(path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(layer_styles)")]
        styles = db.execute("SELECT f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, "
                            "styleQML, useAsDefault FROM layer_styles ORDER BY styleName").fetchall()
        geometry = db.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = 'layouts'").fetchone()
        kinds = dict(db.execute("SELECT table_name, data_type FROM gpkg_contents"))
    for name in ("f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "styleName", "styleQML",
                 "styleSLD", "useAsDefault", "description", "owner", "ui", "update_time"):
        assert name in columns, name
    assert kinds == {"layouts": "features", "layer_styles": "attributes", "land_uses": "attributes"}
    assert sorted(s[4] for s in styles) == sorted([*ids, "current_use"])
    assert [s[4] for s in styles if s[6]] == [ids[0]]  # one default: the first solution
    uses = {u["code"]: u for u in json.loads((result / "run.json").read_text(encoding="utf-8"))["uses"]}
    for catalog, schema, table, column, name, qml, _ in styles:
        assert (catalog, schema, table, column) == ("", "", "layouts", geometry[0])
        renderer = ET.fromstring(qml.split("\n", 1)[1]).find("renderer-v2")
        assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == name
        symbols = {s.get("name"): s for s in renderer.find("symbols")}
        categories = {c.get("value"): c for c in renderer.find("categories")}
        assert set(categories) == set(uses)
        for code, category in categories.items():
            colour = uses[code]["color"]
            rgb = ",".join(str(int(colour[i:i + 2], 16)) for i in (1, 3, 5)) + ",255"
            layer = symbols[category.get("symbol")].find("layer")
            assert layer.find("Option/Option[@name='color']").get("value") == rgb
            assert layer.find("prop[@k='color']").get("v") == rgb
    labels = {c: categories[c].get("label") for c in categories}
    assert labels == {"crop": "耕地 cropland", "grass": "grassland", "urban": "urban",
                      "service": "公共管理与公共服务用地 public service"}
    lookup = pyogrio.read_dataframe(path, layer="land_uses")
    assert dict(zip(lookup["code"], lookup["reference"])) == {"crop": "01", "grass": "04", "urban": "07-13",
                                                              "service": "08"}
    assert dict(zip(lookup["code"], lookup["name_zh"]))["grass"] == "grassland"  # the other name stands in


def test_every_csv_has_a_bom_and_reads_back(solved: tuple[Path, Path]) -> None:
    county, result = solved
    written = [result / "front.csv", *sorted((result / "tables").glob("*.csv"))]
    assert len(written) >= 4
    for path in written:
        assert path.read_bytes().startswith(BOM), path
    front = ParetoFront.read(result)
    assert front.points["id"].tolist() == pd.read_csv(result / "front.csv", encoding="utf-8-sig")["id"].tolist()
    assert "id" in pd.read_csv(result / "front.csv", encoding="utf-8-sig").columns
    verified = run("check", str(county), str(result))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # a planner's layout saved by Excel (with a BOM) is read like any other
    layout = result.parent / "excel.csv"
    pd.DataFrame({"parcel_id": front.parcels["parcel_id"], "use": front.parcels["current_use"]}).to_csv(
        layout, index=False, encoding="utf-8-sig")
    assert layout.read_bytes().startswith(BOM)
    assert run("check", str(county), str(layout)).returncode == 1  # today's tiny layout is short of housing


def test_land_uses_without_chinese_names_load_solve_and_report(solved: tuple[Path, Path]) -> None:
    county, result = solved
    instance = Instance.load(county)
    grass, urban = instance.scenario.land_use[1], instance.scenario.land_use[2]
    assert (grass.name_en, grass.name_zh) == ("grassland", "grassland")
    assert (urban.name_en, urban.name_zh) == ("urban", "urban")
    assert (result / "report.html").is_file() and (result / "pareto.png").is_file()
    areas = pd.read_csv(next((result / "tables").glob("*_areas.csv")), encoding="utf-8-sig")
    assert {"crop", "grass", "urban", "service"} <= set(areas.iloc[:, 0])


def test_the_money_unit_is_the_scenarios(solved: tuple[Path, Path]) -> None:
    county, result = solved
    problem = Instance.load(county).compile()
    assert problem.units["efficiency"] == "10^3 USD/yr" and problem.units["ecology"] == "10^4 CNY/yr"
    run_json = json.loads((result / "run.json").read_text(encoding="utf-8"))
    assert run_json["units"]["efficiency"] == "10^3 USD/yr"
    front = ParetoFront.read(result)
    assert axis_label("efficiency", "max", units=front.units) == "efficiency ($10^3$ USD/yr) ↑"
    page = (result / "report.html").read_text(encoding="utf-8")   # axis labels in the page's JSON data
    assert "efficiency (10<sup>3<\\/sup> USD/yr)" in page and "efficiency (10<sup>4" not in page
    done = run("check", str(county), str(_layout(result.parent, {})))
    assert "10^3 USD/yr" in done.stdout
    # the default, when a scenario says nothing
    assert Instance.load(bundled("tiny")).compile().units["efficiency"] == "10^4 CNY/yr"


def test_units_refuse_an_objective_whose_unit_the_model_fixes(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"unknown key 'units.change'.*allowed here: efficiency, ecology"):
        parse_scenario({"units": {"change": "acres"}})
    parcels, scenario = tiny_county()
    text = tomli_w.dumps(scenario) + '\n[units]\nefficiency = ""\n'
    write_instance(parcels, scenario, tmp_path / "county", "# county\n")
    (tmp_path / "county" / "scenario.toml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"scenario.toml: invalid scenario: 'units.efficiency'"):
        Instance.load(tmp_path / "county")


def test_bundled_demo_scenario_is_exactly_what_the_generator_writes() -> None:
    parcels, scenario = generate_county(3600, seed=2026, shape="grid", name="demo")
    shipped = (bundled("demo") / "scenario.toml").read_text(encoding="utf-8")
    assert shipped == tomli_w.dumps(scenario)
    names = {d: (s["name_zh"], s["name_en"]) for d, s in scenario["districts"].items()}
    assert names["T01"] == ("城关镇", "Chengguan Town")
    assert len(set(names.values())) == len(names) == parcels["district"].nunique()
    for d, s in scenario["districts"].items():
        assert s["name_zh"].endswith("镇" if s["kind"] == "urban" else "乡")
    demo = Instance.load(bundled("demo")).scenario
    assert demo.district_name("T02") == "Hexi Town" and demo.district_name("T02", "zh") == "河西镇"


def test_ordos_districts_carry_their_real_names() -> None:
    scenario = tomllib.loads((bundled("ordos") / "scenario.toml").read_text(encoding="utf-8"))
    counties = dict(scenario["districts"])
    city = counties.pop("150600")                      # the city the nine county-level units lie in
    assert (city["name_zh"], city["name_en"], city["level"]) == ("鄂尔多斯市", "Ordos", "city")
    assert {d: (s["name_zh"], s["name_en"]) for d, s in counties.items()} == ORDOS_NAMES
    assert all((s["parent"], s["level"]) == ("150600", "county") for s in counties.values())
    parcels = pyogrio.read_dataframe(bundled("ordos") / "parcels.gpkg", layer="parcels", read_geometry=False)
    assert dict(zip(parcels["district"], parcels["district_name"])) == {d: n[0] for d, n in ORDOS_NAMES.items()}
    ordos = Instance.load(bundled("ordos")).scenario
    assert ordos.district_name("150623") == "Otog Front Banner" and ordos.district_name("150623", "zh") == "鄂托克前旗"
