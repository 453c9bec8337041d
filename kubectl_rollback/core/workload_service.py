"""Kind-independent service entry points: load, plan, execute and follow a Deployment, StatefulSet or DaemonSet.

Deployments go to service.py unchanged. StatefulSets and DaemonSets are read as
a ControllerHistory (controller_history.py) and planned by controller_plan.py;
the rest of the rules (evidence, target choice, the plan document, Events,
records, exit codes) are shared.

Reads for a StatefulSet/DaemonSet rollback (``load_workload``): GET the
workload; one LIST of ControllerRevisions scoped by its selector; one LIST of
pods with the same selector (optional: a 403 degrades to no pod evidence);
ConfigMaps / Secrets on the same rules as for Deployments; HPAs for a
StatefulSet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from .api_objects import as_dict, dig, label_selector_string, name_of, template_references
from .controller_history import (
    CONTROLLER_KINDS,
    ControllerHistory,
    build_controller_history,
    find_current_revision,
    owned_revisions,
)
from .controller_plan import plan_controller_rollback
from .controller_status import NOT_ROLLING, workload_status
from .errors import RollbackError, UsageError
from .evidence import outcome_record_patch
from .model import DeploymentHistory, Verdict, WorkloadRef
from .plan import RollbackPlan
from .ports import ClusterGateway
from .service import (
    HARNESS_SECRET_SELECTOR,
    RollbackResult,
    RolloutOutcome,
    _harness_marked,
    follow,
    load_deployment,
    optional_read,
    watch_rollout,
)
from .service import execute as service_execute
from .service import get_workload as service_get_workload
from .service import plan as plan_deployment
from .status import RolloutStatus
from .target import TargetSpec, choose_target

JSON = Any

WORKLOAD_KINDS = frozenset({"Deployment", *CONTROLLER_KINDS})
"""Kinds kubectl rollback rolls back."""

WorkloadHistory = DeploymentHistory | ControllerHistory
"""What ``load_workload`` returns."""


def _check_kind(kind: str) -> None:
    if kind not in WORKLOAD_KINDS:
        raise UsageError(
            f"{kind} cannot be rolled back: kubectl rollback handles Deployments, "
            "StatefulSets and DaemonSets"
        )


def get_workload(gw: ClusterGateway, kind: str, namespace: str, name: str) -> dict[str, JSON]:
    """GET a Deployment, StatefulSet or DaemonSet."""
    _check_kind(kind)
    return service_get_workload(gw, kind, namespace, name)


def load_controller_history(
    gw: ClusterGateway,
    kind: str,
    namespace: str,
    name: str,
    *,
    now: datetime,
    pods: bool = True,
    references: bool = True,
    harness: bool = True,
    hpas: bool = True,
) -> ControllerHistory:
    """Read one StatefulSet or DaemonSet and what its history needs (see the module docstring)."""
    workload = get_workload(gw, kind, namespace, name)
    selector = label_selector_string(as_dict(dig(workload, "spec", "selector")))
    revisions = gw.list_controllerrevisions(namespace, selector)
    owned = owned_revisions(workload, revisions)
    pod_list = optional_read(lambda: gw.list_pods(namespace, selector)) if pods else None
    templates = [dig(r, "data", "spec", "template") for r in owned]
    cm_refs = any(template_references(t)[0] for t in templates)
    secret_refs = any(template_references(t)[1] for t in templates)
    harness_marked = harness and _harness_marked(workload)
    configmaps: list[dict[str, JSON]] | None = []
    secrets: list[dict[str, JSON]] | None = []
    if (references and cm_refs) or harness_marked:
        configmaps = optional_read(lambda: gw.list_configmaps(namespace))
    if references and secret_refs:
        secrets = optional_read(lambda: gw.list_secrets(namespace, None))
    elif harness_marked:
        secrets = optional_read(lambda: gw.list_secrets(namespace, HARNESS_SECRET_SELECTOR))
    hpa_list = (
        (optional_read(lambda: gw.list_hpas(namespace)) or [])
        if hpas and kind == "StatefulSet"
        else []
    )
    return build_controller_history(
        workload,
        revisions,
        pod_list,
        kind=kind,
        configmaps=configmaps,
        secrets=secrets,
        hpas=hpa_list,
        now=now,
    )


def load_workload(
    gw: ClusterGateway,
    kind: str,
    namespace: str,
    name: str,
    *,
    now: datetime,
    pods: bool | None = None,
) -> WorkloadHistory:
    """The history of a Deployment (``service.load_deployment``), StatefulSet or DaemonSet.

    ``pods``: None lets each kind decide (Deployments only list pods when they add
    evidence; StatefulSets and DaemonSets always do), True/False force it.
    """
    _check_kind(kind)
    if kind == "Deployment":
        return load_deployment(gw, namespace, name, now=now, pods=pods)
    return load_controller_history(gw, kind, namespace, name, now=now, pods=pods is not False)


def plan_workload(
    history: WorkloadHistory,
    spec: TargetSpec | None = None,
    *,
    actor: str | None,
    now: datetime,
    require_healthy: bool = False,
    show_secrets: bool = False,
) -> RollbackPlan:
    """Choose the target and plan the rollback, whatever the kind (see ``service.plan``)."""
    if isinstance(history, DeploymentHistory):
        return plan_deployment(
            history,
            spec,
            actor=actor,
            now=now,
            require_healthy=require_healthy,
            show_secrets=show_secrets,
        )
    choice = choose_target(history, spec, require_healthy=require_healthy, allow_current=True)
    return plan_controller_rollback(
        history, choice, actor=actor, now=now, show_secrets=show_secrets
    )


def prepare_workload(
    gw: ClusterGateway,
    kind: str,
    namespace: str,
    name: str,
    spec: TargetSpec | None = None,
    *,
    now: datetime,
    actor: str | None = None,
    require_healthy: bool = False,
    show_secrets: bool = False,
) -> RollbackPlan:
    """``load_workload`` then ``plan_workload``; the actor defaults to ``gw.whoami()``."""
    history = load_workload(gw, kind, namespace, name, now=now)
    who = actor if actor is not None else gw.whoami()
    return plan_workload(
        history,
        spec,
        actor=who,
        now=now,
        require_healthy=require_healthy,
        show_secrets=show_secrets,
    )


def execute_workload(
    gw: ClusterGateway, plan: RollbackPlan, *, dry_run: bool, now: datetime | None = None
) -> RollbackResult:
    """Apply ``plan`` whatever the kind: ``service.execute`` handles every kind."""
    return service_execute(gw, plan, dry_run=dry_run, now=now)


def _watch(
    gw: ClusterGateway, ref: WorkloadRef, rv: str, timeout: int
) -> Iterator[tuple[str, dict[str, JSON]]]:
    if ref.kind == "StatefulSet":
        return gw.watch_statefulset(ref.namespace, ref.name, rv, timeout)
    return gw.watch_daemonset(ref.namespace, ref.name, rv, timeout)


def follow_workload(
    gw: ClusterGateway,
    ref: WorkloadRef,
    *,
    timeout_seconds: int,
    now_fn: Callable[[], datetime],
    on_status: Callable[[RolloutStatus], None],
    expect_replicaset: str | None = None,
    record: bool = True,
) -> RolloutOutcome:
    """Watch the rollout until it is done, fails, or ``timeout_seconds`` pass (see ``service.follow``).

    StatefulSets and DaemonSets have no progress deadline: a rollout stuck on a
    crashing revision ends in a timeout (verdict UNKNOWN, nothing recorded; the
    crashing pods are evidence by themselves). Done records success on the
    ControllerRevision now current. An OnDelete workload has no rollout to
    follow: the outcome is a failed status with kubectl's message, nothing recorded.
    """
    if ref.kind == "Deployment":
        return follow(
            gw,
            ref,
            timeout_seconds=timeout_seconds,
            now_fn=now_fn,
            on_status=on_status,
            expect_replicaset=expect_replicaset,
            record=record,
        )
    _check_kind(ref.kind)
    status, workload, timed_out = watch_rollout(
        ref,
        get=lambda: get_workload(gw, ref.kind, ref.namespace, ref.name),
        watch=lambda rv, seconds: _watch(gw, ref, rv, seconds),
        status_of=lambda obj: workload_status(ref.kind, obj),
        timeout_seconds=timeout_seconds,
        now_fn=now_fn,
        on_status=on_status,
    )
    if timed_out:
        return RolloutOutcome(Verdict.UNKNOWN, status, True, None, False)
    if status.failed and status.message == NOT_ROLLING:
        return RolloutOutcome(Verdict.UNKNOWN, status, False, None, False)
    verdict = Verdict.SUCCESS if status.done else Verdict.FAILURE
    revision, written = (None, False)
    if record:
        revision, written = _record_outcome(gw, ref, workload, status, verdict, now_fn())
    return RolloutOutcome(verdict, status, False, revision, written)


def _record_outcome(
    gw: ClusterGateway,
    ref: WorkloadRef,
    workload: Mapping[str, JSON],
    status: RolloutStatus,
    verdict: Verdict,
    now: datetime,
) -> tuple[str | None, bool]:
    try:
        selector = label_selector_string(as_dict(dig(workload, "spec", "selector")))
        current = find_current_revision(
            workload, gw.list_controllerrevisions(ref.namespace, selector)
        )
        if current is None:
            return None, False
        name = name_of(current)
        gw.patch_controllerrevision_annotations(
            ref.namespace, name, outcome_record_patch(verdict, status.message, now, replicaset=name)
        )
        return name, True
    except RollbackError:
        return None, False
