"""The land-use allocation model: classes, scenario, parcels, one compiled problem, evaluation.

Nothing here knows about solvers; engines in :mod:`optimizer` read the compiled
:class:`Problem` and score layouts with :func:`evaluate`.
"""

from landalloc.models.compile import compile_problem
from landalloc.models.errors import InfeasibleError, InputError, LandallocError
from landalloc.models.evaluation import Evaluation, evaluate
from landalloc.models.instance import Instance
from landalloc.models.landuse import DEFAULT_LAND_USES, LandUse
from landalloc.models.problem import Problem
from landalloc.models.scenario import NATURAL_SENSE, OBJECTIVES, Scenario, load_scenario, parse_scenario

__all__ = [
    "DEFAULT_LAND_USES", "Evaluation", "InfeasibleError", "InputError", "Instance", "LandUse",
    "LandallocError", "NATURAL_SENSE", "OBJECTIVES", "Problem", "Scenario", "compile_problem",
    "evaluate", "load_scenario", "parse_scenario",
]
