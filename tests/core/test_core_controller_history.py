"""StatefulSet/DaemonSet histories from ControllerRevisions: revisions, evidence, target choice,
plan, status."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_rollback.core import documents
from kubectl_rollback.core.controller_history import ControllerHistory, build_controller_history
from kubectl_rollback.core.controller_plan import plan_controller_rollback
from kubectl_rollback.core.controller_status import (
    NOT_ROLLING,
    daemonset_status,
    statefulset_status,
)
from kubectl_rollback.core.errors import NoHealthyTarget, NoHistory, TargetIsCurrent
from kubectl_rollback.core.evidence import outcome_record_patch
from kubectl_rollback.core.kinds import kind_named
from kubectl_rollback.core.model import Verdict
from kubectl_rollback.core.target import TargetSpec, choose_target, kubectl_default, parse_target
from tests.core.controller_factory import Controller
from tests.core.factory import NOW


def history(c: Controller, **kwargs: object) -> ControllerHistory:
    return build_controller_history(c.workload, c.revisions, c.pods, now=NOW, **kwargs)  # type: ignore[arg-type]


def three_good(kind: str = "StatefulSet") -> Controller:
    c = Controller(kind)
    for image in ("postgres:15.4", "postgres:15.5", "postgres:16.1"):
        c.deploy(image)
        c.complete()
    return c


def crash_stuck() -> Controller:
    """1 good; 2 crashes on db-2 while db-0, db-1 still serve 1; 3 asked for but not started."""
    c = Controller()
    one = c.deploy("postgres:15.4")
    c.complete()
    two = c.deploy("postgres:crash-15.5")
    c.pods = [c.pod(one, 0), c.pod(one, 1), c.pod(two, 2, ready=False, waiting="CrashLoopBackOff")]
    c.workload["status"].update({"currentRevision": one, "readyReplicas": 2, "updatedReplicas": 1})
    c.deploy("postgres:16.1")
    return c


def record(c: Controller, number: int, verdict: Verdict) -> None:
    name = c.name_of(number)
    patch = outcome_record_patch(verdict, "followed", NOW, revision_object=name)
    c.revision(number)["metadata"].setdefault("annotations", {}).update(
        patch["metadata"]["annotations"]
    )


# ------------------------------------------------------------------ history


def test_revisions_from_controller_revisions() -> None:
    c = three_good()
    h = history(c)
    assert [r.number for r in h.revisions] == [3, 2, 1]
    assert h.current is h.revisions[0] and h.current.object_name == c.name_of(3)
    first = h.revision(1)
    assert first is not None
    assert first.object_kind == "ControllerRevision"
    assert first.pod_template_hash == c.name_of(1).removeprefix("db-")
    assert first.image_summary == "postgres:15.4"
    assert "$patch" not in first.template and "creationTimestamp" not in first.template["metadata"]
    assert h.revision_data[first.object_name] == c.revision(1)["data"]
    assert h.ref.display == "statefulset.apps/db"


def test_revisions_of_another_owner_are_ignored() -> None:
    c = three_good()
    c.revisions[0]["metadata"]["ownerReferences"][0]["uid"] = "someone-else"
    assert [r.number for r in history(c).revisions] == [3, 2]


def test_completed_statefulset_rollout_is_success_for_the_current_revision_only() -> None:
    h = history(three_good())
    assert h.current is not None and h.current.health is Verdict.SUCCESS
    assert h.current.evidence[0].source == "rollout"
    assert all(r.health is Verdict.UNKNOWN for r in h.old_revisions)


def test_unfinished_statefulset_rollout_is_no_evidence() -> None:
    c = three_good()
    c.workload["status"]["currentRevision"] = c.name_of(2)
    h = history(c)
    assert h.current is not None and not any(e.source == "rollout" for e in h.current.evidence)


def test_daemonset_pods_are_matched_by_hash() -> None:
    c = Controller("DaemonSet", "agent")
    one = c.deploy("agent:1")
    c.complete()
    two = c.deploy("agent:crash-2")
    c.pods = [c.pod(one, 0), c.pod(one, 1), c.pod(two, 2, ready=False, waiting="CrashLoopBackOff")]
    h = history(c)
    assert h.revision(2).health is Verdict.FAILURE  # type: ignore[union-attr]
    assert h.revision(1).health is Verdict.SUCCESS  # type: ignore[union-attr]
    assert "still serving 2 Ready pods while revision 2 is failing" in h.revision(1).health_reason  # type: ignore[union-attr]
    assert h.strategy.type == "RollingUpdate" and h.strategy.max_unavailable == 1


def test_crashing_pods_fail_their_revision_and_old_ready_pods_succeed() -> None:
    h = history(crash_stuck())
    assert h.current is not None and h.current.number == 3 and h.current.health is Verdict.UNKNOWN
    assert h.revision(2).health is Verdict.FAILURE  # type: ignore[union-attr]
    assert h.revision(2).health_reason == "1 pod in CrashLoopBackOff"  # type: ignore[union-attr]
    assert h.revision(1).health is Verdict.SUCCESS  # type: ignore[union-attr]
    assert h.unready_pods == ("db-2",)


def test_records_on_controller_revisions_are_evidence() -> None:
    c = three_good()
    record(c, 1, Verdict.FAILURE)
    record(c, 2, Verdict.SUCCESS)
    h = history(c)
    assert h.revision(1).health is Verdict.FAILURE  # type: ignore[union-attr]
    [evidence] = h.revision(2).evidence  # type: ignore[union-attr]
    assert evidence.verdict is Verdict.SUCCESS and evidence.source == "record"


def test_a_record_about_another_revision_is_ignored() -> None:
    c = three_good()
    record(c, 1, Verdict.FAILURE)
    annotations = c.revision(1)["metadata"]["annotations"]
    c.revision(2)["metadata"]["annotations"] = dict(
        annotations
    )  # copied along, as annotations travel
    assert history(c).revision(2).health is Verdict.UNKNOWN  # type: ignore[union-attr]


# ------------------------------------------------------------------ target choice


def test_default_target_skips_the_crashing_revision() -> None:
    h = history(crash_stuck())
    choice = choose_target(h)
    assert choice.revision.number == 1
    assert choice.kubectl_would_pick is not None and choice.kubectl_would_pick.number == 2
    assert kubectl_default(h) is h.revision(2)


def test_fallback_to_previous_without_success_evidence() -> None:
    choice = choose_target(history(three_good()))
    assert choice.revision.number == 2 and choice.kubectl_would_pick is None
    assert [w.code for w in choice.warnings] == ["fallback"]
    with pytest.raises(NoHealthyTarget):
        choose_target(history(three_good()), require_healthy=True)


def test_no_last_revision_in_kubectl_words() -> None:
    c = Controller()
    c.deploy("postgres:15.4")
    c.complete()
    with pytest.raises(NoHistory, match="^no last revision to roll back to$"):
        choose_target(history(c))


@pytest.mark.parametrize("how", ["number", "name", "hash", "image", "cr-prefix"])
def test_explicit_targets(how: str) -> None:
    c = three_good()
    name = c.name_of(1)
    text = {
        "number": "1",
        "name": name,
        "hash": name.removeprefix("db-"),
        "image": "postgres:15.4",
        "cr-prefix": f"cr:{name}",
    }[how]
    assert choose_target(history(c), parse_target(text, deployment="db")).revision.number == 1


def test_explicit_current_is_refused() -> None:
    with pytest.raises(TargetIsCurrent):
        choose_target(history(three_good()), TargetSpec.revision(3))


# ------------------------------------------------------------------ plan


def test_plan_patch_is_the_revision_data_plus_precondition_and_change_cause() -> None:
    c = three_good()
    h = history(c)
    plan = plan_controller_rollback(
        h, choose_target(h, TargetSpec.revision(1)), actor="alice", now=NOW
    )
    assert plan.patch_type == "strategic-merge"
    (body,) = plan.patch
    assert body["spec"] == c.revision(1)["data"]["spec"]
    assert body["metadata"] == {
        "resourceVersion": c.workload["metadata"]["resourceVersion"],
        "annotations": {"kubernetes.io/change-cause": plan.change_cause},
    }
    assert plan.change_cause == (
        "kubectl-rollback: rolled back from revision 3 (postgres:16.1) to revision 1 "
        "(postgres:15.4) by alice"
    )
    assert plan.new_revision_number == 4
    assert [c.line for c in plan.image_changes] == ["container app: postgres:16.1 -> postgres:15.4"]
    diff = plan.template_diff.splitlines()
    assert any(line.startswith("-") and "image: postgres:16.1" in line for line in diff)
    assert any(line.startswith("+") and "image: postgres:15.4" in line for line in diff)
    assert plan.refusal is None and plan.noop is None
    assert any("highest ordinal down" in s for s in plan.scaling.steps)
    assert any("PersistentVolumeClaims" in line for line in plan.not_rolled_back)
    doc = documents.rollback_plan(plan)
    assert doc["to"]["controllerRevision"] == c.name_of(1) and "replicaSet" not in doc["to"]
    assert doc["patchType"] == "strategic-merge"
    assert doc["patch"][0]["spec"]["template"]["$patch"] == "replace"
    json.dumps(doc)


def test_plan_masks_secret_looking_env_in_the_document() -> None:
    c = Controller()
    c.deploy("postgres:15.4", DB_PASSWORD="hunter2")
    c.complete()
    c.deploy("postgres:16.1", DB_PASSWORD="hunter3")
    c.complete()
    h = history(c)
    plan = plan_controller_rollback(h, choose_target(h), actor=None, now=NOW)
    assert "hunter" not in json.dumps(documents.rollback_plan(plan))
    assert "hunter2" in json.dumps(plan.patch)  # the patch sent is exact


def test_plan_noop_when_the_template_already_matches() -> None:
    c = three_good()
    c.workload["spec"]["template"] = json.loads(
        json.dumps(c.revision(1)["data"]["spec"]["template"])
    )
    h = history(c)
    plan = plan_controller_rollback(
        h, choose_target(h, TargetSpec.revision(1), allow_current=True), actor=None, now=NOW
    )
    assert (
        plan.noop
        == "statefulset.apps/db skipped rollback (current template already matches revision 1)"
    )


@pytest.mark.parametrize(
    ("strategy", "code"),
    [
        ({"type": "OnDelete"}, "on-delete"),
        ({"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}, "partition"),
    ],
)
def test_update_strategy_warnings(strategy: dict[str, object], code: str) -> None:
    c = three_good()
    c.workload["spec"]["updateStrategy"] = strategy
    h = history(c)
    plan = plan_controller_rollback(h, choose_target(h), actor=None, now=NOW)
    assert code in plan.warning_codes()
    if code == "on-delete":
        assert any("NOTHING is rolled back" in w.message for w in plan.warnings)
        assert plan.scaling.strategy == "OnDelete"
    else:
        assert any("db-0, db-1 keep their current revision" in s for s in plan.scaling.steps)


def test_statefulset_specific_warnings() -> None:
    c = crash_stuck()
    c.workload["spec"]["volumeClaimTemplates"] = [{"metadata": {"name": "data"}}]
    h = history(c)
    plan = plan_controller_rollback(h, choose_target(h), actor=None, now=NOW)
    assert {"stuck-pods", "volume-claims"} <= set(plan.warning_codes())
    assert any("kubectl delete pod -n default db-2" in w.message for w in plan.warnings)


def test_a_parallel_statefulset_is_not_said_to_wait_for_its_pods() -> None:
    # Its controller replaces a pod that is not Ready instead of waiting for it (only
    # OrderedReady gets stuck, the Kubernetes "forced rollback" case), as blocking_pods has it
    # (tests/core/test_core_pods.py).
    c = crash_stuck()
    c.workload["spec"]["podManagementPolicy"] = "Parallel"
    h = history(c)
    assert h.unready_pods  # they are not Ready: still no advice to delete them
    plan = plan_controller_rollback(h, choose_target(h), actor=None, now=NOW)
    assert "stuck-pods" not in plan.warning_codes()
    # Nor does the guard delete them for a forced rollback; OrderedReady's are.
    assert kind_named("StatefulSet").stuck_pods(h) == ()
    ordered = history(crash_stuck())
    assert kind_named("StatefulSet").stuck_pods(ordered) == ordered.unready_pods != ()


def test_daemonset_plan_update_steps_and_owner_warning() -> None:
    c = three_good("DaemonSet")
    c.workload["metadata"]["labels"] = {"app.kubernetes.io/managed-by": "Helm"}
    c.workload["spec"]["updateStrategy"] = {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "50%"},
    }
    h = history(c)
    plan = plan_controller_rollback(h, choose_target(h), actor=None, now=NOW)
    assert plan.scaling.max_surge == 2 and plan.scaling.max_unavailable == 0
    assert "starts before the old one is removed" in plan.scaling.steps[0]
    assert "managed-by-helm" in plan.warning_codes()
    assert plan.ref.display == "daemonset.apps/db"


# ------------------------------------------------------------------ status (kubectl wording)


def _sts(**status: object) -> dict[str, object]:
    return {
        "metadata": {"name": "db", "generation": 2},
        "spec": {
            "replicas": 3,
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        },
        "status": {"observedGeneration": 2, **status},
    }


@pytest.mark.parametrize(
    ("status", "message", "done"),
    [
        ({"observedGeneration": 1}, "Waiting for statefulset spec update to be observed...", False),
        ({"readyReplicas": 2}, "Waiting for 1 pods to be ready...", False),
        (
            {"readyReplicas": 3, "updatedReplicas": 1},
            "Waiting for partitioned roll out to finish: 1 out of 3 new pods have been updated...",
            False,
        ),
        (
            {"readyReplicas": 3, "updatedReplicas": 3},
            "partitioned roll out complete: 3 new pods have been updated...",
            True,
        ),
    ],
)
def test_statefulset_status(status: dict[str, object], message: str, done: bool) -> None:
    result = statefulset_status(_sts(**status))
    assert (result.message, result.done, result.failed) == (message, done, False)


def test_statefulset_status_without_rolling_update_parameters() -> None:
    sts = _sts(
        readyReplicas=3,
        updatedReplicas=3,
        currentReplicas=3,
        currentRevision="db-a",
        updateRevision="db-b",
    )
    sts["spec"] = {"replicas": 3, "updateStrategy": {"type": "RollingUpdate"}}
    assert (
        statefulset_status(sts).message
        == "waiting for statefulset rolling update to complete 3 pods at revision db-b..."
    )
    sts["status"]["currentRevision"] = "db-b"  # type: ignore[index]
    assert (
        statefulset_status(sts).message
        == "statefulset rolling update complete 3 pods at revision db-b..."
    )
    sts["spec"] = {"replicas": 3, "updateStrategy": {"type": "OnDelete"}}
    assert statefulset_status(sts).failed and statefulset_status(sts).message == NOT_ROLLING


@pytest.mark.parametrize(
    ("status", "message", "done"),
    [
        ({"observedGeneration": 1}, "Waiting for daemon set spec update to be observed...", False),
        (
            {"desiredNumberScheduled": 3, "updatedNumberScheduled": 1},
            'Waiting for daemon set "agent" rollout to finish: 1 out of 3 new pods have been '
            "updated...",
            False,
        ),
        (
            {"desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 2},
            'Waiting for daemon set "agent" rollout to finish: 2 of 3 updated pods are '
            "available...",
            False,
        ),
        (
            {"desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 3},
            'daemon set "agent" successfully rolled out',
            True,
        ),
    ],
)
def test_daemonset_status(status: dict[str, object], message: str, done: bool) -> None:
    ds = {
        "metadata": {"name": "agent", "generation": 2},
        "spec": {"updateStrategy": {"type": "RollingUpdate"}},
        "status": {"observedGeneration": 2, **status},
    }
    result = daemonset_status(ds)
    assert (result.message, result.done) == (message, done)


# ------------------------------------------------------------------ property


_STATES = st.sampled_from(["plain", "crash", "serving", "record-ok", "record-failed"])


@settings(max_examples=150, deadline=None)
@given(
    states=st.lists(_STATES, min_size=1, max_size=7),
    current_back=st.integers(min_value=0, max_value=3),
    kind=st.sampled_from(["StatefulSet", "DaemonSet"]),
)
def test_default_target_property(states: list[str], current_back: int, kind: str) -> None:
    """Never the current revision, never one with failure evidence, never older than a newer
    successful candidate; kubectl's pick is the second-highest number."""
    c = Controller(kind)
    for i, _ in enumerate(states):
        c.deploy(f"img:{i}")
    # Roll the template back to an older revision (it is renumbered) some of the time.
    if current_back and current_back < len(states):
        c.deploy(f"img:{len(states) - 1 - current_back}")
    pods = []
    for number, state in zip(sorted(r["revision"] for r in c.revisions), states, strict=True):
        name = c.name_of(number)
        if state == "crash":
            pods.append(c.pod(name, number, ready=False, waiting="ImagePullBackOff"))
        elif state == "serving":
            pods.append(c.pod(name, number))
        elif state.startswith("record"):
            record(c, number, Verdict.SUCCESS if state == "record-ok" else Verdict.FAILURE)
    c.pods = pods
    h = history(c)
    try:
        choice = choose_target(h)
    except (NoHistory, NoHealthyTarget):
        return
    chosen = choice.revision
    assert not chosen.current
    assert chosen.health is not Verdict.FAILURE
    ceiling = h.current.number if h.current else max(r.number for r in h.revisions) + 1
    newer = [r for r in h.revisions if chosen.number < r.number < ceiling and not r.current]
    assert all(r.health is not Verdict.SUCCESS for r in newer)
    if chosen.health is not Verdict.SUCCESS:
        assert [w.code for w in choice.warnings] == ["fallback"]
    pick = kubectl_default(h)
    assert pick is not None and pick.number == sorted(r.number for r in h.revisions)[-2]
