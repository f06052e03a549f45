"""Operators made for land allocation: feasible sampling, block and district crossover,
neighbour mutation, repair with local improvement, and duplicate detection by fingerprint.

Every operator reads the genome through the pymoo problem it is handed (``problem.genome``,
``problem.moves``), draws randomness only from the ``random_state`` pymoo passes (so a seed fixes
the run and checkpoints resume exactly), and works on the whole population with array operations.
"""

from __future__ import annotations

import numpy as np
from pymoo.core.crossover import Crossover
from pymoo.core.duplicate import DuplicateElimination
from pymoo.core.mutation import Mutation
from pymoo.core.repair import Repair
from pymoo.core.sampling import Sampling

from landalloc.optimizer.nsga.relaxation import LP_GENES, relaxed_layouts

PRICING_BUDGET = 2_000_000
"""Gene-rows of Lagrangian pricing in the initial population (e.g. 10 rows of 200,000 genes)."""
IMPROVE_GENES = 50_000
"""Above this many genes the share of improved offspring shrinks in proportion."""
SERVICE_STEPS = 20
"""Service placements for the most equity-weighted sampled layouts (fewer for the others)."""
MAX_PERTURBED = 2000
"""Most genes a sampled layout changes from its seed before repair."""
EXTREME_EXCHANGES = 40
"""Rounds of pair exchanges for the single-objective layouts of the initial population."""
EXTREME_TOP = 16
"""Moves kept per (from, to) direction there (fewer leave quota-bound optima unreached)."""
EXCHANGE_GENES = 1024
"""Parcels sampled per improved offspring when it looks for gaining pairs of moves."""
EXCHANGE_TOP = 4
"""Moves kept per (from, to) direction when improved offspring look for gaining pairs."""
EXTREME_SHARE = 0.3
"""Share of weight vectors that push a single objective (keeps the front's ends well fed)."""


def random_weights(n_rows: int, n_objectives: int, rng: np.random.Generator) -> np.ndarray:
    """Objective weights per layout: Dirichlet(1), or a single objective with EXTREME_SHARE."""
    w = rng.dirichlet(np.ones(n_objectives), size=n_rows)
    extreme = rng.random(n_rows) < EXTREME_SHARE
    w[extreme] = np.eye(n_objectives)[rng.integers(0, n_objectives, int(extreme.sum()))]
    return w


