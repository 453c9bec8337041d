"""The guard: follow a rollout until it is healthy and stays so, or has failed; record the
outcome on the revision; roll a failure back to the last successful revision.

``kubectl rollback guard TYPE/NAME`` is the step a pipeline runs right after ``kubectl
apply`` / ``helm upgrade``. It is a composition of the use case (rollback.py):

- ``judge`` (pure) reads one observation (the workload, its revision objects, its pods)
  into where the rollout stands: waiting for the controller, progressing, settling (complete
  and Ready, held for ``--settle``), healthy, failed (ProgressDeadlineExceeded; new pods in
  ImagePullBackOff / CrashLoopBackOff / ErrImagePull / CreateContainerConfigError for longer
  than ``--grace``; a pod that crashes or restarts while settling), or superseded (someone
  deployed again: nothing is judged).
- ``follow_rollout`` reads the cluster until the judgement is final or the deadline passes
  (a timeout is a failure: the revision did not become healthy in the time given). It
  watches the workload (resumed from a fresh GET after 410 Expired or a cut stream) and
  lists the workload's pods by its selector each time something changes, at least every
  ``TICK_SECONDS``.
- ``Guard.run`` records the outcome on the revision object (rollback.write_record, by
  ``guard``), and after a failure plans a rollback as ``kubectl rollback --yes`` does, but
  requiring a target with evidence of success: with none it does not guess. It executes
  with the same precondition (a concurrent edit is refused, never overwritten), and
  follows the rollback the same way, up to ``max_rollbacks`` times.

Time comes in as ``now_fn``; the guard keeps what it has done so far on itself, so a front
end interrupted by a signal reports the true state.
"""

from __future__ import annotations

import contextlib
import enum
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from .api_objects import (
    as_dict,
    as_int,
    dig,
    label_selector_string,
    name_of,
)
from .errors import Conflict, NotFound, RollbackError, TargetError
from .evidence import OUTCOME_REASON_ANNOTATION, pod_failure_evidence, pod_ready, summarise_pods
from .execution import execute, write_record
from .history import REVISION_ANNOTATION, images_of
from .kinds import WorkloadKind, kind_named
from .model import Verdict, WorkloadRef
from .plan import RollbackPlan
from .pods import pod_restarts
from .ports import PODS, ClusterGateway, optional_read
from .rollback import Prepared, RollbackResult, prepare
from .values import field, replace, value

JSON = Any

TICK_SECONDS = 2
"""The longest the guard goes without looking at the pods while nothing else changes."""
RETRIES = 5
"""How often a write whose precondition lost a race with a status write is tried again."""


class Phase(enum.Enum):
    """Where a followed rollout stands."""

    WAITING = "waiting"
    PROGRESSING = "progressing"
    SETTLING = "settling"
    HEALTHY = "healthy"
    FAILED = "failed"
    SUPERSEDED = "superseded"
    UNFOLLOWABLE = "unfollowable"


FINAL = frozenset({Phase.HEALTHY, Phase.FAILED, Phase.SUPERSEDED, Phase.UNFOLLOWABLE})


@value
class GuardSettings:
    """The guard's knobs (the CLI's flags)."""

    settle_seconds: float = 30.0
    grace_seconds: float = 120.0
    timeout_seconds: float = 600.0
    rollback: bool = True
    max_rollbacks: int = 1


@value
class Watched:
    """What the judge remembers between two observations."""

    revision_object: str | None = None
    revision_number: int | None = None
    images: str = ""
    failing_since: datetime | None = None
    complete_since: datetime | None = None
    restarts: Mapping[str, int] = field(default_factory=dict)
    """Container restarts per pod of the revision when settling began."""


@value
class Judgement:
    """One observation read: the phase, one line saying why, and the state to carry on."""

    phase: Phase
    message: str
    state: Watched


def duration_text(seconds: float) -> str:
    """``45s``, ``2m0s``, ``1h0m0s`` (Go's form, as kubectl prints durations)."""
    whole = max(0, int(round(seconds)))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def _images(kind: WorkloadKind, revision: Mapping[str, JSON]) -> str:
    return ", ".join(i.image for i in images_of(kind.revision_template(revision)) if not i.init)


def _revision_number(revision: Mapping[str, JSON]) -> int | None:
    number = as_int(dig(revision, "metadata", "annotations", REVISION_ANNOTATION)) or as_int(
        revision.get("revision")
    )
    return number or None


