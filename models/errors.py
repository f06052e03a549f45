"""One exception family: every message names the file, column or rule at fault and the fix."""

from __future__ import annotations

from collections.abc import Sequence


class LandallocError(Exception):
    """Base of every error landalloc raises on purpose; the CLI turns it into one paragraph."""

    exit_code = 2


class InputError(LandallocError):
    """Bad instance, scenario or layout data (exit code 2)."""


class InfeasibleError(LandallocError):
    """The scenario's rules cannot all hold together (exit code 1)."""

    exit_code = 1


class SolverError(LandallocError):
    """An engine returned something that evaluate() does not confirm (exit code 3)."""

    exit_code = 3


def first_ids(ids: Sequence[object], limit: int = 5) -> str:
    """Format the first offending ids for a message, with a count of the rest."""
    shown = ", ".join(str(i) for i in list(ids)[:limit])
    rest = len(ids) - limit
    return f"{shown} (and {rest} more)" if rest > 0 else shown