class FeasibleSampling(Sampling):
    """Seeds first (given layouts, today's layout), then priced layouts, then perturbed copies.

    A share ``priced`` of the new layouts comes from Lagrangian pricing
    (:meth:`landalloc.optimizer.nsga.moves.Moves.priced`) along spread weight vectors, the single-objective
    extremes first: near the front's supported points from the start. Up to LP_GENES free
    parcels, the extremes come from the rounded linear relaxation instead
    (:mod:`landalloc.optimizer.nsga.relaxation`), closer still. The others start from a seed, set a random
    share (up to ``perturb``, at most MAX_PERTURBED genes) to random allowed uses. All are
    repaired and improved towards their weight vector; the extremes then get pair exchanges
    until none gains (where the quotas bind, the last steps to the optimum are swaps).
    """

    def __init__(self, seeds: np.ndarray, perturb: float = 0.3, improve_passes: int = 3,
                 priced: float = 0.5) -> None:
        super().__init__()
        self.seeds = seeds
        self.perturb = perturb
        self.improve_passes = improve_passes
        self.priced = priced

    def _do(self, problem, n_samples, *args, random_state=None, **kwargs):
        rng, genome, moves = random_state, problem.genome, problem.moves
        seeds = self.seeds
        n_seed = min(len(seeds), n_samples)
        base = seeds[np.arange(n_samples) % len(seeds)].copy()
        fresh = np.arange(n_seed, n_samples)
        weights = random_weights(n_samples, problem.n_obj, rng)
        # pricing costs n_genes × K × C per row and iteration: all objectives' extremes, and more
        # rows only while that stays small
        affordable = max(problem.n_obj + 2, PRICING_BUDGET // max(1, genome.n_genes))
        n_priced = min(len(fresh), int(round(self.priced * len(fresh))), affordable)
        extremes = fresh[:min(n_priced, problem.n_obj)]
        if n_priced:
            rows = fresh[:n_priced]
            weights[extremes] = np.eye(problem.n_obj)[:len(extremes)]
            relaxed = relaxed_layouts(problem.ledger, moves.values, moves.linear(weights[extremes])) \
                if genome.n_genes <= LP_GENES else None
            if relaxed is not None:  # the relaxation's ends are closer to the integer optimum than pricing's
                base[extremes] = relaxed
                rows = rows[len(extremes):]
            if len(rows):
                base[rows] = moves.priced(weights[rows])
        perturbed = fresh[n_priced:]
        # at most MAX_PERTURBED genes per layout: repair cost grows with the changes, not with N
        share = rng.uniform(0.0, self.perturb, len(perturbed)) * min(1.0, MAX_PERTURBED / max(1, genome.n_genes))
        count = rng.binomial(genome.n_genes, share)
        rows = np.repeat(perturbed, count)
        cols = rng.integers(0, genome.n_genes, len(rows))
        options = genome.allowed[cols]
        base[rows, cols] = np.where(options, rng.random(options.shape), -1.0).argmax(axis=1)
        moves.repair(base, weights, rng, rounds=200)
        if "equity" in problem.objectives and len(fresh):
            # equity comes from service land where the worst-served district needs it
            share = weights[fresh, problem.objectives.index("equity")]
            steps = np.round(share * SERVICE_STEPS).astype(int)
            for step in range(int(steps.max(initial=0))):
                rows = fresh[steps > step]
                part = base[rows]
                NeighbourMutation(coverage=1.0).serve_worst_district(problem, part, rng)
                moves.repair(part, weights[rows], rng)
                base[rows] = part
        if len(fresh):
            part = base[fresh]
            for _ in range(self.improve_passes):
                moves.improve(part, weights[fresh], rng)
            base[fresh] = part
        if len(extremes):  # quota-bound ends need pairs of moves to reach the optimum
            part = base[extremes]
            moves.exchange(part, weights[extremes], rng, rounds=EXTREME_EXCHANGES, top=EXTREME_TOP)
            base[extremes] = part
        return base


class SpatialCrossover(Crossover):
    """Exchange a connected block (a disc around a random parcel) or whole districts.

    Blocks carry compact patches and local trade-offs (a town and its service land) from one
    parent to the other intact; district exchange keeps each district's housing balance.
    ``district_share`` of matings exchange districts, the rest exchange a disc covering a
    random 5-50 % of the free parcels' extent.
    """

    def __init__(self, district_share: float = 0.3, prob: float = 0.9) -> None:
        super().__init__(n_parents=2, n_offsprings=2, prob=prob)
        self.district_share = district_share

    def _do(self, problem, X, *args, random_state=None, **kwargs):
        rng, genome = random_state, problem.genome
        _, n_matings, _ = X.shape
        mask = self.masks(genome, n_matings, rng)
        first = np.where(mask, X[1], X[0])
        second = np.where(mask, X[0], X[1])
        return np.stack([first, second])

    def masks(self, genome, n_matings: int, rng: np.random.Generator) -> np.ndarray:
        """Bool n_matings × n_genes: the genes each mating exchanges."""
        xy = genome.centroids
        span = np.ptp(xy, axis=0) if len(xy) else np.zeros(2)
        extent = max(float(span[0] * span[1]), float(max(span.max(), 1.0)) ** 2 * 1e-6)
        centre = xy[rng.integers(0, len(xy), n_matings)]
        radius2 = rng.uniform(0.05, 0.5, n_matings) * extent / np.pi
        by_district = rng.random(n_matings) < self.district_share
        n_districts = int(genome.district.max()) + 1 if genome.n_genes else 1
        chosen = rng.random((n_matings, n_districts)) < 0.5
        mask = np.empty((n_matings, genome.n_genes), bool)
        # float32 offsets from the county's corner: half the memory traffic, metre precision
        corner = xy.min(axis=0) if len(xy) else np.zeros(2)
        x, y = (np.ascontiguousarray(xy[:, j] - corner[j], dtype=np.float32) for j in range(2))
        cx, cy = (centre - corner).astype(np.float32).T
        for m in range(n_matings):
            if by_district[m] and n_districts > 1:
                mask[m] = chosen[m, genome.district]
            else:
                dx, dy = x - cx[m], y - cy[m]
                mask[m] = dx * dx + dy * dy <= np.float32(radius2[m])
        return mask


class NeighbourMutation(Mutation):
    """Move parcels to a neighbour's use, grow patches, or (rarely) try any allowed use.

    Each layout gets ``1 + Poisson(rate)`` events at random free parcels. An event copies the use
    of a random neighbour (``spread`` of them also to the parcel's other free neighbours, which
    grows patches and helps compactness) or, with probability ``explore``, a random allowed use
    (how service land appears where none is near). Uses a parcel may not take are skipped.
    """

    def __init__(self, rate: float | None = None, spread: float = 0.3, explore: float = 0.2,
                 coverage: float = 0.2) -> None:
        super().__init__(prob=1.0)
        self.rate, self.spread, self.explore, self.coverage = rate, spread, explore, coverage

    def _do(self, problem, X, *args, random_state=None, **kwargs):
        rng, g = random_state, problem.genome
        X = np.array(X, dtype=g.dtype)
        if g.n_genes == 0:
            return X
        indptr, nb_gene, nb_fixed = g.neighbours
        rate = self.rate if self.rate is not None else 1.0 + np.sqrt(g.n_genes) / 10.0
        count = 1 + rng.poisson(rate, len(X))
        row = np.repeat(np.arange(len(X)), count)
        gene = rng.integers(0, g.n_genes, len(row))
        degree = indptr[gene + 1] - indptr[gene]
        pick = indptr[gene] + (rng.random(len(row)) * degree).astype(np.int64)
        has_nb = degree > 0
        nb = np.where(has_nb, pick, 0)
        nb_use = np.where(nb_gene[nb] >= 0, X[row, np.maximum(nb_gene[nb], 0)], nb_fixed[nb])
        options = g.allowed[gene]
        random_use = np.where(options, rng.random(options.shape), -1.0).argmax(axis=1)
        use = np.where(has_nb & (rng.random(len(row)) >= self.explore), nb_use, random_use).astype(g.dtype)
        ok = options[np.arange(len(row)), use]
        X[row[ok], gene[ok]] = use[ok]
        spread = ok & (rng.random(len(row)) < self.spread)
        if spread.any():
            r, s, u = row[spread], gene[spread], use[spread]
            deg = indptr[s + 1] - indptr[s]
            rr, uu = np.repeat(r, deg), np.repeat(u, deg)
            slots = np.concatenate([np.arange(indptr[a], indptr[a + 1]) for a in s]) if len(s) else \
                np.zeros(0, np.int64)
            target = nb_gene[slots]
            free = target >= 0
            rr, uu, target = rr[free], uu[free], target[free]
            fits = g.allowed[target, uu]
            X[rr[fits], target[fits]] = uu[fits]
        if "equity" in problem.objectives and self.coverage > 0:
            self.serve_worst_district(problem, X, rng)
        return X

    def serve_worst_district(self, problem, X: np.ndarray, rng: np.random.Generator) -> None:
        """For a share ``coverage`` of layouts, turn into public-service land the free parcel that
        covers the most residents of the worst-served district who have no service within reach
        (equity is a max-min share: only the worst district counts).

        All chosen layouts at once: one sparse product gives their coverage, and the candidates
        (the parcels in reach of a random unserved resident of each layout's worst district) are
        scored together, so the cost follows the catchments' size, without per-layout indexing."""
        p, g, moves = problem.problem, problem.genome, problem.moves
        rows = np.flatnonzero(rng.random(len(X)) < self.coverage)
        if p.service < 0 or len(p.demand) == 0 or len(rows) == 0:
            return
        pop, where = p.residents[p.demand], p.district[p.demand]
        total = np.bincount(where, weights=pop, minlength=len(p.districts))
        count, _ = moves.coverage(X[rows] == p.service)
        covered = count > 0
        reached = np.zeros((len(rows), len(total)))
        r_idx, point = np.nonzero(covered)
        np.add.at(reached, (r_idx, where[point]), pop[point])
        share = np.where(total > 0, reached / np.maximum(total, 1e-12), np.inf)
        need = ~covered & (where[None, :] == share.argmin(axis=1)[:, None])
        has = need.any(axis=1)
        rows, need = rows[has], need[has]
        if len(rows) == 0:
            return
        target = np.where(need, rng.random(need.shape), -1.0).argmax(axis=1)      # one unserved resident each
        catchment = p.catchment
        pair, parcel = _slices(catchment.indptr, catchment.indices, target)
        gene = g.position[parcel]
        keep = gene >= 0
        pair, gene = pair[keep], gene[keep]
        keep = g.allowed[gene, p.service] & (X[rows[pair], gene] != p.service)
        pair, gene = pair[keep], gene[keep]
        if len(pair) == 0:
            return
        reach = moves.service_reach
        entry, point = _slices(reach.indptr, reach.indices, gene)
        weight = (pop[None, :] * need)[pair[entry], point]
        gain = np.bincount(entry, weights=weight, minlength=len(pair))
        best = np.full(len(rows), -np.inf)
        np.maximum.at(best, pair, gain)
        linear = moves.values[:, :, ~moves.proxy].sum(axis=2) if (~moves.proxy).any() else \
            np.zeros(g.allowed.shape, np.float32)
        cost = linear[gene, X[rows[pair], gene]] - linear[gene, p.service]
        # of the parcels that reach (nearly) the most, the one cheapest to turn into service
        eligible = np.flatnonzero(gain >= 0.9 * best[pair])
        order = eligible[np.lexsort((cost[eligible], pair[eligible]))]
        first = order[np.r_[True, pair[order][1:] != pair[order][:-1]]]
        X[rows[pair[first]], gene[first]] = p.service


def _slices(indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The CSR rows ``rows`` concatenated: for each entry, which of ``rows`` it came from and its
    column."""
    counts = indptr[rows + 1] - indptr[rows]
    owner = np.repeat(np.arange(len(rows)), counts)
    offset = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, indices[indptr[rows][owner] + offset]


class RepairAndImprove(Repair):
    """Repair every layout (allowed uses, quotas, balance, capacity); improve a share of them.

    ``improve_share`` of the repaired layouts (less above IMPROVE_GENES genes) get one
    local-improvement pass and ``exchange_rounds`` rounds of pair exchanges towards a random
    weighting of the objectives (see :mod:`landalloc.optimizer.nsga.moves`). Offspring get at most
    ``rounds`` repair rounds: the few still infeasible then compete by constraint violation.
    """

    def __init__(self, improve_share: float = 0.3, rounds: int = 12, exchange_rounds: int = 2) -> None:
        super().__init__()
        self.improve_share = improve_share
        self.rounds = rounds
        self.exchange_rounds = exchange_rounds

    def _do(self, problem, X, random_state=None, **kwargs):
        rng = random_state if random_state is not None else np.random.default_rng()
        genes = np.array(X, dtype=problem.genome.dtype)
        weights = random_weights(len(genes), problem.n_obj, rng)
        problem.moves.repair(genes, weights, rng, rounds=self.rounds)
        algorithm = kwargs.get("algorithm")
        if algorithm is not None and not algorithm.is_initialized:
            return genes  # the initial population: sampling has improved it, seeds stay as given
        # on very large instances fewer layouts per generation, so a generation stays cheap
        share = self.improve_share * min(1.0, IMPROVE_GENES / max(1, problem.genome.n_genes))
        chosen = np.flatnonzero(rng.random(len(genes)) < share)
        if len(chosen):
            part = genes[chosen]
            problem.moves.improve(part, weights[chosen], rng)
            problem.moves.exchange(part, weights[chosen], rng, rounds=self.exchange_rounds, sample=EXCHANGE_GENES,
                                   top=EXCHANGE_TOP)
            genes[chosen] = part
        return genes


class FingerprintDuplicates(DuplicateElimination):
    """Duplicate layouts found by a 64-bit universal hash of the genes, confirmed by comparison.

    pymoo's default compares every pair of layouts by distance (P² × N work); hashing is P × N.
    """

    def __init__(self) -> None:
        super().__init__()
        self._multipliers: np.ndarray | None = None

    def _hash(self, X: np.ndarray) -> np.ndarray:
        X = np.ascontiguousarray(X).view(np.uint8).reshape(len(X), -1)
        pad = (-X.shape[1]) % 8
        if pad:
            X = np.concatenate([X, np.zeros((len(X), pad), np.uint8)], axis=1)
        words = X.view(np.uint64)
        if self._multipliers is None or len(self._multipliers) != words.shape[1]:
            self._multipliers = np.random.default_rng(0).integers(1, 2**63, words.shape[1],
                                                                  dtype=np.uint64) | np.uint64(1)
        with np.errstate(over="ignore"):
            return (words * self._multipliers).sum(axis=1, dtype=np.uint64)

    def _do(self, pop, other, is_duplicate):
        X = pop.get("X")
        h = self._hash(X)
        if other is None:
            seen: dict[int, list[int]] = {}
            for i, key in enumerate(h.tolist()):
                if any(np.array_equal(X[i], X[j]) for j in seen.get(key, [])):
                    is_duplicate[i] = True
                else:
                    seen.setdefault(key, []).append(i)
        else:
            Y = other.get("X")
            index: dict[int, list[int]] = {}
            for j, key in enumerate(self._hash(Y).tolist()):
                index.setdefault(key, []).append(j)
            for i, key in enumerate(h.tolist()):
                if any(np.array_equal(X[i], Y[j]) for j in index.get(key, [])):
                    is_duplicate[i] = True
        return is_duplicate
