"""What the command line says when a rollback cannot go the usual way, on both clusters: a
StatefulSet stuck on a bad pod (which pod to delete), a blue/green side with one revision
(the Service switch)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from kubectl_rollback.core import errors
from kubectl_rollback.sim.scenarios.bluegreen import COLOR, PRIMARY, STAGE, service, side
from tests.clusters import TestCluster, deployment, pods_waiting, settle_deployment
from tests.stories.test_stories import statefulset as make_statefulset

pytestmark = pytest.mark.kubectl


def _images(cluster: TestCluster, name: str) -> dict[str, str]:
    return {
        p["metadata"]["name"]: p["spec"]["containers"][0]["image"]
        for p in cluster.list("pods", f"app={name}")
        if not p["metadata"].get("deletionTimestamp")
    }


def stuck_statefulset(cluster: TestCluster, third: bool = True, **spec: Any) -> None:
    """db: revision 1 Ready on 3 pods; revision 2 crashes on db-2 (the controller stops
    there); with ``third``, revision 3 asked for, never rolled out (db-2 is not Ready).
    ``spec``: more of the StatefulSet's spec (podManagementPolicy...)."""

    def statefulset(name: str, image: str, replicas: int) -> dict[str, Any]:
        obj = make_statefulset(name, image, replicas=replicas)
        obj["spec"].update(spec)
        return obj

    cluster.apply(statefulset("db", "nginx:1.25.3", replicas=3))

    def rolled_out() -> bool:
        obj = cluster.must("statefulsets", "db")
        return (obj.get("status") or {}).get("readyReplicas") == 3

    cluster.wait_for(rolled_out, "db rolled out")
    cluster.apply(statefulset("db", "nginx:crash-1.26.0", replicas=3))
    cluster.wait_for(
        lambda: (
            "CrashLoopBackOff" in pods_waiting(cluster, "app=db")
            and _images(cluster, "db").get("db-2") == "nginx:crash-1.26.0"
        ),
        "db-2 crash-looping",
    )
    if not third:
        return
    cluster.apply(statefulset("db", "nginx:1.27.0", replicas=3))

    def observed() -> bool:
        obj = cluster.must("statefulsets", "db")
        return (obj.get("status") or {}).get("observedGeneration") == obj["metadata"]["generation"]

    cluster.wait_for(observed, "db's third revision observed")


def test_a_parallel_statefulset_needs_no_pod_deleted(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    # podManagementPolicy Parallel: once rolled back, its controller replaces the
    # crash-looping db-2 (no longer on the update revision) instead of waiting for it to be
    # Ready, so the plan warns of nothing to delete and the rollout completes by itself.
    stuck_statefulset(cluster, third=False, podManagementPolicy="Parallel")
    plan = rollback("sts/db", "--dry-run", "-o", "json")
    assert plan.code == 0, plan.err
    doc = json.loads(plan.out)["plan"]
    assert doc["to"]["revision"] == 1
    assert "stuck-pods" not in [w["code"] for w in doc["warnings"]], doc["warnings"]
    with cluster.clock():
        done = rollback("sts/db", "--yes", "--wait", "--timeout", "3m")
    assert done.code == 0, done.err
    assert "delete pod" not in done.out + done.err
    assert _images(cluster, "db") == {f"db-{i}": "nginx:1.25.3" for i in range(3)}


def test_a_statefulset_stuck_on_a_bad_pod_ends_naming_the_pod_to_delete(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    stuck_statefulset(cluster)
    ns = cluster.namespace
    with cluster.clock():
        result = rollback("sts/db", "--yes", "--wait", "--timeout", "4s")
    assert result.code == errors.EXIT_ROLLOUT_FAILED, result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1, result.err
    line = result.err.strip()
    assert line.startswith("error: timed out waiting for the condition: "), line
    assert "statefulset.apps/db is stuck: pod db-2 (CrashLoopBackOff" in line, line
    assert line.endswith(f"kubectl delete pod -n {ns} db-2"), line
    # The rollback went to revision 1, and the advice is right: once db-2 is deleted, the
    # controller goes on and every pod runs revision 1.
    obj = cluster.must("statefulsets", "db")
    assert obj["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25.3"
    cluster.kubectl().ok("delete", "pod", "db-2", "--wait=false")
    cluster.wait_for(
        lambda: (
            _images(cluster, "db") == {f"db-{i}": "nginx:1.25.3" for i in range(3)}
            and (cluster.must("statefulsets", "db").get("status") or {}).get("readyReplicas") == 3
        ),
        "db rolled back on every pod",
    )


def test_a_blue_green_side_with_one_revision_points_at_the_service_switch(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    ns = cluster.namespace
    # A Harness pair: web routes to blue (live), web-stage to green (idle); one revision each.
    for name, colour, role in (("web", "blue", PRIMARY), ("web-stage", "green", STAGE)):
        selector = {"app": "web", COLOR: colour}
        cluster.apply(service(ns, name, selector, annotations={role: "true"}))
    for colour, image in (("blue", "nginx:1.25.3"), ("green", "nginx:1.27.0")):
        cluster.apply(side(ns, f"web-{colour}", "web", COLOR, colour, image))
        settle_deployment(cluster, f"web-{colour}")
    before = cluster.must("deployments", "web-green")
    kubectl = cluster.kubectl().run("rollout", "undo", "deployment/web-green")
    assert kubectl.returncode != 0 and "no rollout history found" in kubectl.stderr
    for name, side_word in (("web-green", "idle"), ("web-blue", "live")):
        result = rollback(f"deploy/{name}", "--yes")
        assert result.code == 1, result.err
        assert result.out == "" and len(result.err.strip().splitlines()) == 1, result.err
        assert result.err.strip() == (
            f'error: no rollout history found for deployment "{name}"; it is the {side_word} '
            "side of blue/green group web (Services web, web-stage), rolled back by switching "
            "the Service's traffic to a side, not by a redeploy: kubectl rollback svc/web"
        )
    live = cluster.must("deployments", "web-green")
    assert live["metadata"]["generation"] == before["metadata"]["generation"]
    assert live["spec"] == before["spec"]
    # A Deployment of no group keeps kubectl's words alone.
    cluster.apply(deployment("solo", "nginx:1.25.3"))
    settle_deployment(cluster, "solo")
    alone = rollback("deploy/solo", "--yes")
    assert alone.err.strip() == 'error: no rollout history found for deployment "solo"'
