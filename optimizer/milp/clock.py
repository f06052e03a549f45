"""Deadlines a planner can read: one time limit per front point, shared by all of its stages,
and one for the whole run.

A payoff row is several lexicographic solves; each used to get the full ``time_limit``, so a
point could take a multiple of it. A :class:`Clock` starts a point's time when the point
starts (before its model is built, for a single solve) and hands every stage only what is
left of it, never more than what is left of the run's ``total_time_limit``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from landalloc.models.errors import InputError

SHORTEST_STAGE = 1e-3
"""Seconds below which a later lexicographic stage is not started: the point keeps the layout of
the stages before it, and the stage is recorded as stopped by the time limit."""


class OutOfTime(Exception):
    """The run's total time limit ran out before a point found any layout: the run ends there,
    partial, instead of failing."""


@dataclass
class Clock:
    """The time of a run and of the point in progress (seconds of ``now``, a monotonic clock)."""

    point_limit: float | None = None
    total_limit: float | None = None
    now: Callable[[], float] = time.perf_counter
    started: float = field(init=False)
    point_started: float = field(init=False)
    point_deadline: float = field(init=False)

    def __post_init__(self) -> None:
        if self.total_limit is not None and not (self.total_limit > 0):
            raise InputError(f"total_time_limit: need a positive number of seconds or None, got {self.total_limit!r}")
        self.started = self.now()
        self.start_point()

    @property
    def run_deadline(self) -> float:
        return self.started + self.total_limit if self.total_limit is not None else math.inf

    def start_point(self) -> float | None:
        """Start a point's time now; returns its limit in seconds (None: no limit), which is
        the per-point limit or what is left of the run, whichever is shorter."""
        self.point_started = self.now()
        own = self.point_started + self.point_limit if self.point_limit is not None else math.inf
        self.point_deadline = min(own, self.run_deadline)
        return self.limit

    @property
    def limit(self) -> float | None:
        """The point in progress's limit (seconds from its start), None without one."""
        return None if math.isinf(self.point_deadline) else self.point_deadline - self.point_started

    def left(self) -> float | None:
        """Seconds left for the point in progress (at least 0), None without a limit: what a
        stage may use."""
        return None if math.isinf(self.point_deadline) else max(0.0, self.point_deadline - self.now())

    def stage_limit(self) -> float | None:
        """The time limit to hand a solve now: what is left of the point (at least
        :data:`SHORTEST_STAGE`, the shortest a solver is given), None without a limit."""
        left = self.left()
        return None if left is None else max(SHORTEST_STAGE, left)

    def elapsed(self) -> float:
        """Seconds since the point in progress started."""
        return self.now() - self.point_started

    def run_out(self) -> bool:
        """Whether the run's total time limit has run out (no further point may start)."""
        return self.now() >= self.run_deadline

    def run_seconds(self) -> float:
        return self.now() - self.started

    def total_reason(self, unsolved: str = "") -> str:
        """``incomplete_because`` of a front cut by its total time limit."""
        rest = f": {unsolved}" if unsolved else ""
        return (f"the total time limit ({self.total_limit:g} s) ran out{rest}; --resume continues the run "
                "(resume=... in Python)")
