"""Plans: the patch kubectl would produce, annotations, warnings, masking, scaling, the JSON
document."""

from __future__ import annotations

import copy
import json

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_rollback.core import documents
from kubectl_rollback.core.history import build_deployment_history
from kubectl_rollback.core.model import DeploymentHistory, Verdict
from kubectl_rollback.core.plan import RollbackPlan, plan_rollback
from kubectl_rollback.core.rendering import mask_template, to_yaml
from kubectl_rollback.core.target import TargetSpec, choose_target
from tests.core.factory import NOW, Scenario, configmap, container, hpa, pod_template, secret


def build(s: Scenario, **kwargs: object) -> DeploymentHistory:
    return build_deployment_history(s.deployment, s.replicasets, s.pods, now=NOW, **kwargs)  # type: ignore[arg-type]


def make_plan(
    s: Scenario, spec: TargetSpec | None = None, *, show_secrets: bool = False, **kwargs: object
) -> RollbackPlan:
    h = build(s, **kwargs)
    return plan_rollback(
        h,
        choose_target(h, spec, allow_current=True),
        actor="alice",
        now=NOW,
        show_secrets=show_secrets,
    )


def three(**deploy_kwargs: object) -> Scenario:
    s = Scenario()
    s.deploy("nginx:1.24", change_cause="v1.24")
    s.deploy("nginx:1.25", change_cause="v1.25")
    s.deploy("nginx:crash-1", change_cause="v-crash", outcome="stuck", waiting="CrashLoopBackOff")
    return s


def test_patch_is_kubectl_template_plus_our_annotations_and_precondition() -> None:
    s = three()
    s.deployment["metadata"]["annotations"]["team"] = "payments"  # not on any RS
    s.rs(2)["metadata"]["annotations"]["kubectl-rollback.io/outcome"] = "succeeded"
    p = make_plan(s, TargetSpec.revision(2))
    test, template, annotations = p.patch
    assert test == {
        "op": "test",
        "path": "/metadata/resourceVersion",
        "value": s.deployment["metadata"]["resourceVersion"],
    }
    expected_template = copy.deepcopy(s.rs(2)["spec"]["template"])
    del expected_template["metadata"]["labels"]["pod-template-hash"]
    assert template == {"op": "replace", "path": "/spec/template", "value": expected_template}
    assert annotations["op"] == "replace" and annotations["path"] == "/metadata/annotations"
    value = annotations["value"]
    assert value["team"] == "payments"  # kubectl would drop it; we keep it
    assert value["deployment.kubernetes.io/revision"] == "3"  # the Deployment's own controller keys
    assert "deployment.kubernetes.io/desired-replicas" not in value
    assert not any(k.startswith("kubectl-rollback.io/") for k in value)
    assert value["kubernetes.io/change-cause"] == (
        "kubectl-rollback: rolled back from revision 3 (nginx:crash-1) to revision 2 (nginx:1.25) "
        "by alice"
    )
    assert p.change_cause == value["kubernetes.io/change-cause"]
    assert p.kubectl_would_drop == ("team",)
    assert [(c.key, c.kind) for c in p.annotation_changes] == [
        ("kubernetes.io/change-cause", "changed")
    ]
    assert p.resource_version == s.deployment["metadata"]["resourceVersion"]
    assert p.executable and p.refusal is None and p.noop is None


def test_change_cause_without_actor() -> None:
    s = three()
    h = build(s)
    p = plan_rollback(h, choose_target(h), actor=None, now=NOW)
    assert (
        p.change_cause
        == "kubectl-rollback: rolled back from revision 3 (nginx:crash-1) to revision 2 "
        "(nginx:1.25)"
    )


def test_emptied_labels_are_kept_as_an_empty_map() -> None:
    s = Scenario()
    t = pod_template("nginx:1.24")
    t["metadata"]["labels"] = {}
    s.deploy(template=t)
    s.deploy("nginx:1.25")
    p = make_plan(s, TargetSpec.revision(1))
    assert p.patch[1]["value"]["metadata"]["labels"] == {}


