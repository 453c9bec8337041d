"""History building: ownership, revisions, current detection, pods, strategy, managers, HPAs."""

from __future__ import annotations

import copy

from kubectl_rollback.core.api_objects import label_selector_string, templates_equal
from kubectl_rollback.core.history import (
    build_deployment_history,
    parse_former_numbers,
    resolve_strategy,
)
from kubectl_rollback.core.model import (
    SOURCE_HARNESS,
    SOURCE_PODS,
    HealthEvidence,
    Revision,
    Verdict,
    WorkloadRef,
    health_of,
)
from tests.core.factory import NOW, Scenario, hpa, pod, pod_template


def three_revisions() -> Scenario:
    s = Scenario()
    s.deploy("nginx:1.24")
    s.deploy("nginx:1.25")
    s.deploy("nginx:1.26")
    return s


def test_workload_ref_display() -> None:
    assert WorkloadRef("Deployment", "default", "web").display == "deployment.apps/web"
    assert WorkloadRef("StatefulSet", "ns", "db").display == "statefulset.apps/db"


def test_revisions_newest_first_with_fields() -> None:
    s = three_revisions()
    h = build_deployment_history(s.deployment, s.replicasets, s.pods, now=NOW)
    assert [r.number for r in h.revisions] == [3, 2, 1]
    newest = h.revisions[0]
    assert newest.current and h.current is newest
    assert newest.object_name == s.rs_name(3)
    assert newest.pod_template_hash == s.rs(3)["metadata"]["labels"]["pod-template-hash"]
    assert [(i.container, i.image, i.init) for i in newest.images] == [("app", "nginx:1.26", False)]
    assert (newest.desired, newest.ready, newest.available) == (3, 3, 3)
    assert "pod-template-hash" not in newest.template["metadata"]["labels"]
    assert h.ref.display == "deployment.apps/web"
    assert (h.replicas, h.revision_history_limit, h.progress_deadline_seconds) == (3, 10, 600)
    assert h.resource_version == s.deployment["metadata"]["resourceVersion"]


def test_only_replicasets_controlled_by_the_deployment_count() -> None:
    s = three_revisions()
    stranger = copy.deepcopy(s.rs(1))
    stranger["metadata"]["name"] = "web-stranger"
    stranger["metadata"]["ownerReferences"][0]["uid"] = "another-uid"
    orphan = copy.deepcopy(s.rs(2))
    orphan["metadata"]["name"] = "web-orphan"
    del orphan["metadata"]["ownerReferences"]
    h = build_deployment_history(s.deployment, [*s.replicasets, stranger, orphan], s.pods, now=NOW)
    assert {r.object_name for r in h.revisions} == {s.rs_name(n) for n in (1, 2, 3)}


