"""The rollback plan: one object for preview, dry-run and execution, with its patch and warnings."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from .api_objects import (
    as_dict,
    as_list,
    pod_spec_containers,
    template_references,
    templates_equal,
)
from .evidence import RECORD_PREFIX
from .history import CHANGE_CAUSE_ANNOTATION, LAST_APPLIED_ANNOTATION
from .model import (
    SOURCE_RECORD,
    DeploymentHistory,
    ManagedBy,
    PlanWarning,
    Revision,
    RevisionHistory,
    Verdict,
    WorkloadRef,
)
from .rendering import (
    MASK,
    MASK_CHANGED,
    is_secret_name,
    mask_annotation,
    mask_template,
    mask_value,
    unified_diff,
)
from .target import TargetChoice
from .values import value

JSON = Any


CONTROLLER_ANNOTATIONS = frozenset(
    {
        "deployment.kubernetes.io/revision",
        "deployment.kubernetes.io/revision-history",
        "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas",
        LAST_APPLIED_ANNOTATION,
        "deprecated.deployment.rollback.to",
    }
)
"""Annotations kubectl rollout undo never copies from the ReplicaSet
(the Deployment keeps its own)."""

PAUSED_REFUSAL = (
    "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' "
    "and try again"
)


@value
class RevisionPointer:
    """A revision as the plan names it: number, ReplicaSet, images, health."""

    number: int
    object_name: str
    images: str
    health: Verdict
    health_reason: str = ""
    live_failure: bool = False
    """The failure is what the cluster shows now (rollout, pods), not an earlier record."""
    object_kind: str = "ReplicaSet"
    """"ReplicaSet" or "ControllerRevision": what ``object_name`` names."""
    live_success: bool = False
    """The cluster shows it healthy now (its rollout completed, its pods serve)."""
    recorded: Verdict = Verdict.UNKNOWN
    """What a record (``kubectl-rollback.io/outcome``) on it says, UNKNOWN without one."""

    @classmethod
    def of(cls, revision: Revision) -> RevisionPointer:
        live_failure = any(e.live for e in revision.failure_evidence)
        live_success = any(e.live and e.verdict is Verdict.SUCCESS for e in revision.evidence)
        recorded = next(
            (e.verdict for e in revision.evidence if e.source == SOURCE_RECORD), Verdict.UNKNOWN
        )
        return cls(
            revision.number,
            revision.object_name,
            revision.image_summary,
            revision.health,
            revision.health_reason,
            live_failure,
            revision.object_kind,
            live_success,
            recorded,
        )

    def to_dict(self) -> dict[str, JSON]:
        key = "replicaSet" if self.object_kind == "ReplicaSet" else "controllerRevision"
        return {
            "revision": self.number,
            key: self.object_name,
            "images": self.images,
            "health": self.health.value,
            "healthReason": self.health_reason,
        }


@value
class ImageChange:
    """A container whose image changes (``before``/``after`` None: container added/removed)."""

    container: str
    init: bool
    before: str | None
    after: str | None

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"

    @property
    def line(self) -> str:
        label = f"init container {self.container}" if self.init else f"container {self.container}"
        if self.before is None:
            return f"{label}: added ({self.after})"
        if self.after is None:
            return f"{label}: removed (was {self.before})"
        return f"{label}: {self.before} -> {self.after}"


@value
class EnvChange:
    """An env var whose value changes; secret-looking values already masked."""

    container: str
    name: str
    before: str | None
    after: str | None

    @property
    def line(self) -> str:
        return (
            f"{self.container}: {self.name}: "
            f"{self.before or '<unset>'} -> {self.after or '<unset>'}"
        )


@value
class ScaleMove:
    """One ReplicaSet's replica count before and after the rollout finishes."""

    replicaset: str
    revision: int
    from_replicas: int
    to_replicas: int


@value
class ScalingPlan:
    """What the Deployment controller will do after the patch, in order, under the strategy."""

    strategy: str
    max_surge: int | None
    max_unavailable: int | None
    steps: tuple[str, ...]
    moves: tuple[ScaleMove, ...]


