"""Carrying a rollback plan out, for every workload kind: execute (the one patch, its
Event, the records of the revisions left), follow the rollout (and record its outcome),
restore, and the revision records themselves.

The other half of the use case: ``rollback.py`` reads a workload and plans (all that a
dry run or ``history`` needs); this module is loaded once a plan is to be applied. Both
front ends, and the release and guard features, call the two and nothing else of the
core to roll a workload back. All I/O goes through a ClusterGateway passed in; time comes
in as ``now`` / ``now_fn``.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .api_objects import as_dict, dig, label_selector_string, name_of
from .errors import Conflict, Invalid, NotFound, OutcomeUnknown, Refused, RollbackError, Unreachable
from .events import workload_event
from .evidence import outcome_record_patch
from .history import CHANGE_CAUSE_ANNOTATION
from .kinds import WorkloadHistory, WorkloadKind, kind_named
from .model import Verdict, WorkloadRef
from .ports import EVENTS, ClusterGateway, PatchType, WatchEvent
from .rollback import RollbackResult, get_workload
from .status import RolloutStatus
from .values import value

if TYPE_CHECKING:
    from .plan import RollbackPlan

JSON = Any

EVENT_REASON = "RolledBack"
RESTORE_ATTEMPTS = 5
"""How often ``restore`` reads again after its precondition lost a race with a status write."""
PATCH_ATTEMPTS = 5
"""How often ``execute`` sends the plan's patch again after such a race (see untouched_since)."""
RECORD_ATTEMPTS = 8
"""How often ``write_record`` tries, reading again after its precondition lost such a race."""
RECORD_PAUSES = (0.05, 0.1, 0.2, 0.4, 0.8)
"""Seconds ``write_record`` waits before its 2nd, 3rd... attempt (the last one after that on):
a rollout's controllers write status in bursts, and reading again at once lost every race to
them under load (3.15 s at most in all)."""


