"""The operations both front ends call: load a history, plan, execute, follow; and the exit codes.

All I/O goes through a ClusterGateway passed in; time comes in as ``now`` /
``now_fn``. Exit codes (the CLI's contract, also in errors.py):

- ``EXIT_OK`` 0: rolled back (or dry run); also "skipped rollback" (template
  already current), as kubectl exits 0 there. A result says ``noop`` so that
  scripts can tell, but there is no separate exit code for it.
- ``EXIT_ERROR`` 1: any error (not found, no history, paused, forbidden,
  unauthorised, unreachable, conflict, config...).
- ``EXIT_USAGE`` 2: bad command line.
- ``EXIT_ROLLOUT_FAILED`` 4: the patch was applied but the followed rollout
  failed (ProgressDeadlineExceeded) or did not finish before the timeout.
- 3 is deliberately unused (reserved; kubectl has no "nothing to do" code).

Reads for a rollback (``load_deployment``): GET the Deployment; one LIST of
ReplicaSets scoped by its selector; one LIST of pods with the same selector
unless the rollout is complete and no old ReplicaSet has pods (pods would add
no evidence then); one LIST of ConfigMaps when some revision references one
(missing-reference check) or the workload carries a ``harness.io/`` label or
annotation (Harness legacy history); one LIST of Secrets: all of them when some
revision references Secrets, else only ``owner=harness`` ones for a
Harness-marked workload (declarative Harness releases); one LIST of HPAs. Each optional read can be turned off, and a 403 on one of them
degrades to "not checked" instead of failing.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .api_objects import (
    as_dict,
    as_int,
    dig,
    format_time,
    label_selector_string,
    name_of,
    template_references,
)
from .errors import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_ROLLOUT_FAILED,
    EXIT_USAGE,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    OutcomeUnknown,
    Refused,
    RollbackError,
    Unreachable,
)
from .evidence import outcome_record_patch
from .history import (
    CHANGE_CAUSE_ANNOTATION,
    build_deployment_history,
    find_current_replicaset,
    owned_replicasets,
)
from .model import DeploymentHistory, Verdict, WorkloadRef
from .plan import RollbackPlan, plan_rollback
from .ports import ClusterGateway
from .status import RolloutStatus, rollout_status
from .target import TargetSpec, choose_target

JSON = Any

__all__ = [
    "EXIT_ERROR",
    "EXIT_OK",
    "EXIT_ROLLOUT_FAILED",
    "EXIT_USAGE",
    "EVENT_COMPONENT",
    "RollbackResult",
    "RolloutOutcome",
    "execute",
    "follow",
    "load_deployment",
    "plan",
    "prepare",
    "rollback_event",
    "get_workload",
    "optional_read",
    "rollout_complete",
    "watch_rollout",
    "workload_event",
]

EVENT_COMPONENT = "kubectl-rollback"
EVENT_REASON = "RolledBack"
HARNESS_SECRET_SELECTOR = "owner=harness"
HARNESS_PREFIX = "harness.io/"


def rollout_complete(deployment: Mapping[str, JSON]) -> bool:
    """The controller's "complete": updated == replicas == available == spec.replicas, generation observed."""
    status = as_dict(deployment.get("status"))
    want = as_int(dig(deployment, "spec", "replicas"), 1)
    return (
        as_int(status.get("updatedReplicas")) == want
        and as_int(status.get("replicas")) == want
        and as_int(status.get("availableReplicas")) == want
        and as_int(status.get("observedGeneration"))
        >= as_int(dig(deployment, "metadata", "generation"))
    )


def _pods_needed(deployment: Mapping[str, JSON], owned: list[Mapping[str, JSON]]) -> bool:
    current = find_current_replicaset(deployment, owned)
    old_with_pods = any(
        as_int(dig(rs, "status", "replicas")) > 0 for rs in owned if rs is not current
    )
    return old_with_pods or not rollout_complete(deployment)


def optional_read(read: Callable[[], list[dict[str, JSON]]]) -> list[dict[str, JSON]] | None:
    """The list, or None when RBAC forbids it: optional reads degrade to "not checked"."""
    # RBAC often denies listing Secrets or pods; the rollback must still work.
    try:
        return read()
    except Forbidden:
        return None


def _harness_marked(deployment: Mapping[str, JSON]) -> bool:
    """Harness labels the workloads it deploys (harness.io/release-name and friends)."""
    meta = as_dict(deployment.get("metadata"))
    keys = [*as_dict(meta.get("labels")), *as_dict(meta.get("annotations"))]
    return any(key.startswith(HARNESS_PREFIX) for key in keys)