def test_paused_refusal_uses_kubectl_message() -> None:
    s = three()
    s.deployment["spec"]["paused"] = True
    p = make_plan(s)
    assert p.refusal == (
        "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' "
        "and try again"
    )
    assert "paused" in p.warning_codes() and not p.executable


def test_noop_uses_kubectl_wording() -> None:
    s = three()
    p = make_plan(s, TargetSpec.revision(3))
    assert (
        p.noop
        == "deployment.apps/web skipped rollback (current template already matches revision 3)"
    )
    assert "noop" in p.warning_codes() and not p.executable


def test_image_changes_and_diff_lead_with_images() -> None:
    s = Scenario()
    s.deploy(
        template=pod_template(
            containers=[container(image="nginx:1.25"), container("sidecar", image="envoy:1")]
        )
    )
    s.deploy(
        template=pod_template(
            containers=[container(image="nginx:1.26"), container("metrics", image="prom:2")]
        )
    )
    p = make_plan(s, TargetSpec.revision(1))
    assert [c.line for c in p.image_changes] == [
        "container app: nginx:1.26 -> nginx:1.25",
        "container sidecar: added (envoy:1)",
        "container metrics: removed (was prom:2)",
    ]
    assert p.template_diff.startswith(
        f"--- revision 2 ({s.rs_name(2)})\n+++ revision 1 ({s.rs_name(1)})\n"
    )
    assert "-  - image: nginx:1.26\n+  - image: nginx:1.25\n" in p.template_diff


def test_secret_looking_env_values_are_masked_unless_asked() -> None:
    s = Scenario()
    env1 = {"DB_PASSWORD": "hunter2", "api_key": "k-1", "GitHubToken": "same", "LOG_LEVEL": "debug"}
    env2 = {
        "DB_PASSWORD": "swordfish",
        "api_key": "k-1",
        "GitHubToken": "same",
        "LOG_LEVEL": "info",
    }
    s.deploy(template=pod_template(env=env1))
    s.deploy(template=pod_template(env=env2))
    p = make_plan(s, TargetSpec.revision(1))
    for secret_value in ("hunter2", "swordfish", "k-1", "same"):
        assert secret_value not in p.template_diff
        assert secret_value not in json.dumps(documents.rollback_plan(p))
        assert secret_value not in repr(p.env_changes)
    assert "-      value: '***'\n+      value: '*** (changed)'\n" in p.template_diff
    assert "-      value: info\n+      value: debug\n" in p.template_diff
    assert [(c.name, c.before, c.after) for c in p.env_changes] == [
        ("DB_PASSWORD", "***", "*** (changed)"),
        ("LOG_LEVEL", "info", "debug"),
    ]
    # The patch itself carries the real value: that is what gets applied.
    assert {"name": "DB_PASSWORD", "value": "hunter2"} in p.patch[1]["value"]["spec"]["containers"][
        0
    ]["env"]
    shown = make_plan(s, TargetSpec.revision(1), show_secrets=True)
    assert "hunter2" in shown.template_diff and "hunter2" in json.dumps(
        documents.rollback_plan(shown)
    )
    assert ("DB_PASSWORD", "swordfish", "hunter2") in [
        (c.name, c.before, c.after) for c in shown.env_changes
    ]


def test_scaling_rolling_update_and_recreate() -> None:
    s = three()
    p = make_plan(s, TargetSpec.revision(2))
    assert (p.scaling.strategy, p.scaling.max_surge, p.scaling.max_unavailable) == (
        "RollingUpdate",
        1,
        0,
    )
    assert p.scaling.steps[0] == (
        f"ReplicaSet {s.rs_name(2)} (revision 2) already has 3 replicas and stays at 3; its 3 "
        "Ready pods keep "
        "serving; at most 4 pods in total during the rollout (maxSurge 25% = 1)"
    )
    assert p.scaling.steps[1] == (
        f"ReplicaSet {s.rs_name(3)} (revision 3) scales down from 1 to 0; at least 3 pods stay "
        "available "
        "(maxUnavailable 25% = 0)"
    )
    assert p.scaling.steps[-1].startswith("revision 2 becomes revision 4")
    assert [(m.revision, m.from_replicas, m.to_replicas) for m in p.scaling.moves] == [
        (2, 3, 3),
        (3, 1, 0),
    ]
    s.deployment["spec"]["strategy"] = {"type": "Recreate"}
    p = make_plan(s, TargetSpec.revision(1))
    assert p.scaling.strategy == "Recreate" and p.scaling.max_surge is None
    assert "scales down from 1 to 0 first (Recreate" in p.scaling.steps[0]
    assert p.scaling.steps[-2].startswith(
        f"then replicaSet {s.rs_name(1)} (revision 1) scales up from 0 to 3"
    )


