"""landalloc: multi-objective land-use allocation for territorial spatial planning.

One import name for the planner's script::

    import landalloc as la

    instance = la.Instance.load("instances/demo")
    problem = instance.compile()
    exact = la.milp.pareto(problem, ["efficiency", "equity"], points=11, time_limit=60)
    approx = la.nsga.explore(problem, ["efficiency", "equity"], pop_size=100, time_limit=60, seed=1)

The repository's folders are its subpackages: :mod:`landalloc.models` (the problem and
``evaluate``), :mod:`landalloc.optimizer` (engines, fronts, reports, the CLI) and
:mod:`landalloc.instances` (bundled instances and generators). Names are resolved on first use,
so ``landalloc --version`` does not pay for importing the solvers.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from landalloc.lazy import lazy_attributes

try:
    __version__ = version("landalloc")
except PackageNotFoundError:  # a checkout on sys.path without an installed distribution
    __version__ = "0+unknown"

#: public name -> module that defines it (module itself when the value is None)
_EXPORTS = {
    "Instance": ("landalloc.models.instance", "Instance"),
    "Problem": ("landalloc.models.problem", "Problem"),
    "Scenario": ("landalloc.models.scenario", "Scenario"),
    "Evaluation": ("landalloc.models.evaluation", "Evaluation"),
    "evaluate": ("landalloc.models.evaluation", "evaluate"),
    "compile_problem": ("landalloc.models.compile", "compile_problem"),
    "LandUse": ("landalloc.models.landuse", "LandUse"),
    "OBJECTIVES": ("landalloc.models.scenario", "OBJECTIVES"),
    "LandallocError": ("landalloc.models.errors", "LandallocError"),
    "InputError": ("landalloc.models.errors", "InputError"),
    "InfeasibleError": ("landalloc.models.errors", "InfeasibleError"),
    "ParetoFront": ("landalloc.optimizer.front", "ParetoFront"),
    "batch": ("landalloc.optimizer.batch", "run_batch"),
    "bundled": ("landalloc.instances", "bundled"),
    "generate_county": ("landalloc.instances", "generate_county"),
    "milp": ("landalloc.optimizer.milp", None),
    "nsga": ("landalloc.optimizer.nsga", None),
    "report": ("landalloc.optimizer.report", None),
    "models": ("landalloc.models", None),
    "optimizer": ("landalloc.optimizer", None),
    "instances": ("landalloc.instances", None),
}

__all__ = sorted([*_EXPORTS, "__version__"])
__getattr__, _dir = lazy_attributes("landalloc", _EXPORTS)


def __dir__() -> list[str]:
    return [*_dir(), "__version__"]
