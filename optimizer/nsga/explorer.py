"""``explore``: a Pareto front by NSGA-II (2-3 objectives) or NSGA-III (4-5) on the compiled problem.

The loop is pymoo's ask-and-tell, driven here so that a run can show progress, stop on
generations, wall time or a stalled hypervolume, stop cleanly on Ctrl-C with the best front so
far, and write and resume checkpoints. Every reported layout goes through
:meth:`landalloc.optimizer.front.ParetoFront.build`, which re-evaluates it with :func:`landalloc.models.evaluate`.
"""

from __future__ import annotations

import os
import pickle
import signal
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2, binary_tournament
from pymoo.algorithms.moo.nsga3 import NSGA3, comp_by_cv_then_random
from pymoo.core.mating import Mating
from pymoo.core.termination import NoTermination
from pymoo.operators.selection.tournament import TournamentSelection
from pymoo.util.ref_dirs import get_reference_directions
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from landalloc.models import Problem
from landalloc.models.errors import InputError
from landalloc.models.scenario import NATURAL_SENSE, OBJECTIVES
from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.nsga.archive import Archive, Normalisation
from landalloc.optimizer.nsga.graph_cut import GraphCutMutation
from landalloc.optimizer.nsga.operators import (FeasibleSampling, FingerprintDuplicates, NeighbourMutation,
                                      RepairAndImprove, SpatialCrossover)
from landalloc.optimizer.nsga.problem import LandUseProblem

GRAPH_CUT_SHARE = 0.0
"""Default share of offspring given the graph-cut move: off, since it has not yet measurably raised
the Ordos front within 60 s (docs/python.md, "NSGA-II's graph-cut move")."""
CHECKPOINT_FORMAT = 2
"""Bumped when the pickled run state changes (2: pair exchanges in the repair operator)."""
METHODS = ("nsga2", "nsga3")
DEFAULT_STALL = 50
"""Generations without hypervolume gain after which a run with no other limit stops."""
MATING_RETRIES = 5
"""Rounds of mating per generation when duplicates leave the offspring short."""
STALL_TOLERANCE = 1e-4
"""Relative hypervolume gain below which a window of generations counts as stalled."""