def codes(p: RollbackPlan) -> list[str]:
    return list(p.warning_codes())


def message(p: RollbackPlan, code: str) -> str:
    return next(w.message for w in p.warnings if w.code == code)


def test_helm_argo_flux_last_applied_warnings() -> None:
    s = three()
    meta = s.deployment["metadata"]
    meta["annotations"]["meta.helm.sh/release-name"] = "shop"
    p = make_plan(s)
    assert message(p, "managed-by-helm") == (
        "deployment.apps/web is managed by Helm (release shop): the next helm upgrade/rollback "
        "will revert it; "
        "use helm rollback shop instead"
    )
    meta["annotations"]["argocd.argoproj.io/tracking-id"] = "shop-app:apps/Deployment:default/web"
    meta["labels"]["helm.toolkit.fluxcd.io/name"] = "shop"
    meta["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = "{}"
    p = make_plan(s)
    assert (
        "auto-sync will revert the rollback; change Git or use argocd app rollback shop-app"
        in message(p, "managed-by-argocd")
    )
    assert "(HelmRelease shop): reconciliation will revert the rollback; suspend it" in message(
        p, "managed-by-flux"
    )
    assert "a later kubectl apply of its manifest will undo the rollback" in message(
        p, "last-applied-configuration"
    )
    # last-applied is never copied back from the RS, and stays on the Deployment untouched.
    assert p.patch[2]["value"]["kubectl.kubernetes.io/last-applied-configuration"] == "{}"
    assert "managed-by-helm" not in codes(make_plan(three()))


def test_hpa_warning_and_not_rolled_back() -> None:
    s = three()
    p = make_plan(s, hpas=[hpa("web-hpa", "web")])
    assert message(p, "hpa") == (
        "HorizontalPodAutoscaler web-hpa scales deployment.apps/web (min 2, max 10): replicas are "
        "not rolled "
        "back and stay under its control"
    )
    assert "HorizontalPodAutoscaler: unchanged (web-hpa)" in p.not_rolled_back
    assert p.not_rolled_back[0] == "replicas: stay at 3 (spec.replicas is not part of a revision)"
    assert "hpa" not in codes(make_plan(s, hpas=[hpa("api-hpa", "api")]))


def _with_references() -> Scenario:
    s = Scenario()
    env_from = [
        {"configMapRef": {"name": "web-config"}},
        {"secretRef": {"name": "web-env", "optional": True}},
    ]
    c = container(image="nginx:1.24", envFrom=env_from)
    c["env"] = [{"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db-creds", "key": "url"}}}]
    volumes = [
        {"name": "certs", "secret": {"secretName": "tls"}},
        {"name": "all", "projected": {"sources": [{"configMap": {"name": "extra"}}]}},
    ]
    s.deploy(template=pod_template(containers=[c], volumes=volumes))
    s.deploy("nginx:1.25")
    return s


def test_missing_references_only_when_checked() -> None:
    s = _with_references()
    p = make_plan(
        s, TargetSpec.revision(1), configmaps=[configmap("web-config")], secrets=[secret("tls")]
    )
    assert p.references.configmaps == ("extra", "web-config") and p.references.secrets == (
        "db-creds",
        "tls",
    )
    assert [w.message for w in p.warnings if w.code == "missing-reference"] == [
        'revision 1 references ConfigMap "extra", which no longer exists in namespace default: '
        "its pods will not start",
        'revision 1 references Secret "db-creds", which no longer exists in namespace default: '
        "its pods will not start",
    ]
    unchecked = make_plan(s, TargetSpec.revision(1))
    assert "missing-reference" not in codes(unchecked)
    assert message(unchecked, "references-not-checked") == (
        "ConfigMaps and Secrets referenced by revision 1 were not checked for existence"
    )
    assert not unchecked.references.configmaps_checked


