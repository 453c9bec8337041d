"""Blue/green operations both front ends call: load a group, plan, scale up and
wait, switch traffic.

All I/O goes through a ClusterGateway; time comes in as ``now`` / ``now_fn``
and waiting as ``sleep_fn``. Reads for ``load_group`` (five requests): LIST
Services and Deployments of the namespace (detection needs every candidate),
GET of the Service only when it is not in the list (for kubectl's NotFound
wording), then LIST ReplicaSets and pods scoped by the group's selector without
the colour key.

The switch (``switch_traffic``) sends one JSON patch per Service, each testing
the resourceVersion seen by the plan first: secondary (stage) Services first,
the primary last. If a later patch fails, the Services already changed are put
back (again with a resourceVersion test), their state is read again, and
SwitchFailed says exactly where each Service routes now.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from .api_objects import as_dict, dig, name_of, str_map
from .bluegreen import (
    BlueGreenGroup,
    SelectorChange,
    SwitchRecord,
    TrafficSwitchPlan,
    deployment_group_warning,
    detect_groups,
    find_group,
    membership_candidates,
    plan_switch,
    readiness_refusal,
    selector_text,
)
from .colour_keys import has_colour_label
from .errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    OutcomeUnknown,
    Refused,
    RollbackError,
    ScaleUpTimeout,
    SwitchFailed,
    Unreachable,
)
from .events import workload_event
from .model import PlanWarning, RevisionHistory
from .ports import (
    DEPLOYMENTS,
    EVENTS,
    PODS,
    REPLICASETS,
    SERVICES,
    ClusterGateway,
    PatchType,
    optional_read,
)
from .values import value

JSON = Any

EVENT_REASON = "TrafficSwitched"


def load_group(gw: ClusterGateway, namespace: str, service: str) -> BlueGreenGroup:
    """Read the blue/green group of Service ``service`` (see the module docstring for the requests).

    Raises NotFound when the Service does not exist and NotBlueGreen (saying
    why) when it is not part of a group.
    """
    services = gw.list(SERVICES, namespace)
    if not any(name_of(s) == service for s in services):
        gw.get(SERVICES, namespace, service)  # raises NotFound with kubectl's wording
        services = gw.list(SERVICES, namespace)
    deployments = gw.list(DEPLOYMENTS, namespace)
    group = find_group(service, namespace, services, deployments)
    selector = selector_text(group.base_selector) if group.base_selector else ""
    replicasets = (
        optional_read(lambda: gw.list(REPLICASETS, namespace, label_selector=selector)) or []
    )
    pods = optional_read(lambda: gw.list(PODS, namespace, label_selector=selector))
    return find_group(service, namespace, services, deployments, replicasets, pods)


def prepare_switch(
    gw: ClusterGateway,
    namespace: str,
    service: str,
    to: str | None = None,
    *,
    now: datetime,
    actor: str | None = None,
    force: bool = False,
    scale_up: bool = False,
) -> TrafficSwitchPlan:
    """``load_group`` then ``plan_switch``; the actor defaults to ``gw.whoami()``."""
    group = load_group(gw, namespace, service)
    who = actor if actor is not None else gw.whoami()
    return plan_switch(group, to, actor=who, now=now, force=force, scale_up=scale_up)


def switch_history(group: BlueGreenGroup) -> tuple[SwitchRecord, ...]:
    """Every switch kubectl-rollback recorded on the group's Services, newest first."""
    records = [r for s in group.services for r in s.switches]
    return tuple(sorted(records, key=lambda r: (r.at, r.service), reverse=True))


@value
class ServiceState:
    """Where a Service routes after an execution (or a failed one): read back from the cluster."""

    name: str
    selector: Mapping[str, str] | None
    resource_version: str | None
    changed: bool

    @property
    def line(self) -> str:
        what = "changed" if self.changed else "unchanged"
        return f"service/{self.name} routes to {selector_text(self.selector)} ({what})"


@value
class TrafficSwitchResult:
    """What ``switch_traffic`` did; ``message`` has one line per Service switched."""

    plan: TrafficSwitchPlan
    applied: bool
    dry_run: bool
    noop: bool
    message: str
    services: tuple[ServiceState, ...] = ()
    scaled: bool = False
    events_recorded: int = 0


def switch_event(
    plan: TrafficSwitchPlan, change: SelectorChange, service: Mapping[str, JSON], now: datetime
) -> dict[str, JSON]:
    """The Event recorded on a Service after its selector was switched (reason TrafficSwitched)."""
    by = f" by {plan.actor}" if plan.actor else ""
    target = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            **as_dict(service.get("metadata")),
            "name": change.service,
            "namespace": plan.group.namespace,
        },
    }
    message = (
        f"kubectl-rollback: blue/green rollback of group {plan.group.name}: selector "
        f"{selector_text(change.before)} -> {selector_text(change.after)}{by}"
    )
    return workload_event(target, reason=EVENT_REASON, message=message, actor=plan.actor, now=now)


