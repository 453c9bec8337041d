"""The confirmation dialogs: restate the plan and need a deliberate key (default No)."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from ...core.plan import RollbackPlan
from ...core.release import ReleasePlan
from ..controllers import confirm
from . import DIALOGS_CSS


def _hanging(lines: list[Text]) -> list[RenderableType]:
    """Bullet lines (``  • text``) whose wrapped continuation lines stay under their text."""
    out: list[RenderableType] = []
    for line in lines:
        plain = line.plain
        stripped = plain.lstrip(" ")
        if stripped[:1] in ("•", "⚠", "·") and stripped[1:2] == " ":
            indent = len(plain) - len(stripped) + 2
            grid = Table.grid(expand=True)
            grid.add_column(width=indent, no_wrap=True)
            grid.add_column(ratio=1)
            grid.add_row(line[:indent], line[indent:])
            out.append(grid)
        else:
            out.append(line)
    return out


def _warnings_first(lines: list[Text], warnings: Any) -> list[Text]:
    """The headline, then the warnings (on a small terminal the rest scrolls), then the rest."""
    if not warnings:
        return lines
    head = 1
    while head < len(lines) and lines[head].plain.strip():
        head += 1
    block = [Text(""), Text(f"Warnings ({len(warnings)})", style="bold yellow")]
    block += [Text(f"  ⚠ {w.message}", style="yellow") for w in warnings]
    return [*lines[:head], *block, *lines[head:]]


def plan_summary(plan: RollbackPlan) -> Group:
    """What will change and what will not, in a few lines."""
    src = plan.from_revision
    dst = plan.to_revision
    lines: list[Text] = [
        Text.assemble(
            ("Roll back ", "bold"),
            (plan.ref.display, "bold"),
            f" in namespace {plan.ref.namespace}",
        ),
        Text(f"  from revision {src.number if src else '?'}  {src.images if src else ''}"),
        Text(
            f"  to   revision {dst.number}  {dst.images}   ({dst.health.value}; becomes revision "
            f"{plan.new_revision_number})"
        ),
        Text(""),
        Text("What changes", style="bold"),
    ]
    lines += [Text(f"  • {c.line}") for c in plan.image_changes] or [Text("  • no image changes")]
    lines += [Text(f"  • env {c.line}") for c in plan.env_changes]
    lines += (
        [
            Text(
                f"  • pod template: {len(plan.template_diff.splitlines())} diff lines "
                "(see the preview)"
            )
        ]
        if plan.template_diff.strip()
        else []
    )
    lines += [Text(f"  • annotation {c.kind}: {c.key}") for c in plan.annotation_changes]
    lines += [Text(f"  • then {step}", style="dim") for step in plan.scaling.steps[:3]]
    lines += [Text(""), Text("What does not change", style="bold")]
    lines += [Text(f"  • {line}", style="dim") for line in plan.not_rolled_back]
    return Group(*_hanging(_warnings_first(lines, plan.warnings)))


class _ConfirmDialog(ModalScreen[bool]):
    """A dialog that defaults to No, the focus in its input as its instruction says: ``y`` (or
    the name and Enter) confirms; ``n``, esc or Enter alone cancels (controllers/confirm.py).

    It fits the terminal it is in: the plan scrolls, the title, the instruction, the input and
    the buttons stay on screen."""

    CSS_PATH = DIALOGS_CSS
    BINDINGS = [
        Binding("y", "confirm", "Yes", show=False),
        Binding("n,escape", "cancel", "Cancel", id="confirm-no"),
        # The input has the focus: these keys scroll the plan.
        Binding("up", "scroll_plan(-1)", "Scroll up", show=False),
        Binding("down", "scroll_plan(1)", "Scroll down", show=False),
        Binding("pageup", "scroll_plan(-10)", "Page up", show=False),
        Binding("pagedown", "scroll_plan(10)", "Page down", show=False),
    ]

    def __init__(self, title: str, summary: Group, name: str, what: str, yes: str) -> None:
        super().__init__()
        self.dialog_title = title
        self.summary = summary
        self.name_to_type = name
        self.what = what
        """What ``y`` does, for the instruction (``roll back``, ``switch traffic``)."""
        self.yes_label = yes

    def compose(self) -> ComposeResult:
        name = self.name_to_type
        with Vertical(id="confirm-dialog"):
            yield Static(Text(self.dialog_title, style="bold"), id="confirm-title")
            with VerticalScroll(id="confirm-body"):
                yield Static(self.summary, id="confirm-plan")
            yield Static(
                Text.assemble(
                    "Type ",
                    (name, "bold"),
                    f" and Enter to {self.what}, or press ",
                    ("y", "bold"),
                    ".  ",
                    ("Enter", "bold"),
                    " alone, ",
                    ("n", "bold"),
                    " or ",
                    ("esc", "bold"),
                    " cancels.  ",
                    ("↑ ↓", "bold"),
                    " scroll the plan.",
                ),
                id="confirm-help",
            )
            yield Input(placeholder=f"{name}, or y", id="confirm-name")
            with Horizontal(id="confirm-buttons"):
                yield Button("No, keep it", id="no", variant="primary")
                yield Button(self.yes_label, id="yes", variant="error")

    def on_mount(self) -> None:
        self.query_one("#confirm-name", Input).focus()
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        """The plan gets the rows the rest of the dialog leaves on this terminal."""
        dialog = self.query_one("#confirm-dialog")
        body = self.query_one("#confirm-body", VerticalScroll)
        around = dialog.outer_size.height - dialog.content_size.height
        for child in dialog.children:
            if child is not body and child.display:
                around += child.outer_size.height + child.styles.margin.top
                around += child.styles.margin.bottom
        around += body.styles.margin.top + body.styles.margin.bottom
        rows = confirm.body_rows(self.size.height, around)
        if body.styles.max_height is None or body.styles.max_height.cells != rows:
            body.styles.max_height = rows
            dialog.refresh(layout=True)

    def _answer(self, answer: confirm.Answer | None, box: Input) -> None:
        if answer is confirm.Answer.YES:
            self.dismiss(True)
        elif answer is confirm.Answer.NO:
            self.dismiss(False)
        elif answer is confirm.Answer.AGAIN:
            box.value = ""
            self.notify(
                f"type {self.name_to_type} exactly to confirm (or y); esc cancels",
                severity="warning",
            )

    @on(Input.Changed, "#confirm-name")
    def _key(self, event: Input.Changed) -> None:
        self._answer(confirm.on_change(event.value, self.name_to_type), event.input)

    @on(Input.Submitted, "#confirm-name")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        self._answer(confirm.on_submit(event.value, self.name_to_type), event.input)

    def action_scroll_plan(self, rows: int) -> None:
        body = self.query_one("#confirm-body", VerticalScroll)
        body.scroll_to(y=body.scroll_y + rows, animate=False)

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no(self) -> None:
        self.dismiss(False)


class ConfirmRollback(_ConfirmDialog):
    """Confirms a workload's rollback: ``y``, or its name and Enter."""

    def __init__(self, plan: RollbackPlan) -> None:
        super().__init__(
            "Confirm rollback", plan_summary(plan), plan.ref.name, "roll back", "Roll back"
        )
        self.plan = plan


