"""Revision history of StatefulSets and DaemonSets: ControllerRevisions as Revisions, with evidence.

A StatefulSet or DaemonSet keeps its history in ControllerRevisions it owns
(controller ownerReference). Each holds ``revision`` (its number) and ``data``:
the strategic-merge patch ``{"spec": {"template": {..., "$patch": "replace"}}}``
that ``kubectl rollout undo`` sends back unchanged. Rolling back to an older
revision does not create a ControllerRevision: the controller gives the
existing one the next number (same name, new number; the old number is lost).

Pods name their revision in the label ``controller-revision-hash``: the
ControllerRevision's *name* for a StatefulSet, its *hash* for a DaemonSet.
The revisions' own hash label is ``controller.kubernetes.io/hash``
(StatefulSet) or ``controller-revision-hash`` (DaemonSet).

Evidence per revision, by the same rules as for Deployments (see evidence.py):

- rollout (current revision only): a StatefulSet whose status.currentRevision
  equals status.updateRevision (the current revision) with every replica
  updated and Ready; a DaemonSet whose every scheduled pod is updated and
  available. Neither kind has a progress deadline, so the rollout itself
  never yields failure evidence;
- pods: pods of a revision in CrashLoopBackOff / ImagePullBackOff /
  ErrImagePull are failure evidence; an older revision whose pods still serve
  Ready while a newer one fails is success evidence;
- records: ``kubectl-rollback.io/outcome`` annotations on the ControllerRevision;
- Harness releases that recorded a revision number of this workload.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from .api_objects import POD_REVISION_LABEL as POD_REVISION_LABEL
from .api_objects import (
    annotations_of,
    as_dict,
    as_int,
    controller_uid,
    dig,
    labels_of,
    name_of,
    parse_time,
    templates_equal,
    uid_of,
)
from .evidence import PodSummary, attach_evidence, pod_ready, summarise_pods
from .history import (
    CHANGE_CAUSE_ANNOTATION,
    DEFAULT_REVISION_HISTORY_LIMIT,
    autoscalers_for,
    detect_managers,
    harness_releases,
    images_of,
    resolve_int_or_percent,
)
from .model import (
    SOURCE_ROLLOUT,
    AutoscalerRef,
    HealthEvidence,
    ManagedBy,
    Revision,
    Verdict,
    WorkloadRef,
)
from .values import field, value

JSON = Any

CONTROLLER_KINDS = frozenset({"StatefulSet", "DaemonSet"})
"""Workload kinds whose history is in ControllerRevisions."""
STATEFULSET_REVISION_HASH = "controller.kubernetes.io/hash"
"""The hash label of a StatefulSet's ControllerRevisions."""
OBJECT_KIND = "ControllerRevision"


@value
class UpdateStrategy:
    """How the controller rolls a new revision out.

    ``type`` is "RollingUpdate" or "OnDelete". StatefulSet: ``partition`` (pods
    with a lower ordinal keep their revision) and ``max_unavailable`` (1 unless
    the MaxUnavailableStatefulSet feature is used). DaemonSet: ``max_unavailable``
    and ``max_surge`` resolved against the number of scheduled nodes, with their
    raw values for display.
    """

    type: str
    partition: int = 0
    max_unavailable: int = 1
    max_surge: int = 0
    max_unavailable_raw: int | str | None = None
    max_surge_raw: int | str | None = None

    @property
    def rolling(self) -> bool:
        return self.type == "RollingUpdate"


@value
class ControllerCounts:
    """Status counters: StatefulSet replicas, or DaemonSet scheduled pods (one per node)."""

    desired: int = 0
    current: int = 0
    ready: int = 0
    updated: int = 0
    available: int = 0


