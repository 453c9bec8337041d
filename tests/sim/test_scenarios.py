"""The named scenarios: each demo workload's history is what the scenario says it is."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_rollback.sim import scenarios
from kubectl_rollback.sim.cluster import SimCluster
from kubectl_rollback.sim.world import new_cluster

NS = "shop"
REVISION = "deployment.kubernetes.io/revision"


@pytest.fixture(scope="module")
def demo() -> SimCluster:
    cluster = new_cluster()
    scenarios.load("demo", cluster)
    return cluster


def history(cluster: SimCluster, name: str) -> dict[int, dict[str, Any]]:
    """Revision number -> ReplicaSet, for the ReplicaSets the Deployment controls."""
    uid = cluster.get("deployments", NS, name)["metadata"]["uid"]
    return {
        int(rs["metadata"]["annotations"][REVISION]): rs
        for rs in cluster.list("replicasets", NS, f"app={name}")
        if rs["metadata"]["ownerReferences"][0]["uid"] == uid
    }


def images(cluster: SimCluster, name: str) -> dict[int, str]:
    return {
        n: rs["spec"]["template"]["spec"]["containers"][0]["image"]
        for n, rs in sorted(history(cluster, name).items())
    }


def progressing(cluster: SimCluster, name: str) -> str:
    conditions = cluster.get("deployments", NS, name)["status"]["conditions"]
    return next(c["reason"] for c in conditions if c["type"] == "Progressing")


def test_names() -> None:
    assert {"empty", "demo", "bluegreen", "releases"} <= set(scenarios.names())
    with pytest.raises(KeyError, match="unknown scenario"):
        scenarios.load("nope", new_cluster())


def test_empty_has_only_the_default_namespaces() -> None:
    cluster = new_cluster()
    scenarios.load("empty", cluster)
    assert {n["metadata"]["name"] for n in cluster.list("namespaces")} == {
        "default",
        "kube-system",
        "kube-public",
        "kube-node-lease",
    }
    assert cluster.list("deployments") == []


def test_demo_ends_at_cluster_start_with_days_of_history(demo: SimCluster) -> None:
    assert abs(demo.clock.seconds()) < 1.0
    created = min(d["metadata"]["creationTimestamp"] for d in demo.list("deployments", NS))
    from kubectl_rollback.sim.clock import parse_rfc3339

    age = (demo.clock.now() - parse_rfc3339(created)).total_seconds()
    assert 5 * 86400 < age < 14 * 86400


def test_web_healthy_history_with_change_causes(demo: SimCluster) -> None:
    assert images(demo, "web") == {
        1: "nginx:1.25.3",
        2: "nginx:1.25.4",
        3: "nginx:1.26.0",
        4: "nginx:1.27.0",
    }
    causes = [
        rs["metadata"]["annotations"].get("kubernetes.io/change-cause")
        for _, rs in sorted(history(demo, "web").items())
    ]
    assert all(causes)
    assert progressing(demo, "web") == "NewReplicaSetAvailable"
    assert [rs["spec"]["replicas"] for _, rs in sorted(history(demo, "web").items())] == [
        0,
        0,
        0,
        3,
    ]


def test_checkout_latest_rollouts_failed(demo: SimCluster) -> None:
    revs = images(demo, "checkout")
    assert revs[1].endswith("checkout:1.8.1")
    assert revs[2].split(":")[-1].startswith("broken")
    assert revs[3].split(":")[-1].startswith("crash")
    assert progressing(demo, "checkout") == "ProgressDeadlineExceeded"
    rss = history(demo, "checkout")
    assert rss[1]["status"]["availableReplicas"] == 3  # the last good revision still serves
    crash_pods = [
        p
        for p in demo.list("pods", NS, "app=checkout")
        if p["metadata"]["labels"]["pod-template-hash"]
        == rss[3]["metadata"]["labels"]["pod-template-hash"]
    ]
    assert crash_pods
    waiting = crash_pods[0]["status"]["containerStatuses"][0]["state"].get("waiting", {})
    assert crash_pods[0]["status"]["containerStatuses"][0]["restartCount"] > 1
    assert waiting.get("reason") in (None, "CrashLoopBackOff")
    release = demo.get("configmaps", NS, "harness-release-checkout")["data"]["releaseHistory"]
    assert "- number: 1\n  status: Succeeded" in release
    assert "- number: 2\n  status: Failed" in release
    assert "- number: 3\n  status: InProgress" in release
    assert "  - workload: Deployment/checkout\n    revision: 3" in release


def test_payments_paused_with_an_unrolled_change(demo: SimCluster) -> None:
    d = demo.get("deployments", NS, "payments")
    assert d["spec"]["paused"] is True
    assert d["spec"]["template"]["spec"]["containers"][0]["image"].endswith("payments:2.5.0")
    assert progressing(demo, "payments") == "DeploymentPaused"
    assert sorted(images(demo, "payments")) == [1, 2]
    assert d["metadata"]["annotations"][REVISION] == "2"
    assert d["status"].get("updatedReplicas", 0) == 0
    env = history(demo, "payments")[1]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "DB_PASSWORD", "value": "s3cr3t-demo"}]


def test_catalog_history_trimmed_by_the_limit(demo: SimCluster) -> None:
    d = demo.get("deployments", NS, "catalog")
    assert d["spec"]["revisionHistoryLimit"] == 3
    assert sorted(images(demo, "catalog")) == [3, 4, 5, 6]


def test_cart_single_revision_and_search_recreate(demo: SimCluster) -> None:
    assert list(images(demo, "cart")) == [1]
    assert demo.get("deployments", NS, "search")["spec"]["strategy"] == {"type": "Recreate"}
    assert sorted(images(demo, "search")) == [1, 2]
    assert progressing(demo, "search") == "NewReplicaSetAvailable"


def test_statefulset_and_daemonset_histories(demo: SimCluster) -> None:
    revisions = demo.list("controllerrevisions", NS)
    db = sorted(r["revision"] for r in revisions if r["metadata"]["name"].startswith("db-"))
    agent = sorted(
        r["revision"] for r in revisions if r["metadata"]["name"].startswith("node-agent-")
    )
    assert db == [1, 2, 3] and agent == [1, 2]
    status = demo.get("statefulsets", NS, "db")["status"]
    assert status["currentRevision"] == status["updateRevision"] and status["readyReplicas"] == 3


def test_env_from_config_map_exists(demo: SimCluster) -> None:
    demo.get("configmaps", NS, "shop-config")
    for d in demo.list("deployments", NS):
        for container in d["spec"]["template"]["spec"]["containers"]:
            for source in container.get("envFrom") or ():
                demo.get("configmaps", NS, source["configMapRef"]["name"])