def explore(problem: Problem, objectives: list[str] | tuple[str, ...], pop_size: int = 100,
            generations: int | None = None, time_limit: float | None = None, seed: int = 1,
            initial: np.ndarray | ParetoFront | None = None, progress: bool = True,
            checkpoint: str | Path | None = None, resume: str | Path | None = None,
            method: str | None = None, stall: int | None = None, reference: Any = None,
            checkpoint_every: float = 60.0, improve_share: float = 0.3,
            archive_size: int | None = None, graph_cut: float = GRAPH_CUT_SHARE) -> ParetoFront:
    """Explore the trade-offs between ``objectives`` with NSGA-II / NSGA-III.

    Parameters
    ----------
    problem : the compiled problem (:meth:`landalloc.models.Instance.compile`).
    objectives : 1 to 6 names among efficiency, equity, ecology, compactness, change,
        urban_rural_gap; senses are the scenario's (else the natural ones).
    pop_size : population size.
    generations : stop after this many generations (counted from the initial population, across
        resumes).
    time_limit : stop after this many seconds of this call (wall time).
    seed : seed of the run's only random generator: same seed and generations, same front.
    initial : layouts to seed the population with (P×N use indices, e.g. the MILP payoff table's
        extreme layouts, or a ParetoFront); today's layout is always a seed.
    progress : show a progress bar (generation, hypervolume, feasible share).
    checkpoint : file to write the run state to, atomically, every ``checkpoint_every`` seconds
        and at the end.
    resume : checkpoint file to continue from (same problem and objectives); ``pop_size``,
        ``method`` and ``seed`` are the checkpoint's.
    method : "nsga2" or "nsga3"; default NSGA-II for up to 3 objectives, NSGA-III beyond.
    stall : stop when the hypervolume gained less than 1e-4 (relative) over this many
        generations; default 50 when neither ``generations`` nor ``time_limit`` is given.
    reference : (best, worst) objective values in natural units that normalise the hypervolume,
        e.g. the MILP payoff table's; default the initial feasible population's range.
    improve_share : share of offspring given a local-improvement pass.
    archive_size : most points kept on the front (default 2 × pop_size).
    graph_cut : share of offspring given the graph-cut move (:mod:`landalloc.optimizer.nsga.graph_cut`:
        re-labelled towards a weight vector drawn per offspring, then repaired); 0 turns it off.

    Returns
    -------
    ParetoFront with method "nsga2" or "nsga3": feasible non-dominated layouts, or, when no
    feasible layout was found, the least-violating ones marked ``feasible = False``. ``run`` records
    the seed, settings, generations done, timings, hypervolume history, whether it finished and
    whether it is ``reproducible`` (bounded by generations, not by the clock; see docs/python.md).

    Examples
    --------
    >>> from landalloc.optimizer import nsga
    >>> front = nsga.explore(problem, ["efficiency", "equity"], generations=200, seed=1)  # doctest: +SKIP
    >>> front.table()                                                                       # doctest: +SKIP
    """
    objectives = _check_objectives(objectives)
    senses = tuple(problem.senses[problem.objectives.index(o)] if o in problem.objectives
                   else NATURAL_SENSE[o] for o in objectives)
    _check_positive("generations", generations, allow_zero=True)
    _check_positive("time_limit", time_limit)
    _check_positive("stall", stall)
    started = time.perf_counter()
    if resume is not None:
        state = _load_checkpoint(resume, problem, objectives)
    else:
        state = _new_state(problem, objectives, senses, pop_size, seed, initial, method, improve_share,
                           archive_size, reference, graph_cut)
    if stall is None and generations is None and time_limit is None:
        stall = DEFAULT_STALL
    state["settings"].update(generations=generations, time_limit=time_limit, stall=stall)
    algorithm, land = state["algorithm"], state["algorithm"].problem
    stopped_by = _run(state, generations, time_limit, stall, progress, checkpoint, checkpoint_every, started)
    finished = stopped_by not in ("interrupt", "interrupted mid-generation")
    if checkpoint is not None and stopped_by != "interrupted mid-generation":
        _save_checkpoint(checkpoint, state)
    run = _run_record(state, stopped_by, finished, resume, time.perf_counter() - started)
    return _front(land, algorithm, state, run)


# -- setting up ----------------------------------------------------------------------------------

def _new_state(problem: Problem, objectives: tuple[str, ...], senses: tuple[str, ...], pop_size: int,
               seed: int, initial: Any, method: str | None, improve_share: float,
               archive_size: int | None, reference: Any, graph_cut: float) -> dict[str, Any]:
    if not isinstance(pop_size, (int, np.integer)) or pop_size < 4:
        raise InputError(f"pop_size: need an integer of at least 4, got {pop_size!r}")
    if not isinstance(seed, (int, np.integer)):
        raise InputError(f"seed: need an integer, got {seed!r}")
    if not isinstance(graph_cut, (int, float)) or not 0.0 <= graph_cut <= 1.0:
        raise InputError(f"graph_cut: need a share of offspring between 0 and 1, got {graph_cut!r}")
    method = method or ("nsga2" if len(objectives) <= 3 else "nsga3")
    if method not in METHODS:
        raise InputError(f"method: unknown method {method!r}; allowed: {', '.join(METHODS)}")
    land = LandUseProblem(problem, objectives, senses)
    seeds = [land.genome.genes(problem.current_layout, "current layout")]
    if initial is not None:
        layouts = initial.layouts if isinstance(initial, ParetoFront) else initial
        seeds.insert(0, land.genome.genes(layouts, "initial"))
    seeds = np.concatenate(seeds)
    repair, duplicates = RepairAndImprove(improve_share), FingerprintDuplicates()
    # few mating retries: on small instances most offspring are duplicates, and each retry repairs
    selection = TournamentSelection(func_comp=binary_tournament if method == "nsga2" else _cv_then_random)
    mutation = GraphCutMutation(NeighbourMutation(), graph_cut) if graph_cut > 0 else NeighbourMutation()
    mating = Mating(selection, SpatialCrossover(), mutation, repair=repair,
                    eliminate_duplicates=duplicates, n_max_iterations=MATING_RETRIES)
    operators = dict(sampling=FeasibleSampling(seeds), repair=repair, eliminate_duplicates=duplicates,
                     mating=mating)
    if method == "nsga2":
        algorithm = NSGA2(pop_size=int(pop_size), **operators)
    else:
        algorithm = NSGA3(ref_dirs=_reference_directions(len(objectives), int(pop_size)),
                          pop_size=int(pop_size), **operators)
    algorithm.setup(land, termination=NoTermination(), seed=int(seed), verbose=False)
    normalisation = None
    if reference is not None:
        best, worst = (np.asarray(r, float).reshape(-1) for r in reference)
        if best.shape != (len(objectives),) or worst.shape != (len(objectives),):
            raise InputError(f"reference: need (best, worst) with one value per objective ({len(objectives)})")
        normalisation = Normalisation(np.minimum(best * land.sign, worst * land.sign),
                                      np.maximum(best * land.sign, worst * land.sign))
    return {"format": CHECKPOINT_FORMAT, "fingerprint": land.fingerprint, "objectives": objectives,
            "senses": senses, "method": method, "algorithm": algorithm,
            "archive": Archive(int(archive_size or 2 * pop_size)), "normalisation": normalisation,
            "hypervolume": [], "feasible_share": [], "history_seconds": [], "generation": -1, "elapsed": 0.0,
            "timings": {"initial": 0.0, "mating": 0.0, "evaluate": 0.0, "survival": 0.0, "archive": 0.0},
            "settings": {"pop_size": int(pop_size), "seed": int(seed), "method": method,
                         "improve_share": improve_share, "graph_cut": graph_cut, "archive_size": int(archive_size or 2 * pop_size),
                         "seeds": len(seeds), "reference": None if reference is None else
                         [np.asarray(r, float).tolist() for r in reference]}}