def load_deployment(
    gw: ClusterGateway,
    namespace: str,
    name: str,
    *,
    now: datetime,
    pods: bool | None = None,
    references: bool = True,
    harness: bool = True,
    hpas: bool = True,
) -> DeploymentHistory:
    """Read one Deployment and what its history needs (see the module docstring for the requests).

    ``pods``: True always list, False never, None (default) only when evidence needs them.
    """
    deployment = gw.get_deployment(namespace, name)
    selector = label_selector_string(as_dict(dig(deployment, "spec", "selector")))
    replicasets = gw.list_replicasets(namespace, selector)
    owned = owned_replicasets(deployment, replicasets)
    want_pods = _pods_needed(deployment, owned) if pods is None else pods
    pod_list = optional_read(lambda: gw.list_pods(namespace, selector)) if want_pods else None

    # Lists that cannot change the plan are not requested: ConfigMaps and Secrets only when
    # some revision references them (missing-reference check) or the workload carries
    # Harness's marks (its release history lives in a ConfigMap or Secrets). An empty list
    # then means "nothing relevant exists", None "not allowed to look".
    cm_refs = any(template_references(dig(rs, "spec", "template"))[0] for rs in owned)
    secret_refs = any(template_references(dig(rs, "spec", "template"))[1] for rs in owned)
    harness_marked = harness and _harness_marked(deployment)
    configmaps: list[dict[str, JSON]] | None = []
    secrets: list[dict[str, JSON]] | None = []
    if (references and cm_refs) or harness_marked:
        configmaps = optional_read(lambda: gw.list_configmaps(namespace))
    if references and secret_refs:
        secrets = optional_read(lambda: gw.list_secrets(namespace, None))
    elif harness_marked:
        # Only the Harness ones: good for history; no revision references a Secret.
        secrets = optional_read(lambda: gw.list_secrets(namespace, HARNESS_SECRET_SELECTOR))
    hpa_list = (optional_read(lambda: gw.list_hpas(namespace)) or []) if hpas else []
    return build_deployment_history(
        deployment,
        replicasets,
        pod_list,
        configmaps=configmaps,
        secrets=secrets,
        hpas=hpa_list,
        now=now,
    )


def plan(
    history: DeploymentHistory,
    spec: TargetSpec | None = None,
    *,
    actor: str | None,
    now: datetime,
    require_healthy: bool = False,
    show_secrets: bool = False,
) -> RollbackPlan:
    """Choose the target and plan the rollback.

    A target that is the current revision gives a "skipped rollback" plan (as
    ``kubectl rollout undo --to-revision=<current>`` does) rather than an error.
    """
    choice = choose_target(history, spec, require_healthy=require_healthy, allow_current=True)
    return plan_rollback(history, choice, actor=actor, now=now, show_secrets=show_secrets)


def prepare(
    gw: ClusterGateway,
    namespace: str,
    name: str,
    spec: TargetSpec | None = None,
    *,
    now: datetime,
    actor: str | None = None,
    require_healthy: bool = False,
    show_secrets: bool = False,
) -> RollbackPlan:
    """``load_deployment`` then ``plan``; the actor defaults to ``gw.whoami()``."""
    history = load_deployment(gw, namespace, name, now=now)
    who = actor if actor is not None else gw.whoami()
    return plan(
        history,
        spec,
        actor=who,
        now=now,
        require_healthy=require_healthy,
        show_secrets=show_secrets,
    )


@dataclass(frozen=True)
class RollbackResult:
    """What ``execute`` did. ``message`` is kubectl's line (``deployment.apps/web rolled back``)."""

    plan: RollbackPlan
    applied: bool
    dry_run: bool
    noop: bool
    message: str
    resource_version: str | None = None
    event_recorded: bool = False
    event_error: str | None = None
    deployment: Mapping[str, JSON] | None = None

    @property
    def exit_code(self) -> int:
        return EXIT_OK

    def to_dict(self) -> dict[str, JSON]:
        """``{"apiVersion", "kind": "RollbackResult", "applied", "dryRun", "noop", "message",
        "resourceVersion", "eventRecorded", "eventError", "plan": <RollbackPlan document>}``."""
        return {
            "apiVersion": "kubectl-rollback.io/v1",
            "kind": "RollbackResult",
            "applied": self.applied,
            "dryRun": self.dry_run,
            "noop": self.noop,
            "message": self.message,
            "resourceVersion": self.resource_version,
            "eventRecorded": self.event_recorded,
            "eventError": self.event_error,
            "plan": self.plan.to_dict(),
        }


