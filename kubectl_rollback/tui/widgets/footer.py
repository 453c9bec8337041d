"""The footer of keys: quit and help first (on screen at every width), recomposed at most once
per refresh however often the bindings change."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

FIRST = ("quit", "help")
"""Actions shown first, whatever else the screen binds: an 80-column terminal cuts the right."""


def footer_order(bindings: list[tuple[Binding, bool, str]]) -> list[tuple[Binding, bool, str]]:
    """One entry per action, quit and help first, the others in the order they are bound."""
    seen: set[str] = set()
    unique = []
    for entry in bindings:
        action = entry[0].action.removeprefix("app.")
        if entry[0].show and action not in seen:
            seen.add(action)
            unique.append(entry)
    rank = {action: i for i, action in enumerate(FIRST)}
    return sorted(unique, key=lambda e: rank.get(e[0].action.removeprefix("app."), len(FIRST)))


class KeysFooter(Footer):
    """Textual's Footer schedules a full recompose (~20 ms) for every bindings signal: focus
    moves, reactive changes, ``refresh_bindings``. While a namespace loads these come in
    bursts; here a burst costs one recompose. Keys are in ``footer_order``."""

    def __init__(self) -> None:
        super().__init__()
        self._recompose_pending = False

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        active = self.screen.active_bindings
        entries = footer_order(
            [(binding, enabled, tooltip) for (_, binding, enabled, tooltip) in active.values()]
        )
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        if palette is not None and self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            # Last: the palette lists every action by name, the keys before it are the quick way.
            entries = [e for e in entries if e[0].key != palette.binding.key]
            entries.append((palette.binding, palette.enabled, palette.binding.tooltip))
        self.styles.grid_size_columns = len(entries)
        for binding, enabled, tooltip in entries:
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=Footer.compact)

    def bindings_changed(self, screen: Screen) -> None:  # type: ignore[type-arg]
        if self._recompose_pending:
            return  # the recompose already scheduled will show these bindings too
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._recompose_pending = True
        super().bindings_changed(screen)

    async def recompose(self) -> None:
        self._recompose_pending = False
        await super().recompose()
