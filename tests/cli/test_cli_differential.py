"""Differential tests: `kubectl rollout undo` on one cluster, `kubectl rollback` on an identical
one."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kubectl_rollback.sim import RunningCluster, run_cluster
from tests.cli.cli_support import CliResult, history_of
from tests.kubectl import Kubectl, kubectl_or_skip

pytestmark = pytest.mark.kubectl

IMAGES = ["nginx:1.25.3", "nginx:1.26.0", "nginx:1.27.0", "nginx:1.27.1"]


def _rs_set(sim: RunningCluster, name: str) -> dict[str, tuple[str, str, Any]]:
    """ReplicaSet name -> (revision, revision-history, template)."""
    out = {}
    for rs in sim.cluster.list("replicasets", "default", f"app={name}"):
        ann = rs["metadata"].get("annotations") or {}
        out[rs["metadata"]["name"]] = (
            ann.get("deployment.kubernetes.io/revision"),
            ann.get("deployment.kubernetes.io/revision-history"),
            rs["spec"]["template"],
        )
    return out


def _history_numbers(kubectl: Kubectl, name: str) -> list[int]:
    out = kubectl.ok("rollout", "history", f"deployment/{name}")
    return [int(m.group(1)) for m in re.finditer(r"^(\d+)\s", out, re.MULTILINE)]


@pytest.mark.parametrize("target", [1, 2, None], ids=["to-1", "to-2", "default"])
def test_same_result_as_kubectl_rollout_undo(
    target: int | None,
    sim: RunningCluster,
    kubectl: Kubectl,
    cli: Callable[..., CliResult],
    tmp_path: Path,
) -> None:
    # Cluster B: kubectl rollout undo.  Cluster A (`sim`, used by `cli`): kubectl rollback.
    with run_cluster("empty", time_scale=0) as other:
        for cluster in (sim, other):
            history_of(cluster, "web", IMAGES)
        real = kubectl_or_skip(kubectl.version, other.kubeconfig, tmp_path / "cache-b")
        undo = ["rollout", "undo", "deployment/web"] + (
            [f"--to-revision={target}"] if target else []
        )
        assert "rolled back" in real.ok(*undo)
        ours = ["deploy/web", "--yes", "--no-wait"] + (
            ["--to-revision", str(target)] if target else []
        )
        result = cli(*ours)
        assert result.code == 0, result.err
        assert "deployment.apps/web rolled back" in result.out
        for cluster in (sim, other):
            cluster.cluster.advance(60)

        mine = sim.cluster.get("deployments", "default", "web")
        theirs = other.cluster.get("deployments", "default", "web")
        assert mine["spec"]["template"] == theirs["spec"]["template"]
        assert _rs_set(sim, "web") == _rs_set(other, "web")
        assert _history_numbers(kubectl, "web") == _history_numbers(real, "web")
        # Both report the same revision now; only the change-cause differs (ours records the
        # rollback, kubectl copies the target ReplicaSet's).
        assert (
            mine["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
            == theirs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
        )
        assert mine["metadata"]["annotations"]["kubernetes.io/change-cause"].startswith(
            "kubectl-rollback: rolled back from revision 4"
        )
