"""Exact land allocation: the MILP of docs/model.md solved by HiGHS.

- :func:`solve` — one objective, with a proven bound and gap;
- :func:`payoff` — the lexicographic payoff table (ideal point, nadir estimate);
- :func:`pareto` — Pareto fronts by AUGMECON2 (augmented ε-constraint with bypass and early
  exit) or weighted sums, returned as an :class:`landalloc.optimizer.front.ParetoFront`;
- :func:`solve_point` — one ε-grid point from the payoff table, independent of the others (for
  distributing a front's points over workers).

The model is built from the compiled :class:`landalloc.models.Problem` with array operations
(:mod:`landalloc.optimizer.milp.formulation`) and handed to HiGHS through highspy; ``engine="pyomo"``
solves the same model through Pyomo instead (any Pyomo solver). Every layout returned is
re-scored by :func:`landalloc.models.evaluate` and must agree with the MILP (:mod:`landalloc.optimizer.milp.verify`).
"""

from landalloc.optimizer.milp.build import formulate
from landalloc.optimizer.milp.formulation import Formulation
from landalloc.optimizer.milp.multi import Model, Payoff, Point, pareto, payoff, solve_point
from landalloc.optimizer.milp.settings import Settings, Solution
from landalloc.optimizer.milp.single import solve

__all__ = ["Formulation", "Model", "Payoff", "Point", "Settings", "Solution", "formulate", "pareto", "payoff",
           "solve", "solve_point"]
