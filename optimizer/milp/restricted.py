"""The restricted MIP: the parcels an LP's prices leave undecided choose, the others keep its use.

Its layout is feasible for the model it was built on, so with the LP's bound it proves a gap at
once; freeing every parcel makes it the full MIP.
"""

from __future__ import annotations

import time

import numpy as np

from landalloc.optimizer.milp import highs as hi
from landalloc.optimizer.milp.check import Candidate, candidate
from landalloc.optimizer.milp.formulation import Formulation, Task
from landalloc.optimizer.milp.lagrange import second_margin
from landalloc.optimizer.milp.master import Relaxation
from landalloc.optimizer.milp.settings import Settings


def presolve_for(settings: Settings, form: Formulation, columns: int) -> str:
    """HiGHS's MIP presolve (probing, cliques on every assignment row) costs more than it saves
    on large models: off above the settings' size for the model's shape, unless set."""
    if settings.presolve != "auto":
        return settings.presolve
    above = settings.presolve_off_above if form.shape == "assignment" else settings.presolve_off_above_compact
    return "off" if columns > above else "on"


def restricted_mip(form: Formulation, task: Task, relaxation: Relaxation, deadline: float, steps: list[str],
                   settings: Settings) -> tuple[Candidate | None, hi.Run | None, float]:
    """Best layout of the MIP where only some parcels choose: those the LP splits between uses
    and those whose second-best use is nearly as good at the LP's prices; every other parcel
    keeps the use the LP gives it. Returns it (checked against every row of ``form``), the run
    when it freed every parcel (then it was the full MIP), and the hand-over seconds."""
    pricing = relaxation.pricing
    assert pricing is not None
    free = len(form.x_starts)
    if relaxation.values is not None:
        weight = relaxation.values[:form.n_x]
    else:
        weight = np.zeros(form.n_x)
        weight[pricing.choice] = 1.0
    top = np.maximum.reduceat(weight, form.x_starts) if free else np.zeros(0)
    hit = np.flatnonzero(weight >= top[form.x_slot])
    lp_choice = hit[np.r_[True, form.x_slot[hit][1:] != form.x_slot[hit][:-1]]] if len(hit) else hit
    split = top < 1.0 - 1e-9
    order = np.lexsort((np.arange(free), second_margin(form, pricing)))
    order = order[~split[order]]
    on_lp = np.zeros(form.n_x, bool)
    on_lp[lp_choice] = True
    count, handover = max(settings.repair_min, int(settings.repair_share * free)), 0.0
    while time.perf_counter() < deadline:
        count = min(count, free)
        chosen = split.copy()
        chosen[order[:count]] = True
        keep = on_lp | chosen[form.x_slot] if count < free else np.ones(form.n_x, bool)
        restriction = form.restrict(task, keep)
        if restriction is not None:
            left = deadline - time.perf_counter()
            share = left if count >= free else min(settings.repair_seconds, settings.repair_time_share * left)
            run, passed = hi.solve_restriction(settings, restriction, time_limit=max(1e-3, share),
                                               presolve=presolve_for(settings, form, restriction.matrix.shape[1]))
            handover += passed
            steps.append(f"repair[{int(chosen.sum()) if count < free else free} parcels] {run.seconds:.2f}s "
                         f"{run.status}")
            whole = run if count >= free else None
            if run.values is not None:
                found = candidate(form, task, restriction.lift(run.values))
                if found is not None:
                    return found, whole, handover
            if run.status == "time_limit" or whole is not None:
                return None, whole, handover   # out of its share of time: leave the rest to later steps
        if count >= free:
            return None, None, handover
        count *= 4
    return None, None, handover
