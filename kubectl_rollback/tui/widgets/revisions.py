"""The revisions table of one workload: markers, ReplicaSets or ControllerRevisions, images, age,
readiness, health and evidence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from ...cli.text import age, kept_line
from ...core.kinds import WorkloadHistory, kind_named
from ...core.model import DeploymentHistory, Revision, Verdict
from ...core.plan import RollbackPlan
from ...core.terminal import terminal_safe
from ...core.values import value
from .workload_table import Cell, Column, LightTable

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

    @value(frozen=False)
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
        self._announced: int | None = None
        """The revision last said to be highlighted (the cursor landing on it again after a
        fill is not news)."""

    def compose(self) -> ComposeResult:
        yield Static("Revisions", classes="pane-title", id="revisions-title")
        yield LightTable[tuple[Cell, ...]](
            [Column(label, len(label)) for _, label in COLUMNS],
            _cells,
            id="revisions-table",
            cursor_over_cells=True,
        )
        yield Static("", id="revisions-legend")

    @property
    def table(self) -> LightTable[tuple[Cell, ...]]:
        return self.query_one("#revisions-table", LightTable)

    @property
    def highlighted(self) -> int | None:
        row = self.table.cursor_row
        return self._numbers[row] if 0 <= row < len(self._numbers) else None

    def show_message(self, title: str, message: str) -> None:
        self.history = None
        self._shown = None
        self._numbers = []
        self._announced = None
        self.table.set_rows([])
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
    ) -> int | None:
        """Fill the table; the cursor goes to ``select``, else the default target, else the
        current revision. Returns the revision the cursor is on: the caller previews it at
        once, so that the revisions and their preview are laid out and drawn together (a
        ``Highlighted`` message would come after the table's own layout and frame).

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
        rows = self._rows(history, now())
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
        self.table.set_rows(
            rows, cursor=self._numbers.index(wanted) if wanted in self._numbers else 0
        )
        number = self.highlighted
        self._announced = number
        return number

    def on_resize(self) -> None:
        # The HEALTH evidence gets what the other columns leave at this width.
        if (
            self.history is not None
            and self._shown is not None
            and self._filled_width != self.size.width
        ):
            self.table.set_rows(
                self._rows(self.history, self._shown[1]()), cursor=self.table.cursor_row
            )

    def _rows(self, history: WorkloadHistory, moment: datetime) -> list[tuple[Cell, ...]]:
        """The rows, with the columns this width can show (``revision_columns``), each as
        wide as its widest cell."""
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
        widths = {
            key: max([len(labels[key])] + [cell_len(str(r[key])) for r in rows])
            for key in labels
            if key != "health"
        }
        keys = revision_columns(width, widths, any(rev.change_cause for rev in history.revisions))
        # The evidence gets what the other columns leave (2 cells of padding per column).
        used = sum(widths[k] + 2 for k in keys)
        reason_width = max(12, width - 2 - used - 2 - 11)
        for rev, row in zip(history.revisions, rows, strict=True):
            row["health"] = health_text(rev, reason_width)
        widths["health"] = max([len(labels["health"])] + [cell_len(str(r["health"])) for r in rows])
        shown = (*keys, "health")
        self.table.columns = tuple(Column(labels[key], widths[key]) for key in shown)
        self._numbers = [rev.number for rev in history.revisions]
        return [tuple(row[key] for key in shown) for row in rows]

    @on(LightTable.CursorMoved, "#revisions-table")
    def _row_highlighted(self, event: LightTable.CursorMoved) -> None:
        event.stop()
        number = self.highlighted
        if number is not None and number != self._announced:
            self._announced = number
            self.post_message(self.Highlighted(number))


def _cells(row: tuple[Cell, ...]) -> tuple[Cell, ...]:
    return row
