"""The revision history as a picture: one row per revision, when it was live on a time axis
(from the oldest kept revision to now), coloured by its health, and where the rollback goes.

``█`` live (certainly), ``▒`` live at some moment in that stretch (the API keeps no exact
time: a revision rolled back to keeps its old creation time), ``·`` not live. The rules are
the core's (``core/timeline.py``); this draws them at whatever width the pane has.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import groupby

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from ...cli.text import age
from ...core.model import Revision, Verdict
from ...core.timeline import Timeline, timeline
from .revisions import HEALTH_STYLE

MAX_ROWS = 6
"""Revisions drawn at most: the current one, the target, then the newest others."""
BAR_STYLE = {Verdict.SUCCESS: "green", Verdict.FAILURE: "red", Verdict.UNKNOWN: "yellow"}


class RevisionTimeline:
    """A Rich renderable: the timeline of ``revisions`` at ``now``, ``target`` marked (the
    revision number the rollback goes to; it becomes ``becomes``)."""

    def __init__(
        self,
        revisions: Sequence[Revision],
        now: datetime,
        *,
        target: int | None,
        becomes: int | None = None,
    ) -> None:
        self.revisions = tuple(revisions)
        self.now = now
        self.target = target
        self.becomes = becomes
        self.line = timeline(self.revisions, now)

    def rows(self) -> list[Revision]:
        """The revisions drawn, newest first: the current and the target always."""
        keep = [r for r in self.revisions if r.current or r.number == self.target]
        others = [r for r in self.revisions if r not in keep]
        chosen = {r.object_name for r in [*keep, *others][:MAX_ROWS]}
        return [r for r in self.revisions if r.object_name in chosen]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        rows = self.rows()
        label_width = max(len(_label(r)) for r in rows) + 1 if rows else 6
        suffixes = {r.number: _suffix(r, self.target, self.becomes) for r in rows}
        if max(map(len, suffixes.values()), default=0) > max(10, width // 3):
            suffixes = {r.number: _suffix(r, self.target, None) for r in rows}  # shorter
        suffix_width = max(map(len, suffixes.values()), default=0)
        bar_width = max(8, width - label_width - suffix_width - 1)
        line = self.line
        yield _axis(line, self.now, label_width, bar_width)
        for revision in rows:
            text = Text()
            mark = "●" if revision.current else ("★" if revision.number == self.target else " ")
            text.append(mark, style="bold cyan" if revision.current else "bold yellow")
            symbol, colour = HEALTH_STYLE[revision.health]
            text.append(f" {revision.number}".ljust(label_width - 3))
            text.append(f"{symbol} ", style=colour)
            text.append_text(_bar(line, revision, bar_width))
            text.append(" " + suffixes[revision.number])
            text.no_wrap = True
            text.overflow = "ellipsis"
            yield text
        hidden = len(self.revisions) - len(rows)
        if hidden:
            yield Text(f"  … {hidden} older revision{'s' if hidden != 1 else ''}", style="dim")


def _label(revision: Revision) -> str:
    return f"● {revision.number} ✔"


def _suffix(revision: Revision, target: int | None, becomes: int | None) -> str:
    if revision.number == target and not revision.current:
        again = f", becomes {becomes}" if becomes is not None and becomes != revision.number else ""
        return f"◀ rollback{again}"
    if revision.current:
        return "live now"
    return ""


def _axis(line: Timeline, now: datetime, label_width: int, bar_width: int) -> Text:
    left = f"{age(line.start, now)} ago"
    right = "now"
    fill = max(1, bar_width - len(left) - len(right) - 2)
    return Text.assemble(
        " " * label_width, (f"{left} ", "dim"), ("─" * fill, "dim"), (f" {right}", "dim")
    )


def _bar(line: Timeline, revision: Revision, width: int) -> Text:
    periods = line.of(revision)
    span = (line.end - line.start).total_seconds()
    style = BAR_STYLE[revision.health]
    cells: list[tuple[str, str]] = []
    for column in range(width):
        moment = line.start + timedelta(seconds=span * (column + 0.5) / width)
        if any(p.live_at(moment) for p in periods):
            cells.append(("█", style))
        elif any(p.maybe_at(moment) for p in periods):
            cells.append(("▒", style))
        else:
            cells.append(("·", "dim"))
    # A period shorter than a cell still shows: its last cell, at least.
    for period in periods:
        if period.end_hi <= line.start or span <= 0:
            continue
        cell = min(width - 1, int(width * (period.end_lo - line.start).total_seconds() / span))
        if cells[cell][0] == "·":
            cells[cell] = ("▌", style)
    # One span per run of equal cells, not one per cell: the same text, a fraction of the
    # drawing (a row of the preview's timeline is drawn span by span).
    bar = Text()
    for (char, cell_style), run in groupby(cells):
        bar.append(char * len(list(run)), style=cell_style)
    return bar