def workload_event(
    obj: Mapping[str, JSON], *, reason: str, message: str, actor: str | None, now: datetime
) -> dict[str, JSON]:
    """A core/v1 Normal Event on ``obj`` from this tool (what `kubectl describe` lists)."""
    timestamp = format_time(now)
    meta = as_dict(obj.get("metadata"))
    name, namespace = str(meta.get("name") or ""), str(meta.get("namespace") or "")
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"generateName": f"{name}.", "namespace": namespace},
        "involvedObject": {
            "apiVersion": str(obj.get("apiVersion") or ""),
            "kind": str(obj.get("kind") or ""),
            "name": name,
            "namespace": namespace,
            "uid": str(meta.get("uid") or ""),
            "resourceVersion": str(meta.get("resourceVersion") or ""),
        },
        "reason": reason,
        "message": message,
        "type": "Normal",
        "source": {"component": EVENT_COMPONENT},
        "reportingComponent": EVENT_COMPONENT,
        "reportingInstance": actor or "",
        "firstTimestamp": timestamp,
        "lastTimestamp": timestamp,
        "count": 1,
    }


def rollback_event(
    plan: RollbackPlan, deployment: Mapping[str, JSON], now: datetime
) -> dict[str, JSON]:
    """The Event recorded on the Deployment after a rollback (reason RolledBack)."""
    target = {
        "apiVersion": "apps/v1",
        "kind": plan.ref.kind,
        "metadata": {
            **as_dict(deployment.get("metadata")),
            "name": plan.ref.name,
            "namespace": plan.ref.namespace,
        },
    }
    return workload_event(
        target, reason=EVENT_REASON, message=plan.change_cause, actor=plan.actor, now=now
    )


def execute(
    gw: ClusterGateway, plan: RollbackPlan, *, dry_run: bool, now: datetime | None = None
) -> RollbackResult:
    """Apply ``plan``'s one patch (server-side dry run when ``dry_run``) and record an Event.

    A Deployment gets the JSON patch (a ``test`` of resourceVersion first); a
    StatefulSet or DaemonSet the strategic-merge patch whose body carries the
    resourceVersion. Raises Refused when the plan refuses (paused), Conflict when
    the workload changed since the plan was made (nothing applied). A noop plan
    returns without any request. A failure to record the Event does not fail the
    rollback.
    """
    if plan.refusal is not None:
        raise Refused(plan.refusal)
    if plan.noop is not None:
        return RollbackResult(plan, applied=False, dry_run=dry_run, noop=True, message=plan.noop)
    ns = plan.ref.namespace
    answer_lost = False
    try:
        patched = _send_patch(gw, plan, dry_run)
    except (Conflict, Invalid) as exc:
        actual = _current_resource_version(gw, plan.ref)
        if actual != plan.resource_version:
            raise Conflict.changed_since_plan(
                plan.ref.display, plan.resource_version, actual
            ) from exc
        raise
    except OutcomeUnknown as exc:
        if dry_run:
            raise
        patched = read_back(gw, plan, exc)
        answer_lost = True
    suffix = " (server dry run)" if dry_run else ""
    result_rv = str(dig(patched, "metadata", "resourceVersion") or "") or None
    if dry_run:
        return RollbackResult(
            plan,
            True,
            True,
            False,
            f"{plan.ref.display} rolled back{suffix}",
            result_rv,
            deployment=patched,
        )
    event_recorded, event_error = True, None
    try:
        gw.create_event(ns, rollback_event(plan, patched, now or plan.created_at))
    except RollbackError as exc:
        event_recorded, event_error = False, str(exc)
    _record_left_failure(gw, plan, now or plan.created_at)
    return RollbackResult(
        plan,
        applied=True,
        dry_run=False,
        noop=False,
        message=f"{plan.ref.display} rolled back"
        + (
            " (the server's answer was lost; read back, the rollback is applied)"
            if answer_lost
            else ""
        ),
        resource_version=result_rv,
        event_recorded=event_recorded,
        event_error=event_error,
        deployment=patched,
    )


def holds_rollback(workload: Mapping[str, JSON], plan: RollbackPlan) -> bool:
    """Whether the workload as it is now carries the plan's change (its template and change-cause)."""
    target: JSON = None
    for op in plan.patch:
        if op.get("path") == "/spec/template":
            target = op.get("value")
        elif "spec" in op:  # a strategic-merge body (StatefulSet, DaemonSet)
            target = {
                k: v
                for k, v in as_dict(as_dict(op.get("spec")).get("template")).items()
                if k != "$patch"
            }
    annotations = as_dict(dig(workload, "metadata", "annotations"))
    return (
        target is not None
        and dig(workload, "spec", "template") == target
        and annotations.get(CHANGE_CAUSE_ANNOTATION) == plan.change_cause
    )


