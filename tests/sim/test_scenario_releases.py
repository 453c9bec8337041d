"""The `releases` scenario: a Harness release whose last deploy failed and a Helm release after
two upgrades, with the records those tools write; read by the core, rolled back by the CLI."""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_rollback.core.release_records import ReleaseHistory, read_harness, read_helm
from kubectl_rollback.sim import run_cluster, scenarios
from kubectl_rollback.sim.clock import parse_rfc3339
from kubectl_rollback.sim.cluster import SimCluster
from kubectl_rollback.sim.scenarios import releases
from kubectl_rollback.sim.world import new_cluster

NS = "shop"
RELEASE = "release-8f3c2a"
HARNESS_LABEL = "harness.io/release-name"
PLURALS = {"Deployment": "deployments", "StatefulSet": "statefulsets", "DaemonSet": "daemonsets"}
# What each Harness release deployed: (storefront, orders-db, log-agent) images.
HARNESS_IMAGES = {n + 1: images for n, images in enumerate(releases.HARNESS_IMAGES)}


def load_yaml(text: str) -> list[Any]:
    return list(yaml.safe_load_all(text))


@pytest.fixture(scope="module")
def cluster() -> SimCluster:
    built = new_cluster()
    scenarios.load("releases", built)
    return built


def image(obj: dict[str, Any]) -> str:
    return str(obj["spec"]["template"]["spec"]["containers"][0]["image"])


def revisions_today(cluster: SimCluster, kind: str, name: str) -> dict[int, str]:
    """Revision number -> image, as `kubectl rollout history <kind>/<name>` numbers them."""
    live = cluster.get(PLURALS[kind], NS, name)
    uid = live["metadata"]["uid"]
    if kind == "Deployment":
        return {
            int(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]): image(rs)
            for rs in cluster.list("replicasets", NS)
            if rs["metadata"]["ownerReferences"][0]["uid"] == uid
        }
    return {
        int(cr["revision"]): cr["data"]["spec"]["template"]["spec"]["containers"][0]["image"]
        for cr in cluster.list("controllerrevisions", NS)
        if cr["metadata"]["ownerReferences"][0]["uid"] == uid
    }


def harness_history(cluster: SimCluster) -> ReleaseHistory:
    found = read_harness(
        RELEASE,
        NS,
        cluster.list("configmaps", NS),
        cluster.list("secrets", NS),
        load_yaml=load_yaml,
    )
    assert found is not None
    return found


def helm_history(cluster: SimCluster) -> ReleaseHistory:
    found = read_helm(
        "payments",
        NS,
        cluster.list("secrets", NS),
        cluster.list("configmaps", NS),
        load_yaml=load_yaml,
    )
    assert found is not None
    return found


def waiting_reasons(cluster: SimCluster, selector: str, template_image: str) -> list[str]:
    """The waiting reasons of the pods running `template_image`."""
    return [
        (p["status"]["containerStatuses"][0]["state"].get("waiting") or {}).get("reason", "")
        for p in cluster.list("pods", NS, selector)
        if p["spec"]["containers"][0]["image"] == template_image
    ]


# ---------------------------------------------------------------- the scenario


def test_listed_with_a_description() -> None:
    assert "releases" in scenarios.names()
    assert "Harness release" in scenarios.description("releases")
    assert "Helm release" in scenarios.description("releases")


def test_the_history_spans_days_and_ends_at_cluster_start(cluster: SimCluster) -> None:
    assert abs(cluster.clock.seconds()) < 1.0
    created = min(d["metadata"]["creationTimestamp"] for d in cluster.list("deployments", NS))
    age = (cluster.clock.now() - parse_rfc3339(created)).total_seconds()
    assert 3 * 86400 < age < 8 * 86400


def test_harness_label_is_on_the_pod_templates_only(cluster: SimCluster) -> None:
    for kind, name in releases.HARNESS_WORKLOADS:
        live = cluster.get(PLURALS[kind], NS, name)
        assert live["spec"]["template"]["metadata"]["labels"][HARNESS_LABEL] == RELEASE
        assert HARNESS_LABEL not in live["metadata"].get("labels", {})
        assert HARNESS_LABEL not in live["spec"]["selector"]["matchLabels"]


