"""The footer of keys: quit and help first (on screen at every width), drawn as one line of
one widget.

Textual's Footer is a container of one widget per key (about twenty renders, and a style
applied to each on mount), recomposed whenever the bindings change, and empty until the
screen first signals its bindings: the first frame of a screen drew no keys, and the
recompose that followed laid the screen out again. This footer reads the screen's active
bindings when it draws, so the first frame has its keys, and a change of bindings repaints
one line.

It looks as Textual's Footer did: the same styles (the theme's footer colours), a disabled
key dimmed, the key under the mouse highlighted, with its tooltip. A click on a key is that
key pressed, a dimmed one included: the screen's fallback for it says why it is unavailable,
as pressing it does (Textual's Footer rang the bell).
"""

from __future__ import annotations

from typing import NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget

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


class FooterEntry(NamedTuple):
    """One key as the footer draws it: columns ``start`` to ``end`` (exclusive)."""

    key: str
    display: str
    description: str
    enabled: bool
    tooltip: str
    start: int
    end: int


class KeysFooter(Widget):
    """The keys of the screen's active bindings, in ``footer_order``, the command palette's
    last; ``compact`` (a narrow terminal) drops the padding around each key."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "footer-key--item",
        "footer-key--hover",
        "footer-key--key",
        "footer-key--description",
    }
    # The rules of Textual's Footer and FooterKey, on one widget.
    DEFAULT_CSS = """
    KeysFooter {
        color: $footer-foreground;
        background: $footer-background;
        dock: bottom;
        height: 1;
        text-wrap: nowrap;
        text-overflow: clip;
        .footer-key--item {
            background: $footer-item-background;
        }
        .footer-key--hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        .footer-key--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .footer-key--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    compact = reactive(False)
    """Keys without padding, one space apart."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[FooterEntry] = []
        """The keys as last drawn (what a click or the mouse is over)."""
        self._hover: int | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:  # type: ignore[type-arg]
        if self.is_attached and screen is self.screen:
            self.refresh()

    def watch_compact(self) -> None:
        self.refresh()

    def _active(self) -> list[tuple[Binding, bool, str]]:
        active = self.screen.active_bindings
        entries = footer_order(
            [(binding, enabled, tooltip) for (_, binding, enabled, tooltip) in active.values()]
        )
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        if palette is not None and self.app.ENABLE_COMMAND_PALETTE:
            # Last: the palette lists every action by name, the keys before it are the quick way.
            entries = [e for e in entries if e[0].key != palette.binding.key]
            entries.append((palette.binding, palette.enabled, palette.binding.tooltip))
        return entries

    def render(self) -> Text:
        item = self.get_component_rich_style("footer-key--item")
        hover = self.get_component_rich_style("footer-key--hover")
        key_style = self.get_component_rich_style("footer-key--key", partial=True)
        description_style = self.get_component_rich_style("footer-key--description", partial=True)
        dim = Style(dim=True)
        text = Text(no_wrap=True, overflow="crop", end="")
        entries: list[FooterEntry] = []
        for index, (binding, enabled, tooltip) in enumerate(self._active()):
            display = self.app.get_key_display(binding)
            if self.compact:
                label, description = display, f" {binding.description}"
            else:
                label, description = f" {display} ", f"{binding.description} "
            base = hover if index == self._hover else item
            if not enabled:
                base += dim
            start = text.cell_len
            text.append(label, base + key_style)
            if binding.description:
                text.append(description, base + description_style)
            entries.append(
                FooterEntry(
                    binding.key,
                    display,
                    binding.description,
                    enabled,
                    tooltip or "",
                    start,
                    text.cell_len,
                )
            )
            if self.compact:
                text.append(" ")
        self.entries = entries
        return text

    def entry_at(self, x: int) -> int | None:
        """The index of the key drawn at column ``x`` (None: between keys, or past them)."""
        return next((i for i, e in enumerate(self.entries) if e.start <= x < e.end), None)

    def _hovering(self, index: int | None) -> None:
        if index != self._hover:
            self._hover = index
            self.tooltip = (self.entries[index].tooltip or None) if index is not None else None
            self.refresh()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._hovering(self.entry_at(event.x))

    def on_leave(self) -> None:
        self._hovering(None)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        index = self.entry_at(event.x)
        if index is not None:
            self.app.simulate_key(self.entries[index].key)
