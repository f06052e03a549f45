"""The interactive report: one self-contained HTML file (plotly.js inlined, no network needed).

The page shows the Pareto front (hover: a point's objectives; click: its layout), two layout
panels A and B side by side (map of land use or of change from today, area-by-use table against
quotas, from→to transition matrix, district table) and a table of A against B. Several fronts of
the same instance (e.g. MILP and NSGA-II) can share one page; every point of every front opens
its layout.

Maps draw parcel polygons up to :data:`POLYGON_LIMIT` parcels and parcel centroids beyond, so
that a county of 250,000 parcels still opens in a browser; district boundaries and names are
drawn over them. Each panel downloads its layout as CSV (``parcel_id,use``) and, up to
:data:`DOWNLOAD_LIMIT` parcels, as GeoJSON (WGS 84, RFC 7946), built in the page from the
embedded data. The front's axes are scaled to the front (today's layout, when far away, is an
arrow at the edge); points that stopped on a time limit are open markers with their gap; an
infeasible today is marked red with the rules it breaks.
"""

from __future__ import annotations

import html as html_text
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from plotly.offline import get_plotlyjs

from landalloc.models import Problem
from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.report.assets import SCRIPT, STYLE
from landalloc.optimizer.report.charts import edge_arrow, fraction, front_limits, marks_of, series_of
from landalloc.optimizer.report.context import current_layout, parcel_area, payoff_values
from landalloc.optimizer.report.geometry import DISTRICT, ZONES, shapes
from landalloc.optimizer.report.labels import CURRENT, axis_label, district_names, format_value, use_label
from landalloc.optimizer.report.selection import chosen_solutions, extremes, knee_point
from landalloc.optimizer.report.standing import gap_text, point_note, today_of
from landalloc.optimizer.report.tables import (
    area_table,
    district_change_table,
    district_table,
    transition_matrix,
)

POLYGON_LIMIT = 30_000
"""Above this many parcels the maps show centroids instead of polygons."""
HOVER_LIMIT = 5_000
DOWNLOAD_LIMIT = 30_000
"""Up to this many parcels the page carries their exact polygons (WGS 84) for GeoJSON downloads."""
"""Up to this many parcels, hovering a parcel on a map names it and its uses (SVG markers)."""
SYMBOLS = ("circle", "square", "triangle-up", "diamond", "triangle-down", "cross", "hexagon", "triangle-left")
DASHES = {"-": "solid", "--": "dash", "-.": "dashdot"}


def report_html(fronts: ParetoFront | Sequence[ParetoFront], problem: Problem | None = None,
                names: Sequence[str] | None = None, title: str | None = None) -> str:
    """The interactive report of one front, or of several fronts of the same parcels, as HTML text.

    Parameters
    ----------
    fronts : a front, or fronts of the same parcels and objectives (the first orders the axes).
    problem : the compiled problem, for quota and district tables and today's objective values.
    names : one name per front for the legend (default: run.json ``label`` or the method).
    title : the page title (default: from the instance and the objectives).

    Examples
    --------
    >>> Path("report.html").write_text(report_html(front, problem), encoding="utf-8")  # doctest: +SKIP
    """
    fronts = [fronts] if isinstance(fronts, ParetoFront) else list(fronts)
    data = report_data(fronts, problem, names)
    first = fronts[0]
    named = first.run.get("instance")
    instance = f"instance {Path(str(named)).name}" if named else \
        (f"problem {problem.name}" if problem is not None else "")
    heading = title or f"Land-use trade-offs: {', '.join(first.objectives)}"
    methods = ", ".join(f"{s['name']} ({len(s['points'])} points)" for s in data["series"])
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    return PAGE.format(
        title=html_text.escape(heading), instance=html_text.escape(str(instance)),
        methods=html_text.escape(methods), style=STYLE, plotly=get_plotlyjs(), data=payload, script=SCRIPT,
        parallel='<div id="parallel"></div>' if len(first.objectives) >= 3 else "",
        points=points_table(fronts, data), missing=_note(data["text"]["missing"]), today=_today_note(data["today"]),
        settings=_settings(first), panel_a=PANEL.format(p="a", P="A"), panel_b=PANEL.format(p="b", P="B"))