@value
class ControllerHistory:
    """A StatefulSet or DaemonSet as loaded for a rollback: spec, status and revisions.

    The attributes target choice and the common parts of a plan read have the
    same names as on DeploymentHistory (``ref``, ``revisions``, ``current``,
    ``revision(n)``, ``annotations``, ``template``, ``managers``...).
    ``revisions`` are sorted newest first; ``current`` is the revision whose
    template equals the workload's (status.updateRevision when none does yet).
    ``revision_data`` maps each ControllerRevision's name to its raw ``data``.
    ``replicas`` is spec.replicas (StatefulSet) or desiredNumberScheduled (DaemonSet).
    ``paused`` is always False: these kinds cannot be paused.
    """

    ref: WorkloadRef
    uid: str
    resource_version: str
    generation: int
    observed_generation: int
    replicas: int
    strategy: UpdateStrategy
    revision_history_limit: int
    annotations: Mapping[str, str]
    labels: Mapping[str, str]
    template: Mapping[str, JSON]
    selector: Mapping[str, JSON]
    counts: ControllerCounts
    revisions: tuple[Revision, ...]
    current: Revision | None
    current_revision_name: str | None = None
    update_revision_name: str | None = None
    pod_management_policy: str | None = None
    service_name: str | None = None
    volume_claim_templates: tuple[str, ...] = ()
    unready_pods: tuple[str, ...] = ()
    """Active pods of the workload that are not Ready, sorted (empty when pods were not listed)."""
    managers: tuple[ManagedBy, ...] = ()
    hpas: tuple[AutoscalerRef, ...] = ()
    configmap_names: frozenset[str] | None = None
    secret_names: frozenset[str] | None = None
    loaded_at: datetime | None = None
    revision_data: Mapping[str, Mapping[str, JSON]] = field(
        default_factory=dict, compare=False, repr=False
    )
    raw: Mapping[str, JSON] = field(default_factory=dict, compare=False, repr=False)
    paused: bool = False

    def revision(self, number: int) -> Revision | None:
        return next((r for r in self.revisions if r.number == number), None)

    @property
    def no_history_message(self) -> str:
        """kubectl's words when there is nothing to roll back to."""
        return "no last revision to roll back to"

    @property
    def old_revisions(self) -> tuple[Revision, ...]:
        """Every revision except the current one, newest first."""
        return tuple(r for r in self.revisions if not r.current)

    @property
    def pods_waited_for(self) -> tuple[str, ...]:
        """The pods a StatefulSet's controller waits for before it replaces any: with
        RollingUpdate and OrderedReady, those not Ready (Kubernetes' "forced rollback": a
        reverted template is not enough, they must be deleted). Parallel replaces them
        itself, OnDelete replaces nothing: () for those, and for DaemonSets."""
        if (
            self.ref.kind != "StatefulSet"
            or not self.strategy.rolling
            or self.pod_management_policy != "OrderedReady"
        ):
            return ()
        return self.unready_pods


def clean_template(template: JSON) -> dict[str, JSON]:
    """A pod template without the patch directive and the null creationTimestamp Go writes."""
    result = copy.deepcopy(as_dict(template))
    result.pop("$patch", None)
    meta = result.get("metadata")
    if isinstance(meta, dict) and meta.get("creationTimestamp") is None:
        meta.pop("creationTimestamp", None)
    return result


def revision_template(revision: Mapping[str, JSON]) -> dict[str, JSON]:
    """The pod template a ControllerRevision records (from ``data.spec.template``)."""
    return clean_template(dig(revision, "data", "spec", "template"))


def revision_data(revision: Mapping[str, JSON], template: Mapping[str, JSON]) -> dict[str, JSON]:
    """The revision's ``data`` as stored; rebuilt from ``template`` when it is missing."""
    data = as_dict(revision.get("data"))
    if as_dict(dig(data, "spec", "template")):
        return copy.deepcopy(data)
    return {"spec": {"template": {**copy.deepcopy(dict(template)), "$patch": "replace"}}}


def owned_revisions(
    workload: Mapping[str, JSON], revisions: Sequence[Mapping[str, JSON]]
) -> list[Mapping[str, JSON]]:
    """ControllerRevisions whose controller ownerReference is the workload, lowest number first."""
    uid = uid_of(workload)
    owned = [r for r in revisions if uid and controller_uid(r) == uid]
    return sorted(owned, key=lambda r: (as_int(r.get("revision")), name_of(r)))


