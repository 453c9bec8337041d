"""The confirmation dialog: restates the plan and needs a deliberate key (default No)."""

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
    if plan.warnings:
        lines += [Text(""), Text("Warnings", style="bold yellow")]
        lines += [Text(f"  ⚠ {w.message}", style="yellow") for w in plan.warnings]
    return Group(*_hanging(lines))


class _ConfirmDialog(ModalScreen[bool]):
    """A dialog that defaults to No: focus starts on the No button; Yes needs a deliberate key."""

    FIRST_FOCUS = "#no"
    """What has the focus when the dialog opens."""

    def on_mount(self) -> None:
        self.query_one(self.FIRST_FOCUS).focus()

    def _typed_confirmation(
        self, title: str, summary: Group, help_line: Text, placeholder: str, yes: str
    ) -> ComposeResult:
        """Title, the plan restated (scrollable), how to answer, the input, No and Yes."""
        with Vertical(id="confirm-dialog"):
            yield Static(Text(title, style="bold"), id="confirm-title")
            with VerticalScroll(id="confirm-body"):
                yield Static(summary, id="confirm-plan")
            yield Static(help_line, id="confirm-help")
            yield Input(placeholder=placeholder, id="confirm-name")
            with Horizontal(id="confirm-buttons"):
                yield Button("No, keep it", id="no", variant="primary")
                yield Button(yes, id="yes", variant="error")

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
    """Yes only by ``y`` or by typing the workload's name; Enter on the default button is No."""

    BINDINGS = [
        Binding("y", "confirm", "Roll back", id="confirm-yes"),
        Binding("n,escape", "cancel", "Cancel", id="confirm-no"),
    ]

    def __init__(self, plan: RollbackPlan) -> None:
        super().__init__()
        self.plan = plan

    def compose(self) -> ComposeResult:
        name = self.plan.ref.name
        yield from self._typed_confirmation(
            "Confirm rollback",
            plan_summary(self.plan),
            Text.assemble(
                "Press ",
                ("y", "bold"),
                " to roll back, or type ",
                (name, "bold"),
                " and Enter.  ",
                ("n", "bold"),
                " / ",
                ("esc", "bold"),
                " cancels.",
            ),
            f"type {name} to confirm",
            "Roll back",
        )

    @on(Input.Submitted, "#confirm-name")
    def _typed(self, event: Input.Submitted) -> None:
        if event.value.strip() == self.plan.ref.name:
            self.dismiss(True)
        else:
            event.input.value = ""
            self.notify(f"type {self.plan.ref.name} exactly to confirm", severity="warning")


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
    if plan.warnings:
        lines += [Text(""), Text("Warnings", style="bold yellow")]
        lines += [Text(f"  ⚠ {w.message}", style="yellow") for w in plan.warnings]
    return Group(*_hanging(lines))


class ConfirmSwitch(_ConfirmDialog):
    """The blue/green rapid rollback's confirmation: ``y`` switches, anything else keeps traffic
    where it is."""

    BINDINGS = [
        Binding("y", "confirm", "Switch traffic", id="switch-yes"),
        Binding("n,escape", "cancel", "Cancel", id="switch-no"),
    ]

    def __init__(self, plan: Any) -> None:
        super().__init__()
        self.plan = plan

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static(
                Text("Confirm traffic switch (rapid rollback)", style="bold"), id="confirm-title"
            )
            with VerticalScroll(id="confirm-body"):
                yield Static(switch_summary(self.plan), id="confirm-plan")
            yield Static(
                Text.assemble(
                    "Press ",
                    ("y", "bold"),
                    " to switch traffic; ",
                    ("n", "bold"),
                    " / ",
                    ("esc", "bold"),
                    " cancels.",
                ),
                id="confirm-help",
            )
            with Horizontal(id="confirm-buttons"):
                yield Button("No, keep it", id="no", variant="primary")
                yield Button("Switch", id="yes", variant="error")


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
    if plan.warnings:
        lines += [Text(""), Text("Warnings", style="bold yellow")]
        lines += [Text(f"  ⚠ {w.message}", style="yellow") for w in plan.warnings]
    return Group(*_hanging(lines))


class ConfirmRelease(_ConfirmDialog):
    """The release rollback's confirmation. Focus starts in the input: ``y`` or the release's
    name and Enter roll back; Enter on an empty input, ``n`` or esc keep everything."""

    BINDINGS = [
        Binding("y", "confirm", "Roll back release", id="release-confirm-yes"),
        Binding("n,escape", "cancel", "Cancel", id="release-confirm-no"),
    ]
    FIRST_FOCUS = "#confirm-name"
    FIXED_ROWS = 15
    """Rows of the dialog around its scrollable body (border, title, help, input, buttons)."""

    def __init__(self, plan: ReleasePlan) -> None:
        super().__init__()
        self.plan = plan

    @property
    def name_to_type(self) -> str:
        return self.plan.group.name

    def on_resize(self) -> None:
        # The whole dialog fits the terminal: the plan scrolls, the input and buttons stay.
        body = self.query_one("#confirm-body", VerticalScroll)
        body.styles.max_height = max(3, min(26, self.size.height - self.FIXED_ROWS))

    def compose(self) -> ComposeResult:
        name = self.name_to_type
        yield from self._typed_confirmation(
            "Confirm release rollback",
            release_summary(self.plan),
            Text.assemble(
                "Press ",
                ("y", "bold"),
                " to roll back every workload, or type ",
                (name, "bold"),
                " and Enter.  ",
                ("n", "bold"),
                ", ",
                ("esc", "bold"),
                " or Enter alone cancels.",
            ),
            f"y, or type {name} to confirm",
            "Roll back release",
        )

    @on(Input.Changed, "#confirm-name")
    def _key(self, event: Input.Changed) -> None:
        # One key answers, as in the workload dialog, unless it starts the name being typed.
        if event.value == "y" and not self.name_to_type.startswith("y"):
            self.dismiss(True)
        elif event.value == "n" and not self.name_to_type.startswith("n"):
            self.dismiss(False)

    @on(Input.Submitted, "#confirm-name")
    def _typed(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        if typed in ("y", self.name_to_type):
            self.dismiss(True)
        elif typed in ("", "n"):
            self.dismiss(False)
        else:
            event.input.value = ""
            self.notify(f"type {self.name_to_type} exactly to confirm", severity="warning")
