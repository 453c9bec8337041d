"""The ``kubectl-rollback.io/v1`` documents (``-o json|yaml``, plan files): one builder each.

RollbackPlan, RollbackResult (with the followed rollout), RevisionHistory, TrafficSwitchPlan,
TrafficSwitchResult, TrafficSwitchHistory, ReleasePlan, ReleaseResult, ReleaseHistory,
ReleaseList, GuardResult, RecordResult. Every front end prints these and nothing else; a plan
document read back by ``kubectl rollback apply`` is checked against ``API_VERSION`` and its kind.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from .api_objects import as_dict, format_time
from .bluegreen import BlueGreenGroup, SwitchRecord, TrafficSwitchPlan
from .bluegreen_service import TrafficSwitchResult
from .execution import RolloutOutcome
from .guard import Followed, Guard
from .kinds import WorkloadHistory, kind_named
from .model import WorkloadRef
from .plan import RollbackPlan
from .release import (
    ReleaseFailed,
    ReleaseGroup,
    ReleasePlan,
    ReleaseResult,
    WorkloadOutcome,
)
from .release_records import ReleaseHistory, ReleaseRevision
from .rendering import mask_annotations, mask_template
from .rollback import RollbackResult
from .target import TargetChoice
from .workloads import WorkloadSummary

JSON = Any

API_VERSION = "kubectl-rollback.io/v1"


def _plain(document: dict[str, JSON]) -> dict[str, JSON]:
    """Round-trip to guarantee the document is plain JSON (no tuples, no datetimes)."""
    result: dict[str, JSON] = json.loads(json.dumps(document))
    return result


def rollback_plan(plan: RollbackPlan) -> dict[str, JSON]:
    """A stable JSON-serialisable document of the plan.

    Schema (``kubectl-rollback.io/v1``, kind ``RollbackPlan``)::

        apiVersion: str               "kubectl-rollback.io/v1"
        kind: str                     "RollbackPlan"
        workload: {kind, namespace, name, display: str}
        from: {revision: int, replicaSet, images, health: str} | null
                                      (StatefulSet/DaemonSet: controllerRevision instead
                                      of replicaSet, here and in to / kubectlWouldPick)
        to: {revision: int, replicaSet, images, health: str}
        newRevisionNumber: int        the number the target gets after the rollback
        why: [str]
        kubectlWouldPick: {revision, replicaSet, images, health} | null
        imageChanges: [{container: str, init: bool, kind: added|removed|changed,
                        from: str|null, to: str|null}]
        envChanges: [{container, name: str, from: str|null, to: str|null}]
        templateDiff: str             unified diff, masked unless showSecrets
        scaling: {strategy: str, maxSurge: int|null, maxUnavailable: int|null,
                  steps: [str], moves: [{replicaSet, revision: int, from: int, to: int}]}
        annotationChanges: [{key, kind: added|changed|removed, from: str|null, to: str|null}]
        kubectlWouldDrop: [str]       Deployment annotations plain kubectl undo would drop
        warnings: [{code: str, message: str}]
        refusal: str|null
        noop: str|null
        notRolledBack: [str]
        references: {configMaps: [str], secrets: [str], configMapsChecked: bool,
                     secretsChecked: bool, missingConfigMaps: [str], missingSecrets: [str]}
        changeCause: str
        actor: str|null
        createdAt: str                RFC 3339 UTC
        resourceVersion: str          the precondition
        patch: [{op, path, value}]    env values masked unless showSecrets; with
                                      patchType strategic-merge: [body], one
                                      strategic-merge patch body
        patchType: str                json-patch | strategic-merge
        showSecrets: bool
    """
    patch = [copy.deepcopy(op) for op in plan.patch]
    if not plan.show_secrets:
        for op in patch:
            if op.get("path") == "/spec/template":
                op["value"] = mask_template(as_dict(op.get("value")))
            elif op.get("path") == "/metadata/annotations":
                op["value"] = mask_annotations(as_dict(op.get("value")))
            spec = as_dict(op.get("spec"))
            if plan.patch_type == "strategic-merge" and "template" in spec:
                spec["template"] = mask_template(as_dict(spec.get("template")))
            meta = as_dict(op.get("metadata"))
            if plan.patch_type == "strategic-merge" and isinstance(meta.get("annotations"), dict):
                meta["annotations"] = mask_annotations(as_dict(meta.get("annotations")))
    masked = not plan.show_secrets and patch != json.loads(
        json.dumps([dict(op) for op in plan.patch])
    )
    document: dict[str, JSON] = {
        "apiVersion": API_VERSION,
        "kind": "RollbackPlan",
        "workload": {
            "kind": plan.ref.kind,
            "namespace": plan.ref.namespace,
            "name": plan.ref.name,
            "display": plan.ref.display,
        },
        "from": plan.from_revision.to_dict() if plan.from_revision else None,
        "to": plan.to_revision.to_dict(),
        "newRevisionNumber": plan.new_revision_number,
        "why": list(plan.why),
        "kubectlWouldPick": plan.kubectl_would_pick.to_dict() if plan.kubectl_would_pick else None,
        "imageChanges": [
            {
                "container": c.container,
                "init": c.init,
                "kind": c.kind,
                "from": c.before,
                "to": c.after,
            }
            for c in plan.image_changes
        ],
        "envChanges": [
            {"container": c.container, "name": c.name, "from": c.before, "to": c.after}
            for c in plan.env_changes
        ],
        "templateDiff": plan.template_diff,
        "scaling": {
            "strategy": plan.scaling.strategy,
            "maxSurge": plan.scaling.max_surge,
            "maxUnavailable": plan.scaling.max_unavailable,
            "steps": list(plan.scaling.steps),
            "moves": [
                {
                    "replicaSet": m.replicaset,
                    "revision": m.revision,
                    "from": m.from_replicas,
                    "to": m.to_replicas,
                }
                for m in plan.scaling.moves
            ],
        },
        "annotationChanges": [
            {"key": c.key, "kind": c.kind, "from": c.before, "to": c.after}
            for c in plan.annotation_changes
        ],
        "kubectlWouldDrop": list(plan.kubectl_would_drop),
        "warnings": [{"code": w.code, "message": w.message} for w in plan.warnings],
        "refusal": plan.refusal,
        "noop": plan.noop,
        "notRolledBack": list(plan.not_rolled_back),
        "references": {
            "configMaps": list(plan.references.configmaps),
            "secrets": list(plan.references.secrets),
            "configMapsChecked": plan.references.configmaps_checked,
            "secretsChecked": plan.references.secrets_checked,
            "missingConfigMaps": list(plan.references.missing_configmaps),
            "missingSecrets": list(plan.references.missing_secrets),
        },
        "changeCause": plan.change_cause,
        "actor": plan.actor,
        "createdAt": format_time(plan.created_at),
        "resourceVersion": plan.resource_version,
        "patch": patch,
        "patchType": plan.patch_type,
        "showSecrets": plan.show_secrets,
        # A masked patch is for reading, not for applying: its *** are not the values.
        "secretsMasked": masked,
    }
    return _plain(document)


def traffic_switch_plan(plan: TrafficSwitchPlan) -> dict[str, JSON]:
    """A stable JSON-serialisable document of the plan.

    Schema (``kubectl-rollback.io/v1``, kind ``TrafficSwitchPlan``)::

        apiVersion: str            "kubectl-rollback.io/v1"
        kind: str                  "TrafficSwitchPlan"
        group: {name, namespace, style: harness|generic, colorKey, baseSelector: {str: str},
                live: str|null, idle: [str], previous: str|null,
                services: [{name, role: primary|stage, selector: {str: str}|null, color: str|null,
                            resourceVersion, previousSelector: {str: str}|null}],
                sides: [{color, workload: str|null, workloads: [str], replicaSet: str|null,
                         images: [{container, image, init: bool}], desiredReplicas: int,
                         readyReplicas: int, readyPods: [str], canTakeTraffic: bool,
                         problem: str|null}],
                problems: [str]}
        from: str|null             the live colour now
        to: str                    the colour traffic goes to
        why: [str]
        changes: [{service, role, resourceVersion,     in execution order
                   from: {selector, color}, to: {selector, color},
                   podsBefore: [str], podsAfter: [str],  Ready pods routed to
                   patch: [{op, path, value}]}]          JSON patch, resourceVersion tested
        scaleUp: {workload, color, resourceVersion, from: int, to: int, patch} | null
        warnings: [{code, message}]
        refusal: str|null
        noop: str|null
        force: bool
        actor: str|null
        createdAt: str             RFC 3339 UTC
    """
    document = {
        "apiVersion": API_VERSION,
        "kind": "TrafficSwitchPlan",
        "group": plan.group.to_dict(),
        "from": plan.from_color,
        "to": plan.to_color,
        "why": list(plan.why),
        "changes": [c.to_dict() for c in plan.changes],
        "scaleUp": plan.scale_up.to_dict() if plan.scale_up else None,
        "warnings": [{"code": w.code, "message": w.message} for w in plan.warnings],
        "refusal": plan.refusal,
        "noop": plan.noop,
        "force": plan.force,
        "actor": plan.actor,
        "createdAt": format_time(plan.created_at),
    }
    return _plain(document)


OUTCOMES = (
    "Applied",
    "PartlyApplied",
    "NotApplied",
    "ServerDryRun",
    "ClientDryRun",
    "NothingToDo",
)
"""What a result document's ``outcome`` says happened, one word for every result kind:
``Applied`` the change is in the cluster; ``PartlyApplied`` a release rollback stopped with
some workloads changed (``error`` says which); ``NotApplied`` it stopped before any change
stayed; ``ServerDryRun`` the API server accepted the change in a dry run, nothing changed;
``ClientDryRun`` every check passed here, nothing was sent; ``NothingToDo`` already at the
target, nothing sent."""


def _what_happened(
    *, changed: bool, dry_run: str | None, noop: bool, stopped: bool = False
) -> dict[str, JSON]:
    """The keys every result document opens with: ``outcome`` (see OUTCOMES), ``applied``
    (true only when the change is in the cluster: never in a dry run), ``dryRun``."""
    if noop:
        outcome = "NothingToDo"
    elif dry_run == "server":
        outcome = "ServerDryRun"
    elif dry_run == "client":
        outcome = "ClientDryRun"
    elif stopped:
        outcome = "PartlyApplied" if changed else "NotApplied"
    else:
        outcome = "Applied" if changed else "NotApplied"
    return {
        "outcome": outcome,
        "applied": changed and dry_run is None,
        "dryRun": dry_run is not None,
        "noop": noop,
    }


def _dry_run_mode(applied: bool, dry_run: bool) -> str | None:
    """A use-case result's dry run: the server's answered it (applied in a dry run), the
    client's did not send it."""
    if not dry_run:
        return None
    return "server" if applied else "client"


