"""Every layout the MILP returns is re-scored by :func:`landalloc.models.evaluate`; disagreement is an error.

Three checks, each a :class:`~landalloc.models.errors.SolverError` when it fails:

1. the layout is feasible for :func:`landalloc.models.evaluate` (every rule within its tolerance);
2. the MILP's own value of each formulated objective — its coefficient vectors and constants at
   the layout's vector — equals the evaluated value to 1e-6 relative (ties the formulation to
   ``evaluate``, objective by objective);
3. the solver's vector is not worth more than the layout it rounds to (the formulation does not
   promise more than the layout delivers).

:func:`task_value` then recomputes the solved (possibly scalarised) objective from the
evaluated objectives, with each objective's constant (locked parcels, locked pairs) applied as
:func:`landalloc.models.evaluate` applies it, which is the value every reported gap and status
is judged on.
"""

from __future__ import annotations

import numpy as np

from landalloc.models import evaluate
from landalloc.models.errors import SolverError
from landalloc.optimizer.milp.formulation import Formulation, Task

RELATIVE = 1e-6


def verified_values(form: Formulation, task: Task, values: np.ndarray, raw: np.ndarray | None,
                    context: str) -> tuple[np.ndarray, dict[str, float]]:
    """The layout of ``values`` and its evaluated objectives, after the three checks."""
    problem = form.problem
    layout = form.layout(values)
    result = evaluate(problem, layout)
    if not result.feasible[0]:
        table = result.constraint_table(0)
        broken = table[~table["holds"]]
        raise SolverError(f"{context}: the MILP returned a layout that evaluate() finds infeasible: "
                          + "; ".join(f"{r.constraint} violated by {r.violation:.6g}" for r in broken.itertuples())
                          + ". This is a bug in the MILP formulation; please report it with the instance")
    out: dict[str, float] = {}
    for name in form.objectives:
        milp = form.value(name, values)
        truth = float(result.objective(name)[0])
        if abs(milp - truth) > RELATIVE * max(1.0, abs(truth)):
            raise SolverError(f"{context}: the MILP values {name} at {milp:.10g} but evaluate() gives "
                              f"{truth:.10g} for the same layout. This is a bug in the MILP formulation; "
                              "please report it with the instance")
        out[name] = truth
    if raw is not None:
        claimed, actual = task.objective(raw), task.objective(values)
        if claimed > actual + RELATIVE * max(1.0, abs(actual)):
            raise SolverError(f"{context}: the solver reports objective {claimed:.10g} but its layout is worth "
                              f"{actual:.10g}: the formulation promises more than the layout delivers")
    return layout, out


def task_value(form: Formulation, task: Task, values: np.ndarray, evaluated: dict[str, float], context: str) -> float:
    """The task's objective at a verified layout, from its evaluated objectives: ``sum_o w_o g_o``
    plus the ε slacks' rewards (``values`` is the layout's completed vector). It must equal the
    formulation's own value ``task.objective(values)``, which the solver's bound is in."""
    slack = {name: float(values[form.epsilon[name][1]]) for name in task.slack_weights}
    # a caller may shift the offset (the scale of a relative gap): the shift counts as it is
    constants = sum(w * form.objectives[name].sign * form.objectives[name].constant for name, w in task.weights.items())
    value = (sum(w * form.objectives[name].sign * evaluated[name] for name, w in task.weights.items())
             + sum(w * slack[name] for name, w in task.slack_weights.items()) + task.offset - constants)
    formulated = task.objective(values)
    if abs(value - formulated) > RELATIVE * max(1.0, abs(value)):
        raise SolverError(f"{context}: the solved objective is {formulated:.10g} in the MILP but {value:.10g} "
                          "from the evaluated layout: an objective's constant is applied differently. This is a "
                          "bug in the MILP formulation; please report it with the instance")
    return value