def _cv_then_random(pop, P, random_state=None, **kwargs) -> np.ndarray:
    """NSGA-III's tournament (pymoo's ``comp_by_cv_then_random``) under a module-level name, so
    that a checkpoint can pickle it (pymoo's decorator makes the original a local closure)."""
    return comp_by_cv_then_random(pop, P, random_state=random_state, **kwargs)


def _reference_directions(n_obj: int, pop_size: int) -> np.ndarray:
    """Das-Dennis directions, as many partitions as fit in the population."""
    partitions = 1
    while _n_directions(n_obj, partitions + 1) <= pop_size:
        partitions += 1
    if _n_directions(n_obj, partitions) > pop_size:
        raise InputError(f"pop_size: NSGA-III with {n_obj} objectives needs at least {n_obj} layouts")
    return get_reference_directions("das-dennis", n_obj, n_partitions=partitions)


def _n_directions(n_obj: int, partitions: int) -> int:
    from math import comb

    return comb(n_obj + partitions - 1, partitions)


# -- the loop ------------------------------------------------------------------------------------

def _run(state: dict[str, Any], generations: int | None, time_limit: float | None, stall: int | None,
         show: bool, checkpoint: str | Path | None, checkpoint_every: float, started: float) -> str:
    algorithm = state["algorithm"]
    last_save = time.perf_counter()
    with _progress(show, generations) as bar, _deferred_interrupt() as interrupted:
        task = bar.add_task(state["method"], total=generations or None, completed=max(0, state["generation"]),
                            hv=0.0, feasible=0.0)
        try:
            while True:
                reason = _should_stop(state, generations, time_limit, stall, started)
                if reason:
                    return reason
                if interrupted():
                    return "interrupt"
                _one_generation(state, algorithm)
                bar.update(task, completed=state["generation"], hv=state["hypervolume"][-1],
                           feasible=state["feasible_share"][-1])
                if checkpoint is not None and time.perf_counter() - last_save >= checkpoint_every:
                    _save_checkpoint(checkpoint, state)
                    last_save = time.perf_counter()
        except KeyboardInterrupt:
            return "interrupted mid-generation"


