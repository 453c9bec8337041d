"""The rollback use case against an in-memory gateway: reads, execute with its precondition,
follow."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from kubectl_rollback.core import documents, execution
from kubectl_rollback.core.errors import Conflict, Forbidden, Refused
from kubectl_rollback.core.evidence import OUTCOME_ANNOTATION, OUTCOME_REPLICASET_ANNOTATION
from kubectl_rollback.core.execution import execute, follow
from kubectl_rollback.core.kinds import kind_named
from kubectl_rollback.core.model import Verdict, WorkloadRef
from kubectl_rollback.core.rollback import load, plan, prepare
from kubectl_rollback.core.status import RolloutStatus
from kubectl_rollback.core.target import TargetSpec
from tests.core.factory import NOW, Scenario, configmap, container, pod_template, secret
from tests.core.fake_gateway import FakeGateway

REF = WorkloadRef("Deployment", "default", "web")


def healthy() -> Scenario:
    s = Scenario()
    s.deploy("nginx:1.24")
    s.deploy("nginx:1.25")
    return s


def crashing() -> Scenario:
    s = Scenario()
    s.deploy("nginx:1.25")
    s.deploy("nginx:broken", outcome="deadline", waiting="ImagePullBackOff", stuck_pods=3)
    s.deploy("nginx:crash-1", outcome="stuck", waiting="CrashLoopBackOff")
    return s


def gateway(s: Scenario, **kwargs: Any) -> FakeGateway:
    return FakeGateway(s.deployment, s.replicasets, s.pods, **kwargs)


def clock(step: timedelta = timedelta(seconds=1)) -> Callable[[], datetime]:
    state = [NOW]

    def now() -> datetime:
        state[0] += step
        return state[0]

    return now


# ------------------------------------------------------------------ load


def test_complete_rollout_needs_no_pod_list() -> None:
    gw = gateway(healthy())
    h = load(gw, REF, now=NOW)
    # Nothing references a ConfigMap or Secret and Harness did not deploy it: no such lists.
    assert gw.methods() == ["get deployments", "list replicasets", "list horizontalpodautoscalers"]
    assert gw.calls[1][1] == ("default", "app=web")
    assert h.current is not None and h.current.number == 2
    assert h.configmap_names == frozenset() and h.secret_names == frozenset()


def test_harness_marked_workload_reads_the_release_history() -> None:
    s = healthy()
    s.deployment["metadata"].setdefault("labels", {})["harness.io/release-name"] = "web"
    gw = gateway(s)
    load(gw, REF, now=NOW)
    assert gw.methods() == [
        "get deployments",
        "list replicasets",
        "list configmaps",
        "list secrets",
        "list horizontalpodautoscalers",
    ]
    # Every Secret: a legacy history Secret named after the release carries no labels.
    assert gw.calls[3][1] == ("default", None)


def test_harness_marks_on_the_pod_template_only_are_found() -> None:
    """Harness puts harness.io/release-name on the pod template, not on the workload."""
    s = healthy()
    s.deployment["spec"]["template"]["metadata"]["labels"]["harness.io/release-name"] = "web"
    gw = gateway(s)
    load(gw, REF, now=NOW)
    assert "list configmaps" in gw.methods() and "list secrets" in gw.methods()


def test_stuck_rollout_lists_pods_with_the_selector() -> None:
    gw = gateway(crashing())
    h = load(gw, REF, now=NOW)
    assert ("list pods", ("default", "app=web")) in gw.calls
    assert h.revision(1).health is Verdict.SUCCESS  # type: ignore[union-attr]


def test_secret_references_list_all_secrets_and_forbidden_degrades() -> None:
    s = Scenario()
    c = container(image="nginx:1.24", envFrom=[{"secretRef": {"name": "web-env"}}])
    s.deploy(template=pod_template(containers=[c]))
    s.deploy("nginx:1.25")
    gw = gateway(s, secrets=[secret("web-env")], configmaps=[configmap("x")])
    h = load(gw, REF, now=NOW)
    assert ("list secrets", ("default", None)) in gw.calls
    assert h.secret_names == frozenset({"web-env"})
    gw = gateway(s, forbidden=frozenset({"list secrets", "list configmaps"}))
    h = load(gw, REF, now=NOW)
    # Secrets: referenced but not allowed to look ("not checked"); ConfigMaps: none referenced.
    assert h.secret_names is None and h.configmap_names == frozenset()
    assert "list configmaps" not in gw.methods()


def test_minimal_reads_when_options_are_off() -> None:
    gw = gateway(healthy())
    load(gw, REF, now=NOW, references=False, harness=False, hpas=False)
    assert gw.methods() == ["get deployments", "list replicasets"]


# ------------------------------------------------------------------ execute


def test_execute_applies_the_patch_and_records_an_event() -> None:
    s = crashing()
    gw = gateway(s)
    p = prepare(gw, REF, now=NOW).plan(now=NOW)
    assert p.actor == "alice" and p.to_revision.number == 1
    result = execute(gw, p, dry_run=False)
    assert result.applied and not result.noop
    assert result.message == "deployment.apps/web rolled back"
    expected = copy.deepcopy(s.rs(1)["spec"]["template"])
    del expected["metadata"]["labels"]["pod-template-hash"]
    assert gw.deployment["spec"]["template"] == expected
    assert gw.deployment["metadata"]["annotations"]["kubernetes.io/change-cause"] == p.change_cause
    [event] = gw.events
    assert event["reason"] == "RolledBack" and event["type"] == "Normal"
    assert event["message"] == p.change_cause
    assert event["source"] == {"component": "kubectl-rollback"}
    assert event["involvedObject"]["uid"] == s.uid
    assert (
        event["involvedObject"]["resourceVersion"] == gw.deployment["metadata"]["resourceVersion"]
    )
    assert result.event_recorded
    doc = documents.rollback_result(result)
    assert doc["kind"] == "RollbackResult" and doc["plan"]["kind"] == "RollbackPlan"


def test_dry_run_changes_nothing() -> None:
    s = crashing()
    gw = gateway(s)
    before = copy.deepcopy(gw.deployment)
    p = plan(load(gw, REF, now=NOW), actor="bob", now=NOW)
    result = execute(gw, p, dry_run=True)
    assert result.message == "deployment.apps/web rolled back (server dry run)"
    assert gw.deployment == before and gw.events == []
    assert gw.calls[-1][1][-1] is True  # dry_run passed to the gateway


def test_change_after_plan_is_a_conflict_and_nothing_is_applied() -> None:
    gw = gateway(crashing())
    p = plan(load(gw, REF, now=NOW), actor=None, now=NOW)
    # Someone scaled it meanwhile: a spec change, so a new generation.
    gw.deployment["metadata"]["resourceVersion"] = "999"
    gw.deployment["metadata"]["generation"] = gw.deployment["metadata"].get("generation", 1) + 1
    before = copy.deepcopy(gw.deployment)
    with pytest.raises(Conflict) as err:
        execute(gw, p, dry_run=False)
    assert str(err.value) == (
        "deployment.apps/web was changed since the plan was made (resourceVersion "
        f"{p.resource_version} -> 999); "
        "nothing was applied; run again"
    )
    assert gw.deployment == before and gw.events == []


@pytest.mark.parametrize("what", ["annotation", "generation"])
def test_a_spec_or_annotation_change_after_plan_is_never_retried_over(what: str) -> None:
    gw = gateway(crashing())
    p = plan(load(gw, REF, now=NOW), actor=None, now=NOW)
    gw.deployment["metadata"]["resourceVersion"] = "999"
    if what == "annotation":  # kubectl annotate: no new generation, but ours would overwrite it
        gw.deployment["metadata"].setdefault("annotations", {})["team"] = "payments"
    else:
        gw.deployment["metadata"]["generation"] = p.generation + 1  # type: ignore[operator]
    before = copy.deepcopy(gw.deployment)
    with pytest.raises(Conflict, match="changed since the plan was made"):
        execute(gw, p, dry_run=False)
    assert gw.deployment == before


def test_a_status_write_after_plan_is_retried_on_the_new_resource_version() -> None:
    # The controllers write status (a new resourceVersion, the same generation and
    # annotations) between plan and patch: the same change goes on what is there now.
    gw = gateway(crashing())
    p = plan(load(gw, REF, now=NOW), actor=None, now=NOW)
    assert p.generation is not None
    gw.deployment["metadata"]["resourceVersion"] = "999"
    gw.deployment.setdefault("status", {})["observedGeneration"] = p.generation
    result = execute(gw, p, dry_run=False)
    assert result.applied
    sent = [args[2] for method, args in gw.calls if method == "patch deployments"]
    assert len(sent) == 2  # refused once on the planned resourceVersion, then sent again
    assert [op["value"] for op in sent[-1] if op["op"] == "test"] == ["999"]
    assert gw.deployment["spec"]["template"] == kind_named("Deployment").planned_template(p)


def test_noop_sends_nothing() -> None:
    gw = gateway(healthy())
    p = plan(load(gw, REF, now=NOW), TargetSpec.revision(2), actor=None, now=NOW)
    calls = len(gw.calls)
    result = execute(gw, p, dry_run=False)
    assert result.noop and not result.applied
    assert (
        result.message
        == "deployment.apps/web skipped rollback (current template already matches revision 2)"
    )
    assert len(gw.calls) == calls


def test_paused_is_refused_before_any_write() -> None:
    s = healthy()
    s.deployment["spec"]["paused"] = True
    gw = gateway(s)
    p = plan(load(gw, REF, now=NOW), actor=None, now=NOW)
    with pytest.raises(Refused, match="^you cannot rollback a paused deployment; resume it first"):
        execute(gw, p, dry_run=False)
    assert "patch deployments" not in gw.methods()


def test_event_failure_does_not_fail_the_rollback() -> None:
    gw = gateway(crashing(), forbidden=frozenset({"create events"}))
    p = plan(load(gw, REF, now=NOW), actor=None, now=NOW)
    result = execute(gw, p, dry_run=False)
    assert (
        result.applied
        and not result.event_recorded
        and result.event_error == "create events is forbidden"
    )


def test_forbidden_patch_propagates() -> None:
    gw = gateway(crashing(), forbidden=frozenset({"patch deployments"}))
    p = plan(load(gw, REF, now=NOW), actor=None, now=NOW)
    with pytest.raises(Forbidden):
        execute(gw, p, dry_run=False)


# ------------------------------------------------------------------ follow


def _rolled_back(gw: FakeGateway) -> tuple[Scenario, Any]:
    p = plan(load(gw, REF, now=NOW), actor=None, now=NOW)
    execute(gw, p, dry_run=False)
    return Scenario(), p


def _status(
    d: dict[str, Any],
    *,
    observed: int | None = None,
    updated: int,
    replicas: int,
    available: int,
    reason: str = "ReplicaSetUpdated",
    rs: str = "",
) -> dict[str, Any]:
    d = copy.deepcopy(d)
    d["status"].update(
        observedGeneration=observed if observed is not None else d["metadata"]["generation"],
        updatedReplicas=updated,
        replicas=replicas,
        availableReplicas=available,
    )
    d["status"]["conditions"][1].update(reason=reason, message=f'ReplicaSet "{rs}" is progressing.')
    d["metadata"]["resourceVersion"] = str(int(d["metadata"]["resourceVersion"]) + 1)
    return d


def _done(gw: FakeGateway, target: str) -> dict[str, Any]:
    """The Deployment as its controller leaves it once the rollout to ``target`` is complete."""
    return _status(
        gw.deployment,
        updated=3,
        replicas=3,
        available=3,
        reason="NewReplicaSetAvailable",
        rs=target,
    )


def test_follow_until_done_and_record_success() -> None:
    s = crashing()
    gw = gateway(s)
    _, p = _rolled_back(gw)
    target = p.to_revision.object_name
    gw.watch_script = [
        [
            ("MODIFIED", _status(gw.deployment, updated=3, replicas=4, available=3, rs=target)),
            ("BOOKMARK", {"metadata": {"resourceVersion": "5000"}}),
            ("MODIFIED", _done(gw, target)),
        ]
    ]
    seen: list[RolloutStatus] = []
    outcome = follow(
        gw, REF, timeout_seconds=60, now_fn=clock(), on_status=seen.append, expect_revision=target
    )
    assert [st.message for st in seen] == [
        "Waiting for deployment spec update to be observed...",
        'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
        'deployment "web" successfully rolled out',
    ]
    assert outcome.verdict is Verdict.SUCCESS
    assert outcome.revision == target and outcome.record_written
    left = p.from_revision.object_name
    assert [name for name, _ in gw.rs_patches] == [left, target]
    (_, failed), (_, succeeded) = gw.rs_patches
    annotations = succeeded["metadata"]["annotations"]
    assert (
        annotations[OUTCOME_ANNOTATION] == "succeeded"
        and annotations[OUTCOME_REPLICASET_ANNOTATION] == target
    )
    # The revision we left was failing live; its failure is written down before it disappears.
    left_annotations = failed["metadata"]["annotations"]
    assert left_annotations[OUTCOME_ANNOTATION] == "failed"
    assert left_annotations[OUTCOME_REPLICASET_ANNOTATION] == left
    assert left_annotations["kubectl-rollback.io/outcome-reason"].startswith("rolled back from: ")


def test_follow_failure_records_failure_and_exits_4() -> None:
    s = crashing()
    gw = gateway(s)
    _, p = _rolled_back(gw)
    target = p.to_revision.object_name
    failed = _status(
        gw.deployment,
        updated=1,
        replicas=4,
        available=3,
        reason="ProgressDeadlineExceeded",
        rs=target,
    )
    gw.watch_script = [[("MODIFIED", failed)]]
    outcome = follow(
        gw,
        REF,
        timeout_seconds=60,
        now_fn=clock(),
        on_status=lambda _: None,
        expect_revision=target,
    )
    assert outcome.verdict is Verdict.FAILURE
    assert outcome.status.message == 'deployment "web" exceeded its progress deadline'
    assert gw.rs_patches[0][1]["metadata"]["annotations"][OUTCOME_ANNOTATION] == "failed"


def test_a_record_outlasts_a_burst_of_status_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each lost race (409) reads the ReplicaSet again after a pause that grows, bounded.
    paused: list[float] = []
    monkeypatch.setattr(execution.time, "sleep", paused.append)
    gw = gateway(crashing())
    _, p = _rolled_back(gw)
    target = p.to_revision.object_name
    gw.watch_script = [[("MODIFIED", _done(gw, target))]]
    gw.rs_conflicts = execution.RECORD_ATTEMPTS - 1
    outcome = follow(
        gw,
        REF,
        timeout_seconds=60,
        now_fn=clock(),
        on_status=lambda _: None,
        expect_revision=target,
    )
    assert outcome.record_written and outcome.record_error is None
    assert gw.rs_patches[-1][0] == target
    assert paused == [0.05, 0.1, 0.2, 0.4, 0.8, 0.8, 0.8] and sum(paused) < 4
    assert documents.rollout(outcome)["recordError"] is None


def test_a_record_that_loses_every_race_is_said_not_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(execution.time, "sleep", lambda _: None)
    gw = gateway(crashing())
    _, p = _rolled_back(gw)
    target = p.to_revision.object_name
    gw.watch_script = [[("MODIFIED", _done(gw, target))]]
    gw.rs_conflicts = execution.RECORD_ATTEMPTS
    before = list(gw.rs_patches)
    outcome = follow(
        gw,
        REF,
        timeout_seconds=60,
        now_fn=clock(),
        on_status=lambda _: None,
        expect_revision=target,
    )
    assert outcome.verdict is Verdict.SUCCESS and outcome.status.done  # the rollout stands
    assert not outcome.record_written and outcome.revision == target
    assert outcome.record_error is not None
    assert f"ReplicaSet {target} kept changing" in outcome.record_error
    assert f"{execution.RECORD_ATTEMPTS} writes" in outcome.record_error
    assert gw.rs_patches == before
    doc = documents.rollout(outcome)
    assert doc["recordWritten"] is False and doc["recordError"] == outcome.record_error


def test_the_records_of_the_revisions_left_do_not_hold_up_the_rollback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Written before the rollback's answer: a lost race is tried again at once (best effort).
    paused: list[float] = []
    monkeypatch.setattr(execution.time, "sleep", paused.append)
    gw = gateway(crashing())
    gw.rs_conflicts = 2
    _rolled_back(gw)
    assert paused == [] and len(gw.rs_patches) == 1  # the failing revision left, recorded


def test_follow_timeout_records_nothing() -> None:
    gw = gateway(crashing())
    _rolled_back(gw)
    before = list(gw.rs_patches)  # the failure record of the revision we left
    outcome = follow(
        gw, REF, timeout_seconds=5, now_fn=clock(timedelta(seconds=2)), on_status=lambda _: None
    )
    assert outcome.timed_out and outcome.verdict is Verdict.UNKNOWN
    assert gw.rs_patches == before and "watch deployments" in gw.methods()


def test_a_410_mid_follow_resumes_from_a_fresh_get() -> None:
    """The port's promise: an expired watch is an ERROR event; follow GETs again and watches on."""
    gw = gateway(crashing())
    _, p = _rolled_back(gw)
    target = p.to_revision.object_name
    done = _done(gw, target)
    expired = {"kind": "Status", "code": 410, "reason": "Expired", "message": "too old"}
    gw.watch_script = [[("ERROR", expired)], [("MODIFIED", done)]]
    outcome = follow(
        gw,
        REF,
        timeout_seconds=60,
        now_fn=clock(),
        on_status=lambda _: None,
        expect_revision=target,
    )
    assert outcome.verdict is Verdict.SUCCESS and outcome.record_written
    watches = [i for i, m in enumerate(gw.methods()) if m == "watch deployments"]
    assert len(watches) == 2 and "get deployments" in gw.methods()[watches[0] : watches[1]]