def report_data(fronts: list[ParetoFront], problem: Problem | None, names: Sequence[str] | None) -> dict[str, Any]:
    """Everything the page's script reads, as JSON-ready Python objects."""
    first = fronts[0]
    series = series_of(fronts, names)
    objectives = [{"name": o, "sense": s, "label": axis_label(o, s, html=True, units=first.units)}
                  for o, s in zip(first.objectives, first.senses)]
    ids = [str(i) for f in fronts for i in f.points["id"]]
    prefixed = len(set(ids)) < len(ids)
    solutions: dict[str, Any] = {}
    order: list[str] = []
    out_series = []
    today = current_layout(first)
    area = parcel_area(first, problem)
    for s, (front, line) in enumerate(zip(fronts, series)):
        roles = chosen_solutions(front)
        points = []
        for p in range(len(front)):
            pid = str(front.points["id"].iloc[p])
            key = f"{line.name}/{pid}" if prefixed else pid
            role = ", ".join(roles.get(p, []))
            label = f"{key} · {role}" if role else key
            if line.limited[p]:
                label += f" · time limit, {gap_text(line.gap[p])}"
            values = [_number(v) for v in line.values[p]]
            solutions[key] = {"label": label, "values": values, "layout": _encode(front.layouts[p]),
                              "changed_ha": _number(area[front.layouts[p] != today].sum()),
                              "note": point_note(front, p),
                              "tables": layout_tables(front, front.layouts[p], problem)}
            order.append(key)
            points.append({"key": key, "values": values, "feasible": bool(line.feasible[p]),
                           "limited": bool(line.limited[p]), "hover": _hover(front, p, label, line.values[p], first)})
        out_series.append({"name": line.name, "color": line.color, "symbol": SYMBOLS[s % len(SYMBOLS)],
                           "points": points})
    standing = today_of(first, problem)
    current = standing.values
    solutions[CURRENT] = {"label": "today's land use (current layout)" + (" · infeasible" if standing.infeasible else ""),
                          "values": None if current is None else [_number(v) for v in current],
                          "layout": _encode(today), "changed_ha": 0.0, "note": standing.summary(),
                          "tables": layout_tables(first, today, problem)}
    order.append(CURRENT)
    knee = knee_point(first)
    first_keys = [p["key"] for p in out_series[0]["points"]]
    marks = {
        "knee": [] if knee is None else [{"key": first_keys[knee], "values": out_series[0]["points"][knee]["values"],
                                          "hover": "knee point: " + first_keys[knee]}],
        "extremes": [{"key": None, "values": [_number(v) for v in row], "hover": f"payoff table: best {name}"}
                     for name, row in payoff_values(first).items()]
        or [{"key": first_keys[i], "values": out_series[0]["points"][i]["values"], "hover": f"best {name}"}
            for name, i in extremes(first).items()],
        "current": [] if current is None else [{"key": CURRENT, "values": solutions[CURRENT]["values"],
                                                "hover": "today's layout" + (" (infeasible)" if standing.infeasible
                                                                             else "")}],
    }
    limits = front_limits(series, marks_of(first, standing))
    return {
        "objectives": objectives, "series": out_series, "solutions": solutions, "order": order, "marks": marks,
        "ranges": [[_number(lo), _number(hi)] for lo, hi in zip(limits.low, limits.high)],
        "today": {"feasible": standing.feasible, "summary": standing.summary(), "broken": list(standing.broken),
                  "arrow": _today_arrow(first, current, limits)},
        "initial": {"a": first_keys[knee] if knee is not None else CURRENT, "b": CURRENT},
        "uses": [{"code": u.code, "label": use_label(u), "color": u.color} for u in first.uses],
        "current_layout": _encode(today), "geometry": _geometry(first),
        "parcel_ids": [str(i) for i in first.parcels["parcel_id"]],
        "outlines": _outlines(first), "districts": _districts(first),
        "download": {"geojson": parcels_geojson(first), "limit": DOWNLOAD_LIMIT},
        "text": {"areas": "Area by use against quotas (ha)",
                 "transitions": "From today (rows) to the layout (columns), ha",
                 "districts": "Districts: service coverage and housing capacity against targets",
                 "changes": "Change by district: ha gained (+) and lost (−) per use",
                 "unchanged": "unchanged 未变化",
                 "missing": "" if problem is not None else
                 "Quota and district tables need the instance: run.json names none that can be loaded."},
    }


