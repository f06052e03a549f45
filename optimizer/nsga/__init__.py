"""NSGA-II / NSGA-III Pareto explorer on the compiled problem (pymoo).

>>> from landalloc.optimizer import nsga
>>> front = nsga.explore(problem, ["efficiency", "equity"], pop_size=100, time_limit=60, seed=1)  # doctest: +SKIP

Modules: :mod:`~landalloc.optimizer.nsga.genome` (genes of free parcels), :mod:`~landalloc.optimizer.nsga.ledger`
(linear constraints as features), :mod:`~landalloc.optimizer.nsga.moves` (repair and local improvement),
:mod:`~landalloc.optimizer.nsga.operators` (sampling, crossover, mutation, repair, duplicates),
:mod:`~landalloc.optimizer.nsga.relaxation` (seeds from the linear relaxation),
:mod:`~landalloc.optimizer.nsga.problem` (the pymoo problem), :mod:`~landalloc.optimizer.nsga.archive` and
:mod:`~landalloc.optimizer.nsga.explorer` (the run).
"""

from landalloc.optimizer.nsga.explorer import explore

__all__ = ["explore"]
