"""The ``landalloc`` command line; names are a contract (docs/cli.md, DESIGN.md section 3)."""

from __future__ import annotations

import dataclasses
import json
import math
import shlex
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape

from landalloc.models import Instance, LandallocError, evaluate
from landalloc.models.errors import StorageError, storage_error
from landalloc.models.files import check_target
from landalloc.optimizer.console import evaluation_summary, instance_summary
from landalloc.models.scenario import OBJECTIVES
from landalloc.optimizer.distributed import cluster
from landalloc.optimizer.methods import FRONTS, METHODS

if TYPE_CHECKING:
    from landalloc.optimizer.front import ParetoFront
    from landalloc.optimizer.milp import Point

app = typer.Typer(help="Multi-objective land-use allocation for territorial spatial planning.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]})  # subcommands inherit -h
instance_app = typer.Typer(help="Create instances.", no_args_is_help=True)
app.add_typer(instance_app, name="instance")
console = Console(width=None if sys.stdout.isatty() else 120)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 120)
FixGeometries = Annotated[bool, typer.Option(
    "--fix-geometries", help="repair invalid parcel geometries with shapely.make_valid, keeping polygonal parts, "
                             "and remove overlaps (the parcel listed first keeps the shared land)")]
LayerOption = Annotated[str | None, typer.Option(
    "--layer", help="the layer of the parcel file to read (default: the one named 'parcels')")]
MethodOption = Annotated[str, typer.Option(
    "--method", metavar="|".join(METHODS),
    help="milp: exact (1 objective: its proven optimum; 2-3: AUGMECON2; 4-5: weighted sums); nsga2: NSGA-II "
         "(NSGA-III beyond 3 objectives); nsga3: NSGA-III")]
ObjectivesOption = Annotated[str, typer.Option(
    metavar="NAME,...", help=f"comma-separated, any case, among {', '.join(OBJECTIVES)}; default: the scenario's")]
FrontOption = Annotated[str | None, typer.Option(
    "--front", metavar="|".join(FRONTS),
    help="MILP front of 2-5 objectives: augmecon (AUGMECON2, 2-3 objectives) or weighted (weighted sums, "
         "supported points only); default augmecon for 2-3 objectives, weighted for 4-5")]

PointsOption = Annotated[str, typer.Option(
    parser=lambda text: parse_points(text), metavar="N|all|auto",
    help="MILP: 'all' finds every non-dominated point; N an AUGMECON2 grid of N points per objective, "
         "gaps filled up to N distinct points; 'auto' is 'all' while the front has at most 30 points, "
         "else 30 points spread over it")]
TotalTimeLimit = Annotated[float | None, typer.Option(
    help="seconds for the whole run: no MILP point starts once they have run out, the front is "
                               "marked incomplete and --resume continues it (NSGA: the shorter of this and "
                               "--time-limit)")]


