"""The Textual application: configuration, global keys, the command palette and the first screen."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from ..core.model import WorkloadRef
from ..core.target import TargetSpec
from .cluster import Connector
from .collector import CHECK_EVERY, Collector
from .controllers import layout, rollback
from .palette import RollbackCommands
from .screens.main import MainScreen
from .settings import Settings

if TYPE_CHECKING:
    from .screens.help import HelpRow
    from .screens.releases import ReleasesScreen

RELEASES_MODULE = f"{__package__}.screens.releases"
"""Loaded when the Releases view first opens (not at start-up): until then none is open."""

SIGNAL_WAIT_SECONDS = 30.0
"""How long a signal waits for a rollback PATCH on its way to be answered before the app leaves."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RollbackApp(App[None]):
    """``kubectl rollback`` in a terminal.

    ``now_fn`` is the clock for ages and the header (the simulated cluster's
    clock in tests and --demo); ``live`` False turns the watches off (the
    manual refresh key still works); ``workload``/``target`` open the app on
    that workload (a ``workload_kind``: Deployment, StatefulSet or DaemonSet) with
    that target highlighted (default: the core's default).

    ``handle_signals``: SIGTERM and SIGINT (``kill -INT``; Ctrl-C in the app is a key)
    make the app leave cleanly, the terminal restored: a rollback PATCH on its way is
    answered first, the follow stops (the rollout goes on in the cluster), and
    ``stopped_by`` / ``stop_message`` say which signal and what was left how.
    """

    CSS_PATH = "app.tcss"
    TITLE = "kubectl rollback"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = {RollbackCommands}
    """Only this app's actions: Textual's own (theme, screenshot, maximize...) mean nothing
    here, and its Keys and Quit would repeat ours."""
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit", tooltip="Leave (a rollout in progress goes on)"),
        Binding("question_mark", "help", "Help", id="help", key_display="?", tooltip="Every key"),
        Binding(
            "ctrl+p",
            "command_palette",
            "Palette",
            id="palette",
            show=False,
            tooltip="every action by name",
        ),
    ]

    def __init__(
        self,
        *,
        connector: Connector | None = None,
        namespace: str | None = None,
        context: str | None = None,
        read_only: bool = False,
        now_fn: Callable[[], datetime] | None = None,
        workload: str | None = None,
        target: TargetSpec | None = None,
        live: bool = True,
        display_tz: tzinfo | None = None,
        workload_kind: str = "Deployment",
        handle_signals: bool = False,
        demo: bool = False,
        collector: Collector | None = None,
    ) -> None:
        super().__init__()
        self.demo = demo
        """The cluster is the in-process demo one: it stops when the UI does."""
        self.parting_line: str | None = None
        """What the terminal says after the UI closed (quit while a rollout goes on)."""
        self.connector = connector or Connector()
        self.read_only = read_only
        self.now_fn: Callable[[], datetime] = now_fn or _utc_now
        self.live = live
        self.display_tz: tzinfo = display_tz or UTC
        self._start_namespace = namespace
        self._start_context = context
        self._start_workload = workload
        self._start_kind = workload_kind
        self._start_target = target
        self.started_at = time.perf_counter()
        self.timings: dict[str, float] = {}
        """Seconds from start to milestones (``workloads``, ``history:<name>``): for
        bench/bench_tui.py."""
        self._handle_signals = handle_signals
        self.stopped_by: int | None = None
        """The signal that ended the app (None: the user quit)."""
        self.stop_message: str | None = None
        """What was left how when a signal ended the app (a rollout going on, ...)."""
        self._signal_deadline = 0.0
        self.collector = collector
        """When the garbage collector runs (run_app's: on once the first frame is drawn, its
        full collections while the user is idle); None: Python's own schedule."""

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        return ()

    def on_resize(self) -> None:
        # Dialogs drop their spacing on a small terminal (app.tcss).
        width, height = self.size
        self.set_class(width < layout.NARROW_BELOW, "-narrow-terminal")
        self.set_class(height < layout.SHORT_BELOW, "-short-terminal")

    def on_mount(self) -> None:
        self.on_resize()
        if self.collector is not None:
            self.set_interval(CHECK_EVERY, self.collector.idle, name="collector")
        if self._handle_signals:
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, self._signalled, signum)

    def get_default_screen(self) -> MainScreen:
        # The app's first screen, rather than Textual's blank one with ours pushed over it:
        # a screen fewer to compose, style and lay out before the first frame.
        return MainScreen(
            Settings(
                connector=self.connector,
                read_only=self.read_only,
                live=self.live,
                now_fn=self.now_fn,
                display_tz=self.display_tz,
                milestone=self.milestone,
            ),
            namespace=self._start_namespace,
            context=self._start_context,
            workload=self._start_workload,
            target=self._start_target,
            workload_kind=self._start_kind,
        )

    @property
    def main_screen(self) -> MainScreen | None:
        return next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)

    @property
    def releases_screen(self) -> ReleasesScreen | None:
        module = sys.modules.get(RELEASES_MODULE)
        if module is None:
            return None
        return next((s for s in self.screen_stack if isinstance(s, module.ReleasesScreen)), None)

    def _sending(self) -> bool:
        """A rollback PATCH (of a workload or a release) is on its way, not answered yet."""
        main, releases = self.main_screen, self.releases_screen
        return (main is not None and main.rollback.sending is not None) or (
            releases is not None and releases.releases.sending is not None
        )

    def milestone(self, name: str) -> None:
        self.timings.setdefault(name, time.perf_counter() - self.started_at)
        if name == "frame" and self.collector is not None:
            self.collector.drawn()

    async def on_event(self, event: events.Event) -> None:
        if self.collector is not None and isinstance(event, events.InputEvent):
            self.collector.input()
        await super().on_event(event)

    def help_rows(self) -> list[HelpRow]:
        main = self.main_screen
        rows: list[HelpRow] = []
        for binding in [*MainScreen.BINDINGS, *self.BINDINGS]:
            assert isinstance(binding, Binding)
            if binding.action.startswith("why("):
                continue  # the fallback of a dimmed key: the key's own row says why
            why: str | None = None
            if main is not None and binding.action == "rollback":
                why = main.rollback_unavailable()
            elif main is not None and binding.action == "switch_traffic":
                why = main.switch_unavailable()
            elif main is not None and binding.action == "releases":
                why = main.releases_unavailable()
            keys = binding.key_display or binding.key.replace("slash", "/").replace(
                "question_mark", "?"
            ).replace("escape", "esc")
            tooltip, description = binding.tooltip, binding.description
            if tooltip and not tooltip.lower().startswith(description.lower()):
                description = f"{description}: {tooltip}"
            elif tooltip:
                description = tooltip
            rows.append((keys, description, why))
        return rows

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.help_rows()))

    def still_rolling_out(self) -> list[WorkloadRef]:
        """The rollouts started here that have not been seen to end."""
        main, releases = self.main_screen, self.releases_screen
        rolling = releases.releases.rolling_out() if releases is not None else []
        mine = main.rollback.rolling_out() if main is not None else None
        if mine is not None and mine not in rolling:
            rolling.insert(0, mine)
        return rolling

    async def action_quit(self) -> None:
        main, releases = self.main_screen, self.releases_screen
        self.parting_line = (
            main.rollback.stopped_line()
            if main is not None and main.rollback.sending is not None
            else rollback.parting_line(self.still_rolling_out(), demo=self.demo)
        )
        if releases is not None:
            releases.releases.stop_everything()
        if main is not None:
            main.stop_everything()
        self.exit()

    # ---------------------------------------------------------------- signals
    def _signalled(self, signum: int) -> None:
        if self.stopped_by is not None:
            return  # already leaving
        self.stopped_by = signum
        self._signal_deadline = time.monotonic() + SIGNAL_WAIT_SECONDS
        if self._sending():
            # Never leave between the PATCH and its answer: what was applied must be known.
            self.set_interval(0.05, self._leave_when_answered)
            return
        self._leave()

    def _leave_when_answered(self) -> None:
        if not self._sending() or time.monotonic() > self._signal_deadline:
            self._leave()

    def _leave(self) -> None:
        if self.stop_message is not None:
            return
        main, releases = self.main_screen, self.releases_screen
        release_line = releases.releases.stopped_line() if releases else None
        self.stop_message = release_line or (
            main.rollback.stopped_line() if main else "nothing was changed"
        )
        if releases is not None:
            releases.releases.stop_everything()
        if main is not None:
            main.stop_everything()
        self.exit(return_code=128 + (self.stopped_by or 0))
