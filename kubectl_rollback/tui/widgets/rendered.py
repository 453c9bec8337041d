"""A rich renderable rendered once per width, its lines kept: what a long preview needs.

A ``Static`` holding rich Tables renders them all to learn its height, then again to draw
them, and again on every repaint (a cursor moving elsewhere, the clock): for the preview
that was tens of milliseconds a frame. ``Rendered`` renders its content once for a width;
the layout reads the height from those lines and a frame copies the ones on screen.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget


class Rendered(Widget):
    """Shows one rich renderable (``update`` replaces it), as ``Static`` would."""

    DEFAULT_CSS = """
    Rendered {
        height: auto;
    }
    """

    def __init__(self, renderable: RenderableType = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._renderable: RenderableType = renderable
        self._lines: list[Strip] = []
        self._width = -1
        """The width ``_lines`` were rendered at (-1: not rendered)."""
        self._base = Style()

    @property
    def renderable(self) -> RenderableType:
        return self._renderable

    def update(self, renderable: RenderableType) -> None:
        self._renderable = renderable
        self._width = -1
        if self.size.width > 0:
            # Rendered now, by the handler that changed it, rather than by the layout of the
            # next frame: that frame's layout and drawing of the screen are 20-30 ms of their
            # own, and the two in one go were the longest wait a key met while moving through
            # workloads. (The pane keeps its scrollbar's gutter: the width stays the same.)
            self.lines(self.size.width)
        self.refresh(layout=True)

    def lines(self, width: int) -> list[Strip]:
        """The content as lines ``width`` cells wide at most (rendered once per width)."""
        if width != self._width:
            app = self.app
            options = app.console_options.update(highlight=False, width=width, height=None)
            renderable = self._renderable
            if isinstance(renderable, str):
                renderable = Text(renderable)
            segments = app.console.render(renderable, options)
            self._lines = [
                Strip(line)
                for line in Segment.split_and_crop_lines(
                    segments, width, include_new_lines=False, pad=False
                )
            ]
            self._width = width
        return self._lines

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # Textual lays the screen out again whenever a widget's virtual size changed in a
        # layout (a reactive with layout=True): for this widget, whose height the layout has
        # just read from its lines, that second layout finds the same (a new preview cost
        # two layouts of the screen).
        return super()._size_updated(size, virtual_size, container_size, layout=False)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's style once per frame, not once per line (it walks the ancestors).
        self._base = self.rich_style
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        lines = self.lines(width)
        base = self._base
        if y >= len(lines):
            return Strip.blank(width, base)
        return lines[y].apply_style(base).extend_cell_length(width, base)