def _hash_of(revision: Mapping[str, JSON], owner: str) -> str:
    labels = labels_of(revision)
    value = labels.get(STATEFULSET_REVISION_HASH) or labels.get(POD_REVISION_LABEL)
    if value:
        return value
    name = name_of(revision)
    return name[len(owner) + 1 :] if name.startswith(f"{owner}-") else name


def find_current_revision(
    workload: Mapping[str, JSON], revisions: Sequence[Mapping[str, JSON]]
) -> Mapping[str, JSON] | None:
    """The revision the workload asks for: the newest whose template equals the workload's.

    Falls back to the one status.updateRevision names (a StatefulSet whose template
    round-tripped with defaults the comparison does not see).
    """
    template = clean_template(dig(workload, "spec", "template"))
    owned = owned_revisions(workload, revisions)
    for revision in reversed(owned):
        if templates_equal(revision_template(revision), template):
            return revision
    update = dig(workload, "status", "updateRevision")
    return next((r for r in owned if update and name_of(r) == update), None)


def revision_pods(
    workload: Mapping[str, JSON],
    revision: Mapping[str, JSON],
    pods: Sequence[Mapping[str, JSON]],
) -> list[Mapping[str, JSON]]:
    """The pods of one ControllerRevision: the workload's pods labelled with its name
    (StatefulSet) or hash (DaemonSet)."""
    uid = uid_of(workload)
    names = {name_of(revision), _hash_of(revision, name_of(workload))}
    return [
        pod
        for pod in pods
        if controller_uid(pod) in (None, uid) and labels_of(pod).get(POD_REVISION_LABEL) in names
    ]


def _pods_by_revision(
    workload: Mapping[str, JSON],
    revisions: Sequence[Mapping[str, JSON]],
    pods: Sequence[Mapping[str, JSON]],
) -> dict[str, PodSummary]:
    owner = name_of(workload)
    uid = uid_of(workload)
    by_label: dict[str, str] = {}
    for revision in revisions:
        # StatefulSet pods carry the revision's name, DaemonSet pods its hash.
        by_label[_hash_of(revision, owner)] = name_of(revision)
        by_label[name_of(revision)] = name_of(revision)
    grouped: dict[str, list[Mapping[str, JSON]]] = {name_of(r): [] for r in revisions}
    for pod in pods:
        controller = controller_uid(pod)
        if controller is not None and controller != uid:
            continue
        name = by_label.get(labels_of(pod).get(POD_REVISION_LABEL, ""))
        if name is not None:
            grouped[name].append(pod)
    return {name: summarise_pods(items) for name, items in grouped.items()}


def _unready_pods(
    workload: Mapping[str, JSON], pods: Sequence[Mapping[str, JSON]]
) -> tuple[str, ...]:
    uid = uid_of(workload)
    return tuple(
        sorted(
            name_of(p)
            for p in pods
            if controller_uid(p) == uid
            and not dig(p, "metadata", "deletionTimestamp")
            and dig(p, "status", "phase") not in ("Succeeded", "Failed")
            and not pod_ready(p)
        )
    )


def _counts(kind: str, workload: Mapping[str, JSON]) -> ControllerCounts:
    status = as_dict(workload.get("status"))
    if kind == "StatefulSet":
        return ControllerCounts(
            desired=as_int(dig(workload, "spec", "replicas"), 1),
            current=as_int(status.get("currentReplicas")),
            ready=as_int(status.get("readyReplicas")),
            updated=as_int(status.get("updatedReplicas")),
            available=as_int(status.get("availableReplicas")),
        )
    return ControllerCounts(
        desired=as_int(status.get("desiredNumberScheduled")),
        current=as_int(status.get("currentNumberScheduled")),
        ready=as_int(status.get("numberReady")),
        updated=as_int(status.get("updatedNumberScheduled")),
        available=as_int(status.get("numberAvailable")),
    )


