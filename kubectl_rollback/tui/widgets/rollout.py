"""The live view of a rollout after a rollback: ReplicaSets scaling, the pods of each revision
with their state and reason, a chart of Ready pods per revision, progress, kubectl's status
line, and what to do when a StatefulSet is stuck on a pod."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...core.api_objects import as_dict, as_int, dig
from ...core.execution import RolloutOutcome
from ...core.kinds import kind_named
from ...core.plan import RollbackPlan
from ...core.pods import PodState
from ...core.ports import REPLICASETS
from ...core.status import RolloutStatus
from ...core.values import value
from ..controllers.pods import LivePods

if TYPE_CHECKING:
    from textual.widgets import ProgressBar

BAR_WIDTH = 20
CHART_WIDTH = 16
"""Cells of the Ready-pods chart of each revision (the whole rollout, start to now)."""
SHOWN_PODS = 6
"""Pods listed per revision; the others are counted by state."""
SPARKS = "▁▂▃▄▅▆▇█"


@value(frozen=False)
class ReplicaSetRow:
    """One ReplicaSet of the Deployment as the rollout moves pods between them."""

    name: str
    revision: str
    desired: int
    replicas: int
    ready: int
    available: int


@value(frozen=False)
class CounterRow:
    """One status counter of a StatefulSet or DaemonSet during its rollout (e.g. pods updated
    2/3)."""

    label: str
    value: int
    total: int


def controller_counters(
    kind: str, obj: Mapping[str, Any]
) -> tuple[list[CounterRow], int, int, str]:
    """(counters, progress, total, revisions line) of a StatefulSet or DaemonSet.

    Whether the rollout is done is the core's reading (``controller_status``, kubectl's
    rules, the kind's strategy: a partitioned StatefulSet is done with pods left on the old
    revision); the
    counters are the status fields shown. Before the controller has observed the new
    generation its counters describe the previous update: nothing is updated yet then.
    """
    verdict = kind_named(kind).status(obj)
    status = as_dict(obj.get("status"))
    observed = as_int(status.get("observedGeneration")) >= as_int(
        dig(obj, "metadata", "generation")
    )
    if kind == "StatefulSet":
        total = as_int(dig(obj, "spec", "replicas"), 1)
        updated = as_int(status.get("updatedReplicas")) if observed else 0
        ready = as_int(status.get("readyReplicas"))
        rows = [CounterRow("pods updated", updated, total), CounterRow("pods ready", ready, total)]
        update, current = status.get("updateRevision") or "?", status.get("currentRevision") or "?"
        revisions = f"updateRevision {update}   currentRevision {current}"
        progress = min(updated, ready)
    else:
        total = as_int(status.get("desiredNumberScheduled"))
        updated = as_int(status.get("updatedNumberScheduled")) if observed else 0
        available = as_int(status.get("numberAvailable"))
        rows = [
            CounterRow("nodes updated", updated, total),
            CounterRow("pods available", available, total),
            CounterRow("pods ready", as_int(status.get("numberReady")), total),
        ]
        revisions = f"{total} node(s) scheduled"
        progress = min(updated, available)
    return rows, total if verdict.done else progress, total, revisions


def _by_replicasets(plan: RollbackPlan) -> bool:
    """A rollout shown as ReplicaSets scaling (a Deployment's); else as the workload's counters."""
    return kind_named(plan.ref.kind).revision_resource is REPLICASETS


def bar(value: int, total: int, width: int = BAR_WIDTH) -> str:
    if total <= 0:
        return "░" * width
    filled = round(width * min(value, total) / total)
    return "█" * filled + "░" * (width - filled)


def replicaset_row(obj: Mapping[str, Any]) -> ReplicaSetRow:
    status = obj.get("status") or {}
    return ReplicaSetRow(
        name=str(dig(obj, "metadata", "name") or ""),
        revision=str(
            dig(obj, "metadata", "annotations", "deployment.kubernetes.io/revision") or "?"
        ),
        desired=as_int(dig(obj, "spec", "replicas")),
        replicas=as_int(status.get("replicas")),
        ready=as_int(status.get("readyReplicas")),
        available=as_int(status.get("availableReplicas")),
    )


def spark(values: list[int], top: int) -> str:
    """``▁▁▃▃▆█``: one cell per value, ``▁`` for none, ``█`` for ``top`` or more."""
    top = max(top, 1)
    return "".join(
        SPARKS[0] if v <= 0 else SPARKS[min(len(SPARKS) - 1, -(-v * (len(SPARKS) - 1) // top))]
        for v in values
    )


POD_STYLE = {
    "ready": ("✔", "green"),
    "failing": ("✖", "red"),
    "terminating": ("⌫", "dim"),
    "waiting": ("◌", "yellow"),
}


def pod_mark(pod: PodState) -> tuple[str, str]:
    if pod.terminating:
        return POD_STYLE["terminating"]
    if pod.ready:
        return POD_STYLE["ready"]
    if pod.failing or pod.restarts:
        return POD_STYLE["failing"]
    return POD_STYLE["waiting"]


def _others(pods: tuple[PodState, ...]) -> str:
    counts: dict[str, int] = {}
    for pod in pods:
        counts[pod.state] = counts.get(pod.state, 0) + 1
    return ", ".join(f"{n} {state}" for state, n in sorted(counts.items(), key=lambda i: -i[1]))


def pods_renderable(live: LivePods, now: Any, top: int) -> Group:
    """Each revision's Ready chart and count, then its pods (state, reason, message)."""
    if not live.listed:
        return Group(
            Text("PODS", style="bold"), Text(live.trouble or "listing the pods...", style="dim")
        )
    head = Text("PODS", style="bold")
    head.append(f"   Ready pods per revision since the rollback ({CHART_WIDTH} steps)", "dim")
    parts: list[Any] = [head]
    if live.trouble:
        parts.append(Text(live.trouble, style="yellow"))
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column(no_wrap=True, overflow="ellipsis")
    table.add_column(no_wrap=True, overflow="ellipsis")
    table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    becomes = live.plan.new_revision_number
    for group in live.groups:
        series = live.series(group, now=now, width=CHART_WIDTH)
        scale = max([top if group.target else group.active, *series])
        count = (
            f"{group.ready}/{top} Ready"
            if group.target
            else (f"{group.ready}/{group.active} Ready" if group.active else "no pods")
        )
        table.add_row(
            Text(group.title(becomes), style="bold" if group.target else ""),
            Text.assemble(
                (spark(series, scale), "green" if group.target else "yellow"), f" {count}"
            ),
            "",
        )
        for pod in group.pods[:SHOWN_PODS]:
            symbol, colour = pod_mark(pod)
            table.add_row(
                Text(f"  {pod.name}"),
                Text(f"{symbol} {pod.reason}", style=colour),
                Text(pod.message, style="dim"),
            )
        if len(group.pods) > SHOWN_PODS:
            rest = group.pods[SHOWN_PODS:]
            table.add_row(Text(f"  … {len(rest)} more"), Text(_others(rest), style="dim"), "")
    parts.append(table)
    if not any(g.pods for g in live.groups):
        parts.append(Text("no pods yet", style="dim"))
    return Group(*parts)


class RolloutView(VerticalScroll):
    """Shown instead of the preview while a rollback rolls out, until done, failed or stopped.

    A Deployment's rollout is shown as its ReplicaSets scaling; a StatefulSet's or
    DaemonSet's as its status counters (pods updated to the target revision, Ready). Below,
    the pods of each revision (from a watch the screen runs) with a chart of their Ready
    count, and, for a StatefulSet stuck on a pod, which pods to delete.
    """

    DEFAULT_CSS = """
    RolloutView #rollout-pods { height: auto; margin: 1 0 0 0; }
    RolloutView #rollout-advice { height: auto; margin: 1 0 0 0; color: $warning; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.pods: LivePods | None = None
        self.now: Any = None
        """The clock of the pods' chart (the app's now_fn)."""
        self.plan: RollbackPlan | None = None
        self.replicasets: dict[str, ReplicaSetRow] = {}
        self.status: RolloutStatus | None = None
        self.counters: list[CounterRow] = []
        self.finished: str | None = None
        """None while following; else "done", "failed", "timeout", "stopped" or "error"."""
        self.target_replicas = 0
        self._prepared = False

    async def prepare(self) -> None:
        """Mount the view's parts before its first rollout (``start``): not with the screen,
        where the view waits hidden, so that the first frame does not wait for them (nor for
        the app's only progress bar to be imported and styled)."""
        if self._prepared:
            return
        self._prepared = True
        from textual.widgets import ProgressBar

        await self.mount_all(
            [
                Static("", id="rollout-title", classes="pane-title"),
                ProgressBar(total=1, show_eta=False, id="rollout-progress"),
                Static("", id="rollout-status"),
                Static("", id="rollout-replicasets"),
                Static("", id="rollout-pods"),
                Static("", id="rollout-advice"),
                Static("", id="rollout-outcome"),
            ]
        )

    def _progress(self) -> ProgressBar:
        from textual.widgets import ProgressBar

        return self.query_one("#rollout-progress", ProgressBar)

    def start(
        self,
        plan: RollbackPlan,
        replicas: int,
        replicasets: list[ReplicaSetRow],
        pods: LivePods | None = None,
        now: Any = None,
    ) -> None:
        self.plan = plan
        self.pods = pods
        self.now = now
        self.finished = None
        self.status = None
        self.target_replicas = max(replicas, 1)
        self.replicasets = {r.name: r for r in replicasets}
        self.counters = []
        src = plan.from_revision
        self.query_one("#rollout-title", Static).update(
            Text.assemble(
                ("Rolling back ", "bold"),
                (plan.ref.display, "bold"),
                f"  revision {src.number if src else '?'} → {plan.to_revision.number} "
                f"(becomes {plan.new_revision_number})  {plan.to_revision.images}",
            )
        )
        self._progress().update(total=self.target_replicas, progress=0)
        self.query_one("#rollout-status", Static).update(
            Text("Waiting for the rollout to start...", style="dim")
        )
        self.query_one("#rollout-outcome", Static).update(
            Text("esc stop watching (the rollout goes on; nothing is undone)", style="dim")
        )
        if _by_replicasets(plan):
            self._render_replicasets()
        else:
            self.query_one("#rollout-replicasets", Static).update("")
        self._render_pods()

    @property
    def advice(self) -> str | None:
        """Which pods to delete for a stuck StatefulSet rollout to go on (None: none)."""
        return self.pods.advice() if self.pods is not None else None

    def update_pods(self, events: list[Any]) -> None:
        """Events of the watch on the workload's pods."""
        if self.pods is not None and self.pods.apply(events, now=self.now()):
            self._render_pods()

    def pods_trouble(self, error: str | None) -> None:
        if self.pods is not None:
            self.pods.trouble = error
            self._render_pods()

    def _render_pods(self) -> None:
        pods_box = self.query_one("#rollout-pods", Static)
        advice_box = self.query_one("#rollout-advice", Static)
        if self.pods is None or self.now is None:
            pods_box.update("")
            advice_box.update("")
            return
        pods_box.update(pods_renderable(self.pods, self.now(), self.target_replicas))
        advice = self.advice
        advice_box.update(Text(f"⚠ {advice}") if advice else "")

    def update_workload(self, obj: Mapping[str, Any]) -> None:
        """A new state of the StatefulSet or DaemonSet being rolled back."""
        if self.plan is None or _by_replicasets(self.plan):
            return
        rows, progress, total, revisions = controller_counters(self.plan.ref.kind, obj)
        self.counters = rows
        if self.pods is not None and self.now is not None:
            self.pods.observe_workload(obj, now=self.now())
            self._render_pods()
        table = Table(box=None, pad_edge=False, show_edge=False, expand=False)
        for column in ("", "", ""):
            table.add_column(column)
        for row in rows:
            table.add_row(
                row.label,
                Text(bar(row.value, row.total), style="green"),
                f"{row.value}/{row.total}",
            )
        self.query_one("#rollout-replicasets", Static).update(
            Group(table, Text(revisions, style="dim"))
        )
        if self.finished is None:
            self.target_replicas = max(total, 1)
            self._progress().update(
                total=self.target_replicas, progress=min(progress, self.target_replicas)
            )

    def update_replicaset(self, obj: Mapping[str, Any]) -> None:
        row = replicaset_row(obj)
        self.replicasets[row.name] = row
        self._render_replicasets()

    def remove_replicaset(self, name: str) -> None:
        self.replicasets.pop(name, None)
        self._render_replicasets()

    def update_status(self, status: RolloutStatus) -> None:
        self.status = status
        style = "red" if status.failed else ("green" if status.done else "")
        prefix = "error: " if status.failed else ""
        self.query_one("#rollout-status", Static).update(Text(prefix + status.message, style=style))

    def _render_replicasets(self) -> None:
        if self.plan is not None and not _by_replicasets(self.plan):
            return
        table = Table(box=None, pad_edge=False, show_edge=False, expand=False)
        for column in ("REV", "REPLICASET", "REPLICAS", "", "PODS READY"):
            table.add_column(column)
        target = self.plan.to_revision.object_name if self.plan else None
        rows = sorted(self.replicasets.values(), key=lambda r: (r.name != target, r.name))
        for row in rows:
            if row.desired == 0 and row.replicas == 0 and row.name != target:
                continue
            style = "bold" if row.name == target else ""
            table.add_row(
                Text(row.revision, style=style),
                Text(row.name, style=style),
                f"{row.replicas}/{row.desired}",
                Text(bar(row.ready, max(row.desired, row.replicas)), style="green"),
                f"{row.ready}/{row.desired}",
            )
        self.query_one("#rollout-replicasets", Static).update(table)
        target_row = self.replicasets.get(target or "")
        if target_row is not None and self.finished is None:
            self._progress().update(
                total=self.target_replicas, progress=min(target_row.available, self.target_replicas)
            )

    def finish(
        self, outcome: RolloutOutcome | None, *, cancelled: bool = False, error: str | None = None
    ) -> None:
        progress = self._progress()
        outcome_line = self.query_one("#rollout-outcome", Static)
        self.call_after_refresh(self.scroll_end, animate=False)  # the ending, in view
        if cancelled:
            self.finished = "stopped"
            outcome_line.update(
                Text(
                    "⏹ stopped watching: the rollout goes on in the cluster; nothing was undone."
                    "   esc back to the preview",
                    style="yellow",
                )
            )
        elif error is not None:
            self.finished = "error"
            outcome_line.update(
                Text(f"✖ lost track of the rollout: {error}   esc back", style="red")
            )
        elif outcome is not None:
            self.update_status(outcome.status)
            if outcome.timed_out:
                self.finished = "timeout"
                advice = self.advice
                outcome_line.update(
                    Text(
                        "✖ timed out waiting for the rollout"
                        + (f": {advice}" if advice else "")
                        + "   esc back",
                        style="red",
                    )
                )
            elif outcome.status.done:
                self.finished = "done"
                progress.update(total=self.target_replicas, progress=self.target_replicas)
                outcome_line.update(
                    Text("✔ rolled back and rolled out   esc back to the history", style="green")
                )
            else:
                self.finished = "failed"
                why = (
                    "the rollout failed (ProgressDeadlineExceeded)"
                    if self.plan is None or kind_named(self.plan.ref.kind).progress_deadline
                    else f"the rollout cannot be followed: {outcome.status.message}"
                )
                outcome_line.update(Text(f"✖ {why}   esc back", style="red"))
