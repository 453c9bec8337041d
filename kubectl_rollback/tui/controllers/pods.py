"""The pods of a rollout as the rollout view shows them, kept from a watch (Textual-free).

``watch`` is what a worker runs after a rollback was applied: a watch on the pods of the
workload's selector (the core's ClusterGateway.watch, resumed from its last
resourceVersion, listed again after a 410 or a cut, until stopped). ``LivePods`` keeps
what it saw (bounded), groups it by revision and remembers how many pods of each
revision were Ready when, for the chart; the rules are the core's (``core/pods.py``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from ...core.api_objects import dig, label_selector_string, name_of
from ...core.kinds import WorkloadHistory, kind_named
from ...core.model import Revision
from ...core.plan import RollbackPlan
from ...core.pods import (
    PodState,
    ReadySample,
    RevisionPods,
    blocking_pods,
    group_states,
    owned,
    pod_state,
    ready_sample,
    ready_series,
    stuck_advice,
)
from ...core.ports import PODS, ClusterGateway
from ...core.values import field, value
from ..cluster import Event, StopSignal, follow_resource

MAX_PODS = 2000
"""Pods kept at most (a watch of a selector that matches more keeps the first ones)."""
MAX_SAMPLES = 600
"""Ready counts kept for the chart (the oldest are dropped)."""


def watch(
    gw: ClusterGateway,
    namespace: str,
    selector: str,
    stop: StopSignal,
    on_events: Callable[[list[Event]], object],
    on_trouble: Callable[[str | None], object],
) -> None:
    """Follow the pods of ``selector`` until ``stop`` (blocking; see cluster.follow_resource)."""
    follow_resource(gw, PODS, namespace, "", stop, on_events, on_trouble, label_selector=selector)


@value(frozen=False)
class LivePods:
    """The pods of one rollout: what the watch saw, by revision, and Ready counts over time."""

    plan: RollbackPlan
    revisions: tuple[Revision, ...]
    owner_uid: str
    selector: str
    started: datetime
    pods: dict[str, PodState] = field(default_factory=dict)
    """Each pod's state as last seen, by name (read once per event, not per redraw)."""
    samples: deque[ReadySample] = field(default_factory=lambda: deque(maxlen=MAX_SAMPLES))
    workload: Mapping[str, Any] | None = None
    trouble: str | None = None
    """Why the pods are not being watched now (None: they are, or nothing went wrong)."""
    listed: bool = False
    """The watch has listed the pods at least once."""
    seen: set[str] = field(default_factory=set)
    """Revisions that had pods during the rollout (still listed, at 0, once they have none)."""
    _groups: tuple[RevisionPods, ...] = ()

    @classmethod
    def of(cls, plan: RollbackPlan, history: WorkloadHistory, *, now: datetime) -> LivePods:
        selector = label_selector_string(dict(history.selector))
        return cls(plan, tuple(history.revisions), history.uid, selector, now)

    @property
    def kind(self) -> str:
        return self.plan.ref.kind

    @property
    def label(self) -> str:
        return kind_named(self.kind).pod_revision_label

    def apply(self, events: Sequence[Event], *, now: datetime) -> bool:
        """Take watch events (a ``RELIST`` marker starts over); True when something changed."""
        changed = False
        for kind, obj in events:
            if kind == "RELIST":
                self.pods.clear()
                self.listed = True
                changed = True
                continue
            name = name_of(obj)
            if not name:
                continue
            if kind == "DELETED":
                changed |= self.pods.pop(name, None) is not None
                continue
            room = name in self.pods or len(self.pods) < MAX_PODS
            if kind in ("ADDED", "MODIFIED") and room and owned(self.kind, obj, self.owner_uid):
                self.pods[name] = pod_state(obj, self.label)
                changed = True
        if changed:
            self._regroup(now)
        return changed

    def observe_workload(self, obj: Mapping[str, Any], *, now: datetime) -> None:
        """A new state of the workload (its updateRevision says which pods are old)."""
        self.workload = obj
        self._regroup(now)

    def _regroup(self, now: datetime) -> None:
        self._groups = group_states(
            self.kind,
            self.revisions,
            self.pods.values(),
            target=self.plan.to_revision.object_name,
            keep=self.seen,
        )
        self.seen.update(g.key for g in self._groups if g.pods)
        sample = ready_sample(now, self._groups)
        if not self.samples or self.samples[-1].ready != sample.ready:
            self.samples.append(sample)

    @property
    def groups(self) -> tuple[RevisionPods, ...]:
        """The pods by revision, the target first (empty before the first list)."""
        return self._groups

    def series(self, group: RevisionPods, *, now: datetime, width: int) -> list[int]:
        """Ready pods of ``group``'s revision from the start of the rollout to ``now``."""
        return ready_series(list(self.samples), group.key, start=self.started, end=now, width=width)

    @property
    def planned_advice(self) -> str | None:
        """The plan's advice for pods that stop the rollout (its ``stuck-pods`` warning)."""
        return next((w.message for w in self.plan.warnings if w.code == "stuck-pods"), None)

    def advice(self) -> str | None:
        """Which pods to delete for the rollout to go on, from the pods as they are now; the
        plan's advice while the pods or the workload have not been seen yet."""
        if self.workload is None or not self.listed:
            return self.planned_advice
        workload = {"kind": self.kind, **self.workload}
        if dig(workload, "metadata", "name") != self.plan.ref.name:
            return self.planned_advice
        views = [p for g in self.groups for p in g.pods]
        return stuck_advice(self.plan.ref, blocking_pods(workload, views))
