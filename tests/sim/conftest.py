"""Fixture `http`: a raw HTTP client (tests/sim/rawapi.py) for the `sim` cluster."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from rawapi import RawApi  # noqa: E402

from kubectl_rollback.sim import RunningCluster  # noqa: E402


@pytest.fixture
def http(sim: RunningCluster) -> RawApi:
    return RawApi(sim.url)
