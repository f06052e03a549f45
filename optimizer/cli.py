"""The ``landalloc`` command line; names are a contract (docs/cli.md, DESIGN.md section 3)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape

from models import Instance, LandallocError, evaluate
from optimizer.console import evaluation_summary, instance_summary

app = typer.Typer(help="Multi-objective land-use allocation for territorial spatial planning.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
instance_app = typer.Typer(help="Create instances.", no_args_is_help=True)
app.add_typer(instance_app, name="instance")
console = Console(width=None if sys.stdout.isatty() else 120)


@app.command()
def demo() -> None:
    """Load the bundled demo county, summarise it and evaluate today's layout."""
    from instances import bundled

    path = bundled("demo")
    console.rule(f"landalloc demo: {path.name}")
    instance = Instance.load(path)
    problem = instance.compile()
    instance_summary(console, instance, problem)
    evaluation_summary(console, problem, evaluate(problem, problem.current_layout), "Current layout")


@app.command()
def check(instance: Annotated[Path, typer.Argument(help="instance folder or parcel file")],
          layout: Annotated[Path, typer.Argument(help="CSV parcel_id,use or a vector file with a 'use' column")]) -> None:
    """Evaluate a layout: exit 0 when feasible, 1 when infeasible, 2 on bad input."""
    loaded = Instance.load(instance)
    problem = loaded.compile()
    result = evaluate(problem, loaded.read_layout(layout))
    evaluation_summary(console, problem, result, layout.name)
    raise typer.Exit(0 if result.feasible[0] else 1)


@instance_app.command("generate")
def generate(parcels: Annotated[int, typer.Option(min=100, help="number of parcels (at least 100)")],
             out: Annotated[Path, typer.Option(help="instance folder to create")],
             seed: Annotated[int, typer.Option(help="random seed: same seed, same instance")] = 0,
             shape: Annotated[str, typer.Option(help="grid or polygons")] = "grid",
             force: Annotated[bool, typer.Option(help="replace an existing folder")] = False) -> None:
    """Generate a synthetic county (terrain, river, towns, villages, zoning, feasible quotas)."""
    from instances import generate_county, synthetic_readme, write_instance
    from models.errors import InputError

    if shape not in ("grid", "polygons"):
        raise InputError(f"--shape must be 'grid' or 'polygons', not '{shape}'")
    kind: Literal["grid", "polygons"] = "grid" if shape == "grid" else "polygons"
    table, scenario = generate_county(parcels, seed, kind, name=out.name)
    command = f"landalloc instance generate --parcels {parcels} --seed {seed} --shape {shape}"
    readme = synthetic_readme(table, scenario) + f"\nMade by `{command}`.\n"
    write_instance(table, scenario, out, readme, force=force)
    console.print(f"wrote {out} ({parcels:,} parcels, seed {seed})")


def main() -> None:
    """Entry point: every LandallocError becomes one readable paragraph and its exit code.

    Usage errors are click's (exit 2); anything else is a bug and keeps its traceback.
    """
    try:
        app()
    except LandallocError as exc:
        Console(stderr=True).print(f"[bold red]error:[/bold red] {escape(str(exc))}", soft_wrap=True)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
