"""Comparing fronts: hypervolume, IGD, additive epsilon and coverage, as tables and charts.

:func:`compare` takes result folders or :class:`ParetoFront` objects of the same objectives
(e.g. the MILP's and NSGA-II's fronts of one instance) and scales them together: every
objective is turned into minimisation and normalised by the **union's** ideal and nadir, so
that each front is measured on the same ruler (see :mod:`landalloc.optimizer.report.metrics`).
"""

from __future__ import annotations

import base64
import io
import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from landalloc.models.errors import InputError
from landalloc.models.files import CSV_ENCODING, atomic_folder
from landalloc.optimizer.front import ParetoFront, jsonable, machine, versions
from landalloc.optimizer.provenance import comparison_record
from landalloc.optimizer.report import metrics
from landalloc.optimizer.report.charts import aligned_values, front_name, plot_front, unique_names


@dataclass(frozen=True, eq=False)
class Comparison:
    """Indicators of several fronts on one scale.

    Attributes
    ----------
    names : one name per front.
    fronts : the fronts, in the order given.
    ideal, nadir : the union's best and worst values (minimised, in the first front's order).
    indicators : one row per front: ``front``, ``points`` (feasible points, the only ones
        scored), ``hypervolume``, ``hypervolume_ratio``
        (share of the union's hypervolume), ``igd`` and ``epsilon`` (both against the union's
        non-dominated points).
    pairs : one row per ordered pair (A, B): ``coverage`` C(A, B) and ``epsilon`` I_eps+(A, B).
    """

    names: tuple[str, ...]
    fronts: tuple[ParetoFront, ...]
    ideal: np.ndarray
    nadir: np.ndarray
    indicators: pd.DataFrame
    pairs: pd.DataFrame
    sources: tuple[Path | None, ...] = ()
    """The result folder each front was read from (None for a front given in memory)."""

    def coverage(self) -> pd.DataFrame:
        """C(row, column): the share of the column front's points the row front weakly dominates."""
        return self.pairs.pivot(index="a", columns="b", values="coverage").reindex(
            index=list(self.names), columns=list(self.names)).rename_axis(index="C(A, B): A", columns="B")

    def epsilon(self) -> pd.DataFrame:
        """I_eps+(row, column): how far the row front must move to weakly dominate the column front."""
        return self.pairs.pivot(index="a", columns="b", values="epsilon").reindex(
            index=list(self.names), columns=list(self.names)).rename_axis(index="I_eps+(A, B): A", columns="B")

    def to_markdown(self) -> str:
        """The indicator table and the coverage and epsilon matrices as Markdown."""
        objectives = ", ".join(self.fronts[0].objectives)
        return "\n".join([
            f"# Comparison of {', '.join(self.names)}", "",
            f"Objectives: {objectives}. Values are minimised and normalised by the union's ideal "
            "(0) and nadir (1); hypervolume reference point 1.1 in every objective.", "",
            "## Indicators", "", markdown_table(self.indicators), "",
            "Hypervolume: higher is better; IGD and epsilon (against the union's non-dominated "
            "points): lower is better, 0 for a front that contains them all.", "",
            "## Coverage C(A, B)", "", markdown_table(self.coverage().reset_index()), "",
            "Share of B's points weakly dominated by some point of A (row A, column B).", "",
            "## Additive epsilon I_eps+(A, B)", "", markdown_table(self.epsilon().reset_index()), "",
            "Smallest shift of A (normalised units) that makes it weakly dominate all of B; "
            "≤ 0 means A already does.", ""])

    def plot(self) -> Figure:
        """The fronts overlaid (the first front's knee, extremes and today's layout marked)."""
        return plot_front(self.fronts[0], self.fronts[1:], names=self.names)

    def plot_indicators(self) -> Figure:
        """Bars of hypervolume ratio, IGD and epsilon per front, and the coverage matrix."""
        fig = Figure(figsize=(11, 3.6), layout="constrained")
        axes = fig.subplots(1, 4)
        colors = [f"C{i}" for i in range(len(self.names))]
        for ax, column, title in zip(axes[:3], ("hypervolume_ratio", "igd", "epsilon"),
                                     ("hypervolume / union's (higher is better)", "IGD (lower is better)",
                                      "epsilon to union (lower is better)")):
            values = self.indicators[column].to_numpy(float)
            ax.bar(range(len(values)), np.where(np.isfinite(values), values, 0.0), color=colors)
            ax.set_xticks(range(len(values)), self.names, rotation=20, fontsize=8)
            ax.set_title(title, fontsize=9)
            for i, v in enumerate(values):
                ax.text(i, v if np.isfinite(v) else 0, f"{v:.3g}", ha="center", va="bottom", fontsize=8)
        matrix = self.coverage().to_numpy(float)
        image = axes[3].imshow(matrix, vmin=0, vmax=1, cmap="Blues")
        for (i, j), v in np.ndenumerate(matrix):
            axes[3].text(j, i, "" if np.isnan(v) else f"{v:.2f}", ha="center", va="center",
                         color="white" if v > 0.6 else "black", fontsize=9)
        axes[3].set_xticks(range(len(self.names)), self.names, rotation=20, fontsize=8)
        axes[3].set_yticks(range(len(self.names)), self.names, fontsize=8)
        axes[3].set_xlabel("B (covered)", fontsize=8)
        axes[3].set_ylabel("A (covering)", fontsize=8)
        axes[3].set_title("coverage C(A, B)", fontsize=9)
        fig.colorbar(image, ax=axes[3], shrink=0.8)
        return fig

    def to_file(self, out: str | Path, force: bool = False, html: bool = True) -> Path:
        """Write indicators.csv, pairs.csv, comparison.md, pareto.png, indicators.png, report.html
        and run.json (the fronts compared, so that ``landalloc report`` can redo the comparison;
        fronts given in memory are kept in ``fronts/<name>/``)."""
        from landalloc.optimizer.report.folder import DPI
        from landalloc.optimizer.report.html import report_html

        out = Path(out)
        with atomic_folder(out, force=force) as tmp:
            folders = []
            for name, front, source in zip(self.names, self.fronts, self.sources or (None,) * len(self.fronts)):
                if source is None:
                    front.to_file(tmp / "fronts" / name)
                folders.append(out / "fronts" / name if source is None else source)
            run = {**comparison_record(out, self.names, folders, self.fronts), "versions": versions(),
                   "machine": machine()}
            (tmp / "run.json").write_text(json.dumps(run, indent=2, default=jsonable), encoding="utf-8")
            self.indicators.to_csv(tmp / "indicators.csv", index=False, encoding=CSV_ENCODING)
            self.pairs.to_csv(tmp / "pairs.csv", index=False, encoding=CSV_ENCODING)
            (tmp / "comparison.md").write_text(self.to_markdown(), encoding="utf-8")
            self.plot().savefig(tmp / "pareto.png", dpi=DPI)
            self.plot_indicators().savefig(tmp / "indicators.png", dpi=DPI)
            if html and same_parcels(self.fronts):
                (tmp / "report.html").write_text(report_html(list(self.fronts), names=self.names),
                                                 encoding="utf-8")
            elif html:
                warnings.warn("the fronts belong to different parcels: no report.html with maps; "
                              "compare the charts and tables", stacklevel=2)
        return out

    def __repr__(self) -> str:
        table = self.indicators.to_string(index=False, float_format=lambda v: f"{v:.4g}")
        return f"Comparison of {len(self.names)} fronts ({', '.join(self.fronts[0].objectives)})\n{table}\n" \
               f"coverage C(row, column):\n{self.coverage().to_string(float_format=lambda v: f'{v:.3g}')}"

    def _repr_html_(self) -> str:
        buffer = io.BytesIO()
        self.plot().savefig(buffer, format="png", dpi=80)
        image = base64.b64encode(buffer.getvalue()).decode("ascii")
        fmt = {"float_format": lambda v: f"{v:.4g}"}
        return (f"<p><b>Comparison of {', '.join(self.names)}</b> (normalised by the union's ideal and nadir)</p>"
                f"{self.indicators.to_html(index=False, **fmt)}<p>Coverage C(row, column)</p>"
                f"{self.coverage().to_html(**fmt)}<p>Additive epsilon I<sub>ε+</sub>(row, column)</p>"
                f"{self.epsilon().to_html(**fmt)}<img src='data:image/png;base64,{image}'/>")