# ------------------------------------------------------------------ kinds and warnings


def test_every_kind_is_a_registered_strategy() -> None:
    from kubectl_rollback.core.errors import UsageError
    from kubectl_rollback.core.kinds import KINDS, kind_for, kind_named

    assert [k.kind for k in KINDS] == ["Deployment", "StatefulSet", "DaemonSet"]
    assert kind_for("deploy") is kind_named("Deployment")
    assert kind_for("statefulsets.apps") is kind_named("StatefulSet")
    assert kind_for("DS") is kind_named("DaemonSet") and kind_for("rs") is None
    with pytest.raises(UsageError, match="^ReplicaSet cannot be rolled back: kubectl rollback"):
        kind_named("ReplicaSet")
    for kind in KINDS:
        assert kind.resource.kind == kind.kind and kind.short_name in kind.aliases


def test_the_blue_green_warning_joins_a_plan_that_changes_something_only() -> None:
    from kubectl_rollback.core.model import PlanWarning
    from kubectl_rollback.core.rollback import Prepared

    gw = gateway(crashing())
    warning = PlanWarning("blue-green", "web is the idle side of blue/green group web")
    prepared = Prepared(load(gw, REF, now=NOW), "alice", (warning,))
    assert warning in prepared.plan(now=NOW).warnings
    noop = prepared.plan(TargetSpec.revision(3), now=NOW)
    assert noop.noop is not None and warning not in noop.warnings


