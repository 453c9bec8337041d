"""The main screen: workloads, blue/green groups, revisions, the preview and the rollout view.

It is the controller of the app: every cluster call runs in a thread worker that
posts a typed message back; the rules (target, plan, refusal, status) come from
the core. Messages carry a ``generation`` so that answers for a namespace or
context the user has left are dropped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Input
from textual.worker import Worker, WorkerState

from ...core import bluegreen_service, errors, service, workload_service
from ...core.api_objects import controller_uid, dig, name_of
from ...core.model import DeploymentHistory, PlanWarning
from ...core.plan import RollbackPlan
from ...core.status import RolloutStatus
from ...core.target import TargetSpec, choose_target
from ...core.workload_service import WorkloadHistory
from ...core.workloads import WorkloadSummary, summarise
from ..bluegreen import BlueGreenRow, load_bluegreen_rows
from ..cluster import (
    KINDS,
    PLURALS,
    Cancelled,
    Event,
    FollowGateway,
    Gateway,
    StopSignal,
    list_workloads,
    watch_resource,
)
from ..messages import (
    BlueGreenLoaded,
    Connected,
    ConnectionFailed,
    ContextsListed,
    HistoryFailed,
    HistoryLoaded,
    NamespacesListed,
    PermissionChecked,
    Problem,
    ResourceEvents,
    RollbackApplied,
    RollbackFailed,
    RolloutEnded,
    RolloutProgress,
    SwitchDone,
    SwitchPlanned,
    WatchTrouble,
    WorkloadObserved,
    WorkloadsFailed,
    WorkloadsLoaded,
)
from ..widgets.bluegreen import BlueGreenPanel
from ..widgets.footer import KeysFooter
from ..widgets.header import ContextBar
from ..widgets.preview import PreviewPanel
from ..widgets.revisions import RevisionTable
from ..widgets.rollout import ReplicaSetRow, RolloutView
from ..widgets.workloads import WorkloadList
from .confirm import ConfirmRollback, ConfirmSwitch
from .picker import PickOne

if TYPE_CHECKING:
    from ..app import RollbackApp

HISTORY_LOADING = "the history is still loading"
"""Why rolling back is not possible for a moment: the key stays enabled (it says so when pressed)."""
HISTORY_DEBOUNCE = 0.12
"""Seconds the cursor must rest on a workload before its history is loaded."""
LIVE_RELOAD_DEBOUNCE = 0.3
"""Seconds to gather watch events of the selected workload before reloading its history."""


class MainScreen(Screen[None]):
    """Workloads on the left; revisions and preview (or the rollout) on the right."""

    BINDINGS = [
        Binding(
            "r",
            "rollback",
            "Roll back",
            id="rollback",
            tooltip="Roll back to the highlighted revision (asks for confirmation)",
        ),
        Binding("slash", "filter", "Filter", id="filter", tooltip="Filter the workloads by typing"),
        Binding("n", "namespace", "Namespace", id="namespace", tooltip="Switch namespace"),
        Binding("c", "context", "Context", id="context", tooltip="Switch kubeconfig context"),
        Binding("ctrl+r", "refresh", "Refresh", id="refresh", tooltip="List everything again"),
        Binding(
            "s",
            "switch_traffic",
            "Switch traffic",
            id="switch-traffic",
            tooltip="Blue/green rapid rollback: route traffic back to the idle side",
        ),
        Binding("escape", "back", "Back / stop watching", id="back", show=False),
    ]

    def __init__(
        self,
        *,
        namespace: str | None,
        context: str | None,
        workload: str | None,
        target: TargetSpec | None,
        workload_kind: str = "Deployment",
    ) -> None:
        super().__init__()
        self.requested_namespace = namespace
        self.requested_context = context
        self.gw: Gateway | None = None
        self.namespace = ""
        self.generation = 0
        self.permission: dict[tuple[str, str, str], tuple[bool, str]] = {}
        """(context, namespace, plural) -> (may patch, reason), from SelfSubjectAccessReviews."""
        self.selected: WorkloadSummary | None = None
        self.history: WorkloadHistory | None = None
        self.group_warning: PlanWarning | None = None
        self.default_plan: RollbackPlan | None = None
        self.plan_error: str | None = None
        self.actor: str | None = None
        self.plan: RollbackPlan | None = None
        self.following = False
        self.connection_error: str | None = None
        self._focus_workload: tuple[str, str] | None = (
            (workload_kind, workload) if workload else None
        )
        self._focus_target = target
        self._watch_stops: list[StopSignal] = []
        self._follow_stop: StopSignal | None = None
        self._history_timer: Timer | None = None
        self._history_loading: tuple[str, str, str] | None = None
        self._bindings_state: tuple[bool, bool] | None = None
        self.banner: Text | None = None
        """An error shown above the preview until the user moves on (a failed rollback)."""

    # ------------------------------------------------------------------ layout
    @property
    def rollback_app(self) -> RollbackApp:
        from ..app import RollbackApp

        assert isinstance(self.app, RollbackApp)
        return self.app

    @property
    def now(self) -> Callable[[], datetime]:
        return self.rollback_app.now_fn

    def compose(self) -> ComposeResult:
        yield ContextBar(id="context-bar")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield WorkloadList(id="workloads")
                yield BlueGreenPanel("", id="bluegreen")
            with Vertical(id="right"):
                yield RevisionTable(id="revisions")
                yield PreviewPanel(id="preview")
                yield RolloutView(id="rollout")
        yield KeysFooter()

    def on_mount(self) -> None:
        bar = self.query_one(ContextBar)
        bar.read_only = self.rollback_app.read_only
        bar.namespace = self.requested_namespace or ""
        bar.context = self.requested_context or ""
        self.query_one(RolloutView).display = False
        self.query_one(BlueGreenPanel).show_rows([], None)
        self.query_one(RevisionTable).show_message("Revisions", "")
        self.query_one(PreviewPanel).show_text("connecting...", "dim")
        self.query_one(WorkloadList).clear("connecting...")
        self.query_one(WorkloadList).table.focus()
        self._tick()
        self.set_interval(1.0, self._tick)
        self.generation += 1
        self._connect(self.requested_context, self.requested_namespace, self.generation)

    def _tick(self) -> None:
        self.query_one(ContextBar).clock = (
            self.now().astimezone(self.rollback_app.display_tz).strftime("%H:%M:%S")
        )

    def on_unmount(self) -> None:
        self.stop_everything()

    def stop_everything(self) -> None:
        """Stop every watch and the follow (their threads return at once)."""
        self._stop_watches()
        if self._follow_stop is not None:
            self._follow_stop.stop()

    # ------------------------------------------------------------- connecting
    @work(thread=True, exclusive=True, exit_on_error=False, group="connect")
    def _connect(self, context: str | None, namespace: str | None, generation: int) -> None:
        try:
            gw = self.rollback_app.connector.connect(context, namespace)
        except errors.RollbackError as exc:
            self.post_message(ConnectionFailed(str(exc), generation))
            return
        self.post_message(Connected(gw, generation))

    @on(Connected)
    def _connected(self, message: Connected) -> None:
        if message.generation != self.generation:
            message.gateway.close()
            return
        if self.gw is not None and self.gw is not message.gateway:
            self.gw.close()
        self.gw = message.gateway
        self.connection_error = None
        self.query_one(ContextBar).context = message.gateway.context
        self._open_namespace(message.gateway.namespace)

    @on(ConnectionFailed)
    def _connection_failed(self, message: ConnectionFailed) -> None:
        if message.generation != self.generation:
            return
        self.connection_error = message.error
        self.query_one(WorkloadList).clear("not connected")
        self.query_one(RevisionTable).show_message("Not connected", "")
        self.query_one(PreviewPanel).show_text(
            Text.assemble(
                ("✖ cannot connect: ", "bold red"),
                message.error,
                "\n\n",
                ("ctrl+r tries again; c picks another context.", "dim"),
            )
        )
        self.notify(message.error, title="Cannot connect", severity="error", timeout=10)
        self._refresh_bindings()

    # ------------------------------------------------------------- namespaces
    def _open_namespace(self, namespace: str) -> None:
        assert self.gw is not None
        self.generation += 1
        self._stop_watches()
        self.namespace = namespace
        self.query_one(ContextBar).namespace = namespace
        self.selected = None
        self.history = None
        self.plan = None
        self.default_plan = None
        self.group_warning = None
        self._history_loading = None
        self.query_one(WorkloadList).clear(f"listing workloads in {namespace}...")
        self.query_one(RevisionTable).show_message("Revisions", "")
        self.query_one(PreviewPanel).show_text("")
        self.query_one(BlueGreenPanel).show_rows([], None)
        self._load_workloads(self.gw, namespace, self.generation)
        if (self.gw.context, namespace, "deployments") not in self.permission:
            self._check_permission(self.gw, namespace, self.generation)
        self._load_bluegreen(self.gw, namespace, self.generation)
        self._refresh_bindings()

    @work(thread=True, exclusive=True, exit_on_error=False, group="workloads")
    def _load_workloads(self, gw: Gateway, namespace: str, generation: int) -> None:
        try:
            listing = list_workloads(gw, namespace)
        except errors.RollbackError as exc:
            self.post_message(WorkloadsFailed(namespace, str(exc), generation))
            return
        self.post_message(WorkloadsLoaded(listing, generation))

    @on(WorkloadsLoaded)
    def _workloads_loaded(self, message: WorkloadsLoaded) -> None:
        if message.generation != self.generation:
            return
        listing = message.listing
        select = self._focus_workload
        workloads = self.query_one(WorkloadList)
        workloads.set_workloads(listing.summaries, select=select)
        focus = workloads.summaries.get(select) if select else None
        if focus is not None and self.selected is None and not focus.unsupported:
            # Load the history now rather than when the table has reached its row.
            self.selected = focus
            self._request_history()
        if not listing.summaries:
            workloads.clear(
                f"no Deployments, StatefulSets or DaemonSets in namespace {listing.namespace}"
            )
            self.query_one(PreviewPanel).show_text(
                f"namespace {listing.namespace} has no workloads; n switches namespace", "dim"
            )
        if self._focus_workload and self._focus_workload not in workloads.summaries:
            kind, name = self._focus_workload
            self.notify(
                f'{PLURALS.get(kind, kind.lower())}.apps "{name}" not found in namespace {listing.namespace}',
                severity="error",
            )
            self._focus_workload = None
        for note in listing.notes:
            self.notify(note, severity="warning")
        self.rollback_app.workloads_shown(len(listing.summaries))
        if self.rollback_app.live and self.gw is not None:
            self._start_watches(self.gw, listing.namespace, dict(listing.versions))

    @on(WorkloadsFailed)
    def _workloads_failed(self, message: WorkloadsFailed) -> None:
        if message.generation != self.generation:
            return
        self.query_one(WorkloadList).clear("cannot list workloads")
        self.query_one(PreviewPanel).show_text(
            Text.assemble(
                ("✖ cannot list the workloads of namespace ", "bold red"),
                (message.ns, "bold red"),
                "\n",
                message.error,
                "\n\n",
                ("ctrl+r tries again; n switches namespace.", "dim"),
            )
        )
        self.notify(message.error, title="Cannot list workloads", severity="error", timeout=10)

    # -------------------------------------------------------------- permission
    @work(thread=True, exclusive=True, exit_on_error=False, group="rbac")
    def _check_permission(self, gw: Gateway, namespace: str, generation: int) -> None:
        answers: list[tuple[str, bool, str]] = []
        for group, plural in (
            ("apps", "deployments"),
            ("apps", "statefulsets"),
            ("apps", "daemonsets"),
            ("", "services"),
        ):
            try:
                allowed, reason = gw.can_i("patch", group, plural, namespace)
            except errors.RollbackError:
                continue  # cannot tell: let the request itself say (a 403 is shown as an error)
            answers.append((plural, allowed, reason))
        self.post_message(PermissionChecked(namespace, tuple(answers), generation))

    @on(PermissionChecked)
    def _permission_checked(self, message: PermissionChecked) -> None:
        context = self.gw.context if self.gw else ""
        changed = False
        for plural, allowed, reason in message.answers:
            key = (context, message.ns, plural)
            changed |= self.permission.get(key, (True, "")) != (allowed, reason)
            self.permission[key] = (allowed, reason)
        if (
            changed
        ):  # the preview says why rolling back is unavailable: redo it only when that changed
            self._refresh_bindings()
            self._repreview()

    # --------------------------------------------------------------- live watch
    def _start_watches(self, gw: Gateway, namespace: str, versions: dict[str, str]) -> None:
        """Watch every workload resource that could be listed, and the ReplicaSets (for Deployments)."""
        self._stop_watches()
        watched = dict(versions)
        if "deployments" in watched:
            watched["replicasets"] = watched["deployments"]
        for plural, version in watched.items():
            stop = StopSignal()
            self._watch_stops.append(stop)
            self._watch(gw, plural, namespace, version, stop, self.generation)

    def _stop_watches(self) -> None:
        for stop in self._watch_stops:
            stop.stop()
        self._watch_stops = []

    @work(thread=True, exit_on_error=False, group="watch")
    def _watch(
        self,
        gw: Gateway,
        plural: str,
        namespace: str,
        version: str,
        stop: StopSignal,
        generation: int,
    ) -> None:
        watch_resource(
            gw,
            plural,
            namespace,
            version,
            stop,
            lambda events: self.post_message(ResourceEvents(plural, events, generation)),
            lambda error: self.post_message(WatchTrouble(error, generation)),
        )

    @on(WatchTrouble)
    def _watch_trouble(self, message: WatchTrouble) -> None:
        if message.generation == self.generation:
            self.query_one(ContextBar).live = "live updates paused" if message.error else ""

    @on(ResourceEvents)
    def _resource_events(self, message: ResourceEvents) -> None:
        if message.generation != self.generation:
            return
        if message.plural in KINDS:
            self._workload_events(KINDS[message.plural], message.events)
        else:
            self._replicaset_events(message.events)

    def _workload_events(self, workload_kind: str, events: list[Event]) -> None:
        """Deployment, StatefulSet or DaemonSet events: update the rows; reload the selected one's history."""
        workloads = self.query_one(WorkloadList)
        relisted: list[WorkloadSummary] | None = None
        for kind, obj in events:
            if kind == "RELIST":
                relisted = []
                continue
            if relisted is not None:
                relisted.append(summarise(obj, workload_kind))
                continue
            if kind == "DELETED":
                workloads.remove_workload((workload_kind, name_of(obj)))
            else:
                workloads.upsert(summarise(obj, workload_kind))
            if (
                self.selected is not None
                and self.selected.key == (workload_kind, name_of(obj))
                and (
                    self.history is None
                    or self.history.resource_version != str(dig(obj, "metadata", "resourceVersion"))
                )
            ):
                self._schedule_history(LIVE_RELOAD_DEBOUNCE)
        if relisted is not None:
            others = [s for s in workloads.summaries.values() if s.kind != workload_kind]
            workloads.set_workloads([*relisted, *others])

    def _replicaset_events(self, events: list[Event]) -> None:
        if not isinstance(self.history, DeploymentHistory):
            return
        rollout = self.query_one(RolloutView)
        touched = False
        for kind, obj in events:
            if kind == "RELIST" or controller_uid(obj) != self.history.uid:
                continue
            touched = True
            if rollout.display:
                if kind == "DELETED":
                    rollout.remove_replicaset(name_of(obj))
                else:
                    rollout.update_replicaset(obj)
        if touched:
            self._schedule_history(LIVE_RELOAD_DEBOUNCE)

    # ----------------------------------------------------------------- history
    @on(WorkloadList.Highlighted)
    def _workload_highlighted(self, message: WorkloadList.Highlighted) -> None:
        summary = message.summary
        if self.following:
            return
        if summary is None:
            self.selected = None
            self.history = None
            self.plan = None
            self.query_one(RevisionTable).show_message("Revisions", "")
            self._refresh_bindings()
            return
        if (
            self.selected is not None
            and self.selected.key == summary.key
            and (
                self.history is not None or self._history_loading == (self.namespace, *summary.key)
            )
        ):
            self.selected = summary
            return
        self.selected = summary
        self.history = None
        self.plan = None
        self.group_warning = None
        self.banner = None
        self._refresh_bindings()
        if summary.unsupported:
            self._cancel_history_timer()
            self.query_one(RevisionTable).show_message(
                f"{summary.short_kind}/{summary.name}   {summary.ready}/{summary.desired} ready",
                summary.unsupported,
            )
            self.query_one(PreviewPanel).show_text(
                Text.assemble(
                    (f"{summary.kind} {summary.name}\n", "bold"),
                    f"images  {summary.image_summary}\n",
                    f"status  {summary.status.value}: {summary.message}\n\n",
                    (summary.unsupported, "yellow"),
                )
            )
            return
        self.query_one(RevisionTable).show_message(
            f"{summary.kind.lower()}.apps/{summary.name}", "loading revisions..."
        )
        self.query_one(PreviewPanel).show_text("")
        self._schedule_history(HISTORY_DEBOUNCE)

    @on(WorkloadList.Chosen)
    def _workload_chosen(self, message: WorkloadList.Chosen) -> None:
        if not message.summary.unsupported:
            self.query_one(RevisionTable).table.focus()

    def _cancel_history_timer(self) -> None:
        if self._history_timer is not None:
            self._history_timer.stop()
            self._history_timer = None

    def _schedule_history(self, delay: float) -> None:
        self._cancel_history_timer()
        self._history_timer = self.set_timer(delay, self._request_history)

    def _request_history(self) -> None:
        self._history_timer = None
        summary = self.selected
        if summary is None or summary.unsupported or self.gw is None:
            return
        self._history_loading = (self.namespace, summary.kind, summary.name)
        self._load_history(self.gw, self.namespace, summary.kind, summary.name, self.generation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="history")
    def _load_history(
        self, gw: Gateway, namespace: str, kind: str, name: str, generation: int
    ) -> None:
        now = self.now()
        try:
            history = workload_service.load_workload(gw, kind, namespace, name, now=now)  # type: ignore[arg-type]
        except errors.RollbackError as exc:
            self.post_message(HistoryFailed(namespace, kind, name, str(exc), generation))
            return
        actor = gw.whoami()
        group_warning = (
            bluegreen_service.deployment_warning(gw, history)  # type: ignore[arg-type]
            if isinstance(history, DeploymentHistory)
            else None
        )
        default_plan: RollbackPlan | None = None
        plan_error: str | None = None
        try:
            default_plan = self._with_group_warning(
                workload_service.plan_workload(history, None, actor=actor, now=now), group_warning
            )
        except errors.RollbackError as exc:
            plan_error = str(exc)
        self.post_message(
            HistoryLoaded(
                namespace,
                kind,
                name,
                history,
                default_plan,
                plan_error,
                actor,
                generation,
                group_warning,
            )
        )

    @staticmethod
    def _with_group_warning(plan: RollbackPlan, warning: PlanWarning | None) -> RollbackPlan:
        """The core's blue/green warning added to a Deployment's plan (as the CLI does)."""
        if warning is None or plan.noop is not None:
            return plan
        return dataclasses.replace(plan, warnings=(*plan.warnings, warning))

    @on(HistoryLoaded)
    def _history_loaded(self, message: HistoryLoaded) -> None:
        if (
            message.generation != self.generation
            or self.selected is None
            or self.selected.key != (message.kind, message.name)
        ):
            return
        self._history_loading = None
        self.history = message.history
        self.default_plan = message.default_plan
        self.plan_error = message.plan_error
        self.actor = message.actor
        self.group_warning = message.group_warning
        select: int | None = None
        if self._focus_workload == (message.kind, message.name):
            self._focus_workload = None
            if self._focus_target is not None:
                try:
                    select = choose_target(
                        message.history, self._focus_target, allow_current=True
                    ).revision.number
                except errors.RollbackError as exc:
                    self.notify(str(exc), severity="error")
                self._focus_target = None
        self.query_one(RevisionTable).show(
            message.history,
            message.default_plan,
            self.now,
            select=select,
            plan_error=message.plan_error,
        )
        if not message.history.revisions:
            self.query_one(PreviewPanel).show_text(message.plan_error or "no revisions", "yellow")
        self._refresh_bindings()
        self.rollback_app.history_shown(message.name)

    @on(HistoryFailed)
    def _history_failed(self, message: HistoryFailed) -> None:
        if message.generation != self.generation:
            return
        self._history_loading = None
        self.query_one(RevisionTable).show_message(
            f"{message.kind.lower()}.apps/{message.name}", ""
        )
        self.query_one(PreviewPanel).show_text(
            Text.assemble(
                ("✖ cannot load the history of ", "bold red"),
                (message.name, "bold red"),
                "\n",
                message.error,
            )
        )
        self.notify(message.error, title="Cannot load history", severity="error")

    @on(RevisionTable.Highlighted)
    def _revision_highlighted(self, message: RevisionTable.Highlighted) -> None:
        self._preview(message.number)

    def _repreview(self) -> None:
        number = self.query_one(RevisionTable).highlighted
        if number is not None and self.history is not None:
            self._preview(number)

    def _preview(self, number: int) -> None:
        history = self.history
        if history is None:
            return
        default = self.default_plan
        plan: RollbackPlan | None
        if default is not None and default.noop is None and number == default.to_revision.number:
            plan = default
        else:
            try:
                plan = self._with_group_warning(
                    workload_service.plan_workload(
                        history, TargetSpec.revision(number), actor=self.actor, now=self.now()
                    ),
                    self.group_warning,
                )
            except errors.RollbackError as exc:
                self.plan = None
                self.query_one(PreviewPanel).show_text(f"✖ {exc}", "red")
                self._refresh_bindings()
                return
        self.plan = plan
        if not self.following:
            panel = self.query_one(PreviewPanel)
            # No default target (a single revision...): the core's reason, once, instead of the noop plan.
            nothing = self.plan_error if default is None and plan.noop is not None else None
            panel.show_plan(
                plan,
                history.revision(number),
                self.rollback_unavailable(),
                self.banner,
                nothing=nothing,
                default_target=default.to_revision.number
                if default is not None and default.noop is None
                else None,
            )
        self._refresh_bindings()

    # --------------------------------------------------------------- rollback
    def rollback_unavailable(self) -> str | None:
        """Why the roll-back action is disabled now (None: it is enabled)."""
        if self.rollback_app.read_only:
            return "read-only mode (--read-only): nothing can be changed"
        if self.connection_error is not None:
            return "not connected"
        if self.following:
            return "a rollback is being followed (esc stops watching)"
        summary = self.selected
        if summary is None:
            return "no workload selected"
        if summary.unsupported:
            return summary.unsupported
        context = self.gw.context if self.gw else ""
        plural = PLURALS.get(summary.kind, "deployments")
        allowed, reason = self.permission.get((context, self.namespace, plural), (True, ""))
        if not allowed:
            why = f" ({reason})" if reason else ""
            return f"RBAC: you may not patch {plural}.apps in namespace {self.namespace}{why}"
        if self.history is None:
            return HISTORY_LOADING
        return None

    def switch_group(self) -> BlueGreenRow | None:
        """The group the switch key acts on: the selected workload's, else the only one."""
        rows = self.query_one(BlueGreenPanel).rows
        if self.selected is not None:
            mine = [r for r in rows if self.selected.name in r.workloads]
            if mine:
                return mine[0]
        return rows[0] if len(rows) == 1 else None

    def switch_unavailable(self) -> str | None:
        """Why the blue/green rapid rollback is disabled now (None: it is enabled)."""
        if self.rollback_app.read_only:
            return "read-only mode (--read-only): nothing can be changed"
        if self.connection_error is not None:
            return "not connected"
        rows = self.query_one(BlueGreenPanel).rows
        if not rows:
            return "no blue/green group in this namespace"
        if self.switch_group() is None:
            return "select a workload of the blue/green group"
        context = self.gw.context if self.gw else ""
        allowed, reason = self.permission.get((context, self.namespace, "services"), (True, ""))
        if not allowed:
            why = f" ({reason})" if reason else ""
            return f"RBAC: you may not patch services in namespace {self.namespace}{why}"
        return None

    def _refresh_bindings(self) -> None:
        """Refresh the footer when an action became available or unavailable, not otherwise.

        Every refresh recomposes the footer (tens of milliseconds): calling it on each
        cursor move or answer from the cluster made the UI stutter while loading.
        """
        state = (
            self.rollback_unavailable() in (None, HISTORY_LOADING),
            self.switch_unavailable() is None,
        )
        if state != self._bindings_state:
            self._bindings_state = state
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "rollback":
            return True if self.rollback_unavailable() in (None, HISTORY_LOADING) else None
        if action == "switch_traffic":
            return None if self.switch_unavailable() else True
        return True

    def action_rollback(self) -> None:
        reason = self.rollback_unavailable()
        if reason is not None:
            self.notify(f"cannot roll back: {reason}", severity="warning")
            return
        plan = self.plan
        if plan is None:
            self.notify(
                self.plan_error or "highlight a revision to roll back to", severity="warning"
            )
            return
        if plan.refusal is not None:
            self.notify(plan.refusal, title="Refused", severity="error", timeout=10)
            return
        if plan.noop is not None:
            nothing = (
                self.plan_error if self.default_plan is None and self.plan_error else plan.noop
            )
            self.notify(nothing, title="Nothing to roll back", severity="information")
            return
        self.banner = None
        self.app.push_screen(
            ConfirmRollback(plan), callback=lambda ok: self._confirmed(plan, bool(ok))
        )

    def _confirmed(self, plan: RollbackPlan, ok: bool) -> None:
        if not ok:
            self.notify("rollback cancelled; nothing was changed")
            return
        if self.gw is None:
            return
        self.following = True  # blocks a second rollback while the first is sent
        self._refresh_bindings()
        self._execute(self.gw, plan)

    @work(thread=True, exclusive=True, exit_on_error=False, group="rollback")
    def _execute(self, gw: Gateway, plan: RollbackPlan) -> None:
        try:
            result = service.execute(gw, plan, dry_run=False, now=self.now())  # type: ignore[arg-type]
        except errors.RollbackError as exc:
            # "nothing was applied" only where it is certain and the message does not already say.
            certain = exc.nothing_applied and "applied" not in str(exc)
            self.post_message(RollbackFailed(plan, str(exc), certain))
            return
        self.post_message(RollbackApplied(result))

    @on(RollbackFailed)
    def _rollback_failed(self, message: RollbackFailed) -> None:
        self.following = False
        self._refresh_bindings()
        head = (
            "rollback failed: nothing was applied" if message.nothing_applied else "rollback failed"
        )
        self.notify(message.error, title=head.capitalize(), severity="error", timeout=15)
        self.banner = Text.assemble((f"✖ {head}: ", "bold red"), (message.error, "red"))
        self.query_one(PreviewPanel).show_text(self.banner)
        self._schedule_history(0.01)

    @on(RollbackApplied)
    def _rollback_applied(self, message: RollbackApplied) -> None:
        result = message.result
        self.notify(result.message, title="Rolled back")
        if result.noop or self.gw is None:
            self.following = False
            return
        plan = result.plan
        history = self.history
        rows = [
            ReplicaSetRow(r.replicaset, str(r.number), r.desired, r.desired, r.ready, r.available)
            for r in (history.revisions if isinstance(history, DeploymentHistory) else ())
        ]
        self.query_one(PreviewPanel).display = False
        rollout = self.query_one(RolloutView)
        rollout.display = True
        rollout.start(plan, history.replicas if history else 1, rows)
        if result.deployment and plan.ref.kind != "Deployment":
            rollout.update_workload(result.deployment)
        stop = StopSignal()
        self._follow_stop = stop
        # StatefulSets and DaemonSets have no progress deadline: a stuck rollout ends when this runs out.
        deadline = (
            history.progress_deadline_seconds if isinstance(history, DeploymentHistory) else 300
        )
        self._follow(self.gw, plan, stop, max(600, 2 * deadline))

    @work(thread=True, exclusive=True, exit_on_error=False, group="follow")
    def _follow(
        self, gw: Gateway, plan: RollbackPlan, stop: StopSignal, timeout_seconds: int
    ) -> None:
        def on_status(status: RolloutStatus) -> None:
            self.post_message(RolloutProgress(status))

        def on_object(obj: dict[str, Any]) -> None:
            if plan.ref.kind != "Deployment":
                self.post_message(WorkloadObserved(obj))

        try:
            outcome = service.follow(
                FollowGateway(gw, stop, on_object=on_object),
                plan.ref,
                timeout_seconds=timeout_seconds,
                now_fn=self.now,
                on_status=on_status,
                expect_replicaset=plan.to_revision.replicaset,
            )
        except Cancelled:
            self.post_message(RolloutEnded(None, cancelled=True))
        except errors.RollbackError as exc:
            self.post_message(RolloutEnded(None, error=str(exc)))
        else:
            self.post_message(RolloutEnded(outcome))

    @on(RolloutProgress)
    def _rollout_progress(self, message: RolloutProgress) -> None:
        self.query_one(RolloutView).update_status(message.status)

    @on(WorkloadObserved)
    def _workload_observed(self, message: WorkloadObserved) -> None:
        rollout = self.query_one(RolloutView)
        if rollout.display and rollout.finished is None:
            rollout.update_workload(message.obj)

    @on(RolloutEnded)
    def _rollout_ended(self, message: RolloutEnded) -> None:
        self._follow_stop = None
        self.following = False
        self.query_one(RolloutView).finish(
            message.outcome, cancelled=message.cancelled, error=message.error
        )
        self._refresh_bindings()
        if message.outcome is not None:
            if message.outcome.status.done:
                self.notify(message.outcome.status.message, title="Rollout complete")
            else:
                self.notify(
                    message.outcome.status.message,
                    title="Rollout failed",
                    severity="error",
                    timeout=15,
                )
        self._schedule_history(0.01)

    def action_back(self) -> None:
        box = self.query_one("#filter", Input)
        if box.display and box.has_focus:
            self.query_one(WorkloadList).close_filter()
            return
        rollout = self.query_one(RolloutView)
        if rollout.display:
            if self._follow_stop is not None and rollout.finished is None:
                self._follow_stop.stop()
                return
            rollout.display = False
            self.query_one(PreviewPanel).display = True
            self._repreview()
            return
        if box.display:
            self.query_one(WorkloadList).close_filter()

    # ----------------------------------------------------------- blue/green
    @work(thread=True, exclusive=True, exit_on_error=False, group="bluegreen")
    def _load_bluegreen(self, gw: Gateway, namespace: str, generation: int) -> None:
        try:
            rows, note = load_bluegreen_rows(gw, namespace)
        except errors.RollbackError as exc:
            rows, note = [], str(exc)
        self.post_message(BlueGreenLoaded(namespace, rows, note, generation))

    @on(BlueGreenLoaded)
    def _bluegreen_loaded(self, message: BlueGreenLoaded) -> None:
        if message.generation == self.generation:
            self.query_one(BlueGreenPanel).show_rows(message.rows, message.note)
            self._refresh_bindings()

    def action_switch_traffic(self) -> None:
        reason = self.switch_unavailable()
        group = self.switch_group()
        if reason or group is None or self.gw is None:
            self.notify(f"cannot switch traffic: {reason}", severity="warning")
            return
        self._prepare_switch(self.gw, self.namespace, group.primary)

    @work(thread=True, exclusive=True, exit_on_error=False, group="switch")
    def _prepare_switch(self, gw: Gateway, namespace: str, service_name: str) -> None:
        try:
            plan = bluegreen_service.prepare_switch(gw, namespace, service_name, now=self.now())  # type: ignore[arg-type]
        except errors.RollbackError as exc:
            self.post_message(Problem(str(exc), "Cannot plan the traffic switch"))
            return
        self.post_message(SwitchPlanned(plan))

    @on(SwitchPlanned)
    def _switch_planned(self, message: SwitchPlanned) -> None:
        plan = message.plan
        if plan.refusal is not None:
            self.notify(plan.refusal, title="Refused", severity="error", timeout=10)
            return
        if plan.noop is not None:
            self.notify(plan.noop)
            return

        def confirmed(ok: bool | None) -> None:
            if not ok:
                self.notify("traffic switch cancelled; nothing was changed")
            elif self.gw is not None:
                self._switch(self.gw, plan)

        self.app.push_screen(ConfirmSwitch(plan), callback=confirmed)

    @work(thread=True, exclusive=True, exit_on_error=False, group="switch")
    def _switch(self, gw: Gateway, plan: Any) -> None:
        try:
            result = bluegreen_service.switch_traffic(gw, plan, dry_run=False, now=self.now())  # type: ignore[arg-type]
        except errors.RollbackError as exc:
            self.post_message(Problem(str(exc), "Traffic switch failed"))
            return
        self.post_message(SwitchDone(result))

    @on(SwitchDone)
    def _switch_done(self, message: SwitchDone) -> None:
        self.notify(message.result.message, title="Traffic switched")
        if self.gw is not None:
            self._load_bluegreen(self.gw, self.namespace, self.generation)

    # ------------------------------------------------------ other actions
    def action_filter(self) -> None:
        self.query_one(WorkloadList).open_filter()

    def action_refresh(self) -> None:
        if self.gw is None or self.connection_error is not None:
            self.generation += 1
            self._connect(self.requested_context, self.requested_namespace, self.generation)
            return
        if self.selected is not None:
            self._focus_workload = self.selected.key
        self._open_namespace(self.namespace)

    def action_namespace(self) -> None:
        if self.gw is not None:
            self._list_namespaces(self.gw)

    @work(thread=True, exclusive=True, exit_on_error=False, group="pick")
    def _list_namespaces(self, gw: Gateway) -> None:
        try:
            names = gw.list_namespaces()
        except errors.RollbackError as exc:
            self.post_message(Problem(str(exc), "Cannot list namespaces"))
            return
        self.post_message(NamespacesListed(names))

    @on(NamespacesListed)
    def _namespaces_listed(self, message: NamespacesListed) -> None:
        def chosen(name: str | None) -> None:
            if name and self.gw is not None and name != self.namespace:
                self._open_namespace(name)

        self.app.push_screen(
            PickOne("Namespace", message.namespaces, self.namespace), callback=chosen
        )

    def action_context(self) -> None:
        self._list_contexts()

    @work(thread=True, exclusive=True, exit_on_error=False, group="pick")
    def _list_contexts(self) -> None:
        try:
            names, current = self.rollback_app.connector.contexts()
        except errors.RollbackError as exc:
            self.post_message(Problem(str(exc), "Cannot read contexts"))
            return
        self.post_message(ContextsListed(names, current))

    @on(ContextsListed)
    def _contexts_listed(self, message: ContextsListed) -> None:
        active = self.gw.context if self.gw else message.current

        def chosen(name: str | None) -> None:
            if name and name != active:
                self.switch_context(name)

        self.app.push_screen(PickOne("Context", message.contexts, active), callback=chosen)

    def switch_context(self, context: str) -> None:
        self.generation += 1
        self._stop_watches()
        self.requested_context = context
        self.requested_namespace = None
        self.query_one(ContextBar).context = context
        self.query_one(WorkloadList).clear(f"connecting to {context}...")
        self._connect(context, None, self.generation)

    @on(Problem)
    def _problem(self, message: Problem) -> None:
        self.notify(message.error, title=message.title, severity="error", timeout=10)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Workers catch the errors users can cause; anything else is a bug, shown, never a crash.
        if event.state is WorkerState.ERROR:
            error: Any = event.worker.error
            self.notify(
                f"{type(error).__name__}: {error}",
                title="Unexpected error",
                severity="error",
                timeout=15,
            )
            if event.worker.group == "rollback" or event.worker.group == "follow":
                self.following = False
                self._refresh_bindings()

    @on(DataTable.RowSelected, "#revisions-table")
    def _revision_selected(self) -> None:
        self.query_one(PreviewPanel).focus()
