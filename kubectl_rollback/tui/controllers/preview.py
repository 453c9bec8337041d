"""The selected workload's history and the plan of the highlighted revision (with its warnings).

``load`` is what a worker runs when the cursor lands on a workload: the history,
who the user is, the blue/green warning of a Deployment in a group, and the
default plan (``kubectl rollout undo``'s target). ``plan_for`` plans any other
revision the user highlights, from the loaded history (no cluster call).

The histories loaded are kept (``cached``) while they are still the workload's: while
the live watches run, the workload's resourceVersion is the one the history was read at
and none of its ReplicaSets changed since. Moving back to a workload seen a moment ago
shows it at once, without asking the cluster.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ...core import errors
from ...core import rollback as use_case
from ...core.api_objects import controller_uid
from ...core.kinds import WorkloadHistory, kind_named
from ...core.model import PlanWarning, WorkloadRef
from ...core.plan import RollbackPlan
from ...core.ports import REPLICASETS
from ...core.target import TargetSpec, choose_target
from ...core.values import field, value
from ...core.workloads import WorkloadSummary
from ..cluster import Event, Gateway

SWITCH_HINT = "press s to switch the traffic instead (the blue/green rapid rollback)"
"""Where the rollback of a blue/green side with one revision is, in this UI."""
CACHE_SIZE = 64
"""Histories kept for moving back to a workload (the least recently loaded go first)."""


@value
class LoadedHistory:
    """A workload read for a rollback as a worker loaded it (the core's ``Prepared``: its
    history, who acts, the warnings from around it), with its default plan (or why there is
    none)."""

    namespace: str
    kind: str
    name: str
    prepared: use_case.Prepared
    default_plan: RollbackPlan | None
    plan_error: str | None

    @property
    def history(self) -> WorkloadHistory:
        return self.prepared.history

    @property
    def actor(self) -> str | None:
        return self.prepared.actor

    @property
    def group_warning(self) -> PlanWarning | None:
        """The core's blue/green warning, for a Deployment that is a side of a group."""
        return next((w for w in self.prepared.warnings if w.code == "blue-green"), None)


def load(gw: Gateway, namespace: str, kind: str, name: str, *, now: datetime) -> LoadedHistory:
    """Prepare the rollback and plan the default target (blocking; RollbackError: no history)."""
    prepared = use_case.prepare(gw, WorkloadRef(kind, namespace, name), now=now)
    default_plan: RollbackPlan | None = None
    plan_error: str | None = None
    try:
        default_plan = prepared.plan(now=now)
    except errors.RollbackError as exc:
        plan_error = str(exc)
    return LoadedHistory(namespace, kind, name, prepared, default_plan, plan_error)


@value(frozen=False)
class PreviewController:
    """The loaded history of the selected workload and the plan shown in the preview."""

    focus_target: TargetSpec | None = None
    """The revision to highlight when the asked-for workload's history arrives."""
    loaded: LoadedHistory | None = None
    plan: RollbackPlan | None = None
    loading: tuple[str, str, str] | None = None
    """(namespace, kind, name) being loaded now."""
    caching: bool = False
    """The live watches run (they keep the listed resourceVersions current): a history loaded
    before may be shown again."""
    cache: dict[tuple[str, str, str], LoadedHistory] = field(default_factory=dict)
    """The histories loaded, by (namespace, kind, name), the most recent last."""

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
        """The uid of the selected Deployment, whose ReplicaSets the rollout view watches
        (None: none, or a kind whose revisions are not ReplicaSets)."""
        history = self.history
        if history is None or kind_named(history.ref.kind).revision_resource is not REPLICASETS:
            return None
        return history.uid

    @property
    def resource_version(self) -> str | None:
        history = self.history
        return history.resource_version if history is not None else None

    def clear(self) -> None:
        self.loaded = None
        self.plan = None
        self.loading = None
        self.cache.clear()

    def cached(self, namespace: str, summary: WorkloadSummary) -> LoadedHistory | None:
        """The history of ``summary`` loaded before, when it is still the workload's: the
        watches run and the resourceVersion listed now is the one the history was read at
        (None: load it)."""
        loaded = self.cache.get((namespace, *summary.key))
        if (
            not self.caching
            or loaded is None
            or not summary.resource_version
            or loaded.history.resource_version != summary.resource_version
        ):
            return None
        return loaded

    def replicasets_changed(self, events: Iterable[Event]) -> None:
        """Watch events of ReplicaSets: the histories of the Deployments that own them are
        not kept (a relist: none is)."""
        owners: set[str] = set()
        for kind, obj in events:
            if kind == "RELIST":
                self.cache.clear()
                return
            uid = controller_uid(obj)
            if uid:
                owners.add(uid)
        if owners:
            for key in [k for k, v in self.cache.items() if v.history.uid in owners]:
                del self.cache[key]

    def watches_running(self, running: bool) -> None:
        """The live watches run, or stopped (paused by trouble, or off): without them a kept
        history could be stale, so none is kept."""
        self.caching = running
        if not running:
            self.cache.clear()

    def _remember(self, loaded: LoadedHistory) -> None:
        key = (loaded.namespace, loaded.kind, loaded.name)
        self.cache.pop(key, None)
        if not self.caching:
            return
        self.cache[key] = loaded
        while len(self.cache) > CACHE_SIZE:
            del self.cache[next(iter(self.cache))]

    def is_loading_or_loaded(self, namespace: str, key: tuple[str, str]) -> bool:
        return self.loaded is not None or self.loading == (namespace, *key)

    def accept(self, loaded: LoadedHistory, *, focused: bool) -> tuple[int | None, str | None]:
        """Keep ``loaded``; (revision to highlight, error) when it is the asked-for workload
        (``focused``) and a target was asked for."""
        self.loading = None
        self.loaded = loaded
        self._remember(loaded)
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
                plan = loaded.prepared.plan(TargetSpec.revision(number), now=now)
            except errors.RollbackError:
                self.plan = None
                raise
        self.plan = plan
        return plan

    def nothing_to_roll_back(self, plan: RollbackPlan) -> str | None:
        """No default target (a single revision...): the core's reason, shown once, instead
        of the noop plan."""
        if self.default_plan is None and plan.noop is not None:
            if self.plan_error and self.loaded is not None and self.loaded.group_warning:
                return f"{self.plan_error}\n{SWITCH_HINT}"
            return self.plan_error
        return None

    @property
    def default_target(self) -> int | None:
        default = self.default_plan
        return default.to_revision.number if default is not None and default.noop is None else None
