"""The rollback domain as frozen value classes: workloads, revisions, health evidence."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from .values import field, replace, value

JSON = Any
"""A value decoded from Kubernetes JSON (dict, list, str, int, float, bool or None)."""

# Groups used by WorkloadRef.display, as kubectl prints them (`deployment.apps/web`).
_API_GROUPS = {"Deployment": "apps", "StatefulSet": "apps", "DaemonSet": "apps"}


@value
class WorkloadRef:
    """Which workload: kind ("Deployment", "StatefulSet" or "DaemonSet";
    "Service" for blue/green), namespace and name."""

    kind: str
    namespace: str
    name: str

    @property
    def display(self) -> str:
        """The name kubectl prints, e.g. ``deployment.apps/web``."""
        group = _API_GROUPS.get(self.kind)
        resource = self.kind.lower() if group is None else f"{self.kind.lower()}.{group}"
        return f"{resource}/{self.name}"


class Verdict(enum.Enum):
    """What a piece of evidence says about a revision."""

    SUCCESS = "success"
    FAILURE = "failure"
    UNKNOWN = "unknown"


# Evidence sources. "rollout" and "pods" describe what the cluster shows *now*;
# "record" and "harness" are history written down earlier.
SOURCE_ROLLOUT = "rollout"
SOURCE_PODS = "pods"
SOURCE_RECORD = "record"
SOURCE_HARNESS = "harness"
LIVE_SOURCES = frozenset({SOURCE_ROLLOUT, SOURCE_PODS})


@value
class HealthEvidence:
    """One observation about a revision's health, with a one-line human reason."""

    verdict: Verdict
    source: str
    reason: str

    @property
    def live(self) -> bool:
        """True when this describes the cluster's current state (rollout, pods)."""
        return self.source in LIVE_SOURCES

    @property
    def label(self) -> str:
        """The source as shown to people: ``recorded`` for our own records."""
        return "recorded" if self.source == SOURCE_RECORD else self.source

    @property
    def line(self) -> str:
        """``failure (pods): 3 pods in ImagePullBackOff``."""
        return f"{self.verdict.value} ({self.label}): {self.reason}"


@value
class ContainerImage:
    """The image of one container (or init container) of a pod template."""

    container: str
    image: str
    init: bool = False


def health_of(evidence: tuple[HealthEvidence, ...]) -> Verdict:
    """Combine evidence into one verdict; see Revision.health for the precedence."""
    for group in (
        [e for e in evidence if e.live],
        [e for e in evidence if not e.live],
    ):
        if any(e.verdict is Verdict.FAILURE for e in group):
            return Verdict.FAILURE
        if any(e.verdict is Verdict.SUCCESS for e in group):
            return Verdict.SUCCESS
    return Verdict.UNKNOWN


@value
class Revision:
    """One revision of a Deployment: a ReplicaSet it owns, and what we know of its health.

    ``template`` is the ReplicaSet's ``spec.template`` with the ``pod-template-hash``
    label removed: exactly what ``kubectl rollout undo`` writes back.
    ``former_numbers`` come from ``deployment.kubernetes.io/revision-history``
    (a revision rolled back to is renumbered; its old numbers are kept there).
    """

    number: int
    former_numbers: tuple[int, ...]
    object_name: str
    """The revision's object: a ReplicaSet or ControllerRevision name."""
    pod_template_hash: str
    images: tuple[ContainerImage, ...]
    change_cause: str | None
    created: datetime | None
    desired: int
    ready: int
    available: int
    current: bool
    template: Mapping[str, JSON]
    annotations: Mapping[str, str]
    uid: str
    evidence: tuple[HealthEvidence, ...] = ()
    object_kind: str = "ReplicaSet"
    """The API object behind the revision: "ReplicaSet" (Deployments) or "ControllerRevision"
    (StatefulSets, DaemonSets). For a ControllerRevision, ``replicaset`` holds its name,
    ``pod_template_hash`` its hash label, and ``desired``/``ready``/``available`` count the
    pods of that revision."""

    @property
    def health(self) -> Verdict:
        """The overall verdict of ``evidence``.

        Precedence: evidence of the cluster's *current* state (sources "rollout"
        and "pods") decides first, failure before success, because a revision
        whose pods crash right now is broken whatever was recorded about it
        earlier. Only when the live evidence says nothing do the written-down
        records ("record", "harness") decide, again failure before success: a
        rollback tool should rather skip a revision that once failed than roll
        back onto it. No evidence at all is UNKNOWN.
        """
        return health_of(self.evidence)

    @property
    def failure_evidence(self) -> tuple[HealthEvidence, ...]:
        return tuple(e for e in self.evidence if e.verdict is Verdict.FAILURE)

    @property
    def health_reason(self) -> str:
        """The reason of the evidence that decided ``health`` ("no evidence" when unknown)."""
        verdict = self.health
        if verdict is Verdict.UNKNOWN:
            return "no evidence"
        deciding = [e for e in self.evidence if e.verdict is verdict]
        live = [e for e in deciding if e.live]
        return (live or deciding)[0].reason

    @property
    def image_summary(self) -> str:
        """``nginx:1.25`` or ``app=nginx:1.25, sidecar=envoy:1.30`` (init containers omitted)."""
        main = [i for i in self.images if not i.init]
        if len(main) == 1:
            return main[0].image
        return ", ".join(f"{i.container}={i.image}" for i in main)

    def with_evidence(self, evidence: tuple[HealthEvidence, ...]) -> Revision:
        """A copy carrying ``evidence`` (history building adds it in a second pass)."""
        return replace(self, evidence=evidence)