def judge(
    kind: WorkloadKind,
    workload: Mapping[str, JSON],
    revisions: Sequence[Mapping[str, JSON]],
    pods: Sequence[Mapping[str, JSON]] | None,
    state: Watched,
    now: datetime,
    settings: GuardSettings,
) -> Judgement:
    """Where the rollout stands (pure). ``pods`` None: not allowed to list them (the
    judgement rests on the workload's status alone)."""
    generation = as_int(dig(workload, "metadata", "generation"))
    observed = as_int(dig(workload, "status", "observedGeneration"))
    if observed < generation:
        return Judgement(
            Phase.WAITING,
            f"waiting for the controller to observe generation {generation}",
            state,
        )
    current = kind.current_revision(workload, revisions)
    if current is None:
        return Judgement(Phase.WAITING, "waiting for the controller's new revision", state)
    name = name_of(current)
    if state.revision_object is not None and name != state.revision_object:
        number = _revision_number(current)
        return Judgement(
            Phase.SUPERSEDED,
            f"{kind.kind.lower()}/{name_of(workload)} moved on to revision {number} ({name}) "
            f"while revision {state.revision_number} ({state.revision_object}) was followed: "
            "someone deployed again; nothing judged",
            state,
        )
    if state.revision_object is None:
        state = replace(
            state,
            revision_object=name,
            revision_number=_revision_number(current),
            images=_images(kind, current),
        )
    status = kind.status(workload, expect_revision=name)
    if kind.not_followable(status):
        return Judgement(Phase.UNFOLLOWABLE, status.message, state)
    if status.failed:
        return Judgement(Phase.FAILED, status.message, state)

    revision_pods = kind.revision_pods(workload, current, pods) if pods is not None else []
    summary = summarise_pods(revision_pods)
    failing = pod_failure_evidence(summary) if pods is not None else None
    restarts = {
        name_of(p): pod_restarts(p)
        for p in revision_pods
        if not dig(p, "metadata", "deletionTimestamp")
    }

    if state.complete_since is not None:
        held = (now - state.complete_since).total_seconds()
        grown = sorted(p for p, n in restarts.items() if n > state.restarts.get(p, 0))
        if failing is not None or grown:
            what = (
                failing.reason
                if failing is not None
                else f"{len(grown)} pod{'s' if len(grown) != 1 else ''} restarted ({grown[0]})"
            )
            return Judgement(
                Phase.FAILED,
                f"was complete and Ready, then {what} after {duration_text(held)} "
                f"(--settle {duration_text(settings.settle_seconds)})",
                state,
            )

    if failing is not None:
        since = state.failing_since or now
        state = replace(state, failing_since=since)
        lasted = (now - since).total_seconds()
        if lasted >= settings.grace_seconds:
            return Judgement(Phase.FAILED, f"{failing.reason} for {duration_text(lasted)}", state)
        return Judgement(
            Phase.PROGRESSING,
            f"{status.message} ({failing.reason}; a failure if it lasts "
            f"--grace {duration_text(settings.grace_seconds)})",
            replace(state, complete_since=None),
        )
    state = replace(state, failing_since=None)

    all_ready = pods is None or summary.ready == summary.active
    if status.done and all_ready:
        if state.complete_since is None:
            state = replace(state, complete_since=now, restarts=restarts)
        held = (now - (state.complete_since or now)).total_seconds()
        if held >= settings.settle_seconds:
            return Judgement(
                Phase.HEALTHY,
                f"{status.message}; complete and Ready for {duration_text(held)}",
                state,
            )
        return Judgement(
            Phase.SETTLING,
            f"{status.message}; settling: Ready for {duration_text(held)} of "
            f"{duration_text(settings.settle_seconds)}",
            state,
        )
    if state.complete_since is not None:
        return Judgement(
            Phase.PROGRESSING,
            f"no longer complete: {status.message}",
            replace(state, complete_since=None, restarts={}),
        )
    return Judgement(Phase.PROGRESSING, status.message, state)


def timed_out(judgement: Judgement, settings: GuardSettings) -> Judgement:
    """``judgement`` (not final) as the failure of a rollout not healthy within --timeout."""
    return Judgement(
        Phase.FAILED,
        f"not healthy within --timeout {duration_text(settings.timeout_seconds)}: "
        f"{judgement.message}",
        judgement.state,
    )


def settled_seconds(judgement: Judgement, now: datetime) -> float | None:
    """How long a healthy rollout stayed complete and Ready (None unless healthy)."""
    since = judgement.state.complete_since
    if judgement.phase is not Phase.HEALTHY or since is None:
        return None
    return (now - since).total_seconds()


