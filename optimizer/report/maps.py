"""Maps of layouts (matplotlib): land use in the classes' colours with a bilingual legend, the
ecological red line, basic farmland and urban development boundary as outlines, district
boundaries with each district's name, a scale bar and a north arrow (grid north of the
projected CRS); and a change map, today -> planned. A title says when its layout stopped on a
time limit (with the gap) and when today's layout breaks the scenario's rules."""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from landalloc.models import Problem
from landalloc.models.errors import InputError
from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.report.context import current_layout, parcel_area
from landalloc.optimizer.report.fonts import can_draw_chinese, text_families
from landalloc.optimizer.report.geometry import DISTRICT, ZONES, shapes
from landalloc.optimizer.report.labels import CURRENT, district_names, use_label
from landalloc.optimizer.report.selection import knee_point, resolve
from landalloc.optimizer.report.standing import point_note

UNCHANGED = "#e0e0e0"
DISTRICT_LINE = "#252525"
MAX_EDGED = 5000
"""Parcels are drawn with thin white edges up to this many; beyond, edges would hide the fill."""


def solution_layout(front: ParetoFront, solution: int | str | None) -> tuple[str, np.ndarray]:
    """Id and layout of a solution: an index or id on the front, ``"current"``, or None (the knee)."""
    if solution == CURRENT:
        return CURRENT, current_layout(front)
    if solution is None:
        solution = knee_point(front)
        if solution is None:
            raise InputError("the front has no points to map; map today's land use with solution='current'")
    index = next(iter(resolve(front, [solution])))
    return str(front.points["id"].iloc[index]), front.layouts[index]


def plot_layout(front: ParetoFront, solution: int | str | None = None, title: str | None = None) -> Figure:
    """Map one layout: land use, zoning outlines, bilingual legend, scale bar and north arrow.

    Parameters
    ----------
    front : the front holding the layout and the parcels.
    solution : a point's index or id, ``"current"`` for today's land use, None for the knee point.
    title : the map's title (default: the solution's id and objective values).

    Examples
    --------
    >>> plot_layout(front, "milp_003").savefig("milp_003.png", dpi=150)  # doctest: +SKIP
    """
    name, layout = solution_layout(front, solution)
    colors = np.array([u.color for u in front.uses])
    fig, ax = _map_figure(front)
    _draw_parcels(ax, front, colors[layout])
    chinese = can_draw_chinese()
    handles = [Patch(facecolor=u.color, edgecolor="none", label=use_label(u, chinese)) for u in front.uses]
    _finish(fig, ax, front, handles, title or _title(front, name) + _note(front, name))
    return fig


def plot_change(front: ParetoFront, solution: int | str | None = None, problem: Problem | None = None,
                title: str | None = None) -> Figure:
    """Map what a layout changes: converted parcels in their new use's colour, the rest grey."""
    name, layout = solution_layout(front, solution)
    today = current_layout(front)
    changed = layout != today
    colors = np.where(changed, np.array([u.color for u in front.uses])[layout], UNCHANGED)
    fig, ax = _map_figure(front)
    _draw_parcels(ax, front, colors)
    chinese = can_draw_chinese()
    handles = [Patch(facecolor=UNCHANGED, label="unchanged 未变化" if chinese else "unchanged")]
    handles += [Patch(facecolor=u.color, label=f"→ {use_label(u, chinese)}") for k, u in enumerate(front.uses)
                if (layout[changed] == k).any()]
    hectares = parcel_area(front, problem)[changed].sum()
    heading = title or f"today → {name}: {changed.sum():,} parcels, {hectares:,.1f} ha change use" + _note(front, name)
    _finish(fig, ax, front, handles, heading)
    return fig


def _title(front: ParetoFront, name: str) -> str:
    if name == CURRENT:
        return "today's land use"
    index = front.points["id"].astype(str).tolist().index(name)
    values = ", ".join(f"{o} {v:,.4g}" for o, v in zip(front.objectives, front.values[index]))
    return f"{name}: {values}"


def _note(front: ParetoFront, name: str) -> str:
    """What the title adds: ``stopped at time limit, gap 1.2 % (not proven optimal)`` or ``proven
    optimal`` for a point; for today's layout, that it is infeasible when run.json records so."""
    if name == CURRENT:
        return " — infeasible under this scenario" if front.run.get("current_feasible") is False else ""
    note = point_note(front, front.points["id"].astype(str).tolist().index(name))
    return f"\n{note}" if note.startswith("stopped") else (f" ({note})" if note else "")