@value
class AnnotationChange:
    """A Deployment annotation added, changed or removed by the patch."""

    key: str
    before: str | None
    after: str | None

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


@value
class ReferenceCheck:
    """ConfigMaps/Secrets the target template needs; ``*_checked`` False means "not checked"."""

    configmaps: tuple[str, ...]
    secrets: tuple[str, ...]
    configmaps_checked: bool
    secrets_checked: bool
    missing_configmaps: tuple[str, ...]
    missing_secrets: tuple[str, ...]


@value
class RollbackPlan:
    """Everything a rollback will do, shown before it is done and then executed as is.

    ``patch`` is the JSON patch (RFC 6902) to send: a ``test`` of
    metadata.resourceVersion (so a change after the preview fails with nothing
    applied), then replace ``/spec/template`` and ``/metadata/annotations``.
    ``refusal`` set: execution refuses (paused). ``noop`` set: nothing to do,
    kubectl's "skipped rollback" wording, exit 0.
    """

    ref: WorkloadRef
    from_revision: RevisionPointer | None
    to_revision: RevisionPointer
    new_revision_number: int
    why: tuple[str, ...]
    kubectl_would_pick: RevisionPointer | None
    image_changes: tuple[ImageChange, ...]
    env_changes: tuple[EnvChange, ...]
    template_diff: str
    scaling: ScalingPlan
    annotation_changes: tuple[AnnotationChange, ...]
    kubectl_would_drop: tuple[str, ...]
    warnings: tuple[PlanWarning, ...]
    refusal: str | None
    noop: str | None
    not_rolled_back: tuple[str, ...]
    references: ReferenceCheck
    patch: tuple[dict[str, JSON], ...]
    resource_version: str
    change_cause: str
    actor: str | None
    created_at: datetime
    show_secrets: bool = False
    generation: int | None = None
    """The workload's metadata.generation when planned (None in a plan file of an older
    version): a precondition race lost to a status write retries only while it holds."""
    annotations_at_plan: tuple[tuple[str, str], ...] | None = None
    """The workload's annotations when planned (for the same retry: they must hold too)."""
    labels_at_plan: tuple[tuple[str, str], ...] | None = None
    """The workload's labels when planned (likewise)."""
    patch_type: str = "json-patch"
    """``json-patch`` (Deployments: ``patch`` is a list of RFC 6902 operations) or
    ``strategic-merge`` (StatefulSets, DaemonSets: ``patch`` holds one strategic-merge
    body, the ControllerRevision's ``data`` plus metadata.resourceVersion and the
    change-cause annotation)."""

    @property
    def executable(self) -> bool:
        return self.refusal is None and self.noop is None

    def warning_codes(self) -> tuple[str, ...]:
        return tuple(w.code for w in self.warnings)


# ---------------------------------------------------------------- building blocks


def rollback_annotations(
    history: DeploymentHistory, target: Revision, change_cause: str
) -> dict[str, str]:
    """The Deployment annotations after the rollback.

    Unlike ``kubectl rollout undo``, which replaces the annotations with the
    six controller keys plus the ReplicaSet's others (silently dropping every
    Deployment annotation the ReplicaSet lacks), we start from the Deployment's
    current annotations and overlay the ReplicaSet's, so nothing is dropped.
    The controller keys keep the Deployment's values, our own
    ``kubectl-rollback.io/*`` records never land on the Deployment (the
    controller would copy them to every new ReplicaSet), and
    ``kubernetes.io/change-cause`` says what the rollback did.
    """
    result = {k: v for k, v in history.annotations.items() if not k.startswith(RECORD_PREFIX)}
    for key, text in target.annotations.items():
        if key in CONTROLLER_ANNOTATIONS or key.startswith(RECORD_PREFIX):
            continue
        result[key] = text
    result[CHANGE_CAUSE_ANNOTATION] = change_cause
    return result