def test_harness_legacy_configmap_is_compressed_as_harness_writes_it(cluster: SimCluster) -> None:
    cm = cluster.get("configmaps", NS, RELEASE)
    assert "labels" not in cm["metadata"]
    assert cm["data"]["isReleaseHistoryCompressed"] == "true"
    raw = base64.b64decode(cm["data"]["releaseHistory"])
    assert raw[:4] == b"\x1f\x8b\x08\x00" and raw[8] == 0  # Java's GZIPOutputStream header
    doc = yaml.safe_load(gzip.decompress(raw).decode())
    assert doc["version"] == "v1"
    # Newest first; release 3's cleanup dropped release 1 (older than the last successful).
    assert [(r["number"], r["status"]) for r in doc["releases"]] == [
        (3, "Failed"),
        (2, "Succeeded"),
    ]
    assert all(isinstance(w["revision"], str) for w in doc["releases"][0]["managedWorkloads"])


def test_harness_last_successful_release_is_2_and_its_revisions_are_todays(
    cluster: SimCluster,
) -> None:
    history = harness_history(cluster)
    assert history.source == "harness-legacy"
    assert [(r.number, r.status) for r in history.revisions] == [(3, "Failed"), (2, "Succeeded")]
    current, target = history.current, history.last_successful()
    assert current is not None and target is not None and target.number == 2
    recorded = {
        r.number: [(w.kind, w.name, w.revision) for w in r.workloads] for r in (current, target)
    }
    assert recorded == {
        3: [
            ("Deployment", "storefront", 3),
            ("StatefulSet", "orders-db", 3),
            ("DaemonSet", "log-agent", 2),
        ],
        2: [
            ("Deployment", "storefront", 2),
            ("StatefulSet", "orders-db", 2),
            ("DaemonSet", "log-agent", 1),
        ],
    }
    for release in (current, target):
        for workload, deployed in zip(
            release.workloads, HARNESS_IMAGES[release.number], strict=True
        ):
            today = revisions_today(cluster, workload.kind, workload.name)
            assert workload.revision is not None and today[workload.revision] == deployed
            if release is current:
                assert max(today) == workload.revision  # the newest revision is release 3's


def test_release_3_failed_in_the_deployment_only(cluster: SimCluster) -> None:
    web, db, agent = HARNESS_IMAGES[3]
    storefront = cluster.get("deployments", NS, "storefront")
    assert image(storefront) == web and web.rsplit(":", 1)[1].startswith("crash")
    progressing = next(c for c in storefront["status"]["conditions"] if c["type"] == "Progressing")
    assert progressing["reason"] == "ProgressDeadlineExceeded"
    reasons = waiting_reasons(cluster, "app=storefront", web)
    assert reasons and set(reasons) <= {"CrashLoopBackOff", ""}
    assert "CrashLoopBackOff" in reasons
    assert storefront["status"]["availableReplicas"] == 3  # release 2's pods still serve
    orders = cluster.get("statefulsets", NS, "orders-db")
    assert image(orders) == db
    assert orders["status"]["updatedReplicas"] == orders["status"]["readyReplicas"] == 3
    logs = cluster.get("daemonsets", NS, "log-agent")
    assert image(logs) == agent
    assert logs["status"]["updatedNumberScheduled"] == logs["status"]["numberReady"] == 3


def test_helm_records_are_secrets_driver_records_of_each_revision(cluster: SimCluster) -> None:
    history = helm_history(cluster)
    assert history.source == "helm-secret"
    assert [(r.number, r.status) for r in history.revisions] == [
        (3, "deployed"),
        (2, "superseded"),
        (1, "superseded"),
    ]
    assert [r.description for r in history.revisions] == [
        "Upgrade complete",
        "Upgrade complete",
        "Install complete",
    ]
    target = history.last_successful()
    assert target is not None and target.number == 2  # the previous revision
    for secret in history.storage:
        assert secret["type"] == "helm.sh/release.v1"
        labels = secret["metadata"]["labels"]
        assert {k: labels[k] for k in ("name", "owner")} == {"name": "payments", "owner": "helm"}
        assert "modifiedAt" in labels and "createdAt" not in labels  # each was updated
    # Each record's manifest is what was deployed at that revision.
    for revision in history.revisions:
        for workload in revision.workloads:
            assert workload.template is not None
            today = revisions_today(cluster, "Deployment", workload.name)
            assert today[revision.number] == workload.template["spec"]["containers"][0]["image"]


