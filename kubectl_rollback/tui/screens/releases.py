"""The Releases screen: the namespace's releases, the highlighted one's plan, its rollback.

Only widgets, keys and workers: the rules are ``controllers.releases``'. Opened from the
main screen (``R``) on its connection and namespace; esc goes back to the workloads.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from ...core import errors
from ...core.release import ReleaseGroup, ReleasePlan, WorkloadStep
from ...core.status import RolloutStatus
from ..cluster import Gateway, StopSignal
from ..controllers import releases
from ..controllers.connection import ConnectionController
from ..controllers.releases import ReleasesController
from ..controllers.rollback import Notice
from ..messages import (
    ReleaseExecuted,
    ReleasePlanned,
    ReleaseRolloutEnded,
    ReleaseRolloutProgress,
    ReleasesLoaded,
)
from ..settings import Settings
from ..widgets.footer import KeysFooter
from .confirm import ConfirmRelease

COLUMNS = ("RELEASE", "SOURCE", "LAST OK", "WORKLOADS")


class ReleasesScreen(Screen[None]):
    """Releases on top; the highlighted release's plan (or its rollouts) below."""

    CSS_PATH = "releases.tcss"
    """Read when the screen first opens (not with app.tcss, before the first frame)."""
    BINDINGS = [
        Binding(
            "r",
            "release_rollback",
            "Roll back release",
            id="release-rollback",
            tooltip="Roll every workload of the highlighted release back (asks first)",
        ),
        Binding("ctrl+r", "refresh", "Refresh", id="release-refresh", tooltip="List again"),
        Binding(
            "escape",
            "back",
            "Back",
            id="release-back",
            tooltip="Stop watching the rollouts; again: back to the workloads",
        ),
    ]

    def __init__(
        self, settings: Settings, gw: Gateway, namespace: str, connection: ConnectionController
    ) -> None:
        super().__init__()
        self.settings = settings
        self.gw = gw
        self.namespace = namespace
        self.connection = connection
        self.releases = ReleasesController()
        self.generation = 0

    def compose(self) -> ComposeResult:
        yield Static(
            f"Releases in namespace {self.namespace}"
            + ("   [read-only]" if self.settings.read_only else ""),
            id="releases-title",
            classes="pane-title",
        )
        table: DataTable[str] = DataTable(
            id="releases-table", cursor_type="row", zebra_stripes=True
        )
        yield table
        yield Static("", id="release-banner")
        with ScrollableContainer(id="release-preview"):
            yield Static("", id="release-preview-body")
        with Vertical(id="release-follow"):
            yield Static("", id="release-follow-title", classes="pane-title")
            yield Static("", id="release-follow-lines")
            yield Static("", id="release-follow-outcome")
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one("#releases-table", DataTable)
        table.add_columns(*COLUMNS)
        self.query_one("#release-follow").display = False
        self._banner(None)
        self._show(Text(f"listing the releases of {self.namespace}...", style="dim"))
        table.focus()
        self._reload()

    def on_unmount(self) -> None:
        self.releases.stop_everything()

    def _show(self, body: Text) -> None:
        self.query_one("#release-preview-body", Static).update(body)
        self.query_one("#release-preview", ScrollableContainer).scroll_home(animate=False)

    def _banner(self, text: Text | None) -> None:
        """A failed release rollback, shown above the (fresh) plan until the user moves on."""
        banner = self.query_one("#release-banner", Static)
        banner.update(text or "")
        banner.display = text is not None

    def _say(self, notice: Notice) -> None:
        self.notify(
            notice.message, title=notice.title, severity=notice.severity, timeout=notice.timeout
        )

    # --------------------------------------------------------------- the list
    def _reload(self) -> None:
        self.generation += 1
        self._load(self.gw, self.namespace, self.generation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="releases")
    def _load(self, gw: Gateway, namespace: str, generation: int) -> None:
        try:
            listing = releases.load(gw, namespace)
        except errors.RollbackError as exc:
            self.post_message(ReleasesLoaded(None, str(exc), generation))
            return
        self.post_message(ReleasesLoaded(listing, None, generation))

    @on(ReleasesLoaded)
    def _loaded(self, message: ReleasesLoaded) -> None:
        if message.generation != self.generation:
            return
        table = self.query_one("#releases-table", DataTable)
        if message.listing is None:
            self._show(Text(f"✖ cannot list the releases: {message.error}", style="red"))
            return
        highlight = self.releases.listed_now(message.listing)
        table.clear()
        for row in self.releases.rows:
            table.add_row(
                row.group.name, row.group.source, row.last_text, row.workloads_text, key=row.key
            )
        self.refresh_bindings()
        if highlight is None:
            self._show(
                Text(
                    f"No releases found in namespace {self.namespace} (Harness, Helm, Argo CD "
                    "or Flux mark the workloads they deploy).   esc back to the workloads",
                    style="dim",
                )
            )
            return
        index = self.releases.rows.index(highlight)
        table.move_cursor(row=index)
        if index == 0:  # moving to the row it is on already highlights nothing
            self._highlight(highlight.key)

    @on(DataTable.RowHighlighted, "#releases-table")
    def _row_highlighted(self, message: DataTable.RowHighlighted) -> None:
        if message.row_key.value is not None:
            self._highlight(message.row_key.value)

    def _highlight(self, key: str) -> None:
        if self.releases.highlighted == key and (
            self.releases.plan is not None or self.releases.plan_error is not None
        ):
            return
        if self.releases.highlighted not in (None, key):
            self._banner(None)
        row = self.releases.highlight(key)
        if row is None:
            return
        if not self.releases.following:
            self._show(Text(f"planning the rollback of {row.group.display}...", style="dim"))
        self.refresh_bindings()
        self._plan(self.gw, row.group, key, self.generation)

    # ---------------------------------------------------------------- the plan
    @work(thread=True, exclusive=True, exit_on_error=False, group="release-plan")
    def _plan(self, gw: Gateway, group: ReleaseGroup, key: str, generation: int) -> None:
        answer = releases.prepare(gw, group, now=self.settings.now_fn())
        self.post_message(ReleasePlanned(key, answer, generation))

    @on(ReleasePlanned)
    def _planned(self, message: ReleasePlanned) -> None:
        if message.generation != self.generation:
            return
        if not self.releases.planned(message.key, message.answer):
            return
        self.refresh_bindings()
        if not self.releases.following:
            self._show_plan()

    def _show_plan(self) -> None:
        plan = self.releases.plan
        if plan is None:
            error = self.releases.plan_error
            self._show(Text(f"✖ {error}", style="red") if error else Text(""))
            return
        why = self.unavailable()
        if why is not None:
            head = Text(f"⊘ roll back unavailable: {why}", style="bold yellow")
        elif plan.noop is not None:
            head = Text(plan.noop, style="yellow")
        else:
            head = Text("r rolls the whole release back (asks first)", style="dim")
        lines = Text("\n".join(releases.plan_lines(plan)), no_wrap=True, overflow="ignore")
        self._show(Text("\n").join([head, Text(""), lines]))

    # ------------------------------------------------------------ rolling back
    def unavailable(self) -> str | None:
        return self.releases.unavailable(
            read_only=self.settings.read_only, connection=self.connection
        )

    def action_release_rollback(self) -> None:
        reason = self.unavailable()
        plan = self.releases.plan
        if reason is not None or plan is None:
            self.notify(f"cannot roll back the release: {reason}", severity="warning")
            return
        notice = self.releases.before_confirming(plan)
        if notice is not None:
            self._say(notice)
            return
        self.app.push_screen(ConfirmRelease(plan), callback=lambda ok: self._confirmed(plan, ok))

    def _confirmed(self, plan: ReleasePlan, ok: bool | None) -> None:
        if not ok:
            self.notify("release rollback cancelled; nothing was changed")
            return
        self.releases.send(plan)
        self._banner(None)
        self.refresh_bindings()
        self._show(Text(f"rolling back {plan.group.display}...", style="bold"))
        self._execute(self.gw, plan)

    @work(thread=True, exclusive=True, exit_on_error=False, group="release-rollback")
    def _execute(self, gw: Gateway, plan: ReleasePlan) -> None:
        self.post_message(ReleaseExecuted(releases.execute(gw, plan, now=self.settings.now_fn())))

    @on(ReleaseExecuted)
    def _executed(self, message: ReleaseExecuted) -> None:
        answer = message.answer
        if isinstance(answer, releases.ExecuteFailed):
            self._say(self.releases.failed(answer))
            self.refresh_bindings()
            self._banner(Text.assemble((f"✖ {answer.head}: ", "bold red"), (answer.message, "red")))
            self._show(Text(f"planning {answer.plan.group.display} again...", style="dim"))
            self._reload()  # the plan again, from the release as it is now
            return
        steps = self.releases.applied(answer)
        self.notify(answer.message, title="Release rolled back")
        for line in answer.record_errors:
            self.notify(line, title="Release records", severity="warning", timeout=15)
        self.query_one("#release-preview").display = False
        self.query_one("#release-follow").display = True
        self.query_one("#release-follow-title", Static).update(
            f"Rolling back {answer.plan.group.display}: {len(steps)} workload(s)"
        )
        self._render_follow()
        for step, stop in steps:
            self._follow(self.gw, step, stop)
        if not steps:
            self.refresh_bindings()

    @work(thread=True, exit_on_error=False, group="release-follow")
    def _follow(self, gw: Gateway, step: WorkloadStep, stop: StopSignal) -> None:
        ref = step.ref

        def on_status(status: RolloutStatus) -> None:
            self.post_message(ReleaseRolloutProgress(ref, status))

        end = releases.follow(gw, step, stop, now_fn=self.settings.now_fn, on_status=on_status)
        self.post_message(ReleaseRolloutEnded(ref, end))

    @on(ReleaseRolloutProgress)
    def _progress(self, message: ReleaseRolloutProgress) -> None:
        self.releases.progress(message.ref, message.status)
        self._render_follow()

    @on(ReleaseRolloutEnded)
    def _ended(self, message: ReleaseRolloutEnded) -> None:
        notice = self.releases.ended(message.ref, message.end)
        self._render_follow()
        if notice is not None:
            self._say(notice)
            self.refresh_bindings()
            self._reload()

    def _render_follow(self) -> None:
        styles = {"✔": "green", "✖": "red", "⏹": "yellow", "…": ""}
        lines = [
            Text.assemble((mark + " ", styles[mark]), line)
            for mark, line in self.releases.follow_lines()
        ]
        result = self.releases.result
        if result is not None:
            lines += [
                Text(f"release record updated: {u}", style="dim") for u in result.records_written
            ]
        self.query_one("#release-follow-lines", Static).update(Text("\n").join(lines))
        outcome = self.query_one("#release-follow-outcome", Static)
        line, severity = self.releases.outcome()
        if self.releases.following:
            outcome.update(
                Text("esc stop watching (the rollouts go on; nothing is undone)", style="dim")
            )
        else:
            style = {"information": "green", "warning": "yellow", "error": "red"}[severity]
            mark = {"information": "✔", "warning": "⏹", "error": "✖"}[severity]
            outcome.update(Text(f"{mark} {line}   esc back to the releases", style=style))

    # ------------------------------------------------------------------- keys
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Always enabled: pressing r when it cannot act says why (the preview says so too).
        return True

    def action_refresh(self) -> None:
        if not self.releases.following:
            self._reload()

    def action_back(self) -> None:
        follow = self.query_one("#release-follow")
        if follow.display:
            if self.releases.stop_following():
                return
            if self.releases.sending is not None:
                return
            follow.display = False
            self.query_one("#release-preview").display = True
            self._show_plan()
            return
        self.dismiss(None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Workers catch the errors users can cause; anything else is a bug, shown, never a crash.
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            self.notify(
                f"{type(error).__name__}: {error}",
                title="Unexpected error",
                severity="error",
                timeout=15,
            )
            if event.worker.group in ("release-rollback", "release-follow"):
                self.releases.crashed(f"{type(error).__name__}: {error}")
                self.refresh_bindings()
