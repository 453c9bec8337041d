"""Health evidence per revision: the rollout condition, pods, our own records and Harness releases.

What the cluster shows, and so what we can claim:

- Only the current (newest) ReplicaSet's progress is visible, in the
  Deployment's Progressing condition: NewReplicaSetAvailable means the
  rollout completed (success, source "rollout"); ProgressDeadlineExceeded
  means it failed (failure, source "rollout"). The condition's message quotes
  the ReplicaSet name and we only attribute it to that ReplicaSet, and only
  while it is the current one.
- Pods (source "pods"): pods of any revision waiting in CrashLoopBackOff,
  ImagePullBackOff or ErrImagePull are failure evidence; an older revision whose
  pods are Ready while a newer revision is failing is success evidence (it is
  still serving).
- Records (source "record", shown as "recorded"): annotations under
  ``kubectl-rollback.io/`` on the ReplicaSet (ControllerRevision for StatefulSets and
  DaemonSets) that a guard, ``kubectl rollback record``, a followed rollout (``--wait``,
  the terminal UI) or a rollback leaving a healthy revision wrote. They stay on that
  object, so they survive renumbering (a revision rolled back to keeps its object).
- Harness release history (source "harness"): a Succeeded release that
  recorded revision R of this workload is success evidence for R; Failed is
  failure evidence.

That a revision was once fully available and later superseded is *not*
observable from the API (the old ReplicaSet looks the same as one that never
became available), so no evidence is invented for it: such revisions are
"unknown" unless a record says otherwise (hence ``kubectl rollback guard``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .api_objects import as_dict, as_int, as_list, dig, format_time
from .model import (
    SOURCE_HARNESS,
    SOURCE_PODS,
    SOURCE_RECORD,
    SOURCE_ROLLOUT,
    HealthEvidence,
    Revision,
    Verdict,
    WorkloadRef,
)
from .values import field, value

if TYPE_CHECKING:  # the Harness rules load only when a namespace has Harness records
    from .harness import HarnessRelease

JSON = Any

RECORD_PREFIX = "kubectl-rollback.io/"
"""Prefix of every annotation this tool writes (on ReplicaSets and
ControllerRevisions only, never on the workload)."""
OUTCOME_ANNOTATION = RECORD_PREFIX + "outcome"
"""``succeeded`` or ``failed``: how this revision's rollout ended when it was judged."""
OUTCOME_REASON_ANNOTATION = RECORD_PREFIX + "outcome-reason"
"""One line saying why (the last rollout status message, or what the recorder said)."""
OUTCOME_AT_ANNOTATION = RECORD_PREFIX + "outcome-at"
"""When the outcome was observed, RFC 3339 UTC."""
OUTCOME_BY_ANNOTATION = RECORD_PREFIX + "outcome-by"
"""Who judged: ``guard`` (``kubectl rollback guard``), ``record`` (``kubectl rollback
record``), ``wait`` (a rollback followed with ``--wait``), ``rollback`` (a revision seen
healthy when a rollback left it), ``tui`` (the terminal UI followed it)."""
OUTCOME_SETTLED_ANNOTATION = RECORD_PREFIX + "outcome-settled"
"""Seconds the revision stayed complete and Ready before a guard recorded success."""
OUTCOME_REPLICASET_ANNOTATION = RECORD_PREFIX + "outcome-replicaset"
"""The revision object (ReplicaSet, ControllerRevision) the record is about.

Plain ``kubectl rollout undo`` copies a ReplicaSet's annotations onto the
Deployment, and the controller copies Deployment annotations onto every new
ReplicaSet: without this key a record could travel to a revision it is not
about. A record whose replicaset key names another ReplicaSet is ignored.
"""
OUTCOME_SUCCEEDED = "succeeded"
OUTCOME_FAILED = "failed"
RECORDERS = ("guard", "record", "wait", "rollback", "tui")
"""The values of ``outcome-by``."""
REASON_LIMIT = 240
"""A recorded reason is cut to this many characters (annotations are small)."""

