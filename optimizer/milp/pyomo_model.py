"""The same MILP as a Pyomo model, for users of other Pyomo solvers (CBC, Gurobi, SCIP, ...).

The Pyomo model is written from the formulation's arrays (one variable per column, one linear
constraint per row), so both engines solve the very same model and a test holds them to the same
optimum. Pyomo builds Python objects for every variable and term, and HiGHS is then loaded from
those objects: on large models this is far slower than :mod:`landalloc.optimizer.milp.highs` (see the
benchmarks), which is why ``engine="highs"`` hands HiGHS the arrays directly.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from landalloc.models.errors import InputError, SolverError
from landalloc.optimizer.milp.formulation import Formulation, Task
from landalloc.optimizer.milp.check import polish, satisfies
from landalloc.optimizer.milp.plan import plan_for
from landalloc.optimizer.milp.session import Outcome
from landalloc.optimizer.milp.settings import Settings, relative_gap

LEGACY_OPTIONS = {
    "cbc": {"time_limit": "sec", "gap": "ratio", "threads": "threads"},
    "glpk": {"time_limit": "tmlim", "gap": "mipgap"},
    "gurobi": {"time_limit": "TimeLimit", "gap": "MIPGap", "threads": "Threads", "seed": "Seed"},
    "cplex": {"time_limit": "timelimit", "gap": "mip_tolerances_mipgap", "threads": "threads"},
    "scip": {"time_limit": "limits/time", "gap": "limits/gap"},
}
"""Option names of the common solvers behind Pyomo's SolverFactory for the shared settings."""


def build_pyomo(form: Formulation, task: Task) -> pyo.ConcreteModel:
    """A Pyomo model of the task: ``v[j]`` per column, ``rows[r]`` per row, maximise."""
    model = pyo.ConcreteModel(name=form.problem.name or "landalloc")
    n, lower, upper = form.n_cols, task.col_lower, task.col_upper
    model.v = pyo.Var(range(n), domain=pyo.Reals)
    for j in range(n):
        var = model.v[j]
        if form.integer[j]:
            var.domain = pyo.Binary if lower[j] >= 0 and upper[j] <= 1 else pyo.Integers
        var.setlb(None if not math.isfinite(lower[j]) else float(lower[j]))
        var.setub(None if not math.isfinite(upper[j]) else float(upper[j]))
    csr = form.matrix.tocsr()
    variables = [model.v[j] for j in range(n)]

    def row(m: pyo.ConcreteModel, r: int) -> tuple:
        cols = csr.indices[csr.indptr[r]:csr.indptr[r + 1]]
        expr = LinearExpression(constant=0.0, linear_coefs=csr.data[csr.indptr[r]:csr.indptr[r + 1]].tolist(),
                                linear_vars=[variables[j] for j in cols])
        lo, hi = task.row_lower[r], task.row_upper[r]
        return (float(lo) if math.isfinite(lo) else None, expr, float(hi) if math.isfinite(hi) else None)

    model.rows = pyo.Constraint(range(form.n_rows), rule=row)
    nz = np.flatnonzero(task.cost)
    model.objective = pyo.Objective(
        expr=LinearExpression(constant=float(task.offset), linear_coefs=task.cost[nz].tolist(),
                              linear_vars=[variables[j] for j in nz]), sense=pyo.maximize)
    return model


