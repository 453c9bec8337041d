"""A light table for thousands of workloads: only the visible rows are ever rendered.

Textual's DataTable measures every added cell and re-renders its visible rows after
each addition, so filling it with 5,000 rows froze the UI for hundreds of milliseconds
(or, added in batches, for a frame at a time while the batches lasted). Here rows are
plain data: ``set_rows`` is one assignment whatever the count, and a frame renders the
thirty-odd lines on screen from fixed-width columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from rich.cells import cell_len
from rich.control import strip_control_codes
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...core.values import value

RowT = TypeVar("RowT")
Cell = str | Text


@value
class Column:
    """A column: its header and width in cells (None: what the others leave, at least
    ``min_width``)."""

    label: str
    width: int | None
    min_width: int = 8


class LightTable(ScrollView, Generic[RowT], can_focus=True):
    """A read-only, row-cursor table over a list of rows rendered by ``cells(row)``.

    The header stays on the first line; the cursor row is highlighted like
    DataTable's. ``CursorMoved`` is posted when the cursor lands on another row,
    ``Chosen`` on Enter or a click on the cursor row.
    """

    COMPONENT_CLASSES = {"light-table--header", "light-table--cursor"}
    DEFAULT_CSS = """
    LightTable {
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .light-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .light-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .light-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(0)", "First", show=False),
        Binding("end", "edge(1)", "Last", show=False),
        Binding("enter", "choose", "Choose", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=False, init=False, repaint=False)
    """The row under the cursor (a move repaints the two rows it changes, not the table)."""

    @value(frozen=False)
    class CursorMoved(Message):
        """The cursor is on another row (``row`` -1: the table is empty)."""

        table: LightTable[Any]
        row: int

        @property
        def control(self) -> LightTable[Any]:
            return self.table

    @value(frozen=False)
    class Chosen(Message):
        """Enter, or a click on the cursor row."""

        table: LightTable[Any]
        row: int

        @property
        def control(self) -> LightTable[Any]:
            return self.table

    def __init__(
        self,
        columns: Sequence[Column],
        cells: Callable[[RowT], Sequence[Cell]],
        *,
        id: str | None = None,
        cursor_over_cells: bool = False,
    ) -> None:
        super().__init__(id=id)
        self.columns = tuple(columns)
        self._cells = cells
        self.rows: list[RowT] = []
        self.cursor_over_cells = cursor_over_cells
        """The cursor row's colours cover the cells' own (as DataTable draws it), instead of
        the cells keeping theirs (a status symbol stays red under the cursor)."""

        self._settled: tuple[Size, Size, Size] | None = None
        """(size, virtual size, container size) at the last layout that updated the
        scrollbars."""

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # ScrollView compares the compositor's virtual size (what is in view) with its own
        # (every row): never equal, so each layout of the screen, for whatever pane, updated
        # and repainted this table's scrollbars. Only a change of its own sizes does now.
        settled = (size, self.virtual_size, container_size)
        if settled == self._settled:
            return False
        self._settled = settled
        return super()._size_updated(size, virtual_size, container_size, layout)

    # ------------------------------------------------------------------ data
    @property
    def row_count(self) -> int:
        return len(self.rows)

    def set_rows(self, rows: list[RowT], *, cursor: int = 0) -> None:
        """Show ``rows`` (the list is kept, not copied) with the cursor on row ``cursor``."""
        self.rows = rows
        self.virtual_size = Size(self.size.width, len(rows) + 1)
        target = max(0, min(cursor, len(rows) - 1))
        moved = target != self.cursor_row
        self.set_reactive(LightTable.cursor_row, target)
        self._scroll_to_cursor()
        self.refresh()
        if moved or rows:
            self.post_message(self.CursorMoved(self, target if rows else -1))

    def refresh_row(self, index: int) -> None:
        """Row ``index`` changed in place: repaint its line when on screen."""
        y = index - int(self.scroll_offset.y) + 1
        if 1 <= y < self.size.height:
            self.refresh_line(y)

    def move_cursor(self, *, row: int) -> None:
        if self.rows:
            self.cursor_row = max(0, min(row, len(self.rows) - 1))

    # ------------------------------------------------------------- cursor
    def watch_cursor_row(self, old: int, new: int) -> None:
        top = self.scroll_offset.y
        self._scroll_to_cursor()
        if self.scroll_offset.y == top:
            # Only the two rows whose highlight changed are drawn again, not the whole pane.
            self.refresh_row(old)
            self.refresh_row(new)
        else:
            self.refresh()
        if self.rows:
            self.post_message(self.CursorMoved(self, new))

    def _visible_rows(self) -> int:
        return max(1, self.size.height - 1)

    def _scroll_to_cursor(self) -> None:
        top = int(self.scroll_offset.y)
        visible = self._visible_rows()
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(row=self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(row=self.cursor_row + direction * self._visible_rows())

    def action_edge(self, end: int) -> None:
        self.move_cursor(row=len(self.rows) - 1 if end else 0)

    def action_choose(self) -> None:
        if self.rows:
            self.post_message(self.Chosen(self, self.cursor_row))

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.rows) + 1)
        self._scroll_to_cursor()

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return  # the header
        row = int(self.scroll_offset.y) + offset.y - 1
        if not 0 <= row < len(self.rows):
            return
        self.focus()
        if row == self.cursor_row:
            self.post_message(self.Chosen(self, row))
        else:
            self.cursor_row = row

    # ------------------------------------------------------------ rendering
    def _widths(self, total: int) -> list[int]:
        fixed = sum(c.width or 0 for c in self.columns) + 2 * len(self.columns)
        return [
            c.width if c.width is not None else max(c.min_width, total - fixed)
            for c in self.columns
        ]

    def _line(
        self, cells: Sequence[Cell], widths: list[int], style: Style, over: Style | None = None
    ) -> Strip:
        """One row: each cell cut to its width between two spaces; ``over``: a style laid
        over the cells' own."""
        segments: list[Segment] = []
        for cell, width in zip(cells, widths, strict=False):
            plain, own = None, None
            if isinstance(cell, str):
                plain = strip_control_codes(cell)
            elif type(cell) is Text and not cell.spans:
                plain, own = cell.plain, cell.style
            if plain is not None:
                length = cell_len(plain)
                if length <= width:
                    # What the Text padded to the width renders (a Text without spans
                    # renders as one segment, in its own style: see below), without copying,
                    # cutting and rendering it.
                    segments += (
                        Segment(" ", style),
                        Segment(
                            plain + " " * (width - length),
                            style + self.app.console.get_style(own) if own else style,
                        ),
                        Segment(" ", style),
                    )
                    continue
            text = cell if isinstance(cell, Text) else Text(cell)
            text = text.copy()
            text.truncate(width, overflow="ellipsis", pad=True)
            # Text.render leaves out the Text's own style (only its spans' are in the
            # segments): laid under them here, so that a cell's colour shows.
            console = self.app.console
            cell_style = style + console.get_style(text.style) if text.style else style
            segments.append(Segment(" ", style))
            segments.extend(
                Segment(seg.text, cell_style + seg.style if seg.style else cell_style)
                for seg in text.render(console)
            )
            segments.append(Segment(" ", style))
        if over is not None:
            segments = [Segment(seg.text, (seg.style or style) + over) for seg in segments]
        return Strip(segments)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        widths = self._widths(width)
        base = self.rich_style
        if y == 0:
            # The header's background and the cursor's run across the whole width, as
            # DataTable's do.
            style = base + self.get_component_rich_style("light-table--header")
            strip = self._line([c.label for c in self.columns], widths, style)
        else:
            index = int(self.scroll_offset.y) + y - 1
            if index >= len(self.rows):
                return Strip.blank(width, base)
            style, over = base, None
            if index == self.cursor_row:
                cursor = self.get_component_rich_style("light-table--cursor")
                style = base + cursor
                over = cursor if self.cursor_over_cells else None
            strip = self._line(self._cells(self.rows[index]), widths, style, over)
        return strip.extend_cell_length(width, style).crop(0, width)