def _print_version(value: bool) -> None:
    if value:
        from landalloc import __version__

        console.print(f"landalloc {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def options(version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=_print_version, help="print the version and exit")] = False) -> None:
    """Multi-objective land-use allocation for territorial spatial planning."""


@app.command()
def demo(out: Annotated[Path, typer.Option(help="folder for the demo's results (a new one each run)")] = Path("results"),
         solve: Annotated[bool, typer.Option(help="run the MILP and NSGA-II after the summary")] = True) -> None:
    """Load the bundled demo county, evaluate today's layout, then trade efficiency against equity."""
    from landalloc.instances import bundled

    path = bundled("demo")
    console.rule(f"landalloc demo: {path.name}")
    instance = Instance.load(path)
    problem = instance.compile()
    instance_summary(console, instance, problem)
    evaluation_summary(console, problem, evaluate(problem, problem.current_layout), "Current layout")
    if not solve:
        return
    from landalloc.optimizer import milp, nsga
    from landalloc.optimizer.report import compare

    objectives = ["efficiency", "equity"]
    folder = _new_folder(out / "demo")
    console.print("Exact front (MILP): an 11-point ε-grid of efficiency × equity, gaps filled up to 11 distinct points")
    exact = milp.pareto(problem, objectives, points=11, time_limit=20)
    console.rule(f"Exact front (MILP): {exact_headline(exact)}")
    console.rule("NSGA-II (30 s, seeded with the MILP's payoff-table extremes)")
    approx = nsga.explore(problem, objectives, pop_size=60, time_limit=30, seed=1, initial=exact.layouts[:2])
    for name, front in (("milp", exact), ("nsga2", approx)):
        front = dataclasses.replace(front, run={**front.run, "method": name})
        front.to_file(folder / name, report=True, problem=problem, instance=instance)
        console.print(f"{name}: {front}")
    comparison = compare([folder / "milp", folder / "nsga2"], out=folder / "compared")
    console.print(comparison.to_markdown())
    console.print(f"reports: {folder / 'milp' / 'report.html'}, {folder / 'nsga2' / 'report.html'}, "
                  f"{folder / 'compared' / 'report.html'}")


def exact_headline(front: ParetoFront) -> str:
    """What a MILP front delivers, in a few words: its distinct points and whether they are all."""
    if front.run.get("complete"):
        return f"{len(front)} distinct points, the complete front"
    return f"{len(front)} distinct points, not complete: {front.run.get('incomplete_because')}"


def _new_folder(base: Path) -> Path:
    """``base``, or ``base-2``, ``base-3``... : the demo never overwrites an earlier run."""
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


@app.command()
def check(instance: Annotated[Path, typer.Argument(help="instance folder or parcel file")],
          layout: Annotated[Path, typer.Argument(
              metavar="LAYOUT|RESULT_DIR",
              help="CSV parcel_id,use or a vector file with a 'use' column; or a result folder of landalloc solve")],
          scenario: Annotated[Path | None, typer.Option(help="another scenario.toml for the same parcels")] = None,
          fix_geometries: FixGeometries = False, layer: LayerOption = None) -> None:
    """Evaluate a layout, or verify a result folder: exit 0 feasible/verified, 1 not, 2 bad input."""
    if layout.is_dir():
        from landalloc.optimizer.verify import verify_result

        report = verify_result(layout, instance=instance, scenario=scenario, fix_geometries=fix_geometries)
        if len(report.points):
            console.print(report.table().to_string(index=False, float_format=lambda v: f"{v:.3g}"))
        console.print(escape(str(report)))
        raise typer.Exit(report.exit_code)
    loaded = load_instance(instance, scenario, fix_geometries, layer)
    problem = loaded.compile()
    result = evaluate(problem, loaded.read_layout(layout))
    evaluation_summary(console, problem, result, layout.name)
    raise typer.Exit(0 if result.feasible[0] else 1)


def load_instance(path: Path, scenario: Path | None = None, fix_geometries: bool = False,
                  layer: str | None = None) -> Instance:
    """Instance.load, telling the user what loading repaired and what looks wrong."""
    loaded = Instance.load(path, scenario, fix_geometries=fix_geometries, layer=layer)
    for repair in loaded.repairs:
        console.print(f"[yellow]note:[/yellow] {escape(repair)}")
    for warning in loaded.warnings:
        errors.print(f"[yellow]warning:[/yellow] {escape(warning)}", soft_wrap=True)
    return loaded


@app.command()
def solve(instance: Annotated[Path, typer.Argument(help="instance folder or parcel file")],
          out: Annotated[Path, typer.Option(help="result folder to create")],
          method: MethodOption = "milp",
          objectives: ObjectivesOption = "",
          front_kind: FrontOption = None,
          points: PointsOption = "auto",
          time_limit: Annotated[float | None, typer.Option(
              help="seconds (MILP: per front point, all its stages and the model build; NSGA: whole run)")] = None,
          total_time_limit: TotalTimeLimit = None,
          gap: Annotated[float, typer.Option(min=0, help="MILP: relative MIP gap")] = 1e-4,
          strategy: Annotated[str, typer.Option(
              help="MILP: auto (the engine's plan for the model's shape) or highs (the whole model to HiGHS, "
                   "the baseline)")] = "auto",
          pop: Annotated[int, typer.Option(min=4, help="NSGA: population size")] = 100,
          generations: Annotated[int | None, typer.Option(min=1, help="NSGA: generations")] = None,
          seed: Annotated[int, typer.Option(help="random seed")] = 1,
          scenario: Annotated[Path | None, typer.Option(help="another scenario.toml for the same parcels")] = None,
          workers: Annotated[int | None, typer.Option(min=1, help="Dask LocalCluster processes (default: serial)")] = None,
          scheduler: Annotated[str | None, typer.Option(help="address of a Dask scheduler, tcp://HOST:PORT")] = None,
          restarts: Annotated[int, typer.Option(min=1, help="NSGA: independent runs merged into one front")] = 1,
          resume: Annotated[Path | None, typer.Option(
              help="continue the partial result in this folder (same instance, scenario, objectives, method, "
                   "seed and points or population)")] = None,
          checkpoint_every: Annotated[float, typer.Option(
              min=0, help="NSGA: seconds between checkpoints of the run (kept for --resume)")] = 60.0,
          report: Annotated[bool, typer.Option(help="write charts, maps and report.html too")] = True,
          force: Annotated[bool, typer.Option(help="replace an existing result folder")] = False,
          fix_geometries: FixGeometries = False, layer: LayerOption = None) -> None:
    """Find the Pareto front of an instance and write a result folder (front.csv, layouts.gpkg, run.json).

    Ctrl-C stops the run: the points finished so far are written to --out, marked partial in
    run.json, and the command exits with code 130; --resume DIR continues such a run.
    """
    from landalloc.models.errors import InputError
    from landalloc.optimizer.methods import milp_front, parse_objectives, plan, shorter

    named = parse_objectives(objectives)
    plan(method, ["efficiency"], front_kind)   # a bad --method or --front fails before loading
    from landalloc.optimizer.milp.settings import Settings

    Settings(strategy=strategy)   # and so does a bad --strategy
    method = method.strip().lower()
    if resume is not None and out.resolve() == resume.resolve() and not force:
        raise InputError(f"--out {out} is the folder being resumed: pass --force to replace it with the resumed "
                         "result once that is written, or choose another --out")
    check_target(out, force)   # fail before a long solve, not after
    distributed = workers is not None or scheduler is not None
    if resume is not None and method != "milp" and (distributed or restarts > 1):
        raise InputError("--resume continues one NSGA run from its checkpoint; drop --restarts, --workers "
                         "and --scheduler")
    from landalloc.models.presolve import require_feasible_bounds

    loaded = load_instance(instance, scenario, fix_geometries, layer)
    problem = loaded.compile()
    for warning in require_feasible_bounds(problem):  # an impossible plan raises InfeasibleError: exit 1
        console.print(f"[yellow]warning:[/yellow] {escape(warning.message)}", soft_wrap=True)
    chosen = named or list(problem.objectives)
    how = plan(method, chosen, front_kind, points)
    method = how.method
    if how.note:
        console.print(f"[yellow]note:[/yellow] {escape(how.note)}", soft_wrap=True)
    if resume is not None and how.front == "optimum":
        raise InputError("--resume: the optimum of one objective is one solve with nothing to continue; run it "
                         "again (with a longer --time-limit if it stopped on the limit)")
    if resume is not None:
        check_resumable(resume, loaded, method, chosen, seed, points if method == "milp" else pop)
    if total_time_limit is not None and how.front == "augmecon" and distributed:
        raise InputError("--total-time-limit: a front spread over --workers or --scheduler takes --time-limit per "
                         "point only; drop --total-time-limit or solve in this process")
    started = time.perf_counter()
    files: dict[str, Path] = {}
    if how.front == "augmecon" and distributed and strategy != "auto":
        raise InputError(f"--strategy {strategy}: Dask grid points are solved by the engine's own plan; drop "
                         "--strategy or --workers/--scheduler")
    if how.front == "augmecon" and distributed:
        from landalloc.optimizer.milp.grid_tasks import distributed_front

        with cluster(workers, scheduler) as client:
            front = distributed_front(problem, chosen, points=points, client=client, time_limit=time_limit,
                                      gap=gap, seed=seed, on_point=point_line, resume=resume)
    elif method == "milp":
        if distributed:
            console.print(f"[yellow]note:[/yellow] --workers and --scheduler spread AUGMECON2 grid points; "
                          f"this {how.front} front is solved in this process", soft_wrap=True)
        front = milp_front(problem, chosen, how.front, time_limit, gap, seed, strategy=strategy, points=points,
                           on_point=point_line, resume=resume, total_time_limit=total_time_limit)
    else:
        from landalloc.optimizer import nsga
        from landalloc.optimizer.nsga.restarts import explore_restarts

        time_limit = shorter(time_limit, total_time_limit)   # both bound the whole NSGA-II run
        if generations is None and time_limit is None:
            generations = 200
        settings = {"pop_size": pop, "generations": generations, "time_limit": time_limit, "method": method}
        if distributed or restarts > 1:
            with cluster(workers, scheduler) as client:
                front = explore_restarts(problem, chosen, restarts, seed=seed, client=client, **settings)
        else:
            checkpoint = pending_checkpoint(out)
            checkpoint.unlink(missing_ok=True)   # left by a run that was killed: not this run's state
            errors.print(f"checkpoint: {escape(str(checkpoint))} (every {checkpoint_every:g} s)", soft_wrap=True)
            front = nsga.explore(problem, chosen, seed=seed, checkpoint=checkpoint, checkpoint_every=checkpoint_every,
                                 resume=None if resume is None else resume / CHECKPOINT, **settings)
            # a second Ctrl-C may stop the run before it saved any state: then keep the one it resumed
            kept = checkpoint if checkpoint.exists() else None if resume is None else resume / CHECKPOINT
            files = {} if kept is None else {CHECKPOINT: kept}
    run = {**front.run, "method": method, "seed": seed,
           "command": " ".join(sys.argv[1:]), "total_seconds": time.perf_counter() - started}
    front = dataclasses.replace(front, run=run)
    interrupted = str(run.get("stopped_by", "")).startswith("interrupt")
    # an interrupted run writes only its data, quickly: `landalloc report` can add the rest
    front.to_file(out, force=force, report=report and not interrupted, problem=problem, files=files, instance=loaded)
    pending_checkpoint(out).unlink(missing_ok=True)   # now inside --out
    console.print(front)
    for note in (run.get("fewer_because"), run.get("incomplete_because")):
        if note:
            console.print(f"note: {escape(str(note))}", highlight=False, soft_wrap=True)
    shown = front.table()[["id", *front.objectives, "status", *(["bound"] if how.front == "optimum" else []),
                           "gap", "seconds"]]
    if len(front):
        console.print(shown.to_string(index=False, float_format=lambda v: f"{v:.6g}"))
    page = out / "report.html"
    console.print(f"wrote {out}" + (f" (open {page})" if page.exists() else ""))
    if run.get("partial"):
        can_resume = how.front in ("augmecon", "weighted") or CHECKPOINT in files
        why = "interrupted" if interrupted else f"stopped by {run.get('stopped_by')}"
        errors.print(f"{why}: {escape(str(out))} holds the {len(front)} points found so far, marked partial in run.json"
                     + (f"; continue with\n  {escape(resume_command(out))}" if can_resume else
                        "; no checkpoint was written, so a new run must start again"), soft_wrap=True)
    if interrupted:
        raise typer.Exit(130)


def parse_points(text: str | int) -> int | str:
    """``--points``: an integer of at least 2, ``all`` or ``auto``."""
    if text in ("all", "auto"):
        return str(text)
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 2:
        raise typer.BadParameter(f"need an integer of at least 2, 'all' or 'auto', not {text!r}")
    return number


CHECKPOINT = "checkpoint.pkl"
"""The NSGA run state a result folder keeps for ``--resume``."""


def pending_checkpoint(out: Path) -> Path:
    """Where an NSGA run saves its state until ``out`` is written (a hidden sibling: ``out``
    itself appears only once complete)."""
    return out.parent / f".{out.name}.{CHECKPOINT}"


def point_line(point: Point) -> None:
    """One stderr line per finished MILP point, so that a long front shows what it has kept."""
    gap = point.record.get("gap")
    errors.print(f"point {point.record.get('grid')}: {point.status}"
                 + (f", gap {gap:.2g}" if isinstance(gap, float) and math.isfinite(gap) else "")
                 + f" ({point.record.get('seconds', math.nan):.1f} s)", highlight=False, soft_wrap=True)


def check_resumable(folder: Path, instance: Instance, method: str, objectives: list[str], seed: int,
                    size: int) -> None:
    """Refuse to resume a run with other inputs or settings (run.json records them)."""
    from landalloc.models.errors import InputError
    from landalloc.optimizer.front import jsonable
    from landalloc.optimizer.provenance import read_run

    path = folder / "run.json"
    if not path.is_file():
        raise InputError(f"--resume {folder}: no run.json there; pass a result folder written by landalloc solve")
    run = read_run(folder)
    if run.get("method") != method:
        raise InputError(f"--resume {folder}: that run was solved with --method {run.get('method')}, not {method}")
    settings = run.get("settings", {})
    expected = [("--objectives", ",".join(run.get("objectives", [])), ",".join(objectives)),
                ("--seed", run.get("seed"), seed),
                ("--points" if method == "milp" else "--pop",
                 settings.get("points") if method == "milp" else settings.get("pop_size"), size)]
    wrong = [f"{option} {before} (not {now})" for option, before, now in expected if before != now]
    if run.get("inputs") != instance.input_hashes():
        wrong.append("the same instance files (their SHA-256 hashes differ from those in run.json)")
    if run.get("scenario") != json.loads(json.dumps(instance.scenario.model_dump(), default=jsonable)):
        wrong.append("the same scenario (it differs from the one in run.json)")
    if wrong:
        raise InputError(f"--resume {folder}: that run can only be continued with " + "; ".join(wrong))
    if method == "milp" and not run.get("partial"):
        raise InputError(f"--resume {folder}: that run finished every point; there is nothing to resume")
    if method != "milp" and not (folder / CHECKPOINT).is_file():
        raise InputError(f"--resume {folder}: no {CHECKPOINT} there (the run was stopped before its first "
                         "checkpoint); start a new run")


def resume_command(out: Path) -> str:
    """This command line, continuing from ``out`` into a new folder."""
    args, skip = [], False
    for arg in sys.argv[1:]:
        if skip:
            skip = False
        elif arg in ("--out", "--resume"):
            skip = True
        elif not arg.startswith(("--out=", "--resume=")) and arg != "--force":
            args.append(arg)
    return shlex.join(["landalloc", *args, "--resume", str(out), "--out", f"{out}-resumed"])


@app.command()
def batch(scenarios: Annotated[list[Path], typer.Argument(help="scenario.toml files to compare")],
          instance: Annotated[Path, typer.Option(help="instance folder whose parcels every scenario uses")],
          out: Annotated[Path, typer.Option(help="folder for one result per scenario and the summary")],
          method: MethodOption = "milp",
          objectives: ObjectivesOption = "",
          front_kind: FrontOption = None,
          points: PointsOption = "11",
          time_limit: Annotated[float | None, typer.Option(help="seconds per front point (NSGA: per run)")] = None,
          total_time_limit: TotalTimeLimit = None,
          generations: Annotated[int, typer.Option(min=1, help="NSGA: generations")] = 100,
          pop: Annotated[int, typer.Option(min=4, help="NSGA: population size")] = 100,
          seed: Annotated[int, typer.Option(help="random seed")] = 1,
          workers: Annotated[int | None, typer.Option(min=1, help="Dask LocalCluster processes")] = None,
          scheduler: Annotated[str | None, typer.Option(help="address of a Dask scheduler")] = None,
          force: Annotated[bool, typer.Option(help="replace an existing folder")] = False) -> None:
    """Solve several scenarios of one instance: a result folder each, a summary and a comparison.

    One line per scenario as it finishes; a scenario that fails is one line and a row of
    summary.csv, the others are written as usual. Exit code 0 when every scenario was solved,
    1 when any failed.
    """
    from landalloc.optimizer.batch import ScenarioResult, run_batch
    from landalloc.optimizer.methods import parse_objectives, shorter

    chosen = parse_objectives(objectives)
    options: dict[str, object] = ({"points": points, "time_limit": time_limit, "seed": seed,
                                   "total_time_limit": total_time_limit}
                                  if method.strip().lower() == "milp"
                                  else {"pop_size": pop, "generations": generations,
                                        "time_limit": shorter(time_limit, total_time_limit),
                                        "seed": seed})

    def progress(result: ScenarioResult) -> None:
        (console if result.front is not None else errors).print(escape(result.line()), highlight=False,
                                                                 soft_wrap=True)

    summary = run_batch(instance, scenarios, out, method=method, objectives=chosen, workers=workers,
                        scheduler=scheduler, force=force, front=front_kind, on_done=progress, **options)
    console.print(summary.drop(columns="error").to_string(index=False))
    console.print(f"wrote {out}")
    failed = summary[summary["error"] != ""]
    if len(failed):
        errors.print(f"{len(failed)} of {len(summary)} scenarios failed ({', '.join(failed['scenario'])}); "
                     f"{escape(str(out / 'summary.csv'))} says why", highlight=False, soft_wrap=True)
        raise typer.Exit(1)


@app.command("report")
def report_command(
        folder: Annotated[Path, typer.Argument(help="a folder of landalloc solve, batch or compare (or to_file)")],
        instance: Annotated[Path | None, typer.Option(
            help="the instance folder the results were solved on, when it is no longer where run.json says")] = None
) -> None:
    """(Re)write the charts, maps, tables and report.html of a result, batch or comparison folder.

    The instance is reloaded from run.json under its scenario; if it moved, a warning says what to pass.
    """
    import warnings

    from landalloc.optimizer.report.folder import report_folder

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        written = report_folder(folder, instance=instance)
    for message in dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, UserWarning)):
        errors.print(f"[yellow]warning:[/yellow] {escape(message)}", soft_wrap=True)
    pages = [path for path in written if path.name == "report.html"]
    console.print(f"wrote {len(written)} files; open {', '.join(map(str, pages)) or folder}", soft_wrap=True)