def update_strategy(kind: str, workload: Mapping[str, JSON], desired: int) -> UpdateStrategy:
    """The workload's updateStrategy with the API's defaults applied."""
    raw = as_dict(dig(workload, "spec", "updateStrategy"))
    kind_of = str(raw.get("type") or "RollingUpdate")
    rolling = as_dict(raw.get("rollingUpdate"))
    if kind_of != "RollingUpdate":
        return UpdateStrategy(kind_of)
    unavailable_raw = rolling.get("maxUnavailable", 1)
    unavailable_raw = unavailable_raw if isinstance(unavailable_raw, (int, str)) else 1
    if kind == "StatefulSet":
        return UpdateStrategy(
            kind_of,
            partition=max(as_int(rolling.get("partition")), 0),
            max_unavailable=max(
                resolve_int_or_percent(unavailable_raw, desired, round_up=False), 1
            ),
            max_unavailable_raw=unavailable_raw,
        )
    surge_raw = rolling.get("maxSurge", 0)
    surge_raw = surge_raw if isinstance(surge_raw, (int, str)) else 0
    surge = resolve_int_or_percent(surge_raw, desired, round_up=True)
    # The DaemonSet controller rounds maxUnavailable up; 0 is only allowed with a surge.
    unavailable = resolve_int_or_percent(unavailable_raw, desired, round_up=True)
    if unavailable == 0 and surge == 0:
        unavailable = 1
    return UpdateStrategy(
        kind_of,
        max_unavailable=unavailable,
        max_surge=surge,
        max_unavailable_raw=unavailable_raw,
        max_surge_raw=surge_raw,
    )


def controller_rollout_evidence(
    kind: str, workload: Mapping[str, JSON], current_name: str | None
) -> tuple[str | None, HealthEvidence] | None:
    """Success evidence for the current revision when its rollout is observed complete."""
    if current_name is None:
        return None
    generation = as_int(dig(workload, "metadata", "generation"))
    status = as_dict(workload.get("status"))
    if as_int(status.get("observedGeneration")) < generation:
        return None
    counts = _counts(kind, workload)
    if kind == "StatefulSet":
        if (
            status.get("updateRevision") != current_name
            or status.get("currentRevision") != current_name
        ):
            return None
        replicas = counts.desired
        if (
            counts.updated < replicas
            or counts.ready < replicas
            or as_int(status.get("replicas")) != replicas
        ):
            return None
        return current_name, HealthEvidence(
            Verdict.SUCCESS,
            SOURCE_ROLLOUT,
            "completed: currentRevision = updateRevision, "
            f"{counts.ready}/{replicas} pods updated and Ready",
        )
    if counts.desired == 0 or counts.updated < counts.desired or counts.available < counts.desired:
        return None
    return current_name, HealthEvidence(
        Verdict.SUCCESS,
        SOURCE_ROLLOUT,
        f"completed: {counts.updated}/{counts.desired} scheduled pods updated and available",
    )


def _revision(
    raw: Mapping[str, JSON], owner: str, *, current: bool, pods: PodSummary | None
) -> Revision:
    annotations = annotations_of(raw)
    template = revision_template(raw)
    summary = pods or PodSummary()
    return Revision(
        number=as_int(raw.get("revision")),
        former_numbers=(),
        object_name=name_of(raw),
        pod_template_hash=_hash_of(raw, owner),
        images=images_of(template),
        change_cause=annotations.get(CHANGE_CAUSE_ANNOTATION) or None,
        created=parse_time(dig(raw, "metadata", "creationTimestamp")),
        desired=summary.active,
        ready=summary.ready,
        available=summary.ready,
        current=current,
        template=template,
        annotations=annotations,
        uid=uid_of(raw),
        object_kind=OBJECT_KIND,
    )