def traffic_switch_result(result: TrafficSwitchResult) -> dict[str, JSON]:
    """``{"apiVersion", "kind": "TrafficSwitchResult", "outcome", "applied", "dryRun", "noop",
    "message",
    "scaled", "eventsRecorded", "services": [{name, selector, resourceVersion, changed}],
    "plan": <TrafficSwitchPlan document>}``."""
    return {
        "apiVersion": API_VERSION,
        "kind": "TrafficSwitchResult",
        **_what_happened(
            changed=result.applied,
            dry_run=_dry_run_mode(result.applied, result.dry_run),
            noop=result.noop,
        ),
        "message": result.message,
        "scaled": result.scaled,
        "eventsRecorded": result.events_recorded,
        "services": [
            {
                "name": s.name,
                "selector": dict(s.selector) if s.selector is not None else None,
                "resourceVersion": s.resource_version,
                "changed": s.changed,
            }
            for s in result.services
        ],
        "plan": traffic_switch_plan(result.plan),
    }


def rollout(outcome: RolloutOutcome) -> dict[str, JSON]:
    """How a followed rollout ended: the ``rollout`` of a RollbackResult."""
    return {
        "verdict": outcome.verdict.value,
        "done": outcome.status.done,
        "failed": outcome.status.failed,
        "timedOut": outcome.timed_out,
        "message": outcome.status.message,
        "recordWritten": outcome.record_written,
        "recordError": outcome.record_error,
    }


