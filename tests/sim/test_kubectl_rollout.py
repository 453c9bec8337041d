"""The real kubectl's rollout commands against the simulated cluster and its controllers."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kubectl_rollback.sim import RunningCluster
from tests.kubectl import Kubectl

pytestmark = pytest.mark.kubectl

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: {image}
"""


def apply(kubectl: Kubectl, sim: RunningCluster, image: str = "nginx:1.25") -> None:
    kubectl.ok("apply", "-f", "-", input=MANIFEST.format(image=image))
    sim.cluster.advance(30)


def set_image(kubectl: Kubectl, sim: RunningCluster, image: str) -> None:
    kubectl.ok("set", "image", "deployment/web", f"nginx={image}")
    sim.cluster.advance(60)


def revisions_listed(kubectl: Kubectl) -> list[int]:
    out = kubectl.ok("rollout", "history", "deployment/web")
    return [int(m.group(1)) for m in re.finditer(r"^(\d+)\s", out, re.MULTILINE)]


def replica_sets(sim: RunningCluster) -> dict[int, dict[str, Any]]:
    return {
        int(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]): rs
        for rs in sim.cluster.list("replicasets", "default", "app=web")
    }


def test_rollback_story(kubectl: Kubectl, sim: RunningCluster) -> None:
    apply(kubectl, sim)
    assert "successfully rolled out" in kubectl.ok(
        "rollout", "status", "deployment/web", "--timeout=10s"
    )
    set_image(kubectl, sim, "nginx:1.26")
    set_image(kubectl, sim, "nginx:1.27")
    assert revisions_listed(kubectl) == [1, 2, 3]
    first = replica_sets(sim)[1]["metadata"]["name"]

    detail = kubectl.ok("rollout", "history", "deployment/web", "--revision=2")
    assert "deployment.apps/web with revision #2" in detail
    assert re.search(r"Image:\s+nginx:1.26", detail)

    assert (
        kubectl.ok("rollout", "undo", "deployment/web", "--to-revision=1").strip()
        == "deployment.apps/web rolled back"
    )
    sim.cluster.advance(60)
    assert revisions_listed(kubectl) == [2, 3, 4]
    rs = replica_sets(sim)[4]
    assert rs["metadata"]["name"] == first
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    assert rs["spec"]["replicas"] == 3
    assert "successfully rolled out" in kubectl.ok(
        "rollout", "status", "deployment/web", "--timeout=10s"
    )

    # Plain undo goes to the second-highest revision (3: nginx 1.27), which becomes 5.
    kubectl.ok("rollout", "undo", "deployment/web")
    sim.cluster.advance(60)
    assert revisions_listed(kubectl) == [2, 4, 5]
    assert (
        replica_sets(sim)[5]["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    )

    missing = kubectl.run("rollout", "undo", "deployment/web", "--to-revision=1")
    assert missing.returncode == 1
    assert "unable to find specified revision 1 in history" in missing.stderr


def test_rollout_status_reports_the_progress_deadline(
    kubectl: Kubectl, sim: RunningCluster
) -> None:
    apply(kubectl, sim)
    kubectl.ok("set", "image", "deployment/web", "nginx=nginx:broken-1")
    sim.cluster.advance(10)
    status = kubectl.popen("rollout", "status", "deployment/web")
    try:
        assert status.stdout is not None
        first = status.stdout.readline()  # kubectl is watching before the deadline passes
        assert first.startswith(
            'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas'
        )
        sim.cluster.advance(700)
        _, err = status.communicate(timeout=20)
    finally:
        if status.poll() is None:
            status.kill()
            status.communicate()
    assert status.returncode == 1
    assert 'error: deployment "web" exceeded its progress deadline' in err


def test_pause_resume_restart(kubectl: Kubectl, sim: RunningCluster) -> None:
    apply(kubectl, sim)
    set_image(kubectl, sim, "nginx:1.26")
    kubectl.ok("rollout", "pause", "deployment/web")
    assert sim.cluster.get("deployments", "default", "web")["spec"]["paused"] is True
    kubectl.ok("set", "image", "deployment/web", "nginx=nginx:1.27")
    sim.cluster.advance(60)
    assert sorted(replica_sets(sim)) == [1, 2]  # paused: not rolled out
    refused = kubectl.run("rollout", "undo", "deployment/web")
    assert refused.returncode == 1 and "you cannot rollback a paused deployment" in refused.stderr

    kubectl.ok("rollout", "resume", "deployment/web")
    sim.cluster.advance(60)
    assert sorted(replica_sets(sim)) == [1, 2, 3]
    kubectl.ok("rollout", "restart", "deployment/web")
    sim.cluster.advance(60)
    latest = replica_sets(sim)[4]
    assert (
        "kubectl.kubernetes.io/restartedAt" in latest["spec"]["template"]["metadata"]["annotations"]
    )
    assert "successfully rolled out" in kubectl.ok(
        "rollout", "status", "deployment/web", "--timeout=10s"
    )


def test_scale_and_delete(kubectl: Kubectl, sim: RunningCluster) -> None:
    apply(kubectl, sim)
    kubectl.ok("scale", "deployment/web", "--replicas=5")
    sim.cluster.advance(10)
    [rs] = replica_sets(sim).values()
    assert rs["spec"]["replicas"] == 5
    assert len(sim.cluster.list("pods", "default", "app=web")) == 5
    assert "successfully rolled out" in kubectl.ok(
        "rollout", "status", "deployment/web", "--timeout=10s"
    )
    kubectl.ok("delete", "deployment/web")
    sim.cluster.settle()
    assert sim.cluster.list("replicasets", "default") == []
    assert sim.cluster.list("pods", "default") == []


def test_statefulset_rollout_history_and_undo(kubectl: Kubectl, sim: RunningCluster) -> None:
    manifest = MANIFEST.replace("kind: Deployment", "kind: StatefulSet").replace(
        "  replicas: 3\n", "  replicas: 2\n  serviceName: web\n"
    )
    kubectl.ok("apply", "-f", "-", input=manifest.format(image="nginx:1.25"))
    sim.cluster.advance(30)
    kubectl.ok("set", "image", "statefulset/web", "nginx=nginx:1.26")
    sim.cluster.advance(60)
    out = kubectl.ok("rollout", "history", "statefulset/web")
    assert re.findall(r"^(\d+)\s", out, re.MULTILINE) == ["1", "2"]
    kubectl.ok("rollout", "undo", "statefulset/web")
    sim.cluster.advance(60)
    out = kubectl.ok("rollout", "history", "statefulset/web")
    assert re.findall(r"^(\d+)\s", out, re.MULTILINE) == ["2", "3"]
    images = {p["spec"]["containers"][0]["image"] for p in sim.cluster.list("pods", "default")}
    assert images == {"nginx:1.25"}


def test_status_of_a_crashing_rollout_waits(kubectl: Kubectl, sim: RunningCluster) -> None:
    apply(kubectl, sim)
    kubectl.ok("set", "image", "deployment/web", "nginx=nginx:crash-1")
    sim.cluster.advance(120)
    once = kubectl.ok("rollout", "status", "deployment/web", "--watch=false")
    assert "1 out of 3 new replicas have been updated" in once
    pods = kubectl.ok("get", "pods", "-l", "app=web")
    assert "CrashLoopBackOff" in pods