def proven_plan(
    gw: ClusterGateway, ref: WorkloadRef, *, now: datetime, actor: str | None = None
) -> tuple[Prepared, RollbackPlan | None, str | None]:
    """The rollback a guard makes after a failure: ``kubectl rollback --yes``'s plan, but to
    a revision with evidence of success only. (prepared, plan, None), or (prepared, None,
    why not) when there is none, or the plan refuses or has nothing to do."""
    prepared = prepare(gw, ref, now=now, actor=actor)
    try:
        plan = prepared.plan(None, now=now, require_healthy=True)
    except TargetError as exc:
        return prepared, None, f"not rolled back: {exc}"
    why = plan.refusal if plan.refusal is not None else plan.noop
    if why is not None:
        return prepared, None, f"not rolled back: {why}"
    return prepared, plan, None


# --------------------------------------------------------------------------- following


@value
class Followed:
    """One followed rollout: the revision, how it ended, and the record written on it."""

    ref: WorkloadRef
    phase: Phase
    message: str
    revision: int | None
    revision_object: str | None
    images: str
    started_at: datetime
    finished_at: datetime
    settled_seconds: float | None = None
    recorded: bool = False
    record_error: str | None = None

    @property
    def verdict(self) -> Verdict:
        if self.phase is Phase.HEALTHY:
            return Verdict.SUCCESS
        if self.phase is Phase.FAILED:
            return Verdict.FAILURE
        return Verdict.UNKNOWN


def _next_change(
    gw: ClusterGateway,
    kind: WorkloadKind,
    ref: WorkloadRef,
    workload: Mapping[str, JSON],
    seconds: int,
) -> Mapping[str, JSON]:
    """The workload after its next change, or as it is after ``seconds`` without one.

    A watch that ends with an ERROR (410 Expired, a cut stream) is answered by a fresh GET.
    """
    rv = str(dig(workload, "metadata", "resourceVersion") or "")
    events = gw.watch(kind.resource, ref.namespace, rv, name=ref.name, timeout_seconds=seconds)
    try:
        for event_type, obj in events:
            if event_type == "ERROR":
                return gw.get(kind.resource, ref.namespace, ref.name)
            if event_type == "DELETED":
                raise NotFound(f"{ref.display} was deleted while the guard followed it")
            if event_type == "BOOKMARK" or name_of(obj) != ref.name:
                continue
            return obj
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()
    return workload


def follow_rollout(
    gw: ClusterGateway,
    ref: WorkloadRef,
    settings: GuardSettings,
    *,
    now_fn: Callable[[], datetime],
    on_judgement: Callable[[Judgement], None],
    deadline: datetime,
) -> tuple[Judgement, datetime]:
    """Follow ``ref``'s rollout until the judgement is final, or the deadline (a FAILED
    judgement saying so). Returns the last judgement and when following began."""
    kind = kind_named(ref.kind)
    started = now_fn()
    workload: Mapping[str, JSON] = gw.get(kind.resource, ref.namespace, ref.name)
    selector = label_selector_string(as_dict(dig(workload, "spec", "selector")))
    state = Watched()
    revisions: list[dict[str, JSON]] = []
    listed_at: int | None = None
    last = ""
    while True:
        generation = as_int(dig(workload, "metadata", "generation"))
        if listed_at != generation or state.revision_object is None:
            revisions = gw.list(kind.revision_resource, ref.namespace, label_selector=selector)
            listed_at = generation
        pods = optional_read(lambda: gw.list(PODS, ref.namespace, label_selector=selector))
        now = now_fn()
        judgement = judge(kind, workload, revisions, pods, state, now, settings)
        state = judgement.state
        if judgement.phase not in FINAL and now >= deadline:
            judgement = timed_out(judgement, settings)
        if judgement.message != last:
            last = judgement.message
            on_judgement(judgement)
        if judgement.phase in FINAL:
            return judgement, started
        wait = min((deadline - now).total_seconds(), TICK_SECONDS)
        if judgement.phase is Phase.SETTLING and state.complete_since is not None:
            settle_end = state.complete_since + timedelta(seconds=settings.settle_seconds)
            wait = min(wait, (settle_end - now).total_seconds())
        workload = _next_change(gw, kind, ref, workload, max(1, math.ceil(wait)))


# ------------------------------------------------------------------------------- guard


class Outcome(enum.Enum):
    """How a guard ended (its exit code is in errors.py)."""

    HEALTHY = "healthy"
    ROLLED_BACK = "rolled-back"
    ROLLBACK_FAILED = "rollback-failed"
    FAILED = "failed"
    NOT_JUDGED = "not-judged"


