"""Hand arrays to HiGHS through highspy and read its answer back as arrays.

The matrix goes over in one ``Highs.passModel`` call in column-wise (CSC) form with numpy
arrays, which highspy copies without a Python loop; solutions come back from ``getSolution``.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from landalloc.models.errors import SolverError
from landalloc.optimizer.milp.formulation import Restriction, Task
from landalloc.optimizer.milp.settings import Settings

_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kInterrupt: "time_limit",
    highspy.HighsModelStatus.kSolutionLimit: "time_limit",
    highspy.HighsModelStatus.kIterationLimit: "time_limit",
}


def _without_banner() -> None:
    """HiGHS prints its copyright banner when the first Highs object of a process is made,
    whatever its options: make that first one with standard output closed, once."""
    sys.stdout.flush()
    saved, sink = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(sink, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(sink)
        os.close(saved)


try:
    _without_banner()
except OSError:   # no file descriptor 1 (embedded interpreters): the banner is harmless
    pass


@dataclass
class Run:
    """What one ``Highs.run`` returned (objective and bound in the model's maximised units)."""

    status: str
    values: np.ndarray | None
    duals: np.ndarray | None
    reduced: np.ndarray | None
    objective: float
    bound: float
    seconds: float
    nodes: int


AGGREGATOR_OFF = 1 << 12
"""``presolve_rule_off`` bit of HiGHS's *aggregator* presolve rule (bit 12 from HiGHS 1.7 to
1.16). On these models it is unsound: on random tiny counties (benchmarks/exact_sweep.py) it
mapped a MIP start to a point worth more than the start, so HiGHS stopped "optimal" on the
start, and on an ε-point with no start at all it cut the optimum off (compactness 0 reported
optimal where 0.08 is feasible). Every other presolve rule stays on. HiGHS has renumbered its
rules before: pyproject admits only the releases where bit 12 is the aggregator, and a test
reads HiGHS's own log to check it."""


def new_highs(settings: Settings, **options: object) -> highspy.Highs:
    """A silent (unless ``settings.log``) Highs object with the settings' threads and seed."""
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", bool(settings.log))
    if settings.threads is not None:
        highs.setOptionValue("threads", int(settings.threads))
    highs.setOptionValue("random_seed", int(settings.seed))
    highs.setOptionValue("mip_rel_gap", float(settings.gap))
    set_options(highs, **options)
    return highs


def set_options(highs: highspy.Highs, **options: object) -> None:
    """Set HiGHS options; ``time_limit`` is the seconds the next run may take (see :func:`run`)."""
    for key, value in options.items():
        if value is None:
            continue
        if key == "time_limit":
            value = float(value) if value is not None and math.isfinite(float(value)) else math.inf
        status = highs.setOptionValue(key, value)
        if status != highspy.HighsStatus.kOk:
            raise SolverError(f"HiGHS refused option {key} = {value!r}")


def pass_model(highs: highspy.Highs, matrix: sp.csc_matrix, task: Task, integer: np.ndarray | None) -> float:
    """Load a maximisation model; return the seconds the hand-over took."""
    start = time.perf_counter()
    matrix = matrix.tocsc()
    n_rows, n_cols = matrix.shape
    integrality = (np.zeros(n_cols, np.int32) if integer is None else np.asarray(integer, np.int32))
    status = highs.passModel(
        n_cols, n_rows, matrix.nnz, int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMaximize),
        float(task.offset), np.ascontiguousarray(task.cost, float), _finite(task.col_lower),
        _finite(task.col_upper), _finite(task.row_lower), _finite(task.row_upper),
        matrix.indptr[:-1].astype(np.int32), matrix.indices.astype(np.int32), matrix.data.astype(float),
        integrality)
    if status == highspy.HighsStatus.kError:
        raise SolverError("HiGHS refused the model (passModel returned an error)")
    return time.perf_counter() - start