@app.command("compare")
def compare_command(folders: Annotated[list[Path], typer.Argument(
                        help="result folders to compare; a comparison or batch folder stands for its fronts")],
                    out: Annotated[Path, typer.Option(help="folder for the comparison")],
                    force: Annotated[bool, typer.Option(help="replace an existing folder")] = False) -> None:
    """Compare fronts: hypervolume, IGD, additive epsilon and coverage, with charts."""
    from landalloc.optimizer.report import compare
    from landalloc.optimizer.report.folder import result_folders

    named = [pair for folder in folders for pair in result_folders(folder)]
    result = compare([path for _, path in named], names=[name for name, _ in named], out=out, force=force)
    console.print(result.to_markdown())
    console.print(f"wrote {out}")


@instance_app.command("generate")
def generate(parcels: Annotated[int, typer.Option(min=100, help="number of parcels (at least 100)")],
             out: Annotated[Path, typer.Option(help="instance folder to create")],
             seed: Annotated[int, typer.Option(help="random seed: same seed, same instance")] = 0,
             shape: Annotated[str, typer.Option(help="grid or polygons")] = "grid",
             force: Annotated[bool, typer.Option(help="replace an existing folder")] = False) -> None:
    """Generate a synthetic county (terrain, river, towns, villages, zoning, feasible quotas)."""
    from landalloc.instances import generate_county, synthetic_readme, write_instance
    from landalloc.models.errors import InputError

    if shape not in ("grid", "polygons"):
        raise InputError(f"--shape must be 'grid' or 'polygons', not '{shape}'")
    kind: Literal["grid", "polygons"] = "grid" if shape == "grid" else "polygons"
    table, scenario = generate_county(parcels, seed, kind, name=out.name)
    command = f"landalloc instance generate --parcels {parcels} --seed {seed} --shape {shape}"
    readme = synthetic_readme(table, scenario) + f"\nMade by `{command}`.\n"
    write_instance(table, scenario, out, readme, force=force)
    console.print(f"wrote {out} ({parcels:,} parcels, seed {seed})")


