"""Shared fixtures: the tiny hand-made instance, built in memory, and bundled instances."""

from __future__ import annotations

import pytest

from instances.handmade import tiny_county
from models import Instance, parse_scenario
from models.parcels import validate_parcels


@pytest.fixture(scope="session")
def tiny() -> Instance:
    parcels, scenario = tiny_county()
    chosen = parse_scenario(scenario)
    return Instance(validate_parcels(parcels, chosen.codes), chosen)


@pytest.fixture(scope="session")
def tiny_problem(tiny):
    return tiny.compile()