def kubectl_dropped_annotations(history: DeploymentHistory, target: Revision) -> tuple[str, ...]:
    """Deployment annotations plain ``kubectl rollout undo`` would drop
    (absent from the ReplicaSet)."""
    return tuple(
        sorted(
            k
            for k in history.annotations
            if k not in CONTROLLER_ANNOTATIONS and k not in target.annotations
        )
    )


def change_cause_for(source: Revision | None, target: Revision, actor: str | None) -> str:
    """``kubectl-rollback: rolled back from revision 3 (nginx:crash-1) to
    revision 1 (nginx:1.25) by alice``."""
    text = "kubectl-rollback: rolled back"
    if source is not None:
        text += f" from revision {source.number} ({source.image_summary})"
    text += f" to revision {target.number} ({target.image_summary})"
    if actor:
        text += f" by {actor}"
    return text


def image_changes(before: Mapping[str, JSON], after: Mapping[str, JSON]) -> tuple[ImageChange, ...]:
    """Per container (matched by name and init-ness): images that change,
    containers added or removed."""
    old = {
        (str(c.get("name", "")), init): str(c.get("image", ""))
        for c, init in pod_spec_containers(before)
    }
    new = {
        (str(c.get("name", "")), init): str(c.get("image", ""))
        for c, init in pod_spec_containers(after)
    }
    changes = [
        ImageChange(name, init, old.get((name, init)), image)
        for (name, init), image in new.items()
        if old.get((name, init)) != image
    ]
    changes += [
        ImageChange(name, init, image, None)
        for (name, init), image in old.items()
        if (name, init) not in new
    ]
    return tuple(changes)


def _env_map(template: Mapping[str, JSON]) -> dict[tuple[str, str], str]:
    result: dict[tuple[str, str], str] = {}
    for container, _init in pod_spec_containers(template):
        for env in as_list(container.get("env")):
            env = as_dict(env)
            name = str(env.get("name", ""))
            if "valueFrom" in env:
                value = "from " + json.dumps(
                    env["valueFrom"], sort_keys=True, separators=(",", ":")
                )
            else:
                value = str(env.get("value", ""))
            result[(str(container.get("name", "")), name)] = value
    return result


def env_changes(
    before: Mapping[str, JSON], after: Mapping[str, JSON], *, show_secrets: bool
) -> tuple[EnvChange, ...]:
    old, new = _env_map(before), _env_map(after)
    changes = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) == new.get(key):
            continue
        container, name = key
        b, a = old.get(key), new.get(key)
        if not show_secrets and is_secret_name(name):
            b = MASK if b is not None else None
            a = (MASK_CHANGED if b is not None else MASK) if a is not None else None
        elif not show_secrets:  # credentials inside URLs
            b = mask_value(None, b) if b is not None else None
            a = mask_value(None, a) if a is not None else None
            if a is not None and a == b:
                a = f"{a} (changed)"
        changes.append(EnvChange(container, name, b, a))
    return tuple(changes)