def switch_summary(plan: Any) -> Group:
    """The traffic switch restated: which Service selectors change, which pods get traffic, what
    stays."""
    lines: list[Text] = [
        Text.assemble(
            ("Switch traffic of ", "bold"),
            (plan.display, "bold"),
            f" in namespace {plan.group.namespace}: {plan.from_color or 'none'} → {plan.to_color}",
        ),
        Text(""),
        Text("What changes", style="bold"),
    ]
    lines += [Text(f"  • {c.line}") for c in plan.changes]
    if plan.scale_up is not None:
        lines.append(Text(f"  • first {plan.scale_up.line}"))
    lines += [Text(f"  · {why}", style="dim") for why in plan.why]
    lines += [
        Text(""),
        Text("What does not change", style="bold"),
        Text("  • no Deployment is redeployed or rolled back; pods keep running", style="dim"),
    ]
    return Group(*_hanging(_warnings_first(lines, plan.warnings)))


class ConfirmSwitch(_ConfirmDialog):
    """The blue/green rapid rollback's confirmation: ``y``, or the Service's name and Enter."""

    def __init__(self, plan: Any) -> None:
        super().__init__(
            "Confirm traffic switch (rapid rollback)",
            switch_summary(plan),
            plan.group.name,
            "switch traffic",
            "Switch",
        )
        self.plan = plan


def release_summary(plan: ReleasePlan) -> Group:
    """The release rollback restated: each workload from and to, what else is written, what
    is not rolled back."""
    group = plan.group
    dst, src = plan.to_release, plan.from_release
    lines: list[Text] = [
        Text.assemble(
            ("Roll back ", "bold"),
            (group.display, "bold"),
            f" ({group.source}) in namespace {group.namespace}",
            f" to release {dst.number} ({dst.status})" if dst else "",
            f", from release {src.number} ({src.status})" if src else "",
        ),
        Text(""),
        Text("What changes (in this order)", style="bold"),
    ]
    for step in plan.changing:
        from_rev = step.plan.from_revision
        lines.append(
            Text(
                f"  • {step.ref.display}: revision {from_rev.number if from_rev else '?'} → "
                f"{step.plan.to_revision.number}  {step.plan.to_revision.images}"
            )
        )
    lines += [
        Text(f"  · {s.ref.display}: already at its target", style="dim")
        for s in plan.steps
        if s.plan.noop is not None
    ]
    lines += [Text(f"  • then {u.description}") for u in plan.record_updates]
    lines += [Text(""), Text("What does not change", style="bold")]
    lines += [Text(f"  • {line}", style="dim") for line in plan.not_rolled_back]
    return Group(*_hanging(_warnings_first(lines, plan.warnings)))


class ConfirmRelease(_ConfirmDialog):
    """The release rollback's confirmation: ``y``, or the release's name and Enter, rolls every
    workload back."""

    def __init__(self, plan: ReleasePlan) -> None:
        super().__init__(
            "Confirm release rollback",
            release_summary(plan),
            plan.group.name,
            "roll every workload back",
            "Roll back release",
        )
        self.plan = plan
