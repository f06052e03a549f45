"""The graph-cut move for NSGA-II: each offspring re-labelled towards its own point of the front.

For a share of the offspring, the move draws a weight vector ``w`` over the run's objectives
(:func:`landalloc.optimizer.nsga.operators.random_weights`, so the offspring land along the
whole front) and re-labels the layout in two steps:

1. **Equity, by placement.** Equity is the worst district's covered share of residents: a
   max-min of coverages, where each resident counts once however many service parcels reach
   it. That is neither a unary term nor a submodular pair term, so it is no part of the Potts
   energy. Its weight sets a target instead, ``t = w_equity × (the best equity any layout
   reaches)``, as in the ε-constraint sweep of the exact front: the layout's free service land
   is released, then service parcels are added one at a time, each the parcel that covers the
   most unserved residents of the districts still below ``t`` per unit of weighted objective it
   costs, until every district reaches ``t`` (locked service land counts). Cheaper service
   placed where the worst-served districts need it is what moves the middle of an efficiency ×
   equity front; compactness is not rewarded there, since a reward for a non-objective could
   only lower the front.
2. **The other objectives, by alpha-expansion** (:func:`landalloc.optimizer.milp.graphcut.alpha_expansion`,
   the MILP engine's move) on the Potts energy
   ``E(l) = sum_i u_i(l_i) + sum_{(a,b)} r_ab [l_a = l_b, compact]`` with the service parcels
   held, ``u_i(k) = w · value_ik + lambda · lhs_ik`` (the linear objectives' per-parcel values
   and the rules' prices, :mod:`landalloc.optimizer.nsga.moves`) and the pair reward ``r`` the
   compactness weight times the shared boundary (zero when compactness is not explored: the
   energy is then separable and its expansions end at each parcel's best priced use, taken
   directly). The prices ``lambda`` of the quotas, cropland balance and housing capacity follow
   the subgradient over a few rounds, as in :meth:`~landalloc.optimizer.nsga.moves.Moves.priced`;
   each round expands from the step-1 layout, and the least-violating labelling is kept.

The result goes through the NSGA-II repair (:meth:`~landalloc.optimizer.nsga.moves.Moves.repair`),
which restores the rules, and then through ``evaluate`` like every offspring. The repair is greedy and
may fall short on a tight county; a layout it leaves further from feasible than it was before the move
is handed back unmoved, so the move never costs a feasible parent its feasibility.
"""

from __future__ import annotations

import time
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from pymoo.core.mutation import Mutation

from landalloc.optimizer.milp.graphcut import Potts, alpha_expansion
from landalloc.optimizer.nsga.operators import random_weights
from landalloc.optimizer.nsga.relaxation import LP_GENES, relaxed_layouts

PRICE_ROUNDS = 20
"""Subgradient rounds of the rules' prices per move (each one labelling of every moved layout)."""
REPAIR_ROUNDS = 40
"""Repair rounds after the move (a re-labelled layout is further from feasible than a mutated one)."""
EXPANSION_SECONDS = 0.5
"""Wall time one layout's alpha-expansion may take per round when compactness is explored."""
COST_FLOOR = 1e-3
"""Objective cost (normalised parcel units) below which a service parcel counts as nearly free."""


class GraphCutMutation(Mutation):
    """``mutation`` for every offspring, then the graph-cut move for a share ``share`` of them
    (see the module docstring); offspring the move touched come back repaired."""

    def __init__(self, mutation: Mutation, share: float) -> None:
        super().__init__(prob=1.0)
        self.mutation, self.share = mutation, share

    def _do(self, problem, X, *args, random_state=None, **kwargs):
        X = self.mutation._do(problem, X, *args, random_state=random_state, **kwargs)
        rng = random_state
        rows = np.flatnonzero(rng.random(len(X)) < self.share)
        if len(rows) and problem.genome.n_genes:
            part = np.array(X[rows], dtype=problem.genome.dtype)
            X[rows] = graph_cut_move(problem, part, random_weights(len(rows), problem.n_obj, rng), rng)
        return X