def layout_tables(front: ParetoFront, layout: np.ndarray, problem: Problem | None) -> dict[str, str]:
    """The three tables of one layout as HTML fragments."""
    labels = {u.code: use_label(u) for u in front.uses}
    areas = area_table(front, layout, problem)
    shown = pd.DataFrame({"land use": [labels.get(c, f"{c} (group)") for c in areas["code"]],
                          "today": areas["current_ha"], "planned": areas["planned_ha"], "change": areas["change_ha"]})
    if problem is not None:
        shown["quota min"] = areas["quota_min_ha"]
        shown["quota max"] = areas["quota_max_ha"]
        shown["status"] = areas["status"]
    bad = [i for i, s in enumerate(shown.get("status", [])) if s and s != "ok"]
    transitions = transition_matrix(front, layout, problem)
    transitions.index = [labels.get(c, c) for c in transitions.index]
    transitions.columns = [next((u.name_en for u in front.uses if u.code == c), c) for c in transitions.columns]
    tables = {"areas": html_table(shown, bad),
              "transitions": html_table(transitions.reset_index(names="today \\ planned")),
              "changes": change_table(front, layout, problem)}
    if problem is not None:
        districts = district_table(problem, layout)
        names = district_names(front.run, districts["district"].astype(str).tolist())
        districts["district"] = [names[str(d)] for d in districts["district"]]
        districts["coverage"] = [format_value("equity", v) for v in districts["coverage"]]
        bad = list(np.flatnonzero(districts["status"].to_numpy() == "short"))
        tables["districts"] = html_table(districts.rename(columns={
            "service_ha": "service (ha)", "new_urban_ha": "new urban (ha)",
            "reclaimed_rural_ha": "rural reclaimed (ha)", "capacity": "housing capacity"}), bad)
    return tables


def change_table(front: ParetoFront, layout: np.ndarray, problem: Problem | None) -> str:
    """Districts (rows) by the uses that change (columns): ``+gained / −lost`` ha, net in the last row."""
    table = district_change_table(front, layout, problem)
    moved = table[(table["gained_ha"] > 0) | (table["lost_ha"] > 0)]
    if moved.empty:
        return '<p class="hint">No parcel changes use.</p>'
    labels = {u.code: use_label(u) for u in front.uses}
    codes = [u.code for u in front.uses if u.code in set(moved["code"])]
    names = district_names(front.run, sorted(table["district"].unique()))
    rows = {}
    for rec in moved.itertuples():
        parts = ([f"+{rec.gained_ha:,.1f}"] if rec.gained_ha > 0 else []) + \
            ([f"−{rec.lost_ha:,.1f}"] if rec.lost_ha > 0 else [])
        rows.setdefault(rec.district, {})[rec.code] = " / ".join(parts)
    shown = pd.DataFrame([{"district": names[d], **{labels[c]: cells.get(c, "") for c in codes}}
                          for d, cells in sorted(rows.items())])
    net = moved.groupby("code")["change_ha"].sum()
    shown.loc[len(shown)] = {"district": "net change (ha)", **{labels[c]: f"{net[c]:+,.1f}" for c in codes}}
    return html_table(shown)


def html_table(table: pd.DataFrame, bad_rows: Sequence[int] = ()) -> str:
    """A small HTML table: numbers with thousands separators, empty cells for NaN, bad rows tinted."""
    head = "".join(f"<th>{html_text.escape(str(c))}</th>" for c in table.columns)
    rows = []
    for r, record in enumerate(table.itertuples(index=False)):
        cells = "".join(f"<td>{html_text.escape(_cell(v))}</td>" for v in record)
        rows.append(f'<tr class="bad">{cells}</tr>' if r in bad_rows else f"<tr>{cells}</tr>")
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def points_table(fronts: list[ParetoFront], data: dict[str, Any]) -> str:
    """Every point of every front as a clickable table row (front.csv's columns)."""
    keys = [p["key"] for s in data["series"] for p in s["points"]]
    tables = pd.concat([f.table().assign(front=s["name"]) for f, s in zip(fronts, data["series"])],
                       ignore_index=True)
    columns = ["front", "id", *fronts[0].objectives, "status", "gap", "seconds", "feasible"]
    tables = tables[[c for c in columns if c in tables]]
    head = "".join(f"<th>{html_text.escape(str(c))}</th>" for c in tables.columns)
    rows = []
    for key, record in zip(keys, tables.itertuples(index=False)):
        cells = "".join(f"<td>{html_text.escape(_cell(v))}</td>" for v in record)
        rows.append(f'<tr data-key="{html_text.escape(key)}">{cells}</tr>')
    return (f'<table class="data points" id="points"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _cell(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return ""
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:,.4g}"
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    return "" if value is None else str(value)


