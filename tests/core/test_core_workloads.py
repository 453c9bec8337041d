"""Workload list rows: status precedence, revision, images, readiness, ordering and filtering."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_rollback.core.workloads import (
    WorkloadStatus,
    keys_matching,
    matches,
    ordered,
    search_text,
    summarise,
    summarise_daemonset,
    summarise_deployment,
    summarise_statefulset,
    text_matches,
)


def dep(
    name: str = "web",
    *,
    replicas: int = 3,
    ready: int = 3,
    updated: int = 3,
    available: int = 3,
    total: int | None = None,
    generation: int = 2,
    observed: int = 2,
    paused: bool = False,
    reason: str = "NewReplicaSetAvailable",
    revision: str | None = "4",
    images: tuple[str, ...] = ("nginx:1.27.0",),
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "namespace": "shop",
        "generation": generation,
        "resourceVersion": "77",
    }
    if revision is not None:
        meta["annotations"] = {"deployment.kubernetes.io/revision": revision}
    return {
        "kind": "Deployment",
        "metadata": meta,
        "spec": {
            "replicas": replicas,
            "paused": paused,
            "template": {
                "spec": {
                    "containers": [{"name": f"c{i}", "image": im} for i, im in enumerate(images)]
                }
            },
        },
        "status": {
            "observedGeneration": observed,
            "replicas": updated if total is None else total,
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": available,
            "conditions": [
                {"type": "Progressing", "reason": reason, "message": 'ReplicaSet "web-x" ...'}
            ],
        },
    }


def test_complete_rollout_is_healthy_with_revision_images_and_readiness() -> None:
    row = summarise_deployment(dep(images=("nginx:1.27.0", "envoy:1.30")))
    assert row.status is WorkloadStatus.HEALTHY
    assert (row.kind, row.name, row.namespace, row.revision) == ("Deployment", "web", "shop", 4)
    assert row.images == ("nginx:1.27.0", "envoy:1.30")
    assert row.image_summary == "nginx:1.27.0, envoy:1.30"
    assert (row.ready, row.desired) == (3, 3)
    assert row.message == 'deployment "web" successfully rolled out'
    assert row.unsupported is None
    assert row.short_kind == "deploy"
    assert row.resource_version == "77"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"updated": 1, "total": 4, "ready": 3}, WorkloadStatus.PROGRESSING),
        ({"generation": 3, "observed": 2}, WorkloadStatus.PROGRESSING),
        ({"updated": 1, "total": 4, "reason": "ProgressDeadlineExceeded"}, WorkloadStatus.FAILED),
        # Paused wins over a failure: the user must resume before anything else.
        ({"paused": True, "reason": "ProgressDeadlineExceeded"}, WorkloadStatus.PAUSED),
        ({"paused": True}, WorkloadStatus.PAUSED),
    ],
)
def test_status_precedence(kwargs: dict[str, Any], expected: WorkloadStatus) -> None:
    assert summarise_deployment(dep(**kwargs)).status is expected


def test_a_stale_deadline_condition_still_marks_the_deployment_failed() -> None:
    # The spec change is not observed yet, but the last rollout did fail.
    row = summarise_deployment(dep(generation=3, observed=2, reason="ProgressDeadlineExceeded"))
    assert row.status is WorkloadStatus.FAILED


def test_missing_or_odd_revision_annotation_is_none() -> None:
    assert summarise_deployment(dep(revision=None)).revision is None
    assert summarise_deployment(dep(revision="x")).revision is None


def test_statefulset_and_daemonset_rows_can_be_rolled_back() -> None:
    sts = {
        "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "shop", "generation": 3},
        "spec": {
            "replicas": 3,
            "template": {"spec": {"containers": [{"name": "pg", "image": "postgres:16.1"}]}},
        },
        "status": {
            "observedGeneration": 3,
            "readyReplicas": 3,
            "updatedReplicas": 3,
            "currentRevision": "db-1",
            "updateRevision": "db-1",
        },
    }
    ds = {
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "shop", "generation": 2},
        "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "agent:0.9"}]}}},
        "status": {
            "observedGeneration": 2,
            "desiredNumberScheduled": 3,
            "numberReady": 2,
            "updatedNumberScheduled": 3,
        },
    }
    s = summarise_statefulset(sts)
    d = summarise_daemonset(ds)
    assert (s.status, s.short_kind, s.images, s.revision) == (
        WorkloadStatus.HEALTHY,
        "sts",
        ("postgres:16.1",),
        None,
    )
    assert s.unsupported is None
    assert (d.status, d.ready, d.desired, d.short_kind) == (WorkloadStatus.PROGRESSING, 2, 3, "ds")
    assert d.unsupported is None
    sts["status"]["updateRevision"] = "db-2"
    assert summarise_statefulset(sts).status is WorkloadStatus.PROGRESSING


def test_summarise_dispatches_on_kind_and_rejects_others() -> None:
    assert summarise(dep()).kind == "Deployment"
    assert summarise({"metadata": {"name": "x"}}, "DaemonSet").kind == "DaemonSet"
    with pytest.raises(ValueError):
        summarise({"kind": "Service", "metadata": {"name": "x"}})


def test_ordering_and_filter() -> None:
    rows = [
        summarise_deployment(dep("web")),
        summarise_deployment(dep("cart", paused=True)),
        summarise({"metadata": {"name": "agent"}, "spec": {}, "status": {}}, "DaemonSet"),
    ]
    assert [r.name for r in ordered(rows)] == ["cart", "web", "agent"]
    assert [r.name for r in rows if matches(r, "")] == ["web", "cart", "agent"]
    assert [r.name for r in rows if matches(r, "CA")] == ["cart"]
    assert [r.name for r in rows if matches(r, "paused")] == ["cart"]
    assert [r.name for r in rows if matches(r, "ds")] == ["agent"]
    assert [r.name for r in rows if matches(r, "nginx web")] == ["web"]


def test_keys_matching_keeps_the_keys_whose_search_text_matches_in_order() -> None:
    rows = [
        summarise_deployment(dep("web")),
        summarise_deployment(dep("cart", paused=True)),
        summarise({"metadata": {"name": "agent"}, "spec": {}, "status": {}}, "DaemonSet"),
    ]
    searched = {r.key: search_text(r) for r in rows}
    keys = [r.key for r in rows]
    for text in ("", "CA", "paused", "ds", "nginx web", "nginx  CART", "nothing"):
        want = [r.key for r in rows if text_matches(searched[r.key], text)]
        assert keys_matching(keys, searched, text) == want, text
    assert keys_matching(keys, searched, "nginx web") == [("Deployment", "web")]