FAILING_WAIT_REASONS = (
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "CreateContainerConfigError",
)
"""Container waiting reasons that mean the revision is broken."""

_RS_IN_MESSAGE = re.compile(r'ReplicaSet "([^"]+)"')
_SECRET_IN_TEXT = re.compile(
    r"(?i)(\b(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|authorization)"
    r"\s*[:=]\s*(?:bearer\s+|basic\s+)?|\bbearer\s+|\bbasic\s+)(\S+)"
)
_URL_SECRET = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)([^/@\s]+@)?([^\s?#]*)(\?[^\s#]*)?")


def redact_text(text: str) -> str:
    """``text`` on one line with what may be a secret replaced by ``***``: the value after
    password/token/secret/key words, a URL's user:password and its query string."""
    line = " ".join(text.split())

    def url(match: re.Match[str]) -> str:
        scheme, userinfo, rest, query = match.groups()
        return scheme + ("***@" if userinfo else "") + rest + ("?***" if query else "")

    line = _URL_SECRET.sub(url, line)
    return _SECRET_IN_TEXT.sub(lambda m: m.group(1) + "***", line)


def record_reason(reason: str) -> str:
    """A reason fit for a record: one line, redacted, at most REASON_LIMIT characters."""
    line = redact_text(reason)
    return line if len(line) <= REASON_LIMIT else line[: REASON_LIMIT - 1] + "…"


def outcome_record_patch(
    verdict: Verdict,
    reason: str,
    now: datetime,
    *,
    revision_object: str | None = None,
    by: str | None = None,
    settled_seconds: float | None = None,
    resource_version: str | None = None,
) -> dict[str, JSON]:
    """A JSON merge patch for a revision object recording how its rollout ended.

    The whole body is ``{"metadata": {"annotations": {...}}}`` (with the object's
    ``resourceVersion`` as a precondition when given). ``verdict`` must be SUCCESS or
    FAILURE; ``reason`` is kept to one redacted line. With ``by``, a key this record does
    not set (``outcome-settled`` on a failure) is removed, so an older record never mixes in.
    """
    if verdict is Verdict.UNKNOWN:
        raise ValueError("only a success or a failure can be recorded")
    if by is not None and by not in RECORDERS:
        raise ValueError(f"unknown recorder {by!r}")
    annotations: dict[str, str | None] = {
        OUTCOME_ANNOTATION: OUTCOME_SUCCEEDED if verdict is Verdict.SUCCESS else OUTCOME_FAILED,
        OUTCOME_REASON_ANNOTATION: record_reason(reason),
        OUTCOME_AT_ANNOTATION: format_time(now),
    }
    if by is not None:
        annotations[OUTCOME_BY_ANNOTATION] = by
        annotations[OUTCOME_SETTLED_ANNOTATION] = (
            str(round(settled_seconds))
            if settled_seconds is not None and verdict is Verdict.SUCCESS
            else None
        )
    if revision_object:
        annotations[OUTCOME_REPLICASET_ANNOTATION] = revision_object
    metadata: dict[str, JSON] = {"annotations": annotations}
    if resource_version:
        metadata["resourceVersion"] = resource_version
    return {"metadata": metadata}


def _short_time(at: str | None) -> str | None:
    """``2026-12-01T10:02:33Z`` -> ``2026-12-01 10:02`` (as written when it does not parse)."""
    if not at:
        return None
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(\.\d+)?)?Z", at)
    return f"{match.group(1)} {match.group(2)}" if match else at


def record_evidence(annotations: Mapping[str, str], object_name: str) -> HealthEvidence | None:
    """Evidence from our own record annotations on a revision object, if any:
    ``guard, 2026-12-01 10:02, settled 30s`` (then ``: reason`` for a failure or a
    reason given to ``record``)."""
    outcome = annotations.get(OUTCOME_ANNOTATION)
    about = annotations.get(OUTCOME_REPLICASET_ANNOTATION)
    if about and about != object_name:
        return None
    if outcome not in (OUTCOME_SUCCEEDED, OUTCOME_FAILED):
        return None
    reason = annotations.get(OUTCOME_REASON_ANNOTATION, "").strip()
    by = annotations.get(OUTCOME_BY_ANNOTATION) or "rollout followed"
    parts = [by]
    when = _short_time(annotations.get(OUTCOME_AT_ANNOTATION))
    if when:
        parts.append(when)
    settled = annotations.get(OUTCOME_SETTLED_ANNOTATION, "")
    if outcome == OUTCOME_SUCCEEDED and settled.isdigit():
        parts.append(f"settled {settled}s")
    text = ", ".join(parts)
    if reason and (outcome == OUTCOME_FAILED or by in ("record", "rollout followed")):
        text += f": {reason}"
    verdict = Verdict.SUCCESS if outcome == OUTCOME_SUCCEEDED else Verdict.FAILURE
    return HealthEvidence(verdict, SOURCE_RECORD, text)


def rollout_evidence(deployment: Mapping[str, JSON]) -> tuple[str | None, HealthEvidence] | None:
    """Evidence from the Deployment's Progressing condition, with the ReplicaSet it names.

    Returns None when the condition says nothing final (still progressing, paused...).
    """
    status = as_dict(deployment.get("status"))
    condition = next(
        (
            as_dict(c)
            for c in as_list(status.get("conditions"))
            if as_dict(c).get("type") == "Progressing"
        ),
        None,
    )
    if condition is None:
        return None
    reason = condition.get("reason")
    message = str(condition.get("message") or "")
    match = _RS_IN_MESSAGE.search(message)
    named = match.group(1) if match else None
    replicas = as_int(dig(deployment, "spec", "replicas"), 1)
    available = as_int(status.get("availableReplicas"))
    if reason == "NewReplicaSetAvailable":
        return named, HealthEvidence(
            Verdict.SUCCESS,
            SOURCE_ROLLOUT,
            f"completed: Progressing=NewReplicaSetAvailable, {available}/{replicas} available",
        )
    if reason == "ProgressDeadlineExceeded":
        deadline = as_int(dig(deployment, "spec", "progressDeadlineSeconds"), 600)
        return named, HealthEvidence(
            Verdict.FAILURE,
            SOURCE_ROLLOUT,
            f"progress deadline exceeded: Progressing=ProgressDeadlineExceeded after {deadline}s, "
            f"{available}/{replicas} available",
        )
    return None


@value
class PodSummary:
    """What a ReplicaSet's pods show now: how many are active, Ready, and stuck per reason."""

    active: int = 0
    ready: int = 0
    waiting: Mapping[str, int] = field(default_factory=dict)


def pod_ready(pod: Mapping[str, JSON]) -> bool:
    """The pod's Ready condition is True."""
    for condition in as_list(dig(pod, "status", "conditions")):
        condition = as_dict(condition)
        if condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return False


def summarise_pods(pods: Sequence[Mapping[str, JSON]]) -> PodSummary:
    """Count active pods (not terminating, not Succeeded/Failed), Ready ones and failing reasons."""
    active = ready = 0
    waiting: dict[str, int] = {}
    for pod in pods:
        if dig(pod, "metadata", "deletionTimestamp"):
            continue
        if dig(pod, "status", "phase") in ("Succeeded", "Failed"):
            continue
        active += 1
        if pod_ready(pod):
            ready += 1
        reasons: set[str] = set()
        for key in ("initContainerStatuses", "containerStatuses"):
            for cs in as_list(dig(pod, "status", key)):
                wait_reason = dig(cs, "state", "waiting", "reason")
                if wait_reason in FAILING_WAIT_REASONS:
                    reasons.add(str(wait_reason))
        for wait_reason in reasons:
            waiting[wait_reason] = waiting.get(wait_reason, 0) + 1
    return PodSummary(active, ready, waiting)


def _pods(n: int) -> str:
    return f"{n} pod" if n == 1 else f"{n} pods"


def pod_failure_evidence(summary: PodSummary) -> HealthEvidence | None:
    """Failure evidence when pods wait in CrashLoopBackOff / ImagePullBackOff / ErrImagePull."""
    if not summary.waiting:
        return None
    parts = [
        f"{_pods(summary.waiting[reason])} in {reason}"
        for reason in FAILING_WAIT_REASONS
        if summary.waiting.get(reason)
    ]
    return HealthEvidence(Verdict.FAILURE, SOURCE_PODS, ", ".join(parts))


def _harness_evidence(
    release: HarnessRelease, recorded: int, revision: Revision
) -> HealthEvidence | None:
    renumbered = "" if recorded == revision.number else f" (now revision {revision.number})"
    where = f"Harness release {release.release_name} #{release.number} {release.status}"
    reason = f"{where}: deployed revision {recorded}{renumbered}, from {release.source}"
    if release.status == "Succeeded":
        return HealthEvidence(Verdict.SUCCESS, SOURCE_HARNESS, reason)
    if release.status == "Failed":
        return HealthEvidence(Verdict.FAILURE, SOURCE_HARNESS, reason)
    return None


def _revision_for(number: int, revisions: Sequence[Revision]) -> Revision | None:
    exact = next((r for r in revisions if r.number == number), None)
    if exact is not None:
        return exact
    # A revision rolled back to is renumbered; Harness may still hold its old number.
    return next((r for r in revisions if number in r.former_numbers), None)


def attach_evidence(
    revisions: Sequence[Revision],
    *,
    deployment: Mapping[str, JSON],
    pods: Mapping[str, PodSummary] | None,
    releases: Sequence[HarnessRelease] = (),
    ref: WorkloadRef,
    rollout: tuple[str | None, HealthEvidence] | None = None,
) -> tuple[Revision, ...]:
    """``revisions`` with their evidence filled in (order kept).

    ``pods`` maps ReplicaSet name to its PodSummary; None means pods were not
    looked at (no pod evidence at all, rather than "no pods"). ``rollout``: the
    rollout evidence of the current revision when the caller computed it (a
    StatefulSet or DaemonSet has no Progressing condition); by default it comes
    from ``deployment``'s Progressing condition.
    """
    found: dict[str, list[HealthEvidence]] = {r.object_name: [] for r in revisions}
    current = next((r for r in revisions if r.current), None)

    if rollout is None:
        rollout = rollout_evidence(deployment)
    if rollout is not None and current is not None:
        named, item = rollout
        if named is None or named == current.object_name:
            found[current.object_name].append(item)

    if pods is not None:
        for revision in revisions:
            failure = pod_failure_evidence(pods.get(revision.object_name, PodSummary()))
            if failure is not None:
                found[revision.object_name].append(failure)

    for revision in revisions:
        record = record_evidence(revision.annotations, revision.object_name)
        if record is not None:
            found[revision.object_name].append(record)

    for release in releases:
        recorded = release.revision_of(ref.kind, ref.namespace, ref.name)
        if recorded is None:
            continue
        target = _revision_for(recorded, revisions)
        if target is None:
            continue
        harness = _harness_evidence(release, recorded, target)
        if harness is not None:
            found[target.object_name].append(harness)

    if pods is not None:
        failing_live = [
            r
            for r in revisions
            if any(e.live and e.verdict is Verdict.FAILURE for e in found[r.object_name])
        ]
        for revision in revisions:
            summary = pods.get(revision.object_name, PodSummary())
            if summary.ready == 0 or summary.waiting:
                continue
            newer = [r for r in failing_live if r.number > revision.number]
            if not newer:
                continue
            failing = max(newer, key=lambda r: r.number)
            found[revision.object_name].insert(
                0,
                HealthEvidence(
                    Verdict.SUCCESS,
                    SOURCE_PODS,
                    f"still serving {_pods(summary.ready).replace('pod', 'Ready pod')} "
                    f"while revision {failing.number} is failing",
                ),
            )

    return tuple(r.with_evidence(tuple(found[r.object_name])) for r in revisions)