def _number(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _encode(layout: np.ndarray) -> str:
    """A layout as one character per parcel (use index + 48), a compact JSON string."""
    return (np.asarray(layout, np.int64) + 48).astype("<u4").tobytes().decode("utf-32-le")


def _hover(front: ParetoFront, p: int, label: str, values: np.ndarray, first: ParetoFront) -> str:
    lines = [f"<b>{html_text.escape(label)}</b>"]
    for o, s, v in zip(first.objectives, first.senses, values):
        lines.append(f"{axis_label(o, s, html=True, units=first.units)}: {format_value(o, float(v))}")
    row = front.points.iloc[p]
    extra = [f"{c} {_cell(row[c])}" for c in ("status", "gap", "seconds") if c in row and _cell(row[c])]
    if extra:
        lines.append(" · ".join(html_text.escape(e) for e in extra))
    note = point_note(front, p)
    if note.startswith("stopped"):
        lines.append(f"<b>{html_text.escape(note)}</b>")
    return "<br>".join(lines)


def _geometry(front: ParetoFront) -> dict[str, Any]:
    found = shapes(front)
    xmin, ymin, xmax, ymax = found.bounds
    x0, y0 = float(np.floor(xmin)), float(np.floor(ymin))
    centroids = np.round(found.centroids - [x0, y0], 1)
    out: dict[str, Any] = {"x0": x0, "y0": y0, "bounds": [xmin, ymin, xmax, ymax],
                           "cx": centroids[:, 0].tolist(), "cy": centroids[:, 1].tolist()}
    n = len(front.parcels)
    if n <= POLYGON_LIMIT:
        coords = np.round(np.vstack(found.rings) - [x0, y0], 1) if found.rings else np.zeros((0, 2))
        ring_start = np.concatenate([[0], np.cumsum([len(r) for r in found.rings])])
        part_start = np.searchsorted(found.part_of, np.arange(n + 1))
        out.update(kind="polygons", x=coords[:, 0].tolist(), y=coords[:, 1].tolist(),
                   ringStart=ring_start.tolist(), partStart=part_start.tolist(), edges=n <= HOVER_LIMIT,
                   hover=n <= HOVER_LIMIT)
    else:
        side = float(np.sqrt(front.parcels.area.mean())) if n else 1.0
        out.update(kind="points", side=side, edges=False, hover=False)
    return out


def _outlines(front: ParetoFront) -> list[dict[str, Any]]:
    out = []
    for flag, lines in shapes(front).outlines.items():
        if not lines:
            continue
        english, zh, color, style = ZONES[flag]
        xs, ys = _polyline(lines)
        out.append({"name": f"{english} {zh}", "color": color, "dash": DASHES[style], "x": xs, "y": ys})
    return out


def _polyline(lines: list[np.ndarray]) -> tuple[list[float | None], list[float | None]]:
    """Lines as one plotly trace's coordinates (to the decimetre), None between lines."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for line in lines:
        xs += np.round(line[:, 0], 1).tolist() + [None]
        ys += np.round(line[:, 1], 1).tolist() + [None]
    return xs, ys


def _today_arrow(front: ParetoFront, current: np.ndarray | None, limits) -> dict[str, Any] | None:
    """Where the two-objective chart points towards today's layout when it lies off the chart:
    tip and tail in axis-domain fractions, and the text naming today's values."""
    m = len(front.objectives)
    if current is None or m > 2 or limits.near[0] and (m == 1 or limits.near[1]):
        return None
    target = (fraction(current[0], limits.low[0], limits.high[0]),
              0.5 if m == 1 else fraction(current[1], limits.low[1], limits.high[1]))
    tip, tail = edge_arrow(target)
    values = "<br>".join(f"{o} {format_value(o, float(current[j]))}" for j, o in enumerate(front.objectives))
    return {"tip": list(tip), "tail": list(tail), "text": f"today's layout, off the chart:<br>{values}"}


def _districts(front: ParetoFront) -> dict[str, Any]:
    """District boundaries as one line trace (None between lines) and each district's name."""
    found = shapes(front)
    xs, ys = _polyline(found.districts)
    names = district_names(front.run, list(found.district_points))
    return {"name": " ".join(DISTRICT), "x": xs, "y": ys,
            "labels": [{"x": x, "y": y, "text": names[d]} for d, (x, y) in found.district_points.items()]}


def parcels_geojson(front: ParetoFront) -> dict[str, Any] | None:
    """The parcels as a GeoJSON FeatureCollection in WGS 84 (RFC 7946), ``parcel_id`` and
    ``current_use`` per feature, that the page completes with a layout's uses for download;
    None above :data:`DOWNLOAD_LIMIT` parcels or without a CRS to project from."""
    parcels = front.parcels
    if len(parcels) > DOWNLOAD_LIMIT or parcels.crs is None:
        return None
    frame = parcels[["parcel_id", "current_use", "geometry"]].to_crs(4326)
    frame["parcel_id"] = frame["parcel_id"].astype(str)
    # 8 decimals of a degree: about a millimetre, half the text of full precision
    frame = frame.set_geometry(shapely.transform(frame.geometry.to_numpy(), lambda xy: np.round(xy, 8)), crs=4326)
    return json.loads(frame.to_json(drop_id=True))


def _note(text: str) -> str:
    return f'<p class="note">{html_text.escape(text)}</p>' if text else ""


def _today_note(today: dict[str, Any]) -> str:
    """A red box under the front naming the rules today's layout breaks, when it breaks any."""
    if today["feasible"] is not False:
        return ""
    rules = "".join(f"<li>{html_text.escape(rule)}</li>" for rule in today["broken"])
    return (f'<div class="alarm" id="today-infeasible"><b>Today\'s layout is infeasible under this scenario</b> '
            f'(red × on the chart){": it breaks" if rules else "."}<ul>{rules}</ul></div>')


def _settings(front: ParetoFront) -> str:
    shown = {k: (f"[{len(v)} values]" if isinstance(v, list) and len(v) > 12 else v)
             for k, v in front.run.items() if k not in ("uses", "versions", "inputs", "machine")}
    text = json.dumps(shown, indent=2, ensure_ascii=False, default=str)
    return f"<pre>{html_text.escape(text)}</pre>"


PANEL = """  <div class="panel {p}" id="panel-{p}">
    <h2><span class="badge">{P}</span><span id="title-{p}"></span></h2>
    <div class="controls">
      <select id="select-{p}" aria-label="layout {P}"></select>
      <label><input type="checkbox" id="change-{p}"> show change from today</label>
      <span class="downloads">download this layout:
        <button type="button" id="download-csv-{p}" data-format="csv">CSV</button>
        <button type="button" id="download-geojson-{p}" data-format="geojson">GeoJSON</button></span>
    </div>
    <p class="hint" id="note-{p}"></p>
    <div class="map" id="map-{p}"></div>
    <div id="tables-{p}"></div>
  </div>"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style>
<script>{plotly}</script>
</head>
<body>
<header>
  <h1>{title}</h1>
  <p>{instance}</p>
  <p>{methods}</p>
</header>
<main>
{missing}
<section>
  <h2>Pareto front</h2>
  <p class="hint">Hover a point for its objectives; click it to show its layout below.
  Clicks choose
  <label><input type="radio" name="target" value="a" id="target-a" checked> layout A</label>
  <label><input type="radio" name="target" value="b" id="target-b"> layout B</label>.
  Star: knee point; diamonds: payoff-table extremes; ×: today's layout; open markers: points
  that stopped on a time limit (not proven optimal; hover for the gap). The axes fit the front:
  an arrow at the edge points to today's layout when it lies far away.</p>
  {today}
  <div id="front"></div>
  {parallel}
</section>
<section>
  <h2>Layout A against layout B</h2>
  <div id="versus"></div>
</section>
<div class="row">
{panel_a}
{panel_b}
</div>
<section>
  <h2>All points</h2>
  <p class="hint">Click a row to show that layout (in A or B, as chosen above).</p>
  <div class="scroll">{points}</div>
</section>
<section>
  <details><summary>Run settings (run.json)</summary>{settings}</details>
</section>
</main>
<script type="application/json" id="report-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""
