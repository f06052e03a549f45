"""Shared fixtures: the tiny hand-made instance, built in memory, bundled instances, and one demo run."""

from __future__ import annotations

import pytest

from landalloc.instances.handmade import tiny_county
from landalloc.models import Instance, parse_scenario
from landalloc.models.parcels import validate_parcels
from tests.newcomer import Newcomer, can_clone, run_demo


@pytest.fixture(scope="session")
def tiny() -> Instance:
    parcels, scenario = tiny_county()
    chosen = parse_scenario(scenario)
    return Instance(validate_parcels(parcels, chosen.codes), chosen)


@pytest.fixture(scope="session")
def tiny_problem(tiny):
    return tiny.compile()


@pytest.fixture(scope="session")
def newcomer(tmp_path_factory) -> Newcomer:
    """A clone after ``landalloc demo``, made once per test process; its tests carry
    ``pytest.mark.xdist_group(tests.newcomer.GROUP)`` so that one worker runs them all."""
    if not can_clone():
        pytest.skip("the demo runs in a copy of the files of a git checkout; this is none")
    return run_demo(tmp_path_factory.mktemp("newcomer") / "landalloc")
