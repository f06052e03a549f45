"""Which steps a MILP solve runs, chosen once from the model's shape.

A plan is a named sequence of steps over a few primitives of
:class:`~landalloc.optimizer.milp.session.Session`:

- ``bound`` — the LP (or Lagrangian) bound and its prices (:mod:`landalloc.optimizer.milp.bound`):
  column generation, or HiGHS's simplex or IPM on the full model, or (``relaxed``) either on the
  half-edge relaxation of compactness (:mod:`landalloc.optimizer.milp.pairs`); its rounding and
  earlier layouts are tried as layouts;
- ``restricted_mip`` — the MIP over the parcels whose best uses nearly tie at those prices
  (:mod:`landalloc.optimizer.milp.restricted`);
- ``subgradient`` — subgradient steps on the split of each compactness edge, a tighter bound
  whose last LP's duals become the prices;
- ``graph_cut`` — alpha-expansion by min-cut on the priced Potts energy from the best layout,
  repaired exactly (:mod:`landalloc.optimizer.milp.graphcut`);
- ``moves`` — linearised and block moves on the relaxation (:mod:`landalloc.optimizer.milp.neighbourhood`);
  a step that other steps follow takes ``settings.step_share`` of the time left;
- ``branch_and_bound`` — HiGHS on the full model, from the best layout so far.

A solve stops after any step that proves the layout within the gap; a step whose time is gone
is not begun. :func:`plan_for` is the one place that chooses; the plan's name and each step as
it ran (with seconds) are written in the strategy line and run.json.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from landalloc.optimizer.milp.formulation import Formulation
from landalloc.optimizer.milp.settings import Settings

STEPS = ("bound", "restricted_mip", "subgradient", "graph_cut", "moves", "branch_and_bound")


@dataclass(frozen=True)
class Plan:
    """Named steps in the order they run; ``relaxed``: the bound and the restricted MIP work on
    the half-edge relaxation of compactness (assignment-shaped), their layouts mapped back."""

    name: str
    steps: tuple[str, ...]
    relaxed: bool = False

    def __post_init__(self) -> None:
        unknown = [step for step in self.steps if step not in STEPS]
        assert not unknown, f"unknown plan steps {unknown}"


def plan_for(form: Formulation, settings: Settings, time_limit: float | None) -> Plan:
    """The plan for solving ``form`` within ``time_limit`` seconds (None: no limit).

    - ``engine="pyomo"``: the whole model through Pyomo to ``settings.solver``;
    - ``strategy="highs"``: the whole model to HiGHS (the baseline benchmarks compare against);
    - assignment-shaped models (no compactness), or any model with ``lp="simplex"``/``"ipm"``:
      bound, restricted MIP, branch and bound;
    - models with compactness: the same on the half-edge relaxation, then the graph cut from
      its layout at its prices, then branch and bound on the full model; beyond
      ``settings.search_above`` columns the subgradient bound (whose prices the graph cut
      takes) and the moves run before the graph cut, and beyond ``settings.branch_and_bound_above`` columns under a time limit
      branch and bound is left out (HiGHS cannot be interrupted in its root node there, which
      takes minutes: 590 s at 40,000 parcels).
    """
    if settings.engine == "pyomo":
        return Plan(f"pyomo[{settings.solver}]", ("branch_and_bound",))
    if settings.strategy == "highs":
        return Plan("highs", ("branch_and_bound",))
    if form.shape == "assignment":
        return Plan("assignment", ("bound", "restricted_mip", "branch_and_bound"))
    direct = ("bound", "restricted_mip", "graph_cut", "branch_and_bound")
    if settings.lp not in ("auto", "columns"):
        return Plan(f"full-lp[{settings.lp}]", direct)
    if form.n_cols <= settings.search_above:
        return Plan("compactness", direct, relaxed=True)
    # measured at 40,000 parcels, 60 s, on a loaded machine (python -m benchmarks.graph_cut runs
    # such variants): the graph cut gains more after the linearised moves (2.769 -> 2.790) than
    # before them (2.612 -> 2.673, final layout 2.769 against 2.790)
    searched = ("bound", "restricted_mip", "subgradient", "moves", "graph_cut")
    limited = time_limit is not None and math.isfinite(time_limit)
    if limited and form.n_cols > settings.branch_and_bound_above:
        return Plan("compactness-large", searched, relaxed=True)
    return Plan("compactness-large+branch", (*searched, "branch_and_bound"), relaxed=True)
