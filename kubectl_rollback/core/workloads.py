"""One-line summaries of workloads for a list: kind, status, revision, images, readiness.

Computed from the workload object alone (no ReplicaSets, no pods), so that a list of
thousands of Deployments costs one LIST request and a pass over its items.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from .api_objects import annotations_of, as_dict, as_int, as_list, controller_uid, dig, name_of
from .kinds import KINDS, kind_named, supported
from .ports import NAMESPACES, ClusterGateway
from .status import rollout_status
from .values import replace, value

JSON = Any
K = TypeVar("K")

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"


class WorkloadStatus(enum.Enum):
    """The state a workload list shows for a workload."""

    HEALTHY = "healthy"
    PROGRESSING = "progressing"
    FAILED = "failed"
    PAUSED = "paused"


@value
class WorkloadSummary:
    """A workload as one row of a list.

    ``revision`` is the Deployment's revision annotation (None for kinds whose
    revisions live in ControllerRevisions, which the list does not read).
    ``message`` is kubectl's rollout status wording for Deployments.
    ``unsupported`` says why the workload cannot be rolled back yet (None when it can).
    """

    kind: str
    name: str
    namespace: str
    status: WorkloadStatus
    revision: int | None
    images: tuple[str, ...]
    ready: int
    desired: int
    message: str = ""
    resource_version: str = ""
    unsupported: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        """(kind, name): unique within a namespace."""
        return (self.kind, self.name)

    @property
    def image_summary(self) -> str:
        return ", ".join(self.images)

    @property
    def short_kind(self) -> str:
        """kubectl's short name: deploy, sts, ds."""
        return kind_named(self.kind).short_name if supported(self.kind) else self.kind.lower()


def _images(obj: Mapping[str, JSON]) -> tuple[str, ...]:
    containers = as_list(dig(obj, "spec", "template", "spec", "containers"))
    return tuple(str(as_dict(c).get("image") or "") for c in containers)


def _progressing_reason(status: Mapping[str, JSON]) -> str:
    for condition in as_list(status.get("conditions")):
        cond = as_dict(condition)
        if cond.get("type") == "Progressing":
            return str(cond.get("reason") or "")
    return ""


def summarise_deployment(deployment: Mapping[str, JSON]) -> WorkloadSummary:
    """The list row of an apps/v1 Deployment.

    Status precedence: paused (spec.paused), then failed (Progressing is
    ProgressDeadlineExceeded), then progressing (kubectl rollout status would
    still wait), else healthy.
    """
    status = as_dict(deployment.get("status"))
    desired = as_int(dig(deployment, "spec", "replicas"), 1)
    rollout = rollout_status(deployment)
    if dig(deployment, "spec", "paused") is True:
        state = WorkloadStatus.PAUSED
    elif rollout.failed or _progressing_reason(status) == "ProgressDeadlineExceeded":
        state = WorkloadStatus.FAILED
    elif not rollout.done:
        state = WorkloadStatus.PROGRESSING
    else:
        state = WorkloadStatus.HEALTHY
    revision_text = annotations_of(deployment).get(REVISION_ANNOTATION)
    return WorkloadSummary(
        kind="Deployment",
        name=name_of(deployment),
        namespace=str(dig(deployment, "metadata", "namespace") or ""),
        status=state,
        revision=int(revision_text) if revision_text and revision_text.isdigit() else None,
        images=_images(deployment),
        ready=as_int(status.get("readyReplicas")),
        desired=desired,
        message=rollout.message,
        resource_version=str(dig(deployment, "metadata", "resourceVersion") or ""),
    )


def summarise_statefulset(statefulset: Mapping[str, JSON]) -> WorkloadSummary:
    """The list row of an apps/v1 StatefulSet."""
    status = as_dict(statefulset.get("status"))
    desired = as_int(dig(statefulset, "spec", "replicas"), 1)
    ready = as_int(status.get("readyReplicas"))
    updated = status.get("updateRevision") == status.get("currentRevision")
    observed = as_int(status.get("observedGeneration")) >= as_int(
        dig(statefulset, "metadata", "generation")
    )
    done = (
        updated
        and observed
        and ready == desired
        and as_int(status.get("updatedReplicas"), desired) >= desired
    )
    return WorkloadSummary(
        kind="StatefulSet",
        name=name_of(statefulset),
        namespace=str(dig(statefulset, "metadata", "namespace") or ""),
        status=WorkloadStatus.HEALTHY if done else WorkloadStatus.PROGRESSING,
        revision=None,
        images=_images(statefulset),
        ready=ready,
        desired=desired,
        message=f"{ready}/{desired} ready",
        resource_version=str(dig(statefulset, "metadata", "resourceVersion") or ""),
    )


