"""The selected workload's history and the plan of the highlighted revision (with its warnings).

``load`` is what a worker runs when the cursor rests on a workload: the history,
who the user is, the blue/green warning of a Deployment in a group, and the
default plan (``kubectl rollout undo``'s target). ``plan_for`` plans any other
revision the user highlights, from the loaded history (no cluster call).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from ...core import bluegreen_service, errors, workload_service
from ...core.model import DeploymentHistory, PlanWarning
from ...core.plan import RollbackPlan
from ...core.target import TargetSpec, choose_target
from ...core.workload_service import WorkloadHistory
from ..cluster import Gateway


@dataclass(frozen=True)
class LoadedHistory:
    """A workload's history as a worker loaded it, with its default plan (or why there is none)."""

    namespace: str
    kind: str
    name: str
    history: WorkloadHistory
    default_plan: RollbackPlan | None
    plan_error: str | None
    actor: str | None
    group_warning: PlanWarning | None = None
    """The core's blue/green warning, for a Deployment that is a side of a group."""


def with_group_warning(plan: RollbackPlan, warning: PlanWarning | None) -> RollbackPlan:
    """The core's blue/green warning added to a Deployment's plan (as the CLI does)."""
    if warning is None or plan.noop is not None:
        return plan
    return dataclasses.replace(plan, warnings=(*plan.warnings, warning))


def _plan(
    loaded: LoadedHistory | WorkloadHistory,
    spec: TargetSpec | None,
    *,
    actor: str | None,
    warning: PlanWarning | None,
    now: datetime,
) -> RollbackPlan:
    history = loaded.history if isinstance(loaded, LoadedHistory) else loaded
    return with_group_warning(
        workload_service.plan_workload(history, spec, actor=actor, now=now), warning
    )


def load(gw: Gateway, namespace: str, kind: str, name: str, *, now: datetime) -> LoadedHistory:
    """Load the history and plan the default target (blocking; RollbackError: no history)."""
    history = workload_service.load_workload(gw, kind, namespace, name, now=now)  # type: ignore[arg-type]
    actor = gw.whoami()
    warning = (
        bluegreen_service.deployment_warning(gw, history)  # type: ignore[arg-type]
        if isinstance(history, DeploymentHistory)
        else None
    )
    default_plan: RollbackPlan | None = None
    plan_error: str | None = None
    try:
        default_plan = _plan(history, None, actor=actor, warning=warning, now=now)
    except errors.RollbackError as exc:
        plan_error = str(exc)
    return LoadedHistory(namespace, kind, name, history, default_plan, plan_error, actor, warning)


@dataclass
class PreviewController:
    """The loaded history of the selected workload and the plan shown in the preview."""

    focus_target: TargetSpec | None = None
    """The revision to highlight when the asked-for workload's history arrives."""
    loaded: LoadedHistory | None = None
    plan: RollbackPlan | None = None
    loading: tuple[str, str, str] | None = None
    """(namespace, kind, name) being loaded now."""

    @property
    def history(self) -> WorkloadHistory | None:
        return self.loaded.history if self.loaded else None

    @property
    def default_plan(self) -> RollbackPlan | None:
        return self.loaded.default_plan if self.loaded else None

    @property
    def plan_error(self) -> str | None:
        return self.loaded.plan_error if self.loaded else None

    @property
    def deployment_uid(self) -> str | None:
        """The uid of the selected Deployment (None: none, or another kind)."""
        history = self.history
        return history.uid if isinstance(history, DeploymentHistory) else None

    @property
    def resource_version(self) -> str | None:
        history = self.history
        return history.resource_version if history is not None else None

    def clear(self) -> None:
        self.loaded = None
        self.plan = None
        self.loading = None

    def is_loading_or_loaded(self, namespace: str, key: tuple[str, str]) -> bool:
        return self.loaded is not None or self.loading == (namespace, *key)

    def accept(self, loaded: LoadedHistory, *, focused: bool) -> tuple[int | None, str | None]:
        """Keep ``loaded``; (revision to highlight, error) when it is the asked-for workload
        (``focused``) and a target was asked for."""
        self.loading = None
        self.loaded = loaded
        if not focused or self.focus_target is None:
            return None, None
        spec, self.focus_target = self.focus_target, None
        try:
            return choose_target(loaded.history, spec, allow_current=True).revision.number, None
        except errors.RollbackError as exc:
            return None, str(exc)

    def plan_for(self, number: int, *, now: datetime) -> RollbackPlan:
        """The plan to roll back to revision ``number`` (RollbackError: it cannot be planned)."""
        loaded = self.loaded
        assert loaded is not None
        default = loaded.default_plan
        if default is not None and default.noop is None and number == default.to_revision.number:
            plan = default
        else:
            try:
                plan = _plan(
                    loaded,
                    TargetSpec.revision(number),
                    actor=loaded.actor,
                    warning=loaded.group_warning,
                    now=now,
                )
            except errors.RollbackError:
                self.plan = None
                raise
        self.plan = plan
        return plan

    def nothing_to_roll_back(self, plan: RollbackPlan) -> str | None:
        """No default target (a single revision...): the core's reason, shown once, instead
        of the noop plan."""
        if self.default_plan is None and plan.noop is not None:
            return self.plan_error
        return None

    @property
    def default_target(self) -> int | None:
        default = self.default_plan
        return default.to_revision.number if default is not None and default.noop is None else None
