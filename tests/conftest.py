"""Shared fixtures: a running simulated cluster, the real kubectl, the Python client.

- `sim`: a `RunningCluster` (`kubectl_rollback.sim.run_cluster("empty", time_scale=0)`)
  with `.url`, `.kubeconfig`, `.cluster` (SimCluster: `.store`, `.advance(s)`, `.settle()`,
  `.authorizer`, `.required_token`), `.port`, `.stop()`; stopped after the test.
- `kubectl`: a `Kubectl` (tests/kubectl.py) bound to `sim`, parametrised over
  `kubectl.VERSIONS` (1.27 and 1.33); skips where the binary is missing.
- `api_client`: a `kubernetes.client.ApiClient` configured from `sim.kubeconfig`.

Ask for another scenario with `@pytest.mark.parametrize("sim", ["demo"], indirect=True)`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from kubectl import VERSIONS, Kubectl, kubectl_or_skip  # noqa: E402

from kubectl_rollback.sim import RunningCluster, run_cluster  # noqa: E402


@pytest.fixture
def sim(request: pytest.FixtureRequest) -> Iterator[RunningCluster]:
    scenario = getattr(request, "param", "empty")
    with run_cluster(scenario, time_scale=0) as running:
        yield running


@pytest.fixture(params=VERSIONS, ids=lambda v: f"kubectl{v}")
def kubectl(request: pytest.FixtureRequest, sim: RunningCluster, tmp_path: Path) -> Kubectl:
    return kubectl_or_skip(request.param, sim.kubeconfig, tmp_path / "kubectl-cache")


@pytest.fixture
def api_client(sim: RunningCluster) -> Iterator[Any]:
    from kubernetes import config

    client = config.new_client_from_config(config_file=sim.kubeconfig)
    try:
        yield client
    finally:
        client.close()
