"""Fixture `http`: a raw HTTP client (tests/sim/rawapi.py) for the `sim` cluster."""

from __future__ import annotations

import pytest

from kubectl_rollback.sim import RunningCluster
from tests.sim.rawapi import RawApi


@pytest.fixture
def http(sim: RunningCluster) -> RawApi:
    return RawApi(sim.url)