def solve_with_pyomo(form: Formulation, task: Task, settings: Settings) -> Outcome:
    """Build the Pyomo model and solve it with ``settings.solver``; the outcome's
    ``model_seconds`` is the Pyomo build, ``handover_seconds`` Pyomo's translation for the
    solver (HiGHS interface: wall time of the solve call minus HiGHS's own run time)."""
    start = time.perf_counter()
    model = build_pyomo(form, task)
    built = time.perf_counter()
    if settings.solver == "highs":
        status, bound, handover = _solve_highs(model, settings)
    else:
        status, bound, handover = _solve_legacy(model, settings)
    values = None
    if status != "infeasible":
        raw = np.array([model.v[j].value if model.v[j].value is not None else np.nan for j in range(form.n_cols)])
        if not np.isnan(raw).any():
            values = raw
    plan = plan_for(form, settings, settings.time_limit)
    steps = [f"plan {plan.name}", f"pyomo build {built - start:.2f}s", f"pyomo hand-over {handover:.2f}s",
             f"{settings.solver} {status}"]
    if values is None:
        return Outcome(status if status == "infeasible" else "time_limit", None, None, -math.inf, bound, math.inf,
                       time.perf_counter() - start, handover, "; ".join(steps), steps, built - start, plan.name)
    polished = polish(form, task, values)
    if not satisfies(form, task, polished):
        raise SolverError(f"Pyomo solver '{settings.solver}' returned a solution that breaks the model's rows")
    objective = task.objective(polished)
    bound = max(bound, objective) if math.isfinite(bound) else bound
    gap = relative_gap(objective, bound)
    status = "optimal" if status == "optimal" or gap <= settings.gap else status
    return Outcome(status, polished, values, objective, bound, gap, time.perf_counter() - start, handover,
                   "; ".join(steps), steps, built - start, plan.name)


def _solve_highs(model: pyo.ConcreteModel, settings: Settings) -> tuple[str, float, float]:
    """Pyomo's HiGHS interface (pyomo.contrib.solver); HiGHS defaults unless settings say otherwise.

    Returns the status, the bound and the hand-over seconds (the solve call's wall time minus
    HiGHS's own run time: Pyomo translating its model for HiGHS and loading the answer)."""
    from pyomo.contrib.solver.common.factory import SolverFactory
    from pyomo.contrib.solver.common.results import TerminationCondition

    solver = SolverFactory("highs")
    options: dict[str, object] = {"random_seed": settings.seed}
    if settings.presolve != "auto":
        options["presolve"] = settings.presolve
    start = time.perf_counter()
    results = solver.solve(model, tee=settings.log, load_solutions=False, raise_exception_on_nonoptimal_result=False,
                           time_limit=settings.time_limit, rel_gap=settings.gap, threads=settings.threads,
                           solver_options=options)
    condition = results.termination_condition
    if condition in (TerminationCondition.provenInfeasible, TerminationCondition.infeasibleOrUnbounded):
        return "infeasible", -math.inf, time.perf_counter() - start
    if results.incumbent_objective is not None:
        results.solution_loader.load_vars()
    wall = time.perf_counter() - start
    highs_time = float(getattr(results.timing_info, "highs_time", 0.0) or 0.0)
    status = "optimal" if condition == TerminationCondition.convergenceCriteriaSatisfied else "time_limit"
    bound = results.objective_bound if results.objective_bound is not None else math.inf
    return status, float(bound), max(0.0, wall - highs_time)


def _solve_legacy(model: pyo.ConcreteModel, settings: Settings) -> tuple[str, float, float]:
    """Any solver behind ``pyo.SolverFactory`` (its own defaults plus the shared settings)."""
    from pyomo.opt import TerminationCondition

    solver = pyo.SolverFactory(settings.solver)
    if solver is None or not solver.available(exception_flag=False):
        raise InputError(f"solver: Pyomo cannot find the solver '{settings.solver}'; install it or use "
                         "solver='highs'")
    names = LEGACY_OPTIONS.get(settings.solver, {})
    for key in ("time_limit", "gap", "threads", "seed"):
        value = getattr(settings, key)
        if key in names and value is not None:
            solver.options[names[key]] = value
    start = time.perf_counter()
    results = solver.solve(model, tee=settings.log, load_solutions=False)
    condition = results.solver.termination_condition
    if condition in (TerminationCondition.infeasible, TerminationCondition.infeasibleOrUnbounded):
        return "infeasible", -math.inf, 0.0
    if len(results.solution) > 0:
        model.solutions.load_from(results)
    status = "optimal" if condition == TerminationCondition.optimal else "time_limit"
    bound = results.problem.upper_bound
    solver_time = float(getattr(results.solver, "wallclock_time", None) or getattr(results.solver, "time", 0) or 0)
    handover = max(0.0, time.perf_counter() - start - solver_time) if solver_time else 0.0
    return status, float(bound) if bound is not None and math.isfinite(float(bound)) else math.inf, handover
