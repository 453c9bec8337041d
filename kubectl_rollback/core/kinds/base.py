"""What a workload kind is to the rollback use case: a strategy, registered by data.

``core/rollback.py`` runs one use case for every kind (load, plan, execute, follow,
record) and asks the kind only for what differs: which resources hold the workload and
its revisions, how a history is built and a rollback planned, how the patch is sent,
how rollout status reads, which revision object records an outcome. Adding a kind (an
Argo Rollout, say) is one module implementing ``WorkloadKind`` and one line in
``kinds/__init__.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from ..controller_history import ControllerHistory
from ..model import DeploymentHistory
from ..plan import RevisionPointer, RollbackPlan
from ..ports import PatchType, Resource
from ..status import RolloutStatus
from ..target import TargetChoice

JSON = Any

WorkloadHistory = DeploymentHistory | ControllerHistory
"""A workload's revisions with their evidence, whatever the kind."""


class WorkloadKind(Protocol):
    """One kind of workload kubectl rollback rolls back."""

    kind: str
    """The API kind: ``Deployment``."""
    resource: Resource
    """Where the workloads live: apps/v1 deployments."""
    revision_resource: Resource
    """Where its revisions live: ReplicaSets, ControllerRevisions."""
    aliases: tuple[str, ...]
    """Names kubectl accepts for the type: ``deploy``, ``deployment``, ``deployments``..."""
    patch_type: PatchType
    """How the rollback patch is sent."""
    progress_deadline: bool
    """Whether the controller reports a failed rollout (ProgressDeadlineExceeded)."""
    lists_autoscalers: bool
    """Whether an HPA may scale it (its plan warns about one)."""
    update_word: str
    """``Scaling`` (ReplicaSets scale) or ``Update`` (pods are replaced in place)."""
    blue_green_side: bool
    """Whether it can be a side of a blue/green group (its plan warns that it is one)."""
    pod_revision_label: str
    """The label a pod carries naming the revision it was made from: ``pod-template-hash``
    (a ReplicaSet's hash), ``controller-revision-hash`` (a ControllerRevision's name or hash)."""

    @property
    def short_name(self) -> str:
        """kubectl's short name: ``deploy``, ``sts``, ``ds``."""
        ...

    @property
    def revision_json_key(self) -> str:
        """The key naming a revision's object in documents: ``replicaSet``..."""
        ...

    def owned_revisions(
        self, workload: Mapping[str, JSON], revisions: Sequence[Mapping[str, JSON]]
    ) -> list[Mapping[str, JSON]]:
        """The revision objects the workload controls, oldest first."""
        ...

    def revision_template(self, revision: Mapping[str, JSON]) -> Mapping[str, JSON]:
        """The pod template a revision object holds."""
        ...

    def pods_needed(self, workload: Mapping[str, JSON], owned: list[Mapping[str, JSON]]) -> bool:
        """Whether pods add evidence to the history now (else they are not listed)."""
        ...

    def build_history(
        self,
        workload: Mapping[str, JSON],
        revisions: Sequence[Mapping[str, JSON]],
        pods: Sequence[Mapping[str, JSON]] | None,
        *,
        configmaps: Sequence[Mapping[str, JSON]] | None,
        secrets: Sequence[Mapping[str, JSON]] | None,
        hpas: Sequence[Mapping[str, JSON]],
        now: datetime,
    ) -> WorkloadHistory:
        """The history from the raw objects (pure)."""
        ...

    def plan(
        self,
        history: WorkloadHistory,
        choice: TargetChoice,
        *,
        actor: str | None,
        now: datetime,
        show_secrets: bool,
    ) -> RollbackPlan:
        """The rollback to ``choice`` (pure)."""
        ...

    def patch_body(self, plan: RollbackPlan, resource_version: str | None = None) -> JSON:
        """The body of the plan's PATCH, of ``patch_type``; with ``resource_version``, its
        precondition names that resourceVersion instead of the plan's."""
        ...

    def planned_template(self, plan: RollbackPlan) -> Mapping[str, JSON] | None:
        """The pod template the plan's patch sets (to tell whether a workload holds it)."""
        ...

    def status(
        self, workload: Mapping[str, JSON], *, expect_revision: str | None = None
    ) -> RolloutStatus:
        """kubectl's rollout status line; ``expect_revision`` is the revision object rolled to."""
        ...

    def not_followable(self, status: RolloutStatus) -> bool:
        """The status says there is no rollout to follow (an OnDelete workload)."""
        ...

    def current_revision(
        self, workload: Mapping[str, JSON], revisions: Sequence[Mapping[str, JSON]]
    ) -> Mapping[str, JSON] | None:
        """The revision object the workload runs now (where an outcome is recorded)."""
        ...

    def outcome_reason(self, workload: Mapping[str, JSON], status: RolloutStatus) -> str:
        """The reason written with a rollout's outcome."""
        ...

    def revision_pods(
        self,
        workload: Mapping[str, JSON],
        revision: Mapping[str, JSON],
        pods: Sequence[Mapping[str, JSON]],
    ) -> list[Mapping[str, JSON]]:
        """The pods (of ``pods``, the workload's by selector) that run ``revision``."""
        ...

    def stuck_pods(self, history: WorkloadHistory) -> tuple[str, ...]:
        """Pods a rollback must delete before the controller replaces them (a StatefulSet's
        "forced rollback": it waits for a pod that will never be Ready); () for most kinds."""
        ...

    def revisions_left(self, plan: RollbackPlan) -> tuple[RevisionPointer | None, ...]:
        """The revisions a rollback leaves whose live failure is recorded before it is gone."""
        ...

    def restore_body(
        self,
        template: Mapping[str, JSON],
        change_cause: str | None,
        resource_version: str,
    ) -> JSON:
        """A patch (of ``patch_type``) putting back ``template`` and the change-cause a
        rollback replaced, guarded by the workload's ``resource_version`` after it."""
        ...
