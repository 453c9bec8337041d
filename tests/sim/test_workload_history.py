"""StatefulSet and DaemonSet ControllerRevision history, pods and status."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kubectl_rollback.sim.cluster import SimCluster
from kubectl_rollback.sim.resources import BY_KIND
from kubectl_rollback.sim.world import new_cluster

NS = "default"


@pytest.fixture
def cluster() -> SimCluster:
    return new_cluster()


def workload(kind: str, name: str, image: str, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": "main", "image": image}]},
        },
        **spec,
    }
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": NS, "annotations": {"team": "data"}},
        "spec": body,
    }


def set_image(cluster: SimCluster, kind: str, name: str, image: str) -> None:
    def change(obj: dict[str, Any]) -> None:
        obj["spec"]["template"]["spec"]["containers"][0]["image"] = image

    cluster.store.mutate(BY_KIND[kind], NS, name, change)
    cluster.advance(60)


def revisions(cluster: SimCluster, app: str) -> dict[int, dict[str, Any]]:
    return {r["revision"]: r for r in cluster.list("controllerrevisions", NS, f"app={app}")}


def image_in(revision: dict[str, Any]) -> str:
    return revision["data"]["spec"]["template"]["spec"]["containers"][0]["image"]


def test_statefulset_revisions_pods_and_rollback_bump(cluster: SimCluster) -> None:
    cluster.store.create(
        BY_KIND["StatefulSet"],
        workload("StatefulSet", "db", "postgres:15", replicas=3, serviceName="db"),
    )
    cluster.settle()
    assert [p["metadata"]["name"] for p in cluster.list("pods", NS)] == ["db-0"]  # OrderedReady
    cluster.advance(60)
    pods = cluster.list("pods", NS)
    assert [p["metadata"]["name"] for p in pods] == ["db-0", "db-1", "db-2"]
    [first] = revisions(cluster, "db").values()
    assert (
        first["metadata"]["name"]
        == f"db-{first['metadata']['labels']['controller.kubernetes.io/hash']}"
    )
    assert first["metadata"]["annotations"] == {"team": "data"}
    assert first["metadata"]["ownerReferences"][0]["kind"] == "StatefulSet"
    assert all(
        p["metadata"]["labels"]["controller-revision-hash"] == first["metadata"]["name"]
        for p in pods
    )
    data = first["data"]
    assert data["spec"]["template"]["$patch"] == "replace"
    assert list(data["spec"]["template"]) == sorted(data["spec"]["template"])
    assert json.dumps(data, sort_keys=True) == json.dumps(data)

    set_image(cluster, "StatefulSet", "db", "postgres:16")
    status = cluster.get("statefulsets", NS, "db")["status"]
    second = revisions(cluster, "db")[2]
    assert status["currentRevision"] == status["updateRevision"] == second["metadata"]["name"]
    assert status["updatedReplicas"] == status["readyReplicas"] == status["replicas"] == 3
    assert all(
        p["spec"]["containers"][0]["image"] == "postgres:16" for p in cluster.list("pods", NS)
    )

    set_image(cluster, "StatefulSet", "db", "postgres:15")  # rollback: same name, new number
    history = revisions(cluster, "db")
    assert sorted(history) == [2, 3]
    assert history[3]["metadata"]["name"] == first["metadata"]["name"]
    assert image_in(history[3]) == "postgres:15"


def test_statefulset_history_is_pruned(cluster: SimCluster) -> None:
    cluster.store.create(
        BY_KIND["StatefulSet"],
        workload("StatefulSet", "db", "postgres:1", replicas=1, revisionHistoryLimit=2),
    )
    cluster.advance(10)
    for version in range(2, 6):
        set_image(cluster, "StatefulSet", "db", f"postgres:{version}")
    assert sorted(revisions(cluster, "db")) == [3, 4, 5]  # two of history plus the live one


def test_daemonset_one_pod_per_node_and_revisions(cluster: SimCluster) -> None:
    cluster.store.create(BY_KIND["DaemonSet"], workload("DaemonSet", "agent", "agent:1"))
    cluster.advance(10)
    pods = cluster.list("pods", NS)
    assert sorted(p["spec"]["nodeName"] for p in pods) == ["sim-node-1", "sim-node-2", "sim-node-3"]
    [first] = revisions(cluster, "agent").values()
    value = first["metadata"]["labels"]["controller-revision-hash"]
    assert first["metadata"]["name"] == f"agent-{value}"
    assert all(p["metadata"]["labels"]["controller-revision-hash"] == value for p in pods)
    status = cluster.get("daemonsets", NS, "agent")["status"]
    assert {
        k: status[k]
        for k in (
            "currentNumberScheduled",
            "numberMisscheduled",
            "desiredNumberScheduled",
            "numberReady",
            "updatedNumberScheduled",
            "numberAvailable",
        )
    } == {
        "currentNumberScheduled": 3,
        "numberMisscheduled": 0,
        "desiredNumberScheduled": 3,
        "numberReady": 3,
        "updatedNumberScheduled": 3,
        "numberAvailable": 3,
    }
    set_image(cluster, "DaemonSet", "agent", "agent:2")
    assert {p["spec"]["containers"][0]["image"] for p in cluster.list("pods", NS)} == {"agent:2"}
    set_image(cluster, "DaemonSet", "agent", "agent:1")
    history = revisions(cluster, "agent")
    assert sorted(history) == [2, 3] and history[3]["metadata"]["name"] == first["metadata"]["name"]
    assert cluster.get("daemonsets", NS, "agent")["status"]["updatedNumberScheduled"] == 3
