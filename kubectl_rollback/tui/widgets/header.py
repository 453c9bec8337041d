"""The top bar: product name, context, namespace, mode and the clock."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static


class ContextBar(Static):
    """``kubectl rollback   context prod   namespace shop   read-only        12:04:31``."""

    context: reactive[str] = reactive("")
    namespace: reactive[str] = reactive("")
    clock: reactive[str] = reactive("")
    read_only: reactive[bool] = reactive(False)
    live: reactive[str] = reactive("")
    """Empty when the live watch is up, else a short word (``offline``, ``reconnecting``)."""

    def render(self) -> Text:
        left = Text.assemble(
            (" kubectl rollback ", "bold"),
            "  context ",
            (self.context or "-", "bold"),
            "   namespace ",
            (self.namespace or "-", "bold"),
        )
        if self.read_only:
            left.append("   read-only", "bold yellow")
        if self.live:
            left.append(f"   ⚠ {self.live}", "bold red")
        right = Text(f"{self.clock} ")
        gap = max(1, self.size.width - left.cell_len - right.cell_len)
        return Text.assemble(left, " " * gap, right)