def graph_cut_move(problem, genes: np.ndarray, weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Genes (rows × n_genes) re-labelled towards the weights ``weights`` (rows × M) and repaired;
    rows the repair leaves more violated than they came are returned as they came."""
    energy, led = Energy(problem), problem.ledger
    placed = energy.place_service(genes, weights)
    moved = problem.moves.repair(energy.relabel(placed, weights), weights, rng, rounds=REPAIR_ROUNDS)
    worse = led.violation(led.slack(moved)).sum(axis=1) > led.violation(led.slack(genes)).sum(axis=1)
    moved[worse] = genes[worse]
    return moved


class Energy:
    """The move's terms on one problem: the equity target's placement and the priced Potts energy."""

    def __init__(self, problem) -> None:
        self.land, self.genome, self.moves, self.ledger = problem, problem.genome, problem.moves, problem.ledger
        self.p = problem.problem
        self.equity = problem.objectives.index("equity") if "equity" in problem.objectives else -1
        self.compactness = problem.objectives.index("compactness") if "compactness" in problem.objectives else -1

    # -- step 1: service placement for the equity target -------------------------------------------

    def place_service(self, genes: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Free service land released, then placed greedily until every inhabited district's
        covered share reaches ``w_equity ×`` the best equity among ``genes``, each parcel serving
        the worst-served district (unchanged genes
        without equity). A parcel is only placed where it adds no violation of the rules (the
        construction cap is what limits service land)."""
        p, g, moves, led = self.p, self.genome, self.moves, self.ledger
        genes = genes.copy()
        if self.equity < 0 or p.service < 0 or len(p.demand) == 0:
            return genes
        pop, where = p.residents[p.demand], p.district[p.demand]
        total = np.bincount(where, weights=pop, minlength=len(p.districts))
        inhabited = total > 0
        target = weights[:, self.equity] * self.shares(genes)[:, inhabited].min(axis=1).max()
        value = self.unary_values(weights)                                       # R × n × K
        others = np.where(g.allowed[None], value, -np.inf)
        others[:, :, p.service] = -np.inf
        rows, cols = np.nonzero(genes == p.service)
        genes[rows, cols] = others[rows, cols].argmax(axis=1)
        cost = np.maximum(others.max(axis=2) - value[:, :, p.service], 0.0) + COST_FLOOR
        can = g.allowed[:, p.service]
        reach = moves.service_reach                                               # n × demand
        active = np.arange(len(genes))
        for _ in range(int(can.sum())):
            here = genes[active]
            count, _ = moves.coverage(here == p.service)
            uncovered = count <= 0
            share = self.shares(here)
            # max-min: only the worst-served districts below the target count
            share = np.where(inhabited[None, :], share, np.inf)
            short = (share <= share.min(axis=1, keepdims=True) + 1e-12) & (share < target[active, None] - 1e-12)
            worth = uncovered * short[:, where] * (pop / np.maximum(total[where], 1e-12))[None, :]
            gain = np.asarray(reach @ worth.T).T                                  # R' × n
            gain = np.where(can[None, :] & (here != p.service), gain, 0.0)
            best = (gain / cost[active]).argmax(axis=1)
            useful = gain[np.arange(len(active)), best] > 0
            active, best = active[useful], best[useful]
            if len(active) == 0:
                break
            genes[active, best] = p.service
        return genes

    def shares(self, genes: np.ndarray) -> np.ndarray:
        """Each district's covered share of residents (rows × districts)."""
        p = self.p
        pop, where = p.residents[p.demand], p.district[p.demand]
        total = np.bincount(where, weights=pop, minlength=len(p.districts))
        count, _ = self.moves.coverage(genes == p.service)
        return (self._by_district.T @ ((count > 0) * pop).T).T / np.maximum(total, 1e-12)

    @cached_property
    def _by_district(self) -> sp.csr_matrix:
        """Demand points × districts: which district each resident counts for."""
        where = self.p.district[self.p.demand]
        return sp.csr_matrix((np.ones(len(where)), (np.arange(len(where)), where)),
                             shape=(len(where), len(self.p.districts)))

    # -- step 2: the priced Potts energy and its expansions -------------------------------------------

    def unary_values(self, weights: np.ndarray) -> np.ndarray:
        """R × n × K: the linear objectives' weighted values (equity is step 1's, not here)."""
        w = self.moves.linear(weights).astype(np.float32)
        return np.einsum("nkm,rm->rnk", self.moves.values, w)

    def relabel(self, genes: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The best labelling found over the price rounds, service parcels held (rows × n_genes)."""
        g, led, p = self.genome, self.ledger, self.p
        value = self.unary_values(weights)
        held = genes == p.service if p.service >= 0 and self.equity >= 0 else np.zeros(genes.shape, bool)
        if led.n_constraints and g.n_genes <= LP_GENES and (self.compactness < 0 or not weights[:, self.compactness].any()):
            relaxed = self._relaxed(value, held)
            if relaxed is not None:
                return relaxed
        base = np.where(g.allowed[None], value, -np.inf)
        if held.any():
            base[:, :, p.service] = np.where(held, base[:, :, p.service], -np.inf)
            base = np.where(held[..., None] & (np.arange(p.n_uses) != p.service), -np.inf, base)
        if led.n_constraints == 0:
            return self._label(base, genes, weights)
        table = led.contribution / self.moves.units.astype(np.float32)               # n × K × C
        price = np.zeros((len(genes), led.n_constraints), np.float32)
        step = np.full(price.shape, 0.05, np.float32)
        last = np.zeros(price.shape, np.float32)
        best, least = genes.copy(), np.full(len(genes), np.inf)
        for _ in range(PRICE_ROUNDS):
            labels = self._label(base + np.einsum("nkc,rc->rnk", table, price), genes, weights)
            slack = led.slack(labels)
            violation = led.violation(slack)
            total = violation.sum(axis=1)
            keep = total <= least
            best[keep], least[keep] = labels[keep], total[keep]
            direction = np.where(violation > 0, 1.0, np.where(price > 0, -1.0, 0.0)).astype(np.float32)
            step = np.where(direction * last < 0, 0.5 * step, np.where(direction * last > 0, 1.5 * step, step))
            price = np.maximum(0.0, price + direction * step)
            last = direction
        return best

    def _relaxed(self, value: np.ndarray, held: np.ndarray) -> np.ndarray | None:
        """Per row, the rounded optimum of the linear relaxation of the separable energy under
        the rules (:func:`landalloc.optimizer.nsga.relaxation.relaxed_layouts`): the layout that
        alpha-expansion at the optimal prices reaches, found without guessing the prices. A held
        service parcel gets a bonus of its row's value range plus one parcel unit (large
        penalties would make the relaxation numerically loose); None when a relaxation fails
        (the price rounds then run instead)."""
        p = self.p
        out = np.empty(value.shape[:2], self.genome.dtype)
        for r in range(len(value)):
            row = value[r].copy()
            allowed = np.where(self.genome.allowed, row, np.nan)
            bonus = float(np.nanmax(allowed) - np.nanmin(allowed)) + 1.0
            row[held[r], p.service] += bonus
            layout = relaxed_layouts(self.ledger, row[:, :, None], np.ones((1, 1)))
            if layout is None:
                return None
            out[r] = layout[0]
        return out

    def _label(self, unary: np.ndarray, genes: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Each row's labelling: alpha-expansion from ``genes`` when edges are rewarded, else the
        per-parcel best use (what the expansions of a separable energy end at)."""
        if self.compactness < 0 or not weights[:, self.compactness].any():
            return unary.argmax(axis=2).astype(self.genome.dtype)
        out = genes.copy()
        for r in range(len(genes)):
            model = self.potts(unary[r], genes[r], float(weights[r, self.compactness]))
            out[r] = alpha_expansion(model, genes[r].astype(np.int64), time.perf_counter() + EXPANSION_SECONDS)
        return out

    def potts(self, unary: np.ndarray, genes: np.ndarray, weight: float) -> Potts:
        """The Potts energy of one layout's free parcels: edges between two free parcels carry the
        reward; an edge to a locked parcel rewards the free end for taking the locked one's use."""
        g, p = self.genome, self.p
        a, b, length, locked_end, locked_use = self._edges
        unary = unary.astype(float).copy()
        reward = weight * length
        compact = p.compact_uses[locked_use]
        np.add.at(unary, (locked_end[compact], locked_use[compact]), reward[len(a):][compact])
        pair = np.where(p.compact_uses[None, :], reward[:len(a), None], 0.0)
        return Potts(parcels=g.free, unary=unary, a=a, b=b, pair=pair, y_pair=np.zeros(0, np.int64))

    @cached_property
    def _edges(self) -> tuple[np.ndarray, ...]:
        """Free–free edges (gene numbers a, b), the reward per edge in parcel units (free–free
        edges first, then free–locked ones), and each free–locked edge's free gene and locked use."""
        g, p = self.genome, self.p
        ends = g.position[p.edges] if len(p.edges) else np.zeros((0, 2), np.int64)
        length = p.edge_length / max(float(np.mean(p.edge_length)), 1e-12) if len(p.edges) else np.zeros(0)
        both = (ends >= 0).all(axis=1)
        one = (ends >= 0).sum(axis=1) == 1
        free_end = np.where(ends[one, 0] >= 0, ends[one, 0], ends[one, 1])
        locked_parcel = np.where(ends[one, 0] >= 0, p.edges[one, 1], p.edges[one, 0])
        return (ends[both, 0], ends[both, 1], np.concatenate([length[both], length[one]]), free_end,
                g.base[locked_parcel])