def compare(fronts: Sequence[ParetoFront | str | Path], out: str | Path | None = None,
            names: Sequence[str] | None = None, force: bool = False) -> Comparison:
    """Compare fronts of the same objectives; write the tables and charts into ``out`` if given.

    Parameters
    ----------
    fronts : ParetoFront objects or result folders (two or more; one is allowed and scores 1.0).
    out : a new folder for indicators.csv, pairs.csv, comparison.md, pareto.png,
        indicators.png and report.html (replaced only with ``force``).
    names : one name per front (default: the folder's name for folders, else run.json's
        ``label`` or the method).

    Examples
    --------
    >>> compare(["results/milp", "results/nsga2"], out="results/compared")  # doctest: +SKIP
    """
    if len(fronts) == 0:
        raise InputError("compare: give at least one front or result folder")
    loaded, default_names, sources = [], [], []
    for item in fronts:
        if isinstance(item, ParetoFront):
            loaded.append(item)
            default_names.append(front_name(item))
            sources.append(None)
        else:
            loaded.append(ParetoFront.read(item))
            default_names.append(Path(item).name or str(item))
            sources.append(Path(item))
    if names is not None and len(names) != len(loaded):
        raise InputError(f"compare: {len(names)} names for {len(loaded)} fronts; give one name per front")
    chosen = unique_names(list(names) if names is not None else default_names)
    first = loaded[0]
    minimised = []
    sign = np.array([-1.0 if s == "max" else 1.0 for s in first.senses])
    for front in loaded:
        values = aligned_values(front, first.objectives, first.senses)
        feasible = front.points["feasible"].to_numpy(bool) if "feasible" in front.points else np.ones(len(front), bool)
        minimised.append(values[feasible] * sign)
    if not any(len(f) for f in minimised):
        raise InputError("compare: no front has a feasible point; nothing to compare")
    ideal, nadir = metrics.common_scale(minimised)
    scaled = [metrics.normalise(f, ideal, nadir) if len(f) else f.reshape(0, len(first.objectives))
              for f in minimised]
    reference = metrics.nondominated_points(np.vstack([f for f in scaled if len(f)]))
    union_hv = metrics.hypervolume(reference)
    indicators = pd.DataFrame({
        "front": chosen, "points": [len(f) for f in scaled],
        "hypervolume": [metrics.hypervolume(f) for f in scaled],
        "hypervolume_ratio": [metrics.hypervolume(f) / union_hv if union_hv > 0 else np.nan for f in scaled],
        "igd": [metrics.igd(f, reference) for f in scaled],
        "epsilon": [metrics.additive_epsilon(f, reference) for f in scaled],
    })
    pairs = pd.DataFrame([{"a": chosen[i], "b": chosen[j], "coverage": metrics.coverage(scaled[i], scaled[j]),
                           "epsilon": metrics.additive_epsilon(scaled[i], scaled[j])}
                          for i in range(len(scaled)) for j in range(len(scaled))])
    result = Comparison(tuple(chosen), tuple(loaded), ideal, nadir, indicators, pairs, tuple(sources))
    if out is not None:
        result.to_file(out, force=force)
    return result


def same_parcels(fronts: Sequence[ParetoFront]) -> bool:
    """Whether every front has the first front's parcels and land uses (maps can be shared)."""
    first = fronts[0]
    ids = first.parcels["parcel_id"].astype(str).to_numpy()
    codes = [u.code for u in first.uses]
    return all(np.array_equal(f.parcels["parcel_id"].astype(str).to_numpy(), ids) and [u.code for u in f.uses] == codes
               for f in fronts[1:])


def markdown_table(table: pd.DataFrame) -> str:
    """A pipe table (no extra dependency); floats to 4 significant digits."""
    def cell(value: object) -> str:
        if isinstance(value, (float, np.floating)):
            return "" if np.isnan(value) else f"{value:.4g}"
        return str(value).replace("|", "\\|")

    head = "| " + " | ".join(cell(c) for c in table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([head, rule, *rows])