def scaling_plan(history: DeploymentHistory, target: Revision, new_number: int) -> ScalingPlan:
    """The scaling the controller will do after the patch, as human steps plus structured moves."""
    replicas = history.replicas
    strategy = history.strategy
    source = history.current
    others = [r for r in history.revisions if r is not target and r is not source and r.desired > 0]
    moves = [ScaleMove(target.object_name, target.number, target.desired, replicas)]
    if source is not None:
        moves.append(ScaleMove(source.object_name, source.number, source.desired, 0))
    moves += [ScaleMove(r.object_name, r.number, r.desired, 0) for r in others]
    down = [
        m
        for m in moves[1:]
        if m.from_replicas > 0 or m.replicaset == (source.object_name if source else None)
    ]
    steps: list[str] = []
    if target.desired == replicas:
        up = (
            f"ReplicaSet {target.object_name} (revision {target.number}) "
            f"already has {replicas} replicas and stays at {replicas}"
        )
    else:
        verb = "up" if target.desired < replicas else "down"
        up = (
            f"ReplicaSet {target.object_name} (revision {target.number}) "
            f"scales {verb} from {target.desired} to {replicas}"
        )
    if target.ready:
        up += f"; its {target.ready} Ready pod{'s' if target.ready != 1 else ''} keep serving"
    if strategy.type == "Recreate":
        for move in down:
            steps.append(
                f"ReplicaSet {move.replicaset} (revision {move.revision}) scales down from "
                f"{move.from_replicas} to 0 first "
                "(Recreate: no pods serve until the new ones are Ready)"
            )
        steps.append(f"then {up[0].lower()}{up[1:]}")
        surge: int | None = None
        unavailable: int | None = None
    else:
        surge, unavailable = strategy.max_surge, strategy.max_unavailable
        steps.append(
            f"{up}; at most {replicas + surge} pods in total during the rollout "
            f"(maxSurge {strategy.max_surge_raw} = {surge})"
        )
        for move in down:
            steps.append(
                f"ReplicaSet {move.replicaset} (revision {move.revision}) scales down from "
                f"{move.from_replicas} to 0; "
                f"at least {max(replicas - unavailable, 0)} pods stay available "
                f"(maxUnavailable {strategy.max_unavailable_raw} = {unavailable})"
            )
    steps.append(
        f"revision {target.number} becomes revision {new_number} "
        f"(its old number is kept in deployment.kubernetes.io/revision-history)"
    )
    return ScalingPlan(strategy.type, surge, unavailable, tuple(steps), tuple(moves))


def reference_check(history: RevisionHistory, target: Revision) -> ReferenceCheck:
    configmaps, secrets = template_references(target.template)
    missing_cm = (
        tuple(sorted(configmaps - history.configmap_names))
        if history.configmap_names is not None
        else ()
    )
    missing_secret = (
        tuple(sorted(secrets - history.secret_names)) if history.secret_names is not None else ()
    )
    return ReferenceCheck(
        configmaps=tuple(sorted(configmaps)),
        secrets=tuple(sorted(secrets)),
        configmaps_checked=history.configmap_names is not None,
        secrets_checked=history.secret_names is not None,
        missing_configmaps=missing_cm,
        missing_secrets=missing_secret,
    )


def reference_warnings(
    references: ReferenceCheck, target: Revision, namespace: str
) -> list[PlanWarning]:
    """Missing ConfigMaps/Secrets the target needs, and references that could not be checked."""
    warnings: list[PlanWarning] = []
    for kind, missing in (
        ("ConfigMap", references.missing_configmaps),
        ("Secret", references.missing_secrets),
    ):
        for name in missing:
            warnings.append(
                PlanWarning(
                    "missing-reference",
                    f'revision {target.number} references {kind} "{name}", '
                    f"which no longer exists in namespace {namespace}: its pods will not start",
                )
            )
    unchecked = [
        kind
        for kind, names, checked in (
            ("ConfigMaps", references.configmaps, references.configmaps_checked),
            ("Secrets", references.secrets, references.secrets_checked),
        )
        if names and not checked
    ]
    if unchecked:
        warnings.append(
            PlanWarning(
                "references-not-checked",
                f"{' and '.join(unchecked)} referenced by revision {target.number} "
                "were not checked for existence",
            )
        )
    return warnings


def owner_warnings(history: RevisionHistory) -> list[PlanWarning]:
    """Helm / Argo CD / Flux / kubectl apply ownership and HPAs: who will revert or resize it."""
    return _owner_warnings(history)


def _history_limit_warnings(history: DeploymentHistory, target: Revision) -> list[PlanWarning]:
    limit = history.revision_history_limit
    old = [r for r in history.revisions if not r.current]
    warnings: list[PlanWarning] = []
    if old and len(old) >= limit and target is min(old, key=lambda r: r.number):
        warnings.append(
            PlanWarning(
                "history-limit",
                f"revision {target.number} is the oldest revision kept under revisionHistoryLimit "
                f"{limit} ({len(old)} old ReplicaSets): the next rollout would garbage-collect it",
            )
        )
    after = [r for r in old if r is not target] + ([history.current] if history.current else [])
    excess = len(after) - limit
    if excess > 0:
        doomed = sorted(after, key=lambda r: r.number)[:excess]
        numbers = ", ".join(str(r.number) for r in doomed)
        warnings.append(
            PlanWarning(
                "history-limit",
                f"after the rollback, revisionHistoryLimit {limit} lets the controller "
                f"delete revision {numbers} once scaled down; "
                "you will not be able to roll back or forward to it",
            )
        )
    return warnings


