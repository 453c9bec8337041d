"""The revisions table of one workload: markers, ReplicaSets or ControllerRevisions, images, age,
readiness, health and evidence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.widgets.data_table import ColumnKey

from ...cli.text import age, revision_label
from ...core.kinds import WorkloadHistory, kind_named
from ...core.model import DeploymentHistory, Revision, Verdict
from ...core.plan import RollbackPlan
from ...core.rendering import terminal_safe

HEALTH_STYLE = {
    Verdict.SUCCESS: ("✔", "green"),
    Verdict.FAILURE: ("✖", "red"),
    Verdict.UNKNOWN: ("?", "yellow"),
}
COLUMNS = (
    ("rev", "REV"),
    ("rs", "REPLICASET"),
    ("images", "IMAGES"),
    ("cause", "CHANGE-CAUSE"),
    ("age", "AGE"),
    ("ready", "READY"),
    ("health", "HEALTH"),
)


def health_text(revision: Revision, width: int = 60) -> Text:
    """``✖ failure: 1 pod in CrashLoopBackOff`` (the evidence that decided, shortened)."""
    symbol, colour = HEALTH_STYLE[revision.health]
    reason = revision.health_reason
    if len(reason) > width:
        reason = reason[: width - 1] + "…"
    return Text.assemble((f"{symbol} {revision.health.value}", colour), f": {reason}")


def short_image(image: str) -> str:
    """The last path component of an image (the preview shows the full reference)."""
    return image.rsplit("/", 1)[-1]


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def strategy_label(history: WorkloadHistory) -> str:
    """The update strategy as kubectl users know it: ``RollingUpdate 25%/25%``
    (maxSurge/maxUnavailable), ``RollingUpdate partition 2``, ``OnDelete``."""
    strategy = history.strategy
    if strategy.type != "RollingUpdate":
        return strategy.type
    if isinstance(history, DeploymentHistory):
        return (
            f"RollingUpdate {strategy.max_surge_raw or '25%'}/"
            f"{strategy.max_unavailable_raw or '25%'}"
        )
    parts = ["RollingUpdate"]
    partition = getattr(strategy, "partition", 0)
    if partition:
        parts.append(f"partition {partition}")
    if history.ref.kind == "DaemonSet":
        parts.append(
            f"maxSurge {strategy.max_surge_raw if strategy.max_surge_raw is not None else 0}"
            " maxUnavailable "
            f"{strategy.max_unavailable_raw if strategy.max_unavailable_raw is not None else 1}"
        )
    elif strategy.max_unavailable_raw not in (None, 1):
        parts.append(f"maxUnavailable {strategy.max_unavailable_raw}")
    return " ".join(parts)


class RevisionTable(Vertical):
    """Title line, the table of revisions, and a legend with what kubectl would pick."""

    @dataclass
    class Highlighted(Message):
        """The cursor moved to a revision."""

        number: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.history: WorkloadHistory | None = None
        self.target: int | None = None
        self._numbers: list[int] = []

    def compose(self) -> ComposeResult:
        yield Static("Revisions", classes="pane-title", id="revisions-title")
        table: DataTable[object] = DataTable(id="revisions-table", cursor_type="row")
        yield table
        yield Static("", id="revisions-legend")

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.table.add_column(label, key=key)

    @property
    def table(self) -> DataTable[object]:
        return self.query_one("#revisions-table", DataTable)

    @property
    def highlighted(self) -> int | None:
        row = self.table.cursor_row
        return self._numbers[row] if 0 <= row < len(self._numbers) else None

    def show_message(self, title: str, message: str) -> None:
        self.history = None
        self._numbers = []
        self.table.clear()
        self.query_one("#revisions-title", Static).update(title)
        self.query_one("#revisions-legend", Static).update(message)

    def show(
        self,
        history: WorkloadHistory,
        default_plan: RollbackPlan | None,
        now: Callable[[], datetime],
        *,
        select: int | None = None,
        plan_error: str | None = None,
    ) -> None:
        """Fill the table; the cursor goes to ``select``, else the default target, else the
        current revision.

        On a reload of the same workload the cursor stays where the user put it, unless
        it was on the default target (it follows the new one) or its revision is gone
        (renumbered by a rollback).
        """
        same = self.history is not None and self.history.ref == history.ref
        previous = self.highlighted if same else None
        if previous is not None and previous == self.target:
            previous = None
        self.history = history
        self.target = (
            default_plan.to_revision.number if default_plan and default_plan.noop is None else None
        )
        moment = now()
        table = self.table
        table.clear()
        object_kind = kind_named(history.ref.kind).revision_resource.kind
        table.columns[ColumnKey("rs")].label = Text(object_kind.upper())
        self._numbers = []
        rows = []
        for rev in history.revisions:
            mark = "●" if rev.current else ("★" if rev.number == self.target else " ")
            rows.append(
                [
                    Text.assemble(
                        (mark, "bold cyan" if rev.current else "bold yellow"),
                        " ",
                        revision_label(rev),
                    ),
                    rev.object_name,
                    ", ".join(short_image(i.image) for i in rev.images if not i.init),
                    _shorten(terminal_safe(rev.change_cause or "<none>"), 24),
                    age(rev.created, moment),
                    f"{rev.ready}/{rev.desired}",
                ]
            )
        # The evidence gets what the other columns leave (2 cells of padding per column).
        labels = [column.label.cell_len for column in table.columns.values()]
        used = sum(max([len(str(row[i])) for row in rows] + [labels[i]]) + 2 for i in range(6))
        reason_width = max(12, (self.size.width or 110) - 6 - used - 11)
        cells = [
            [*row, health_text(rev, reason_width)]
            for rev, row in zip(history.revisions, rows, strict=True)
        ]
        # Widths follow this workload's rows, not every one seen before. They are set here, before
        # anything renders: DataTable caches rendered cells without their width, so a width that
        # changed later (when it measures the rows) could show stale cells.
        for index, column in enumerate(table.columns.values()):
            column.content_width = max(
                [column.label.cell_len] + [cell_len(str(r[index])) for r in cells]
            )
        for rev, row_cells in zip(history.revisions, cells, strict=True):
            table.add_row(*row_cells, key=str(rev.number))
            self._numbers.append(rev.number)
        counts = history.counts
        rollout = strategy_label(history)
        current = history.current.number if history.current else "?"
        paused = "   ⏸ paused" if history.paused else ""
        self.query_one("#revisions-title", Static).update(
            f"{history.ref.display}   rev {current}   {counts.ready}/{history.replicas} ready   "
            f"{rollout}{paused}"
        )
        kept = f"history {len(history.revisions)} of {history.revision_history_limit} kept"
        if self.target is not None:
            legend = Text(f"● current  ★ default target   {kept}")
        else:
            legend = Text(f"● current   {kept}\n")
            legend.append(
                f"no default target: {plan_error or (default_plan.noop if default_plan else '')}",
                style="yellow",
            )
        if default_plan is not None and default_plan.kubectl_would_pick is not None:
            legend.append(
                f"\nkubectl rollout undo would pick {default_plan.kubectl_would_pick.number}",
                style="yellow",
            )
            legend.append(f"; kubectl rollback picks {default_plan.to_revision.number}")
        self.query_one("#revisions-legend", Static).update(legend)
        if previous not in self._numbers:
            previous = None
        wanted = (
            select
            if select is not None
            else previous
            if previous is not None
            else (
                self.target
                if self.target is not None
                else (history.current.number if history.current else None)
            )
        )
        if wanted in self._numbers:
            table.move_cursor(row=self._numbers.index(wanted), animate=False)
        number = self.highlighted
        if number is not None:
            self.post_message(self.Highlighted(number))

    @on(DataTable.RowHighlighted, "#revisions-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        number = self.highlighted
        if number is not None:
            self.post_message(self.Highlighted(number))
