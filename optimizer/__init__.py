"""Engines that read the compiled problem (MILP, NSGA-II), Pareto fronts, reports and the CLI.

``milp``, ``nsga``, ``report`` and :class:`ParetoFront` are imported on first use, so the CLI
starts without loading every solver.
"""

from __future__ import annotations

from landalloc.lazy import lazy_attributes

_EXPORTS = {
    "ParetoFront": ("landalloc.optimizer.front", "ParetoFront"),
    "milp": ("landalloc.optimizer.milp", None),
    "nsga": ("landalloc.optimizer.nsga", None),
    "report": ("landalloc.optimizer.report", None),
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_attributes("landalloc.optimizer", _EXPORTS)
