"""The rollback plan of a StatefulSet or DaemonSet: the ControllerRevision's patch,
update behaviour, warnings.

The plan is a plan.RollbackPlan (one document for preview, dry-run and
execution, rendered by the same code as a Deployment's) with
``patch_type`` "strategic-merge": its one patch body is the target
ControllerRevision's ``data``, exactly what ``kubectl rollout undo`` sends,
plus ``metadata.resourceVersion`` (the API server answers 409 Conflict when
the workload changed since the plan) and the ``kubernetes.io/change-cause``
annotation. What is specific to these kinds lives here: how the controller
rolls the template out (ordinals, partition, nodes, OnDelete), volume claims,
and revision renumbering (the ControllerRevision keeps its name and gets the
next number).
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from .api_objects import templates_equal
from .controller_history import ControllerHistory
from .history import CHANGE_CAUSE_ANNOTATION
from .model import PlanWarning, Revision
from .plan import (
    AnnotationChange,
    RevisionPointer,
    RollbackPlan,
    ScalingPlan,
    change_cause_for,
    env_changes,
    image_changes,
    owner_warnings,
    reference_check,
    reference_warnings,
)
from .rendering import mask_template, unified_diff
from .target import TargetChoice

JSON = Any

STRATEGIC_MERGE = "strategic-merge"


def new_revision_number(history: ControllerHistory, target: Revision) -> int:
    """The number the target gets: the controller reuses the newest revision as is,
    and gives an older identical one the next number (same ControllerRevision)."""
    highest = max((r.number for r in history.revisions), default=0)
    return target.number if target.number == highest else highest + 1


def rollback_patch(
    history: ControllerHistory, target: Revision, change_cause: str
) -> dict[str, JSON]:
    """The strategic-merge body: the revision's ``data`` as kubectl sends it, a resourceVersion
    precondition and the change-cause annotation."""
    data = history.revision_data.get(target.object_name)
    body: dict[str, JSON] = (
        copy.deepcopy(dict(data))
        if data
        else {"spec": {"template": {**copy.deepcopy(dict(target.template)), "$patch": "replace"}}}
    )
    body["metadata"] = {
        "resourceVersion": history.resource_version,
        "annotations": {CHANGE_CAUSE_ANNOTATION: change_cause},
    }
    return body


def _ordinals(name: str, numbers: range) -> str:
    pods = [f"{name}-{n}" for n in numbers]
    if len(pods) > 4:
        return f"{pods[0]}, {pods[1]}, ..., {pods[-1]}"
    return ", ".join(pods)


def update_steps(history: ControllerHistory, target: Revision, new_number: int) -> ScalingPlan:
    """What the StatefulSet / DaemonSet controller does after the patch, as human steps."""
    ref, strategy = history.ref, history.strategy
    steps: list[str] = []
    renumber = (
        f"ControllerRevision {target.object_name} (revision {target.number}) "
        f"becomes revision {new_number}: the controller renumbers the existing revision "
        "(same name; its old number is not kept)"
        if new_number != target.number
        else f"ControllerRevision {target.object_name} stays revision {target.number}"
    )
    if not strategy.rolling:
        steps.append(
            f"updateStrategy {strategy.type}: the controller replaces NO pod; "
            f"each pod moves to revision {target.number} only when it is deleted "
            "(kubectl delete pod ...)"
        )
        steps.append(renumber)
        return ScalingPlan(strategy.type, None, None, tuple(steps), ())
    if ref.kind == "StatefulSet":
        replicas = history.replicas
        partition = min(strategy.partition, replicas)
        order = (
            "one pod at a time"
            if strategy.max_unavailable == 1
            else (
                f"up to {strategy.max_unavailable} pods at a time "
                f"(maxUnavailable {strategy.max_unavailable_raw})"
            )
        )
        updated = range(replicas - 1, partition - 1, -1)
        if len(updated):
            steps.append(
                f"pods are deleted and recreated from revision {target.number} "
                f"from the highest ordinal down, {order}: {_ordinals(ref.name, updated)}; "
                "each must be Running and Ready before the next is replaced "
                "(a pod that never becomes Ready stops the rollout)"
            )
        if partition > 0:
            steps.append(
                f"partition {strategy.partition}: {_ordinals(ref.name, range(partition))} "
                "keep their current revision until the partition is lowered"
            )
        if history.volume_claim_templates:
            steps.append(
                "each recreated pod re-attaches its existing PersistentVolumeClaims "
                f"({', '.join(history.volume_claim_templates)}): the data is not rolled back"
            )
        steps.append(renumber)
        return ScalingPlan(strategy.type, None, strategy.max_unavailable, tuple(steps), ())
    nodes = history.replicas
    if strategy.max_surge > 0:
        steps.append(
            f"on each of the {nodes} scheduled node(s) a pod of revision {target.number} "
            f"starts before the old one is removed: up to {strategy.max_surge} node(s) "
            f"at a time (maxSurge {strategy.max_surge_raw})"
        )
    else:
        steps.append(
            f"on each of the {nodes} scheduled node(s) the old pod is deleted, "
            f"then one of revision {target.number} is created: "
            f"at most {strategy.max_unavailable} node(s) without a Ready pod "
            f"at a time (maxUnavailable {strategy.max_unavailable_raw})"
        )
    steps.append(renumber)
    return ScalingPlan(
        strategy.type, strategy.max_surge, strategy.max_unavailable, tuple(steps), ()
    )


def _kind_warnings(history: ControllerHistory, target: Revision) -> list[PlanWarning]:
    ref, strategy = history.ref, history.strategy
    warnings: list[PlanWarning] = []
    if not strategy.rolling:
        warnings.append(
            PlanWarning(
                "on-delete",
                f"{ref.display} uses updateStrategy {strategy.type}: "
                "the rollback changes the template but "
                "NOTHING is rolled back on the running pods until you delete them; "
                "they keep running "
                f"{history.current.image_summary if history.current else 'the current revision'}",
            )
        )
    elif ref.kind == "StatefulSet" and strategy.partition > 0:
        kept = min(strategy.partition, history.replicas)
        message = (
            f"{ref.display} has partition {strategy.partition}: only pods with ordinal >= "
            f"{strategy.partition} are rolled back; {kept} pod(s) keep their current revision"
        )
        if strategy.partition >= history.replicas:
            message = (
                f"{ref.display} has partition {strategy.partition} >= replicas {history.replicas}: "
                "NO pod is rolled back until the partition is lowered"
            )
        warnings.append(PlanWarning("partition", message))
    if history.pods_waited_for:
        pods = " ".join(history.pods_waited_for)
        warnings.append(
            PlanWarning(
                "stuck-pods",
                f"pod(s) {', '.join(history.pods_waited_for)} of {ref.display} are not Ready: "
                "the StatefulSet controller waits for them before it replaces any pod, "
                "so reverting the template is not "
                f'enough (Kubernetes\' "forced rollback"); delete them after the rollback: '
                f"kubectl delete pod -n {ref.namespace} {pods}",
            )
        )
    if ref.kind == "StatefulSet" and history.volume_claim_templates:
        warnings.append(
            PlanWarning(
                "volume-claims",
                f"PersistentVolumeClaims of {ref.display} "
                f"({', '.join(history.volume_claim_templates)}) are "
                "NOT rolled back: revision "
                f"{target.number} runs on the data the newer revision left "
                "(schema or format changes stay)",
            )
        )
    old = [r for r in history.revisions if not r.current]
    limit = history.revision_history_limit
    if old and len(old) >= limit and target is min(old, key=lambda r: r.number):
        warnings.append(
            PlanWarning(
                "history-limit",
                f"revision {target.number} is the oldest revision kept under "
                f"revisionHistoryLimit {limit} ({len(old)} old ControllerRevisions): "
                "the next rollout would delete it",
            )
        )
    return warnings


def _not_rolled_back(history: ControllerHistory, configmaps: str, secrets: str) -> tuple[str, ...]:
    ref = history.ref
    lines: list[str] = []
    if ref.kind == "StatefulSet":
        claims = ", ".join(history.volume_claim_templates)
        lines.append(
            f"replicas: stay at {history.replicas} (spec.replicas is not part of a revision)"
        )
        lines.append(
            "PersistentVolumeClaims and the data on them: not rolled back"
            + (f" (volumeClaimTemplates {claims})" if claims else " (no volumeClaimTemplates)")
        )
        service = f" (headless Service {history.service_name})" if history.service_name else ""
        lines.append(f"Services: unchanged{service}")
    else:
        lines.append(
            "nodes: the DaemonSet keeps one pod per eligible node (nodeSelector and tolerations "
            "come back with the template)"
        )
        lines.append("Services: unchanged")
    lines.append(
        f"ConfigMaps: not versioned; the target reads their current contents ({configmaps})"
    )
    lines.append(f"Secrets: not versioned; the target reads their current contents ({secrets})")
    if ref.kind == "StatefulSet":
        if history.hpas:
            lines.append(
                f"HorizontalPodAutoscaler: unchanged ({', '.join(h.name for h in history.hpas)})"
            )
        else:
            lines.append("HorizontalPodAutoscaler: unchanged (none targets this StatefulSet)")
        lines.append(
            "other StatefulSet fields (updateStrategy, volumeClaimTemplates, serviceName, "
            "podManagementPolicy...): unchanged"
        )
    else:
        lines.append(
            "other DaemonSet fields (updateStrategy, selector, minReadySeconds...): unchanged"
        )
    return tuple(lines)


def plan_controller_rollback(
    history: ControllerHistory,
    choice: TargetChoice,
    *,
    actor: str | None,
    now: datetime,
    show_secrets: bool = False,
) -> RollbackPlan:
    """Plan rolling ``history``'s StatefulSet or DaemonSet back to ``choice.revision``.

    The resulting ``spec.template`` is exactly what ``kubectl rollout undo``
    produces (the strategic-merge patch of the ControllerRevision's ``data``);
    the only other changes are the change-cause annotation and, through the
    controller, the revision's new number. No refusal: these kinds cannot be paused.
    """
    target = choice.revision
    source = history.current
    ref = history.ref
    change_cause = change_cause_for(source, target, actor)
    new_number = new_revision_number(history, target)

    warnings: list[PlanWarning] = []
    noop = None
    if templates_equal(target.template, history.template):
        noop = (
            f"{ref.display} skipped rollback "
            f"(current template already matches revision {target.number})"
        )
        warnings.append(PlanWarning("noop", noop))
    if source is None:
        warnings.append(
            PlanWarning(
                "no-current-revision",
                f"the template of {ref.display} matches none of its ControllerRevisions "
                "(the controller has not recorded it yet)",
            )
        )
    warnings.extend(choice.warnings)
    warnings.extend(_kind_warnings(history, target))
    warnings.extend(owner_warnings(history))
    references = reference_check(history, target)
    warnings.extend(reference_warnings(references, target, ref.namespace))

    before, after = history.template, target.template
    shown_before = before if show_secrets else mask_template(before)
    shown_after = after if show_secrets else mask_template(after, before)
    diff = unified_diff(
        shown_before,
        shown_after,
        before_name=f"revision {source.number} ({source.object_name})"
        if source
        else f"{ref.display} (current)",
        after_name=f"revision {target.number} ({target.object_name})",
    )
    old_cause = history.annotations.get(CHANGE_CAUSE_ANNOTATION)
    annotation_changes = (
        (AnnotationChange(CHANGE_CAUSE_ANNOTATION, old_cause, change_cause),)
        if old_cause != change_cause
        else ()
    )
    configmaps = ", ".join(references.configmaps) if references.configmaps else "none referenced"
    secrets = ", ".join(references.secrets) if references.secrets else "none referenced"
    return RollbackPlan(
        ref=ref,
        from_revision=RevisionPointer.of(source) if source else None,
        to_revision=RevisionPointer.of(target),
        new_revision_number=new_number,
        why=choice.why,
        kubectl_would_pick=RevisionPointer.of(choice.kubectl_would_pick)
        if choice.kubectl_would_pick
        else None,
        image_changes=image_changes(before, after),
        env_changes=env_changes(before, after, show_secrets=show_secrets),
        template_diff=diff,
        scaling=update_steps(history, target, new_number),
        annotation_changes=annotation_changes,
        kubectl_would_drop=(),
        warnings=tuple(warnings),
        refusal=None,
        noop=noop,
        not_rolled_back=_not_rolled_back(history, configmaps, secrets),
        references=references,
        patch=(rollback_patch(history, target, change_cause),),
        resource_version=history.resource_version,
        generation=history.generation or None,
        annotations_at_plan=tuple(sorted(history.annotations.items())),
        labels_at_plan=tuple(sorted(history.labels.items())),
        change_cause=change_cause,
        actor=actor,
        created_at=now,
        show_secrets=show_secrets,
        patch_type=STRATEGIC_MERGE,
    )