def interrupted_rollout(word: str) -> dict[str, JSON]:
    """The ``rollout`` of a RollbackResult whose following a signal stopped
    (``word``: SIGINT...)."""
    return {
        "verdict": "interrupted",
        "done": False,
        "failed": False,
        "timedOut": False,
        "message": f"stopped following ({word})",
        "recordWritten": False,
        "recordError": None,
    }


def rollback_result(
    result: RollbackResult, rollout: dict[str, JSON] | None = None
) -> dict[str, JSON]:
    """``{"apiVersion", "kind": "RollbackResult", "outcome", "applied", "dryRun", "noop",
    "message",
    "resourceVersion", "eventRecorded", "eventError", "plan": <RollbackPlan>}``, and
    ``"rollout"`` (see ``rollout``) when the rollout was followed."""
    document: dict[str, JSON] = {
        "apiVersion": API_VERSION,
        "kind": "RollbackResult",
        **_what_happened(
            changed=result.applied,
            dry_run=_dry_run_mode(result.applied, result.dry_run),
            noop=result.noop,
        ),
        "message": result.message,
        "resourceVersion": result.resource_version,
        "eventRecorded": result.event_recorded,
        "eventError": result.event_error,
        "plan": rollback_plan(result.plan),
    }
    if rollout is not None:
        document["rollout"] = rollout
    return document


