"""What the command line prints: instance summaries and evaluations as rich tables."""

from __future__ import annotations

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from landalloc.models import Evaluation, Instance, Problem
from landalloc.models.evaluation import area_by_use
from landalloc.models.scenario import NATURAL_SENSE, OBJECTIVES


def instance_summary(console: Console, instance: Instance, problem: Problem) -> None:
    """Parcels, area by current use against quotas, and what each rule locks."""
    scenario = instance.scenario
    console.print(f"[bold]{problem.name}[/bold]: {problem.n_parcels:,} parcels, "
                  f"{problem.area.sum():,.0f} ha, {len(problem.districts)} districts, "
                  f"{problem.residents.sum():,.0f} residents, CRS {_crs_name(problem.crs)}")
    if scenario.description:
        console.print(scenario.description)
    current = area_by_use(problem, problem.current_layout)[0]
    table = Table(title="Land use today and the plan's quotas (ha)")
    for col in ("code", "class", "名称", "group", "area", "share", "quota min", "quota max"):
        table.add_column(col, justify="right" if col in ("area", "share", "quota min", "quota max") else "left")
    for k, use in enumerate(problem.uses):
        quota = scenario.quotas.get(use.code)
        table.add_row(use.code, use.name_en, use.name_zh, use.group, f"{current[k]:,.0f}",
                      f"{current[k] / problem.area.sum():.1%}", _bound(quota and quota.min),
                      _bound(quota and quota.max))
    for group in ("agricultural", "ecological", "construction"):
        quota = scenario.quotas.get(group)
        if quota:
            members = np.array([u.group == group for u in problem.uses])
            table.add_row(group, "(group)", "", group, f"{current[members].sum():,.0f}", "",
                          _bound(quota.min), _bound(quota.max))
    console.print(table)

    locks = Table(title="What the rules decide before any optimisation")
    for col in ("rule", "parcels restricted", "area (ha)", "parcels fully locked"):
        locks.add_column(col, justify="left" if col == "rule" else "right")
    locked = problem.locked
    for rule, mask in problem.forbidden.items():
        hit = mask.any(axis=1)
        locks.add_row(rule, f"{hit.sum():,}", f"{problem.area[hit].sum():,.0f}", f"{(hit & locked).sum():,}")
    locks.add_row("[bold]all rules[/bold]", "", "", f"{locked.sum():,} ({problem.area[locked].sum():,.0f} ha); "
                  f"{len(problem.free):,} parcels free")
    console.print(locks)


def evaluation_summary(console: Console, problem: Problem, result: Evaluation, title: str, row: int = 0) -> None:
    """One layout's objectives and every constraint's slack or violation."""
    objectives = Table(title=f"{title}: objectives")
    for col in ("objective", "sense", "value", "unit", "in scenario"):
        objectives.add_column(col)
    for j, name in enumerate(OBJECTIVES):
        chosen = name in problem.objectives
        sense = problem.senses[problem.objectives.index(name)] if chosen else NATURAL_SENSE[name]
        objectives.add_row(name, sense, f"{result.objectives[row, j]:,.4g}", problem.units[name],
                           "yes" if chosen else "")
    console.print(objectives)
    constraints = Table(title=f"{title}: constraints (slack >= 0 holds)")
    for col in ("constraint", "slack", "violation", "unit", "status", "where"):
        constraints.add_column(col, justify="right" if col in ("slack", "violation") else "left")
    table = result.constraint_table(row)
    for rec in table.itertuples():
        status = "[green]holds[/green]" if rec.holds else "[red]VIOLATED[/red]"
        constraints.add_row(escape(rec.constraint), f"{rec.slack:,.2f}", f"{rec.violation:,.2f}", rec.unit, status,
                            escape(rec.where))
    console.print(constraints)
    verdict = "[green]feasible[/green]" if result.feasible[row] else \
        f"[red]infeasible[/red] ({int((~table['holds']).sum())} constraints violated)"
    console.print(f"{title}: {verdict}")


def _crs_name(crs: str) -> str:
    from pyproj import CRS

    return CRS.from_user_input(crs).name if crs else "none"


def _bound(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"
