"""The help screen: every key of the app and the main screen, and why an action is unavailable."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from . import DIALOGS_CSS

HelpRow = tuple[str, str, str | None]
"""(keys, description, why it is unavailable now or None)."""

EXTRA_KEYS: tuple[HelpRow, ...] = (
    ("↑ ↓ pgup pgdn", "move in a list (the mouse too: a click selects)", None),
    (
        "enter",
        "on a workload: its revisions and the preview. Below 100 columns the screen shows one "
        "pane at a time: enter opens the workload, esc goes back to the list",
        None,
    ),
    ("tab shift+tab", "move between the workloads, the revisions and the preview", None),
    (
        "in a dialog",
        "the input has the focus: type the name shown and enter, or y, confirms; enter alone, "
        "n or esc cancels; ↑ ↓ pgup pgdn scroll the plan",
        None,
    ),
    (
        "in Releases (R)",
        "r rolls the highlighted release back (confirmed as above); esc stops watching the "
        "rollouts, then goes back to the workloads",
        None,
    ),
)


class HelpScreen(ModalScreen[None]):
    """Lists the keys; dimmed ones are unavailable, with the reason."""

    CSS_PATH = DIALOGS_CSS
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="help-close")]

    def __init__(self, rows: list[HelpRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_header=True, pad_edge=False)
        table.add_column("KEY", style="bold", no_wrap=True, max_width=16)
        table.add_column("ACTION")
        for keys, description, unavailable in [*self.rows, *EXTRA_KEYS]:
            if unavailable:
                table.add_row(
                    Text(keys, style="dim"),
                    Text(f"{description} — unavailable: {unavailable}", style="dim"),
                )
            else:
                table.add_row(keys, description)
        with Vertical(id="help-dialog"):
            yield Static("Keys  (dimmed: unavailable now, with the reason)", classes="pane-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(table, id="help-table")
            yield Static(Text("esc closes   ↑ ↓ scroll", style="dim"))

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)