def ready_pods(gw: ClusterGateway, group: BlueGreenGroup, color: str) -> int:
    """How many Ready pods a Service selecting ``color`` would route to now (one LIST of pods)."""
    from .evidence import summarise_pods

    pods = gw.list(PODS, group.namespace, label_selector=selector_text(group.selector_for(color)))
    return summarise_pods(pods).ready


def scale_up_and_wait(
    gw: ClusterGateway,
    plan: TrafficSwitchPlan,
    *,
    dry_run: bool,
    timeout_seconds: float,
    now_fn: Callable[[], datetime],
    sleep_fn: Callable[[float], None],
    on_status: Callable[[str], None] = lambda line: None,
    poll_seconds: float = 0.5,
) -> bool:
    """Scale the target side as planned, then poll its pods until enough are Ready.

    Returns whether a scale request was sent. Raises ScaleUpTimeout (exit 4)
    when the pods are not Ready in time: traffic is then not switched and the
    Deployment stays scaled. A server dry run sends the scale with dryRun and
    does not wait.
    """
    step = plan.scale_up
    if step is None:
        return False
    ns = plan.group.namespace
    scaled = False
    if step.to_replicas != step.from_replicas:
        try:
            gw.patch(
                DEPLOYMENTS,
                ns,
                step.workload,
                [
                    {
                        "op": "test",
                        "path": "/metadata/resourceVersion",
                        "value": step.resource_version,
                    },
                    {"op": "replace", "path": "/spec/replicas", "value": step.to_replicas},
                ],
                PatchType.JSON,
                dry_run=dry_run,
            )
        except (Conflict, Invalid) as exc:
            raise Conflict(
                f"deployment.apps/{step.workload} was changed since the plan was made; "
                "nothing was applied; run again"
            ) from exc
        scaled = True
        on_status(
            f"deployment.apps/{step.workload} scaled to {step.to_replicas}"
            + (" (server dry run)" if dry_run else "")
        )
    if dry_run:
        return scaled
    deadline = now_fn() + timedelta(seconds=timeout_seconds)
    last = -1
    while True:
        ready = ready_pods(gw, plan.group, step.color)
        if ready != last:
            on_status(
                f"Waiting for deployment.apps/{step.workload} ({step.color}): "
                f"{ready} of {step.to_replicas} pods Ready"
            )
            last = ready
        if ready >= step.to_replicas:
            return scaled
        if now_fn() >= deadline:
            raise ScaleUpTimeout(
                f"timed out waiting for deployment.apps/{step.workload} ({step.color}) to have "
                f"{step.to_replicas} Ready pods ({ready} Ready); traffic was not switched; "
                f"deployment.apps/{step.workload} stays scaled to {step.to_replicas}"
            )
        sleep_fn(poll_seconds)


def _state(gw: ClusterGateway, namespace: str, name: str, changed: bool) -> ServiceState:
    try:
        obj = gw.get(SERVICES, namespace, name)
    except RollbackError:
        return ServiceState(name, None, None, changed)
    selector = str_map(dig(obj, "spec", "selector")) or None
    return ServiceState(
        name, selector, str(dig(obj, "metadata", "resourceVersion") or "") or None, changed
    )


def _describe(states: Sequence[ServiceState]) -> str:
    return "; ".join(s.line for s in states)


def switch_traffic(
    gw: ClusterGateway,
    plan: TrafficSwitchPlan,
    *,
    dry_run: bool,
    now: datetime | None = None,
    recheck: bool = False,
) -> TrafficSwitchResult:
    """Patch every Service of ``plan`` (server-side dry run when ``dry_run``), all or nothing.

    ``recheck``: read the group again and apply the readiness rules before
    switching (after ``scale_up_and_wait``). Raises Refused, Conflict (a
    Service changed since the plan: nothing applied) or SwitchFailed (a later
    Service failed; the earlier ones were put back, the message says where
    each routes now).
    """
    if plan.refusal is not None:
        raise Refused(plan.refusal)
    if plan.noop is not None:
        return TrafficSwitchResult(
            plan, applied=False, dry_run=dry_run, noop=True, message=plan.noop
        )
    ns = plan.group.namespace
    if recheck and not dry_run:
        refusal = readiness_refusal(plan, load_group(gw, ns, plan.group.primary.name))
        if refusal is not None:
            raise Refused(refusal + "; traffic was not switched")
    applied: list[tuple[SelectorChange, dict[str, JSON]]] = []
    for change in plan.changes:
        try:
            patched = gw.patch(
                SERVICES,
                ns,
                change.service,
                [dict(op) for op in change.patch],
                PatchType.JSON,
                dry_run=dry_run,
            )
        except OutcomeUnknown as exc:
            if dry_run:
                raise _failed(gw, plan, change, exc, applied, dry_run) from exc
            # No answer: never resend; the Service as it is now says whether it moved.
            patched, why = _read_back_service(gw, ns, change, exc)
            if why is not None:
                raise _failed(gw, plan, change, why, applied, dry_run) from exc
        except RollbackError as exc:
            raise _failed(gw, plan, change, exc, applied, dry_run) from exc
        applied.append((change, patched))
    suffix = " (server dry run)" if dry_run else ""
    lines = [
        f"service/{c.service} switched from {c.from_color} to {c.to_color}{suffix}"
        for c in plan.changes
    ]
    states = tuple(
        ServiceState(
            c.service,
            str_map(dig(obj, "spec", "selector")) or None,
            str(dig(obj, "metadata", "resourceVersion") or "") or None,
            True,
        )
        for c, obj in applied
    )
    recorded = 0
    if not dry_run:
        for change, obj in applied:
            with contextlib.suppress(RollbackError):
                gw.create(EVENTS, ns, switch_event(plan, change, obj, now or plan.created_at))
                recorded += 1
    return TrafficSwitchResult(
        plan,
        applied=True,
        dry_run=dry_run,
        noop=False,
        message="\n".join(lines),
        services=states,
        events_recorded=recorded,
    )