@value(frozen=False)
class Guard:
    """One guard run. ``followed`` and ``rollbacks`` grow as it goes, so a front end that
    is interrupted reads the true state from them."""

    gw: ClusterGateway
    ref: WorkloadRef
    settings: GuardSettings
    now_fn: Callable[[], datetime]
    on_judgement: Callable[[Judgement], None] = lambda j: None
    on_plan: Callable[[RollbackPlan], None] = lambda p: None
    on_result: Callable[[RollbackResult], None] = lambda r: None
    critical: Callable[[], contextlib.AbstractContextManager[Any]] = contextlib.nullcontext
    """Wraps every write (a record, the rollback): the CLI holds signals off there."""
    actor: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    followed: list[Followed] = field(default_factory=list)
    rollbacks: list[RollbackResult] = field(default_factory=list)
    not_rolled_back: str | None = None
    """Why a failure was not (or no more) rolled back."""
    following: bool = False
    """True while a rollout is being followed (for an interrupted run's report)."""
    forced: list[str] = field(default_factory=list)
    """Pods deleted for a StatefulSet's forced rollback."""

    def run(self) -> Outcome:
        self.started_at = self.now_fn()
        try:
            followed = self._follow()
            while followed.verdict is Verdict.FAILURE:
                if not self.settings.rollback:
                    self.not_rolled_back = "--no-rollback: not rolled back"
                    break
                if len(self.rollbacks) >= self.settings.max_rollbacks:
                    self.not_rolled_back = (
                        f"--max-rollbacks {self.settings.max_rollbacks} reached: "
                        "not rolled back again"
                    )
                    break
                if not self._roll_back():
                    break
                followed = self._follow()
        finally:
            self.finished_at = self.now_fn()
        return self.outcome

    @property
    def outcome(self) -> Outcome:
        if not self.followed or self.followed[-1].verdict is Verdict.UNKNOWN:
            return Outcome.NOT_JUDGED
        last = self.followed[-1]
        if not self.rollbacks:
            return Outcome.HEALTHY if last.verdict is Verdict.SUCCESS else Outcome.FAILED
        return Outcome.ROLLED_BACK if last.verdict is Verdict.SUCCESS else Outcome.ROLLBACK_FAILED

    def _follow(self) -> Followed:
        deadline = self.now_fn() + timedelta(seconds=self.settings.timeout_seconds)
        self.following = True
        try:
            judgement, started = follow_rollout(
                self.gw,
                self.ref,
                self.settings,
                now_fn=self.now_fn,
                on_judgement=self.on_judgement,
                deadline=deadline,
            )
        finally:
            self.following = False
        state = judgement.state
        finished = self.now_fn()
        settled = settled_seconds(judgement, finished)
        followed = Followed(
            self.ref,
            judgement.phase,
            judgement.message,
            state.revision_number,
            state.revision_object,
            state.images,
            started,
            finished,
            settled,
        )
        if followed.verdict is not Verdict.UNKNOWN and state.revision_object is not None:
            followed = self._record(followed)
        self.followed.append(followed)
        return followed

    def _record(self, followed: Followed) -> Followed:
        assert followed.revision_object is not None
        with self.critical():
            try:
                write_record(
                    self.gw,
                    self.ref,
                    followed.revision_object,
                    followed.verdict,
                    followed.message,
                    now=followed.finished_at,
                    by="guard",
                    settled_seconds=followed.settled_seconds,
                )
            except RollbackError as exc:
                return replace(followed, record_error=str(exc))
        return replace(followed, recorded=True)

    def _roll_back(self) -> bool:
        """Plan, show and execute a rollback to the last successful revision; False (and
        ``not_rolled_back`` says why) when there is none."""
        now = self.now_fn()
        prepared, plan, why = proven_plan(self.gw, self.ref, now=now, actor=self.actor)
        if plan is None:
            self.not_rolled_back = why
            return False
        self.on_plan(plan)
        with self.critical():
            result = execute(self.gw, plan, dry_run=False, now=now)
            self.rollbacks.append(result)
        self.on_result(result)
        stuck = kind_named(self.ref.kind).stuck_pods(prepared.history)
        if stuck:
            self._force(result, stuck)
        return True

    def _force(self, result: RollbackResult, pods: Sequence[str]) -> None:
        """Kubernetes' "forced rollback" of a StatefulSet: once the controller runs the
        reverted template, delete the pods of the failed revision it waits for (still not
        Ready, still of another revision), so it recreates them from the target."""
        kind = kind_named(self.ref.kind)
        ns = self.ref.namespace
        generation = as_int(dig(result.workload or {}, "metadata", "generation"))
        workload: Mapping[str, JSON] = self.gw.get(kind.resource, ns, self.ref.name)
        deadline = self.now_fn() + timedelta(seconds=self.settings.timeout_seconds)
        while as_int(dig(workload, "status", "observedGeneration")) < generation:
            remaining = (deadline - self.now_fn()).total_seconds()
            if remaining <= 0:
                return  # the follow that comes next times out and says so
            workload = _next_change(self.gw, kind, self.ref, workload, max(1, math.ceil(remaining)))
        update = str(dig(workload, "status", "updateRevision") or "")
        for name in pods:
            with self.critical():
                if delete_waited_for_pod(self.gw, self.ref, name, update):
                    self.forced.append(name)