def test_missing_or_unparsable_revision_is_zero_and_former_numbers_parsed() -> None:
    s = three_revisions()
    del s.rs(1)["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
    s.rs(2)["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "two"
    s.rs(3)["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] = "1,x,4"
    h = build_deployment_history(s.deployment, s.replicasets, s.pods, now=NOW)
    assert sorted(r.number for r in h.revisions) == [0, 0, 3]
    assert h.revision(3) is not None and h.revision(3).former_numbers == (1, 4)  # type: ignore[union-attr]
    assert parse_former_numbers(None) == ()


def test_rollback_renumbers_and_keeps_former_number() -> None:
    s = three_revisions()
    s.deploy("nginx:1.24")  # going back to revision 1's template
    h = build_deployment_history(s.deployment, s.replicasets, s.pods, now=NOW)
    assert [r.number for r in h.revisions] == [4, 3, 2]
    assert h.current is not None and h.current.former_numbers == (1,)


def test_current_is_found_by_semantic_template_equality() -> None:
    s = three_revisions()
    d = copy.deepcopy(s.deployment)
    # A client that drops empty maps and adds empty lists must not lose the current revision.
    del d["spec"]["template"]["spec"]["securityContext"]
    d["spec"]["template"]["spec"]["containers"][0]["env"] = []
    h = build_deployment_history(d, s.replicasets, s.pods, now=NOW)
    assert h.current is not None and h.current.number == 3
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:9"
    h2 = build_deployment_history(d, s.replicasets, s.pods, now=NOW)
    assert h2.current is None
    assert not templates_equal(d["spec"]["template"], s.rs(3)["spec"]["template"])


def test_pods_attributed_by_owner_then_hash_label() -> None:
    s = Scenario()
    s.deploy("nginx:1.25")
    s.deploy("nginx:crash", outcome="stuck", waiting="CrashLoopBackOff", stuck_pods=1)
    crashing_without_owner = pod(s.rs(2), 7, waiting="CrashLoopBackOff", owner=False)
    foreign = pod(s.rs(2), 8, waiting="ImagePullBackOff")
    foreign["metadata"]["ownerReferences"][0]["uid"] = "someone-else"
    h = build_deployment_history(
        s.deployment, s.replicasets, [*s.pods, crashing_without_owner, foreign], now=NOW
    )
    failing = h.revision(2)
    assert failing is not None
    assert [e.reason for e in failing.evidence if e.source == SOURCE_PODS] == [
        "2 pods in CrashLoopBackOff"
    ]


def test_pods_none_means_no_pod_evidence() -> None:
    s = Scenario()
    s.deploy("nginx:1.25")
    s.deploy("nginx:crash", outcome="stuck")
    h = build_deployment_history(s.deployment, s.replicasets, None, now=NOW)
    assert all(e.source != SOURCE_PODS for r in h.revisions for e in r.evidence)


def test_strategy_resolution_rounds_like_the_controller() -> None:
    spec = {
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
        }
    }
    s = resolve_strategy(spec, 10)
    assert (s.max_surge, s.max_unavailable) == (3, 2)  # ceil(2.5), floor(2.5)
    s = resolve_strategy(
        {"strategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "10%"}}}, 3
    )
    assert (s.max_surge, s.max_unavailable) == (0, 1)  # both 0 -> unavailable 1
    assert resolve_strategy({}, 4).max_surge_raw == "25%"
    recreate = resolve_strategy({"strategy": {"type": "Recreate"}}, 3)
    assert recreate.type == "Recreate" and recreate.max_surge_raw is None


def test_managers_and_hpas_detected() -> None:
    s = three_revisions()
    meta = s.deployment["metadata"]
    meta["labels"]["app.kubernetes.io/managed-by"] = "Helm"
    meta["annotations"]["meta.helm.sh/release-name"] = "shop"
    meta["annotations"]["argocd.argoproj.io/tracking-id"] = "shop-app:apps/Deployment:default/web"
    meta["labels"]["kustomize.toolkit.fluxcd.io/name"] = "apps"
    meta["labels"]["kustomize.toolkit.fluxcd.io/namespace"] = "flux-system"
    meta["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = "{}"
    h = build_deployment_history(
        s.deployment, s.replicasets, s.pods, hpas=[hpa("web", "web"), hpa("other", "api")], now=NOW
    )
    assert [(m.tool, m.name) for m in h.managers] == [
        ("Helm", "shop"),
        ("Argo CD", "shop-app"),
        ("Flux", "Kustomization flux-system/apps"),
        ("kubectl apply", None),
    ]
    assert [a.name for a in h.hpas] == ["web"]


def test_argo_instance_label_alone_is_not_argo() -> None:
    s = three_revisions()
    s.deployment["metadata"]["labels"]["app.kubernetes.io/instance"] = "web"
    h = build_deployment_history(s.deployment, s.replicasets, s.pods, now=NOW)
    assert h.managers == ()
    s.deployment["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] = "1"
    h = build_deployment_history(s.deployment, s.replicasets, s.pods, now=NOW)
    assert [(m.tool, m.name) for m in h.managers] == [("Argo CD", "web")]


def test_configmap_and_secret_names_distinguish_not_checked() -> None:
    s = three_revisions()
    h = build_deployment_history(s.deployment, s.replicasets, s.pods, now=NOW)
    assert h.configmap_names is None and h.secret_names is None
    h = build_deployment_history(
        s.deployment, s.replicasets, s.pods, configmaps=[], secrets=[], now=NOW
    )
    assert h.configmap_names == frozenset() and h.secret_names == frozenset()


def test_label_selector_string() -> None:
    selector = {
        "matchLabels": {"tier": "web", "app": "shop"},
        "matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod", "canary"]},
            {"key": "legacy", "operator": "DoesNotExist"},
            {"key": "zone", "operator": "NotIn", "values": ["a"]},
            {"key": "team", "operator": "Exists"},
        ],
    }
    assert (
        label_selector_string(selector)
        == "app=shop,tier=web,env in (canary,prod),!legacy,zone notin (a),team"
    )


def _rev(evidence: tuple[HealthEvidence, ...]) -> Revision:
    return Revision(
        1, (), "web-a", "a", (), None, None, 0, 0, 0, False, pod_template(), {}, "u", evidence
    )


def test_health_precedence_live_failure_beats_recorded_success() -> None:
    old_success = HealthEvidence(Verdict.SUCCESS, SOURCE_HARNESS, "release 3 Succeeded")
    live_failure = HealthEvidence(Verdict.FAILURE, SOURCE_PODS, "3 pods in CrashLoopBackOff")
    live_success = HealthEvidence(Verdict.SUCCESS, SOURCE_PODS, "still serving")
    old_failure = HealthEvidence(Verdict.FAILURE, SOURCE_HARNESS, "release 2 Failed")
    assert _rev((old_success, live_failure)).health is Verdict.FAILURE
    assert _rev((old_failure, live_success)).health is Verdict.SUCCESS
    assert _rev((old_success, old_failure)).health is Verdict.FAILURE
    assert _rev((old_success,)).health is Verdict.SUCCESS
    assert _rev(()).health is Verdict.UNKNOWN
    assert health_of((live_success, live_failure)) is Verdict.FAILURE
    assert _rev((old_success, live_failure)).health_reason == "3 pods in CrashLoopBackOff"