def _read_back_service(
    gw: ClusterGateway, namespace: str, change: SelectorChange, lost: OutcomeUnknown
) -> tuple[dict[str, JSON], RollbackError | None]:
    """After an unanswered PATCH of a Service: (the Service, None) if it now selects the new
    side; else the error that says what is true (not applied, changed by someone, or unknown)."""
    try:
        live = gw.get(SERVICES, namespace, change.service)
    except RollbackError as exc:
        return {}, OutcomeUnknown(
            f"{lost}; reading service/{change.service} back failed too ({exc})"
        )
    if str_map(dig(live, "spec", "selector")) == dict(change.after):
        return live, None
    actual = str(dig(live, "metadata", "resourceVersion") or "")
    if actual == change.resource_version:
        return live, Unreachable(
            f"{lost}; read back, service/{change.service} did not move "
            f"(it routes to {change.from_color})"
        )
    return live, Conflict(
        f"{lost}; read back, service/{change.service} was changed by someone else "
        f"(resourceVersion {change.resource_version} -> {actual}) without this switch"
    )


def _failed(
    gw: ClusterGateway,
    plan: TrafficSwitchPlan,
    change: SelectorChange,
    exc: RollbackError,
    applied: list[tuple[SelectorChange, dict[str, JSON]]],
    dry_run: bool,
) -> RollbackError:
    ns = plan.group.namespace
    if isinstance(exc, (Conflict, Invalid)):
        actual = _state(gw, ns, change.service, False).resource_version
        if actual != change.resource_version:
            exc = Conflict(
                f"service/{change.service} was changed since the plan was made (resourceVersion "
                f"{change.resource_version} -> {actual or '...'})"
            )
    if not applied:
        if isinstance(exc, Conflict):
            return Conflict(f"{exc.message}; nothing was applied; run again")
        return exc
    not_restored: list[tuple[SelectorChange, str]] = []
    for done, obj in reversed(applied):
        rv = str(dig(obj, "metadata", "resourceVersion") or "")
        try:
            gw.patch(
                SERVICES, ns, done.service, done.restore_patch(rv), PatchType.JSON, dry_run=dry_run
            )
        except RollbackError as restore_exc:
            not_restored.append((done, str(restore_exc)))
    failed_names = {c.service for c, _ in not_restored}
    states = [_state(gw, ns, c.service, c.service in failed_names) for c in plan.changes]
    head = (
        f"switching service/{change.service} from {change.from_color} "
        f"to {change.to_color} failed: {exc}"
    )
    if not not_restored:
        put_back = ", ".join(f"service/{c.service}" for c, _ in applied)
        return SwitchFailed(
            f"{head}; {put_back} was put back, so no traffic was moved: {_describe(states)}"
        )
    hints = "; ".join(
        f"could not put service/{c.service} back ({why}): restore it with kubectl patch service "
        f'{c.service} -n {ns} --type merge -p \'{{"spec":{{"selector":{_json(c.before)}}}}}\''
        for c, why in not_restored
    )
    return SwitchFailed(f"{head}; {hints}; the Services are now: {_describe(states)}")


def _json(value: Mapping[str, str]) -> str:
    import json

    return json.dumps(dict(value), sort_keys=True, separators=(",", ":"))


def deployment_warning(gw: ClusterGateway, history: RevisionHistory) -> PlanWarning | None:
    """The ``blue-green`` warning for a Deployment rollback plan, or None.

    Nothing when the pod template has no colour label (COLOR_KEYS); else one LIST
    of Services, and a LIST of Deployments only when a Service's colour key
    matches the Deployment's pod labels. A refused read (403) gives None.
    """
    ns = history.ref.namespace
    if not has_colour_label(as_dict(dig(history.template, "metadata", "labels"))):
        # a side of a group carries a colour label: no request needed to know it is not one
        return None
    try:
        services = gw.list(SERVICES, ns)
        if not membership_candidates({"spec": {"template": dict(history.template)}}, services):
            return None
        deployments = gw.list(DEPLOYMENTS, ns)
    except (Forbidden, NotFound):
        return None
    return deployment_group_warning(history.ref.name, detect_groups(ns, services, deployments))