def _should_stop(state: dict[str, Any], generations: int | None, time_limit: float | None,
                 stall: int | None, started: float) -> str | None:
    done = state["generation"]
    if generations is not None and done >= generations:
        return "generations"
    if time_limit is not None and done >= 0 and time.perf_counter() - started >= time_limit:
        return "time_limit"
    hv = state["hypervolume"]
    if stall is not None and len(hv) > stall:
        if hv[-1] - hv[-1 - stall] <= STALL_TOLERANCE * max(abs(hv[-1]), 1e-12):
            return "stall"
    return None


def _one_generation(state: dict[str, Any], algorithm) -> None:
    """One ask-evaluate-tell step (the first one makes the initial population)."""
    timings, t0 = state["timings"], time.perf_counter()
    first = not algorithm.is_initialized
    infills = algorithm.infill()
    t1 = time.perf_counter()
    if infills is not None:
        algorithm.evaluator.eval(algorithm.problem, infills, algorithm=algorithm)
    t2 = time.perf_counter()
    algorithm.advance(infills=infills)
    t3 = time.perf_counter()
    if first:
        timings["initial"] += t3 - t0
    else:
        timings["mating"] += t1 - t0
        timings["evaluate"] += t2 - t1
        timings["survival"] += t3 - t2
    state["generation"] += 1
    state["elapsed"] += t3 - t0
    new = infills if infills is not None else algorithm.pop
    if len(new):
        F, feasible = new.get("F"), new.get("FEAS").reshape(-1)
        state["archive"].update(np.asarray(new.get("X")), F, feasible, state["generation"], state["elapsed"])
        if state["normalisation"] is None and len(state["archive"]):
            state["normalisation"] = Normalisation.of(state["archive"].F)
    norm = state["normalisation"]
    state["hypervolume"].append(norm.hypervolume(state["archive"].F) if norm is not None else 0.0)
    state["feasible_share"].append(float(np.mean(algorithm.pop.get("FEAS"))))
    state["history_seconds"].append(state["elapsed"])
    timings["archive"] += time.perf_counter() - t3


@contextmanager
def _progress(show: bool, generations: int | None) -> Iterator[Progress]:
    columns = [TextColumn("[bold]{task.description}"), BarColumn(),
               TextColumn("generation {task.completed:.0f}" + ("" if generations is None else f"/{generations}")),
               TextColumn("HV {task.fields[hv]:.4f}"), TextColumn("feasible {task.fields[feasible]:.0%}"),
               TimeElapsedColumn()]
    with Progress(*columns, console=Console(stderr=True), disable=not show, transient=False) as bar:
        yield bar


@contextmanager
def _deferred_interrupt() -> Iterator:
    """Turn the first Ctrl-C into a request to stop after the current generation; a second
    Ctrl-C interrupts at once. Only the main thread can own the signal; elsewhere Ctrl-C is
    caught as KeyboardInterrupt."""
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag.is_set
        return
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame):
        flag.set()
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, handler)
    try:
        yield flag.is_set
    finally:
        signal.signal(signal.SIGINT, previous)


# -- results ----------------------------------------------------------------------------------------

def _front(land: LandUseProblem, algorithm, state: dict[str, Any], run: dict[str, Any]) -> ParetoFront:
    archive, method = state["archive"], state["method"]
    if len(archive):
        genes, found = archive.genes, archive.found
        points = [{"status": "feasible", "gap": np.nan, "seconds": float(s), "generation": int(g)}
                  for g, s in found]
        return ParetoFront.build(land.problem, state["objectives"], land.genome.layouts(genes), points,
                                 method, run)
    pop = algorithm.pop if algorithm.pop is not None else []
    if len(pop) == 0:
        return ParetoFront.build(land.problem, state["objectives"], np.zeros((0, land.problem.n_parcels), int),
                                 [], method, run, allow_infeasible=True)
    cv = pop.get("CV").reshape(-1)
    least = np.argsort(cv, kind="stable")[:max(1, min(len(cv), 10))]
    genes = np.asarray(pop.get("X"))[least]
    points = [{"status": "infeasible", "gap": np.nan, "seconds": state["elapsed"],
               "generation": state["generation"], "violation": float(cv[i])} for i in least]
    return ParetoFront.build(land.problem, state["objectives"], land.genome.layouts(genes), points, method,
                             run, allow_infeasible=True)