def test_history_limit_warnings() -> None:
    s = Scenario()
    for tag in ("1", "2", "3", "4"):
        s.deploy(f"app:{tag}")
    s.deployment["spec"]["revisionHistoryLimit"] = 3
    p = make_plan(s, TargetSpec.revision(1))
    assert message(p, "history-limit") == (
        "revision 1 is the oldest revision kept under revisionHistoryLimit 3 (3 old ReplicaSets): "
        "the next rollout would garbage-collect it"
    )
    assert "history-limit" not in codes(make_plan(s, TargetSpec.revision(2)))
    s.deployment["spec"]["revisionHistoryLimit"] = 0
    p = make_plan(s, TargetSpec.revision(3))
    assert any(
        "lets the controller delete revision" in w.message and "4" in w.message for w in p.warnings
    )


def test_fallback_and_failed_target_warnings_reach_the_plan() -> None:
    s = Scenario()
    for tag in ("1", "2", "3"):
        s.deploy(f"app:{tag}")
    assert "fallback" in codes(make_plan(s))
    s.rs(1)["metadata"]["annotations"]["kubectl-rollback.io/outcome"] = "failed"
    assert "target-failed" in codes(make_plan(s, TargetSpec.revision(1)))


def test_to_dict_is_stable_json() -> None:
    s = three()
    p = make_plan(s)
    doc = documents.rollback_plan(p)
    assert json.loads(json.dumps(doc)) == doc
    assert (doc["apiVersion"], doc["kind"]) == ("kubectl-rollback.io/v1", "RollbackPlan")
    assert doc["from"]["revision"] == 3 and doc["to"]["revision"] == 2
    assert doc["to"]["health"] == Verdict.SUCCESS.value
    assert doc["createdAt"] == "2024-05-01T12:00:00Z"
    assert doc["patch"][0]["op"] == "test"
    assert set(doc) >= {
        "why",
        "kubectlWouldPick",
        "imageChanges",
        "templateDiff",
        "scaling",
        "annotationChanges",
        "warnings",
        "refusal",
        "noop",
        "notRolledBack",
        "resourceVersion",
        "changeCause",
    }
    assert documents.rollback_plan(make_plan(s)) == doc


# ------------------------------------------------------------------ properties

images = st.text("abcdefghijklmnop0123456789.-", min_size=1, max_size=10).map(lambda t: f"app:{t}")
envs = st.dictionaries(
    st.sampled_from(["A", "SECRET_KEY", "MODE", "TOKEN"]), st.text(max_size=8), max_size=3
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(images, envs),
        min_size=2,
        max_size=5,
        unique_by=lambda t: (t[0], tuple(sorted(t[1].items()))),
    ),
    st.data(),
)
def test_patch_template_is_rs_template_minus_hash(
    revisions: list[tuple[str, dict[str, str]]], data: st.DataObject
) -> None:
    s = Scenario()
    for image, env in revisions:
        s.deploy(template=pod_template(image, env=env or None))
    h = build(s)
    candidates = [r for r in h.revisions if not r.current]
    target = data.draw(st.sampled_from(candidates))
    p = plan_rollback(
        h, choose_target(h, TargetSpec.replicaset(target.object_name)), actor=None, now=NOW
    )
    rs = next(r for r in s.replicasets if r["metadata"]["name"] == target.object_name)
    expected = copy.deepcopy(rs["spec"]["template"])
    del expected["metadata"]["labels"]["pod-template-hash"]
    assert p.patch[1]["value"] == expected
    assert yaml.safe_load(to_yaml(expected)) == expected
    masked = mask_template(expected)
    for env in masked["spec"]["containers"][0].get("env", []):
        if env["name"] in ("SECRET_KEY", "TOKEN"):
            assert env["value"] == "***"
