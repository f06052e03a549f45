"""The compiled land-use problem as a pymoo ``Problem``, scored by :func:`landalloc.models.evaluate`.

``_evaluate`` turns the whole population's genes into full layouts and calls ``evaluate`` once:
objectives become ``F`` (max objectives negated, pymoo minimises) and every constraint's
violation, divided by its scale and shifted by evaluate's tolerance, becomes ``G`` — so
``G <= 0`` holds exactly when ``evaluate`` calls the layout feasible.
"""

from __future__ import annotations

import hashlib

import numpy as np
from pymoo.core.problem import Problem as PymooProblem

from landalloc.models import Problem, evaluate
from landalloc.models.errors import InputError
from landalloc.models.evaluation import TOLERANCE, constraint_names, district_residents, gap_weights
from landalloc.models.scenario import OBJECTIVES
from landalloc.optimizer.nsga.genome import Genome
from landalloc.optimizer.nsga.ledger import Ledger
from landalloc.optimizer.nsga.moves import Moves


class LandUseProblem(PymooProblem):
    """One integer gene per free parcel; F from the objectives, G from the constraint violations.

    Parameters
    ----------
    problem : the compiled problem.
    objectives, senses : the objectives to explore and their senses ("max"/"min").

    The land-use data are not pickled with the algorithm (checkpoints stay small); a restored
    instance is re-attached to the problem with :meth:`attach`, which checks the fingerprint.
    """

    def __init__(self, problem: Problem, objectives: tuple[str, ...], senses: tuple[str, ...]) -> None:
        self.objectives, self.senses = tuple(objectives), tuple(senses)
        self.columns = [OBJECTIVES.index(o) for o in objectives]
        self.sign = np.array([-1.0 if s == "max" else 1.0 for s in senses])
        self.attach(problem, check=False)
        super().__init__(n_var=self.genome.n_genes, n_obj=len(objectives),
                         n_ieq_constr=len(constraint_names(problem)[0]), xl=0, xu=problem.n_uses - 1,
                         vtype=int)

    def attach(self, problem: Problem, check: bool = True) -> None:
        """Bind (or re-bind, after unpickling) the compiled problem."""
        stamp = fingerprint(problem)
        if check and stamp != self.fingerprint:
            raise InputError("checkpoint: it was written for another problem (instance or scenario "
                             "differs); resume with the problem it was written for, or start afresh")
        self.problem, self.fingerprint = problem, stamp
        self.genome = Genome(problem)
        self.ledger = Ledger(self.genome)
        self.moves = Moves(self.genome, self.ledger, objective_values(self.genome, self.objectives, self.senses),
                           proxy=np.array([o == "equity" for o in self.objectives]))
        self.moves.pools  # noqa: B018 - build the lookup tables now, not inside the first generation
        self.ledger.reach  # noqa: B018
        self.ledger.features(self.genome.base[self.genome.free][None, :])

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        for heavy in ("problem", "genome", "ledger", "moves"):
            state.pop(heavy, None)
        return state

    def _evaluate(self, x, out, *args, **kwargs):
        result = evaluate(self.problem, self.genome.layouts(np.asarray(x, dtype=self.genome.dtype)),
                          objectives=self.objectives)
        out["F"] = result.objectives[:, self.columns] * self.sign
        if self.n_ieq_constr:
            out["G"] = result.violation / result.scale - TOLERANCE


def objective_values(genome: Genome, objectives: tuple[str, ...], senses: tuple[str, ...]) -> np.ndarray:
    """Per-(gene, use) value of each objective, larger is better, about one unit per parcel.

    Linear objectives give their own coefficients; equity gives, for the service use, the
    district shares of residents the parcel would cover (a proxy: overlaps and the min over
    districts are left to evaluation), the urban–rural gap the weighted residents it would cover;
    compactness has no per-parcel value (zeros).
    """
    p = genome.problem
    out = np.zeros((genome.n_genes, p.n_uses, len(objectives)), np.float32)
    for m, (name, sense) in enumerate(zip(objectives, senses)):
        if name in ("efficiency", "ecology", "change"):
            value = np.asarray(getattr(p, name)[genome.free], float)
        elif name == "equity" and p.service >= 0 and len(p.demand):
            pop = p.residents[p.demand]
            total = district_residents(p)
            share = pop / np.maximum(total[p.district[p.demand]], 1e-12)
            value = np.zeros((genome.n_genes, p.n_uses))
            value[:, p.service] = p.catchment_by_parcel[genome.free] @ share
        elif name == "urban_rural_gap" and p.service >= 0 and (weight := gap_weights(p)) is not None:
            value = np.zeros((genome.n_genes, p.n_uses))   # the residents a parcel would cover, signed
            value[:, p.service] = p.catchment_by_parcel[genome.free] @ (p.residents[p.demand] *
                                                                        weight[p.district[p.demand]])
        else:
            continue
        value = value if sense == "max" else -value
        hi = np.where(genome.allowed, value, -np.inf).max(axis=1)
        lo = np.where(genome.allowed, value, np.inf).min(axis=1)
        spread = float(np.mean(hi - lo)) if genome.n_genes else 0.0
        out[:, :, m] = value / spread if spread > 0 else value
    return out


def fingerprint(problem: Problem) -> str:
    """SHA-256 over the arrays that define the problem (a checkpoint belongs to one problem)."""
    digest = hashlib.sha256()
    rules = problem.rules
    for array in (problem.allowed, problem.area, problem.current, problem.efficiency, problem.ecology,
                  rules.matrix.data, rules.matrix.indices, rules.matrix.indptr, rules.lower, rules.upper,
                  problem.district, problem.residents, problem.edges,
                  problem.catchment.indices, problem.catchment.indptr):
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update(repr((problem.codes, problem.objectives, problem.senses)).encode())
    return digest.hexdigest()