@instance_app.command("from-landcover")
def from_landcover_command(
        raster: Annotated[str, typer.Argument(help="land-cover GeoTIFF, or 'modis' (MCD12C1 2019, IGBP)")],
        out: Annotated[Path, typer.Option(help="instance folder to create")],
        bbox: Annotated[str | None, typer.Option(help="lon_min,lat_min,lon_max,lat_max")] = None,
        classes: Annotated[str | None, typer.Option(help="igbp|worldcover|clcd|globeland30|CSV file")] = None,
        resolution: Annotated[float | None, typer.Option(help="cell size in metres (default: source cells)")] = None,
        boundary: Annotated[str | None, typer.Option(help="6-digit division code or polygon file")] = None,
        districts: Annotated[str | None, typer.Option(help="auto, codes a,b,c, or a polygon file")] = None,
        residents: Annotated[float | None, typer.Option(help="census total of residents")] = None,
        force: Annotated[bool, typer.Option(help="replace an existing folder")] = False) -> None:
    """Build an instance from a land-cover raster (docs/real-data.md)."""
    from landalloc.instances.landcover import from_landcover

    built = from_landcover(raster, bbox=bbox, classes=classes, resolution=resolution, boundary=boundary,
                           districts=districts, residents=residents, name=out.name, out=out, force=force)
    console.print(f"wrote {out}: {built!r}")


