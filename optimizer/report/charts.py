"""Pareto front charts (matplotlib): a scatter for two objectives, a scatter matrix plus parallel
coordinates for three or more; several fronts overlaid with a legend; today's layout, the
payoff-table extremes and the knee point marked on the first front.

Axes are scaled to the fronts (and the payoff rows), not to today's layout: a front spread over
0.1 % of today's value would otherwise collapse into one line. Today's layout is drawn where it
lies when it is within one front-width of the front (:data:`NEAR`); farther away, an arrow at the
edge points towards it and names its values. Points that stopped on a time limit are hollow and
labelled with their gap; an infeasible today is drawn red and its broken rules are in the title.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from landalloc.models import Problem
from landalloc.models.errors import InputError
from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.report.context import payoff_values
from landalloc.optimizer.report.labels import axis_label, format_value
from landalloc.optimizer.report.selection import extremes, knee_point
from landalloc.optimizer.report.standing import Today, gap_text, gaps, stopped_early, today_of

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
MARKERS = ("o", "s", "^", "D", "v", "P", "h", "<")
INFEASIBLE_TODAY = "#c62828"
PAD = 0.06
"""Margin around the front on each axis, as a share of the front's range."""
NEAR = 1.0
"""Today's layout is drawn in the chart when it lies within this many front ranges of the front."""


@dataclass(frozen=True)
class Series:
    """One front's values in the chart's objective order, with how it is drawn; ``limited``
    marks points stopped on a time limit, ``gap`` their relative MIP gap."""

    name: str
    values: np.ndarray
    feasible: np.ndarray
    color: str
    marker: str
    limited: np.ndarray
    gap: np.ndarray


def front_name(front: ParetoFront) -> str:
    """A front's display name: run.json's ``label``, else its method, else ``front``."""
    if front.run.get("label"):
        return str(front.run["label"])
    methods = front.points["method"].astype(str).unique() if "method" in front.points else []
    return str(methods[0]) if len(methods) == 1 else "front"


def aligned_values(front: ParetoFront, objectives: Sequence[str], senses: Sequence[str]) -> np.ndarray:
    """The front's values in the order of ``objectives``; InputError when they differ."""
    if set(front.objectives) != set(objectives) or len(front.objectives) != len(objectives):
        raise InputError(f"fronts have different objectives: {', '.join(front.objectives)} vs "
                         f"{', '.join(objectives)}; compare fronts of the same objectives")
    order = [front.objectives.index(o) for o in objectives]
    if [front.senses[j] for j in order] != list(senses):
        raise InputError(f"fronts optimise {', '.join(objectives)} in different senses: "
                         f"{list(senses)} vs {[front.senses[j] for j in order]}")
    return front.values[:, order]


def series_of(fronts: Sequence[ParetoFront], names: Sequence[str] | None = None) -> list[Series]:
    """Chart series for fronts, aligned to the first front's objectives."""
    first = fronts[0]
    names = list(names) if names is not None else unique_names([front_name(f) for f in fronts])
    out = []
    for s, (front, name) in enumerate(zip(fronts, names)):
        feasible = front.points["feasible"].to_numpy(bool) if "feasible" in front.points else \
            np.ones(len(front), bool)
        out.append(Series(name, aligned_values(front, first.objectives, first.senses), feasible,
                          COLORS[s % len(COLORS)], MARKERS[s % len(MARKERS)], stopped_early(front), gaps(front)))
    return out


def unique_names(names: Sequence[str]) -> list[str]:
    """Names made distinct by a counter: ``nsga2``, ``nsga2 (2)``."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


@dataclass(frozen=True)
class Marks:
    """Points of note on the first front: knee and extremes (indices), today, payoff rows."""

    knee: int | None
    extremes: dict[str, int]
    current: np.ndarray | None
    payoff: dict[str, np.ndarray]
    infeasible_today: bool = False


def marks_of(front: ParetoFront, today: Today) -> Marks:
    return Marks(knee_point(front), extremes(front), today.values, payoff_values(front), today.infeasible)


@dataclass(frozen=True)
class Limits:
    """Axis ranges per objective (``low``, ``high``) and, per objective, whether today's value
    lies within them (``near``); today is drawn in a panel only when near on both of its axes."""

    low: np.ndarray
    high: np.ndarray
    near: np.ndarray


def front_limits(series: Sequence[Series], marks: Marks) -> Limits:
    """Ranges that fit the fronts and the payoff rows with a margin; an objective's range grows
    to hold today's value when that lies within :data:`NEAR` ranges of the front."""
    rows = [s.values for s in series if len(s.values)] + [v[None, :] for v in marks.payoff.values()]
    m = series[0].values.shape[1]
    every = np.ma.masked_invalid(np.vstack(rows + [np.full((1, m), np.nan)]))
    low = np.asarray(every.min(axis=0).filled(0.0), float)
    high = np.asarray(every.max(axis=0).filled(1.0), float)
    near = np.zeros(m, bool)
    current = marks.current
    if current is not None:
        span = np.maximum(high - low, _flat_span(low, high))
        near = np.isfinite(current) & (current >= low - NEAR * span) & (current <= high + NEAR * span)
        low = np.where(near, np.minimum(low, current), low)
        high = np.where(near, np.maximum(high, current), high)
    span = np.where(high > low, high - low, _flat_span(low, high))
    pad = np.where(high > low, PAD * span, span)
    return Limits(low - pad, high + pad, near)


