"""The terminal UI end to end, in a real terminal (tmux), on both clusters.

The installed `kubectl-rollback` runs in tmux with KUBECONFIG pointing at the cluster; keys
roll the Harness case back; the real kubectl confirms the result from outside.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.clusters import TestCluster, rollout_complete
from tests.stories.test_stories import harness_case, template_images
from tests.terminal import terminal

SCRIPT = Path(sys.executable).parent / "kubectl-rollback"

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None or not SCRIPT.exists(),
    reason="needs tmux and the installed kubectl-rollback script",
)


def test_rolling_back_the_harness_case_in_a_real_terminal(cluster: TestCluster) -> None:
    harness_case(cluster, "web")
    with cluster.clock(), terminal(f"KUBECONFIG={cluster.kubeconfig} {SCRIPT}") as term:
        # It opens on the namespace of the current context, web (its only workload) selected.
        term.wait(
            lambda s: "Workloads (1)" in s or "Workloads (" in s and "web" in s,
            "the workloads list",
            timeout=30,
        )
        term.wait(
            lambda s: (
                "kubectl rollout undo would pick revision 2" in s and "Preview: web 3 → 1" in s
            ),
            "web's history and preview",
            timeout=30,
        )
        term.keys("r")
        term.wait(lambda s: "Confirm rollback" in s, "the confirmation dialog")
        assert template_images(cluster.must("deployments", "web")) == ["nginx:crash-1"]
        term.keys("y")
        screen = term.wait(
            lambda s: "successfully rolled out" in s, "the rollout to finish", timeout=120
        )
        assert "Rolling back deployment.apps/web" in screen
        live = cluster.must("deployments", "web")
        assert template_images(live) == ["nginx:1.25.3"] and rollout_complete(live)
        out = cluster.kubectl().ok(
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}",
        )
        assert out == "4"
        term.keys("q")
        assert term.wait_gone(), "q did not quit the app"
