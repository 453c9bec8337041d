"""The ``kubectl-rollback.io/v1`` documents (``-o json|yaml``, plan files): one builder each.

RollbackPlan, RollbackResult (with the followed rollout), RevisionHistory, TrafficSwitchPlan,
TrafficSwitchResult, TrafficSwitchHistory. Every front end prints these and nothing else; a plan
document read back by ``kubectl rollback apply`` is checked against ``API_VERSION`` and its kind.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

from .api_objects import as_dict, format_time
from .bluegreen import BlueGreenGroup, SwitchRecord, TrafficSwitchPlan
from .bluegreen_service import TrafficSwitchResult
from .kinds import WorkloadHistory, kind_named
from .plan import RollbackPlan
from .rendering import mask_annotations, mask_template
from .rollback import RollbackResult, RolloutOutcome
from .target import TargetChoice

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


def traffic_switch_result(result: TrafficSwitchResult) -> dict[str, JSON]:
    """``{"apiVersion", "kind": "TrafficSwitchResult", "applied", "dryRun", "noop", "message",
    "scaled", "eventsRecorded", "services": [{name, selector, resourceVersion, changed}],
    "plan": <TrafficSwitchPlan document>}``."""
    return {
        "apiVersion": API_VERSION,
        "kind": "TrafficSwitchResult",
        "applied": result.applied,
        "dryRun": result.dry_run,
        "noop": result.noop,
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
    }


def rollback_result(
    result: RollbackResult, rollout: dict[str, JSON] | None = None
) -> dict[str, JSON]:
    """``{"apiVersion", "kind": "RollbackResult", "applied", "dryRun", "noop", "message",
    "resourceVersion", "eventRecorded", "eventError", "plan": <RollbackPlan>}``, and
    ``"rollout"`` (see ``rollout``) when the rollout was followed."""
    document: dict[str, JSON] = {
        "apiVersion": API_VERSION,
        "kind": "RollbackResult",
        "applied": result.applied,
        "dryRun": result.dry_run,
        "noop": result.noop,
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
