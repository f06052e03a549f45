"""The land-use allocation model: classes, scenario, parcels, one compiled problem, evaluation.

Nothing here knows about solvers; engines in :mod:`optimizer` read the compiled
:class:`Problem` and score layouts with :func:`evaluate`.
"""

from models.compile import compile_problem
from models.errors import InfeasibleError, InputError, LandallocError
from models.evaluation import Evaluation, evaluate
from models.instance import Instance
from models.landuse import DEFAULT_LAND_USES, LandUse
from models.problem import Problem
from models.scenario import NATURAL_SENSE, OBJECTIVES, Scenario, load_scenario, parse_scenario

__all__ = [
    "DEFAULT_LAND_USES", "Evaluation", "InfeasibleError", "InputError", "Instance", "LandUse",
    "LandallocError", "NATURAL_SENSE", "OBJECTIVES", "Problem", "Scenario", "compile_problem",
    "evaluate", "load_scenario", "parse_scenario",
]