def revision_history(history: WorkloadHistory, choice: TargetChoice | None) -> dict[str, JSON]:
    """`history -o json|yaml`: kubectl-rollback.io/v1 RevisionHistory."""
    revision_key = kind_named(history.ref.kind).revision_json_key
    return {
        "apiVersion": API_VERSION,
        "kind": "RevisionHistory",
        "workload": {
            "kind": history.ref.kind,
            "namespace": history.ref.namespace,
            "name": history.ref.name,
            "display": history.ref.display,
        },
        "paused": history.paused,
        "revisionHistoryLimit": history.revision_history_limit,
        "currentRevision": history.current.number if history.current else None,
        "defaultTarget": choice.revision.number if choice else None,
        "kubectlWouldPick": (
            choice.kubectl_would_pick.number
            if choice and choice.kubectl_would_pick
            else (choice.revision.number if choice else None)
        ),
        "warnings": [
            {"code": w.code, "message": w.message} for w in (choice.warnings if choice else ())
        ],
        "revisions": [
            {
                "revision": r.number,
                "formerRevisions": list(r.former_numbers),
                revision_key: r.object_name,
                "podTemplateHash": r.pod_template_hash,
                "images": [
                    {"container": i.container, "image": i.image, "init": i.init} for i in r.images
                ],
                "changeCause": r.change_cause,
                "created": format_time(r.created) if r.created else None,
                "replicas": {"desired": r.desired, "ready": r.ready, "available": r.available},
                "current": r.current,
                "health": r.health.value,
                "evidence": [
                    {"verdict": e.verdict.value, "source": e.source, "reason": e.reason}
                    for e in r.evidence
                ],
            }
            for r in history.revisions
        ],
    }