@value
class Strategy:
    """A Deployment's update strategy, raw and resolved against spec.replicas."""

    type: str
    max_surge_raw: int | str | None
    max_unavailable_raw: int | str | None
    max_surge: int
    max_unavailable: int


@value
class Condition:
    """One entry of a Deployment's status.conditions."""

    type: str
    status: str
    reason: str
    message: str
    last_update: datetime | None = None
    last_transition: datetime | None = None


@value
class DeploymentCounts:
    """The replica counters of a Deployment's status."""

    replicas: int = 0
    updated: int = 0
    ready: int = 0
    available: int = 0
    unavailable: int = 0


@value
class ManagedBy:
    """A tool that owns the Deployment's manifest and may revert a manual rollback.

    ``tool`` is one of "Helm", "Argo CD", "Flux", "kubectl apply"; ``name`` the
    release / application / Kustomization when known; ``clue`` the label or
    annotation that gave it away.
    """

    tool: str
    name: str | None
    clue: str


@value
class AutoscalerRef:
    """A HorizontalPodAutoscaler whose scaleTargetRef is the Deployment."""

    name: str
    api_version: str
    min_replicas: int | None
    max_replicas: int | None


@value
class PlanWarning:
    """A warning of a plan or target choice: a stable code and a one-line message."""

    code: str
    message: str


@value
class DeploymentHistory:
    """A Deployment as loaded for a rollback: its spec, status and revisions.

    ``revisions`` are sorted newest first (highest number first). ``current`` is
    the revision whose template equals the Deployment's template (ignoring the
    pod-template-hash label), or None when the controller has not created it
    yet. ``configmap_names`` / ``secret_names`` are None when the caller did not
    look (so a missing-reference check is "not checked", not "all present").
    """

    ref: WorkloadRef
    uid: str
    resource_version: str
    generation: int
    observed_generation: int
    paused: bool
    replicas: int
    strategy: Strategy
    revision_history_limit: int
    progress_deadline_seconds: int
    annotations: Mapping[str, str]
    labels: Mapping[str, str]
    template: Mapping[str, JSON]
    selector: Mapping[str, JSON]
    conditions: tuple[Condition, ...]
    counts: DeploymentCounts
    revisions: tuple[Revision, ...]
    current: Revision | None
    managers: tuple[ManagedBy, ...] = ()
    hpas: tuple[AutoscalerRef, ...] = ()
    configmap_names: frozenset[str] | None = None
    secret_names: frozenset[str] | None = None
    loaded_at: datetime | None = None
    raw: Mapping[str, JSON] = field(default_factory=dict, compare=False, repr=False)

    def condition(self, type_: str) -> Condition | None:
        return next((c for c in self.conditions if c.type == type_), None)

    def revision(self, number: int) -> Revision | None:
        return next((r for r in self.revisions if r.number == number), None)

    @property
    def no_history_message(self) -> str:
        """kubectl's words when there is nothing to roll back to."""
        return f'no rollout history found for deployment "{self.ref.name}"'

    @property
    def old_revisions(self) -> tuple[Revision, ...]:
        """Every revision except the current one, newest first."""
        return tuple(r for r in self.revisions if not r.current)


class RevisionHistory(Protocol):
    """What target choice and the kind-independent parts of a plan read of a history.

    DeploymentHistory (ReplicaSets) and controller_history.ControllerHistory
    (ControllerRevisions of StatefulSets and DaemonSets) both provide it.
    """

    @property
    def ref(self) -> WorkloadRef: ...

    @property
    def revisions(self) -> tuple[Revision, ...]: ...

    @property
    def current(self) -> Revision | None: ...

    @property
    def annotations(self) -> Mapping[str, str]: ...

    @property
    def template(self) -> Mapping[str, JSON]: ...

    @property
    def revision_history_limit(self) -> int: ...

    @property
    def managers(self) -> tuple[ManagedBy, ...]: ...

    @property
    def hpas(self) -> tuple[AutoscalerRef, ...]: ...

    @property
    def configmap_names(self) -> frozenset[str] | None: ...

    @property
    def secret_names(self) -> frozenset[str] | None: ...

    def revision(self, number: int) -> Revision | None: ...

    @property
    def no_history_message(self) -> str: ...