def read_back(gw: ClusterGateway, plan: RollbackPlan, lost: OutcomeUnknown) -> dict[str, JSON]:
    """After a PATCH that got no answer: the workload if it holds the rollback, else the true state as an error.

    Never sends the PATCH again. Applied: returns the object (the caller goes on as after
    an answer). Not applied (unchanged since the plan): Unreachable, run again. Changed by
    someone else without our change: Conflict.
    """
    display = plan.ref.display
    try:
        live = get_workload(gw, plan.ref.kind, plan.ref.namespace, plan.ref.name)
    except RollbackError as exc:
        raise OutcomeUnknown(
            f"{lost}; reading {display} back failed too ({exc}): look at it (kubectl get) before running again"
        ) from None
    if holds_rollback(live, plan):
        return live
    actual = str(dig(live, "metadata", "resourceVersion") or "")
    if actual == plan.resource_version:
        raise Unreachable(
            f"{lost}; read back, {display} is unchanged: nothing was applied; run again"
        ) from None
    raise Conflict(
        f"{lost}; read back, {display} was changed (resourceVersion {plan.resource_version} -> {actual}) "
        "but does not hold the rollback: it was not applied, or was changed again since; look before running again"
    ) from None


def get_workload(gw: ClusterGateway, kind: str, namespace: str, name: str) -> dict[str, JSON]:
    """GET a Deployment, StatefulSet or DaemonSet."""
    if kind == "StatefulSet":
        return gw.get_statefulset(namespace, name)
    if kind == "DaemonSet":
        return gw.get_daemonset(namespace, name)
    return gw.get_deployment(namespace, name)


def _send_patch(gw: ClusterGateway, plan: RollbackPlan, dry_run: bool) -> dict[str, JSON]:
    ns, name = plan.ref.namespace, plan.ref.name
    if plan.ref.kind == "StatefulSet":
        return gw.patch_statefulset(ns, name, dict(plan.patch[0]), dry_run=dry_run)
    if plan.ref.kind == "DaemonSet":
        return gw.patch_daemonset(ns, name, dict(plan.patch[0]), dry_run=dry_run)
    return gw.patch_deployment(ns, name, [dict(op) for op in plan.patch], dry_run=dry_run)


def _record_left_failure(gw: ClusterGateway, plan: RollbackPlan, now: datetime) -> None:
    """Write down why the revisions we leave failed, while the cluster still shows it.

    The revision we roll back from (and, for StatefulSets and DaemonSets, the one
    plain kubectl would have picked: a StatefulSet often sticks on a crashing
    revision while a fix waits behind it). Once their pods are gone the failure is
    no longer observable; the record keeps the next rollback from choosing them.
    A refused write does not fail the rollback.
    """
    left = [plan.from_revision]
    if plan.ref.kind != "Deployment":
        left.append(plan.kubectl_would_pick)
    for revision in left:
        if revision is None or revision.health is not Verdict.FAILURE or not revision.live_failure:
            continue
        patch = outcome_record_patch(
            Verdict.FAILURE,
            f"rolled back from: {revision.health_reason}",
            now,
            replicaset=revision.replicaset,
        )
        with contextlib.suppress(RollbackError):
            if plan.ref.kind == "Deployment":
                gw.patch_replicaset_annotations(plan.ref.namespace, revision.replicaset, patch)
            else:
                gw.patch_controllerrevision_annotations(
                    plan.ref.namespace, revision.replicaset, patch
                )


def _current_resource_version(gw: ClusterGateway, ref: WorkloadRef) -> str | None:
    try:
        return str(
            dig(get_workload(gw, ref.kind, ref.namespace, ref.name), "metadata", "resourceVersion")
            or ""
        )
    except RollbackError:
        return None


@dataclass(frozen=True)
class RolloutOutcome:
    """How a followed rollout ended; ``verdict`` UNKNOWN on timeout."""

    verdict: Verdict
    status: RolloutStatus
    timed_out: bool
    replicaset: str | None
    record_written: bool

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.verdict is Verdict.SUCCESS else EXIT_ROLLOUT_FAILED