def _flat_span(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A range for an objective whose values are all equal: 1 % of its size (1 at zero)."""
    size = np.maximum(np.abs(low), np.abs(high))
    return np.where(size > 0, 0.01 * size, 1.0)


def edge_arrow(target: tuple[float, float]) -> tuple[tuple[float, float], tuple[float, float]]:
    """Tip and tail (axes fractions) of an arrow at the plot's edge pointing towards ``target``
    (axes fractions, outside the plot): straight across where the target is off one axis only,
    else from the plot's centre."""
    inside = [0.0 <= t <= 1.0 for t in target]
    if inside[0] != inside[1]:
        off = 0 if not inside[0] else 1
        tip, tail = list(target), list(target)
        tip[off] = 0.02 if target[off] < 0 else 0.98
        tail[off] = tip[off] + (0.25 if target[off] < 0 else -0.25)
        return (tip[0], tip[1]), (tail[0], tail[1])
    dx, dy = target[0] - 0.5, target[1] - 0.5
    reach = 0.48 / max(abs(dx), abs(dy), 1e-12)
    tip = (0.5 + dx * reach, 0.5 + dy * reach)
    tail = (0.5 + dx * reach * 0.55, 0.5 + dy * reach * 0.55)
    return tip, tail


def fraction(value: float, low: float, high: float) -> float:
    """Where a value lies along an axis from ``low`` (0) to ``high`` (1)."""
    return (value - low) / (high - low) if high > low else 0.5


def plot_front(front: ParetoFront, others: Sequence[ParetoFront] = (), names: Sequence[str] | None = None,
               current: np.ndarray | dict | None = None, marks: bool = True, problem: Problem | None = None) -> Figure:
    """Draw a front (and others overlaid) with units, today's layout, extremes and knee.

    Parameters
    ----------
    front : the front whose objectives order the axes and whose points are marked.
    others : more fronts of the same objectives (e.g. NSGA-II against MILP), overlaid.
    names : legend names, one per front (default: run.json ``label`` or the method).
    current : today's objective values (array in the front's order or dict); default: computed
        from ``problem`` when given, else run.json's ``current``.
    marks : mark the knee, the extremes, the payoff table and today's layout.
    problem : the compiled problem, for today's values.

    Returns
    -------
    matplotlib Figure (2 objectives: one scatter; 3 or more: scatter matrix + parallel coordinates).

    Examples
    --------
    >>> plot_front(exact, [approx], names=["MILP", "NSGA-II"]).savefig("tradeoff.png")  # doctest: +SKIP
    """
    series = series_of([front, *others], names)
    today = today_of(front, problem, current)
    found = marks_of(front, today) if marks else Marks(None, {}, None, {})
    limits = front_limits(series, found)
    handles = _legend_handles(series, found)
    m = len(front.objectives)
    if m <= 2:
        fig = Figure(figsize=(7.5, 5.5), layout="constrained")
        ax = fig.add_subplot()
        _scatter_pair(ax, series, found, limits, 0, min(1, m - 1), front, labels=True)
        ax.set_xlabel(axis_label(front.objectives[0], front.senses[0], units=front.units))
        if m == 2:
            ax.set_ylabel(axis_label(front.objectives[1], front.senses[1], units=front.units))
        else:
            ax.set_yticks([])
        ax.legend(handles=handles, loc="best", fontsize=8, framealpha=0.85)
    else:
        fig = Figure(figsize=(2.7 * (m - 1) + 1.0, 2.7 * (m - 1) + 3.6), layout="constrained")
        grid = fig.add_gridspec(m, m - 1, height_ratios=[1.0] * (m - 1) + [1.35])
        for row in range(1, m):
            for col in range(m - 1):
                if col >= row:
                    continue
                ax = fig.add_subplot(grid[row - 1, col])
                _scatter_pair(ax, series, found, limits, col, row, front, labels=False)
                ax.tick_params(labelsize=7)
                ax.xaxis.set_major_locator(MaxNLocator(4))
                ax.yaxis.set_major_locator(MaxNLocator(5))
                if row == m - 1:
                    ax.set_xlabel(axis_label(front.objectives[col], front.senses[col], units=front.units), fontsize=8)
                if col == 0:
                    ax.set_ylabel(axis_label(front.objectives[row], front.senses[row], units=front.units), fontsize=8)
        _parallel(fig.add_subplot(grid[m - 1, :]), series, found, limits, front)
        corner = fig.add_subplot(grid[0, m - 2])  # the empty upper triangle holds the legend
        corner.axis("off")
        corner.legend(handles=handles, loc="upper right", fontsize=9, frameon=False)
    total = ", ".join(f"{s.name}: {len(s.values)} points" + (f" ({int(s.limited.sum())} stopped at time limit)"
                                                             if s.limited.any() else "") for s in series)
    heading = f"Pareto front — {total}"
    if marks and today.infeasible:
        heading += "\n" + _wrapped(today.summary())
    fig.suptitle(heading, fontsize=10, color="black")
    return fig


def _wrapped(text: str, width: int = 110) -> str:
    return "\n".join(textwrap.wrap(text, width))


def _scatter_pair(ax, series: list[Series], marks: Marks, limits: Limits, x: int, y: int, front: ParetoFront,
                  labels: bool) -> None:
    one = x == y
    for s in series:
        if len(s.values) == 0:
            continue
        xs, ys = s.values[:, x], (np.zeros(len(s.values)) if one else s.values[:, y])
        order = np.argsort(xs, kind="stable")
        if not one and len(front.objectives) == 2:
            ax.plot(xs[order], ys[order], color=s.color, lw=0.8, alpha=0.5, zorder=1)
        proven, cut = s.feasible & ~s.limited, s.feasible & s.limited
        ax.scatter(xs[proven], ys[proven], s=26, color=s.color, marker=s.marker, edgecolor="white", linewidth=0.5,
                   zorder=3, alpha=0.9, label=s.name, gid="series")
        if cut.any():
            ax.scatter(xs[cut], ys[cut], s=30, facecolor="white", edgecolor=s.color, marker=s.marker, linewidth=1.4,
                       zorder=3, label=f"{s.name} (time limit)", gid="time_limit")
            if labels:
                for i in np.flatnonzero(cut):
                    ax.annotate(gap_text(s.gap[i]), (xs[i], ys[i]), xytext=(5, -10), textcoords="offset points",
                                fontsize=7, color=s.color, gid="gap")
        if (~s.feasible).any():
            bad = ~s.feasible
            ax.scatter(xs[bad], ys[bad], s=26, facecolor="none", edgecolor="grey", marker=s.marker, zorder=3,
                       label=f"{s.name} (infeasible)", gid="infeasible")
    first = series[0].values

    def at(values: np.ndarray) -> tuple[float, float]:
        return values[x], (0.0 if one else values[y])

    for values in marks.payoff.values():
        ax.scatter(*at(values), s=120, facecolor="none", edgecolor="black", marker="D", lw=1.0, zorder=4,
                   gid="payoff")
    for name, index in marks.extremes.items():
        ax.scatter(*at(first[index]), s=90, facecolor="none", edgecolor="black", marker="D", lw=1.0, zorder=4,
                   gid="extreme")
        if labels:
            ax.annotate(f"best {name}", at(first[index]), xytext=(6, 6), textcoords="offset points", fontsize=8)
    if marks.knee is not None:
        ax.scatter(*at(first[marks.knee]), s=260, color="gold", edgecolor="black", marker="*", lw=0.8, zorder=5,
                   gid="knee")
        if labels:
            ax.annotate("knee", at(first[marks.knee]), xytext=(8, -12), textcoords="offset points", fontsize=8)
    ax.set_xlim(limits.low[x], limits.high[x])
    ax.set_ylim((-1.0, 1.0) if one else (limits.low[y], limits.high[y]))
    if marks.current is not None:
        _mark_today(ax, marks, limits, x, y, front, labels)
    ax.grid(True, lw=0.4, alpha=0.5)


def _mark_today(ax, marks: Marks, limits: Limits, x: int, y: int, front: ParetoFront, labels: bool) -> None:
    """Today's layout as a cross where it lies, or as an arrow at the edge pointing towards it."""
    one = x == y
    color = INFEASIBLE_TODAY if marks.infeasible_today else "black"
    name = "today (infeasible)" if marks.infeasible_today else "today"
    long = "today's layout (infeasible)" if marks.infeasible_today else "today's layout"
    point = (marks.current[x], 0.0 if one else marks.current[y])
    if limits.near[x] and (one or limits.near[y]):
        ax.scatter(*point, s=90, color=color, marker="X", zorder=5, gid="current")
        if labels:
            ax.annotate(name, point, xytext=(6, -12), textcoords="offset points", fontsize=8, color=color)
        return
    target = (fraction(point[0], limits.low[x], limits.high[x]),
              0.5 if one else fraction(point[1], limits.low[y], limits.high[y]))
    tip, tail = edge_arrow(target)
    shown = [x] if one else [x, y]
    text = f"{long}, off the chart:\n" + "\n".join(
        f"{front.objectives[j]} {format_value(front.objectives[j], marks.current[j])}" for j in shown)
    ax.annotate(text if labels else "today", xy=tip, xytext=tail, xycoords="axes fraction", textcoords="axes fraction",
                ha="center", va="center", fontsize=8 if labels else 6, color=color, zorder=6, gid="current-arrow",
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1},
                arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.4, "mutation_scale": 14})


