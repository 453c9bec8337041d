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

from ...cli.text import age, kept_line
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


HEALTH_ROOM = 28
"""Cells the HEALTH column keeps before CHANGE-CAUSE, then the revision object's name, give way."""


def revision_columns(width: int, widths: dict[str, int], any_cause: bool) -> tuple[str, ...]:
    """The columns shown before HEALTH at ``width``: CHANGE-CAUSE only when a revision has one,
    and CHANGE-CAUSE, then REPLICASET/CONTROLLERREVISION, make way for the evidence on a narrow
    pane (the preview names the revision object)."""
    keys = [key for key, _ in COLUMNS if key != "health"]
    if not any_cause:
        keys.remove("cause")
    for optional in ("cause", "rs"):
        used = sum(widths[k] + 2 for k in keys)
        if width - used >= HEALTH_ROOM or optional not in keys:
            continue
        keys.remove(optional)
    return tuple(keys)


def legend(
    history: WorkloadHistory,
    default_plan: RollbackPlan | None,
    target: int | None,
    plan_error: str | None,
) -> Text:
    """The line under the revisions: the markers, what is kept, former numbers, what kubectl
    would pick."""
    marks = "● current  ★ default target" if target is not None else "● current"
    text = Text(f"{marks}   {kept_line(history)}")
    renumbered = [
        f"{rev.number} was {','.join(str(n) for n in rev.former_numbers)}"
        for rev in history.revisions
        if rev.former_numbers
    ]
    if renumbered:
        text.append(f"\nrenumbered by a rollback: {'; '.join(renumbered)}", style="dim")
    if target is None:
        text.append(
            f"\nno default target: {plan_error or (default_plan.noop if default_plan else '')}",
            style="yellow",
        )
    if default_plan is not None and default_plan.kubectl_would_pick is not None:
        text.append(
            f"\nkubectl rollout undo would pick {default_plan.kubectl_would_pick.number}",
            style="yellow",
        )
        text.append(f"; kubectl rollback picks {default_plan.to_revision.number}")
    return text


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
        self._shown: tuple[RollbackPlan | None, Callable[[], datetime], str | None] | None = None
        """What ``show`` was given but the history (to fill again at another width)."""
        self._filled_width = 0

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
        self._shown = None
        self._numbers = []
        self.table.clear()
        self.table.display = False
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
        self._shown = (default_plan, now, plan_error)
        self.target = (
            default_plan.to_revision.number if default_plan and default_plan.noop is None else None
        )
        self._fill(history, now())
        self.table.display = True
        counts = history.counts
        rollout = strategy_label(history)
        current = history.current.number if history.current else "?"
        paused = "   ⏸ paused" if history.paused else ""
        self.query_one("#revisions-title", Static).update(
            f"{history.ref.display}   rev {current}   {counts.ready}/{history.replicas} ready   "
            f"{rollout}{paused}"
        )
        self.query_one("#revisions-legend", Static).update(
            legend(history, default_plan, self.target, plan_error)
        )
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
            self.table.move_cursor(row=self._numbers.index(wanted), animate=False)
        number = self.highlighted
        if number is not None:
            self.post_message(self.Highlighted(number))

    def on_resize(self) -> None:
        # The HEALTH evidence gets what the other columns leave at this width.
        if (
            self.history is not None
            and self._shown is not None
            and self._filled_width != self.size.width
        ):
            row = self.table.cursor_row
            self._fill(self.history, self._shown[1]())
            self.table.move_cursor(row=row, animate=False)

    def _fill(self, history: WorkloadHistory, moment: datetime) -> None:
        """The rows, with the columns this width can show (``revision_columns``)."""
        width = self.size.width or 110
        self._filled_width = self.size.width
        object_kind = kind_named(history.ref.kind).revision_resource.kind
        rows: list[dict[str, str | Text]] = []
        for rev in history.revisions:
            mark = "●" if rev.current else ("★" if rev.number == self.target else " ")
            rows.append(
                {
                    "rev": Text.assemble(
                        (mark, "bold cyan" if rev.current else "bold yellow"),
                        " ",
                        str(rev.number),
                    ),
                    "rs": rev.object_name,
                    "images": ", ".join(short_image(i.image) for i in rev.images if not i.init),
                    "cause": _shorten(terminal_safe(rev.change_cause or "<none>"), 24),
                    "age": age(rev.created, moment),
                    "ready": f"{rev.ready}/{rev.desired}",
                }
            )
        labels = dict(COLUMNS) | {"rs": object_kind.upper()}
        keys = revision_columns(
            width,
            {
                key: max([len(labels[key])] + [cell_len(str(r[key])) for r in rows])
                for key in labels
                if key != "health"
            },
            any(rev.change_cause for rev in history.revisions),
        )
        # The evidence gets what the other columns leave (2 cells of padding per column).
        used = sum(max([len(labels[k])] + [cell_len(str(r[k])) for r in rows]) + 2 for k in keys)
        reason_width = max(12, width - 2 - used - 2 - 11)
        for rev, row in zip(history.revisions, rows, strict=True):
            row["health"] = health_text(rev, reason_width)
        table = self.table
        table.clear(columns=True)
        for key in (*keys, "health"):
            table.add_column(labels[key], key=key)
        # Widths follow this workload's rows, not every one seen before. They are set here, before
        # anything renders: DataTable caches rendered cells without their width, so a width that
        # changed later (when it measures the rows) could show stale cells.
        for key, column in zip((*keys, "health"), table.columns.values(), strict=True):
            column.content_width = max(
                [column.label.cell_len] + [cell_len(str(r[key])) for r in rows]
            )
        self._numbers = []
        for rev, row in zip(history.revisions, rows, strict=True):
            table.add_row(*(row[key] for key in (*keys, "health")), key=str(rev.number))
            self._numbers.append(rev.number)

    @on(DataTable.RowHighlighted, "#revisions-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        number = self.highlighted
        if number is not None:
            self.post_message(self.Highlighted(number))
