"""StatefulSets and DaemonSets: revisions are ControllerRevisions, the rollback is a
strategic-merge patch of the revision's data, and the controller never reports a failed
rollout (a stuck one ends in a timeout). The rules live in controller_history.py,
controller_plan.py and controller_status.py."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..api_objects import POD_REVISION_LABEL, as_dict
from ..history import CHANGE_CAUSE_ANNOTATION
from ..ports import CONTROLLERREVISIONS, DAEMONSETS, STATEFULSETS, PatchType, Resource

if TYPE_CHECKING:
    from ..plan import RevisionPointer, RollbackPlan
    from ..status import RolloutStatus
    from ..target import TargetChoice
    from .base import WorkloadHistory

JSON = Any


class ControllerRevisionKind:
    """A kind whose controller keeps its history in ControllerRevisions."""

    revision_resource: Resource = CONTROLLERREVISIONS
    patch_type: PatchType = PatchType.STRATEGIC
    progress_deadline: bool = False
    update_word: str = "Update"
    blue_green_side: bool = False
    pod_revision_label: str = POD_REVISION_LABEL

    def __init__(
        self,
        kind: str,
        resource: Resource,
        short_name: str,
        *,
        lists_autoscalers: bool,
        status: str,
        waits_for_unready: bool = False,
    ) -> None:
        self.kind = kind
        self._waits_for_unready = waits_for_unready
        self.resource = resource
        self._short_name = short_name
        singular = kind.lower()
        self.aliases: tuple[str, ...] = (
            short_name,
            singular,
            resource.plural,
            f"{singular}.apps",
            f"{resource.plural}.apps",
        )
        self.lists_autoscalers = lists_autoscalers
        self._status = status
        """The name of its status reader in controller_status.py."""

    @property
    def short_name(self) -> str:
        return self._short_name

    @property
    def revision_json_key(self) -> str:
        return "controllerRevision"

    def owned_revisions(
        self, workload: Mapping[str, JSON], revisions: Sequence[Mapping[str, JSON]]
    ) -> list[Mapping[str, JSON]]:
        from ..controller_history import owned_revisions

        return owned_revisions(workload, revisions)

    def revision_template(self, revision: Mapping[str, JSON]) -> Mapping[str, JSON]:
        from ..controller_history import revision_template

        return revision_template(revision)

    def pods_needed(self, workload: Mapping[str, JSON], owned: list[Mapping[str, JSON]]) -> bool:
        """Always: pods are the evidence of which revision runs where."""
        return True

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
        from ..controller_history import build_controller_history

        return build_controller_history(
            workload,
            revisions,
            pods,
            kind=self.kind,
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
        from ..controller_history import ControllerHistory
        from ..controller_plan import plan_controller_rollback

        assert isinstance(history, ControllerHistory)
        return plan_controller_rollback(
            history, choice, actor=actor, now=now, show_secrets=show_secrets
        )

    def patch_body(self, plan: RollbackPlan, resource_version: str | None = None) -> JSON:
        body = dict(plan.patch[0])
        if resource_version is not None:
            body["metadata"] = {
                **as_dict(body.get("metadata")),
                "resourceVersion": resource_version,
            }
        return body

    def planned_template(self, plan: RollbackPlan) -> Mapping[str, JSON] | None:
        spec = as_dict(plan.patch[0].get("spec")) if plan.patch else {}
        if "template" not in spec:
            return None
        return {k: v for k, v in as_dict(spec.get("template")).items() if k != "$patch"}

    def status(
        self, workload: Mapping[str, JSON], *, expect_revision: str | None = None
    ) -> RolloutStatus:
        from .. import controller_status

        read: Callable[[Mapping[str, JSON]], RolloutStatus] = getattr(
            controller_status, self._status
        )
        return read(workload)

    def not_followable(self, status: RolloutStatus) -> bool:
        """An OnDelete workload: kubectl has no rollout status for it."""
        from ..controller_status import NOT_ROLLING

        return status.failed and status.message == NOT_ROLLING

    def current_revision(
        self, workload: Mapping[str, JSON], revisions: Sequence[Mapping[str, JSON]]
    ) -> Mapping[str, JSON] | None:
        from ..controller_history import find_current_revision

        return find_current_revision(workload, revisions)

    def outcome_reason(self, workload: Mapping[str, JSON], status: RolloutStatus) -> str:
        return status.message

    def revision_pods(
        self,
        workload: Mapping[str, JSON],
        revision: Mapping[str, JSON],
        pods: Sequence[Mapping[str, JSON]],
    ) -> list[Mapping[str, JSON]]:
        from ..controller_history import revision_pods

        return revision_pods(workload, revision, pods)

    def stuck_pods(self, history: WorkloadHistory) -> tuple[str, ...]:
        """A RollingUpdate OrderedReady StatefulSet waits for its not-Ready pods
        (``pods_waited_for``); a DaemonSet deletes unavailable old pods itself."""
        from ..controller_history import ControllerHistory

        assert isinstance(history, ControllerHistory)
        return history.pods_waited_for if self._waits_for_unready else ()

    def revisions_left(self, plan: RollbackPlan) -> tuple[RevisionPointer | None, ...]:
        """The one rolled back from, and the one plain kubectl would have picked: a
        StatefulSet often sticks on a crashing revision while a fix waits behind it."""
        return (plan.from_revision, plan.kubectl_would_pick)

    def restore_body(
        self, template: Mapping[str, JSON], change_cause: str | None, resource_version: str
    ) -> JSON:
        return {
            "metadata": {
                "resourceVersion": resource_version,
                "annotations": {CHANGE_CAUSE_ANNOTATION: change_cause},
            },
            "spec": {"template": {**dict(template), "$patch": "replace"}},
        }


STATEFULSET = ControllerRevisionKind(
    "StatefulSet",
    STATEFULSETS,
    "sts",
    lists_autoscalers=True,
    status="statefulset_status",
    waits_for_unready=True,
)
DAEMONSET = ControllerRevisionKind(
    "DaemonSet", DAEMONSETS, "ds", lists_autoscalers=False, status="daemonset_status"
)