def summarise_daemonset(daemonset: Mapping[str, JSON]) -> WorkloadSummary:
    """The list row of an apps/v1 DaemonSet."""
    status = as_dict(daemonset.get("status"))
    desired = as_int(status.get("desiredNumberScheduled"))
    ready = as_int(status.get("numberReady"))
    observed = as_int(status.get("observedGeneration")) >= as_int(
        dig(daemonset, "metadata", "generation")
    )
    done = (
        observed
        and ready == desired
        and as_int(status.get("updatedNumberScheduled"), desired) >= desired
    )
    return WorkloadSummary(
        kind="DaemonSet",
        name=name_of(daemonset),
        namespace=str(dig(daemonset, "metadata", "namespace") or ""),
        status=WorkloadStatus.HEALTHY if done else WorkloadStatus.PROGRESSING,
        revision=None,
        images=_images(daemonset),
        ready=ready,
        desired=desired,
        message=f"{ready}/{desired} ready",
        resource_version=str(dig(daemonset, "metadata", "resourceVersion") or ""),
    )


_SUMMARISERS = {
    "Deployment": summarise_deployment,
    "StatefulSet": summarise_statefulset,
    "DaemonSet": summarise_daemonset,
}
_KIND_ORDER = {k.kind: i for i, k in enumerate(KINDS)}


def summarise(
    obj: Mapping[str, JSON], kind: str | None = None, *, revision: int | None = None
) -> WorkloadSummary:
    """The list row of any workload kind this tool lists (``kind`` when the object lacks it);
    ``revision``: its current revision when it is not on the object (``newest_revisions``)."""
    which = kind or str(obj.get("kind") or "")
    summariser = _SUMMARISERS.get(which)
    if summariser is None:
        raise ValueError(f"not a workload kind: {which!r}")
    summary = summariser(obj)
    if revision is not None and summary.revision is None:
        summary = replace(summary, revision=revision)
    return summary


def newest_revisions(revision_objects: Iterable[Mapping[str, JSON]]) -> dict[str, int]:
    """Controller uid -> its newest ControllerRevision's number: a StatefulSet's or DaemonSet's
    current revision (the controller renumbers the revision it rolls back to as the newest),
    from one LIST of the namespace's ControllerRevisions."""
    newest: dict[str, int] = {}
    for obj in revision_objects:
        owner = controller_uid(obj)
        number = as_int(obj.get("revision"))
        if owner is not None and number > newest.get(owner, 0):
            newest[owner] = number
    return newest


def ordered(summaries: Iterable[WorkloadSummary]) -> list[WorkloadSummary]:
    """Deployments first, then StatefulSets, DaemonSets; by name within a kind."""
    return sorted(summaries, key=lambda s: (_KIND_ORDER.get(s.kind, 9), s.name))


def matches(summary: WorkloadSummary, text: str) -> bool:
    """Case-insensitive filter over name, kind, short kind, status and images."""
    return text_matches(search_text(summary), text)


def search_text(summary: WorkloadSummary) -> str:
    """What the filter searches in a workload, lower case (a list of thousands keeps it)."""
    return " ".join(
        (summary.name, summary.kind, summary.short_kind, summary.status.value, *summary.images)
    ).lower()


def text_matches(searched: str, text: str) -> bool:
    """``text``'s words (any case) all occur in ``searched`` (a ``search_text``)."""
    return all(part in searched for part in text.lower().split())


def keys_matching(keys: Iterable[K], searched: Mapping[K, str], text: str) -> list[K]:
    """The ``keys`` whose ``searched[key]`` ``text_matches``, in order: one pass of ``in``
    over thousands of search texts (the filter's words read once, not per workload)."""
    words = text.lower().split()
    if len(words) == 1:
        word = words[0]
        return [key for key in keys if word in searched[key]]
    return [key for key in keys if all(w in searched[key] for w in words)]


def namespace_names(gw: ClusterGateway) -> list[str]:
    """The namespaces the credentials may list, by name (one LIST)."""
    return [name_of(ns) for ns in gw.list(NAMESPACES, None)]