def manager_warnings(
    display: str, managers: Sequence[ManagedBy], *, undone: str = "the rollback"
) -> list[PlanWarning]:
    """Who will put back what this tool changes on ``display``: Helm, Argo CD, Flux or a
    later ``kubectl apply``. ``undone`` names the change ("the rollback", "the switch
    (traffic back to green)", "the scale-up"); only a rollback has the tools' own
    rollback commands as the alternative."""
    rollback = undone == "the rollback"
    warnings = []
    for manager in managers:
        if manager.tool == "Helm":
            release = manager.name or "RELEASE"
            warnings.append(
                PlanWarning(
                    "managed-by-helm",
                    f"{display} is managed by Helm (release {release}): "
                    f"the next helm upgrade/rollback will revert {'it' if rollback else undone}; "
                    + (
                        f"use helm rollback {release} instead"
                        if rollback
                        else "change the release's chart or values as well"
                    ),
                )
            )
        elif manager.tool == "Argo CD":
            app = manager.name or "APP"
            warnings.append(
                PlanWarning(
                    "managed-by-argocd",
                    f"{display} is managed by Argo CD (application {app}): "
                    f"auto-sync will revert {undone}; "
                    + (
                        f"change Git or use argocd app rollback {app}" if rollback else "change Git"
                    ),
                )
            )
        elif manager.tool == "Flux":
            what = manager.name or "its Kustomization"
            warnings.append(
                PlanWarning(
                    "managed-by-flux",
                    f"{display} is managed by Flux ({what}): "
                    f"reconciliation will revert {undone}; suspend it (flux suspend) or "
                    + ("revert the change in Git" if rollback else "make the same change in Git"),
                )
            )
        elif manager.tool == "kubectl apply":
            warnings.append(
                PlanWarning(
                    "last-applied-configuration",
                    f"{display} carries {LAST_APPLIED_ANNOTATION}: "
                    f"a later kubectl apply of its manifest will undo {undone}; "
                    "update the manifest as well",
                )
            )
    return warnings


def _owner_warnings(history: RevisionHistory) -> list[PlanWarning]:
    display = history.ref.display
    warnings = manager_warnings(display, history.managers)
    for hpa in history.hpas:
        bounds = (
            f"min {hpa.min_replicas if hpa.min_replicas is not None else 1}, max {hpa.max_replicas}"
        )
        warnings.append(
            PlanWarning(
                "hpa",
                f"HorizontalPodAutoscaler {hpa.name} scales {display} ({bounds}): replicas are not "
                "rolled back and stay under its control",
            )
        )
    return warnings


def _not_rolled_back(history: DeploymentHistory, references: ReferenceCheck) -> tuple[str, ...]:
    lines = [
        f"replicas: stay at {history.replicas} (spec.replicas is not part of a revision)",
        "Services: unchanged (selectors, ports and traffic are not part of a Deployment revision)",
    ]
    cms = ", ".join(references.configmaps) if references.configmaps else "none referenced"
    secrets = ", ".join(references.secrets) if references.secrets else "none referenced"
    lines.append(f"ConfigMaps: not versioned; the target reads their current contents ({cms})")
    lines.append(f"Secrets: not versioned; the target reads their current contents ({secrets})")
    if history.hpas:
        names = ", ".join(h.name for h in history.hpas)
        lines.append(f"HorizontalPodAutoscaler: unchanged ({names})")
    else:
        lines.append("HorizontalPodAutoscaler: unchanged (none targets this Deployment)")
    lines.append("other Deployment fields (strategy, selector, minReadySeconds...): unchanged")
    return tuple(lines)


