"""The command palette's provider: every action of the main screen by name, with why it is
unavailable."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .screens.main import MainScreen

ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("Roll back", "rollback", "roll back to the highlighted revision (asks for confirmation)"),
    ("Refresh", "refresh", "list the workloads again"),
    ("Switch namespace", "namespace", "pick another namespace"),
    ("Switch context", "context", "pick another kubeconfig context"),
    ("Filter workloads", "filter", "type to narrow the workloads list"),
    ("Switch traffic (blue/green)", "switch_traffic", "route traffic back to the idle side"),
    ("Releases", "releases", "every release of the namespace, and its rollback"),
    ("Help: every key", "app.help", "every key of the app, and why one is unavailable"),
    ("Quit", "app.quit", "leave kubectl rollback"),
)


class RollbackCommands(Provider):
    """Lists the actions; one the user may not take now says why instead of running."""

    def _main(self) -> MainScreen | None:
        for screen in reversed(self.app.screen_stack):
            if isinstance(screen, MainScreen):
                return screen
        return None

    def _entries(self) -> list[tuple[str, str, object]]:
        main = self._main()
        entries: list[tuple[str, str, object]] = []
        for title, action, help_text in ACTIONS:
            why = None
            if main is not None and action == "rollback":
                why = main.rollback_unavailable()
            elif main is not None and action == "switch_traffic":
                why = main.switch_unavailable()
            elif main is not None and action == "releases":
                why = main.releases_unavailable()
            text = f"{help_text} — unavailable: {why}" if why else help_text
            callback: Callable[[], Awaitable[Any]]
            if action.startswith("app."):
                callback = partial(self.app.run_action, action.removeprefix("app."))
            elif main is not None:
                callback = partial(self._run, main, action)
            else:
                continue
            entries.append((title, text, callback))
        return entries

    async def _run(self, main: MainScreen, action: str) -> None:
        method = getattr(main, f"action_{action}")
        method()

    async def discover(self) -> Hits:
        for title, text, callback in self._entries():
            yield DiscoveryHit(title, callback, help=text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, text, callback in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=text)  # type: ignore[arg-type]