def build_controller_history(
    workload: Mapping[str, JSON],
    revisions: Sequence[Mapping[str, JSON]],
    pods: Sequence[Mapping[str, JSON]] | None,
    *,
    kind: str | None = None,
    configmaps: Sequence[Mapping[str, JSON]] | None = None,
    secrets: Sequence[Mapping[str, JSON]] | None = None,
    hpas: Sequence[Mapping[str, JSON]] = (),
    now: datetime,
) -> ControllerHistory:
    """Turn the raw API objects of one StatefulSet or DaemonSet into a ControllerHistory.

    Only ControllerRevisions whose controller ownerReference has the workload's
    uid count. ``kind`` defaults to the object's ``kind``. ``pods`` None means
    "not listed" (no pod evidence); ``configmaps`` / ``secrets`` None mean "not
    listed" (as for build_deployment_history). ``now`` is when the objects were read.
    """
    which = kind or str(workload.get("kind") or "")
    if which not in CONTROLLER_KINDS:
        raise ValueError(f"not a StatefulSet or DaemonSet: {which!r}")
    meta = as_dict(workload.get("metadata"))
    spec = as_dict(workload.get("spec"))
    status = as_dict(workload.get("status"))
    name = str(meta.get("name") or "")
    ref = WorkloadRef(which, str(meta.get("namespace") or "default"), name)

    owned = owned_revisions(workload, revisions)
    current_raw = find_current_revision(workload, owned)
    current_name = name_of(current_raw) if current_raw is not None else None
    summaries = _pods_by_revision(workload, owned, pods) if pods is not None else None
    built = [
        _revision(
            r,
            name,
            current=r is current_raw,
            pods=summaries.get(name_of(r)) if summaries is not None else None,
        )
        for r in owned
    ]
    releases = harness_releases(configmaps, secrets)
    with_evidence = attach_evidence(
        built,
        deployment=workload,
        pods=summaries,
        releases=releases,
        ref=ref,
        rollout=controller_rollout_evidence(which, workload, current_name),
    )
    ordered = sorted(with_evidence, key=lambda r: (r.number, r.object_name), reverse=True)
    counts = _counts(which, workload)
    labels = labels_of(workload)
    annotations = annotations_of(workload)
    claims = (
        tuple(name_of(t) for t in spec.get("volumeClaimTemplates") or () if isinstance(t, dict))
        if which == "StatefulSet"
        else ()
    )
    return ControllerHistory(
        ref=ref,
        uid=str(meta.get("uid") or ""),
        resource_version=str(meta.get("resourceVersion") or ""),
        generation=as_int(meta.get("generation")),
        observed_generation=as_int(status.get("observedGeneration")),
        replicas=counts.desired,
        strategy=update_strategy(which, workload, counts.desired),
        revision_history_limit=as_int(
            spec.get("revisionHistoryLimit"), DEFAULT_REVISION_HISTORY_LIMIT
        ),
        annotations=annotations,
        labels=labels,
        template=clean_template(spec.get("template")),
        selector=as_dict(spec.get("selector")),
        counts=counts,
        revisions=tuple(ordered),
        current=next((r for r in ordered if r.current), None),
        current_revision_name=str(status.get("currentRevision") or "") or None,
        update_revision_name=str(status.get("updateRevision") or "") or None,
        pod_management_policy=str(spec.get("podManagementPolicy") or "OrderedReady")
        if which == "StatefulSet"
        else None,
        service_name=str(spec.get("serviceName") or "") or None,
        volume_claim_templates=claims,
        unready_pods=_unready_pods(workload, pods) if pods is not None else (),
        managers=detect_managers(labels, annotations),
        hpas=autoscalers_for(name, hpas, which) if which == "StatefulSet" else (),
        configmap_names=None if configmaps is None else frozenset(name_of(c) for c in configmaps),
        secret_names=None if secrets is None else frozenset(name_of(s) for s in secrets),
        loaded_at=now,
        revision_data={name_of(r): revision_data(r, revision_template(r)) for r in owned},
        raw=workload,
    )
