"""Seeds from the linear-programming relaxation: the front's supported ends, found without the MILP.

Over the free parcels, a layout is ``x[g, k] in {0, 1}`` with one use per parcel, and every
constraint the ledger keeps (every side of every row of the rule matrix) is linear in ``x``. The
relaxation ``0 <= x <= 1`` of maximising a weighted sum of the linear objectives has a basic
optimum with at most as many fractional parcels as there are constraints, so rounding each
parcel to its largest share gives a layout a few parcels away from the integer optimum; repair
and the pair exchanges of :meth:`landalloc.optimizer.nsga.moves.Moves.exchange` close most of the rest.
HiGHS (through scipy) solves it in under a second for a few thousand parcels.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from landalloc.optimizer.nsga.ledger import Ledger

LP_GENES = 20_000
"""Largest number of free parcels for which seeds come from the relaxation (else from pricing).
One relaxation took 0.35 s at 3,001 free parcels, 5 s at 20,016 and 19 s at 41,699 (HiGHS, one
core). No time limit: a wall-clock limit would make the same seed give different runs."""


def relaxed_rows(ledger: Ledger) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix, np.ndarray]:
    """The relaxation's columns (gene, use: the allowed pairs) and its rows ``lhs @ x >= rhs``: every
    side of every rule row on the free parcels, the locked parcels' share moved to the right."""
    g = ledger.genome
    gene, use = np.nonzero(g.allowed)
    lhs = (ledger.table[gene * g.problem.n_uses + use] @ sp.csr_matrix(ledger.matrix.T)).T.tocsr()
    return gene, use, lhs, ledger.bound - ledger.fixed @ ledger.matrix.T


def relaxed_layouts(ledger: Ledger, values: np.ndarray, weights: np.ndarray) -> np.ndarray | None:
    """Rounded optima of the relaxation, one per row of ``weights`` (rows × n_genes genes).

    ``values`` is n_genes × K × M (larger is better) and ``weights`` rows × M. Returns None when
    the relaxation cannot be solved (infeasible, or HiGHS failed): callers fall back to pricing.
    """
    g = ledger.genome
    gene, use, lhs, rhs = relaxed_rows(ledger)
    one_each = sp.csr_matrix((np.ones(len(gene)), (gene, np.arange(len(gene)))), shape=(g.n_genes, len(gene)))
    out = np.empty((len(weights), g.n_genes), g.dtype)
    for r, w in enumerate(weights):
        objective = -(values[gene, use].astype(np.float64) @ w)
        result = linprog(objective, A_ub=-lhs if lhs.shape[0] else None,
                         b_ub=-rhs if lhs.shape[0] else None, A_eq=one_each, b_eq=np.ones(g.n_genes),
                         bounds=(0.0, 1.0), method="highs")
        if result.status != 0 or result.x is None:
            return None
        order = np.argsort(result.x, kind="stable")   # the largest share of each parcel is written last
        layout = np.empty(g.n_genes, g.dtype)
        layout[gene[order]] = use[order]
        out[r] = layout
    return out
