"""Repair and local improvement: greedy single-parcel moves, scored in bulk, taken as a best prefix.

Both steps work on a whole population at once. Each round, every layout that needs work draws a
sample of candidate parcels; each candidate gets its best target use (all K uses are scored
with the ledger's exact constraint effects and the layout's objective weights); candidates are
ranked, and because moves on distinct parcels add up exactly, the cumulative effect of every
prefix of the ranking is one ``cumsum``. The step takes the prefix that is best for it:

- **repair** takes the prefix with the least total (scaled) violation, ranking moves by
  violation removed per unit of objective lost (``greedy by suitability loss``); the total
  violation never increases, and rounds repeat until the layout is feasible or stuck;
- **improve** takes the longest prefix of gaining moves that keeps the layout feasible, then
  tries a *ruin and recreate* pass: the best moves regardless of constraints, followed by repair,
  kept only if the weighted objective rose. That pair is how quota-bound layouts swap uses
  between parcels (add urban land where it pays most, give it up where it pays least);
- **exchange** makes that swap deliberately: the best pair of moves, from the few best moves of
  every (from, to) direction, that gains and adds no violation. At a layout where every capped
  quota binds, single moves are stuck and pairs are what reach the optimum.

Objective weights are per layout (P × M, over the run's objectives); each objective is seen
through its per-(parcel, use) value: the linear objectives exactly, equity through the
district shares of residents a service parcel would cover, compactness not at all (the
spatial operators take care of it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from landalloc.optimizer.nsga.genome import Genome
from landalloc.optimizer.nsga.ledger import Ledger

EXCHANGE_ROWS = 8
"""Layouts scored together by the pair search (its pair table is rows × (K² top)² × C)."""
EPS = 1e-3
"""Objective loss (in normalised units, ~ one parcel's range) below which repair moves count as free."""


@dataclass(frozen=True, eq=False)
class Moves:
    """The move engine over one genome: constraint ledger plus objective values per (gene, use)."""

    genome: Genome
    ledger: Ledger
    values: np.ndarray
    """n_genes × K × M float32, larger is better, normalised to about one unit per parcel."""
    proxy: np.ndarray
    """Bool M: objectives whose values are only a proxy (equity). Repair counts them (so it does
    not undo service land placed for equity); improvement and pricing optimise the exact, linear
    objectives only and never move service land away while equity is explored, except that pair
    exchanges may move redundant service land (see :meth:`redundant_service`)."""

    def linear(self, weights: np.ndarray) -> np.ndarray:
        """Weights without the proxy objectives; rows left with none spread over the linear ones."""
        w = np.where(self.proxy[None, :], 0.0, weights)
        empty = w.sum(axis=1) <= 0
        if empty.any() and (~self.proxy).any():
            w[empty] = (~self.proxy).astype(float) / (~self.proxy).sum()
        return w

    @cached_property
    def protected(self) -> int:
        """The use improvement never takes away (public service while equity is explored), or -1."""
        return self.genome.problem.service if self.proxy.any() else -1

    def redundant_service(self, genes: np.ndarray) -> np.ndarray:
        """Bool P × n_genes: service parcels whose residents all have another service parcel in
        reach, so that moving one of them away leaves equity unchanged (all False when service is
        not protected).

        A service parcel is needed exactly when it is the only one in reach of some resident: the
        coverage counts say which residents have one server, and the sum of their servers' gene
        numbers names it. Both come from one sparse product for the whole population, whose cost
        is that of scoring the layouts' coverage (no per-layout indexing)."""
        out = np.zeros(genes.shape, bool)
        if self.protected < 0:
            return out
        serving = genes == self.protected
        count, server = self.coverage(serving)
        row, point = np.nonzero(count == 1)
        gene = server[row, point] - 1                 # -1: the one server is a locked parcel
        needed = gene >= 0
        out[:] = serving
        out[row[needed], gene[needed]] = False
        return out

    def coverage(self, serving: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per layout and demand point, how many service parcels reach it and the sum of the gene
        numbers (plus one) of the free ones among them: P × demand each, from the service genes
        ``serving`` (bool P × n_genes) and the locked service parcels."""
        numbers = np.arange(1, self.genome.n_genes + 1, dtype=float)
        both = np.concatenate([serving, serving * numbers], axis=0).astype(float)     # 2P × n_genes
        # sparse (demand × genes) times dense: cost nnz(catchments) × P, one call for both sums
        product = (self._reach_by_point @ both.T).T
        count = product[:len(serving)] + self._locked_coverage[None, :]
        server = np.rint(product[len(serving):]).astype(np.int64)
        return count, server

    @cached_property
    def _reach_by_point(self) -> sp.csr_matrix:
        return self.service_reach.T.tocsr()

    @cached_property
    def service_reach(self) -> sp.csr_matrix:
        """Free parcels × demand points: which residents each gene would serve."""
        return self.genome.problem.catchment_by_parcel[self.genome.free].tocsr()

    @cached_property
    def _locked_coverage(self) -> np.ndarray:
        """Per demand point, how many locked service parcels reach it."""
        g = self.genome
        p = g.problem
        locked = np.flatnonzero((g.base == p.service) & (g.position < 0))
        return np.asarray(p.catchment_by_parcel[locked].sum(axis=0)).reshape(-1)

    # -- candidates ------------------------------------------------------------------------------

    @cached_property
    def pools(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per constraint, the genes whose use matters to it (concatenated, with C+1 start offsets),
        and for every (constraint, gene) the bit mask of uses from which some allowed move raises
        the constraint's lhs (C × n_genes)."""
        g, led = self.genome, self.ledger
        k = g.problem.n_uses
        bits = np.zeros((led.n_constraints, g.n_genes), g.allowed_bits.dtype)
        weights = (np.ones(1, bits.dtype) << np.arange(k, dtype=bits.dtype)).astype(bits.dtype)
        parts = []
        for c in range(led.n_constraints):
            coef = led.contribution[:, :, c]
            hi = np.where(g.allowed, coef, -np.inf).max(axis=1)
            lo = np.where(g.allowed, coef, np.inf).min(axis=1)
            margin = 1e-6 * np.maximum(1.0, np.abs(hi))
            parts.append(np.flatnonzero(hi > lo + margin))
            below = coef < (hi - margin)[:, None]
            bits[c] = (below.astype(bits.dtype) * weights).sum(axis=1, dtype=bits.dtype)
        genes = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        start = np.concatenate([[0], np.cumsum([len(p) for p in parts])]).astype(np.int64)
        return genes, start, bits

    def _sample_for_violations(self, genes: np.ndarray, rows: np.ndarray, violation: np.ndarray,
                               size: int, rng: np.random.Generator, oversample: int = 8) -> np.ndarray:
        """size candidate genes per row that can help a violated constraint.

        Each slot picks a violated constraint (probability proportional to its violation) and a
        gene from its pool; of ``oversample`` times more draws, the ones whose current use can
        move towards the constraint come first (rejection sampling: no pass over all genes).
        """
        pool, start, bits = self.pools
        length = np.diff(start)
        weight = np.where(length[None, :] > 0, violation, 0.0)
        total = weight.sum(axis=1, keepdims=True)
        draws = size * oversample
        cand = rng.integers(0, self.genome.n_genes, (len(rows), draws))       # fallback: any gene
        helps = np.zeros(cand.shape, bool)
        ok = total[:, 0] > 0
        if ok.any():
            cdf = np.cumsum(weight[ok] / total[ok], axis=1)
            u = rng.random((int(ok.sum()), draws))
            c = np.minimum((u[:, :, None] > cdf[:, None, :]).sum(axis=2), len(length) - 1)
            pick = start[c] + (rng.random(c.shape) * length[c]).astype(np.int64)
            chosen = pool[np.minimum(pick, len(pool) - 1)]
            cand[ok] = chosen
            current = genes[rows[ok][:, None], chosen].astype(bits.dtype)
            helps[ok] = ((bits[c, chosen] >> current) & 1).astype(bool)
        order = np.argsort(~helps, axis=1, kind="stable")[:, :size]
        return np.take_along_axis(cand, order, axis=1)

    @staticmethod
    def _unique(cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sort candidates per row and flag repeats (a parcel moves at most once per round)."""
        cand = np.sort(cand, axis=1)
        valid = np.ones(cand.shape, bool)
        valid[:, 1:] = cand[:, 1:] != cand[:, :-1]
        return cand, valid

    def _loss(self, cand: np.ndarray, old: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Weighted objective loss of moving each candidate to each use: rows × S × K."""
        v = self.values[cand]                                                  # R×S×K×M
        score = np.einsum("rskm,rm->rsk", v, weights.astype(np.float32))
        return np.take_along_axis(score, old[..., None].astype(np.intp), axis=2) - score

    # -- repair ------------------------------------------------------------------------------------

    def repair(self, genes: np.ndarray, weights: np.ndarray, rng: np.random.Generator,
               rounds: int = 40, sample: int = 256, patience: int = 6) -> np.ndarray:
        """Restore allowed uses, then reduce constraint violations greedily (in place; returns genes)."""
        self._repair(genes, weights, rng, rounds, sample, patience)
        return genes

    def _repair(self, genes: np.ndarray, weights: np.ndarray, rng: np.random.Generator,
                rounds: int = 40, sample: int = 256, patience: int = 6) -> np.ndarray:
        """Repair in place and return the final slacks (P × C).

        Violations are summed with per-layout constraint weights that start at 1 and grow fourfold
        for the constraints still violated whenever a round makes no progress (breakout): a fix
        that needs two moves, such as urban growth on cropland (which breaks the cropland
        balance) plus new cropland elsewhere, becomes worth its first step.
        """
        g, led = self.genome, self.ledger
        g.restore_allowed(genes)
        slack = led.slack(genes)
        if led.n_constraints == 0 or len(genes) == 0:
            return slack
        stuck = np.zeros(len(genes), int)
        least = led.violation(slack).sum(axis=1)     # unweighted: what ends a row's repair
        lam = np.ones((len(genes), led.n_constraints))
        size = min(128, sample, g.n_genes)  # offspring are mostly near-feasible: start small, grow
        for _ in range(rounds):
            violation = led.violation(slack)
            rows = np.flatnonzero((violation.sum(axis=1) > 0) & (stuck < patience))
            if len(rows) == 0:
                break
            cand, valid = self._unique(self._sample_for_violations(genes, rows, violation[rows], size, rng))
            old = genes[rows[:, None], cand]
            active = self._active(slack[rows])
            effect = led.move_score_effect(cand, old, active)                    # R×S×K×C' float32
            weight = lam[rows][:, active].astype(np.float32)
            before = (violation[rows][:, active] * weight).sum(axis=1).astype(np.float32)
            after = (led.violation(slack[rows][:, active].astype(np.float32)[:, None, None, :] + effect,
                                   active) * weight[:, None, None, :]).sum(axis=3)
            gain = before[:, None, None] - after
            loss = self._loss(cand, old, weights[rows])
            use = np.arange(g.problem.n_uses)
            ok = g.allowed[cand] & (use != old[..., None]) & (gain > 1e-12) & valid[..., None]
            score = np.where(ok, gain / (np.maximum(loss, 0.0) + EPS), -np.inf)
            target = score.argmax(axis=2)
            best = np.take_along_axis(score, target[..., None], axis=2)[..., 0]
            taken = self._best_prefix(slack[rows], best, target, cand, old, lam[rows])
            progressed = self._apply(genes, slack, rows, cand, target, taken)
            now = led.violation(slack[rows]).sum(axis=1)
            better = now < least[rows] * (1 - 1e-9)
            least[rows] = np.minimum(least[rows], now)
            stuck[rows] = np.where(better, 0, stuck[rows] + 1)
            bump = rows[~progressed]
            lam[bump] = np.where(violation[bump] > 0, 4.0 * lam[bump], lam[bump])
            size = min(2 * size, sample, g.n_genes)
        return slack

    def _active(self, slack: np.ndarray, moves: int = 1) -> np.ndarray:
        """Constraints ``moves`` moves can break or mend in some row: violated, or within their reach."""
        return np.flatnonzero((slack < moves * self.ledger.reach).any(axis=0))

    def _best_prefix(self, slack: np.ndarray, best: np.ndarray, target: np.ndarray, cand: np.ndarray,
                     old: np.ndarray, weight: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rank candidates by score and pick a prefix length per row; returns (order, length, cum).

        Prefixes are checked on every constraint (many moves can break what one cannot). With
        ``weight`` (repair) the prefix of least weighted violation; without (improve) the longest
        prefix of gaining moves that adds no violation.
        """
        order = np.argsort(-best, axis=1, kind="stable")
        good = np.isfinite(np.take_along_axis(best, order, axis=1))
        gene = np.take_along_axis(cand, order, axis=1)
        chosen = self.ledger.chosen_effect(gene, np.take_along_axis(old, order, axis=1),
                                           np.take_along_axis(target, order, axis=1))      # R×S×C
        chosen = chosen * good[..., None]
        cum = np.cumsum(chosen, axis=1, dtype=np.float64)
        lam = np.ones_like(slack) if weight is None else weight
        total = (self.ledger.violation(slack[:, None, :] + cum) * lam[:, None, :]).sum(axis=2)   # R×S
        base = (self.ledger.violation(slack) * lam).sum(axis=1)
        if weight is not None:
            length = np.concatenate([base[:, None], total], axis=1).argmin(axis=1)
        else:
            fine = (total <= base[:, None] + 1e-12) & good
            length = np.where(fine.any(axis=1), fine.shape[1] - np.argmax(fine[:, ::-1], axis=1), 0)
        return order, length, cum

    def _apply(self, genes: np.ndarray, slack: np.ndarray, rows: np.ndarray, cand: np.ndarray,
               target: np.ndarray, taken: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
        """Make the chosen prefix of moves and update slacks exactly; returns rows that moved."""
        order, length, _ = taken
        mask = np.arange(order.shape[1])[None, :] < length[:, None]
        r_idx, pos = np.nonzero(mask)
        slot = order[r_idx, pos]
        gene, new = cand[r_idx, slot], target[r_idx, slot]
        old = genes[rows[r_idx], gene]
        genes[rows[r_idx], gene] = new
        if self.ledger.n_constraints and len(gene):
            change = self.ledger.moved(gene, old, new)                                   # M × C
            for c in range(change.shape[1]):
                slack[:, c] += np.bincount(rows[r_idx], weights=change[:, c], minlength=len(slack))
        return length > 0

    # -- improvement ---------------------------------------------------------------------------------

    def improve(self, genes: np.ndarray, weights: np.ndarray, rng: np.random.Generator,
                sample: int = 1024, ruin: float = 0.25) -> np.ndarray:
        """Raise each layout's weighted objective by feasible greedy moves, then one ruin-and-recreate
        pass kept only where it paid (in place; returns genes)."""
        g, led = self.genome, self.ledger
        if len(genes) == 0:
            return genes
        size = min(sample, g.n_genes)
        rows = np.arange(len(genes))
        slack = led.slack(genes)
        linear = self.linear(weights)
        cand, valid = self._unique(rng.integers(0, g.n_genes, (len(genes), size)))
        old = genes[rows[:, None], cand]
        gain = -self._loss(cand, old, linear)
        use = np.arange(g.problem.n_uses)
        ok = g.allowed[cand] & (use != old[..., None]) & valid[..., None] & (gain > 0) & \
            (old != self.protected)[..., None]
        active = self._active(slack)
        effect = led.move_score_effect(cand, old, active)
        before = led.violation(slack[:, active], active).sum(axis=1)
        after = led.violation(slack[:, active].astype(np.float32)[:, None, None, :] + effect, active).sum(axis=3)
        feasible_move = after <= before[:, None, None] + 1e-7
        score = np.where(ok & feasible_move, gain, -np.inf)
        target = score.argmax(axis=2)
        best = np.take_along_axis(score, target[..., None], axis=2)[..., 0]
        taken = self._best_prefix(slack, best, target, cand, old, None)
        self._apply(genes, slack, rows, cand, target, taken)
        if ruin > 0:
            self._ruin_and_recreate(genes, slack, weights, linear, rng, size, ruin)
        return genes

    def _ruin_and_recreate(self, genes: np.ndarray, slack: np.ndarray, weights: np.ndarray,
                           linear: np.ndarray, rng: np.random.Generator, size: int, ruin: float) -> None:
        g, led = self.genome, self.ledger
        trial = genes.copy()
        rows = np.arange(len(genes))
        cand, valid = self._unique(rng.integers(0, g.n_genes, (len(genes), size)))
        old = trial[rows[:, None], cand]
        gain = -self._loss(cand, old, linear)
        ok = g.allowed[cand] & valid[..., None] & (gain > 0) & (old != self.protected)[..., None]
        score = np.where(ok, gain, -np.inf)
        target = score.argmax(axis=2)
        best = np.take_along_axis(score, target[..., None], axis=2)[..., 0]
        count = np.maximum(1, (rng.random(len(genes)) * ruin * np.isfinite(best).sum(axis=1)).astype(int))
        order = np.argsort(-best, axis=1, kind="stable")
        take = (np.arange(size)[None, :] < count[:, None]) & np.isfinite(np.take_along_axis(best, order, axis=1))
        r_idx, pos = np.nonzero(take)
        slot = order[r_idx, pos]
        trial[r_idx, cand[r_idx, slot]] = target[r_idx, slot]
        before_v = led.violation(slack).sum(axis=1)
        after_v = led.violation(self._repair(trial, weights, rng, rounds=15)).sum(axis=1)
        better = (after_v <= before_v + 1e-12) & (self.gain(genes, trial, linear) > 1e-9) & \
            (self.protected < 0 or ((genes == self.protected).sum(axis=1) <= (trial == self.protected).sum(axis=1)))
        genes[better] = trial[better]

    def exchange(self, genes: np.ndarray, weights: np.ndarray, rng: np.random.Generator,
                 rounds: int = 10, sample: int = 4096, top: int = 4) -> np.ndarray:
        """Pairs of moves that gain together while neither is allowed alone (in place; returns genes).

        When the quotas bind, no single gaining move keeps a layout feasible: a parcel can only
        take a capped use if another gives it up. Each round, every layout draws ``sample``
        parcels, keeps the ``top`` best-gaining moves of every (from use, to use) direction, scores
        every pair of them with the ledger's exact constraint effects, and makes the best pair
        that gains and adds no violation. Rows stop when no pair gains.
        """
        g, led = self.genome, self.ledger
        if len(genes) == 0 or g.n_genes < 2:
            return genes
        linear = self.linear(weights)
        slack = led.slack(genes)
        rows = np.arange(len(genes))
        for _ in range(rounds):
            if len(rows) == 0:
                break
            found = np.zeros(len(rows), bool)
            for part in np.array_split(np.arange(len(rows)), max(1, len(rows) // EXCHANGE_ROWS)):
                found[part] = self._exchange_round(genes, slack, rows[part], linear[rows[part]], rng,
                                                   min(sample, g.n_genes), top)
            rows = rows[found]
        return genes

    def _exchange_round(self, genes: np.ndarray, slack: np.ndarray, rows: np.ndarray, linear: np.ndarray,
                        rng: np.random.Generator, size: int, top: int) -> np.ndarray:
        """Make each row's best feasible gaining pair of moves; returns which rows found one."""
        led = self.ledger
        gene, old, new, gain = self._best_moves(genes[rows], linear, rng, size, top)      # R × M each
        used = np.flatnonzero(np.isfinite(gain).any(axis=0))    # most directions are empty or forbidden
        gene, old, new, gain = gene[:, used], old[:, used], new[:, used], gain[:, used]
        active = self._active(slack[rows], moves=2)
        effect = led.chosen_effect(gene, old, new)[..., active]                           # R × M × C'
        here = slack[rows][:, active].astype(np.float32)
        before = led.violation(here, active).sum(axis=1)
        after = led.violation(here[:, None, None, :] + effect[:, :, None, :] + effect[:, None, :, :],
                              active).sum(axis=3)                                         # R × M × M
        total = gain[:, :, None] + gain[:, None, :]
        # one service parcel at most may leave per pair: two redundant ones may cover the same residents
        leaves = old == self.protected
        ok = (after <= before[:, None, None] + 1e-7) & (gene[:, :, None] != gene[:, None, :]) & \
            np.isfinite(total) & (total > 1e-6) & ~(leaves[:, :, None] & leaves[:, None, :])
        score = np.where(ok & np.triu(np.ones(ok.shape[1:], bool), k=1)[None], total, -np.inf)
        best = score.reshape(len(rows), -1).argmax(axis=1)
        first, second = np.divmod(best, gene.shape[1])
        found = np.isfinite(score[np.arange(len(rows)), first, second])
        r = np.flatnonzero(found)
        if len(r):
            rr, pick = np.concatenate([r, r]), np.concatenate([first[r], second[r]])
            moved_gene, moved_old, moved_new = gene[rr, pick], old[rr, pick], new[rr, pick]
            genes[rows[rr], moved_gene] = moved_new
            change = led.moved(moved_gene, moved_old, moved_new)                           # exact, float64
            for c in range(change.shape[1]):
                slack[:, c] += np.bincount(rows[rr], weights=change[:, c], minlength=len(slack))
        return found

    def _best_moves(self, genes: np.ndarray, linear: np.ndarray, rng: np.random.Generator, size: int,
                    top: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The ``top`` best-gaining moves of each (from, to) direction among ``size`` sampled genes
        per row: gene, old use, new use and gain, each R × (K² · top) (gain -inf in empty slots)."""
        g = self.genome
        k = g.problem.n_uses
        rows = np.arange(len(genes))
        if size >= g.n_genes:
            cand = np.broadcast_to(np.arange(g.n_genes), (len(genes), g.n_genes))
            valid = np.ones(cand.shape, bool)
        else:
            cand, valid = self._unique(rng.integers(0, g.n_genes, (len(genes), size)))
        old = genes[rows[:, None], cand]
        gain = -self._loss(cand, old, linear)                                       # R × S × K
        movable = old != self.protected
        if self.protected >= 0:
            movable |= np.take_along_axis(self.redundant_service(genes), cand, axis=1)
        ok = g.allowed[cand] & (np.arange(k) != old[..., None]) & valid[..., None] & movable[..., None]
        gain = np.where(ok, gain, -np.inf).reshape(len(genes), -1)                  # R × (S·K)
        index = np.int16 if k * k < 2**15 else np.int64    # small keys: the stable sort is a radix sort
        direction = (old.astype(index)[..., None] * index(k) + np.arange(k, dtype=index)).reshape(len(genes), -1)
        order = np.argsort(-gain, axis=1)
        order = np.take_along_axis(order, np.argsort(np.take_along_axis(direction, order, axis=1), axis=1,
                                                     kind="stable"), axis=1)
        sorted_dir = np.take_along_axis(direction, order, axis=1)
        position = np.arange(order.shape[1])[None, :]
        starts = np.ones(sorted_dir.shape, bool)
        starts[:, 1:] = sorted_dir[:, 1:] != sorted_dir[:, :-1]
        rank = position - np.maximum.accumulate(np.where(starts, position, 0), axis=1)
        slot = sorted_dir.astype(np.int64) * top + rank
        keep = rank < top
        n_slots = k * k * top
        out_gene = np.zeros((len(genes), n_slots), np.int64)
        out_old = np.zeros((len(genes), n_slots), genes.dtype)
        out_new = np.zeros((len(genes), n_slots), genes.dtype)
        out_gain = np.full((len(genes), n_slots), -np.inf)
        r, c = np.nonzero(keep)
        flat = order[r, c]
        s, target = np.divmod(flat, k)
        out_gene[r, slot[r, c]] = cand[r, s]
        out_old[r, slot[r, c]] = old[r, s]
        out_new[r, slot[r, c]] = target
        out_gain[r, slot[r, c]] = gain[r, flat]
        return out_gene, out_old, out_new, out_gain

    # -- Lagrangian pricing --------------------------------------------------------------------------

    @cached_property
    def units(self) -> np.ndarray:
        """Per constraint, how much one parcel typically moves its lhs (prices are per parcel)."""
        table = self.ledger.contribution
        hi = np.where(self.genome.allowed[:, :, None], table, -np.inf).max(axis=1)
        lo = np.where(self.genome.allowed[:, :, None], table, np.inf).min(axis=1)
        spread = hi - lo
        moving = spread > 0
        return np.array([spread[moving[:, c], c].mean() if moving[:, c].any() else 1.0
                         for c in range(table.shape[2])])

    def priced(self, weights: np.ndarray, iterations: int = 60) -> np.ndarray:
        """Layouts that maximise each row's weighted objective under constraint prices.

        Lagrangian relaxation: every parcel takes its best allowed use for
        ``w·value + sum_c price_c · lhs_c``, and prices follow the subgradient (rise while a
        constraint is violated, fall to zero while it has room). With thousands of parcels and a
        few dozen constraints the duality gap is small, so the result, repaired, lies close to the
        weighted-sum optimum of the linear objectives: the front's supported points, found
        without a solver. Returns genes (rows × n_genes), not yet repaired.
        """
        g, led = self.genome, self.ledger
        rows = len(weights)
        n, k = g.n_genes, g.problem.n_uses
        weights = self.linear(weights)
        base = (self.values.reshape(n * k, -1) @ weights.T.astype(np.float32)).T.reshape(rows, n, k)
        base = np.where(g.allowed[None], base, -np.inf)
        if led.n_constraints == 0:
            return base.argmax(axis=2).astype(g.dtype)
        unit = self.units
        table = (led.contribution / unit.astype(np.float32)).reshape(n * k, -1)     # nK × C
        price = np.zeros((rows, led.n_constraints), np.float32)
        step = np.full((rows, led.n_constraints), 0.05, np.float32)
        last = np.zeros((rows, led.n_constraints), np.float32)
        best_genes = base.argmax(axis=2).astype(g.dtype)
        best_violation = np.full(rows, np.inf)
        for _ in range(iterations):
            shift = (table @ price.T).T.reshape(rows, n, k)
            genes = (base + shift).argmax(axis=2).astype(g.dtype)
            slack = led.slack(genes)
            violation = led.violation(slack).sum(axis=1)
            keep = violation <= best_violation
            best_genes[keep], best_violation[keep] = genes[keep], violation[keep]
            # sign of the subgradient, with a step per price that grows while the sign holds and
            # halves when it flips (prices settle where the constraint just holds)
            direction = np.where(led.violation(slack) > 0, 1.0, np.where(price > 0, -1.0, 0.0)).astype(np.float32)
            step = np.where(direction * last < 0, 0.5 * step, np.where(direction * last > 0, 1.5 * step, step))
            price = np.maximum(0.0, price + direction * step)
            last = direction
        return best_genes

    def gain(self, before: np.ndarray, after: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Weighted objective proxy gained by each row going from ``before`` to ``after``."""
        rows, genes = np.nonzero(before != after)
        v = self.values[genes]                                                 # changed × K × M
        old = np.take_along_axis(v, before[rows, genes].astype(np.intp)[:, None, None], axis=1)[:, 0]
        new = np.take_along_axis(v, after[rows, genes].astype(np.intp)[:, None, None], axis=1)[:, 0]
        per_move = ((new - old).astype(np.float64) * weights[rows]).sum(axis=1)
        return np.bincount(rows, weights=per_move, minlength=len(before))
