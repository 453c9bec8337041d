"""The workloads list: kind, name, status symbol, revision, readiness, images; filterable."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from ...core.values import replace, value
from ...core.workloads import (
    WorkloadStatus,
    WorkloadSummary,
    keys_matching,
    matches,
    ordered,
    search_text,
)
from ..controllers import layout
from .workload_table import Column, LightTable

STATUS_SYMBOL = {
    WorkloadStatus.HEALTHY: ("✔", "green"),
    WorkloadStatus.FAILED: ("✖", "red"),
    WorkloadStatus.PAUSED: ("⏸", "yellow"),
    WorkloadStatus.PROGRESSING: ("⟳", "cyan"),
}
COLUMNS = (
    Column("", 1),
    Column("NAME", layout.NAME_MIN),
    Column("KIND", 6),
    Column("REV", 4),
    Column("IMAGES", None, 12),
)
"""Fixed widths but the images' (what the pane leaves): nothing waits for thousands of cells to be
measured. NAME's width follows the terminal and the longest name (``set_name_width``)."""
NAME_COLUMN = 1


def short_image(image: str) -> str:
    """``registry.example.com/shop/checkout:1.8.1`` -> ``checkout:1.8.1`` (the list is narrow)."""
    return image.rsplit("/", 1)[-1]


def row_cells(
    summary: WorkloadSummary, name: str | None = None
) -> tuple[Text, Text, Text, str, str]:
    """The cells of a workload's row (cut to their column with an ellipsis when rendered);
    ``name``: the name as shown (cut in the middle to fit)."""
    symbol, colour = STATUS_SYMBOL[summary.status]
    dim = "dim" if summary.unsupported else ""
    return (
        Text(symbol, style=colour),
        Text(summary.name if name is None else name, style=dim),
        Text(summary.short_kind, style=dim),
        "-" if summary.revision is None else str(summary.revision),
        ", ".join(short_image(i) for i in summary.images),
    )


