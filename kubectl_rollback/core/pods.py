"""The pods of a rollout, per revision: what each pod is doing and why a rollout is stuck.

Pure rules over raw Pod objects (what a LIST or a watch of the workload's pods returns):

- ``pod_state``: one pod as a person reads it: Ready, Running (not Ready), Pending,
  ContainerCreating, ImagePullBackOff, ErrImagePull, CrashLoopBackOff, Terminating,
  Completed..., with its restarts and the container's message (kubectl's STATUS column,
  with Ready told apart from Running).
- ``group_states``: the pods grouped by the revision they were made from (the kind's
  pod label: ``pod-template-hash`` for a Deployment's ReplicaSets,
  ``controller-revision-hash`` for StatefulSets and DaemonSets), the rollout's target first;
  ``owned`` tells the workload's pods from others its selector matches.
- ``blocking_pods`` / ``stuck_advice``: a StatefulSet (podManagementPolicy OrderedReady)
  replaces no pod while one of its pods is not Ready: a pod left on an old revision that
  never becomes Ready stops the rollback's rollout for good (Kubernetes' "forced rollback").
  The advice is the plan's (``stuck-pods`` in controller_plan.py): which pods to delete.
- ``read_stuck_advice``: the same advice read from the cluster (a GET and a LIST), for the
  end of a followed rollout that timed out.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from .api_objects import (
    as_dict,
    as_int,
    as_list,
    controller_uid,
    dig,
    label_selector_string,
    labels_of,
    name_of,
    uid_of,
)
from .errors import Forbidden, NotFound
from .evidence import FAILING_WAIT_REASONS
from .evidence import pod_ready as _ready
from .kinds import kind_named
from .model import Revision, WorkloadRef
from .ports import PODS, ClusterGateway
from .values import value

READY = "Ready"
TERMINATING = "Terminating"


@value
class PodState:
    """One pod as the rollout view shows it."""

    name: str
    revision_label: str
    """The value of the kind's revision label on the pod ("" when it has none)."""
    state: str
    """``Ready``, ``Running`` (not Ready), ``Pending``, ``ImagePullBackOff``, ``Terminating``..."""
    ready: bool
    restarts: int
    message: str = ""
    """The waiting or terminated container's message, if it gave one (one line)."""
    ordinal: int | None = None
    """A StatefulSet pod's ordinal (``db-2`` is 2); None for other pods."""

    @property
    def failing(self) -> bool:
        """Waiting for a reason that means the revision is broken (CrashLoopBackOff...)."""
        return self.state in FAILING_WAIT_REASONS

    @property
    def terminating(self) -> bool:
        return self.state == TERMINATING

    @property
    def reason(self) -> str:
        """``CrashLoopBackOff, 3 restarts`` (the state, and restarts when there were any)."""
        if self.restarts:
            return f"{self.state}, {self.restarts} restart{'s' if self.restarts != 1 else ''}"
        return self.state


def _one_line(text: object) -> str:
    return " ".join(str(text or "").split())


def _ordinal(pod: Mapping[str, object]) -> int | None:
    owner = next(
        (
            as_dict(o)
            for o in as_list(dig(pod, "metadata", "ownerReferences"))
            if as_dict(o).get("controller") and as_dict(o).get("kind") == "StatefulSet"
        ),
        None,
    )
    if owner is None:
        return None
    prefix = f"{owner.get('name')}-"
    name = name_of(pod)
    rest = name[len(prefix) :] if name.startswith(prefix) else ""
    return int(rest) if rest.isdigit() else None


def pod_restarts(pod: Mapping[str, object]) -> int:
    """Restarts of every container of ``pod``, init containers included (kubectl's RESTARTS)."""
    return sum(
        as_int(as_dict(status).get("restartCount"))
        for key in ("initContainerStatuses", "containerStatuses")
        for status in as_list(dig(pod, "status", key))
    )


