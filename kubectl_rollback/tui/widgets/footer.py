"""The footer of keys, recomposed at most once per refresh however often the bindings change."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeysFooter(Footer):
    """Textual's Footer schedules a full recompose (~20 ms) for every bindings signal: focus
    moves, reactive changes, ``refresh_bindings``. While a namespace loads these come in
    bursts; here a burst costs one recompose."""

    def __init__(self) -> None:
        super().__init__()
        self._recompose_pending = False

    def bindings_changed(self, screen: Screen) -> None:  # type: ignore[type-arg]
        if self._recompose_pending:
            return  # the recompose already scheduled will show these bindings too
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._recompose_pending = True
        super().bindings_changed(screen)

    async def recompose(self) -> None:
        self._recompose_pending = False
        await super().recompose()
