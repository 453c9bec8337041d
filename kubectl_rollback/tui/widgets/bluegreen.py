"""The blue/green panel: each group with its live and idle side and their readiness."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from ..bluegreen import BlueGreenRow

EMPTY = "no blue/green groups detected"


class BlueGreenPanel(Static):
    """Groups from the core's detection (see tui/bluegreen.py), or why there are none."""

    rows: list[BlueGreenRow] = []
    """The groups shown (empty: none detected)."""

    def show_rows(self, rows: list[BlueGreenRow], note: str | None) -> None:
        self.rows = rows
        self.border_title = "Blue/green"
        if not rows:
            self.update(Text(EMPTY + (f" ({note})" if note else ""), style="dim"))
            return
        table = Table(box=None, pad_edge=False, show_header=True, expand=False)
        for column in ("GROUP", "LIVE", "IDLE"):
            table.add_column(column)
        for row in rows:
            live = Text.assemble(
                (row.live, "bold"),
                " ",
                ("✔" if row.live_ok else "✖", "green" if row.live_ok else "red"),
                f" {row.live_state}",
            )
            idle = Text.assemble(
                (row.idle, "bold"),
                " ",
                ("✔" if row.idle_ok else "✖", "green" if row.idle_ok else "red"),
                f" {row.idle_state}",
            )
            table.add_row(row.name, live, idle)
            for problem in row.problems:
                table.add_row("", Text(f"⚠ {problem}", style="yellow"), "")
        self.update(table)
