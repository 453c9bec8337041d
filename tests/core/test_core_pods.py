"""The pods of a rollout (core/pods.py): each pod's state, grouping by revision, and which pods
stop a StatefulSet's rollout for good."""

from __future__ import annotations

from typing import Any

from kubectl_rollback.core.model import WorkloadRef
from kubectl_rollback.core.pods import blocking_pods, pod_state, stuck_advice

LABEL = "controller-revision-hash"


def pod(
    name: str,
    revision: str,
    *,
    ready: bool = False,
    phase: str = "Running",
    waiting: str | None = None,
    terminated: str | None = None,
    restarts: int = 0,
    deleting: bool = False,
    init_waiting: str | None = None,
) -> dict[str, Any]:
    state: dict[str, Any] = {"running": {}}
    if waiting:
        state = {"waiting": {"reason": waiting, "message": f"  {waiting}\n happened "}}
    if terminated:
        state = {"terminated": {"reason": terminated, "exitCode": 1}}
    status: dict[str, Any] = {
        "phase": phase,
        "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        "containerStatuses": [{"name": "app", "state": state, "restartCount": restarts}],
    }
    if init_waiting:
        status["initContainerStatuses"] = [
            {"name": "init", "state": {"waiting": {"reason": init_waiting}}}
        ]
    meta: dict[str, Any] = {
        "name": name,
        "labels": {LABEL: revision},
        "ownerReferences": [{"kind": "StatefulSet", "name": "db", "controller": True}],
    }
    if deleting:
        meta["deletionTimestamp"] = "2026-03-02T09:30:00Z"
    return {"metadata": meta, "status": status}


def test_pod_states_read_as_kubectl_shows_them_with_ready_told_apart() -> None:
    def state(**kwargs: Any) -> str:
        return pod_state(pod("db-0", "r1", **kwargs), LABEL).state

    assert state(ready=True) == "Ready"
    assert state() == "Running"
    assert state(phase="Pending", waiting="ImagePullBackOff") == "ImagePullBackOff"
    assert state(waiting="CrashLoopBackOff") == "CrashLoopBackOff"
    assert state(phase="Pending", waiting="ErrImagePull") == "ErrImagePull"
    assert state(phase="Pending", waiting="ContainerCreating") == "ContainerCreating"
    assert state(phase="Pending", init_waiting="ImagePullBackOff") == "Init:ImagePullBackOff"
    assert state(terminated="Error") == "Error"
    assert state(ready=True, deleting=True) == "Terminating"
    crash = pod_state(pod("db-2", "r2", waiting="CrashLoopBackOff", restarts=4), LABEL)
    assert crash.failing and crash.ordinal == 2 and crash.revision_label == "r2"
    assert crash.reason == "CrashLoopBackOff, 4 restarts"
    assert crash.message == "CrashLoopBackOff happened"
    assert pod_state(pod("db-0", "r1", restarts=1), LABEL).reason == "Running, 1 restart"


def sts(**spec: Any) -> dict[str, Any]:
    return {
        "kind": "StatefulSet",
        "metadata": {"generation": 4},
        "spec": spec,
        "status": {"observedGeneration": 4, "updateRevision": "r1", "currentRevision": "r2"},
    }


def views() -> list[Any]:
    return [
        pod_state(pod("db-0", "r1", ready=True), LABEL),
        pod_state(pod("db-1", "r1", ready=True), LABEL),
        pod_state(pod("db-2", "r2", waiting="CrashLoopBackOff", restarts=3), LABEL),
    ]


def test_a_pod_not_ready_on_an_old_revision_blocks_an_ordered_statefulset() -> None:
    blocking = blocking_pods(sts(), views())
    assert [p.name for p in blocking] == ["db-2"]
    ref = WorkloadRef("StatefulSet", "shop", "db")
    assert stuck_advice(ref, blocking) == (
        "statefulset.apps/db is stuck: pod db-2 (CrashLoopBackOff, 3 restarts) is not Ready on "
        "an old revision, and the StatefulSet controller replaces no pod while one is not "
        "Ready; delete it to let the rollout go on: kubectl delete pod -n shop db-2"
    )
    assert stuck_advice(ref, ()) is None


def test_nothing_blocks_where_the_controller_replaces_unready_pods_itself() -> None:
    assert blocking_pods(sts(podManagementPolicy="Parallel"), views()) == ()
    assert blocking_pods(sts(updateStrategy={"type": "OnDelete"}), views()) == ()
    not_observed = sts()
    not_observed["status"]["observedGeneration"] = 3
    assert blocking_pods(not_observed, views()) == ()
    daemonset = {**sts(), "kind": "DaemonSet"}
    assert blocking_pods(daemonset, views()) == ()
    # A crashing pod on the update revision is the rollout failing, not the controller waiting.
    on_target = [pod_state(pod("db-2", "r1", waiting="CrashLoopBackOff"), LABEL)]
    assert blocking_pods(sts(), on_target) == ()
    going = [pod_state(pod("db-2", "r2", deleting=True), LABEL)]
    assert blocking_pods(sts(), going) == ()