def run(highs: highspy.Highs, mip: bool, interruptible: bool = False) -> Run:
    """Run HiGHS and collect status, solution, duals (LP only), objective and bound.

    ``interruptible``: solve in highspy's worker thread so that Ctrl+C stops HiGHS (for long
    branch and bound); its per-iteration Python callback costs too much for short LPs.
    """
    start = time.perf_counter()
    # HiGHS 1.16 times a MIP from the start of its run, but an LP against the Highs object's
    # run clock, which keeps counting across runs: without the clock's reading added, an LP on
    # a model kept between solves stops at once when earlier runs used up its time limit
    limit = float(highs.getOptionValue("time_limit")[1])
    shift = not mip and math.isfinite(limit)
    highs.setOptionValue("presolve_rule_off", AGGREGATOR_OFF if mip else 0)
    if shift:
        highs.setOptionValue("time_limit", limit + highs.getRunTime())
    try:
        # Ctrl+C reaches the main thread only; on a Dask worker's thread HiGHS runs plainly
        if interruptible and threading.current_thread() is threading.main_thread():
            highs.HandleKeyboardInterrupt = True
            highs.solve()
            highs.HandleKeyboardInterrupt = False
        else:
            highs.run()
    finally:
        if shift:
            highs.setOptionValue("time_limit", limit)
    seconds = time.perf_counter() - start
    model_status = highs.getModelStatus()
    status = _STATUS.get(model_status)
    if status is None:
        raise SolverError(f"HiGHS stopped with status '{highs.modelStatusToString(model_status)}'; "
                          "rerun with log=True to see its log")
    info = highs.getInfo()
    has_solution = info.primal_solution_status == 2
    solution = highs.getSolution() if has_solution else None
    values = np.asarray(solution.col_value, float) if solution is not None else None
    with_duals = solution is not None and not mip and solution.dual_valid
    duals = np.asarray(solution.row_dual, float) if with_duals else None
    reduced = np.asarray(solution.col_dual, float) if with_duals else None
    objective = info.objective_function_value if has_solution else -math.inf
    if mip:
        bound = info.mip_dual_bound
        if status == "optimal" and not math.isfinite(bound):
            bound = objective
    else:
        bound = objective if status == "optimal" else math.inf
    if status == "infeasible":
        objective, bound = -math.inf, -math.inf
    return Run(status, values, duals, reduced, objective, bound, seconds, max(0, int(info.mip_node_count)))


def solve_restriction(settings: Settings, restriction: Restriction, start: np.ndarray | None = None,
                      **options: object) -> tuple[Run, float]:
    """A restricted MIP in a Highs object of its own, started from ``start`` (a vector of the
    restriction's columns) when given; returns the run and the hand-over seconds. Feasibility
    jump, which only looks for a first layout and ignores the time limit, is off when a start
    is handed over."""
    highs = new_highs(settings, mip_heuristic_run_feasibility_jump=start is None, **options)
    handover = pass_model(highs, restriction.matrix, restriction.task, restriction.integer)
    return branch_and_bound(highs, start, restriction.task.objective), handover


MISVALUED = 1e-7
"""Relative difference between HiGHS's objective and the value of the vector it returns above
which its incumbent is not that vector (see :func:`branch_and_bound`)."""


def branch_and_bound(highs: highspy.Highs, start: np.ndarray | None, objective: Callable[[np.ndarray], float],
                     interruptible: bool = False) -> Run:
    """HiGHS's branch and bound on its model, from ``start`` (a complete feasible vector) when
    given; ``objective`` values a vector of the model as the caller's task does.

    HiGHS (1.16) maps a start into its presolved model, and its aggregator rule (off in every
    MIP :func:`run`) could map it to a point worth more than the start itself: HiGHS then took
    that value as its incumbent, pruned every node whose bound is below it, reported "optimal"
    at that value and returned the start's own vector, which is worth less. Should any presolve
    rule do so again, the returned vector is worth less than HiGHS claims: then the run is
    repeated without the start (in the time left).
    """
    if start is None:
        return run(highs, mip=True, interruptible=interruptible)
    started = time.perf_counter()
    set_start(highs, start)
    first = run(highs, mip=True, interruptible=interruptible)
    if first.values is None or not _misvalued(first.objective, objective(first.values)):
        return first
    limit = float(highs.getOptionValue("time_limit")[1])
    highs.clearSolver()   # drops the start along with the solution
    highs.setOptionValue("time_limit", max(1e-3, limit - first.seconds) if math.isfinite(limit) else math.inf)
    try:
        second = run(highs, mip=True, interruptible=interruptible)
    finally:
        highs.setOptionValue("time_limit", limit)
    second.seconds = time.perf_counter() - started
    return second


def _misvalued(claimed: float, actual: float) -> bool:
    return math.isfinite(claimed) and abs(claimed - actual) > MISVALUED * max(1.0, abs(actual))


def set_start(highs: highspy.Highs, values: np.ndarray) -> None:
    """Hand a complete feasible solution to the MIP solver as its first incumbent."""
    n = len(values)
    highs.setSolution(n, np.arange(n, dtype=np.int32), np.ascontiguousarray(values, float))


def _finite(a: np.ndarray) -> np.ndarray:
    """HiGHS reads |bound| >= 1e20 as infinite; numpy inf passes through as such."""
    return np.ascontiguousarray(a, float)