def pod_state(pod: Mapping[str, object], revision_label: str) -> PodState:
    """``pod`` as the rollout view shows it (kubectl's STATUS column, Ready told apart).

    Order as kubectl's: a deleted pod is Terminating; else an init container waiting or
    failed (``Init:ErrImagePull``), else a container waiting (its reason) or terminated
    (its reason), else the phase; a Running pod whose Ready condition holds is Ready.
    """
    name = name_of(pod)
    label = labels_of(pod).get(revision_label, "")
    statuses = [as_dict(s) for s in as_list(dig(pod, "status", "containerStatuses"))]
    inits = [as_dict(s) for s in as_list(dig(pod, "status", "initContainerStatuses"))]
    restarts = pod_restarts(pod)
    ready = _ready(pod)
    phase = str(dig(pod, "status", "phase") or "Pending")
    ordinal = _ordinal(pod)

    def state(value: str, message: object = "") -> PodState:
        return PodState(name, label, value, ready, restarts, _one_line(message), ordinal)

    if dig(pod, "metadata", "deletionTimestamp"):
        return state(TERMINATING)
    for init in inits:
        waiting = as_dict(dig(init, "state", "waiting"))
        if waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            return state(f"Init:{waiting['reason']}", waiting.get("message"))
        terminated = as_dict(dig(init, "state", "terminated"))
        if terminated and as_int(terminated.get("exitCode")) != 0:
            return state(f"Init:{terminated.get('reason') or 'Error'}", terminated.get("message"))
    for status in statuses:
        waiting = as_dict(dig(status, "state", "waiting"))
        if waiting.get("reason"):
            return state(str(waiting["reason"]), waiting.get("message"))
    for status in statuses:
        terminated = as_dict(dig(status, "state", "terminated"))
        if terminated.get("reason"):
            return state(str(terminated["reason"]), terminated.get("message"))
    reason = dig(pod, "status", "reason")
    if reason:
        return state(str(reason), dig(pod, "status", "message"))
    if phase == "Running" and ready:
        return state(READY)
    return state(phase)


@value
class RevisionPods:
    """The pods of one revision during a rollout."""

    revision: Revision | None
    """None: pods whose revision label matches no revision of the history."""
    label: str
    """The pods' revision label value."""
    target: bool
    """The revision the rollout goes to."""
    pods: tuple[PodState, ...]

    @property
    def number(self) -> int | None:
        return self.revision.number if self.revision is not None else None

    @property
    def key(self) -> str:
        """What names the group over time: the revision's object, else its label."""
        return self.revision.object_name if self.revision is not None else f"?{self.label}"

    @property
    def ready(self) -> int:
        return sum(1 for p in self.pods if p.ready and not p.terminating)

    @property
    def active(self) -> int:
        return sum(1 for p in self.pods if not p.terminating)

    def title(self, becomes: int | None = None) -> str:
        """``revision 5 (target, was 3)`` (the target becomes ``becomes``), ``revision 4``,
        ``revision ? 5d8f7c`` (pods of no revision the history knows)."""
        if self.revision is None:
            return f"revision ? {self.label or '(no revision label)'}"
        number = self.revision.number
        if not self.target:
            return f"revision {number}"
        if becomes is None or becomes == number:
            return f"revision {number} (target)"
        return f"revision {becomes} (target, was {number})"


def _matches(revision: Revision, label: str) -> bool:
    return bool(label) and label in (revision.pod_template_hash, revision.object_name)


def _pod_order(pod: PodState) -> tuple[int, str]:
    return (pod.ordinal if pod.ordinal is not None else -1, pod.name)


def owned(kind: str, pod: Mapping[str, object], owner_uid: str | None) -> bool:
    """Whether ``pod`` is the workload's: a pod controlled by another object than the
    workload (``owner_uid``) is not, for kinds whose pods the workload controls itself (a
    Deployment's pods belong to its ReplicaSets: kept when their label matches a revision)."""
    if not owner_uid or kind == "Deployment":
        return True
    return controller_uid(pod) in (None, owner_uid)


def group_states(
    kind: str,
    revisions: Sequence[Revision],
    states: Iterable[PodState],
    *,
    target: str | None,
    keep: Collection[str] = (),
) -> tuple[RevisionPods, ...]:
    """Pods grouped by revision: the target revision (its object name ``target``) first,
    then the others newest first, pods by ordinal or name.

    Only revisions that have pods are listed, except the target and those named in ``keep``
    (revisions that had pods earlier in the rollout), always listed. Pods of a revision the
    history does not know come last (a Deployment's are left out: another Deployment's
    ReplicaSet, or one made after the history was read).
    """
    groups: dict[str, list[PodState]] = {}
    for view in states:
        groups.setdefault(view.revision_label, []).append(view)
    found: list[RevisionPods] = []
    for revision in revisions:
        labels = [label for label in groups if _matches(revision, label)]
        views = [view for label in labels for view in groups.pop(label)]
        is_target = revision.object_name == target
        if views or is_target or revision.object_name in keep:
            label = labels[0] if labels else revision.pod_template_hash
            found.append(
                RevisionPods(revision, label, is_target, tuple(sorted(views, key=_pod_order)))
            )
    if kind == "Deployment":
        groups = {}
    strays = [
        RevisionPods(None, label, False, tuple(sorted(views, key=_pod_order)))
        for label, views in sorted(groups.items())
    ]
    found.sort(key=lambda g: (not g.target, -(g.number or 0)))
    return (*found, *strays)