def delete_waited_for_pod(
    gw: ClusterGateway, ref: WorkloadRef, name: str, update_revision: str
) -> bool:
    """Delete pod ``name`` of StatefulSet ``ref`` for its forced rollback: only while it is
    still not Ready and of another revision than ``update_revision`` (the one the controller
    now rolls out), with its resourceVersion as a precondition. True when deleted."""
    for _ in range(RETRIES):
        try:
            pod = gw.get(PODS, ref.namespace, name)
        except NotFound:
            return False
        labels = as_dict(dig(pod, "metadata", "labels"))
        if pod_ready(pod) or labels.get("controller-revision-hash") == update_revision:
            return False
        try:
            gw.delete(
                PODS,
                ref.namespace,
                name,
                resource_version=str(dig(pod, "metadata", "resourceVersion") or ""),
            )
            return True
        except NotFound:
            return False
        except Conflict:
            continue  # the kubelet wrote its status meanwhile: look again
    return False


# ------------------------------------------------------------------------------ record


@value
class Recorded:
    """What ``record_revision`` wrote: on which revision, and what."""

    revision: int | None
    revision_object: str
    verdict: Verdict
    reason: str


def record_revision(
    gw: ClusterGateway,
    ref: WorkloadRef,
    verdict: Verdict,
    reason: str,
    *,
    now_fn: Callable[[], datetime],
    revision: int | None = None,
    wait_seconds: float = 30.0,
) -> Recorded:
    """``kubectl rollback record``: mark the current revision (or revision ``revision``) of
    ``ref`` as succeeded or failed, for pipelines that judge health themselves.

    Right after ``kubectl apply`` the controller may not have made the new revision yet:
    this waits (a watch, at most ``wait_seconds``) until it has observed the workload's
    generation, so the record lands on the revision that was deployed.
    """
    kind = kind_named(ref.kind)
    workload: Mapping[str, JSON] = gw.get(kind.resource, ref.namespace, ref.name)
    deadline = now_fn() + timedelta(seconds=wait_seconds)
    while as_int(dig(workload, "status", "observedGeneration")) < as_int(
        dig(workload, "metadata", "generation")
    ):
        remaining = (deadline - now_fn()).total_seconds()
        if remaining <= 0:
            raise RollbackError(
                f"{ref.display}: the controller has not observed generation "
                f"{as_int(dig(workload, 'metadata', 'generation'))} within "
                f"{duration_text(wait_seconds)}, so its revision is not known yet: nothing "
                "recorded; run again"
            )
        workload = _next_change(gw, kind, ref, workload, max(1, math.ceil(remaining)))
    selector = label_selector_string(as_dict(dig(workload, "spec", "selector")))
    revisions = gw.list(kind.revision_resource, ref.namespace, label_selector=selector)
    if revision is None:
        target = kind.current_revision(workload, revisions)
        if target is None:
            raise NotFound(f"{ref.display} has no current revision yet: nothing recorded")
    else:
        owned = kind.owned_revisions(workload, revisions)
        found = next((r for r in owned if _revision_number(r) == revision), None)
        if found is None:
            raise NotFound(f"unable to find the specified revision {revision} in history")
        target = found
    text = reason.strip() or f"recorded {verdict.value} by kubectl rollback record"
    written = write_record(gw, ref, target, verdict, text, now=now_fn(), by="record")
    reason_written = str(dig(written, "metadata", "annotations", OUTCOME_REASON_ANNOTATION) or text)
    return Recorded(_revision_number(target), name_of(target), verdict, reason_written)
