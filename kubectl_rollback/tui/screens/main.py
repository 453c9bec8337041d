"""The main screen: workloads, blue/green groups, revisions, the preview and the rollout view.

It holds the widgets, the keys and the thread workers; the rules are the
controllers' (``tui/controllers``): every worker calls one controller function,
which may block, and posts its answer back as a typed message. Messages carry a
``generation`` so that answers for a namespace or context the user has left are
dropped.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from ...core import errors
from ...core.kinds import kind_named
from ...core.plan import RollbackPlan
from ...core.ports import REPLICASETS
from ...core.rollback import RollbackResult
from ...core.status import RolloutStatus
from ...core.target import TargetSpec
from ..cluster import Gateway, StopSignal, WorkloadListing
from ..controllers import bluegreen, layout, pods, preview, rollback
from ..controllers.bluegreen import BlueGreenController, SwitchFailed
from ..controllers.connection import Choice, ConnectionController
from ..controllers.preview import LoadedHistory, PreviewController
from ..controllers.rollback import HISTORY_LOADING, Notice, RollbackController
from ..controllers.workloads import Highlight, WorkloadsController
from ..messages import (
    BlueGreenLoaded,
    ChoiceListed,
    Connected,
    ConnectionFailed,
    HistoryFailed,
    HistoryLoaded,
    PermissionChecked,
    PodEvents,
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
from ..settings import Settings
from ..widgets import notes
from ..widgets.bluegreen import BlueGreenPanel
from ..widgets.footer import KeysFooter
from ..widgets.header import ContextBar
from ..widgets.preview import PreviewPanel
from ..widgets.revisions import RevisionTable
from ..widgets.rollout import ReplicaSetRow, RolloutView
from ..widgets.workload_table import LightTable
from ..widgets.workloads import WorkloadList

__all__ = ["HISTORY_LOADING", "MainScreen"]

HISTORY_DEBOUNCE = 0.12
"""Cursor moves closer together than this (seconds) are a burst (a held key): the first one
loads its workload's history at once, the others none; the workload the burst ends on is
loaded this long after the last move."""
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
        Binding(
            "R",
            "releases",
            "Releases",
            id="releases",
            tooltip="Every release of the namespace (Harness, Helm, Argo CD, Flux): roll one back",
        ),
        Binding(
            "escape",
            "back",
            "Back",
            id="back",
            show=False,
            tooltip="Stop watching a rollout, close it, clear the filter; on a narrow terminal, "
            "back to the workloads",
        ),
        # A key whose action is unavailable (dimmed in the footer) falls through to these: the
        # action says why instead of nothing happening.
        Binding("r", "why('rollback')", show=False),
        Binding("s", "why('switch_traffic')", show=False),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        namespace: str | None,
        context: str | None,
        workload: str | None,
        target: TargetSpec | None,
        workload_kind: str = "Deployment",
    ) -> None:
        super().__init__()
        self.settings = settings
        self.connection = ConnectionController(
            settings.connector, requested_context=context, requested_namespace=namespace
        )
        self.workloads = WorkloadsController(focus=(workload_kind, workload) if workload else None)
        self.preview = PreviewController(focus_target=target)
        self.rollback = RollbackController()
        self.bluegreen = BlueGreenController()
        self.panes = layout.Panes()
        self.shape = layout.layout(0, 0, 0)
        self._history_timer: Timer | None = None
        self._burst_timer: Timer | None = None
        self._burst_moved = False
        """The cursor moved again during the burst: load where it ends up."""
        self._bindings_state: tuple[bool, bool] | None = None
        self._frozen = False
        self._leaving = False
        self.banner: Text | None = None
        """An error shown above the preview until the user moves on (a failed rollback)."""
        self._after_frame: list[tuple[Callable[..., object], tuple[object, ...]]] = []
        """Called once the next frame has reached the terminal (``after_frame``)."""

    # ------------------------------------------------------------------ layout
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
        bar.read_only = self.settings.read_only
        bar.namespace = self.connection.requested_namespace or ""
        bar.context = self.connection.requested_context or ""
        self.query_one(RolloutView).display = False
        self.query_one(BlueGreenPanel).show_rows([], None)
        self.query_one(RevisionTable).show_message("Revisions", "")
        self.query_one(PreviewPanel).show_text("connecting...", "dim")
        self.query_one(WorkloadList).clear("connecting...")
        self.query_one(WorkloadList).table.focus()
        self._tick()
        self.set_interval(1.0, self._tick)
        self.after_frame(self.settings.milestone, "frame")
        self._reconnect()

    def on_resize(self) -> None:
        self._apply_layout()

    # ------------------------------------------------------------------ frames
    def _compositor_refresh(self) -> None:
        # While the app batches updates (the whole of its start, when this screen is first
        # laid out and filled) Textual renders the screen's frame and then drops it
        # (App._display shows nothing in a batch): 30-50 ms of a start's 500 for a frame
        # nobody sees. Drawn once the batch is over instead, at the first idle after it.
        if self.app._batch_count:
            self.refresh()
            self.app.call_later(self.check_idle)
            return
        super()._compositor_refresh()
        if self._after_frame:  # drawn (or, under a dialog, handed to the screen on top)
            pending, self._after_frame = self._after_frame, []
            for callback, args in pending:
                self.call_later(callback, *args)

    def after_frame(self, callback: Callable[..., object], *args: object) -> None:
        """Call ``callback(*args)`` once the next frame of this screen is on the terminal
        (the clock redraws one every second). Textual's ``call_after_refresh`` runs it at the
        screen's next idle, which may come before the frame: while the app batches updates
        (all of its start), or before the changes just made have reached the screen. A
        screen not on the terminal at all (another screen over it) has no frame to wait for."""
        if self.app._batch_count or self.is_current:
            self._after_frame.append((callback, args))
        else:
            self.call_after_refresh(callback, *args)

    def _apply_layout(self) -> None:
        """Fit the panes to the terminal (controllers/layout.py): side by side, or one at a
        time on a narrow terminal."""
        workloads = self.query_one(WorkloadList)
        self.shape = layout.layout(self.size.width, self.size.height, workloads.longest_name)
        self.set_class(self.shape.narrow, "-narrow")
        self.set_class(self.panes.detail, "-detail")
        self.query_one("#left").styles.width = self.shape.left_width
        workloads.set_name_width(self.shape.name_width)
        workloads.set_hint("enter opens" if self.shape.narrow else "")
        self.query_one(KeysFooter).compact = self.shape.narrow

    def show_detail(self) -> None:
        """The revisions and the preview (or the rollout) on screen: on a narrow terminal
        they take the place of the workloads."""
        if self.panes.open_detail():
            self._apply_layout()
            if self.shape.narrow:
                # The list left the screen: the keys go to the revisions (never to nothing).
                self.query_one(RevisionTable).table.focus()

    def _tick(self) -> None:
        self.query_one(ContextBar).clock = (
            self.settings.now_fn().astimezone(self.settings.display_tz).strftime("%H:%M:%S")
        )

    def _say(self, notice: Notice) -> None:
        self.notify(
            notice.message, title=notice.title, severity=notice.severity, timeout=notice.timeout
        )

    def on_unmount(self) -> None:
        self.stop_everything()

    def stop_everything(self) -> None:
        """Stop every watch and the follow (their threads return at once); the app is
        leaving: no worker starts after."""
        self._leaving = True
        self.workloads.stop_watches()
        self.rollback.stop_following()
        self.rollback.stop_pods()

    # ------------------------------------------------------------- connecting
    def _reconnect(self) -> None:
        generation = self.connection.reconnect()
        conn = self.connection
        if conn.connector.ready(conn.requested_context, conn.requested_namespace):
            # Connected and listed while the UI loaded: shown in the first frame, no worker
            # and no message (the first frame may be drawn before a message is handled).
            answer = self._connection(conn.requested_context, conn.requested_namespace, generation)
            if isinstance(answer, Connected):
                self._connected(answer)
            else:
                self._connection_failed(answer)
            return
        self._connect(conn.requested_context, conn.requested_namespace, generation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="connect")
    def _connect(self, context: str | None, namespace: str | None, generation: int) -> None:
        self.post_message(self._connection(context, namespace, generation))

    def _connection(
        self, context: str | None, namespace: str | None, generation: int
    ) -> Connected | ConnectionFailed:
        try:
            gw = self.connection.connect(context, namespace)
        except errors.RollbackError as exc:
            return ConnectionFailed(str(exc), generation)
        return Connected(gw, generation)

    @on(Connected)
    def _connected(self, message: Connected) -> None:
        if self.connection.connected_to(message.gateway, message.generation):
            self.query_one(ContextBar).context = message.gateway.context
            self._open_namespace(message.gateway.namespace)

    @on(ConnectionFailed)
    def _connection_failed(self, message: ConnectionFailed) -> None:
        if not self.connection.failed(message.error, message.generation):
            return
        self.query_one(WorkloadList).clear("not connected")
        self.query_one(RevisionTable).show_message("Not connected", "")
        self.query_one(PreviewPanel).show_text(notes.cannot_connect(message.error))
        self.notify(message.error, title="Cannot connect", severity="error", timeout=10)
        self._refresh_bindings()

    # ------------------------------------------------------------- namespaces
    def _open_namespace(self, namespace: str) -> None:
        gw = self.connection.gw
        assert gw is not None
        self.workloads.stop_watches()
        generation, ask_rbac = self.connection.open_namespace(namespace)
        self.query_one(ContextBar).namespace = namespace
        self.workloads.selected = None
        self.preview.clear()
        self.bluegreen.rows = []
        self.query_one(WorkloadList).clear(f"listing workloads in {namespace}...")
        self.query_one(RevisionTable).show_message("Revisions", "")
        self.query_one(PreviewPanel).show_text("")
        self.query_one(BlueGreenPanel).show_rows([], None)
        self._list_workloads(gw, namespace, generation)
        # After the next frame (at start, the one that shows the workloads): these workers'
        # threads would share the interpreter with drawing it.
        self.after_frame(self._ask_around, gw, namespace, generation, ask_rbac)
        self._refresh_bindings()

    def _ask_around(self, gw: Gateway, namespace: str, generation: int, ask_rbac: bool) -> None:
        """What the namespace's first screen can show a moment later: may the user roll back
        (RBAC), and its blue/green groups."""
        if generation != self.connection.generation or self._leaving:
            return  # the user has moved on (the namespace opened since asks for its own)
        if ask_rbac:
            self._check_permission(gw, namespace, generation)
        self._load_bluegreen(gw, namespace, generation)

    def _list_workloads(self, gw: Gateway, namespace: str, generation: int) -> None:
        try:
            listed = self.connection.connector.take_listing(gw, namespace)
        except errors.RollbackError as exc:
            self.post_message(WorkloadsFailed(namespace, str(exc), generation))
            return
        if listed is not None:
            self._workloads_loaded(WorkloadsLoaded(listed, generation))
        else:
            self._load_workloads(gw, namespace, generation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="workloads")
    def _load_workloads(self, gw: Gateway, namespace: str, generation: int) -> None:
        try:
            listing = self.workloads.load(gw, namespace)
        except errors.RollbackError as exc:
            self.post_message(WorkloadsFailed(namespace, str(exc), generation))
            return
        self.post_message(WorkloadsLoaded(listing, generation))

    @on(WorkloadsLoaded)
    def _workloads_loaded(self, message: WorkloadsLoaded) -> None:
        if message.generation != self.connection.generation:
            return
        listing = message.listing
        table = self.query_one(WorkloadList)
        table.set_workloads(
            listing.summaries,
            select=self.workloads.opening(listing.summaries),
            searched=listing.searched,
        )
        self._apply_layout()
        select, missing = self.workloads.listed(listing, table.summaries)
        if select is not None:
            self._request_history()  # now, rather than when the table has reached its row
            self.show_detail()  # asked for by name: its revisions, even on a narrow terminal
        if not listing.summaries:
            table.clear(
                f"no Deployments, StatefulSets or DaemonSets in namespace {listing.namespace}"
            )
            self.query_one(PreviewPanel).show_text(
                f"namespace {listing.namespace} has no workloads; n switches namespace", "dim"
            )
        if missing is not None:
            self.notify(missing, title="Not found", severity="error", timeout=15)
            self.show_detail()
        for note in listing.notes:
            self.notify(note, severity="warning")
        self.settings.milestone("workloads")
        if not self._frozen:
            # What start-up made (modules, widgets, the first listing) lives as long as the
            # app: moved out of the collector's sight, a full collection no longer stops the
            # UI for 60-100 ms while the user moves (only reference cycles among these
            # objects would outlive them; freed objects are freed as before).
            self._frozen = True
            gc.freeze()
        if self.settings.live and self.connection.gw is not None:
            # The watches start from the listing's resource versions (nothing after it is
            # missed, so what is loaded now may be kept), after the frame that shows it: their
            # threads would share the interpreter with drawing it.
            self.preview.watches_running(True)
            self.after_frame(self._start_watches, listing, message.generation)

    def _start_watches(self, listing: WorkloadListing, generation: int) -> None:
        gw = self.connection.gw
        if generation != self.connection.generation or gw is None or self._leaving:
            return  # another namespace (or none) since: it starts its own
        for plural, version, stop in self.workloads.start_watches(dict(listing.versions)):
            self._watch(gw, plural, listing.namespace, version, stop, generation)

    @on(WorkloadsFailed)
    def _workloads_failed(self, message: WorkloadsFailed) -> None:
        if message.generation != self.connection.generation:
            return
        self.query_one(WorkloadList).clear("cannot list workloads")
        self.query_one(PreviewPanel).show_text(notes.cannot_list(message.ns, message.error))
        self.notify(message.error, title="Cannot list workloads", severity="error", timeout=10)

    # -------------------------------------------------------------- permission
    @work(thread=True, exclusive=True, exit_on_error=False, group="rbac")
    def _check_permission(self, gw: Gateway, namespace: str, generation: int) -> None:
        answers = self.connection.check_permissions(gw, namespace)
        self.post_message(PermissionChecked(namespace, answers, generation))

    @on(PermissionChecked)
    def _permission_checked(self, message: PermissionChecked) -> None:
        # The preview says why rolling back is unavailable: redo it only when that changed.
        if self.connection.permissions_checked(message.ns, message.answers):
            self._refresh_bindings()
            self._repreview()

    # --------------------------------------------------------------- live watch
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
        self.workloads.watch(
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
        if message.generation == self.connection.generation:
            self.query_one(ContextBar).live = "live updates paused" if message.error else ""
            self.preview.watches_running(not message.error)

    @on(ResourceEvents)
    def _resource_events(self, message: ResourceEvents) -> None:
        if message.generation != self.connection.generation:
            return
        kind = self.workloads.kind_of(message.plural)
        if kind is None:
            self._replicaset_events(message)
            return
        changes = self.workloads.workload_events(
            kind, message.events, self.preview.resource_version
        )
        table = self.query_one(WorkloadList)
        for key in changes.removed:
            table.remove_workload(key)
        for summary in changes.upserts:
            table.upsert(summary)
        if changes.reload_selected:
            self._schedule_history(LIVE_RELOAD_DEBOUNCE)
        if changes.relisted is not None:
            others = [s for s in table.summaries.values() if s.kind != kind]
            table.set_workloads([*changes.relisted, *others])

    def _replicaset_events(self, message: ResourceEvents) -> None:
        self.preview.replicasets_changed(message.events)
        changes = self.workloads.replicaset_events(message.events, self.preview.deployment_uid)
        rollout = self.query_one(RolloutView)
        if rollout.display:
            for obj in changes.updated:
                rollout.update_replicaset(obj)
            for name in changes.removed:
                rollout.remove_replicaset(name)
        if changes.touched:
            self._schedule_history(LIVE_RELOAD_DEBOUNCE)

    # ----------------------------------------------------------------- history
    @on(WorkloadList.Highlighted)
    def _workload_highlighted(self, message: WorkloadList.Highlighted) -> None:
        summary = message.summary
        now = self.query_one(WorkloadList).highlighted
        if (summary.key if summary else None) != (now.key if now else None):
            # Posted before the list changed under it (the "listing..." list cleared while the
            # workloads were already shown): the cursor's own message follows. Acting on it
            # would drop the selection and load its history a second time.
            return
        missing = self.workloads.missing
        step = self.workloads.highlight(
            summary,
            following=self.rollback.following,
            shown=lambda: (
                summary is not None
                and self.preview.is_loading_or_loaded(self.connection.namespace, summary.key)
            ),
        )
        if step is Highlight.KEEP:
            return
        self.preview.loaded = self.preview.plan = None
        self.banner = None
        self._refresh_bindings()
        revisions, panel = self.query_one(RevisionTable), self.query_one(PreviewPanel)
        if step is Highlight.LOAD and summary is not None:
            cached = self.preview.cached(self.connection.namespace, summary)
            if cached is not None:
                self._cancel_history_timer()
                self._show_history(cached)
                return
            revisions.show_message(
                f"{summary.kind.lower()}.apps/{summary.name}", "loading revisions..."
            )
            panel.show_text("")
            self._history_wanted()
            return
        self._cancel_history_timer()
        if step is Highlight.MISSING and missing is not None:
            revisions.show_message(f"✖ {missing}", "")
            panel.show_text(notes.not_found(missing))
        elif step is Highlight.UNSUPPORTED and summary is not None:
            title = f"{summary.short_kind}/{summary.name}   {summary.ready}/{summary.desired} ready"
            revisions.show_message(title, summary.unsupported or "")
            panel.show_text(notes.unsupported(summary))
        else:
            revisions.show_message("Revisions", "")

    @on(WorkloadList.Chosen)
    def _workload_chosen(self, message: WorkloadList.Chosen) -> None:
        self.workloads.parked = None  # Enter on the row the not-found left the cursor on
        selected = self.workloads.selected
        if selected is None or selected.key != message.summary.key:
            self._workload_highlighted(WorkloadList.Highlighted(message.summary))
        self.show_detail()
        if not message.summary.unsupported:
            self.query_one(RevisionTable).table.focus()
        else:
            self.query_one(PreviewPanel).focus()

    def _cancel_history_timer(self) -> None:
        if self._history_timer is not None:
            self._history_timer.stop()
            self._history_timer = None

    def _history_wanted(self) -> None:
        """The cursor landed on a workload to load: at once, unless it is moving in a burst
        (then where the burst ends, ``HISTORY_DEBOUNCE`` after the last move)."""
        self._cancel_history_timer()
        if self._burst_timer is None:
            self._burst_moved = False
            self._request_history()
        else:
            self._burst_timer.stop()
            self._burst_moved = True
        self._burst_timer = self.set_timer(HISTORY_DEBOUNCE, self._burst_ended)

    def _burst_ended(self) -> None:
        self._burst_timer = None
        if self._burst_moved:
            self._burst_moved = False
            self._request_history()

    def _schedule_history(self, delay: float) -> None:
        self._cancel_history_timer()
        self._history_timer = self.set_timer(delay, self._request_history)

    def _request_history(self) -> None:
        self._history_timer = None
        summary = self.workloads.selected
        gw = self.connection.gw
        if summary is None or summary.unsupported or gw is None:
            return
        namespace = self.connection.namespace
        self.preview.loading = (namespace, summary.kind, summary.name)
        self._load_history(gw, namespace, summary.kind, summary.name, self.connection.generation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="history")
    def _load_history(
        self, gw: Gateway, namespace: str, kind: str, name: str, generation: int
    ) -> None:
        try:
            loaded = preview.load(gw, namespace, kind, name, now=self.settings.now_fn())
        except errors.RollbackError as exc:
            self.post_message(HistoryFailed(namespace, kind, name, str(exc), generation))
            return
        self.post_message(HistoryLoaded(loaded, generation))

    @on(HistoryLoaded)
    def _history_loaded(self, message: HistoryLoaded) -> None:
        loaded = message.loaded
        selected = self.workloads.selected
        if (
            message.generation != self.connection.generation
            or selected is None
            or selected.key != (loaded.kind, loaded.name)
        ):
            return
        self._show_history(loaded)

    def _show_history(self, loaded: LoadedHistory) -> None:
        """The revisions and the preview of ``loaded``, the selected workload's history (just
        loaded, or kept from before)."""
        key = (loaded.kind, loaded.name)
        focused = self.workloads.focus == key
        if focused:
            self.workloads.focus = None
        select, error = self.preview.accept(loaded, focused=focused)
        if error is not None:
            self.notify(error, severity="error")
        number = self.query_one(RevisionTable).show(
            loaded.history,
            loaded.default_plan,
            self.settings.now_fn,
            select=select,
            plan_error=loaded.plan_error,
        )
        current = loaded.history.current
        listed = self.query_one(WorkloadList).summaries.get(key)
        if current is not None and listed is not None:
            row = self.workloads.revision_seen(listed, current.number)
            if row is not None:
                self.query_one(WorkloadList).upsert(row)
        if not loaded.history.revisions:
            self.query_one(PreviewPanel).show_text(loaded.plan_error or "no revisions", "yellow")
        self._refresh_bindings()
        if number is not None:
            self._preview(number)  # in the same layout and frame as the revisions
        self.settings.milestone(f"history:{loaded.name}")

    @on(HistoryFailed)
    def _history_failed(self, message: HistoryFailed) -> None:
        if message.generation != self.connection.generation:
            return
        self.preview.loading = None
        self.query_one(RevisionTable).show_message(
            f"{message.kind.lower()}.apps/{message.name}", ""
        )
        self.query_one(PreviewPanel).show_text(
            notes.cannot_load_history(message.name, message.error)
        )
        self.notify(message.error, title="Cannot load history", severity="error")

    @on(RevisionTable.Highlighted)
    def _revision_highlighted(self, message: RevisionTable.Highlighted) -> None:
        self._preview(message.number)

    def _repreview(self) -> None:
        number = self.query_one(RevisionTable).highlighted
        if number is not None and self.preview.history is not None:
            self._preview(number)

    def _preview(self, number: int) -> None:
        history = self.preview.history
        if history is None:
            return
        try:
            plan = self.preview.plan_for(number, now=self.settings.now_fn())
        except errors.RollbackError as exc:
            self.query_one(PreviewPanel).show_text(f"✖ {exc}", "red")
            self._refresh_bindings()
            return
        if not self.rollback.following:
            self.query_one(PreviewPanel).show_plan(
                plan,
                history.revision(number),
                self.rollback_unavailable(),
                self.banner,
                nothing=self.preview.nothing_to_roll_back(plan),
                default_target=self.preview.default_target,
                revisions=history.revisions,
                now=self.settings.now_fn(),
            )
        self._refresh_bindings()

    # --------------------------------------------------------------- rollback
    def rollback_unavailable(self) -> str | None:
        """Why the roll-back action is disabled now (None: it is enabled)."""
        return self.rollback.unavailable(
            read_only=self.settings.read_only,
            connection=self.connection,
            selected=self.workloads.selected,
            history_loaded=self.preview.history is not None,
        )

    def switch_unavailable(self) -> str | None:
        """Why the blue/green rapid rollback is disabled now (None: it is enabled)."""
        return self.bluegreen.unavailable(
            read_only=self.settings.read_only,
            connection=self.connection,
            selected=self.workloads.selected,
        )

    def _refresh_bindings(self) -> None:
        """Refresh the footer when an action became available or unavailable, not otherwise.

        Every refresh has Textual work out the active bindings again and the footer repaint
        (it used to recompose it, tens of milliseconds): not on each cursor move or answer
        from the cluster.
        """
        state = (
            self.rollback_unavailable() in (None, HISTORY_LOADING),
            self.switch_unavailable() is None,
        )
        if state != self._bindings_state:
            self._bindings_state = state
            self.refresh_bindings()

    def releases_unavailable(self) -> str | None:
        """Why the Releases view cannot open now (None: it can)."""
        return None if self.connection.connected else "not connected"

    def action_releases(self) -> None:
        reason = self.releases_unavailable()
        gw = self.connection.gw
        if reason is not None or gw is None:
            self.notify(f"cannot list the releases: {reason}", severity="warning")
            return
        from .releases import ReleasesScreen  # loaded when first opened, not at start-up

        self.app.push_screen(
            ReleasesScreen(self.settings, gw, self.connection.namespace, self.connection)
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "rollback":
            return True if self.rollback_unavailable() in (None, HISTORY_LOADING) else None
        if action == "switch_traffic":
            return None if self.switch_unavailable() else True
        return True

    def action_why(self, action: str) -> None:
        """A dimmed key was pressed: its action says why it is unavailable."""
        getattr(self, f"action_{action}")()

    def action_rollback(self) -> None:
        reason = self.rollback_unavailable()
        if reason is not None:
            self.notify(f"cannot roll back: {reason}", severity="warning")
            return
        plan = self.preview.plan
        notice = self.rollback.before_confirming(
            plan, plan_error=self.preview.plan_error, no_default=self.preview.default_plan is None
        )
        if notice is not None or plan is None:
            if notice is not None:
                self._say(notice)
            return
        from . import confirm  # the dialogs load when first asked for

        self.banner = None
        self.app.push_screen(
            confirm.ConfirmRollback(plan), callback=lambda ok: self._confirmed(plan, bool(ok))
        )

    def _confirmed(self, plan: RollbackPlan, ok: bool) -> None:
        if not ok:
            self.notify("rollback cancelled; nothing was changed")
            return
        if self.connection.gw is None:
            return
        self.rollback.send(plan)
        self._refresh_bindings()
        self._execute(self.connection.gw, plan)

    @work(thread=True, exclusive=True, exit_on_error=False, group="rollback")
    def _execute(self, gw: Gateway, plan: RollbackPlan) -> None:
        answer = rollback.execute(gw, plan, now=self.settings.now_fn())
        if isinstance(answer, RollbackResult):
            self.post_message(RollbackApplied(answer))
        else:
            self.post_message(RollbackFailed(answer))

    @on(RollbackFailed)
    def _rollback_failed(self, message: RollbackFailed) -> None:
        failure = message.failure
        self._say(self.rollback.failed(failure))
        self._refresh_bindings()
        self.banner = Text.assemble((f"✖ {failure.head}: ", "bold red"), (failure.error, "red"))
        self.query_one(PreviewPanel).show_text(self.banner)
        self._schedule_history(0.01)

    @on(RollbackApplied)
    async def _rollback_applied(self, message: RollbackApplied) -> None:
        result = message.result
        self.notify(result.message, title="Rolled back")
        if not self.rollback.applied_now(result) or self.connection.gw is None:
            self.rollback.following = False
            return
        view = self.query_one(RolloutView)
        await view.prepare()  # its parts, at the first rollout (the messages after wait)
        plan = result.plan
        history = self.preview.history
        by_replicasets = kind_named(plan.ref.kind).revision_resource is REPLICASETS
        rows = [
            ReplicaSetRow(r.object_name, str(r.number), r.desired, r.desired, r.ready, r.available)
            for r in (history.revisions if history is not None and by_replicasets else ())
        ]
        self.query_one(PreviewPanel).display = False
        self.show_detail()
        view.display = True
        now_fn = self.settings.now_fn
        live = pods.LivePods.of(plan, history, now=now_fn()) if history is not None else None
        view.start(plan, history.replicas if history else 1, rows, live, now_fn)
        if result.workload and not by_replicasets:
            view.update_workload(dict(result.workload))
        stop = self.rollback.start_following()
        self._follow(self.connection.gw, plan, stop, rollback.follow_timeout(history))
        if live is not None:
            watching = self.rollback.watch_pods()
            self._watch_pods(self.connection.gw, plan.ref.namespace, live.selector, watching)

    @work(thread=True, exit_on_error=False, group="pods")
    def _watch_pods(self, gw: Gateway, namespace: str, selector: str, stop: StopSignal) -> None:
        pods.watch(
            gw,
            namespace,
            selector,
            stop,
            lambda events: self.post_message(PodEvents(events, stop)),
            lambda trouble: self.post_message(PodEvents([], stop, trouble or "")),
        )

    @on(PodEvents)
    def _pod_events(self, message: PodEvents) -> None:
        view = self.query_one(RolloutView)
        if message.stop is not self.rollback.pods_stop or not view.display:
            return
        if message.trouble is not None:
            view.pods_trouble(message.trouble or None)
        view.update_pods(message.events)

    @work(thread=True, exclusive=True, exit_on_error=False, group="follow")
    def _follow(
        self, gw: Gateway, plan: RollbackPlan, stop: StopSignal, timeout_seconds: int
    ) -> None:
        def on_status(status: RolloutStatus) -> None:
            self.post_message(RolloutProgress(status))

        def on_workload(obj: dict[str, Any]) -> None:
            self.post_message(WorkloadObserved(obj))

        end = rollback.follow(
            gw,
            plan,
            stop,
            timeout_seconds,
            now_fn=self.settings.now_fn,
            on_status=on_status,
            on_workload=on_workload,
        )
        self.post_message(RolloutEnded(end))

    @on(RolloutProgress)
    def _rollout_progress(self, message: RolloutProgress) -> None:
        self.query_one(RolloutView).update_status(message.status)

    @on(WorkloadObserved)
    def _workload_observed(self, message: WorkloadObserved) -> None:
        view = self.query_one(RolloutView)
        if view.display and view.finished is None:
            view.update_workload(message.obj)

    @on(RolloutEnded)
    def _rollout_ended(self, message: RolloutEnded) -> None:
        end = message.end
        view = self.query_one(RolloutView)
        notice = self.rollback.ended(end, advice=view.advice)
        view.finish(end.outcome, cancelled=end.cancelled, error=end.error)
        self._refresh_bindings()
        if notice is not None:
            self._say(notice)
        self._schedule_history(0.01)

    def action_back(self) -> None:
        box = self.query_one(WorkloadList).filter_box
        if box is not None and box.display and box.has_focus:
            self.query_one(WorkloadList).close_filter()
            return
        view = self.query_one(RolloutView)
        if view.display:
            if view.finished is None and self.rollback.stop_following():
                return
            view.display = False
            self.rollback.stop_pods()
            self.query_one(PreviewPanel).display = True
            self._repreview()
            return
        if self.panes.back(self.shape.narrow):
            self._apply_layout()
            self.query_one(WorkloadList).table.focus()
            return
        if (box is not None and box.display) or self.query_one(WorkloadList).filter_text:
            self.query_one(WorkloadList).close_filter()

    # ----------------------------------------------------------- blue/green
    @work(thread=True, exclusive=True, exit_on_error=False, group="bluegreen")
    def _load_bluegreen(self, gw: Gateway, namespace: str, generation: int) -> None:
        rows, note = bluegreen.load(gw, namespace)
        self.post_message(BlueGreenLoaded(namespace, rows, note, generation))

    @on(BlueGreenLoaded)
    def _bluegreen_loaded(self, message: BlueGreenLoaded) -> None:
        if message.generation == self.connection.generation:
            self.bluegreen.rows = message.rows
            self.query_one(BlueGreenPanel).show_rows(message.rows, message.note)
            self._refresh_bindings()

    def action_switch_traffic(self) -> None:
        reason = self.switch_unavailable()
        group = self.bluegreen.group(self.workloads.selected)
        gw = self.connection.gw
        if reason or group is None or gw is None:
            self.notify(f"cannot switch traffic: {reason}", severity="warning")
            return
        self._prepare_switch(gw, self.connection.namespace, group.primary)

    @work(thread=True, exclusive=True, exit_on_error=False, group="switch")
    def _prepare_switch(self, gw: Gateway, namespace: str, service_name: str) -> None:
        plan = bluegreen.prepare(gw, namespace, service_name, now=self.settings.now_fn())
        if isinstance(plan, SwitchFailed):
            self.post_message(Problem(plan.error, plan.title))
        else:
            self.post_message(SwitchPlanned(plan))

    @on(SwitchPlanned)
    def _switch_planned(self, message: SwitchPlanned) -> None:
        plan = message.plan
        notice = self.bluegreen.planned(plan)
        if notice is not None:
            self._say(notice)
            return

        def confirmed(ok: bool | None) -> None:
            if not ok:
                self.notify("traffic switch cancelled; nothing was changed")
            elif self.connection.gw is not None:
                self._switch(self.connection.gw, plan)

        from . import confirm

        self.app.push_screen(confirm.ConfirmSwitch(plan), callback=confirmed)

    @work(thread=True, exclusive=True, exit_on_error=False, group="switch")
    def _switch(self, gw: Gateway, plan: Any) -> None:
        result = bluegreen.switch(gw, plan, now=self.settings.now_fn())
        if isinstance(result, SwitchFailed):
            self.post_message(Problem(result.error, result.title))
        else:
            self.post_message(SwitchDone(result))

    @on(SwitchDone)
    def _switch_done(self, message: SwitchDone) -> None:
        self.notify(message.result.message, title="Traffic switched")
        if self.connection.gw is not None:
            self._load_bluegreen(
                self.connection.gw, self.connection.namespace, self.connection.generation
            )

    # ------------------------------------------------------ other actions
    async def action_filter(self) -> None:
        await self.query_one(WorkloadList).open_filter()

    def action_refresh(self) -> None:
        if not self.connection.connected:
            self._reconnect()
            return
        self.workloads.refocus()
        self._open_namespace(self.connection.namespace)

    def action_namespace(self) -> None:
        gw = self.connection.gw
        if gw is not None:
            self._pick(
                lambda: self.connection.namespace_choice(gw),
                self._namespace_chosen,
                "Cannot list namespaces",
            )

    def _namespace_chosen(self, name: str) -> None:
        if self.connection.gw is not None:
            self._open_namespace(name)

    def action_context(self) -> None:
        self._pick(self.connection.context_choice, self.switch_context, "Cannot read contexts")

    @work(thread=True, exclusive=True, exit_on_error=False, group="pick")
    def _pick(
        self, load: Callable[[], Choice], chosen: Callable[[str], object], failure: str
    ) -> None:
        try:
            self.post_message(ChoiceListed(load(), chosen))
        except errors.RollbackError as exc:
            self.post_message(Problem(str(exc), failure))

    @on(ChoiceListed)
    def _choose(self, message: ChoiceListed) -> None:
        choice = message.choice

        def picked(name: str | None) -> None:
            if name and name != choice.current:
                message.chosen(name)

        from .picker import PickOne

        self.app.push_screen(PickOne(choice.title, choice.names, choice.current), picked)

    def switch_context(self, context: str) -> None:
        generation = self.connection.switch_context(context)
        self.workloads.stop_watches()
        self.query_one(ContextBar).context = context
        self.query_one(WorkloadList).clear(f"connecting to {context}...")
        self._connect(context, None, generation)

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
                self.rollback.crashed()
                self._refresh_bindings()

    @on(LightTable.Chosen, "#revisions-table")
    def _revision_selected(self) -> None:
        self.query_one(PreviewPanel).focus()
