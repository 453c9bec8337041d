"""The stories every user runs, written once and run on both clusters (simulated and real).

Each runs `kubectl rollback` in-process against `cluster.kubeconfig` (TLS with a bearer token
on the real control plane), with the real kubectl on the same cluster as the referee.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from kubectl_rollback.sim.scenarios.bluegreen import COLOR, PRIMARY, STAGE, service, side
from tests.clusters import (
    TestCluster,
    condition,
    deployment,
    new_replicaset,
    pods_waiting,
    revision,
    roll_out,
    rollout_complete,
    settle_deployment,
)

pytestmark = pytest.mark.kubectl

IMAGES = ["nginx:1.25.3", "nginx:1.26.0", "nginx:1.27.0", "nginx:1.27.1"]


def unchanged(live: dict[str, Any], before: dict[str, Any]) -> bool:
    """Nothing applied: the same generation, spec and annotations (not resourceVersion: the
    controllers of a real cluster may still write status after a rollout settles)."""
    return (
        all(
            live["metadata"].get(k) == before["metadata"].get(k)
            for k in ("generation", "annotations")
        )
        and live["spec"] == before["spec"]
    )


def history_numbers(cluster: TestCluster, resource: str) -> list[int]:
    out = cluster.kubectl().ok("rollout", "history", resource)
    return [int(m.group(1)) for m in re.finditer(r"^(\d+)\s", out, re.MULTILINE)]


def template_images(obj: dict[str, Any]) -> list[str]:
    return [c["image"] for c in obj["spec"]["template"]["spec"]["containers"]]


def rs_shape(cluster: TestCluster, name: str) -> list[tuple[int, str, list[str], int]]:
    """(revision, revision-history, images, replicas) of every ReplicaSet, names left out."""
    out = []
    for rs in cluster.list("replicasets", f"app={name}"):
        ann = rs["metadata"].get("annotations") or {}
        out.append(
            (
                revision(rs),
                ann.get("deployment.kubernetes.io/revision-history", ""),
                template_images(rs),
                rs["spec"]["replicas"],
            )
        )
    return sorted(out)


# ------------------------------------------------------------------ Deployments vs undo


@pytest.mark.parametrize("target", [1, 2, None], ids=["to-1", "to-2", "default"])
def test_deployment_rollback_matches_kubectl_rollout_undo(
    target: int | None, cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    # Two identical histories in one namespace: kubectl rolls `theirs` back, we roll `ours`.
    for image in IMAGES:
        roll_out(cluster, deployment("ours", image), deployment("theirs", image))
    undo = ["rollout", "undo", "deployment/theirs"] + (
        [f"--to-revision={target}"] if target else []
    )
    assert "rolled back" in cluster.kubectl().ok(*undo)
    args = ["deploy/ours", "--yes", "--no-wait"] + (
        ["--to-revision", str(target)] if target else []
    )
    result = rollback(*args)
    assert result.code == 0, result.err
    assert "deployment.apps/ours rolled back" in result.out
    mine = settle_deployment(cluster, "ours")
    theirs = settle_deployment(cluster, "theirs")

    assert template_images(mine) == template_images(theirs) == [IMAGES[(target or 3) - 1]]
    # The old ReplicaSet is reused (no new one), renumbered, with the same history annotations.
    assert rs_shape(cluster, "ours") == rs_shape(cluster, "theirs")
    assert len(rs_shape(cluster, "ours")) == 4
    assert history_numbers(cluster, "deployment/ours") == history_numbers(
        cluster, "deployment/theirs"
    )
    assert revision(mine) == revision(theirs) == 5
    assert mine["metadata"]["annotations"]["kubernetes.io/change-cause"].startswith(
        "kubectl-rollback: rolled back from revision 4"
    )


def test_production_like_template_reuses_the_old_replicaset(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    """Quantities written as 0.25 / 1024Mi, init containers, sidecars, probes, env from secrets."""

    def app(image: str) -> dict[str, Any]:
        return {
            "name": "app",
            "image": image,
            "ports": [{"name": "http", "containerPort": 8080}],
            "resources": {
                "requests": {"cpu": 0.25, "memory": "1024Mi"},
                "limits": {"cpu": "1.5", "memory": "1.5Gi", "ephemeral-storage": "1000"},
            },
            "env": [
                {
                    "name": "DB_PASSWORD",
                    "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}},
                },
                {"name": "MODE", "value": "prod"},
            ],
            "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 5},
            "livenessProbe": {"tcpSocket": {"port": 8080}},
            "volumeMounts": [{"name": "cache", "mountPath": "/cache"}],
        }

    def build(image: str) -> dict[str, Any]:
        d = deployment(
            "shop",
            image,
            containers=[
                app(image),
                {
                    "name": "proxy",
                    "image": "envoyproxy/envoy:v1.29.1",
                    "resources": {"requests": {"cpu": "100m", "memory": "0.5Gi"}},
                },
            ],
        )
        spec = d["spec"]["template"]["spec"]
        spec["initContainers"] = [{"name": "migrate", "image": image, "command": ["migrate", "up"]}]
        spec["volumes"] = [{"name": "cache", "emptyDir": {"sizeLimit": "512Mi"}}]
        return d

    cluster.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "db"},
            "stringData": {"password": "hunter2"},
        }
    )
    roll_out(cluster, build("shop:1.0.0"))
    roll_out(cluster, build("shop:1.1.0"))
    stored = cluster.must("deployments", "shop")["spec"]["template"]["spec"]["containers"]
    assert stored[0]["resources"]["requests"] == {"cpu": "250m", "memory": "1Gi"}
    assert stored[0]["resources"]["limits"] == {
        "cpu": "1500m",
        "memory": "1536Mi",
        "ephemeral-storage": "1k",
    }
    assert stored[1]["resources"]["requests"] == {"cpu": "100m", "memory": "512Mi"}

    # kubectl's undo and our rollback both bring revision 1 back in its old ReplicaSet.
    first = {
        rs["metadata"]["name"]
        for rs in cluster.list("replicasets", "app=shop")
        if revision(rs) == 1
    }
    assert "rolled back" in cluster.kubectl().ok("rollout", "undo", "deployment/shop")
    settle_deployment(cluster, "shop")
    names = {rs["metadata"]["name"] for rs in cluster.list("replicasets", "app=shop")}
    assert len(names) == 2 and first <= names
    result = rollback("deploy/shop", "--yes", "--no-wait", "--to-revision", "2")
    assert result.code == 0, result.err
    d = settle_deployment(cluster, "shop")
    assert template_images(d)[0] == "shop:1.1.0"
    assert {rs["metadata"]["name"] for rs in cluster.list("replicasets", "app=shop")} == names
    # The secret's value is never shown.
    shown = rollback("deploy/shop", "--dry-run", "--to-revision", "3")
    assert "hunter2" not in shown.out + shown.err


# ------------------------------------------------------------------ the Harness case


def harness_case(cluster: TestCluster, *names: str) -> None:
    """Revision 1 good; 2 a `broken` image past its progress deadline; 3 a crashing image."""
    for image, expect in (
        ("nginx:1.25.3", "complete"),
        ("nginx:broken-1", "deadline"),
        ("nginx:crash-1", "CrashLoopBackOff"),
    ):
        roll_out(
            cluster,
            *(deployment(n, image, progressDeadlineSeconds=10) for n in names),
            expect=expect,
        )
    # Past the crashing revision's deadline too, so no status write races the tests' plans.
    for n in names:
        settle_deployment(cluster, n, expect="deadline")


def test_harness_case_kubectl_picks_the_broken_revision_we_pick_the_good_one(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    harness_case(cluster, "web", "twin")
    assert "CrashLoopBackOff" in pods_waiting(cluster, "app=web")
    plan = rollback("deploy/web", "--dry-run", "-o", "json")
    assert plan.code == 0, plan.err
    doc = json.loads(plan.out)["plan"]
    assert doc["to"]["revision"] == 1 and doc["kubectlWouldPick"]["revision"] == 2
    # kubectl, on the twin with the same history, does pick the broken image.
    assert "rolled back" in cluster.kubectl().ok("rollout", "undo", "deployment/twin")
    assert template_images(cluster.must("deployments", "twin")) == ["nginx:broken-1"]

    with cluster.clock():
        done = rollback("deploy/web", "--yes", "--wait", "--timeout", "3m")
    assert done.code == 0, done.err
    assert 'deployment "web" successfully rolled out' in done.out
    live = cluster.must("deployments", "web")
    assert template_images(live) == ["nginx:1.25.3"] and rollout_complete(live)
    assert condition(live, "Available").get("status") == "True"
    events = [e for e in cluster.list("events") if e.get("reason") == "RolledBack"]
    assert [e["involvedObject"]["name"] for e in events] == ["web"]
    # kubectl sees the rollback as the newest revision, made from revision 1's ReplicaSet.
    assert history_numbers(cluster, "deployment/web") == [2, 3, 4]
    assert history_numbers(cluster, "deployment/twin") == [1, 3, 4]
    rs = new_replicaset(cluster, "web")
    assert (
        rs is not None
        and rs["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    )


# ------------------------------------------------------------------ refusals


def test_a_change_made_meanwhile_is_refused_and_nothing_is_applied(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    from datetime import UTC, datetime

    from kubectl_rollback.core import errors, execution
    from kubectl_rollback.core import rollback as use_case
    from kubectl_rollback.core.model import WorkloadRef
    from kubectl_rollback.core.target import TargetSpec
    from kubectl_rollback.kube.gateway import KubeGateway

    for image in IMAGES[:3]:
        roll_out(cluster, deployment("web", image))
    gw = KubeGateway.connect(cluster.kubeconfig, None, cluster.namespace)
    try:
        now = datetime.now(UTC)
        ref = WorkloadRef("Deployment", cluster.namespace, "web")
        plan = use_case.prepare(gw, ref, now=now).plan(TargetSpec.revision(1), now=now)
        # Someone runs `kubectl set env` between our plan and our patch.
        cluster.kubectl().ok("set", "env", "deployment/web", "MODE=edited")
        with pytest.raises(errors.Conflict, match="changed since the plan was made"):
            execution.execute(gw, plan, dry_run=False)
    finally:
        gw.close()
    live = cluster.must("deployments", "web")
    assert template_images(live) == [IMAGES[2]]
    assert live["spec"]["template"]["spec"]["containers"][0]["env"] == [
        {"name": "MODE", "value": "edited"}
    ]
    assert "kubernetes.io/change-cause" not in (live["metadata"].get("annotations") or {})


def test_server_dry_run_changes_nothing(cluster: TestCluster, rollback: Callable[..., Any]) -> None:
    for image in IMAGES[:2]:
        roll_out(cluster, deployment("web", image))
    before = cluster.must("deployments", "web")
    result = rollback("deploy/web", "--dry-run=server", "-o", "yaml")
    assert result.code == 0, result.err
    assert "outcome: ServerDryRun" in result.out and "dryRun: true" in result.out
    assert "applied: false" in result.out  # the server accepted it; nothing is in the cluster
    assert unchanged(cluster.must("deployments", "web"), before)
    assert len(cluster.list("replicasets", "app=web")) == 2


def test_a_read_only_user_is_refused_and_nothing_changes(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    for image in IMAGES[:2]:
        roll_out(cluster, deployment("web", image))
    before = cluster.must("deployments", "web")
    viewer = cluster.kubeconfig_as("viewer")
    # kubectl agrees: the viewer may read and may not patch.
    kubectl = cluster.kubectl()
    denied = kubectl.run("--kubeconfig", viewer, "rollout", "undo", "deployment/web")
    assert denied.returncode != 0 and "forbidden" in denied.stderr
    history = rollback("history", "deploy/web", kubeconfig=viewer)
    assert history.code == 0, history.err
    result = rollback("deploy/web", "--yes", kubeconfig=viewer)
    assert result.code != 0
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert "forbidden" in result.err.lower() and 'User "viewer"' in result.err
    assert unchanged(cluster.must("deployments", "web"), before)


def test_an_outcome_the_user_may_not_record_is_said_not_dropped(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    # A user who may roll a Deployment back but not write its ReplicaSets: the rollback and
    # its rollout stand (exit 0), and the record that could not be written is said in one line.
    for image in IMAGES[:2]:
        roll_out(cluster, deployment("web", image))
    deployer = cluster.kubeconfig_as("deployer")
    with cluster.clock():
        done = rollback("deploy/web", "--yes", "--wait", "--timeout", "3m", kubeconfig=deployer)
    assert done.code == 0, done.err
    assert 'deployment "web" successfully rolled out' in done.out
    rs = new_replicaset(cluster, "web")
    assert rs is not None and template_images(rs) == [IMAGES[0]]
    name = rs["metadata"]["name"]
    warnings = [line for line in done.out.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1, done.out
    assert warnings[0].startswith(f"warning: the rollout's success was not recorded on {name}: ")
    assert "forbidden" in warnings[0].lower() and 'User "viewer"' in warnings[0]
    assert not any(
        k.startswith("kubectl-rollback.io/") for k in rs["metadata"].get("annotations", {})
    )
    events = [e for e in cluster.list("events") if e.get("reason") == "RolledBack"]
    assert [e["involvedObject"]["name"] for e in events] == ["web"]


def test_a_group_rollback_says_each_outcome_the_user_may_not_record(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    # -l (and release/NAME): every workload followed at once; each record refused is a line.
    for image in IMAGES[:2]:
        for name in ("web", "api"):
            roll_out(cluster, deployment(name, image, labels={"part-of": "shop"}))
    deployer = cluster.kubeconfig_as("deployer")
    with cluster.clock():
        done = rollback("-l", "part-of=shop", "--yes", "--timeout", "3m", kubeconfig=deployer)
    assert done.code == 0, done.err
    warnings = sorted(line for line in done.out.splitlines() if line.startswith("warning: "))
    assert [w.split(": ")[1] for w in warnings] == ["deployment.apps/api", "deployment.apps/web"]
    for line in warnings:
        assert "the rollout's success was not recorded on " in line, line
        assert "forbidden" in line.lower() and 'User "viewer"' in line, line
    # -q: only the result line on stdout; the warnings still said, on stderr.
    with cluster.clock():
        quiet = rollback(
            "-l", "part-of=shop", "--yes", "-q", "--timeout", "3m", kubeconfig=deployer
        )
    assert quiet.code == 0, quiet.err
    assert len(quiet.out.strip().splitlines()) == 1 and quiet.err.count("warning: ") == 2, quiet


# ------------------------------------------------------------------ StatefulSets and DaemonSets


def statefulset(name: str, image: str, replicas: int = 2) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "serviceName": name,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
        },
    }


def daemonset(name: str, image: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
        },
    }


def controller_settled(cluster: TestCluster, plural: str, name: str) -> dict[str, Any] | None:
    obj = cluster.must(plural, name)
    s = obj.get("status") or {}
    if s.get("observedGeneration", 0) < obj["metadata"]["generation"]:
        return None
    if plural == "statefulsets":
        done = s.get("updateRevision") == s.get("currentRevision") and s.get(
            "updatedReplicas", 0
        ) == obj["spec"]["replicas"] == s.get("readyReplicas", 0)
    else:
        want = s.get("desiredNumberScheduled", -1)
        done = want > 0 and s.get("updatedNumberScheduled") == want == s.get("numberAvailable")
    pods = cluster.list("pods", f"app={name}")
    images = {
        p["spec"]["containers"][0]["image"]
        for p in pods
        if not p["metadata"].get("deletionTimestamp")
    }
    return obj if done and images == set(template_images(obj)) else None


@pytest.mark.parametrize("kind", ["sts", "ds"])
@pytest.mark.parametrize("target", [1, None], ids=["to-1", "default"])
def test_statefulset_and_daemonset_rollback_matches_kubectl_rollout_undo(
    kind: str, target: int | None, cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    build = statefulset if kind == "sts" else daemonset
    plural = "statefulsets" if kind == "sts" else "daemonsets"
    for image in IMAGES[:3]:
        for name in ("ours", "theirs"):
            cluster.apply(build(name, image))
        for name in ("ours", "theirs"):
            cluster.wait_for(
                lambda n=name: controller_settled(cluster, plural, n), f"{kind}/{name} rolled out"
            )
    undo = ["rollout", "undo", f"{kind}/theirs"] + ([f"--to-revision={target}"] if target else [])
    assert "rolled back" in cluster.kubectl().ok(*undo)
    args = [f"{kind}/ours", "--yes", "--no-wait"] + (
        ["--to-revision", str(target)] if target else []
    )
    result = rollback(*args)
    assert result.code == 0, result.err
    assert f"{plural[:-1]}.apps/ours rolled back" in result.out
    mine = cluster.wait_for(lambda: controller_settled(cluster, plural, "ours"), "ours rolled back")
    theirs = cluster.wait_for(
        lambda: controller_settled(cluster, plural, "theirs"), "theirs rolled back"
    )
    expected = IMAGES[0] if target == 1 else IMAGES[1]
    assert template_images(mine) == template_images(theirs) == [expected]
    numbers = [2, 3, 4] if target == 1 else [1, 3, 4]
    assert (
        history_numbers(cluster, f"{kind}/ours")
        == history_numbers(cluster, f"{kind}/theirs")
        == numbers
    )
    revisions = {
        n: sorted(r["revision"] for r in cluster.list("controllerrevisions", f"app={n}"))
        for n in ("ours", "theirs")
    }
    assert revisions["ours"] == revisions["theirs"] == numbers
    if kind == "ds":
        assert mine["status"]["desiredNumberScheduled"] == (
            3 if cluster.name == "real" else mine["status"]["desiredNumberScheduled"]
        )


# ------------------------------------------------------------------ blue/green


def test_harness_blue_green_rapid_rollback(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    ns = cluster.namespace
    cluster.apply(service(ns, "web", {"app": "web", COLOR: "blue"}, annotations={PRIMARY: "true"}))
    cluster.apply(
        service(ns, "web-stage", {"app": "web", COLOR: "green"}, annotations={STAGE: "true"})
    )
    cluster.apply(side(ns, "web-blue", "web", COLOR, "blue", "nginx:1.25.3"))
    settle_deployment(cluster, "web-blue")
    cluster.apply(side(ns, "web-green", "web", COLOR, "green", "nginx:crash-1.27.0"))
    settle_deployment(cluster, "web-green", expect="CrashLoopBackOff")
    # Harness's "Swap Primary with Stage": the crashing green side is now live.
    for name, colour in (("web", "green"), ("web-stage", "blue")):
        svc = cluster.must("services", name)
        svc["spec"]["selector"][COLOR] = colour
        cluster.apply(svc)

    preview = rollback("svc/web", "--dry-run")
    assert preview.code == 0, preview.err
    assert (
        "service/web (primary): app=web,harness.io/color=green -> app=web,harness.io/color=blue"
        in preview.out
    )
    done = rollback("svc/web", "--yes")
    assert done.code == 0, done.err
    assert "service/web switched from green to blue" in done.out
    assert "service/web-stage switched from blue to green" in done.out
    assert cluster.must("services", "web")["spec"]["selector"] == {"app": "web", COLOR: "blue"}
    assert cluster.must("services", "web-stage")["spec"]["selector"] == {
        "app": "web",
        COLOR: "green",
    }

    def endpoint_pods() -> set[str] | None:
        ep = cluster.get("endpoints", "web")
        names = {
            a["targetRef"]["name"]
            for s in (ep or {}).get("subsets") or ()
            for a in s.get("addresses") or ()
        }
        return names if len(names) == 3 else None

    # The endpoints controller (real or simulated) follows the selector to the blue pods.
    names = cluster.wait_for(endpoint_pods, "web's endpoints follow the switch", timeout=60)
    assert all(n.startswith("web-blue-") for n in names)
    again = rollback("svc/web", "--yes")
    assert (
        again.code == 1 and "refusing to route traffic to green: it has no Ready pods" in again.err
    )


def test_generic_colour_switch_with_scale_up(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    ns = cluster.namespace
    cluster.apply(
        side(ns, "api-blue", "api", "color", "blue", "registry.example.com/api:1.9.0", replicas=2)
    )
    cluster.apply(service(ns, "api", {"app": "api", "color": "blue"}, port=8080))
    settle_deployment(cluster, "api-blue")
    cluster.apply(
        side(ns, "api-green", "api", "color", "green", "registry.example.com/api:2.0.0", replicas=2)
    )
    settle_deployment(cluster, "api-green")
    svc = cluster.must("services", "api")
    svc["spec"]["selector"]["color"] = "green"
    cluster.apply(svc)
    blue = cluster.must("deployments", "api-blue")
    blue["spec"]["replicas"] = 0
    cluster.apply(blue)
    settle_deployment(cluster, "api-blue")

    refused = rollback("svc/api", "--yes")
    assert (
        refused.code == 1 and "it has no Ready pods" in refused.err and "--scale-up" in refused.err
    )
    assert cluster.must("services", "api")["spec"]["selector"]["color"] == "green"
    with cluster.clock():
        done = rollback("svc/api", "--yes", "--scale-up", "--timeout", "2m")
    assert done.code == 0, done.err
    assert cluster.must("services", "api")["spec"]["selector"] == {"app": "api", "color": "blue"}
    assert cluster.must("deployments", "api-blue")["spec"]["replicas"] == 2