def rollback_event(
    plan: RollbackPlan, workload: Mapping[str, JSON], now: datetime
) -> dict[str, JSON]:
    """The Event recorded on the workload after a rollback (reason RolledBack)."""
    target = {
        "apiVersion": kind_named(plan.ref.kind).resource.api_version,
        "kind": plan.ref.kind,
        "metadata": {
            **as_dict(workload.get("metadata")),
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

    The patch carries its precondition (a Deployment's JSON patch tests the
    resourceVersion first; a StatefulSet's or DaemonSet's strategic-merge body carries
    it). Raises Refused when the plan refuses (paused), Conflict when the workload changed
    since the plan was made (nothing applied). A noop plan returns without any request.
    An answer lost after sending is never resent: the workload is read back and the true
    state reported. A failure to record the Event does not fail the rollback.
    """
    if plan.refusal is not None:
        raise Refused(plan.refusal)
    if plan.noop is not None:
        return RollbackResult(plan, applied=False, dry_run=dry_run, noop=True, message=plan.noop)
    kind = kind_named(plan.ref.kind)
    ns, name = plan.ref.namespace, plan.ref.name
    answer_lost = False
    body = kind.patch_body(plan)
    sent_rv = plan.resource_version
    for attempt in range(PATCH_ATTEMPTS):
        try:
            patched = gw.patch(kind.resource, ns, name, body, kind.patch_type, dry_run=dry_run)
            break
        except (Conflict, Invalid) as exc:
            live = _live_or_none(gw, plan.ref)
            actual = str(dig(live, "metadata", "resourceVersion") or "") if live else None
            if actual == sent_rv:
                raise  # not the precondition: the server refused the change itself
            if live is None or attempt == PATCH_ATTEMPTS - 1 or not untouched_since(plan, live):
                raise Conflict.changed_since_plan(
                    plan.ref.display, plan.resource_version, actual
                ) from exc
            # Only a controller's status write came between (the spec and annotations are
            # as planned): the same change, on what is there now, as kubectl retries.
            assert actual is not None
            body, sent_rv = kind.patch_body(plan, resource_version=actual), actual
        except OutcomeUnknown as exc:
            if dry_run:
                raise
            patched = read_back(gw, plan, exc)
            answer_lost = True
            break
    result_rv = str(dig(patched, "metadata", "resourceVersion") or "") or None
    if dry_run:
        return RollbackResult(
            plan,
            True,
            True,
            False,
            f"{plan.ref.display} rolled back (server dry run)",
            result_rv,
            workload=patched,
        )
    event_recorded, event_error = True, None
    try:
        gw.create(EVENTS, ns, rollback_event(plan, patched, now or plan.created_at))
    except RollbackError as exc:
        event_recorded, event_error = False, str(exc)
    _record_left(gw, plan, now or plan.created_at)
    lost = " (the server's answer was lost; read back, the rollback is applied)"
    return RollbackResult(
        plan,
        applied=True,
        dry_run=False,
        noop=False,
        message=f"{plan.ref.display} rolled back" + (lost if answer_lost else ""),
        resource_version=result_rv,
        event_recorded=event_recorded,
        event_error=event_error,
        workload=patched,
    )


def holds_rollback(workload: Mapping[str, JSON], plan: RollbackPlan) -> bool:
    """Whether the workload as it is now carries the plan's change (template and change-cause)."""
    target = kind_named(plan.ref.kind).planned_template(plan)
    annotations = as_dict(dig(workload, "metadata", "annotations"))
    return (
        target is not None
        and dig(workload, "spec", "template") == target
        and annotations.get(CHANGE_CAUSE_ANNOTATION) == plan.change_cause
    )


def read_back(gw: ClusterGateway, plan: RollbackPlan, lost: OutcomeUnknown) -> dict[str, JSON]:
    """After a PATCH that got no answer: the workload if it holds the rollback, else the true
    state as an error.

    Never sends the PATCH again. Applied: returns the object (the caller goes on as after
    an answer). Not applied (unchanged since the plan): Unreachable, run again. Changed by
    someone else without our change: Conflict.
    """
    display = plan.ref.display
    try:
        live = get_workload(gw, plan.ref)
    except RollbackError as exc:
        raise OutcomeUnknown(
            f"{lost}; reading {display} back failed too ({exc}): "
            "look at it (kubectl get) before running again"
        ) from None
    if holds_rollback(live, plan):
        return live
    actual = str(dig(live, "metadata", "resourceVersion") or "")
    if actual == plan.resource_version:
        raise Unreachable(
            f"{lost}; read back, {display} is unchanged: nothing was applied; run again"
        ) from None
    raise Conflict(
        f"{lost}; read back, {display} was changed (resourceVersion {plan.resource_version} "
        f"-> {actual}) but does not hold the rollback: it was not applied, or was changed "
        "again since; look before running again"
    ) from None


def _record_left(gw: ClusterGateway, plan: RollbackPlan, now: datetime) -> None:
    """Write down how the revisions we leave were doing, while the cluster still shows it.

    A revision failing now (its pods crash, its rollout missed its deadline) is recorded as
    failed: once its pods are gone the failure is no longer observable, and the record keeps
    the next rollback from choosing it. A revision healthy now (rolled out, its pods
    serving) is recorded as succeeded: superseded, it would otherwise look like one that
    never became available. A revision already recorded with that verdict keeps its record
    (a guard's is more precise). A refused write does not fail the rollback.
    """
    kind = kind_named(plan.ref.kind)
    for revision in kind.revisions_left(plan):
        if revision is None:
            continue
        if revision.health is Verdict.FAILURE and revision.live_failure:
            verdict, reason = Verdict.FAILURE, f"rolled back from: {revision.health_reason}"
        elif revision.health is Verdict.SUCCESS and revision.live_success:
            verdict, reason = (
                Verdict.SUCCESS,
                f"healthy when rolled back from: {revision.health_reason}",
            )
        else:
            continue
        if revision.recorded is verdict:
            continue
        with contextlib.suppress(RollbackError):
            # At once: the rollback's answer waits for these (best effort; see above).
            write_record(
                gw,
                plan.ref,
                revision.object_name,
                verdict,
                reason,
                now=now,
                by="rollback",
                pauses=(),
            )


def write_record(
    gw: ClusterGateway,
    ref: WorkloadRef,
    revision_object: str | Mapping[str, JSON],
    verdict: Verdict,
    reason: str,
    *,
    now: datetime,
    by: str,
    settled_seconds: float | None = None,
    pauses: Sequence[float] = RECORD_PAUSES,
    pause: Callable[[float], None] | None = None,
) -> dict[str, JSON]:
    """Record ``verdict`` on one revision object of ``ref`` (annotations, evidence.py).

    The merge patch carries the object's resourceVersion as a precondition; when a
    controller's status write wins the race, the object is read again (the same uid: the
    same revision) after a pause (``pauses``: none, at once) and the record written on what
    is there now, up to RECORD_ATTEMPTS times (then Conflict). Returns the object as written.
    A revision object replaced meanwhile (another uid) raises Conflict, nothing written.
    """
    kind = kind_named(ref.kind)
    resource = kind.revision_resource
    if isinstance(revision_object, str):
        obj: Mapping[str, JSON] = gw.get(resource, ref.namespace, revision_object)
    else:
        obj = revision_object
    name = name_of(obj)
    uid = dig(obj, "metadata", "uid")
    for attempt in range(RECORD_ATTEMPTS):
        patch = outcome_record_patch(
            verdict,
            reason,
            now,
            revision_object=name,
            by=by,
            settled_seconds=settled_seconds,
            resource_version=str(dig(obj, "metadata", "resourceVersion") or "") or None,
        )
        try:
            return gw.patch(resource, ref.namespace, name, patch, PatchType.MERGE)
        except Conflict as exc:
            if attempt == RECORD_ATTEMPTS - 1:
                raise Conflict(
                    f"{resource.kind} {name} kept changing: the record lost the race to "
                    f"{RECORD_ATTEMPTS} writes ({exc})"
                ) from exc
        if pauses:
            (pause or time.sleep)(pauses[min(attempt, len(pauses) - 1)])
        obj = gw.get(resource, ref.namespace, name)
        if uid and dig(obj, "metadata", "uid") != uid:
            raise Conflict(
                f"{resource.kind} {name} was replaced (another uid) while recording on it: "
                "not recorded"
            )
    raise AssertionError("unreachable")


def _live_or_none(gw: ClusterGateway, ref: WorkloadRef) -> dict[str, JSON] | None:
    try:
        return get_workload(gw, ref)
    except RollbackError:
        return None


def untouched_since(plan: RollbackPlan, live: Mapping[str, JSON]) -> bool:
    """Whether nobody but a controller's status write changed the workload since ``plan``:
    the same generation (every spec change bumps it), annotations and labels."""
    if plan.generation is None or plan.annotations_at_plan is None or plan.labels_at_plan is None:
        return False
    meta = as_dict(live.get("metadata"))

    def strings(key: str) -> dict[str, str]:
        return {str(k): str(v) for k, v in as_dict(meta.get(key)).items()}

    return (
        meta.get("generation") == plan.generation
        and strings("annotations") == dict(plan.annotations_at_plan)
        and strings("labels") == dict(plan.labels_at_plan)
    )


@value
class RolloutOutcome:
    """How a followed rollout ended; ``verdict`` UNKNOWN on timeout (and for a workload with no
    rollout to follow); ``revision`` the revision object the outcome was recorded on."""

    verdict: Verdict
    status: RolloutStatus
    timed_out: bool
    revision: str | None
    record_written: bool
    record_error: str | None = None
    """Why the outcome was not recorded when it was due (a refused or lost write)."""


def follow(
    gw: ClusterGateway,
    ref: WorkloadRef,
    *,
    timeout_seconds: int,
    now_fn: Callable[[], datetime],
    on_status: Callable[[RolloutStatus], None],
    expect_revision: str | None = None,
    record: bool = True,
    recorder: str = "wait",
) -> RolloutOutcome:
    """Watch the rollout until it is done, fails, or ``timeout_seconds`` pass.

    ``on_status`` gets every new status line (kubectl's wording). On done or failed the
    outcome is recorded on the revision object now current (evidence.outcome_record_patch).
    A timeout records nothing: a short ``--timeout`` is not evidence that the revision is
    broken. Kinds without a progress deadline (StatefulSets, DaemonSets) end a stuck
    rollout in a timeout; an OnDelete workload has no rollout to follow (verdict UNKNOWN,
    kubectl's message, nothing recorded).
    """
    kind = kind_named(ref.kind)
    status, workload, timed_out = watch_rollout(
        ref,
        get=lambda: gw.get(kind.resource, ref.namespace, ref.name),
        watch=lambda rv, seconds: gw.watch(
            kind.resource, ref.namespace, rv, name=ref.name, timeout_seconds=seconds
        ),
        status_of=lambda obj: kind.status(obj, expect_revision=expect_revision),
        timeout_seconds=timeout_seconds,
        now_fn=now_fn,
        on_status=on_status,
    )
    if timed_out:
        return RolloutOutcome(Verdict.UNKNOWN, status, True, None, False)
    if kind.not_followable(status):
        return RolloutOutcome(Verdict.UNKNOWN, status, False, None, False)
    verdict = Verdict.SUCCESS if status.done else Verdict.FAILURE
    revision, written, error = (None, False, None)
    if record:
        revision, written, error = _record_outcome(
            gw, kind, ref, workload, status, verdict, now_fn(), recorder
        )
    return RolloutOutcome(verdict, status, False, revision, written, error)


def watch_rollout(
    ref: WorkloadRef,
    *,
    get: Callable[[], dict[str, JSON]],
    watch: Callable[[str, int], Iterator[WatchEvent]],
    status_of: Callable[[Mapping[str, JSON]], RolloutStatus],
    timeout_seconds: int,
    now_fn: Callable[[], datetime],
    on_status: Callable[[RolloutStatus], None],
) -> tuple[RolloutStatus, Mapping[str, JSON], bool]:
    """GET, then watch from its resourceVersion until done, failed or the deadline.

    Returns the last status, the last object seen and whether the deadline passed.
    ``on_status`` gets each new status line once. A watch that ends (timeout, 410
    Expired, a cut stream: an ERROR event) is resumed from a fresh GET.
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
        # Closed here, in the normal flow, not later by the garbage collector: an exception
        # raised while the stream closes (a signal's Stopped) then reaches the caller
        # instead of being printed as "ignored" and lost.
        events = watch(rv, max(1, math.ceil(remaining)))
        try:
            for event_type, obj in events:
                if event_type == "ERROR":
                    break  # e.g. 410 Expired: start again from a fresh GET
                if event_type == "DELETED":
                    raise NotFound(f"{ref.display} was deleted while waiting for the rollout")
                if event_type == "BOOKMARK" or name_of(obj) != ref.name:
                    continue
                current = obj
                status = observe(obj)
                if status.done or status.failed or now_fn() >= deadline:
                    resync = False
                    break
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()
        if resync and not (status.done or status.failed):
            current = get()
            status = observe(current)
    return status, current, False


def _record_outcome(
    gw: ClusterGateway,
    kind: WorkloadKind,
    ref: WorkloadRef,
    workload: Mapping[str, JSON],
    status: RolloutStatus,
    verdict: Verdict,
    now: datetime,
    recorder: str,
) -> tuple[str | None, bool, str | None]:
    """(the revision object recorded on, whether written, why not)."""
    current: Mapping[str, JSON] | None = None
    try:
        selector = label_selector_string(as_dict(dig(workload, "spec", "selector")))
        revisions = gw.list(kind.revision_resource, ref.namespace, label_selector=selector)
        current = kind.current_revision(workload, revisions)
        if current is None:
            return None, False, f"no {kind.revision_resource.kind} of the current revision found"
        reason = kind.outcome_reason(workload, status)
        write_record(gw, ref, current, verdict, reason, now=now, by=recorder)
        return name_of(current), True, None
    except RollbackError as exc:
        # The rollout outcome stands even if the record could not be written: said, not failed.
        return (name_of(current) if current is not None else None), False, str(exc)


def restore(
    gw: ClusterGateway, history: WorkloadHistory, result: RollbackResult
) -> dict[str, JSON]:
    """Put a rolled-back workload back: exactly the template and change-cause it had when
    ``history`` was read.

    Only while nobody else changed it since the rollback: its generation (bumped by every
    spec change, not by the controllers' status and annotation writes) must still be the
    one the rollback's answer gave, else Conflict and nothing is written; the patch itself
    is guarded by the resourceVersion just read.
    """
    kind = kind_named(history.ref.kind)
    ours = dig(result.workload or {}, "metadata", "generation")
    for attempt in range(RESTORE_ATTEMPTS):
        live = get_workload(gw, history.ref)
        now_at = dig(live, "metadata", "generation")
        if ours is None or now_at != ours:
            raise Conflict(
                f"{history.ref.display} was changed since the rollback (generation {ours} -> "
                f"{now_at}): not put back"
            )
        body = kind.restore_body(
            history.template,
            history.annotations.get(CHANGE_CAUSE_ANNOTATION),
            str(dig(live, "metadata", "resourceVersion") or ""),
        )
        try:
            return gw.patch(
                kind.resource, history.ref.namespace, history.ref.name, body, kind.patch_type
            )
        except (Conflict, Invalid):
            # The controllers wrote status between the GET and the PATCH (the generation
            # says nobody changed the spec): read again, as kubectl retries on conflict.
            if attempt == RESTORE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
