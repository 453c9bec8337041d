"""The workloads list: kind, name, status symbol, revision, readiness, images; filterable."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from ...core.workloads import WorkloadStatus, WorkloadSummary, matches, ordered

STATUS_SYMBOL = {
    WorkloadStatus.HEALTHY: ("✔", "green"),
    WorkloadStatus.FAILED: ("✖", "red"),
    WorkloadStatus.PAUSED: ("⏸", "yellow"),
    WorkloadStatus.PROGRESSING: ("⟳", "cyan"),
}
ROWS_PER_BATCH = 150
"""Rows added per event-loop turn when (re)building the table."""
COLUMNS = (("status", ""), ("name", "NAME"), ("kind", "KIND"), ("rev", "REV"), ("images", "IMAGES"))
WIDTHS = {"status": 1, "name": 17, "kind": 6, "rev": 3, "images": 24}
"""Fixed widths: the layout does not wait for thousands of cells to be measured."""


def short_image(image: str) -> str:
    """``registry.example.com/shop/checkout:1.8.1`` -> ``checkout:1.8.1`` (the list is narrow)."""
    return image.rsplit("/", 1)[-1]


def row_cells(summary: WorkloadSummary) -> tuple[Text, Text, Text, str, str]:
    symbol, colour = STATUS_SYMBOL[summary.status]
    dim = "dim" if summary.unsupported else ""
    return (
        Text(symbol, style=colour),
        Text(summary.name, style=dim),
        Text(summary.short_kind, style=dim),
        "-" if summary.revision is None else str(summary.revision),
        ", ".join(short_image(i) for i in summary.images),
    )


class WorkloadList(Vertical):
    """The left pane: a filter box (shown by ``/``) above a table of workloads."""

    @dataclass
    class Highlighted(Message):
        """The cursor moved to a workload (None: the list is empty)."""

        summary: WorkloadSummary | None

    @dataclass
    class Chosen(Message):
        """Enter on a workload: look at its revisions."""

        summary: WorkloadSummary

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.summaries: dict[tuple[str, str], WorkloadSummary] = {}
        """Every workload of the namespace, by (kind, name)."""
        self.filter_text = ""
        self._shown: list[tuple[str, str]] = []
        self._batch = 0
        self._pending_target: int | None = None

    def compose(self) -> ComposeResult:
        yield Static("Workloads", classes="pane-title", id="workloads-title")
        yield Input(placeholder="filter: name, kind, status, image", id="filter")
        table: DataTable[object] = DataTable(id="workloads-table", cursor_type="row", zebra_stripes=False)
        yield table
        yield Static("", id="workloads-empty")

    def on_mount(self) -> None:
        table = self.table
        for key, label in COLUMNS:
            table.add_column(label, key=key, width=WIDTHS.get(key))
        self.query_one("#filter", Input).display = False

    @property
    def table(self) -> DataTable[object]:
        return self.query_one("#workloads-table", DataTable)

    @property
    def highlighted(self) -> WorkloadSummary | None:
        table = self.table
        if not self._shown or table.cursor_row < 0 or table.cursor_row >= len(self._shown):
            return None
        return self.summaries.get(self._shown[table.cursor_row])

    # ----------------------------------------------------------------- data
    def set_workloads(self, summaries: list[WorkloadSummary] | tuple[WorkloadSummary, ...],
                      *, select: tuple[str, str] | None = None) -> None:
        self.summaries = {s.key: s for s in summaries}
        self._rebuild(select=select)

    def clear(self, message: str = "") -> None:
        self.summaries = {}
        self._rebuild()
        self.query_one("#workloads-empty", Static).update(message)

    def upsert(self, summary: WorkloadSummary) -> None:
        """A watch event changed (or added) a workload: update its row in place when shown."""
        known = summary.key in self.summaries
        self.summaries[summary.key] = summary
        if known and summary.key in self._shown:
            if not matches(summary, self.filter_text):
                self._rebuild()
                return
            key = f"{summary.kind}/{summary.name}"
            for (column, _), value in zip(COLUMNS, row_cells(summary), strict=True):
                self.table.update_cell(key, column, value)
        elif matches(summary, self.filter_text):
            self._rebuild()

    def remove_workload(self, key: tuple[str, str]) -> None:
        if self.summaries.pop(key, None) is not None:
            self._rebuild()

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self._rebuild()

    def _rebuild(self, *, select: tuple[str, str] | None = None) -> None:
        table = self.table
        keep = select or (self._shown[table.cursor_row] if 0 <= table.cursor_row < len(self._shown) else None)
        shown = [s for s in ordered(self.summaries.values()) if matches(s, self.filter_text)]
        self._shown = [s.key for s in shown]
        self._batch += 1
        table.clear()
        title = f"Workloads ({len(shown)})" if not self.filter_text else (
            f"Workloads ({len(shown)} of {len(self.summaries)}, filter: {self.filter_text})")
        self.query_one("#workloads-title", Static).update(title)
        self.query_one("#workloads-empty", Static).update(
            "" if shown else ("no workload matches the filter" if self.summaries else ""))
        target = self._shown.index(keep) if keep is not None and keep in self._shown else None
        self._pending_target = target
        self._add_rows(shown, 0, self._batch, target)

    def _add_rows(self, shown: list[WorkloadSummary], start: int, batch: int, target: int | None) -> None:
        """Add rows a batch at a time, yielding to the event loop in between (5,000 rows stay responsive)."""
        if batch != self._batch:
            return  # a newer rebuild started
        table = self.table
        end = min(len(shown), start + ROWS_PER_BATCH)
        for s in shown[start:end]:
            table.add_row(*row_cells(s), key=f"{s.kind}/{s.name}")
        if target is not None and start <= target < end:
            table.move_cursor(row=target, animate=False)
            self._pending_target = None
        if (target is None and start == 0) or (target is not None and start <= target < end):
            self.post_message(self.Highlighted(self.highlighted))
        if end < len(shown):
            self.set_timer(0.001, lambda: self._add_rows(shown, end, batch, target))

    # --------------------------------------------------------------- events
    @on(DataTable.RowHighlighted, "#workloads-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if self._pending_target is not None and self.table.cursor_row != self._pending_target:
            return  # rows are still arriving; the cursor is on its way to the selected workload
        self.post_message(self.Highlighted(self.highlighted))

    @on(DataTable.RowSelected, "#workloads-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        summary = self.highlighted
        if summary is not None:
            self.post_message(self.Chosen(summary))

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.set_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()

    def open_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def close_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.display = False
        self.set_filter("")
        self.table.focus()