@instance_app.command("import")
def import_command(
        parcels: Annotated[Path, typer.Argument(help="survey parcels (DLTB): GeoPackage, Shapefile, FileGDB, GeoJSON")],
        out: Annotated[Path, typer.Option(help="instance folder to create")],
        layer: Annotated[str | None, typer.Option(help="the parcel layer of a multi-layer file (default DLTB)")] = None,
        codes: Annotated[str, typer.Option(help="column of land-class codes")] = "DLBM",
        classification: Annotated[str, typer.Option(help="gbt21010 (三调, GB/T 21010-2017) or 2023 (用地用海分类)")]
        = "gbt21010",
        code_table: Annotated[Path | None, typer.Option(help="your own code table (CSV code,use)")] = None,
        farmland: Annotated[str | None, typer.Option(help="永久基本农田: a file, or a layer of PARCELS' file")] = None,
        redline: Annotated[str | None, typer.Option(help="生态保护红线: a file or a layer")] = None,
        boundary: Annotated[str | None, typer.Option(help="城镇开发边界: a file or a layer")] = None,
        dem: Annotated[Path | None, typer.Option(help="DEM GeoTIFF (metres) for slope")] = None,
        towns: Annotated[str | None, typer.Option(help="towns (points or polygons): a file or a layer")] = None,
        roads: Annotated[str | None, typer.Option(help="roads (lines): a file or a layer")] = None,
        district_column: Annotated[str | None, typer.Option(help="district column (default XZQDM if present)")] = None,
        inside_share: Annotated[float, typer.Option(help="share of a parcel's area inside a line to count it inside")]
        = 0.5,
        fix_geometries: FixGeometries = False,
        force: Annotated[bool, typer.Option(help="replace an existing folder")] = False) -> None:
    """Import survey parcels with land-class codes, control lines and a DEM; draft scenario.toml (docs/data.md)."""
    from landalloc.instances.survey import import_survey

    done = import_survey(parcels, out, layer=layer, codes=codes, classification=classification, table=code_table,
                         farmland=farmland, redline=redline, boundary=boundary, dem=dem, towns=towns, roads=roads,
                         district_column=district_column, inside_share=inside_share,
                         fix_geometries=fix_geometries, force=force)
    for note in done.notes:
        console.print(f"[yellow]note:[/yellow] {escape(note)}")
    console.print(f"wrote {out} ({len(done.parcels):,} parcels); review the # REVIEW lines of {out / 'scenario.toml'}")


