"""Fixtures for the terminal UI tests: simulated clusters on a fixed clock (helpers:
tui_helpers.py).

- `demo`: the demo scenario (namespace `shop`) served with a clock that starts at
  `tui_helpers.START` and only moves when a test advances it (`demo.cluster.advance(s)`).
- `empty`: the same with the empty scenario.

Both name pods (generateName's random suffix) and give uids the same way on every run, so
that snapshots showing pods are stable: the n-th name of each prefix is always the same.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from kubectl_rollback.sim import RunningCluster, run_cluster
from kubectl_rollback.sim.store import Store
from tests.tui.tui_helpers import START


@pytest.fixture
def same_names(monkeypatch: pytest.MonkeyPatch) -> None:
    made: dict[str, int] = {}

    def generate_name(self: Store, rt: Any, ns: str, prefix: str) -> str:
        made[prefix] = made.get(prefix, 0) + 1
        pick = random.Random(f"{prefix}{made[prefix]}")
        return prefix + "".join(pick.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))

    uids = random.Random(1403)
    monkeypatch.setattr(Store, "_generate_name", generate_name)
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=uids.getrandbits(128), version=4))


@pytest.fixture
def demo(same_names: None) -> Iterator[RunningCluster]:
    with run_cluster("demo", time_scale=0, start=START) as running:
        yield running


@pytest.fixture
def empty(same_names: None) -> Iterator[RunningCluster]:
    with run_cluster("empty", time_scale=0, start=START) as running:
        yield running
