"""Every object the tool changes gets the warnings a Deployment plan has, and advice fits the
evidence: on both clusters, with kubectl applying the manifests (and re-applying them, to show
the warning is true)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_rollback.sim.scenarios.bluegreen import service, side
from tests.clusters import TestCluster, deployment, pods_waiting, settle_deployment
from tests.stories.test_stories import controller_settled, daemonset, statefulset

pytestmark = pytest.mark.kubectl

LAST_APPLIED = "last-applied-configuration"


def kubectl_apply(cluster: TestCluster, obj: dict[str, Any], name: str) -> None:
    """`kubectl apply -f` a manifest (it records kubectl.kubernetes.io/last-applied-...)."""
    obj = json.loads(json.dumps(obj))
    obj["metadata"].pop("namespace", None)
    path = Path(cluster.workdir) / f"{name}.yaml"
    path.write_text(yaml.safe_dump(obj))
    cluster.kubectl().ok("apply", "-n", cluster.namespace, "-f", str(path))


def warnings_of(doc: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for w in doc["warnings"]:
        found.setdefault(w["code"], []).append(w["message"])
    return found


def _api_group(cluster: TestCluster, *, blue_image: str, blue_replicas: int) -> dict[str, Any]:
    """A generic colour pair: green live (2 Ready), blue idle; the Service applied by kubectl
    with green in its manifest."""
    ns = cluster.namespace
    green = side(ns, "api-green", "api", "color", "green", "nginx:1.27.0", replicas=2)
    kubectl_apply(cluster, green, "api-green")
    settle_deployment(cluster, "api-green")
    blue = side(ns, "api-blue", "api", "color", "blue", blue_image, replicas=blue_replicas)
    kubectl_apply(cluster, blue, "api-blue")
    if blue_image.split(":")[1].startswith("crash"):
        settle_deployment(cluster, "api-blue", expect="CrashLoopBackOff")
        cluster.wait_for(  # every pod of the side, not only the first, crash-loops
            lambda: (
                pods_waiting(cluster, "app=api,color=blue").count("CrashLoopBackOff")
                == blue_replicas
            ),
            "every blue pod in CrashLoopBackOff",
        )
    else:
        settle_deployment(cluster, "api-blue")
    svc = service(ns, "api", {"app": "api", "color": "green"})
    kubectl_apply(cluster, svc, "api-svc")
    return svc


def test_a_traffic_switch_warns_that_kubectl_apply_sends_traffic_back(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    _api_group(cluster, blue_image="nginx:1.26.0", blue_replicas=2)
    plan = rollback("svc/api", "--dry-run", "-o", "json")
    assert plan.code == 0, plan.err
    warned = warnings_of(json.loads(plan.out)["plan"])
    assert warned.get(LAST_APPLIED) == [
        "service/api carries kubectl.kubernetes.io/last-applied-configuration: a later "
        "kubectl apply of its manifest will undo the switch (its manifest's selector routes "
        "traffic to green again); update the manifest as well"
    ], warned
    text = rollback("svc/api", "--dry-run")
    assert "later kubectl apply of its manifest will undo the switch" in text.out
    done = rollback("svc/api", "--yes")
    assert done.code == 0, done.err
    assert cluster.must("services", "api")["spec"]["selector"]["color"] == "blue"
    # The warning is true: applying the manifest again routes traffic back to green.
    cluster.kubectl().ok(
        "apply", "-n", cluster.namespace, "-f", str(Path(cluster.workdir) / "api-svc.yaml")
    )
    assert cluster.must("services", "api")["spec"]["selector"]["color"] == "green"
    # Now the manifest and the Service agree on green: switching to blue warns again, and a
    # switch the manifest agrees with (back to green, from blue) does not.
    back = rollback("svc/api", "--yes")
    assert back.code == 0 and cluster.must("services", "api")["spec"]["selector"]["color"] == (
        "blue"
    )
    again = rollback("svc/api", "--dry-run", "-o", "json")
    assert LAST_APPLIED not in warnings_of(json.loads(again.out)["plan"]), again.out


def test_a_scale_up_warns_that_kubectl_apply_scales_the_side_back(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    _api_group(cluster, blue_image="nginx:1.26.0", blue_replicas=0)
    plan = rollback("svc/api", "--scale-up", "--dry-run", "-o", "json")
    assert plan.code == 0, plan.err
    warned = warnings_of(json.loads(plan.out)["plan"])
    assert (
        "deployment.apps/api-blue carries kubectl.kubernetes.io/last-applied-configuration: a "
        "later kubectl apply of its manifest will undo the scale-up (replicas back to 0); "
        "update the manifest as well"
    ) in warned.get(LAST_APPLIED, []), warned


def test_force_on_a_full_size_crash_looping_side_advises_what_can_help(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    _api_group(cluster, blue_image="nginx:crash-1.26.0", blue_replicas=2)
    before = cluster.must("services", "api")
    for args in (["--force"], [], ["--dry-run"]):
        refused = rollback("svc/api", "--yes", *args)
        assert refused.code == 1, (args, refused.err)
        line = refused.err.strip()
        assert len(line.splitlines()) == 1, line
        assert "refusing to route traffic to blue: it has no Ready pods" in line
        assert "already runs 2 replicas and its pods are failing (2 CrashLoopBackOff)" in line
        assert "--scale-up (to" not in line, line
        assert ("--force and --scale-up do not help" if args == ["--force"] else "") in line
        assert "kubectl logs deployment/api-blue" in line and "--to COLOR" in line
    after = cluster.must("services", "api")
    assert after["spec"] == before["spec"]
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


def test_a_scaled_down_side_is_still_told_to_scale_up(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    _api_group(cluster, blue_image="nginx:1.26.0", blue_replicas=0)
    refused = rollback("svc/api", "--yes")
    assert refused.code == 1
    assert "scale it up first with --scale-up (to 2 replicas)" in refused.err, refused.err


@pytest.mark.parametrize("kind", ["sts", "ds"])
def test_statefulset_and_daemonset_plans_warn_about_kubectl_apply(
    kind: str, cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    build = statefulset if kind == "sts" else daemonset
    plural = "statefulsets" if kind == "sts" else "daemonsets"
    for image in ("nginx:1.25.3", "nginx:1.26.0"):
        kubectl_apply(cluster, build("db", image), "db")
        cluster.wait_for(lambda: controller_settled(cluster, plural, "db"), "db settled")
    plan = rollback(f"{kind}/db", "--dry-run", "-o", "json")
    assert plan.code == 0, plan.err
    warned = warnings_of(json.loads(plan.out)["plan"])
    assert any(
        "a later kubectl apply of its manifest will undo the rollback" in m
        for m in warned[LAST_APPLIED]
    ), warned


def test_a_release_plan_warns_for_each_workload_kubectl_applied(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    for image in ("nginx:1.25.3", "nginx:1.26.0"):
        web = deployment("web", image, replicas=1, labels={"team": "shop"})
        kubectl_apply(cluster, web, "web")
        settle_deployment(cluster, "web")
    plan = rollback("-l", "team=shop", "--dry-run", "-o", "json")
    assert plan.code == 0, plan.err
    doc = json.loads(plan.out)
    [workload] = doc["plan"]["workloads"] if "plan" in doc else doc["workloads"]
    assert LAST_APPLIED in warnings_of(workload["plan"]), workload["plan"]["warnings"]
    text = rollback("-l", "team=shop", "--dry-run")
    assert "deployment.apps/web carries kubectl.kubernetes.io/last-applied" in text.out
