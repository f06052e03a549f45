"""NSGA-II / NSGA-III Pareto explorer on the compiled problem (pymoo).

>>> from optimizer import nsga
>>> front = nsga.explore(problem, ["efficiency", "equity"], pop_size=100, time_limit=60, seed=1)  # doctest: +SKIP

Modules: :mod:`~optimizer.nsga.genome` (genes of free parcels), :mod:`~optimizer.nsga.ledger`
(linear constraints as features), :mod:`~optimizer.nsga.moves` (repair and local improvement),
:mod:`~optimizer.nsga.operators` (sampling, crossover, mutation, repair, duplicates),
:mod:`~optimizer.nsga.relaxation` (seeds from the linear relaxation),
:mod:`~optimizer.nsga.problem` (the pymoo problem), :mod:`~optimizer.nsga.archive` and
:mod:`~optimizer.nsga.explorer` (the run).
"""

from optimizer.nsga.explorer import explore

__all__ = ["explore"]
