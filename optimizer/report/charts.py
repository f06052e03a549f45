"""Pareto front charts (matplotlib): a scatter for two objectives, a scatter matrix plus parallel
coordinates for three or more; several fronts overlaid with a legend; today's layout, the
payoff-table extremes and the knee point marked on the first front."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from landalloc.models import Problem
from landalloc.models.errors import InputError
from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.report.context import current_values, payoff_values
from landalloc.optimizer.report.labels import axis_label, format_value
from landalloc.optimizer.report.selection import extremes, knee_point

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
MARKERS = ("o", "s", "^", "D", "v", "P", "h", "<")


@dataclass(frozen=True)
class Series:
    """One front's values in the chart's objective order, with how it is drawn."""

    name: str
    values: np.ndarray
    feasible: np.ndarray
    color: str
    marker: str


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
                          COLORS[s % len(COLORS)], MARKERS[s % len(MARKERS)]))
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


def marks_of(front: ParetoFront, current: np.ndarray | dict | None = None) -> Marks:
    if isinstance(current, dict):
        current = np.array([float(current[o]) for o in front.objectives])
    return Marks(knee_point(front), extremes(front),
                 current if current is not None else current_values(front), payoff_values(front))


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
    if current is None and problem is not None:
        current = current_values(front, problem)
    found = marks_of(front, current) if marks else Marks(None, {}, None, {})
    handles = _legend_handles(series, found)
    m = len(front.objectives)
    if m <= 2:
        fig = Figure(figsize=(7.5, 5.5), layout="constrained")
        ax = fig.add_subplot()
        _scatter_pair(ax, series, found, 0, min(1, m - 1), front, labels=True)
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
                _scatter_pair(ax, series, found, col, row, front, labels=False)
                ax.tick_params(labelsize=7)
                ax.xaxis.set_major_locator(MaxNLocator(4))
                ax.yaxis.set_major_locator(MaxNLocator(5))
                if row == m - 1:
                    ax.set_xlabel(axis_label(front.objectives[col], front.senses[col], units=front.units), fontsize=8)
                if col == 0:
                    ax.set_ylabel(axis_label(front.objectives[row], front.senses[row], units=front.units), fontsize=8)
        _parallel(fig.add_subplot(grid[m - 1, :]), series, found, front)
        corner = fig.add_subplot(grid[0, m - 2])  # the empty upper triangle holds the legend
        corner.axis("off")
        corner.legend(handles=handles, loc="upper right", fontsize=9, frameon=False)
    total = ", ".join(f"{s.name}: {len(s.values)} points" for s in series)
    fig.suptitle(f"Pareto front — {total}", fontsize=10)
    return fig


def _scatter_pair(ax, series: list[Series], marks: Marks, x: int, y: int, front: ParetoFront,
                  labels: bool) -> None:
    one = x == y
    for s in series:
        if len(s.values) == 0:
            continue
        xs, ys = s.values[:, x], (np.zeros(len(s.values)) if one else s.values[:, y])
        order = np.argsort(xs, kind="stable")
        if not one and len(front.objectives) == 2:
            ax.plot(xs[order], ys[order], color=s.color, lw=0.8, alpha=0.5, zorder=1)
        ok = s.feasible
        ax.scatter(xs[ok], ys[ok], s=26, color=s.color, marker=s.marker, edgecolor="white", linewidth=0.5,
                   zorder=3, alpha=0.9, label=s.name, gid="series")
        if (~ok).any():
            ax.scatter(xs[~ok], ys[~ok], s=26, facecolor="none", edgecolor="grey", marker=s.marker, zorder=3,
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
    if marks.current is not None:
        ax.scatter(*at(marks.current), s=90, color="black", marker="X", zorder=5, gid="current")
        if labels:
            ax.annotate("today", at(marks.current), xytext=(6, -12), textcoords="offset points", fontsize=8)
    ax.grid(True, lw=0.4, alpha=0.5)


def _parallel(ax, series: list[Series], marks: Marks, front: ParetoFront) -> None:
    """Parallel coordinates: each axis scaled to the values shown, better values at the top."""
    stacked = [s.values for s in series if len(s.values)]
    if marks.current is not None:
        stacked.append(marks.current[None, :])
    every = np.vstack(stacked) if stacked else np.zeros((1, len(front.objectives)))
    low, high = every.min(axis=0), every.max(axis=0)
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
        ax.plot(xs, scaled(marks.current), color="black", lw=1.5, ls="--", zorder=5)
    for j in range(m):
        ax.axvline(j, color="black", lw=0.6)
        best, worst = (high[j], low[j]) if up[j] > 0 else (low[j], high[j])
        name = front.objectives[j]
        ax.text(j, 1.03, format_value(name, best), ha="center", va="bottom", fontsize=7)
        ax.text(j, -0.03, format_value(name, worst), ha="center", va="top", fontsize=7)
    ax.set_xticks(xs, [axis_label(o, s, units=front.units) for o, s in zip(front.objectives, front.senses)], fontsize=8)
    ax.tick_params(axis="x", pad=14)
    ax.set_yticks([])
    ax.set_ylim(-0.12, 1.12)
    ax.set_xlim(-0.3, m - 0.7)
    for side in ("left", "right", "top", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title("parallel coordinates (better at the top; labels: best and worst value shown)", fontsize=8)


def _legend_handles(series: list[Series], marks: Marks) -> list[Line2D]:
    handles = [Line2D([], [], color=s.color, marker=s.marker, ls="", label=s.name) for s in series]
    if any((~s.feasible).any() for s in series):
        handles.append(Line2D([], [], color="grey", marker="o", mfc="none", ls="", label="infeasible"))
    if marks.extremes or marks.payoff:
        handles.append(Line2D([], [], color="black", marker="D", mfc="none", ls="", label="payoff extremes"))
    if marks.knee is not None:
        handles.append(Line2D([], [], color="black", marker="*", mfc="gold", ms=12, ls="", label="knee point"))
    if marks.current is not None:
        handles.append(Line2D([], [], color="black", marker="X", ls="", label="today's layout"))
    return handles
