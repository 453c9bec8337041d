"""Deployments: revisions are ReplicaSets, the rollback is a JSON patch, the controller reports
failure (ProgressDeadlineExceeded). The rules live in history.py, plan.py and status.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ..api_objects import POD_TEMPLATE_HASH, as_dict, as_int, dig
from ..history import (
    build_deployment_history,
    find_current_replicaset,
    owned_replicasets,
    replicaset_pods,
)
from ..model import DeploymentHistory
from ..plan import RevisionPointer, RollbackPlan, plan_rollback
from ..ports import DEPLOYMENTS, REPLICASETS, PatchType, Resource
from ..status import RolloutStatus, rollout_status
from ..target import TargetChoice
from .base import WorkloadHistory

JSON = Any


def rollout_complete(deployment: Mapping[str, JSON]) -> bool:
    """The controller's "complete": updated == replicas == available == spec.replicas,
    generation observed."""
    status = as_dict(deployment.get("status"))
    want = as_int(dig(deployment, "spec", "replicas"), 1)
    return (
        as_int(status.get("updatedReplicas")) == want
        and as_int(status.get("replicas")) == want
        and as_int(status.get("availableReplicas")) == want
        and as_int(status.get("observedGeneration"))
        >= as_int(dig(deployment, "metadata", "generation"))
    )


class DeploymentKind:
    """The Deployment strategy."""

    kind: str = "Deployment"
    resource: Resource = DEPLOYMENTS
    revision_resource: Resource = REPLICASETS
    aliases: tuple[str, ...] = (
        "deploy",
        "deployment",
        "deployments",
        "deployment.apps",
        "deployments.apps",
    )
    patch_type: PatchType = PatchType.JSON
    progress_deadline: bool = True
    lists_autoscalers: bool = True
    update_word: str = "Scaling"
    blue_green_side: bool = True
    pod_revision_label: str = POD_TEMPLATE_HASH

    @property
    def short_name(self) -> str:
        return "deploy"

    @property
    def revision_json_key(self) -> str:
        return "replicaSet"

    def owned_revisions(
        self, workload: Mapping[str, JSON], revisions: Sequence[Mapping[str, JSON]]
    ) -> list[Mapping[str, JSON]]:
        return list(owned_replicasets(workload, revisions))

    def revision_template(self, revision: Mapping[str, JSON]) -> Mapping[str, JSON]:
        return as_dict(dig(revision, "spec", "template"))

    def pods_needed(self, workload: Mapping[str, JSON], owned: list[Mapping[str, JSON]]) -> bool:
        """Pods add evidence while a rollout runs or an old ReplicaSet still has pods."""
        current = find_current_replicaset(workload, owned)
        old_with_pods = any(
            as_int(dig(rs, "status", "replicas")) > 0 for rs in owned if rs is not current
        )
        return old_with_pods or not rollout_complete(workload)

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
        return build_deployment_history(
            workload,
            revisions,
            pods,
            configmaps=configmaps,
            secrets=secrets,
            hpas=hpas,
            now=now,
        )

    def plan(
        self,
        history: WorkloadHistory,
        choice: TargetChoice,
        *,
        actor: str | None,
        now: datetime,
        show_secrets: bool,
    ) -> RollbackPlan:
        assert isinstance(history, DeploymentHistory)
        return plan_rollback(history, choice, actor=actor, now=now, show_secrets=show_secrets)

    def patch_body(self, plan: RollbackPlan, resource_version: str | None = None) -> JSON:
        ops = [dict(op) for op in plan.patch]
        if resource_version is not None:
            for op in ops:
                if op.get("op") == "test" and op.get("path") == "/metadata/resourceVersion":
                    op["value"] = resource_version
        return ops

    def planned_template(self, plan: RollbackPlan) -> Mapping[str, JSON] | None:
        return next(
            (as_dict(op.get("value")) for op in plan.patch if op.get("path") == "/spec/template"),
            None,
        )

    def status(
        self, workload: Mapping[str, JSON], *, expect_revision: str | None = None
    ) -> RolloutStatus:
        return rollout_status(workload, expect_replicaset=expect_revision)

    def not_followable(self, status: RolloutStatus) -> bool:
        return False

    def current_revision(
        self, workload: Mapping[str, JSON], revisions: Sequence[Mapping[str, JSON]]
    ) -> Mapping[str, JSON] | None:
        return find_current_replicaset(workload, revisions)

    def outcome_reason(self, workload: Mapping[str, JSON], status: RolloutStatus) -> str:
        counts = as_dict(workload.get("status"))
        return (
            f"{status.message} ({as_int(counts.get('availableReplicas'))}/"
            f"{as_int(dig(workload, 'spec', 'replicas'), 1)} available)"
        )

    def revision_pods(
        self,
        workload: Mapping[str, JSON],
        revision: Mapping[str, JSON],
        pods: Sequence[Mapping[str, JSON]],
    ) -> list[Mapping[str, JSON]]:
        return replicaset_pods(revision, pods)

    def stuck_pods(self, history: WorkloadHistory) -> tuple[str, ...]:
        return ()  # the Deployment controller scales a broken ReplicaSet down by itself

    def revisions_left(self, plan: RollbackPlan) -> tuple[RevisionPointer | None, ...]:
        return (plan.from_revision,)

    def restore_body(
        self, template: Mapping[str, JSON], change_cause: str | None, resource_version: str
    ) -> JSON:
        cause = "/metadata/annotations/kubernetes.io~1change-cause"
        return [
            {"op": "test", "path": "/metadata/resourceVersion", "value": resource_version},
            {"op": "replace", "path": "/spec/template", "value": dict(template)},
            {"op": "add", "path": cause, "value": change_cause}
            if change_cause is not None
            else {"op": "remove", "path": cause},
        ]


DEPLOYMENT = DeploymentKind()