def follow(
    gw: ClusterGateway,
    ref: WorkloadRef,
    *,
    timeout_seconds: int,
    now_fn: Callable[[], datetime],
    on_status: Callable[[RolloutStatus], None],
    expect_replicaset: str | None = None,
    record: bool = True,
) -> RolloutOutcome:
    """Watch the rollout until it is done, fails, or ``timeout_seconds`` pass.

    ``on_status`` gets every new status line (kubectl's wording). On done or
    failed, the outcome is recorded on the Deployment's new ReplicaSet (see
    evidence.outcome_record_patch). A timeout records nothing: a short
    ``--timeout`` is not evidence that the revision is broken. A StatefulSet or
    DaemonSet goes to ``workload_service.follow_workload``.
    """
    if ref.kind != "Deployment":
        from .workload_service import follow_workload

        return follow_workload(
            gw,
            ref,
            timeout_seconds=timeout_seconds,
            now_fn=now_fn,
            on_status=on_status,
            record=record,
        )
    status, deployment, timed_out = watch_rollout(
        ref,
        get=lambda: gw.get_deployment(ref.namespace, ref.name),
        watch=lambda rv, seconds: gw.watch_deployment(ref.namespace, ref.name, rv, seconds),
        status_of=lambda obj: rollout_status(obj, expect_replicaset=expect_replicaset),
        timeout_seconds=timeout_seconds,
        now_fn=now_fn,
        on_status=on_status,
    )
    if timed_out:
        return RolloutOutcome(Verdict.UNKNOWN, status, True, None, False)
    verdict = Verdict.SUCCESS if status.done else Verdict.FAILURE
    replicaset, written = (None, False)
    if record:
        replicaset, written = _record_outcome(gw, ref, deployment, status, verdict, now_fn())
    return RolloutOutcome(verdict, status, False, replicaset, written)


def watch_rollout(
    ref: WorkloadRef,
    *,
    get: Callable[[], dict[str, JSON]],
    watch: Callable[[str, int], Iterator[tuple[str, dict[str, JSON]]]],
    status_of: Callable[[Mapping[str, JSON]], RolloutStatus],
    timeout_seconds: int,
    now_fn: Callable[[], datetime],
    on_status: Callable[[RolloutStatus], None],
) -> tuple[RolloutStatus, Mapping[str, JSON], bool]:
    """GET, then watch from its resourceVersion until done, failed or the deadline (any kind).

    Returns the last status, the last object seen and whether the deadline
    passed. ``on_status`` gets each new status line once. A watch that ends
    (timeout, 410 Expired) is resumed from a fresh GET.
    """
    deadline = now_fn() + timedelta(seconds=timeout_seconds)
    last: list[str] = []

    def observe(obj: Mapping[str, JSON]) -> RolloutStatus:
        status = status_of(obj)
        if not last or last[-1] != status.message:
            last.append(status.message)
            on_status(status)
        return status

    current: Mapping[str, JSON] = get()
    status = observe(current)
    while not (status.done or status.failed):
        remaining = (deadline - now_fn()).total_seconds()
        if remaining <= 0:
            return status, current, True
        rv = str(dig(current, "metadata", "resourceVersion") or "")
        resync = True
        for kind, obj in watch(rv, max(1, math.ceil(remaining))):
            if kind == "ERROR":
                break  # e.g. 410 Expired: start again from a fresh GET
            if kind == "DELETED":
                raise NotFound(f"{ref.display} was deleted while waiting for the rollout")
            if kind == "BOOKMARK" or name_of(obj) != ref.name:
                continue
            current = obj
            status = observe(obj)
            if status.done or status.failed or now_fn() >= deadline:
                resync = False
                break
        if resync and not (status.done or status.failed):
            current = get()
            status = observe(current)
    return status, current, False


def _record_outcome(
    gw: ClusterGateway,
    ref: WorkloadRef,
    deployment: Mapping[str, JSON],
    status: RolloutStatus,
    verdict: Verdict,
    now: datetime,
) -> tuple[str | None, bool]:
    try:
        selector = label_selector_string(as_dict(dig(deployment, "spec", "selector")))
        replicasets = gw.list_replicasets(ref.namespace, selector)
        current = find_current_replicaset(deployment, replicasets)
        if current is None:
            return None, False
        rs_name = name_of(current)
        counts = as_dict(deployment.get("status"))
        reason = (
            f"{status.message} ({as_int(counts.get('availableReplicas'))}/"
            f"{as_int(dig(deployment, 'spec', 'replicas'), 1)} available)"
        )
        gw.patch_replicaset_annotations(
            ref.namespace, rs_name, outcome_record_patch(verdict, reason, now, replicaset=rs_name)
        )
        return rs_name, True
    except RollbackError:
        # The rollout outcome stands even if we may not write the record.
        return None, False