class WorkloadList(Vertical):
    """The left pane: a filter box (shown by ``/``) above a table of workloads."""

    @value(frozen=False)
    class Highlighted(Message):
        """The cursor moved to a workload (None: the list is empty)."""

        summary: WorkloadSummary | None

    @value(frozen=False)
    class Chosen(Message):
        """Enter on a workload: look at its revisions."""

        summary: WorkloadSummary

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.summaries: dict[tuple[str, str], WorkloadSummary] = {}
        """Every workload of the namespace, by (kind, name)."""
        self.filter_text = ""
        self._shown: list[tuple[str, str]] = []
        self._index: dict[tuple[str, str], int] = {}
        self.name_width = layout.NAME_MIN
        self._title = "Workloads"
        self._hint = ""
        self._names: dict[str, str] | None = None
        """Each name as shown in ``name_width`` cells (None: to compute when drawn)."""
        self._order: list[tuple[str, str]] | None = None
        """Every workload's key in list order (None: to sort again)."""
        self._searched: dict[tuple[str, str], str] = {}
        """What the filter searches in each workload (``search_text``), kept per key."""
        self._filtered = ""
        """The filter the rows shown match (typing on narrows those instead of every row)."""
        self._box: Input | None = None

    def compose(self) -> ComposeResult:
        yield Static("Workloads", classes="pane-title", id="workloads-title")
        yield LightTable[WorkloadSummary](COLUMNS, self._cells, id="workloads-table")
        yield Static("", id="workloads-empty")

    @property
    def filter_box(self) -> Input | None:
        """The filter's input, under the title: mounted when ``/`` first opens it (None
        until then), so that the first frame waits for no hidden input."""
        return self._box

    @property
    def table(self) -> LightTable[WorkloadSummary]:
        return self.query_one("#workloads-table", LightTable)

    @property
    def highlighted(self) -> WorkloadSummary | None:
        table = self.table
        if not self._shown or table.cursor_row < 0 or table.cursor_row >= len(self._shown):
            return None
        return self.summaries.get(self._shown[table.cursor_row])

    def set_hint(self, hint: str) -> None:
        """A key hint after the title (``enter opens`` when the list is alone on screen)."""
        if hint != self._hint:
            self._hint = hint
            self._show_title()

    def _show_title(self) -> None:
        title = Text(self._title)
        if self._hint:
            title.append(f"   {self._hint}", style="dim")
        self.query_one("#workloads-title", Static).update(title)

    @property
    def longest_name(self) -> int:
        return max((len(name) for _, name in self.summaries), default=0)

    def set_name_width(self, width: int) -> None:
        """Give the NAME column ``width`` cells; names that do not fit are cut in the middle,
        never so that two look the same."""
        if width == self.name_width:
            return
        self.name_width = width
        self._names = None
        table = self.table
        columns = list(table.columns)
        columns[NAME_COLUMN] = replace(columns[NAME_COLUMN], width=width)
        table.columns = tuple(columns)
        table.refresh()

    def shown_name(self, name: str) -> str:
        if self._names is None:
            self._names = layout.distinct_names((n for _, n in self.summaries), self.name_width)
        return self._names.get(name) or layout.middle(name, self.name_width)

    def _cells(self, summary: WorkloadSummary) -> tuple[Text, Text, Text, str, str]:
        return row_cells(summary, self.shown_name(summary.name))

    # ----------------------------------------------------------------- data
    def set_workloads(
        self,
        summaries: list[WorkloadSummary] | tuple[WorkloadSummary, ...],
        *,
        select: tuple[str, str] | None = None,
        searched: tuple[str, ...] = (),
    ) -> None:
        """Show ``summaries``; ``searched``: what the filter searches in each (in their
        order; empty: made when filtering)."""
        self.summaries = {s.key: s for s in summaries}
        self._changed()
        self._searched = (
            {s.key: text for s, text in zip(summaries, searched, strict=True)} if searched else {}
        )
        self._rebuild(select=select)

    def clear(self, message: str = "") -> None:
        self.summaries = {}
        self._changed()
        self._rebuild()
        self.query_one("#workloads-empty", Static).update(message)

    def upsert(self, summary: WorkloadSummary) -> None:
        """A watch event changed (or added) a workload: update its row in place when shown."""
        known = summary.key in self.summaries
        self.summaries[summary.key] = summary
        self._searched.pop(summary.key, None)
        self._filtered = ""  # it may match now: the next filtering looks at every row
        if not known:
            self._changed()
        if known and summary.key in self._index:
            if not matches(summary, self.filter_text):
                self._rebuild()
                return
            index = self._index[summary.key]
            self.table.rows[index] = summary
            self.table.refresh_row(index)
        elif matches(summary, self.filter_text):
            self._rebuild()

    def remove_workload(self, key: tuple[str, str]) -> None:
        if self.summaries.pop(key, None) is not None:
            self._changed()
            self._rebuild()

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self._rebuild()

    def _rebuild(self, *, select: tuple[str, str] | None = None) -> None:
        """Show the workloads that match the filter, the cursor kept on ``select`` or the workload
        it was on."""
        table = self.table
        keep = select or (
            self._shown[table.cursor_row] if 0 <= table.cursor_row < len(self._shown) else None
        )
        shown, self._shown = self._matching(self.filter_text)
        self._index = {key: i for i, key in enumerate(self._shown)}
        title = (
            f"Workloads ({len(shown)})"
            if not self.filter_text
            else (f"Workloads ({len(shown)} of {len(self.summaries)}, filter: {self.filter_text})")
        )
        self._title = title
        self._show_title()
        self.query_one("#workloads-empty", Static).update(
            "" if shown else ("no workload matches the filter" if self.summaries else "")
        )
        target = self._index.get(keep, 0) if keep is not None else 0
        table.set_rows(shown, cursor=target)
        if not shown:
            self.post_message(self.Highlighted(None))

    def _changed(self) -> None:
        """Workloads came or went: names, order and the filter's narrowing start over."""
        self._names = None
        self._order = None
        self._filtered = ""
        self._searched = {k: v for k, v in self._searched.items() if k in self.summaries}

    def _matching(self, text: str) -> tuple[list[WorkloadSummary], list[tuple[str, str]]]:
        """The workloads that match ``text`` and their keys, in list order. Typing on (the
        filter grows) only looks at the rows the shorter filter showed: every row of those
        matched it."""
        if self._order is None:
            self._order = [s.key for s in ordered(self.summaries.values())]
        needle = " ".join(text.strip().lower().split())
        narrowing = needle.startswith(self._filtered) and self._filtered != ""
        keys = self._shown if narrowing else self._order
        self._filtered = needle
        summaries = self.summaries
        if not needle:
            return [summaries[k] for k in keys], list(keys)
        searched = self._searched
        if len(searched) < len(summaries):  # made once per workload, kept while it is unchanged
            for key in keys:
                if key not in searched:
                    searched[key] = search_text(summaries[key])
        shown_keys = keys_matching(keys, searched, needle)
        return [summaries[k] for k in shown_keys], shown_keys

    # --------------------------------------------------------------- events
    @on(LightTable.CursorMoved, "#workloads-table")
    def _row_highlighted(self, event: LightTable.CursorMoved) -> None:
        event.stop()
        self.post_message(self.Highlighted(self.highlighted))

    @on(LightTable.Chosen, "#workloads-table")
    def _row_selected(self, event: LightTable.Chosen) -> None:
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
        # As in k9s: Enter keeps the filter (the title shows it) and gives the list its room
        # back; / edits it again, esc clears it.
        event.stop()
        event.input.display = False
        self.table.focus()

    async def open_filter(self) -> None:
        box = self._box
        if box is None:
            box = self._box = Input(placeholder="filter: name, kind, status, image", id="filter")
            await self.mount(box, after=self.query_one("#workloads-title"))
        box.display = True
        # At once, not after the keys typed meanwhile (focus() would wait behind them).
        self.screen.set_focus(box)

    def close_filter(self) -> None:
        box = self._box
        if box is not None:
            box.value = ""
            box.display = False
        self.set_filter("")
        self.table.focus()
