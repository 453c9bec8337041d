"""The workloads of the open namespace: listing, live watches, which one is selected or asked
for."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import Enum

from ...core.api_objects import controller_uid, dig, name_of
from ...core.values import field, replace, value
from ...core.workloads import WorkloadStatus, WorkloadSummary, ordered, summarise
from ..cluster import (
    KINDS,
    PLURALS,
    Event,
    Gateway,
    StopSignal,
    WorkloadListing,
    list_workloads,
    watch_resource,
)


class Highlight(Enum):
    """What the screen does when the cursor lands on a workload."""

    KEEP = "keep"
    """Nothing: the same workload, its history on its way or shown (or a rollout followed)."""
    NOTHING = "nothing"
    """The list is empty."""
    MISSING = "missing"
    """Say that the workload asked for is not found (``missing``), and load nothing."""
    UNSUPPORTED = "unsupported"
    """A workload this tool cannot roll back: say why."""
    LOAD = "load"
    """Load its history."""


OPEN_FIRST = (WorkloadStatus.FAILED, WorkloadStatus.PROGRESSING, WorkloadStatus.PAUSED)
"""The states the list opens on, in this order of preference."""


@value(frozen=False)
class WorkloadChanges:
    """What a batch of watch events of one workload kind changes in the list."""

    upserts: list[WorkloadSummary] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    relisted: list[WorkloadSummary] | None = None
    """Every workload of the kind, after a relist (None: no relist in the batch)."""
    reload_selected: bool = False
    """The selected workload changed: its history must be loaded again."""


@value(frozen=False)
class ReplicaSetChanges:
    """The selected Deployment's ReplicaSets that a batch of watch events touched."""

    updated: list[dict[str, object]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def touched(self) -> bool:
        return bool(self.updated or self.removed)


@value(frozen=False)
class WorkloadsController:
    """The selection, the workload the app was asked to open, and the running watches."""

    focus: tuple[str, str] | None = None
    """(kind, name) the app should select once listed (from the command line or a refresh)."""
    selected: WorkloadSummary | None = None
    missing: str | None = None
    """Why the workload asked for is not shown (not found), until the screen has said so."""
    parked: tuple[str, str] | None = None
    """The row the cursor was on when the not-found was said: it opens only when chosen."""
    watch_stops: list[StopSignal] = field(default_factory=list)
    revisions: dict[tuple[str, str], int] = field(default_factory=dict)
    """Current revision by (kind, name), for the kinds whose objects do not carry it
    (StatefulSets, DaemonSets): from the listing, then from each history loaded."""

    # -- worker side (blocking) --------------------------------------------------
    @staticmethod
    def load(gw: Gateway, namespace: str) -> WorkloadListing:
        return list_workloads(gw, namespace)

    @staticmethod
    def watch(
        gw: Gateway,
        plural: str,
        namespace: str,
        version: str,
        stop: StopSignal,
        on_events: Callable[[list[Event]], object],
        on_trouble: Callable[[str | None], object],
    ) -> None:
        watch_resource(gw, plural, namespace, version, stop, on_events, on_trouble)

    # -- UI side --------------------------------------------------------------------
    def start_watches(self, versions: Mapping[str, str]) -> list[tuple[str, str, StopSignal]]:
        """(plural, resourceVersion, stop) of every watch to start: the listed workload
        resources and, for Deployments, the ReplicaSets. Watches running before are stopped."""
        self.stop_watches()
        watched = dict(versions)
        if "deployments" in watched:
            watched["replicasets"] = watched["deployments"]
        started = []
        for plural, version in watched.items():
            stop = StopSignal()
            self.watch_stops.append(stop)
            started.append((plural, version, stop))
        return started

    def stop_watches(self) -> None:
        for stop in self.watch_stops:
            stop.stop()
        self.watch_stops = []

    def opening(self, summaries: Iterable[WorkloadSummary]) -> tuple[str, str] | None:
        """The workload the cursor starts on in a freshly listed namespace: the one asked for,
        else the first failing one, else the first rolling out (or paused mid-way): that is
        why people open a rollback tool. None: the first of the list."""
        listed = ordered(summaries)
        if self.focus is not None and any(s.key == self.focus for s in listed):
            return self.focus
        for status in OPEN_FIRST:
            for summary in listed:
                if summary.status is status and not summary.unsupported:
                    return summary.key
        return None

    def highlight(
        self, summary: WorkloadSummary | None, *, following: bool, shown: Callable[[], bool]
    ) -> Highlight:
        """What the cursor landing on ``summary`` does (None: the list is empty);
        ``shown()``: its history is loading or loaded already."""
        if following:
            return Highlight.KEEP  # the rollout view stays on the workload rolled back
        missing = self.take_missing()
        if summary is None or missing is not None:
            # A workload asked for that does not exist: say so and open nothing else until the
            # user picks one (moving the cursor or Enter).
            self.selected = None
            self.parked = summary.key if missing is not None and summary is not None else None
            return Highlight.NOTHING if missing is None else Highlight.MISSING
        if self.parked is not None and summary.key == self.parked:
            # The list redrawn under the cursor (a watch event): still nothing chosen.
            return Highlight.KEEP
        self.parked = None
        same = self.selected is not None and self.selected.key == summary.key
        self.selected = summary
        if same and shown():
            return Highlight.KEEP
        return Highlight.UNSUPPORTED if summary.unsupported else Highlight.LOAD

    def take_missing(self) -> str | None:
        """The 'not found' of the workload asked for, once (the screen shows it instead of
        opening another workload)."""
        missing, self.missing = self.missing, None
        return missing

    def listed(
        self, listing: WorkloadListing, shown: Mapping[tuple[str, str], WorkloadSummary]
    ) -> tuple[WorkloadSummary | None, str | None]:
        """The asked-for workload once listed: (it, to select now, or None; a 'not found'
        message or None). ``shown``: the list's workloads by (kind, name)."""
        self.revisions = {s.key: s.revision for s in listing.summaries if s.revision is not None}
        focus = self.focus
        chosen = shown.get(focus) if focus else None
        select = None
        if chosen is not None and self.selected is None and not chosen.unsupported:
            self.selected = chosen
            select = chosen
        missing = None
        if focus and focus not in shown:
            kind, name = focus
            missing = (
                f'{PLURALS.get(kind, kind.lower())}.apps "{name}" not found in namespace '
                f"{listing.namespace}"
            )
            self.focus = None
            self.missing = missing
        return select, missing

    def refocus(self) -> None:
        """A refresh: select the workload selected now once it is listed again."""
        if self.selected is not None:
            self.focus = self.selected.key

    def revision_seen(self, summary: WorkloadSummary, number: int) -> WorkloadSummary | None:
        """A history says ``summary``'s workload is at revision ``number``: its list row, when
        that changes what the row says (None: it does not)."""
        self.revisions[summary.key] = number
        if summary.revision == number:
            return None
        return replace(summary, revision=number)

    @staticmethod
    def kind_of(plural: str) -> str | None:
        """The workload kind watched as ``plural`` (None: the ReplicaSets)."""
        return KINDS.get(plural)

    def workload_events(
        self, workload_kind: str, events: list[Event], history_version: str | None
    ) -> WorkloadChanges:
        """What ``events`` change; ``history_version``: the resourceVersion of the selected
        workload's loaded history (None: not loaded)."""
        changes = WorkloadChanges()
        for kind, obj in events:
            if kind == "RELIST":
                changes.relisted = []
                continue
            key = (workload_kind, name_of(obj))
            summary = summarise(obj, workload_kind, revision=self.revisions.get(key))
            if changes.relisted is not None:
                changes.relisted.append(summary)
                continue
            if kind == "DELETED":
                changes.removed.append(key)
            else:
                changes.upserts.append(summary)
            if (
                self.selected is not None
                and self.selected.key == (workload_kind, name_of(obj))
                and history_version != str(dig(obj, "metadata", "resourceVersion"))
            ):
                changes.reload_selected = True
        return changes

    @staticmethod
    def replicaset_events(events: list[Event], deployment_uid: str | None) -> ReplicaSetChanges:
        """The ReplicaSets of the Deployment ``deployment_uid`` in ``events``."""
        changes = ReplicaSetChanges()
        if deployment_uid is None:
            return changes
        for kind, obj in events:
            if kind == "RELIST" or controller_uid(obj) != deployment_uid:
                continue
            if kind == "DELETED":
                changes.removed.append(name_of(obj))
            else:
                changes.updated.append(obj)
        return changes
