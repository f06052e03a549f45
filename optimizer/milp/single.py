"""Solve for one objective: build, hand over, solve, verify, report."""

from __future__ import annotations

import math
import time

from landalloc.models import Problem
from landalloc.models.errors import InputError, SolverError
from landalloc.models.scenario import OBJECTIVES
from landalloc.models.presolve import require_feasible_bounds
from landalloc.optimizer.milp import diagnose
from landalloc.optimizer.milp.build import formulate
from landalloc.optimizer.milp.clock import Clock
from landalloc.optimizer.milp.formulation import Formulation, Task
from landalloc.optimizer.milp.session import Outcome, Session
from landalloc.optimizer.milp.settings import Settings, Solution, proven_status, relative_gap
from landalloc.optimizer.milp.verify import task_value, verified_values


def solve(problem: Problem, objective: str = "efficiency", time_limit: float | None = None, gap: float = 1e-4,
          threads: int | None = None, seed: int = 0, **options: object) -> Solution:
    """Find a layout that optimises one objective under every rule, with a proven bound.

    Parameters
    ----------
    problem : the compiled problem (:meth:`landalloc.models.Instance.compile`).
    objective : one of ``efficiency, equity, ecology, compactness, change, urban_rural_gap``, in the scenario's
        sense (else its natural sense).
    time_limit : seconds for the whole solve, building the model included, None for no limit;
        on expiry the best layout so far is returned with status ``"time_limit"`` and its gap.
        A solve is ``"optimal"`` only when the layout's evaluated value is within ``gap`` of
        the proven bound; a solver that stops on its own short of that reports
        ``"gap_not_proven"``.
    gap : relative MIP gap at which to stop (default 1e-4).
    threads, seed : HiGHS threads and random seed.
    **options : further :class:`~landalloc.optimizer.milp.settings.Settings` fields: ``engine``
        (``"highs"`` or ``"pyomo"``), ``solver`` (a Pyomo solver name), ``lp``, ``presolve``, ``log``.

    Returns
    -------
    Solution with ``layout`` (N use indices), ``objective``, ``bound``, ``gap``, ``status``,
    ``seconds`` and its split into ``build_seconds``, ``handover_seconds``, ``solve_seconds``.

    Raises
    ------
    InfeasibleError : the rules cannot all hold; the message names the rules and by how much.
    SolverError : the solver found no layout within the time limit, or a layout that
        :func:`landalloc.models.evaluate` does not confirm.

    Examples
    --------
    >>> from optimizer import milp
    >>> best = milp.solve(problem, "efficiency", time_limit=60)   # doctest: +SKIP
    >>> best.objective, best.gap, best.status                     # doctest: +SKIP
    """
    settings = Settings(time_limit=time_limit, gap=gap, threads=threads, seed=seed, **options)  # type: ignore[arg-type]
    if objective not in OBJECTIVES:
        raise InputError(f"objective: unknown objective {objective!r}; allowed: {', '.join(OBJECTIVES)}")
    require_feasible_bounds(problem)
    clock = Clock(time_limit)
    start = clock.point_started
    form = formulate(problem, [objective])
    build = clock.elapsed()
    if settings.engine == "pyomo":
        from landalloc.optimizer.milp.pyomo_model import solve_with_pyomo

        outcome = solve_with_pyomo(form, form.task({objective: 1.0}), settings)
        build += outcome.model_seconds
    else:
        # the build counts: the solve gets the rest of the limit
        outcome = Session(form, settings).solve(form.task({objective: 1.0}), time_limit=clock.stage_limit())
    if outcome.status == "infeasible":
        raise diagnose.explain(problem, settings)
    sign = form.objectives[objective].sign
    return finish(form, form.task({objective: 1.0}), objective, outcome, settings, build, start,
                  bound=sign * outcome.bound)


def finish(form: Formulation, task: Task, objective: str, outcome: Outcome, settings: Settings, build: float,
           start: float, bound: float = math.nan, context: str = "") -> Solution:
    """Verify an outcome (not infeasible) and wrap it as a Solution of ``objective``; ``bound``
    is the proven bound on that objective in natural units, when the task proves one."""
    context = context or f"optimising {objective}"
    if outcome.values is None:
        limit = f" ({settings.time_limit:g} s)" if settings.time_limit else ""
        raise SolverError(f"{context}: no feasible layout found within the time limit{limit}; raise time_limit")
    layout, values = verified_values(form, task, outcome.values, outcome.raw, context)
    value = task_value(form, task, outcome.values, values, context)
    seconds = time.perf_counter() - start
    return Solution(name=objective, sense=form.objectives[objective].sense, layout=layout, objective=values[objective],
                    bound=bound, gap=relative_gap(value, outcome.bound),
                    status=proven_status(outcome.status, value, outcome.bound, settings.gap), seconds=seconds,
                    build_seconds=build,
                    handover_seconds=outcome.handover_seconds,
                    solve_seconds=max(0.0, seconds - build - outcome.handover_seconds), values=values,
                    strategy=outcome.strategy, plan=outcome.plan, engine=settings.engine if settings.engine == "highs"
                    else f"pyomo:{settings.solver}")
