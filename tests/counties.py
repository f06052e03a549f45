"""Random tiny counties that exhaustive enumeration can still solve, for testing the engines.

``random_county(seed)`` draws a county of 6-12 parcels, a grid or irregular (Voronoi) polygons,
with every rule switched on or off at random, locked parcels and locked pairs of neighbouring
cropland (basic farmland), area quotas, cropland balance, population-capacity targets, a random
set of compact uses and residents in several districts for equity. The same seed gives the same
county, so a failing case is reported by its seed and can be rebuilt by the sweep
(``python -m benchmarks.exact_sweep --seed S --cases 1``) or written as an instance folder
(:meth:`County.write`) for the ``landalloc`` command.

The layouts a county allows (the product of each parcel's allowed uses) are kept below
``max_layouts``: while there are more, the parcel with the most options becomes basic farmland
on cropland, which locks it (the ``basic_farmland`` rule is switched on when it is off).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from landalloc.models import Instance, Problem, parse_scenario
from landalloc.models.parcels import validate_parcels

USES = {
    "crop": {"name_en": "cropland", "group": "agricultural", "color": "#f5d76e"},
    "grass": {"name_en": "grassland", "group": "ecological", "color": "#a5d66f"},
    "forest": {"name_en": "forest", "group": "ecological", "color": "#1a9850"},
    "urban": {"name_en": "urban construction", "group": "construction", "color": "#d7301f"},
    "service": {"name_en": "public service", "group": "construction", "color": "#7b3294"},
}
RULES = ("conversion", "basic_farmland", "eco_redline", "urban_boundary", "quotas", "cropland_balance",
         "population_capacity")
MAX_LAYOUTS = 20_000
"""Default cap on the layouts of a county (every one is evaluated by the reference)."""
ORIGIN = (380_000.0, 4_290_000.0)
"""South-west corner of every county, in UTM zone 49N metres."""


@dataclass
class County:
    """A drawn county: its parcel table and scenario (as the dict a scenario.toml holds)."""

    seed: int
    shape: str
    parcels: gpd.GeoDataFrame
    scenario: dict[str, Any]

    def instance(self) -> Instance:
        chosen = parse_scenario(copy.deepcopy(self.scenario))
        return Instance(validate_parcels(self.parcels.copy(), chosen.codes), chosen)

    def compile(self) -> Problem:
        return self.instance().compile()

    def write(self, folder: str | Path) -> Path:
        """An instance folder (parcels.gpkg, scenario.toml, README.md) for the command line."""
        from landalloc.instances.synthetic import write_instance

        readme = f"# random county {self.seed}\n\nDrawn by tests/counties.py (seed {self.seed}, {self.shape}).\n"
        return write_instance(self.parcels, copy.deepcopy(self.scenario), folder, readme, force=True)

    def __repr__(self) -> str:
        rules = [r for r, on in self.scenario["rules"].items() if on]
        return (f"County(seed {self.seed}, {self.shape}, {len(self.parcels)} parcels, uses "
                f"{[u['code'] for u in self.scenario['land_use']]}, rules {rules})")


def random_county(seed: int, max_layouts: int = MAX_LAYOUTS) -> County:
    """The county of ``seed`` (see the module docstring)."""
    rng = np.random.default_rng(seed)
    shape = "grid" if rng.random() < 0.5 else "polygons"
    geometry = _grid(rng) if shape == "grid" else _polygons(rng)
    n = len(geometry)
    codes = ["crop", *rng.choice(["grass", "forest", "urban", "service"], size=int(rng.integers(2, 4)),
                                 replace=False).tolist()]
    current = rng.choice(codes, size=n)
    current[rng.integers(n)] = "crop"
    centroid_x = shapely.get_x(shapely.centroid(geometry))
    n_districts = int(rng.integers(1, 4))
    cuts = np.quantile(centroid_x, np.linspace(0, 1, n_districts + 1)[1:-1])
    district = np.array([f"d{k + 1}" for k in np.searchsorted(cuts, centroid_x)])
    farmland = np.zeros(n, bool)
    edges = _neighbours(geometry)
    if len(edges) and rng.random() < 0.7:   # a locked pair: two neighbouring basic-farmland croplands
        a, b = edges[rng.integers(len(edges))]
        current[[a, b]] = "crop"
        farmland[[a, b]] = True
    farmland |= (current == "crop") & (rng.random(n) < 0.15)
    may_stay = np.isin(current, ["crop", "grass", "forest"])   # the red line keeps them a use
    table = {
        "parcel_id": np.arange(1, n + 1),
        "current_use": current,
        "district": district,
        "pop": np.where(rng.random(n) < 0.5, np.round(rng.uniform(20, 200, n)), 0.0),
        "farmland": farmland,
        "eco_redline": ~farmland & may_stay & (rng.random(n) < 0.2),
        "urban_boundary": rng.random(n) < 0.6,
        **{f"suit_{c}": np.round(rng.uniform(0.1, 1.0, n), 2) for c in codes},
        "crop_quality": np.round(rng.uniform(0.5, 1.0, n), 2),
    }
    parcels = gpd.GeoDataFrame(table, geometry=geometry, crs="EPSG:32649")
    county = _enumerable(County(seed, shape, parcels, _zoning(rng, codes)), max_layouts)
    _targets(rng, county)
    return county


def _grid(rng: np.random.Generator) -> np.ndarray:
    """A rows × cols grid of equal rectangles (6-12 cells)."""
    rows = int(rng.integers(2, 4))
    cols = int(rng.integers(max(2, -(-6 // rows)), 12 // rows + 1))
    width, height = rng.choice([80.0, 100.0, 120.0]), rng.choice([80.0, 100.0, 150.0])
    row, col = np.divmod(np.arange(rows * cols), cols)
    x0, y0 = ORIGIN
    return shapely.box(x0 + col * width, y0 + row * height, x0 + (col + 1) * width, y0 + (row + 1) * height)


def _polygons(rng: np.random.Generator) -> np.ndarray:
    """Voronoi cells of 6-12 random points in a 400 m × 300 m box: irregular neighbours and
    unequal shared boundaries."""
    n = int(rng.integers(6, 13))
    x0, y0 = ORIGIN
    frame = shapely.box(x0, y0, x0 + 400.0, y0 + 300.0)
    points = shapely.points(np.column_stack([x0 + rng.uniform(20, 380, n), y0 + rng.uniform(20, 280, n)]))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=frame))
    cells = shapely.set_precision(shapely.intersection(cells, frame), 0.01)
    return np.array([c for c in cells if not c.is_empty and c.area > 0])


def _neighbours(geometry: np.ndarray) -> np.ndarray:
    from landalloc.models.spatial import adjacency

    return adjacency(geometry)[0]


def _zoning(rng: np.random.Generator, codes: list[str]) -> dict[str, Any]:
    """The scenario without quotas and targets: uses, rules switched at random, conversions,
    densities, compact uses and the service radius."""
    land_use = [{"code": c, **USES[c], "benefit": float(np.round(rng.uniform(0.2, 30.0), 2)),
                 "esv": float(np.round(rng.uniform(0, 8.0), 2))} for c in codes]
    rules = {r: bool(rng.random() < 0.75) for r in RULES}
    rules["quality_weighted_balance"] = bool(rng.random() < 0.3)
    conversion: dict[str, list[str]] = {}
    if rng.random() < 0.5:
        for source in rng.choice(codes, size=int(rng.integers(1, len(codes))), replace=False):
            conversion[str(source)] = [str(c) for c in rng.choice(codes, size=int(rng.integers(1, len(codes))),
                                                                 replace=False)]
    density = {c: float(np.round(rng.uniform(80, 200))) for c in codes if USES[c]["group"] == "construction"}
    if rng.random() < 0.3:
        density["crop"] = float(np.round(rng.uniform(5, 30)))
    compact = [c for c in codes if rng.random() < 0.5]
    if "crop" not in compact and rng.random() < 0.7:
        compact.append("crop")
    return {
        "name": "random county", "land_use": land_use, "rules": rules, "quotas": {}, "conversion": conversion,
        "population": {"density": density}, "districts": {},
        "service": {"radius_m": float(np.round(rng.uniform(100, 300)))},
        "compactness": {"uses": compact},
        "objectives": {"efficiency": "max", "equity": "max", "ecology": "max", "compactness": "max", "change": "min"},
    }


def _targets(rng: np.random.Generator, county: County) -> None:
    """Quotas, population targets and the balance drawn around a *planned* layout (a random
    allowed one that keeps today's cropland out of construction), so that most counties are
    feasible and their rules bind near the plan."""
    problem = county.compile()
    codes, scenario = list(problem.codes), county.scenario
    crop = codes.index("crop")
    construction = np.array([USES[c]["group"] == "construction" for c in codes])
    allowed = problem.allowed & ~((problem.current_layout == crop)[:, None] & construction[None, :]
                                  & (problem.allowed.sum(axis=1) > 1)[:, None])
    allowed[~allowed.any(axis=1)] = problem.allowed[~allowed.any(axis=1)]
    planned = np.where(allowed, rng.random(allowed.shape), -1).argmax(axis=1)
    area = problem.area
    quotas: dict[str, dict[str, float]] = {}
    for k, code in enumerate(codes):
        if rng.random() < 0.3:
            quotas[code] = {"min": round(float(area[planned == k].sum()) * rng.uniform(0.6, 1.0), 3)}
    if construction.any() and rng.random() < 0.5:
        planned_area = float(area[construction[planned]].sum())
        quotas["construction"] = {"max": round(planned_area * rng.uniform(1.0, 1.4) + 1e-3, 3)}
    scenario["quotas"] = quotas
    density = scenario["population"]["density"]
    capacity = area * np.array([density.get(c, 0.0) for c in codes])[planned]
    district = county.parcels["district"].to_numpy()
    scenario["districts"] = {
        name: {"kind": "urban" if rng.random() < 0.5 else "rural",
               **({"population_target": round(float(capacity[district == name].sum()) * rng.uniform(0.7, 1.0), 2)}
                  if rng.random() < 0.6 else {})}
        for name in sorted(set(district))}


def _enumerable(county: County, max_layouts: int) -> County:
    """Lock the parcels with most options (basic farmland on cropland) until the county allows
    at most ``max_layouts`` layouts."""
    while True:
        allowed = county.compile().allowed
        options = allowed.sum(axis=1)
        if np.prod(options.astype(float)) <= max_layouts:
            return county
        parcel = int(np.argmax(options))
        county.parcels.loc[county.parcels.index[parcel], ["current_use", "farmland", "eco_redline"]] = ["crop", True,
                                                                                                       False]
        county.scenario["rules"]["basic_farmland"] = True



# -- checking the engines against the enumeration ----------------------------------------------------
PAIRS = (("efficiency", "compactness"), ("compactness", "efficiency"), ("efficiency", "equity"),
         ("change", "compactness"), ("ecology", "compactness"), ("efficiency", "change"))
"""Objective pairs a case may draw: compactness on either side (its locked-pair constant), equity
with several districts, and a minimised objective."""


@dataclass
class Findings:
    """What one county and objective pair showed against the enumeration: counts of solves and
    points checked and of each kind of error, with a line per error."""

    optima: int = 0
    wrong_optima: int = 0
    grid_points: int = 0
    reuse_differs: int = 0
    milp_points: int = 0
    milp_off_front: int = 0
    nsga_points: int = 0
    nsga_off_front: int = 0
    true_front: int = 0
    all_points: int = 0
    all_off_front: int = 0
    all_incomplete: int = 0
    errors: list[str] = field(default_factory=list)

    def wrong(self, kind: str, message: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        self.errors.append(message)


def check_county(county: County, objectives: tuple[str, str], points: int = 11, nsga_generations: int = 60,
                 time_limit: float = 30.0) -> Findings:
    """Solve a county with both engines and compare with the enumeration of its layouts:

    - every single-objective MILP optimum and lexicographic payoff row (to the enumeration's);
    - every AUGMECON2 grid point, on the run's shared model and on a fresh model, to the
      enumeration's optimum of the same augmented objective (AUGMECON2's) and to each other;
    - every point of the MILP front and of the NSGA-II front: feasible, and not dominated by
      any layout;
    - the MILP's complete front (``points="all"``): every true non-dominated point found, and the
      run saying it is complete.

    The MILP runs with gap 0, so that "optimal" must mean the true optimum.
    """
    from landalloc.models import InfeasibleError, evaluate
    from landalloc.optimizer import milp, nsga
    from landalloc.optimizer.milp.multi import AUGMENTATION, Model, lexicographic, payoff_table, solve_point
    from landalloc.optimizer.milp.settings import Settings
    from tests.reference import RTOL, Enumeration, close

    problem = county.compile()
    truth = Enumeration(problem)
    found = Findings()
    senses = {o: problem.senses[problem.objectives.index(o)] for o in objectives}
    tag = f"seed {county.seed} {'/'.join(objectives)}"
    if not truth.feasible:
        try:
            milp.solve(problem, objectives[0], gap=0.0, time_limit=time_limit)
            found.wrong("wrong_optima", f"{tag}: no layout is feasible but the MILP returned one")
        except InfeasibleError:
            pass
        return found
    settings = Settings(gap=0.0, time_limit=time_limit)
    for name in objectives:
        best = milp.solve(problem, name, gap=0.0, time_limit=time_limit)
        found.optima += 1
        value, expected = _g(best.objective, senses[name]), truth.optimum(name, senses[name])
        if not (close(value, expected) and best.status == "optimal"):
            found.wrong("wrong_optima", f"{tag}: optimum of {name} {value:.10g} ({best.status}), true {expected:.10g}")
    model = Model.build(problem, objectives, settings)
    table = payoff_table(model)
    for row, name in zip(table.solutions, objectives):
        order = [name, *(o for o in objectives if o != name)]
        got = np.array([_g(row.values[o], senses[o]) for o in order])
        expected = truth.lexicographic(order, [senses[o] for o in order])
        fresh = lexicographic(Model.build(problem, objectives, settings), order)
        found.optima += 1
        if not (all(map(close, got, expected)) and row.status == "optimal"):
            found.wrong("wrong_optima", f"{tag}: payoff row {name} {got} ({row.status}, stages "
                        f"{[(s['status'], s['gap'], s['bound']) for s in row.stages]}), true {expected}")
        if not all(close(row.values[o], fresh.values[o]) for o in objectives):
            found.wrong("reuse_differs", f"{tag}: payoff row {name} {row.values} on the shared model, "
                        f"{fresh.values} on a fresh one")
    second = objectives[1]
    for j in range(points):
        shared = solve_point(problem, objectives, table, (j,), settings, points, model)
        alone = solve_point(problem, objectives, table, (j,), settings, points)
        epsilon = table.epsilon((j,), points)[second]
        ranges = [table.ranges[table.objectives.index(o)] for o in objectives]
        maximised = [senses[o] for o in objectives]
        expected = truth.augmented(objectives, [epsilon], maximised, ranges, AUGMENTATION)

        def augmented(values: dict[str, float]) -> float:   # the grid point's own objective
            g1, g2 = (_g(values[o], senses[o]) for o in objectives)
            return g1 / ranges[0] + AUGMENTATION * (g2 - epsilon) / ranges[1]

        found.grid_points += 1
        for how, point in (("shared", shared), ("fresh", alone)):
            got = None if point.solution is None else augmented(point.values)
            if expected is None and point.status == "infeasible":
                continue
            if got is None or expected is None or not close(got, expected) or point.status != "optimal":
                found.wrong("wrong_optima", f"{tag}: grid point {j} ({how} model) {point.values} ({point.status}), "
                            f"augmented objective {got}, true {expected}")
        if shared.solution is not None and alone.solution is not None and not all(
                close(shared.values[o], alone.values[o]) for o in objectives):
            found.wrong("reuse_differs", f"{tag}: grid point {j}: {shared.values} shared, {alone.values} fresh")
    exact = milp.pareto(problem, list(objectives), points=points, gap=0.0, time_limit=time_limit,
                        progress=False)
    approx = nsga.explore(problem, list(objectives), pop_size=40, generations=nsga_generations, seed=county.seed,
                          progress=False)
    complete = milp.pareto(problem, list(objectives), points="all", gap=0.0, time_limit=time_limit,
                           progress=False)
    truth_front = truth.front(objectives, [senses[o] for o in objectives])
    found.true_front = len(truth_front)
    got = np.array([[_g(v, senses[o]) for v, o in zip(values, objectives)] for values in complete.values]).reshape(-1, 2)
    # the enumeration's own rounding, or the run's resolution: values closer than its step count as one
    steps = [complete.run["resolution"][o]["step"] for o in objectives]
    slack = np.maximum(RTOL * np.maximum(1.0, np.abs(truth_front).max(axis=0)), steps)
    missing = [row for row in truth_front if not (np.abs(got - row) <= slack).all(axis=1).any()]
    if missing or not complete.run["complete"]:
        found.wrong("all_incomplete", f"{tag}: points='all' found {len(got)} of {len(truth_front)} true points "
                    f"(complete={complete.run['complete']}: {complete.run['incomplete_because']}), missing "
                    f"{[list(np.round(m, 6)) for m in missing]}")
    for engine, front in (("milp", exact), ("all", complete), ("nsga", approx)):
        result = evaluate(problem, front.layouts)
        for k, values in enumerate(front.values):
            g = np.array([_g(v, senses[o]) for v, o in zip(values, objectives)])
            setattr(found, f"{engine}_points", getattr(found, f"{engine}_points") + 1)
            if not result.feasible[k] or truth.dominated(g, objectives, [senses[o] for o in objectives]):
                found.wrong(f"{engine}_off_front", f"{tag}: {engine} point {values} is "
                            + ("infeasible" if not result.feasible[k] else "dominated"))
    return found


def _g(value: float, sense: str) -> float:
    return value if sense == "max" else -value