def _map_figure(front: ParetoFront) -> tuple[Figure, object]:
    xmin, ymin, xmax, ymax = shapes(front).bounds
    aspect = (ymax - ymin) / max(xmax - xmin, 1e-9)
    width = 9.5
    fig = Figure(figsize=(width, max(3.5, min(12.0, 6.2 * aspect + 1.0))), layout="constrained")
    ax = fig.add_subplot()
    ax.set_aspect("equal")
    pad = 0.02 * max(xmax - xmin, ymax - ymin)
    ax.set_xlim(xmin - pad, xmax + pad)
    ax.set_ylim(ymin - pad, ymax + pad)
    ax.set_xticks([])
    ax.set_yticks([])
    return fig, ax


def _draw_parcels(ax, front: ParetoFront, colors: np.ndarray) -> None:
    found = shapes(front)
    many = len(found.part_of) > MAX_EDGED
    ax.add_collection(PolyCollection(found.rings, facecolors=colors[found.part_of],
                                     edgecolors="none" if many else "white", linewidths=0.2,
                                     rasterized=many))
    for flag, (_, _, color, style) in ZONES.items():
        if found.outlines.get(flag):
            ax.add_collection(LineCollection(found.outlines[flag], colors=color, linestyles=style,
                                             linewidths=1.4, zorder=3))
    draw_districts(ax, front)


def draw_districts(ax, front: ParetoFront) -> None:
    """District boundaries (dark, under the zoning outlines' colours) and each district's name."""
    found = shapes(front)
    if not found.districts:
        return
    ax.add_collection(LineCollection(found.districts, colors=DISTRICT_LINE, linewidths=1.1, alpha=0.85, zorder=2.5,
                                     gid="districts"))
    names = district_names(front.run, list(found.district_points), can_draw_chinese())
    for district, (x, y) in found.district_points.items():
        ax.text(x, y, names[district], ha="center", va="center", fontsize=7, zorder=6, gid="district-name",
                fontfamily=text_families(),
                bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1})


def _finish(fig: Figure, ax, front: ParetoFront, handles: list, title: str) -> None:
    chinese = can_draw_chinese()
    found = shapes(front)
    for flag, (english, zh, color, style) in ZONES.items():
        if found.outlines.get(flag):
            handles.append(Line2D([], [], color=color, ls=style, lw=1.4,
                                  label=f"{english} {zh}" if chinese else english))
    if found.districts:
        handles.append(Line2D([], [], color=DISTRICT_LINE, lw=1.1, label=f"{DISTRICT[0]} {DISTRICT[1]}" if chinese
                              else DISTRICT[0]))
    fig.legend(handles=handles, loc="outside right upper", frameon=False,
               prop={"family": text_families(), "size": 8})
    scale_bar(ax)
    north_arrow(ax)
    ax.set_title(title, fontsize=9, loc="left")


def nice_length(span: float) -> float:
    """A round length (1, 2 or 5 × 10^k) close to a fifth of ``span``."""
    target = max(span / 5.0, 1e-9)
    power = 10 ** np.floor(np.log10(target))
    return float(min((m * power for m in (1, 2, 5, 10)), key=lambda v: abs(v - target)))


def scale_bar(ax) -> None:
    """A two-segment scale bar in the lower left corner (map units are metres)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = nice_length(x1 - x0)
    height = 0.012 * (y1 - y0)
    left, bottom = x0 + 0.03 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    for s, face in enumerate(("black", "white")):
        ax.add_patch(Rectangle((left + s * length / 2, bottom), length / 2, height, facecolor=face,
                               edgecolor="black", linewidth=0.6, zorder=6))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    for x, text in ((left, "0"), (left + length, label)):
        ax.text(x, bottom + 1.8 * height, text, ha="center", va="bottom", fontsize=7, zorder=6,
                bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1})


def north_arrow(ax) -> None:
    """An arrow and ``N`` in the upper right corner (grid north of the projected CRS)."""
    ax.annotate("", xy=(0.96, 0.93), xytext=(0.96, 0.82), xycoords="axes fraction",
                arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.5, "mutation_scale": 16})
    ax.text(0.96, 0.94, "N", transform=ax.transAxes, ha="center", va="bottom", fontsize=10, fontweight="bold")