def _run_record(state: dict[str, Any], stopped_by: str, finished: bool, resume: Any, seconds: float) -> dict:
    algorithm = state["algorithm"]
    t = state["timings"]
    done = max(state["generation"], 0)
    return {"engine": "nsga", "method": state["method"], "objectives": list(state["objectives"]),
            "senses": list(state["senses"]), "seed": state["settings"]["seed"], "settings": dict(state["settings"]),
            "generations": state["generation"], "evaluations": int(algorithm.evaluator.n_eval),
            "finished": finished, "partial": not finished, "stopped_by": stopped_by,
            **_reproducibility(stopped_by, state),
            "resumed_from": None if resume is None else str(resume),
            "timings": {"this_call_s": seconds, "total_s": state["elapsed"], "initial_population_s": t["initial"],
                        "per_generation_s": (t["mating"] + t["evaluate"] + t["survival"] + t["archive"]) / done
                        if done else None,
                        **{f"{k}_s": v for k, v in t.items() if k != "initial"}},
            "hypervolume": list(state["hypervolume"]), "feasible_share": list(state["feasible_share"]),
            "history_seconds": list(state["history_seconds"]),
            "normalisation": None if state["normalisation"] is None else
            {"ideal": state["normalisation"].ideal.tolist(), "nadir": state["normalisation"].nadir.tolist(),
             "note": "minimised objectives (max objectives negated); reference point 1.1"}}


def _reproducibility(stopped_by: str, state: dict[str, Any]) -> dict[str, Any]:
    """Whether the same call gives this front again, bit for bit, and if not, what would.

    All randomness comes from the seeded generator and a run only stops between generations, so
    a run's front depends on its seed, settings and generation count alone: one bounded by
    generations (or a stall of the hypervolume) repeats exactly; one stopped by the clock or
    Ctrl-C did as many generations as the machine managed, which ``generations`` then repeats.
    """
    if stopped_by in ("generations", "stall"):
        return {"reproducible": True,
                "reproducibility": f"stopped by {stopped_by}: the same seed and settings give this front again"}
    if stopped_by == "interrupted mid-generation":
        return {"reproducible": False, "reproducibility": "interrupted inside a generation"}
    done = state["generation"]
    return {"reproducible": False,
            "reproducibility": f"stopped by {stopped_by.replace('_', ' ')} after {done} generations, a number that "
                               f"depends on the machine; seed {state['settings']['seed']} with generations={done} "
                               "and no time limit gives this front again"}


# -- checkpoints ------------------------------------------------------------------------------------

def _save_checkpoint(path: str | Path, state: dict[str, Any]) -> None:
    """Pickle the run state (algorithm with its random generator, archive, history) atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load_checkpoint(path: str | Path, problem: Problem, objectives: tuple[str, ...]) -> dict[str, Any]:
    path = Path(path)
    try:
        with path.open("rb") as handle:
            state = pickle.load(handle)
    except FileNotFoundError:
        raise InputError(f"{path}: checkpoint not found") from None
    except (pickle.UnpicklingError, EOFError, AttributeError) as exc:
        raise InputError(f"{path}: not a readable nsga checkpoint ({exc})") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise InputError(f"{path}: not an nsga checkpoint of format {CHECKPOINT_FORMAT} (written by another "
                         "version of landalloc?); start the run afresh")
    if tuple(state["objectives"]) != tuple(objectives):
        raise InputError(f"{path}: checkpoint explores {', '.join(state['objectives'])}, not "
                         f"{', '.join(objectives)}; resume with the same objectives")
    state["algorithm"].problem.attach(problem)
    return state


# -- checks ------------------------------------------------------------------------------------------

def _check_objectives(objectives) -> tuple[str, ...]:
    names = [objectives] if isinstance(objectives, str) else list(objectives)
    unknown = [o for o in names if o not in OBJECTIVES]
    if unknown or not names or len(set(names)) != len(names):
        raise InputError(f"objectives {names}: name 1 to 5 distinct objectives among {', '.join(OBJECTIVES)}")
    return tuple(names)


def _check_positive(name: str, value, allow_zero: bool = False) -> None:
    if value is None:
        return
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool) \
            or value < 0 or (value == 0 and not allow_zero):
        raise InputError(f"{name}: need a positive number or None, got {value!r}")