def _display_template(
    template: Mapping[str, JSON], reference: Mapping[str, JSON], show_secrets: bool, *, after: bool
) -> Mapping[str, JSON]:
    if show_secrets:
        return template
    return mask_template(template, reference if after else None)


# ---------------------------------------------------------------- the plan


def plan_rollback(
    history: DeploymentHistory,
    choice: TargetChoice,
    *,
    actor: str | None,
    now: datetime,
    show_secrets: bool = False,
) -> RollbackPlan:
    """Plan rolling ``history``'s Deployment back to ``choice.revision``.

    The resulting ``spec.template`` is exactly what ``kubectl rollout undo``
    produces (the ReplicaSet's template without the pod-template-hash label);
    annotations follow ``rollback_annotations``. Checks and warnings are the
    same whether the plan is previewed, dry-run or executed.
    """
    target = choice.revision
    source = history.current
    ref = history.ref
    change_cause = change_cause_for(source, target, actor)
    annotations = rollback_annotations(history, target, change_cause)
    new_number = max((r.number for r in history.revisions if r is not target), default=0) + 1

    warnings: list[PlanWarning] = []
    refusal = None
    if history.paused:
        refusal = PAUSED_REFUSAL
        warnings.append(PlanWarning("paused", f"{ref.display} is paused: {PAUSED_REFUSAL}"))
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
                f"the template of {ref.display} matches none of its ReplicaSets "
                "(a rollout has not started yet)",
            )
        )
    warnings.extend(choice.warnings)
    warnings.extend(_history_limit_warnings(history, target))
    warnings.extend(_owner_warnings(history))

    references = reference_check(history, target)
    warnings.extend(reference_warnings(references, target, ref.namespace))

    current_template = history.template
    diff = unified_diff(
        _display_template(current_template, target.template, show_secrets, after=False),
        _display_template(target.template, current_template, show_secrets, after=True),
        before_name=f"revision {source.number} ({source.object_name})"
        if source
        else f"{ref.display} (current)",
        after_name=f"revision {target.number} ({target.object_name})",
    )
    before_annotations = dict(history.annotations)

    def shown(key: str, value: str | None) -> str | None:
        return value if show_secrets or value is None else str(mask_annotation(key, value))

    annotation_changes = tuple(
        AnnotationChange(
            key, shown(key, before_annotations.get(key)), shown(key, annotations.get(key))
        )
        for key in sorted(set(before_annotations) | set(annotations))
        if before_annotations.get(key) != annotations.get(key)
    )
    patch = (
        {"op": "test", "path": "/metadata/resourceVersion", "value": history.resource_version},
        {"op": "replace", "path": "/spec/template", "value": copy.deepcopy(dict(target.template))},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations},
    )
    return RollbackPlan(
        ref=ref,
        from_revision=RevisionPointer.of(source) if source else None,
        to_revision=RevisionPointer.of(target),
        new_revision_number=new_number,
        why=choice.why,
        kubectl_would_pick=RevisionPointer.of(choice.kubectl_would_pick)
        if choice.kubectl_would_pick
        else None,
        image_changes=image_changes(current_template, target.template),
        env_changes=env_changes(current_template, target.template, show_secrets=show_secrets),
        template_diff=diff,
        scaling=scaling_plan(history, target, new_number),
        annotation_changes=annotation_changes,
        kubectl_would_drop=kubectl_dropped_annotations(history, target),
        warnings=tuple(warnings),
        refusal=refusal,
        noop=noop,
        not_rolled_back=_not_rolled_back(history, references),
        references=references,
        patch=patch,
        resource_version=history.resource_version,
        generation=history.generation or None,
        annotations_at_plan=tuple(sorted(history.annotations.items())),
        labels_at_plan=tuple(sorted(history.labels.items())),
        change_cause=change_cause,
        actor=actor,
        created_at=now,
        show_secrets=show_secrets,
    )