def traffic_switch_history(
    group: BlueGreenGroup, records: Iterable[SwitchRecord]
) -> dict[str, JSON]:
    """`history svc/NAME -o json|yaml`: kubectl-rollback.io/v1 TrafficSwitchHistory."""
    return {
        "apiVersion": API_VERSION,
        "kind": "TrafficSwitchHistory",
        "group": group.to_dict(),
        "switches": [r.to_dict() for r in records],
    }


# ------------------------------------------------------------------------------ releases


def _group(group: ReleaseGroup) -> dict[str, JSON]:
    return {
        "name": group.name,
        "namespace": group.namespace,
        "source": group.source,
        "clue": group.clue,
        "workloads": [{"kind": r.kind, "name": r.name} for r in group.workloads],
    }


def _release_revision(revision: ReleaseRevision | None) -> dict[str, JSON] | None:
    if revision is None:
        return None
    return {
        "number": revision.number,
        "status": revision.status,
        "succeeded": revision.succeeded,
        "record": revision.record,
        "workloads": [
            {"kind": w.kind, "name": w.name, "namespace": w.namespace, "revision": w.revision}
            for w in revision.workloads
        ],
    }


def release_plan(plan: ReleasePlan) -> dict[str, JSON]:
    """``kubectl-rollback.io/v1`` ReleasePlan: the group, the records' source, from/to
    release, one RollbackPlan per workload (in execution order), warnings, what is not
    rolled back, the record updates."""
    return _plain(
        {
            "apiVersion": API_VERSION,
            "kind": "ReleasePlan",
            "release": _group(plan.group),
            "records": plan.records.source if plan.records else None,
            "from": _release_revision(plan.from_release),
            "to": _release_revision(plan.to_release),
            "workloads": [{"how": s.how, "plan": rollback_plan(s.plan)} for s in plan.steps],
            "warnings": [{"code": w.code, "message": w.message} for w in plan.warnings],
            "notRolledBack": list(plan.not_rolled_back),
            "recordUpdates": [u.description for u in plan.record_updates],
            "canaries": [
                {
                    "kind": c.ref.kind,
                    "name": c.ref.name,
                    "pods": c.pods,
                    "delete": c in plan.delete_canaries,
                }
                for c in plan.group.canaries
            ],
            "refusal": plan.refusal,
            "noop": plan.noop,
            "actor": plan.actor,
            "createdAt": format_time(plan.created_at),
        }
    )


def _workload_outcome(
    outcome: WorkloadOutcome, followed: RolloutOutcome | None, *, with_rollout: bool
) -> dict[str, JSON]:
    entry: dict[str, JSON] = {
        "kind": outcome.ref.kind,
        "name": outcome.ref.name,
        "state": outcome.state,
        "message": outcome.message,
    }
    if with_rollout:
        entry["rollout"] = rollout(followed) if followed is not None else None
    return entry


def _release_result(
    plan: ReleasePlan,
    *,
    applied: bool,
    dry_run: str | None,
    workloads: list[dict[str, JSON]],
    written: Iterable[str] = (),
    errors: Iterable[str] = (),
    error: str | None = None,
) -> dict[str, JSON]:
    """The one ReleaseResult envelope (``error`` only for a rollback that stopped)."""
    document: dict[str, JSON] = {
        "apiVersion": API_VERSION,
        "kind": "ReleaseResult",
        **_what_happened(
            changed=applied,
            dry_run=dry_run,
            noop=plan.noop is not None and error is None,
            stopped=error is not None,
        ),
    }
    if error is not None:
        document["error"] = error
    document.update(
        {
            "workloads": workloads,
            "recordsWritten": list(written),
            "recordErrors": list(errors),
            "plan": release_plan(plan),
        }
    )
    return _plain(document)


