"""Fuzzing the loaders with corrupted data: succeed, or fail with InputError — never anything else.

Parcel tables (from ``generate_county(100, seed)`` and the tiny county) are corrupted by one
to three random edits: a column dropped, misspelt or doubled, NaN or infinite values, wrong
types, values out of range, duplicate ids, broken or mixed geometries, another CRS, empty
tables. Scenarios are corrupted as dicts (unknown keys, wrong types, non-finite numbers) and
as TOML text (characters deleted or inserted). Whatever loads must also compile, evaluate
and pass presolve without crashing. Reproducible (``derandomize=True``); example counts are
fixed below.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
import tomli_w
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from landalloc.instances.handmade import tiny_county
from landalloc.instances.synthetic import generate_county
from landalloc.models import Instance, LandallocError, evaluate, load_scenario, parse_scenario
from landalloc.models.errors import InputError
from landalloc.models.parcels import validate_parcels
from landalloc.models.presolve import presolve_check

TABLE_EXAMPLES = 300
FILE_EXAMPLES = 30
SCENARIO_EXAMPLES = 150
TEXT_EXAMPLES = 150


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck))


@functools.lru_cache(maxsize=None)
def base(name: str):
    if name == "tiny":
        parcels, scenario = tiny_county()
    else:
        parcels, scenario = generate_county(100, int(name[-1]), "polygons" if name.endswith("1") else "grid")
    return parcels, parse_scenario(scenario)


BROKEN_GEOMETRY = {
    "bow-tie": shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)]),
    "empty": shapely.Polygon(),
    "none": None,
    "point": shapely.Point(1, 1),
    "line": shapely.LineString([(0, 0), (5, 5)]),
    "collection": shapely.GeometryCollection([shapely.box(0, 0, 10, 10), shapely.LineString([(0, 0), (9, 9)])]),
    "flat": shapely.Polygon([(0, 0), (1, 1), (2, 2)]),
    "spike": shapely.Polygon([(0, 0), (10, 0), (10, 10), (10, 20), (10, 10), (0, 10)]),
    "overlapping collection": shapely.GeometryCollection([shapely.box(0, 0, 10, 10), shapely.box(5, 5, 15, 15)]),
}
BAD_VALUES = [np.nan, np.inf, -np.inf, -1.0, 2.0, 1e300, 0.0, "high", "0,5", "", None, True, "yes", 3, "1"]


@st.composite
def corruptions(draw, table: pd.DataFrame):
    """One random edit of a parcel table, applied in place; returns its name (for statistics).

    An edit that cannot apply to a table already edited (a column dropped before, say) is skipped.
    """
    columns = [c for c in table.columns if c != "geometry"]
    kind = draw(st.sampled_from(["drop", "rename", "double", "value", "type", "ids", "geometry", "crs", "rows",
                                 "area", "index", "codes", "geometry column"]))
    col = draw(st.sampled_from(columns))
    rows = draw(st.lists(st.integers(0, len(table) - 1), min_size=1, max_size=5, unique=True)) if len(table) else []
    try:
        return _edit(draw, table, kind, col, rows)
    except Exception:  # pandas refusing the edit itself, not landalloc: nothing to test
        return "skipped"


def _edit(draw, table: pd.DataFrame, kind: str, col: str, rows: list[int]) -> str:
    if kind == "drop":
        table.drop(columns=col, inplace=True)
    elif kind == "rename":
        table.rename(columns={col: draw(st.sampled_from([col[:-1], col.upper(), col[:10], col + "_"]))}, inplace=True)
    elif kind == "double":
        table.insert(len(table.columns) - 1, col, table[col], allow_duplicates=True)
    elif kind == "value":
        value = draw(st.sampled_from(BAD_VALUES))
        table[col] = table[col].astype(object)
        for r in rows:
            table.iat[r, table.columns.get_loc(col)] = value
    elif kind == "type":
        how = draw(st.sampled_from(["str", "category", "int-ish", "bool"]))
        table[col] = _retype(table[col], how)
        kind = f"type {how}"
    elif kind == "ids":
        ids = np.array(table["parcel_id"], dtype=object)
        ids[rows] = draw(st.sampled_from([ids[0] if len(ids) else 1, None, np.nan, "a", 1.5]))
        table["parcel_id"] = ids
    elif kind == "geometry":
        name = draw(st.sampled_from(sorted(BROKEN_GEOMETRY)))
        geometry = table.geometry.to_numpy().copy()
        for r in rows:
            geometry[r] = BROKEN_GEOMETRY[name]
        table.set_geometry(geometry, inplace=True, crs=table.crs)
        kind = f"geometry {name}"
    elif kind == "crs":
        choice = draw(st.sampled_from(["EPSG:4326", None, "EPSG:2227", "EPSG:3857"]))
        if choice in ("EPSG:4326", "EPSG:2227"):
            table.to_crs(choice, inplace=True)
        else:
            table.set_crs(choice, allow_override=True, inplace=True)
    elif kind == "rows":
        keep = draw(st.sampled_from([0, 1, 5]))
        table.drop(index=table.index[keep:], inplace=True)
    elif kind == "area":
        table["area_ha"] = draw(st.sampled_from([1.0, 0.0, -1.0, np.nan, "big"]))
    elif kind == "index":
        table.index = np.zeros(len(table), int)
    elif kind == "codes":
        table["current_use"] = draw(st.sampled_from([3, "Crop", "orchard", None, 1.5]))
    elif kind == "geometry column":  # renamed (fine), or kept only as a plain column (no active geometry)
        if draw(st.booleans()):
            table.rename_geometry("geom", inplace=True)
        else:
            table["shape"] = table.geometry.to_wkt()
            table.drop(columns=table.geometry.name, inplace=True)
    return kind


def _retype(values: pd.Series, how: str) -> pd.Series:
    if how == "str":
        return values.astype(str)
    if how == "category":
        return values.astype("category")
    if how == "int-ish":
        return pd.to_numeric(values, errors="coerce").round().astype("Int64") if values.dtype != object else values
    return values.astype(bool)


def _must_load_or_refuse(table, scenario, fix_geometries: bool) -> str:
    """Validate (and, if valid, compile, evaluate, presolve); only LandallocError may escape."""
    try:
        clean = validate_parcels(table, scenario.codes, "parcels.gpkg", fix_geometries=fix_geometries)
    except InputError as exc:
        assert str(exc).startswith("parcels.gpkg: ") and "Traceback" not in str(exc)
        return "refused"
    try:
        problem = Instance(clean, scenario).compile()
    except LandallocError:
        return "loaded, refused at compile"
    evaluate(problem, problem.current_layout)
    presolve_check(problem)
    return "loaded"


@fuzz(TABLE_EXAMPLES)
@given(st.sampled_from(["tiny", "county0", "county1"]), st.data(), st.booleans())
def test_corrupted_tables_load_or_refuse(name, data, fix_geometries):
    parcels, scenario = base(name)
    table = parcels.copy()
    kinds = [data.draw(corruptions(table)) for _ in range(data.draw(st.integers(1, 3)))]
    outcome = _must_load_or_refuse(table, scenario, fix_geometries)
    event(outcome)
    for kind in kinds:
        event(f"edit: {kind}")


@fuzz(FILE_EXAMPLES)
@given(st.data())
def test_corrupted_files_load_or_refuse(tmp_path_factory, data):
    parcels, scenario = base("tiny")
    table = parcels.copy()
    data.draw(corruptions(table))
    folder = tmp_path_factory.mktemp("fuzz")
    try:
        table.to_file(folder / "parcels.gpkg", layer="parcels", driver="GPKG", engine="pyogrio")
    except Exception:  # not every corruption can be written to a GeoPackage
        event("could not write")
        return
    (folder / "scenario.toml").write_text(tomli_w.dumps(tiny_county()[1]), encoding="utf-8")
    try:
        loaded = Instance.load(folder, fix_geometries=data.draw(st.booleans()))
        loaded.compile()
        event("loaded")
    except LandallocError:
        event("refused")


JUNK = [None, "x", -1, -1.5, float("nan"), float("inf"), [], {}, {"min": "a"}, [1, 2], True, "crop"]


def _paths(tree, prefix=()):
    """Every (path) to a value in a nested dict/list."""
    yield prefix
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            yield from _paths(value, (*prefix, i))


@fuzz(SCENARIO_EXAMPLES)
@given(st.sampled_from(["tiny", "county0"]), st.data())
def test_corrupted_scenarios_parse_or_refuse(name, data):
    scenario = copy.deepcopy(tiny_county()[1] if name == "tiny" else generate_county(100, 0)[1])
    for _ in range(data.draw(st.integers(1, 3))):
        paths = [p for p in _paths(scenario) if p]
        path = data.draw(st.sampled_from(paths))
        parent = scenario
        for step in path[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["junk", "delete", "unknown key"]))
        if action == "junk":
            parent[path[-1]] = data.draw(st.sampled_from(JUNK))
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[path[-1] + "x" if isinstance(path[-1], str) else "x"] = 1
        event(f"{action} at {path[0]}")
    try:
        parsed = parse_scenario(scenario)
    except InputError as exc:
        assert str(exc).startswith("scenario: ")
        event("refused")
        return
    event("parsed")
    parcels, _ = base("tiny" if name == "tiny" else "county0")
    try:
        Instance(validate_parcels(parcels, parsed.codes), parsed).compile()
    except LandallocError:
        pass


@fuzz(TEXT_EXAMPLES)
@given(st.sampled_from(["tiny", "demo"]), st.data())
def test_corrupted_toml_text_loads_or_refuses(tmp_path_factory, name, data):
    text = (Path(__file__).resolve().parents[1] / "instances" / name / "scenario.toml").read_text(encoding="utf-8")
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text) - 1))
        if data.draw(st.booleans()):
            text = text[:at] + text[at + 1:]
        else:
            text = text[:at] + data.draw(st.sampled_from(list("[]=\"'{},.#\n x0-"))) + text[at:]
    path = tmp_path_factory.mktemp("toml") / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_scenario(path)
        event("loaded")
    except InputError as exc:
        assert str(exc).startswith(str(path))
        event("refused")
