"""Shared fixtures: the tiny hand-made instance, built in memory, and bundled instances."""

from __future__ import annotations

import pytest

from landalloc.instances.handmade import tiny_county
from landalloc.models import Instance, parse_scenario
from landalloc.models.parcels import validate_parcels


@pytest.fixture(scope="session")
def tiny() -> Instance:
    parcels, scenario = tiny_county()
    chosen = parse_scenario(scenario)
    return Instance(validate_parcels(parcels, chosen.codes), chosen)


@pytest.fixture(scope="session")
def tiny_problem(tiny):
    return tiny.compile()