def test_helm_objects_carry_helms_marks(cluster: SimCluster) -> None:
    for name in ("payments-api", "payments-worker"):
        live = cluster.get("deployments", NS, name)
        assert live["metadata"]["annotations"]["meta.helm.sh/release-name"] == "payments"
        assert live["metadata"]["annotations"]["meta.helm.sh/release-namespace"] == NS
        assert live["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"
    worker = cluster.get("deployments", NS, "payments-worker")
    assert "CrashLoopBackOff" in waiting_reasons(
        cluster, "app.kubernetes.io/name=payments-worker", image(worker)
    )


# ---------------------------------------------------------------- the command line


def _cli(kubeconfig: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kubectl_rollback", *args],
        env={**os.environ, "KUBECONFIG": kubeconfig},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_cli_rolls_the_harness_release_back_to_release_2() -> None:
    with run_cluster("releases") as running:
        sim = running.cluster
        before = {
            name: image(sim.get(PLURALS[kind], NS, name))
            for kind, name in releases.HARNESS_WORKLOADS
        }
        planned = _cli(
            running.kubeconfig, "-n", NS, f"release/{RELEASE}", "--dry-run", "-o", "json"
        )
        assert planned.returncode == 0, planned.stderr
        plan = json.loads(planned.stdout)["plan"]
        assert plan["records"] == "harness-legacy"
        assert (plan["from"]["number"], plan["to"]["number"]) == (3, 2)
        order = [
            (
                w["plan"]["workload"]["name"],
                w["plan"]["from"]["revision"],
                w["plan"]["to"]["revision"],
            )
            for w in plan["workloads"]
        ]
        assert order == [("storefront", 3, 2), ("orders-db", 3, 2), ("log-agent", 2, 1)]
        after_dry_run = {
            name: image(sim.get(PLURALS[kind], NS, name))
            for kind, name in releases.HARNESS_WORKLOADS
        }
        assert after_dry_run == before, "a dry run changed a workload"

        done = _cli(running.kubeconfig, "-n", NS, f"release/{RELEASE}", "--yes", "--no-wait")
        assert done.returncode == 0, done.stderr
        sim.settle()
        for (kind, name), deployed in zip(
            releases.HARNESS_WORKLOADS, HARNESS_IMAGES[2], strict=True
        ):
            live = sim.get(PLURALS[kind], NS, name)
            assert image(live) == deployed
            assert live["spec"]["template"]["metadata"]["labels"][HARNESS_LABEL] == RELEASE
        # The history as Harness's Rolling Rollback leaves it.
        history = harness_history(sim)
        assert [(r.number, r.status) for r in history.revisions] == [
            (3, "Failed"),
            (2, "Succeeded"),
        ]
        target = history.revision(2)
        assert target is not None
        assert [(w.name, w.revision) for w in target.workloads] == [
            ("storefront", 4),
            ("orders-db", 4),
            ("log-agent", 3),
        ]


def test_the_cli_plans_the_helm_release_back_to_its_previous_revision() -> None:
    with run_cluster("releases") as running:
        planned = _cli(running.kubeconfig, "-n", NS, "release/payments", "--dry-run", "-o", "json")
        assert planned.returncode == 0, planned.stderr
        plan = json.loads(planned.stdout)["plan"]
        assert plan["records"] == "helm-secret"
        assert (plan["from"]["number"], plan["to"]["number"]) == (3, 2)
        assert {
            w["plan"]["workload"]["name"]: w["plan"]["to"]["revision"] for w in plan["workloads"]
        } == {
            "payments-api": 2,
            "payments-worker": 2,
        }
        listed = _cli(running.kubeconfig, "releases", "-n", NS, "-o", "json")
        assert listed.returncode == 0, listed.stderr
        assert {(i["name"], i["source"]) for i in json.loads(listed.stdout)["items"]} == {
            (RELEASE, "harness"),
            ("payments", "helm"),
        }


def test_the_sim_command_serves_the_scenario(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "sim.kubeconfig"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kubectl_rollback",
            "sim",
            "--port",
            "0",
            "--scenario",
            "releases",
            "--write-kubeconfig",
            str(kubeconfig),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()  # type: ignore[union-attr]
        assert re.match(
            r"Simulated cluster \(releases\) serving at http://127\.0\.0\.1:\d+$", first.strip()
        ), first
        listed = _cli(str(kubeconfig), "releases", "-n", NS)
        assert listed.returncode == 0, listed.stderr
        assert RELEASE in listed.stdout and "payments" in listed.stdout
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