def test_a_statefulset_plan_warns_about_its_hpa() -> None:
    from kubectl_rollback.core.kinds import kind_named
    from kubectl_rollback.core.target import choose_target
    from tests.core.controller_factory import Controller
    from tests.core.factory import hpa

    c = Controller("StatefulSet")
    for image in ("postgres:15.4", "postgres:15.5"):
        c.deploy(image)
        c.complete()
    scaler = hpa("db-hpa", "db")
    scaler["spec"]["scaleTargetRef"]["kind"] = "StatefulSet"
    kind = kind_named("StatefulSet")
    history = kind.build_history(
        c.workload, c.revisions, c.pods, configmaps=[], secrets=[], hpas=[scaler], now=NOW
    )
    p = kind.plan(history, choose_target(history), actor=None, now=NOW, show_secrets=False)
    [warning] = [w for w in p.warnings if w.code == "hpa"]
    assert warning.message.startswith("HorizontalPodAutoscaler db-hpa scales statefulset.apps/db")
    assert "HorizontalPodAutoscaler: unchanged (db-hpa)" in p.not_rolled_back
    # A DaemonSet is never scaled by an HPA: the use case does not even list them for one.
    assert kind_named("DaemonSet").lists_autoscalers is False and kind.lists_autoscalers


def test_restore_reads_again_when_a_status_write_races_its_precondition() -> None:
    """Putting a workload back (a release rollback that failed later) survives the
    controllers' status writes: the generation says nobody changed the spec."""
    from kubectl_rollback.core.execution import restore

    gw = gateway(crashing())
    history = load(gw, REF, now=NOW)
    before = copy.deepcopy(gw.deployment)
    result = execute(gw, plan(history, actor=None, now=NOW), dry_run=False)
    real_get = gw.get
    raced = []

    def get_then_status_write(resource: Any, namespace: str, name: str) -> Any:
        obj = real_get(resource, namespace, name)
        if not raced:  # a status write lands between our GET and our PATCH, once
            raced.append(True)
            gw.deployment["metadata"]["resourceVersion"] = str(
                int(gw.deployment["metadata"]["resourceVersion"]) + 1
            )
        return obj

    gw.get = get_then_status_write  # type: ignore[method-assign]
    restore(gw, history, result)
    assert gw.deployment["spec"]["template"] == before["spec"]["template"]
    assert "kubernetes.io/change-cause" not in gw.deployment["metadata"]["annotations"] or (
        gw.deployment["metadata"]["annotations"]["kubernetes.io/change-cause"]
        == before["metadata"].get("annotations", {}).get("kubernetes.io/change-cause")
    )
    assert gw.methods().count("patch deployments") == 3  # the rollback, a lost race, the restore
    # Someone else's spec change since the rollback: not put back, nothing written.
    gw.deployment["metadata"]["generation"] += 1
    with pytest.raises(Conflict, match="was changed since the rollback"):
        restore(gw, history, result)