@instance_app.command("real")
def real_command(name: Annotated[str, typer.Argument(help="ordos, inner-mongolia or china")],
                 out: Annotated[Path, typer.Option(help="instance folder to create")],
                 force: Annotated[bool, typer.Option(help="replace an existing folder")] = False) -> None:
    """Build one of the project's real-land instances from its recipe."""
    from landalloc.instances.landcover import build_preset

    build_preset(name, out=out, force=force)
    console.print(f"wrote {out}")


def main() -> None:
    """Entry point: every LandallocError becomes one readable paragraph and its exit code.

    An OSError (disk full, read-only folder) and running out of memory are refusals too (exit 2).
    Usage errors are click's (exit 2); anything else is a bug and keeps its traceback (typer
    turns Ctrl-C, and SIGTERM, outside a solve into exit code 130).
    """
    signal.signal(signal.SIGTERM, _terminated)
    try:
        app()
    except LandallocError as exc:
        _refuse(exc)
    except OSError as exc:   # a fault no writer named its folder for: still one line, never a traceback
        _refuse(storage_error(exc.filename or "landalloc", exc, "read or write"))
    except MemoryError:
        _refuse(StorageError("landalloc: out of memory; solve a smaller instance, fewer --points or a smaller "
                             "--pop, or use a machine with more memory"))


def _refuse(exc: LandallocError) -> None:
    Console(stderr=True).print(f"[bold red]error:[/bold red] {escape(str(exc))}", soft_wrap=True)
    sys.exit(exc.exit_code)


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM (a shutdown, a scheduler's kill) stops the run as Ctrl-C does: what is finished is
    written, marked partial, and the temporary folders are removed."""
    signal.raise_signal(signal.SIGINT)


if __name__ == "__main__":
    main()
