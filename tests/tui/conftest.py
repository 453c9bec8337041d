"""Fixtures for the terminal UI tests: simulated clusters on a fixed clock (helpers:
tui_helpers.py).

- `demo`: the demo scenario (namespace `shop`) served with a clock that starts at
  `tui_helpers.START` and only moves when a test advances it (`demo.cluster.advance(s)`).
- `empty`: the same with the empty scenario.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kubectl_rollback.sim import RunningCluster, run_cluster
from tests.tui.tui_helpers import START


@pytest.fixture
def demo() -> Iterator[RunningCluster]:
    with run_cluster("demo", time_scale=0, start=START) as running:
        yield running


@pytest.fixture
def empty() -> Iterator[RunningCluster]:
    with run_cluster("empty", time_scale=0, start=START) as running:
        yield running