def release_result(
    plan: ReleasePlan,
    result: ReleaseResult | None,
    outcomes: Mapping[WorkloadRef, RolloutOutcome | None] | None = None,
) -> dict[str, JSON]:
    """``kubectl-rollback.io/v1`` ReleaseResult: per workload its state (and its followed
    rollout), the records written; ``plan`` the ReleasePlan. ``result`` None: nothing was
    sent (a client dry run or nothing to do)."""
    followed = outcomes or {}
    workloads = [
        _workload_outcome(
            o, followed.get(o.ref), with_rollout=outcomes is not None and o.ref in followed
        )
        for o in (result.workloads if result else ())
    ]
    return _release_result(
        plan,
        applied=bool(result and result.applied and not result.dry_run),
        dry_run=(
            ("server" if result.dry_run else None)
            if result
            else (None if plan.noop is not None else "client")
        ),
        workloads=workloads,
        written=result.records_written if result else (),
        errors=result.record_errors if result else (),
    )


def release_failure(plan: ReleasePlan, failed: ReleaseFailed) -> dict[str, JSON]:
    """The ReleaseResult of a release rollback that stopped: where every workload stands."""
    return _release_result(
        plan,
        applied=not failed.nothing_applied,
        dry_run=None,
        workloads=[_workload_outcome(o, None, with_rollout=False) for o in failed.outcomes],
        error=str(failed),
    )


def release_history(group: ReleaseGroup, records: ReleaseHistory | None) -> dict[str, JSON]:
    """``kubectl-rollback.io/v1`` ReleaseHistory: the recorded releases, newest first."""
    return _plain(
        {
            "apiVersion": API_VERSION,
            "kind": "ReleaseHistory",
            "release": _group(group),
            "records": records.source if records else None,
            "lastSuccessful": (
                last.number if records and (last := records.last_successful()) else None
            ),
            "releases": [_release_revision(r) for r in (records.revisions if records else ())],
        }
    )


def release_list(
    namespace: str,
    groups: Iterable[ReleaseGroup],
    rows: Mapping[tuple[str, str], WorkloadSummary],
) -> dict[str, JSON]:
    """``kubectl-rollback.io/v1`` ReleaseList: the releases of a namespace, their workloads
    and the state of each."""
    items = []
    for group in groups:
        doc = _group(group)
        doc["workloads"] = [
            {
                "kind": r.kind,
                "name": r.name,
                "status": rows[(r.kind, r.name)].status.value if (r.kind, r.name) in rows else None,
            }
            for r in group.workloads
        ]
        items.append(doc)
    return _plain(
        {"apiVersion": API_VERSION, "kind": "ReleaseList", "namespace": namespace, "items": items}
    )


def _followed(followed: Followed, role: str) -> dict[str, JSON]:
    key = kind_named(followed.ref.kind).revision_json_key
    return {
        "role": role,
        "revision": followed.revision,
        key: followed.revision_object,
        "images": followed.images,
        "phase": followed.phase.value,
        "verdict": followed.verdict.value,
        "message": followed.message,
        "startedAt": format_time(followed.started_at),
        "finishedAt": format_time(followed.finished_at),
        "seconds": round((followed.finished_at - followed.started_at).total_seconds(), 3),
        "settledSeconds": (
            None if followed.settled_seconds is None else round(followed.settled_seconds, 3)
        ),
        "recorded": followed.recorded,
        "recordError": followed.record_error,
    }


