"""Release rollback from the records Harness and Helm really write, on both clusters.

The records are built by `kubectl_rollback.sim.release_records`, encoded as the tools
encode them (Harness: yamlbeans YAML, gzip, base64; Helm: JSON, gzip, base64 twice).
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable
from typing import Any

import yaml

from kubectl_rollback.sim import release_records as records
from tests.clusters import TestCluster, deployment, roll_out, rollout_complete
from tests.stories.test_stories import (
    controller_settled,
    daemonset,
    history_numbers,
    statefulset,
    template_images,
)

RELEASE = "release-8f3c2a"
HARNESS = {"harness.io/release-name": RELEASE}
WEB = ["nginx:1.25.3", "nginx:1.25.4"]
DB = ["postgres:15.4", "postgres:15.5"]
AGENT = ["fluentd:1.16.2", "fluentd:1.16.3"]


def _with_harness_label(obj: dict[str, Any]) -> dict[str, Any]:
    """As Harness deploys it: harness.io/release-name on the pod template only."""
    obj["spec"]["template"]["metadata"]["labels"].update(HARNESS)
    return obj


TWIN = "-kubectl"
"""The same workloads outside the release, for kubectl to roll back the way Harness does."""


def _harness_release(cluster: TestCluster) -> None:
    """Release 1 (Succeeded) and release 2 (Failed) of a Deployment, a StatefulSet and a
    DaemonSet, with the legacy history ConfigMap Harness keeps (compressed); and their
    twins (same history, not in the release)."""
    ns = cluster.namespace
    for web, db, agent in zip(WEB, DB, AGENT, strict=True):
        for suffix in ("", TWIN):
            mark = _with_harness_label if not suffix else (lambda obj: obj)
            cluster.apply(mark(deployment("web" + suffix, web)))
            cluster.apply(mark(statefulset("db" + suffix, db)))
            cluster.apply(mark(daemonset("agent" + suffix, agent)))
        for suffix in ("", TWIN):
            for plural, name in (("statefulsets", "db"), ("daemonsets", "agent")):
                cluster.wait_for(
                    lambda p=plural, n=name + suffix: controller_settled(cluster, p, n),
                    f"{name}{suffix} rolled out",
                )
            cluster.wait_for(
                lambda n="web" + suffix: rollout_complete(cluster.must("deployments", n)),
                "web rolled out",
            )
    workloads = [("Deployment", "web"), ("StatefulSet", "db"), ("DaemonSet", "agent")]
    history = [
        records.legacy_release(1, "Succeeded", ns, [(k, n, 1) for k, n in workloads]),
        records.legacy_release(2, "Failed", ns, [(k, n, 2) for k, n in workloads]),
    ]
    cluster.apply(records.harness_legacy_configmap(RELEASE, ns, history))


def _legacy_history(cluster: TestCluster) -> dict[str, Any]:
    data = cluster.must("configmaps", RELEASE)["data"]
    assert data["isReleaseHistoryCompressed"] == "true"
    text = gzip.decompress(base64.b64decode(data["releaseHistory"])).decode()
    doc: dict[str, Any] = yaml.safe_load(text)
    return doc


def test_a_harness_release_goes_back_to_its_last_successful_release_and_records_it(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    _harness_release(cluster)
    listed = rollback("releases", "-o", "json")
    assert listed.code == 0, listed.err
    [item] = json.loads(listed.out)["items"]
    assert (item["name"], item["source"]) == (RELEASE, "harness")
    planned = rollback(f"release/{RELEASE}", "--dry-run", "-o", "json")
    assert planned.code == 0, planned.err
    plan = json.loads(planned.out)["plan"]
    assert plan["records"] == "harness-legacy"
    assert (plan["from"]["number"], plan["to"]["number"]) == (2, 1)
    # In the stored order of the target release, each to the revision it recorded.
    order = [
        (w["plan"]["workload"]["name"], w["plan"]["to"]["revision"]) for w in plan["workloads"]
    ]
    assert order == [("web", 1), ("db", 1), ("agent", 1)]
    assert any("release 2 Failed" in u for u in plan["recordUpdates"])
    with cluster.clock():
        done = rollback(f"release/{RELEASE}", "--yes", "--wait", "--timeout", "3m")
    assert done.code == 0, done.err
    assert template_images(cluster.must("deployments", "web")) == [WEB[0]]
    assert template_images(cluster.must("statefulsets", "db")) == [DB[0]]
    assert template_images(cluster.must("daemonsets", "agent")) == [AGENT[0]]
    # The history as Harness's Rolling Rollback leaves it: the failed release marked Failed,
    # the target's revisions renumbered to what the rollback made them (3 each).
    doc = _legacy_history(cluster)
    by_number = {r["number"]: r for r in doc["releases"]}
    assert by_number[2]["status"] == "Failed" and by_number[1]["status"] == "Succeeded"
    assert {w["workload"]["name"]: w["revision"] for w in by_number[1]["managedWorkloads"]} == {
        "web": "3",
        "db": "3",
        "agent": "3",
    }
    history = rollback("history", f"release/{RELEASE}")
    assert history.code == 0, history.err
    assert "harness-legacy" in history.out and "Succeeded" in history.out
    # What Harness's Rolling Rollback step does, by hand: kubectl rollout undo
    # --to-revision=<recorded revision> per workload, in the stored order. Same result.
    kubectl = cluster.kubectl()
    for kind, name in (("deployment", "web"), ("statefulset", "db"), ("daemonset", "agent")):
        kubectl.ok("rollout", "undo", f"{kind}/{name}{TWIN}", "--to-revision=1")
    with cluster.clock():
        for plural, name in (("statefulsets", "db"), ("daemonsets", "agent")):
            for n in (name, name + TWIN):
                cluster.wait_for(lambda p=plural, n=n: controller_settled(cluster, p, n), n)
    for kind, plural, name in (
        ("deployment", "deployments", "web"),
        ("statefulset", "statefulsets", "db"),
        ("daemonset", "daemonsets", "agent"),
    ):
        ours, theirs = cluster.must(plural, name), cluster.must(plural, name + TWIN)
        assert template_images(ours) == template_images(theirs), name
        assert history_numbers(cluster, f"{kind}/{name}") == history_numbers(
            cluster, f"{kind}/{name}{TWIN}"
        ), name


def test_a_helm_release_goes_back_to_its_previous_deployed_revision(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    ns = cluster.namespace
    helm = {"meta.helm.sh/release-name": "shop", "meta.helm.sh/release-namespace": ns}
    managed = {"app.kubernetes.io/managed-by": "Helm"}
    manifests = []
    for web, api in zip(WEB, ["httpd:2.4.58", "httpd:2.4.59"], strict=True):
        rendered = [
            deployment("web", web, annotations=helm, labels=managed),
            deployment("api", api, annotations=helm, labels=managed),
        ]
        roll_out(cluster, *rendered)
        manifests.append(rendered)
    cluster.apply(records.helm_secret("shop", ns, 1, "superseded", manifests[0]))
    cluster.apply(records.helm_secret("shop", ns, 2, "deployed", manifests[1]))
    planned = rollback("release/shop", "--dry-run", "-o", "json")
    assert planned.code == 0, planned.err
    plan = json.loads(planned.out)["plan"]
    assert plan["records"] == "helm-secret" and plan["to"]["number"] == 1
    assert "helm-storage" in [w["code"] for w in plan["warnings"]]
    assert {
        w["plan"]["workload"]["name"]: w["plan"]["to"]["revision"] for w in plan["workloads"]
    } == {
        "web": 1,
        "api": 1,
    }
    with cluster.clock():
        done = rollback("release/shop", "--yes", "--wait", "--timeout", "2m")
    assert done.code == 0, done.err
    assert template_images(cluster.must("deployments", "api")) == ["httpd:2.4.58"]
    # Helm's storage is Helm's: nothing of it changed.
    assert (
        cluster.must("secrets", "sh.helm.release.v1.shop.v2")["metadata"]["labels"]["status"]
        == "deployed"
    )


def test_a_declarative_harness_release_and_an_explicit_release_number(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    """Declarative releases (one Secret per release, gzip'd manifests, status as a label):
    the templates they deployed are matched to revisions; --to-release picks one; the
    current Secret is marked Failed afterwards, as Harness does."""
    ns = cluster.namespace
    web_images = ["nginx:1.25.2", "nginx:1.25.3", "nginx:1.25.4"]
    api_images = ["httpd:2.4.57", "httpd:2.4.58", "httpd:2.4.59"]
    # Release 3 went through (Succeeded) but is what we leave: the rollback marks it Failed.
    statuses = ["Succeeded", "Succeeded", "Succeeded"]
    for number, (web, api, status) in enumerate(
        zip(web_images, api_images, statuses, strict=True), 1
    ):
        rendered = [
            _with_harness_label(deployment("web", web)),
            _with_harness_label(deployment("api", api)),
        ]
        roll_out(cluster, *rendered)
        cluster.apply(records.harness_declarative_secret(RELEASE, number, status, ns, rendered))
    default = rollback(f"release/{RELEASE}", "--dry-run", "-o", "json")
    assert default.code == 0, default.err
    plan = json.loads(default.out)["plan"]
    assert plan["records"] == "harness-declarative" and plan["to"]["number"] == 2
    chosen = rollback(f"release/{RELEASE}", "--to-release", "1", "--dry-run", "-o", "json")
    assert chosen.code == 0, chosen.err
    steps = json.loads(chosen.out)["plan"]["workloads"]
    assert sorted((w["plan"]["workload"]["name"], w["plan"]["to"]["revision"]) for w in steps) == [
        ("api", 1),
        ("web", 1),
    ]
    absent = rollback(f"release/{RELEASE}", "--to-release", "9", "--dry-run")
    assert absent.code == 2
    assert absent.err.strip() == f"error: release/{RELEASE} has no release 9 (recorded: 3, 2, 1)"
    with cluster.clock():
        done = rollback(f"release/{RELEASE}", "--yes", "--wait", "--timeout", "2m")
    assert done.code == 0, done.err
    assert template_images(cluster.must("deployments", "web")) == [web_images[1]]
    assert template_images(cluster.must("deployments", "api")) == [api_images[1]]
    labels = cluster.must("secrets", f"harness.release.{RELEASE}.3")["metadata"]["labels"]
    assert labels["status"] == "Failed"


def test_a_canary_left_by_a_failed_canary_is_named_and_deleted_only_when_asked(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    ns = cluster.namespace
    for number, image in enumerate(WEB, 1):
        roll_out(cluster, _with_harness_label(deployment("web", image)))
        if number == 1:
            history = [records.legacy_release(1, "Succeeded", ns, [("Deployment", "web", 1)])]
    # The failed canary of release 2: web-canary, its pods tracked canary, as Harness names it.
    canary = deployment("web-canary", "nginx:1.26.0", replicas=1)
    canary["spec"]["template"]["metadata"]["labels"].update(
        {**HARNESS, "harness.io/track": "canary"}
    )
    canary["spec"]["selector"]["matchLabels"]["harness.io/track"] = "canary"
    cluster.apply(canary)
    cluster.wait_for(  # counted as the plan counts it: its status.replicas (the Deployment
        # controller writes it a moment after the pod exists)
        lambda: (
            (cluster.must("deployments", "web-canary").get("status") or {}).get("replicas") == 1
        ),
        "the canary's pod counted",
    )
    history.append(records.legacy_release(2, "Failed", ns, [("Deployment", "web", 2)]))
    cluster.apply(records.harness_legacy_configmap(RELEASE, ns, history))
    planned = rollback(f"release/{RELEASE}", "--dry-run", "-o", "json")
    assert planned.code == 0, planned.err
    plan = json.loads(planned.out)["plan"]
    assert [w["plan"]["workload"]["name"] for w in plan["workloads"]] == ["web"]
    assert plan["canaries"] == [
        {"kind": "Deployment", "name": "web-canary", "pods": 1, "delete": False}
    ]
    assert "canary-left" in [w["code"] for w in plan["warnings"]]
    done = rollback(f"release/{RELEASE}", "--yes", "--no-wait")
    assert done.code == 0, done.err
    assert cluster.get("deployments", "web-canary") is not None  # never implicit
    # Asked for: deleted with the rollback (the workload is at its target already).
    deleted = rollback(f"release/{RELEASE}", "--yes", "--no-wait", "--delete-canary")
    assert deleted.code == 0, deleted.err
    assert "deployment.apps/web-canary: canary deleted" in deleted.out
    cluster.wait_for(lambda: cluster.get("deployments", "web-canary") is None, "canary gone")