def _parallel(ax, series: list[Series], marks: Marks, limits: Limits, front: ParetoFront) -> None:
    """Parallel coordinates: each axis scaled to the fronts, better values at the top; today's
    line is clipped at the chart's edge where it lies beyond, with its value written there."""
    low, high = limits.low, limits.high
    span = np.where(high > low, high - low, 1.0)
    up = np.array([1.0 if s == "max" else -1.0 for s in front.senses])

    def scaled(values: np.ndarray) -> np.ndarray:
        unit = (values - low) / span
        return np.where(up > 0, unit, 1.0 - unit)

    m = len(front.objectives)
    xs = np.arange(m)
    for s in series:
        for row, ok in zip(s.values, s.feasible):
            ax.plot(xs, scaled(row), color=s.color if ok else "grey", lw=0.9, alpha=0.55)
    if marks.knee is not None and len(series[0].values):
        ax.plot(xs, scaled(series[0].values[marks.knee]), color="black", lw=2.2, zorder=4)
        ax.plot(xs, scaled(series[0].values[marks.knee]), color="gold", lw=1.2, zorder=5)
    if marks.current is not None:
        today = scaled(marks.current)
        clipped = np.clip(today, -0.1, 1.1)
        color = INFEASIBLE_TODAY if marks.infeasible_today else "black"
        ax.plot(xs, clipped, color=color, lw=1.5, ls="--", zorder=5)
        for j in np.flatnonzero(clipped != today):
            name = front.objectives[j]
            ax.text(j + 0.04, clipped[j], f"today {format_value(name, marks.current[j])}", fontsize=6,
                    color=color, va="center")
    for j in range(m):
        ax.axvline(j, color="black", lw=0.6)
        best, worst = (high[j], low[j]) if up[j] > 0 else (low[j], high[j])
        name = front.objectives[j]
        ax.text(j, 1.03, format_value(name, best), ha="center", va="bottom", fontsize=7)
        ax.text(j, -0.03, format_value(name, worst), ha="center", va="top", fontsize=7)
    ax.set_xticks(xs, [axis_label(o, s, units=front.units) for o, s in zip(front.objectives, front.senses)], fontsize=8)
    ax.tick_params(axis="x", pad=14)
    ax.set_yticks([])
    ax.set_ylim(-0.16, 1.16)
    ax.set_xlim(-0.3, m - 0.7)
    for side in ("left", "right", "top", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title("parallel coordinates (better at the top; labels: the ends of each axis)", fontsize=8)


def _legend_handles(series: list[Series], marks: Marks) -> list[Line2D]:
    handles = [Line2D([], [], color=s.color, marker=s.marker, ls="", label=s.name) for s in series]
    limited = [s for s in series if (s.limited & s.feasible).any()]
    if limited:
        handles.append(Line2D([], [], color=limited[0].color, marker=limited[0].marker, mfc="white", mew=1.4, ls="",
                              label="stopped at time limit (gap shown)"))
    if any((~s.feasible).any() for s in series):
        handles.append(Line2D([], [], color="grey", marker="o", mfc="none", ls="", label="infeasible"))
    if marks.extremes or marks.payoff:
        handles.append(Line2D([], [], color="black", marker="D", mfc="none", ls="", label="payoff extremes"))
    if marks.knee is not None:
        handles.append(Line2D([], [], color="black", marker="*", mfc="gold", ms=12, ls="", label="knee point"))
    if marks.current is not None:
        handles.append(Line2D([], [], color=INFEASIBLE_TODAY if marks.infeasible_today else "black", marker="X",
                              ls="", label="today's layout (infeasible)" if marks.infeasible_today
                              else "today's layout"))
    return handles
