"""A dialog to pick one name from a list (namespaces, contexts)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from . import DIALOGS_CSS


class PickOne(ModalScreen[str | None]):
    """Type to narrow the list, Enter to choose, Esc to keep the current one."""

    CSS_PATH = DIALOGS_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="pick-cancel")]

    def __init__(self, title: str, names: list[str], current: str | None) -> None:
        super().__init__()
        self.title_text = title
        self.names = names
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="pick-dialog"):
            yield Static(self.title_text, id="pick-title", classes="pane-title")
            yield Input(placeholder="type to filter", id="pick-filter")
            yield OptionList(id="pick-options")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#pick-filter", Input).focus()

    def _fill(self, text: str) -> None:
        options = self.query_one("#pick-options", OptionList)
        options.clear_options()
        shown = [n for n in self.names if text.lower() in n.lower()]
        options.add_options(
            [Option(("● " if n == self.current else "  ") + n, id=n) for n in shown]
        )
        if shown:
            options.highlighted = shown.index(self.current) if self.current in shown else 0

    @on(Input.Changed, "#pick-filter")
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#pick-filter")
    def _submitted(self) -> None:
        options = self.query_one("#pick-options", OptionList)
        if options.highlighted is not None:
            option = options.get_option_at_index(options.highlighted)
            self.dismiss(option.id)

    @on(OptionList.OptionSelected, "#pick-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def key_down(self) -> None:
        self.query_one("#pick-options", OptionList).action_cursor_down()

    def key_up(self) -> None:
        self.query_one("#pick-options", OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