# ----------------------------------------------------------------------------- stuck


def blocking_pods(workload: Mapping[str, object], pods: Sequence[PodState]) -> tuple[PodState, ...]:
    """The pods that stop a StatefulSet's rolling update for good: not Ready, not
    terminating, and not on the update revision (the controller would replace them, but it
    replaces nothing while a pod is not Ready: podManagementPolicy OrderedReady).

    Empty for other kinds, for Parallel or OnDelete StatefulSets, and before the controller
    has observed the rollback (its updateRevision is still the previous one).
    """
    if str(workload.get("kind") or "") != "StatefulSet":
        return ()
    spec = as_dict(workload.get("spec"))
    status = as_dict(workload.get("status"))
    if str(spec.get("podManagementPolicy") or "OrderedReady") != "OrderedReady":
        return ()
    if str(dig(spec, "updateStrategy", "type") or "RollingUpdate") != "RollingUpdate":
        return ()
    if as_int(status.get("observedGeneration")) < as_int(dig(workload, "metadata", "generation")):
        return ()
    update = str(status.get("updateRevision") or "")
    if not update:
        return ()
    return tuple(
        p
        for p in sorted(pods, key=_pod_order)
        if not p.ready and not p.terminating and p.revision_label and p.revision_label != update
    )


def stuck_advice(ref: WorkloadRef, blocking: Sequence[PodState]) -> str | None:
    """The plan's ``stuck-pods`` advice for the pods blocking the rollout now (None: none)."""
    if not blocking:
        return None
    names = [p.name for p in blocking]
    pods = ", ".join(f"{p.name} ({p.reason})" for p in blocking)
    one = len(names) == 1
    return (
        f"{ref.display} is stuck: pod{'' if one else 's'} {pods} "
        f"{'is' if one else 'are'} not Ready on an old revision, and the StatefulSet "
        f"controller replaces no pod while one is not Ready; delete {'it' if one else 'them'} "
        f"to let the rollout go on: kubectl delete pod -n {ref.namespace} {' '.join(names)}"
    )


def read_stuck_advice(gw: ClusterGateway, ref: WorkloadRef) -> str | None:
    """``stuck_advice`` from the cluster now: GET the workload, LIST its pods by selector.

    None when nothing blocks it, for kinds that never block this way, or when the pods
    cannot be read (403, gone).
    """
    if ref.kind != "StatefulSet":
        return None
    kind = kind_named(ref.kind)
    try:
        workload = gw.get(kind.resource, ref.namespace, ref.name)
        selector = label_selector_string(as_dict(dig(workload, "spec", "selector")))
        items = gw.list(PODS, ref.namespace, label_selector=selector)
    except (Forbidden, NotFound):
        return None
    uid = uid_of(workload)
    views = [pod_state(p, kind.pod_revision_label) for p in items if controller_uid(p) == uid]
    return stuck_advice(ref, blocking_pods({"kind": ref.kind, **workload}, views))


# ----------------------------------------------------------------------------- over time


@value
class ReadySample:
    """How many pods of each revision were Ready at a moment (``ready``: key -> count, the
    key being ``RevisionPods.key``)."""

    at: datetime
    ready: Mapping[str, int]


def ready_sample(at: datetime, groups: Sequence[RevisionPods]) -> ReadySample:
    return ReadySample(at, {g.key: g.ready for g in groups})


def ready_series(
    samples: Sequence[ReadySample], key: str, *, start: datetime, end: datetime, width: int
) -> list[int]:
    """Ready pods of revision ``key`` at ``width`` evenly spaced moments, the last at ``end``:
    each the latest sample at or before that moment (0 before the first sample)."""
    if width <= 0:
        return []
    span = max((end - start).total_seconds(), 0.0)
    series: list[int] = []
    index = 0
    value = 0
    ordered = sorted(samples, key=lambda s: s.at)
    for column in range(width):
        moment = start + timedelta(seconds=span * (column + 1) / width)
        while index < len(ordered) and ordered[index].at <= moment:
            value = ordered[index].ready.get(key, 0)
            index += 1
        series.append(value)
    return series
