"""Build a DeploymentHistory from raw API dicts: owned ReplicaSets, revisions,
pods, owners, HPAs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .api_objects import (
    POD_TEMPLATE_HASH,
    annotations_of,
    as_dict,
    as_int,
    as_list,
    controller_uid,
    dig,
    labels_of,
    may_be_harness_record,
    name_of,
    parse_time,
    pod_spec_containers,
    strip_hash_label,
    templates_equal,
    uid_of,
)
from .evidence import PodSummary, attach_evidence, summarise_pods
from .model import (
    AutoscalerRef,
    Condition,
    ContainerImage,
    DeploymentCounts,
    DeploymentHistory,
    ManagedBy,
    Revision,
    Strategy,
    WorkloadRef,
)

if TYPE_CHECKING:  # the Harness rules load only when a namespace has Harness records
    from .harness import HarnessRelease

JSON = Any

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"
CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause"
LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"
DEFAULT_REVISION_HISTORY_LIMIT = 10
DEFAULT_PROGRESS_DEADLINE_SECONDS = 600
DEFAULT_SURGE_OR_UNAVAILABLE = "25%"


def resolve_int_or_percent(value: int | str | None, total: int, *, round_up: bool) -> int:
    """maxSurge / maxUnavailable against ``total`` replicas: percentages round up
    for surge, down for unavailable."""
    if value is None:
        return 0
    if isinstance(value, int):
        return max(value, 0)
    text = value.strip()
    if text.endswith("%"):
        pct = as_int(text[:-1], 0)
        return max((pct * total + 99) // 100 if round_up else (pct * total) // 100, 0)
    return max(as_int(text, 0), 0)


def resolve_strategy(spec: Mapping[str, JSON], replicas: int) -> Strategy:
    """The strategy with surge/unavailable resolved the way the deployment controller does."""
    strategy = as_dict(spec.get("strategy"))
    kind = str(strategy.get("type") or "RollingUpdate")
    if kind != "RollingUpdate":
        return Strategy(kind, None, None, 0, 0)
    rolling = as_dict(strategy.get("rollingUpdate"))
    surge_raw = rolling.get("maxSurge", DEFAULT_SURGE_OR_UNAVAILABLE)
    unavailable_raw = rolling.get("maxUnavailable", DEFAULT_SURGE_OR_UNAVAILABLE)
    surge_raw = surge_raw if isinstance(surge_raw, (int, str)) else DEFAULT_SURGE_OR_UNAVAILABLE
    unavailable_raw = (
        unavailable_raw if isinstance(unavailable_raw, (int, str)) else DEFAULT_SURGE_OR_UNAVAILABLE
    )
    surge = resolve_int_or_percent(surge_raw, replicas, round_up=True)
    unavailable = resolve_int_or_percent(unavailable_raw, replicas, round_up=False)
    if surge == 0 and unavailable == 0:
        # The controller's rule: a rollout must be able to make progress.
        unavailable = 1
    return Strategy(kind, surge_raw, unavailable_raw, surge, unavailable)


def parse_former_numbers(value: str | None) -> tuple[int, ...]:
    """``"1,3"`` -> (1, 3); unparsable items are skipped."""
    if not value:
        return ()
    numbers = []
    for item in value.split(","):
        item = item.strip()
        if item.isdigit():
            numbers.append(int(item))
    return tuple(numbers)


def images_of(template: Mapping[str, JSON]) -> tuple[ContainerImage, ...]:
    return tuple(
        ContainerImage(str(c.get("name", "")), str(c.get("image", "")), init)
        for c, init in pod_spec_containers(template)
    )


def owned_replicasets(
    deployment: Mapping[str, JSON], replicasets: Sequence[Mapping[str, JSON]]
) -> list[Mapping[str, JSON]]:
    """ReplicaSets whose controller ownerReference is this Deployment, oldest first."""
    uid = uid_of(deployment)
    owned = [rs for rs in replicasets if uid and controller_uid(rs) == uid]
    return sorted(owned, key=_age_key)


def _age_key(obj: Mapping[str, JSON]) -> tuple[str, str]:
    created = parse_time(dig(obj, "metadata", "creationTimestamp"))
    return (created.isoformat() if created else "", name_of(obj))


def find_current_replicaset(
    deployment: Mapping[str, JSON], replicasets: Sequence[Mapping[str, JSON]]
) -> Mapping[str, JSON] | None:
    """The "new" ReplicaSet as the controller defines it: the oldest owned one
    whose template matches."""
    template = dig(deployment, "spec", "template")
    for rs in owned_replicasets(deployment, replicasets):
        if templates_equal(dig(rs, "spec", "template"), template):
            return rs
    return None


def _revision(rs: Mapping[str, JSON], current: bool) -> Revision:
    annotations = annotations_of(rs)
    template = strip_hash_label(dig(rs, "spec", "template"))
    labels = labels_of(rs)
    template_hash = labels.get(POD_TEMPLATE_HASH) or str(
        dig(rs, "spec", "template", "metadata", "labels", POD_TEMPLATE_HASH) or ""
    )
    status = as_dict(rs.get("status"))
    return Revision(
        number=as_int(annotations.get(REVISION_ANNOTATION), 0),
        former_numbers=parse_former_numbers(annotations.get(REVISION_HISTORY_ANNOTATION)),
        object_name=name_of(rs),
        pod_template_hash=template_hash,
        images=images_of(template),
        change_cause=annotations.get(CHANGE_CAUSE_ANNOTATION) or None,
        created=parse_time(dig(rs, "metadata", "creationTimestamp")),
        desired=as_int(dig(rs, "spec", "replicas"), 1),
        ready=as_int(status.get("readyReplicas")),
        available=as_int(status.get("availableReplicas")),
        current=current,
        template=template,
        annotations=annotations,
        uid=uid_of(rs),
    )


def replicaset_pods(
    replicaset: Mapping[str, JSON], pods: Sequence[Mapping[str, JSON]]
) -> list[Mapping[str, JSON]]:
    """The pods of one ReplicaSet: controlled by it, or (orphans) carrying its hash."""
    uid = uid_of(replicaset)
    template_hash = labels_of(replicaset).get(POD_TEMPLATE_HASH) or str(
        dig(replicaset, "spec", "template", "metadata", "labels", POD_TEMPLATE_HASH) or ""
    )
    found = []
    for pod in pods:
        owner = controller_uid(pod)
        if owner is not None:
            if owner == uid:
                found.append(pod)
        elif template_hash and labels_of(pod).get(POD_TEMPLATE_HASH) == template_hash:
            found.append(pod)
    return found


def _pods_by_replicaset(
    revisions: Sequence[Revision], pods: Sequence[Mapping[str, JSON]]
) -> dict[str, PodSummary]:
    by_uid = {r.uid: r.object_name for r in revisions if r.uid}
    by_hash = {r.pod_template_hash: r.object_name for r in revisions if r.pod_template_hash}
    grouped: dict[str, list[Mapping[str, JSON]]] = {r.object_name: [] for r in revisions}
    for pod in pods:
        owner = controller_uid(pod)
        if owner is not None:
            # A pod with a controller that is not one of our ReplicaSets is not ours,
            # even when its hash label happens to match.
            rs = by_uid.get(owner)
        else:
            rs = by_hash.get(labels_of(pod).get(POD_TEMPLATE_HASH, ""))
        if rs is not None:
            grouped[rs].append(pod)
    return {name: summarise_pods(items) for name, items in grouped.items()}


def detect_managers(
    labels: Mapping[str, str], annotations: Mapping[str, str]
) -> tuple[ManagedBy, ...]:
    """Helm, Argo CD, Flux or kubectl apply ownership, from the Deployment's
    labels and annotations."""
    found: list[ManagedBy] = []
    if (
        labels.get("app.kubernetes.io/managed-by", "").lower() == "helm"
        or "meta.helm.sh/release-name" in annotations
    ):
        release = (
            annotations.get("meta.helm.sh/release-name")
            or labels.get("release")
            or labels.get("app.kubernetes.io/instance")
        )
        clue = (
            "annotation meta.helm.sh/release-name"
            if "meta.helm.sh/release-name" in annotations
            else "label app.kubernetes.io/managed-by=Helm"
        )
        found.append(ManagedBy("Helm", release, clue))
    argo_annotations = [k for k in annotations if k.startswith("argocd.argoproj.io/")]
    if "argocd.argoproj.io/tracking-id" in annotations:
        tracking = annotations["argocd.argoproj.io/tracking-id"]
        found.append(
            ManagedBy(
                "Argo CD",
                tracking.split(":", 1)[0] or None,
                "annotation argocd.argoproj.io/tracking-id",
            )
        )
    elif "argocd.argoproj.io/instance" in labels or "argocd.argoproj.io/instance" in annotations:
        app = labels.get("argocd.argoproj.io/instance") or annotations.get(
            "argocd.argoproj.io/instance"
        )
        found.append(ManagedBy("Argo CD", app, "argocd.argoproj.io/instance"))
    elif "app.kubernetes.io/instance" in labels and argo_annotations:
        found.append(
            ManagedBy(
                "Argo CD",
                labels["app.kubernetes.io/instance"],
                f"label app.kubernetes.io/instance with {argo_annotations[0]}",
            )
        )
    for key, kind in (
        ("kustomize.toolkit.fluxcd.io/name", "Kustomization"),
        ("helm.toolkit.fluxcd.io/name", "HelmRelease"),
    ):
        if key in labels:
            namespace = labels.get(key.replace("/name", "/namespace"))
            name = f"{namespace}/{labels[key]}" if namespace else labels[key]
            found.append(ManagedBy("Flux", f"{kind} {name}", f"label {key}"))
    if LAST_APPLIED_ANNOTATION in annotations:
        found.append(ManagedBy("kubectl apply", None, f"annotation {LAST_APPLIED_ANNOTATION}"))
    return tuple(found)


def autoscalers_for(
    name: str, hpas: Sequence[Mapping[str, JSON]], kind: str = "Deployment"
) -> tuple[AutoscalerRef, ...]:
    """HorizontalPodAutoscalers (autoscaling/v1 or v2) whose scaleTargetRef is ``kind`` ``name``."""
    found = []
    for hpa in hpas:
        target = as_dict(dig(hpa, "spec", "scaleTargetRef"))
        if target.get("kind") != kind or target.get("name") != name:
            continue
        min_replicas = dig(hpa, "spec", "minReplicas")
        max_replicas = dig(hpa, "spec", "maxReplicas")
        found.append(
            AutoscalerRef(
                name=name_of(hpa),
                api_version=str(hpa.get("apiVersion") or "autoscaling/v2"),
                min_replicas=min_replicas if isinstance(min_replicas, int) else None,
                max_replicas=max_replicas if isinstance(max_replicas, int) else None,
            )
        )
    return tuple(found)


def _conditions(status: Mapping[str, JSON]) -> tuple[Condition, ...]:
    return tuple(
        Condition(
            type=str(c.get("type", "")),
            status=str(c.get("status", "")),
            reason=str(c.get("reason", "")),
            message=str(c.get("message", "")),
            last_update=parse_time(c.get("lastUpdateTime")),
            last_transition=parse_time(c.get("lastTransitionTime")),
        )
        for c in (as_dict(item) for item in as_list(status.get("conditions")))
    )


def harness_releases(
    configmaps: Sequence[Mapping[str, JSON]] | None, secrets: Sequence[Mapping[str, JSON]] | None
) -> tuple[HarnessRelease, ...]:
    """The Harness releases in the namespace's ConfigMaps and Secrets read for a workload
    (the Harness rules load only when one of them may hold some: the ConfigMaps read for a
    workload's references are mostly its configuration)."""
    records = [dict(c) for c in configmaps or () if may_be_harness_record(c)]
    record_secrets = [dict(s) for s in secrets or () if may_be_harness_record(s)]
    if not records and not record_secrets:
        return ()
    from .harness import releases_from_objects

    return releases_from_objects(records, record_secrets)


def build_deployment_history(
    deployment: Mapping[str, JSON],
    replicasets: Sequence[Mapping[str, JSON]],
    pods: Sequence[Mapping[str, JSON]] | None,
    *,
    configmaps: Sequence[Mapping[str, JSON]] | None = None,
    secrets: Sequence[Mapping[str, JSON]] | None = None,
    hpas: Sequence[Mapping[str, JSON]] = (),
    now: datetime,
) -> DeploymentHistory:
    """Turn the raw API objects of one Deployment into a DeploymentHistory.

    Only ReplicaSets whose controller ownerReference has the Deployment's uid
    count (the selector alone can match another controller's ReplicaSets).
    ``pods`` None means "not listed" (no pod evidence); ``configmaps`` /
    ``secrets`` None mean "not listed" (missing-reference checks report "not
    checked"; no Harness history from that kind). ``now`` is when the objects
    were read.
    """
    meta = as_dict(deployment.get("metadata"))
    spec = as_dict(deployment.get("spec"))
    status = as_dict(deployment.get("status"))
    ref = WorkloadRef(
        "Deployment", str(meta.get("namespace") or "default"), str(meta.get("name") or "")
    )
    replicas = as_int(spec.get("replicas"), 1)

    owned = owned_replicasets(deployment, replicasets)
    current_rs = find_current_replicaset(deployment, owned)
    revisions = [_revision(rs, rs is current_rs) for rs in owned]
    summaries = _pods_by_replicaset(revisions, pods) if pods is not None else None
    releases = harness_releases(configmaps, secrets)
    with_evidence = attach_evidence(
        revisions, deployment=deployment, pods=summaries, releases=releases, ref=ref
    )
    ordered = sorted(
        with_evidence,
        key=lambda r: (r.number, r.created.isoformat() if r.created else "", r.object_name),
        reverse=True,
    )
    labels = labels_of(deployment)
    annotations = annotations_of(deployment)
    return DeploymentHistory(
        ref=ref,
        uid=str(meta.get("uid") or ""),
        resource_version=str(meta.get("resourceVersion") or ""),
        generation=as_int(meta.get("generation"), 0),
        observed_generation=as_int(status.get("observedGeneration"), 0),
        paused=spec.get("paused") is True,
        replicas=replicas,
        strategy=resolve_strategy(spec, replicas),
        revision_history_limit=as_int(
            spec.get("revisionHistoryLimit"), DEFAULT_REVISION_HISTORY_LIMIT
        ),
        progress_deadline_seconds=as_int(
            spec.get("progressDeadlineSeconds"), DEFAULT_PROGRESS_DEADLINE_SECONDS
        ),
        annotations=annotations,
        labels=labels,
        template=strip_hash_label(spec.get("template")),
        selector=as_dict(spec.get("selector")),
        conditions=_conditions(status),
        counts=DeploymentCounts(
            replicas=as_int(status.get("replicas")),
            updated=as_int(status.get("updatedReplicas")),
            ready=as_int(status.get("readyReplicas")),
            available=as_int(status.get("availableReplicas")),
            unavailable=as_int(status.get("unavailableReplicas")),
        ),
        revisions=tuple(ordered),
        current=next((r for r in ordered if r.current), None),
        managers=detect_managers(labels, annotations),
        hpas=autoscalers_for(ref.name, hpas),
        configmap_names=None if configmaps is None else frozenset(name_of(c) for c in configmaps),
        secret_names=None if secrets is None else frozenset(name_of(s) for s in secrets),
        loaded_at=now,
        raw=deployment,
    )
