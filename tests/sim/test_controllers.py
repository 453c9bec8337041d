"""The simulated controllers, driven in-process through the store and the simulated clock."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_rollback.sim.cluster import SimCluster
from kubectl_rollback.sim.controllers import kubelet
from kubectl_rollback.sim.controllers.deployment import append_revision_history
from kubectl_rollback.sim.resources import BY_KIND
from kubectl_rollback.sim.templates import (
    SAFE_ALPHABET,
    safe_encode,
    template_hash,
    templates_equal,
)
from kubectl_rollback.sim.world import new_cluster

DEPLOYMENT = BY_KIND["Deployment"]
NS = "default"


def deployment(
    name: str = "web", image: str = "nginx:1.25", replicas: int = 3, **spec: Any
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
            **spec,
        },
    }


@pytest.fixture
def cluster() -> SimCluster:
    return new_cluster()


def create(cluster: SimCluster, obj: dict[str, Any]) -> None:
    cluster.store.create(BY_KIND[obj["kind"]], obj)
    cluster.settle()


def edit(cluster: SimCluster, name: str, change: Any, kind: str = "Deployment") -> None:
    cluster.store.mutate(BY_KIND[kind], NS, name, change)
    cluster.settle()


def set_image(cluster: SimCluster, name: str, image: str, kind: str = "Deployment") -> None:
    def change(obj: dict[str, Any]) -> None:
        obj["spec"]["template"]["spec"]["containers"][0]["image"] = image

    edit(cluster, name, change, kind)


def dep(cluster: SimCluster, name: str = "web") -> dict[str, Any]:
    return cluster.get("deployments", NS, name)


def replica_sets(cluster: SimCluster, app: str = "web") -> dict[str, dict[str, Any]]:
    return {rs["metadata"]["name"]: rs for rs in cluster.list("replicasets", NS, f"app={app}")}


def by_revision(cluster: SimCluster, app: str = "web") -> dict[int, dict[str, Any]]:
    return {
        int(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]): rs
        for rs in replica_sets(cluster, app).values()
    }


def image_of(rs: dict[str, Any]) -> str:
    return rs["spec"]["template"]["spec"]["containers"][0]["image"]


def condition(obj: dict[str, Any], type_: str) -> dict[str, Any]:
    return next(c for c in obj["status"]["conditions"] if c["type"] == type_)


def sizes(cluster: SimCluster, old: str, new: str) -> tuple[int, int]:
    rss = replica_sets(cluster)
    return rss[old]["spec"]["replicas"], rss[new]["spec"]["replicas"]


def rolled_out(cluster: SimCluster, name: str = "web") -> bool:
    status = dep(cluster, name).get("status", {})
    return condition(dep(cluster, name), "Progressing")[
        "reason"
    ] == "NewReplicaSetAvailable" and status.get("updatedReplicas") == status.get("replicas")


# ------------------------------------------------------------------------------ templates
def test_hash_uses_the_safe_alphabet_of_a_uint32() -> None:
    assert safe_encode("0123456789") == "".join(SAFE_ALPHABET[ord(c) % 27] for c in "0123456789")
    value = template_hash({"spec": {"containers": [{"name": "a", "image": "nginx"}]}})
    assert 1 <= len(value) <= 10 and set(value) <= set(SAFE_ALPHABET)
    assert template_hash({"spec": {}}, 1) != template_hash({"spec": {}})


def test_semantic_equality_ignores_hash_label_and_empty_values() -> None:
    a = {
        "metadata": {"labels": {"app": "x", "pod-template-hash": "abc"}, "creationTimestamp": None},
        "spec": {"containers": [{"name": "c", "image": "i", "resources": {}}]},
    }
    b = {
        "metadata": {"labels": {"app": "x"}},
        "spec": {"containers": [{"name": "c", "image": "i"}]},
    }
    assert templates_equal(a, b)
    assert not templates_equal(a, {"metadata": {"labels": {"app": "y"}}, "spec": b["spec"]})


def test_revision_history_trimmed_from_the_front() -> None:
    assert append_revision_history("", "1") == "1"
    assert append_revision_history("1", "3") == "1,3"
    long = ",".join(str(i) for i in range(1000, 1400))  # 1999 characters
    trimmed = append_revision_history(long, "9999")
    assert trimmed is not None and len(trimmed) <= 2000 and trimmed.endswith(",9999")
    assert not trimmed.startswith("1000,")


# ------------------------------------------------------------------------------ creation
def test_new_deployment_creates_a_named_replica_set_with_revision_1(cluster: SimCluster) -> None:
    create(cluster, deployment())
    [rs] = replica_sets(cluster).values()
    pod_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    assert set(pod_hash) <= set(SAFE_ALPHABET)
    assert rs["spec"]["selector"]["matchLabels"]["pod-template-hash"] == pod_hash
    assert rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"] == pod_hash
    assert "pod-template-hash" not in dep(cluster)["spec"]["template"]["metadata"]["labels"]
    ref = rs["metadata"]["ownerReferences"][0]
    assert ref == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "web",
        "uid": dep(cluster)["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }
    annotations = rs["metadata"]["annotations"]
    assert annotations["deployment.kubernetes.io/revision"] == "1"
    assert annotations["deployment.kubernetes.io/desired-replicas"] == "3"
    assert annotations["deployment.kubernetes.io/max-replicas"] == "4"
    assert dep(cluster)["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert dep(cluster)["metadata"]["generation"] == 1


def test_pods_start_after_the_simulated_delay(cluster: SimCluster) -> None:
    create(cluster, deployment())
    pods = cluster.list("pods", NS)
    assert len(pods) == 3
    pod = pods[0]
    assert pod["metadata"]["generateName"].startswith("web-")
    assert pod["metadata"]["labels"]["app"] == "web"
    assert pod["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet"
    assert pod["spec"]["nodeName"] == "sim-node-1"
    assert pod["status"]["phase"] == "Pending"
    assert (
        pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "ContainerCreating"
    )
    assert condition(dep(cluster), "Available")["status"] == "False"
    cluster.advance(kubelet.STARTUP_SECONDS)
    pod = cluster.get("pods", NS, pod["metadata"]["name"])
    assert pod["status"]["phase"] == "Running"
    assert {c["type"]: c["status"] for c in pod["status"]["conditions"]} == {
        "Initialized": "True",
        "Ready": "True",
        "ContainersReady": "True",
        "PodScheduled": "True",
    }
    status = pod["status"]["containerStatuses"][0]
    assert status["ready"] and status["started"] and status["restartCount"] == 0
    assert "startedAt" in status["state"]["running"]
    assert status["imageID"].startswith("docker.io/library/nginx@sha256:")
    d = dep(cluster)
    assert {
        k: d["status"][k]
        for k in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas")
    } == {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3}
    assert condition(d, "Available") | {"lastUpdateTime": "", "lastTransitionTime": ""} == {
        "type": "Available",
        "status": "True",
        "reason": "MinimumReplicasAvailable",
        "message": "Deployment has minimum availability.",
        "lastUpdateTime": "",
        "lastTransitionTime": "",
    }
    rs_name = next(iter(replica_sets(cluster)))
    assert condition(d, "Progressing")["reason"] == "NewReplicaSetAvailable"
    assert (
        condition(d, "Progressing")["message"]
        == f'ReplicaSet "{rs_name}" has successfully progressed.'
    )
    rs = replica_sets(cluster)[rs_name]
    assert rs["status"] == {
        "replicas": 3,
        "fullyLabeledReplicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
        "observedGeneration": 1,
    }


# ------------------------------------------------------------------------------ rolling update
def test_rolling_update_steps_within_max_surge_and_max_unavailable(cluster: SimCluster) -> None:
    create(
        cluster,
        deployment(
            replicas=4,
            strategy={
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1},
            },
        ),
    )
    cluster.advance(5)
    [old] = replica_sets(cluster)
    set_image(cluster, "web", "nginx:1.26")
    [new] = set(replica_sets(cluster)) - {old}
    seen = [sizes(cluster, old, new)]
    for _ in range(10):
        cluster.advance(kubelet.STARTUP_SECONDS)
        if sizes(cluster, old, new) != seen[-1]:
            seen.append(sizes(cluster, old, new))
    # surge 1, unavailable 1: up to 5 pods, at least 3 available at every step.
    assert seen[0] == (3, 2)
    assert seen[-1] == (0, 4)
    assert all(a + b <= 5 for a, b in seen)
    assert rolled_out(cluster)
    assert dep(cluster)["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"


def test_percent_fenceposts_with_three_replicas(cluster: SimCluster) -> None:
    # 25% of 3: surge rounds up to 1, unavailable rounds down to 0.
    create(cluster, deployment())
    cluster.advance(5)
    [old] = replica_sets(cluster)
    set_image(cluster, "web", "nginx:1.26")
    [new] = set(replica_sets(cluster)) - {old}
    assert sizes(cluster, old, new) == (3, 1)
    cluster.advance(kubelet.STARTUP_SECONDS)
    assert sizes(cluster, old, new) == (2, 2)
    cluster.advance(60)
    assert sizes(cluster, old, new) == (0, 3)
    assert rolled_out(cluster)


def test_recreate_scales_old_to_zero_before_creating_the_new(cluster: SimCluster) -> None:
    create(cluster, deployment(strategy={"type": "Recreate"}))
    assert "rollingUpdate" not in dep(cluster)["spec"]["strategy"]
    cluster.advance(5)
    [old] = replica_sets(cluster)
    set_image(cluster, "web", "nginx:1.26")
    rss = replica_sets(cluster)
    [new] = set(rss) - {old}
    assert rss[old]["spec"]["replicas"] == 0
    assert rss[new]["spec"]["replicas"] == 3  # created at full size once the old pods are gone
    assert all(
        p["metadata"]["labels"]["pod-template-hash"]
        == rss[new]["metadata"]["labels"]["pod-template-hash"]
        for p in cluster.list("pods", NS)
    )
    cluster.advance(5)
    assert rolled_out(cluster)


def test_paused_deployment_does_not_roll_out_but_scales(cluster: SimCluster) -> None:
    create(cluster, deployment())
    cluster.advance(5)
    edit(cluster, "web", lambda d: d["spec"].update(paused=True))
    progressing = condition(dep(cluster), "Progressing")
    assert (progressing["status"], progressing["reason"], progressing["message"]) == (
        "Unknown",
        "DeploymentPaused",
        "Deployment is paused",
    )
    set_image(cluster, "web", "nginx:1.26")
    cluster.advance(30)
    assert len(replica_sets(cluster)) == 1
    assert dep(cluster)["status"].get("updatedReplicas", 0) == 0
    assert dep(cluster)["status"]["observedGeneration"] == dep(cluster)["metadata"]["generation"]
    edit(cluster, "web", lambda d: d["spec"].update(replicas=5))
    cluster.advance(5)
    [rs] = replica_sets(cluster).values()
    assert rs["spec"]["replicas"] == 5
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "5"
    edit(cluster, "web", lambda d: d["spec"].pop("paused"))
    assert condition(dep(cluster), "Progressing")["reason"] in (
        "DeploymentResumed",
        "ReplicaSetUpdated",
    )
    cluster.advance(60)
    assert len(replica_sets(cluster)) == 2
    assert rolled_out(cluster)


# ------------------------------------------------------------------------------ revisions
def test_rollback_reuses_the_old_replica_set_and_renumbers_it(cluster: SimCluster) -> None:
    create(cluster, deployment(image="nginx:1.25"))
    cluster.advance(5)
    first_template = dep(cluster)["spec"]["template"]
    for image in ("nginx:1.26", "nginx:1.27"):
        set_image(cluster, "web", image)
        cluster.advance(60)
    rev1 = by_revision(cluster)[1]["metadata"]["name"]
    edit(cluster, "web", lambda d: d["spec"].update(template=first_template))
    cluster.advance(60)
    revisions = by_revision(cluster)
    assert sorted(revisions) == [2, 3, 4]
    assert revisions[4]["metadata"]["name"] == rev1
    assert (
        revisions[4]["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    )
    assert image_of(revisions[4]) == "nginx:1.25"
    assert dep(cluster)["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "4"
    assert rolled_out(cluster)
    # Back to 1.27 (revision 3): it becomes 5 and remembers 3.
    edit(cluster, "web", lambda d: d["spec"].update(template=revisions[3]["spec"]["template"]))
    cluster.advance(60)
    revisions = by_revision(cluster)
    assert sorted(revisions) == [2, 4, 5]
    assert (
        revisions[5]["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "3"
    )


def test_typed_client_zero_values_still_match_the_old_template(cluster: SimCluster) -> None:
    create(cluster, deployment(image="nginx:1.25"))
    cluster.advance(5)
    set_image(cluster, "web", "nginx:1.26")
    cluster.advance(60)

    def as_typed_client_sends(d: dict[str, Any]) -> None:
        d["spec"]["template"] = {
            "metadata": {"labels": {"app": "web"}, "creationTimestamp": None},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.25", "resources": {}}]},
        }

    edit(cluster, "web", as_typed_client_sends)
    cluster.advance(60)
    assert sorted(by_revision(cluster)) == [2, 3]


def test_annotations_are_copied_to_the_new_replica_set_only(cluster: SimCluster) -> None:
    d = deployment()
    d["metadata"]["annotations"] = {
        "kubernetes.io/change-cause": "first",
        "kubectl.kubernetes.io/last-applied-configuration": "{}",
        "team": "shop",
    }
    create(cluster, d)
    cluster.advance(5)
    [rs] = replica_sets(cluster).values()
    annotations = rs["metadata"]["annotations"]
    assert annotations["kubernetes.io/change-cause"] == "first"
    assert annotations["team"] == "shop"
    assert "kubectl.kubernetes.io/last-applied-configuration" not in annotations

    def second(obj: dict[str, Any]) -> None:
        obj["metadata"]["annotations"]["kubernetes.io/change-cause"] = "second"
        del obj["metadata"]["annotations"]["team"]
        obj["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.26"

    edit(cluster, "web", second)
    cluster.advance(60)
    revisions = by_revision(cluster)
    assert revisions[1]["metadata"]["annotations"]["kubernetes.io/change-cause"] == "first"
    assert revisions[2]["metadata"]["annotations"]["kubernetes.io/change-cause"] == "second"
    assert "team" not in revisions[2]["metadata"]["annotations"]
    # Copying never removes: a later annotation change updates the new RS, keeps the rest.
    edit(cluster, "web", lambda o: o["metadata"]["annotations"].update(owner="alice"))
    cluster.advance(5)
    assert by_revision(cluster)[2]["metadata"]["annotations"]["owner"] == "alice"
    assert "owner" not in by_revision(cluster)[1]["metadata"]["annotations"]


def test_revision_history_limit_deletes_the_oldest_scaled_down_sets(cluster: SimCluster) -> None:
    create(cluster, deployment(replicas=2, revisionHistoryLimit=2))
    cluster.advance(5)
    for minor in range(1, 6):
        set_image(cluster, "web", f"nginx:1.2{minor}")
        cluster.advance(60)
    assert sorted(by_revision(cluster)) == [4, 5, 6]
    assert image_of(by_revision(cluster)[6]) == "nginx:1.25"


def test_hash_collision_bumps_collision_count(cluster: SimCluster) -> None:
    create(cluster, deployment())
    cluster.advance(5)
    [rs] = replica_sets(cluster).values()
    d = dep(cluster)
    future = d["spec"]["template"]  # already defaulted, as the controller hashes it
    future["spec"]["containers"][0]["image"] = "nginx:1.26"
    future_hash = template_hash(future)
    # A squatter with the name the next ReplicaSet would get, but a different template.
    squatter = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": f"web-{future_hash}", "namespace": NS, "labels": {"app": "other"}},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "other"}},
            "template": {
                "metadata": {"labels": {"app": "other"}},
                "spec": {"containers": [{"name": "x", "image": "busybox"}]},
            },
        },
    }
    create(cluster, squatter)
    set_image(cluster, "web", "nginx:1.26")
    cluster.advance(60)
    assert dep(cluster)["status"]["collisionCount"] == 1
    names = set(replica_sets(cluster))
    assert rs["metadata"]["name"] in names and len(names) == 2
    assert d["metadata"]["uid"] == dep(cluster)["metadata"]["uid"]
    assert rolled_out(cluster)


# ------------------------------------------------------------------------------ failures
def test_broken_image_never_pulls_and_hits_the_progress_deadline(cluster: SimCluster) -> None:
    create(cluster, deployment())
    cluster.advance(5)
    set_image(cluster, "web", "nginx:broken-1")
    cluster.advance(30)
    broken = [
        p
        for p in cluster.list("pods", NS)
        if p["spec"]["containers"][0]["image"] == "nginx:broken-1"
    ]
    assert len(broken) == 1
    status = broken[0]["status"]
    assert status["phase"] == "Pending"
    waiting = status["containerStatuses"][0]["state"]["waiting"]
    assert waiting == {
        "reason": "ImagePullBackOff",
        "message": 'Back-off pulling image "nginx:broken-1"',
    }
    assert condition(dep(cluster), "Progressing")["reason"] == "ReplicaSetUpdated"
    cluster.advance(600)  # simulated time: no real waiting
    progressing = condition(dep(cluster), "Progressing")
    new_rs = by_revision(cluster)[2]["metadata"]["name"]
    assert (progressing["status"], progressing["reason"], progressing["message"]) == (
        "False",
        "ProgressDeadlineExceeded",
        f'ReplicaSet "{new_rs}" has timed out progressing.',
    )
    assert condition(dep(cluster), "Available")["status"] == "True"  # the old pods still serve
    assert dep(cluster)["status"]["availableReplicas"] == 3


def test_progress_deadline_is_due_without_any_write(cluster: SimCluster) -> None:
    create(cluster, deployment(image="nginx:broken-1", progressDeadlineSeconds=30))
    cluster.advance(20)
    assert condition(dep(cluster), "Progressing")["reason"] != "ProgressDeadlineExceeded"
    writes = cluster.store.writes
    cluster.advance(15)
    assert condition(dep(cluster), "Progressing")["reason"] == "ProgressDeadlineExceeded"
    assert cluster.store.writes == writes + 1


def test_crash_image_restarts_with_a_growing_count(cluster: SimCluster) -> None:
    create(cluster, deployment(image="nginx:crash-1", replicas=1))
    cluster.advance(10)
    [pod] = cluster.list("pods", NS)
    status = pod["status"]["containerStatuses"][0]
    assert pod["status"]["phase"] == "Running"
    assert not status["ready"]
    assert status["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert status["state"]["waiting"]["message"].startswith(
        "back-off 10s restarting failed container=app pod="
    )
    assert status["lastState"]["terminated"]["exitCode"] == 1
    first = status["restartCount"]
    assert first >= 1
    cluster.advance(600)
    [pod] = cluster.list("pods", NS)
    later = pod["status"]["containerStatuses"][0]
    assert later["restartCount"] > first
    assert "back-off 5m0s" in later["state"]["waiting"]["message"] or "running" in later["state"]
    assert next(c for c in pod["status"]["conditions"] if c["type"] == "Ready")["status"] == "False"


# ------------------------------------------------------------------------------ events, scaling
def test_scaling_events_like_the_real_controller(cluster: SimCluster) -> None:
    create(cluster, deployment())
    cluster.advance(5)
    [old] = replica_sets(cluster)
    set_image(cluster, "web", "nginx:1.26")
    cluster.advance(60)
    [new] = set(replica_sets(cluster)) - {old}
    uid = dep(cluster)["metadata"]["uid"]
    events = [e for e in cluster.list("events", NS) if e["involvedObject"]["uid"] == uid]
    messages = {e["message"] for e in events}
    assert f"Scaled up replica set {old} to 3" in messages
    assert f"Scaled up replica set {new} to 1" in messages
    assert f"Scaled down replica set {old} to 2 from 3" in messages
    assert f"Scaled up replica set {new} to 2 from 1" in messages
    assert f"Scaled down replica set {old} to 0 from 1" in messages
    event = events[0]
    assert event["reason"] == "ScalingReplicaSet" and event["type"] == "Normal"
    assert event["source"] == {"component": "deployment-controller"}
    assert (
        event["involvedObject"]["kind"] == "Deployment" and event["involvedObject"]["name"] == "web"
    )
    assert event["count"] == 1 and event["firstTimestamp"] == event["lastTimestamp"]
    rs_events = {
        e["reason"]
        for e in cluster.list("events", NS)
        if e["involvedObject"]["kind"] == "ReplicaSet"
    }
    assert rs_events == {"SuccessfulCreate", "SuccessfulDelete"}


def test_scaling_a_deployment_scales_its_replica_set(cluster: SimCluster) -> None:
    create(cluster, deployment())
    cluster.advance(5)
    edit(cluster, "web", lambda d: d["spec"].update(replicas=1))
    [rs] = replica_sets(cluster).values()
    assert rs["spec"]["replicas"] == 1
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "1"
    assert len(cluster.list("pods", NS)) == 1


def test_deleting_a_deployment_deletes_its_replica_sets_and_pods(cluster: SimCluster) -> None:
    create(cluster, deployment())
    cluster.advance(5)
    cluster.store.delete(DEPLOYMENT, NS, "web")
    cluster.settle()
    assert cluster.list("replicasets", NS) == []
    assert cluster.list("pods", NS) == []


def test_min_ready_seconds_delays_availability(cluster: SimCluster) -> None:
    create(cluster, deployment(replicas=1, minReadySeconds=10))
    cluster.advance(5)
    [rs] = replica_sets(cluster).values()
    assert rs["spec"]["minReadySeconds"] == 10
    assert rs["status"].get("readyReplicas") == 1 and "availableReplicas" not in rs["status"]
    cluster.advance(10)
    [rs] = replica_sets(cluster).values()
    assert rs["status"]["availableReplicas"] == 1


def test_endpoints_follow_pod_readiness(cluster: SimCluster) -> None:
    create(cluster, deployment(replicas=2))
    create(
        cluster,
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": NS},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
        },
    )
    [subset] = cluster.get("endpoints", NS, "web")["subsets"]
    assert len(subset["notReadyAddresses"]) == 2 and "addresses" not in subset
    cluster.advance(5)
    [subset] = cluster.get("endpoints", NS, "web")["subsets"]
    assert len(subset["addresses"]) == 2 and subset["ports"] == [{"port": 80, "protocol": "TCP"}]


def test_an_idle_cluster_does_no_work(cluster: SimCluster) -> None:
    create(cluster, deployment())
    cluster.advance(5)
    writes = cluster.store.writes
    cluster.advance(7 * 24 * 3600)
    assert cluster.store.writes == writes
