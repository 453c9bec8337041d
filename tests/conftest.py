"""Shared fixtures: a running simulated cluster, the real kubectl, the Python client.

- `sim`: a `RunningCluster` (`kubectl_rollback.sim.run_cluster("empty", time_scale=0)`)
  with `.url`, `.kubeconfig`, `.cluster` (SimCluster: `.store`, `.advance(s)`, `.settle()`,
  `.authorizer`, `.required_token`), `.port`, `.stop()`; stopped after the test.
- `kubectl`: a `Kubectl` (tests/kubectl.py) bound to `sim`, parametrised over
  `kubectl.VERSIONS` (1.27 and 1.33); skips where the binary is missing.
- `api_client`: a `kubernetes.client.ApiClient` configured from `sim.kubeconfig`.

Ask for another scenario with `@pytest.mark.parametrize("sim", ["demo"], indirect=True)`.

- `cluster`: a `TestCluster` (tests/clusters.py), parametrised over `sim` and `real`: a test
  written once runs on the simulated cluster and on a real control plane (kube-apiserver,
  controllers, scheduler, etcd, kwok; built by `scripts/control-plane build`). Each test has
  its own namespace. `-m real` selects the real ones, `-m "not real"` leaves them out.
- `control_plane`: the one real control plane of this test session (started on first use,
  on the xdist worker that runs the `real` group). Where it is not built it skips with one
  line saying how to build it; with CI=true that is a failure instead.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kubectl_rollback.sim import RunningCluster, run_cluster
from tests import clusters
from tests.kubectl import VERSIONS, Kubectl, kubectl_or_skip


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


REAL = pytest.mark.real


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "real: runs on the real control plane (scripts/control-plane)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Every real-cluster test runs on one xdist worker, so one control plane serves them all.
    for item in items:
        if item.get_closest_marker("real"):
            item.add_marker(pytest.mark.xdist_group("real"))


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    version = os.environ.get(
        "KUBECTL_ROLLBACK_REAL_VERSION", clusters.control_plane.DEFAULT_VERSION
    )
    cp_module = clusters.control_plane
    if not cp_module.is_built(version):
        message = (
            f"real control plane {version} not built: run scripts/control-plane build "
            f"--version {version}"
        )
        if clusters.env_ci():
            pytest.fail(message)
        pytest.skip(message)
    try:
        cp = cp_module.start(version, tmp_path_factory.mktemp("control-plane"))
    except cp_module.ControlPlaneError as exc:
        pytest.fail(f"the real control plane did not start: {exc}")
    try:
        yield cp
    finally:
        cp.stop()


@pytest.fixture(params=["sim", pytest.param("real", marks=REAL)])
def cluster(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[clusters.TestCluster]:
    """The same test on the simulated cluster and on the real control plane."""
    namespace = "t-" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:10]
    if request.param == "sim":
        with run_cluster("empty", time_scale=0) as running:
            yield clusters.SimTestCluster(running, namespace, tmp_path)
        return
    cp = request.getfixturevalue("control_plane")
    real = clusters.RealTestCluster(cp, namespace, tmp_path)
    try:
        yield real
    finally:
        real.close()


@pytest.fixture
def rollback(
    cluster: clusters.TestCluster,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Any:
    """Run `kubectl rollback ARGS` in-process against `cluster` (kubeconfig= another file)."""
    from kubectl_rollback.cli.entry import run
    from tests.cli.cli_support import CliResult

    def invoke(*args: str, kubeconfig: str | None = None) -> CliResult:
        monkeypatch.setenv("KUBECONFIG", kubeconfig or cluster.kubeconfig)
        capsys.readouterr()
        code = run(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke
