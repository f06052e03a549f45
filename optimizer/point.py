"""One point of a Pareto front, as a notebook hands it around: ``front[3]``, ``front.knee()``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from landalloc.models import Problem, evaluate
from landalloc.models.evaluation import Evaluation

if TYPE_CHECKING:
    from landalloc.optimizer.front import ParetoFront


@dataclass(frozen=True, eq=False, repr=False)
class Point:
    """A view of row ``index`` of ``front``: its id, objective values, solver status and layout."""

    front: ParetoFront
    index: int

    @property
    def id(self) -> str:
        return str(self._cell("id"))

    @property
    def method(self) -> str:
        return str(self._cell("method"))

    @property
    def values(self) -> dict[str, float]:
        """Objective values in natural units, by objective name."""
        return {o: float(v) for o, v in zip(self.front.objectives, self.front.values[self.index])}

    @property
    def status(self) -> str:
        """The engine's word for the point: ``optimal``, ``time_limit``, ``feasible``, ``infeasible``..."""
        return str(self._cell("status"))

    @property
    def gap(self) -> float:
        """Relative MIP gap (0 when proven optimal; NaN for heuristic points)."""
        return float(self._cell("gap"))

    @property
    def feasible(self) -> bool:
        return bool(self._cell("feasible")) if "feasible" in self.front.points else True

    @property
    def layout(self) -> np.ndarray:
        """Use index per parcel (columns of ``front.uses``), in parcel order."""
        return self.front.layouts[self.index]

    @property
    def codes(self) -> pd.Series:
        """Land-use code per parcel, indexed by ``parcel_id``: ready to join to the parcels."""
        codes = np.array([u.code for u in self.front.uses], dtype=object)[self.layout]
        return pd.Series(codes, index=pd.Index(self.front.parcels["parcel_id"], name="parcel_id"), name=self.id)

    def evaluation(self, problem: Problem) -> Evaluation:
        """Every objective and constraint slack of this layout, by :func:`landalloc.models.evaluate`
        (the front keeps only its own objectives; the problem holds the rules)."""
        return evaluate(problem, self.layout[None, :])

    def plot(self, **options: Any):
        """The map of this layout (matplotlib Figure; see :func:`landalloc.optimizer.report.plot_layout`)."""
        from landalloc.optimizer.report import plot_layout

        return plot_layout(self.front, self.index, **options)

    def _cell(self, column: str) -> Any:
        return self.front.points[column].iloc[self.index]

    def __repr__(self) -> str:
        values = ", ".join(f"{o} {v:,.6g}" for o, v in self.values.items())
        gap = "" if math.isnan(self.gap) else f", gap {self.gap:.2%}"
        flag = "" if self.feasible else ", INFEASIBLE"
        return f"Point({self.id}: {values}; {self.status}{gap}{flag})"