def guard_result(
    guard: Guard,
    *,
    outcome: str,
    exit_code: int,
    message: str,
    notification: dict[str, JSON] | None = None,
) -> dict[str, JSON]:
    """``kubectl rollback guard -o json``: kubectl-rollback.io/v1 GuardResult.

    Schema::

        apiVersion, kind: "GuardResult"
        workload: {kind, namespace, name}
        outcome: str        healthy | rolled-back | rollback-failed | failed | not-judged
                            | interrupted
        exitCode: int       0, 3, 4, 5, 1, 130/143 (README: exit codes)
        message: str        the one-line ending
        settings: {settleSeconds, graceSeconds, timeoutSeconds, rollback: bool,
                   maxRollbacks: int}
        rollouts: [{role: deploy|rollback, revision: int|null, replicaSet (or
                    controllerRevision): str|null, images: str, phase, verdict, message,
                    startedAt, finishedAt, seconds, settledSeconds: float|null,
                    recorded: bool, recordError: str|null}]
                            the rollout guarded, then each rollback's
        rollbacks: [<RollbackResult>]   each rollback made (its plan included)
        forcedRollbackPods: [str]       pods a StatefulSet's forced rollback deleted
        notRolledBack: str|null         why a failure was not (or no more) rolled back
        startedAt, finishedAt: str|null; seconds: float|null
        notification: {url: str (query string removed), format, delivered: bool,
                       error: str|null} | null    (on standard output only; not sent)
    """
    started, finished = guard.started_at, guard.finished_at
    settings = guard.settings
    document: dict[str, JSON] = {
        "apiVersion": API_VERSION,
        "kind": "GuardResult",
        "workload": {
            "kind": guard.ref.kind,
            "namespace": guard.ref.namespace,
            "name": guard.ref.name,
        },
        "outcome": outcome,
        "exitCode": exit_code,
        "message": message,
        "settings": {
            "settleSeconds": settings.settle_seconds,
            "graceSeconds": settings.grace_seconds,
            "timeoutSeconds": settings.timeout_seconds,
            "rollback": settings.rollback,
            "maxRollbacks": settings.max_rollbacks,
        },
        "rollouts": [
            _followed(f, "deploy" if i == 0 else "rollback") for i, f in enumerate(guard.followed)
        ],
        "rollbacks": [rollback_result(r) for r in guard.rollbacks],
        "forcedRollbackPods": list(guard.forced),
        "notRolledBack": guard.not_rolled_back,
        "startedAt": format_time(started) if started else None,
        "finishedAt": format_time(finished) if finished else None,
        "seconds": (
            round((finished - started).total_seconds(), 3) if started and finished else None
        ),
        "notification": notification,
    }
    return _plain(document)


def record_result(
    ref: WorkloadRef, revision: int | None, revision_object: str, verdict: str, reason: str
) -> dict[str, JSON]:
    """``kubectl rollback record -o json``: kubectl-rollback.io/v1 RecordResult
    ``{workload, revision, replicaSet|controllerRevision, verdict, reason}``."""
    return {
        "apiVersion": API_VERSION,
        "kind": "RecordResult",
        "workload": {"kind": ref.kind, "namespace": ref.namespace, "name": ref.name},
        "revision": revision,
        kind_named(ref.kind).revision_json_key: revision_object,
        "verdict": verdict,
        "reason": reason,
    }


def release_guard_result(
    display: str,
    namespace: str,
    rollouts: list[dict[str, JSON]],
    rollback: dict[str, JSON] | None,
    *,
    outcome: str,
    exit_code: int,
    message: str,
    not_rolled_back: str | None,
    started: datetime,
    finished: datetime,
) -> dict[str, JSON]:
    """``guard release/NAME -o json``: a GuardResult for a whole release: ``release``,
    ``outcome``, ``exitCode``, ``message``, ``rollouts`` (every workload's rollout, then
    each rollback's: ``workload``, ``revision``, ``revisionObject``, ``images``, ``phase``,
    ``verdict``, ``message``, ``seconds``, ``recorded``, ``recordError``), ``rollback`` (the
    ReleaseResult, or null), ``notRolledBack``, ``startedAt``, ``finishedAt``."""
    return _plain(
        {
            "apiVersion": API_VERSION,
            "kind": "GuardResult",
            "release": {"name": display, "namespace": namespace},
            "outcome": outcome,
            "exitCode": exit_code,
            "message": message,
            "rollouts": rollouts,
            "rollback": rollback,
            "notRolledBack": not_rolled_back,
            "startedAt": format_time(started),
            "finishedAt": format_time(finished),
        }
    )
