"""The preview of a rollback, from the core's RollbackPlan: why, images, diff, scaling, warnings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.text import Text
from textual.containers import VerticalScroll
from textual.geometry import Size

from ...core.model import Revision
from ...core.plan import RollbackPlan
from ...core.terminal import terminal_safe
from .rendered import Rendered
from .revisions import HEALTH_STYLE
from .timeline import RevisionTimeline

LABEL_WIDTH = 10


def diff_text(diff: str) -> Text:
    """A unified diff with added lines green, removed red, hunk headers cyan."""
    out = Text()
    for line in diff.rstrip("\n").splitlines():
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("@@"):
            style = "cyan"
        else:
            style = "dim"
        out.append(line + "\n", style=style)
    out.rstrip()
    return out


class Section:
    """A label column and a content column, so that long lines wrap under their content.

    What a two-column ``Table.grid`` would draw (the label bold, cut to ``LABEL_WIDTH - 1``
    cells, one cell between the columns, each line padded to the content's width), without
    the table's measuring of every cell: the preview renders in a fraction of the time.
    """

    def __init__(self, label: str, lines: Iterable[RenderableType]) -> None:
        self.label = label
        self.lines = list(lines)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        inner = options.update(
            width=max(1, width - LABEL_WIDTH),
            height=None,
            justify="left",
            no_wrap=False,
            overflow="ellipsis",
            highlight=False,
        )
        bold = console.get_style("bold")
        label = Text(self.label)
        label.truncate(LABEL_WIDTH - 1, overflow="ellipsis", pad=True)
        head = [*label.render(console), Segment(" ")]
        head = list(Segment.apply_style(head, bold))
        blank = Segment(" " * LABEL_WIDTH, bold)
        newline = Segment.line()
        for index, renderable in enumerate(self.lines):
            for number, line in enumerate(console.render_lines(renderable, inner, pad=True)):
                if index == 0 and number == 0:
                    yield from head
                else:
                    yield blank
                yield from line
                yield newline


def _section(label: str, lines: Iterable[str | RenderableType], style: str = "") -> Section:
    """A section of the preview: ``label``, then each line (a string in ``style``)."""
    return Section(
        label, [Text(line, style=style) if isinstance(line, str) else line for line in lines]
    )


def _evidence(target: Revision | None) -> list[RenderableType]:
    if target is None or not target.evidence:
        return []
    return [
        _section(
            "evidence",
            [
                Text.assemble(
                    (HEALTH_STYLE[e.verdict][0] + " ", HEALTH_STYLE[e.verdict][1]),
                    f"{e.label}: {e.reason}",
                )
                for e in target.evidence
            ],
        )
    ]


def noop_renderables(
    plan: RollbackPlan,
    target: Revision | None,
    nothing: str | None = None,
    default_target: int | None = None,
) -> list[RenderableType]:
    """A plan that changes nothing (the highlighted revision's template is the current one).

    ``nothing``: the core's reason there is no rollback at all (``no rollout history
    found...``), shown instead of the noop message; ``default_target``: the revision
    the default plan rolls back to, if any.
    """
    dst = plan.to_revision
    state = (
        "the current revision"
        if target is None or target.current
        else "the same template as the current revision"
    )
    title = Text.assemble(
        (f"Preview: {plan.ref.name}  ", "bold"), f"revision {dst.number} is {state}"
    )
    lines = [Text(nothing or plan.noop or "", style="yellow")]
    if default_target is not None:
        lines.append(
            Text(
                f"the default target is revision {default_target} (★): highlight it to preview "
                "the rollback",
                style="dim",
            )
        )
    return [title, _section("nothing", lines), *_evidence(target)]


def plan_renderables(
    plan: RollbackPlan,
    target: Revision | None,
    unavailable: str | None,
    picture: RevisionTimeline | None = None,
) -> list[RenderableType]:
    """The preview, top to bottom. ``unavailable``: why the roll-back key is disabled (None: it is
    not); ``picture``: the revision history as a timeline, the target marked."""
    parts: list[RenderableType] = []
    src = plan.from_revision
    dst = plan.to_revision
    title = Text(f"Preview: {plan.ref.name} ", style="bold")
    title.append(f"{src.number if src else '?'} → {dst.number}")
    if plan.executable:
        title.append(f"  (becomes revision {plan.new_revision_number})", style="dim")
    if unavailable:
        title.append(f"   ⊘ roll back unavailable: {unavailable}", style="bold yellow")
    elif plan.executable:
        title.append("   r rolls back (asks first)", style="dim")
    parts.append(title)
    if picture is not None and plan.noop is None:
        parts.append(_section("timeline", [picture]))
    if plan.refusal is not None:
        parts.append(_section("refused", [Text(f"✖ {plan.refusal}", style="bold red")]))
    if plan.noop is not None:
        parts.append(_section("nothing", [Text(plan.noop, style="yellow")]))
    warned = {w.message for w in plan.warnings}
    if plan.warnings:
        parts.append(
            _section("warnings", [Text(f"⚠ {w.message}", style="yellow") for w in plan.warnings])
        )
    why = [line for line in plan.why if line not in warned]  # a warning is not repeated as a reason
    if why:
        parts.append(_section("why", why))
    parts.extend(_evidence(target))
    if plan.kubectl_would_pick is not None:
        k = plan.kubectl_would_pick
        symbol, colour = HEALTH_STYLE[k.health]
        parts.append(
            _section(
                "kubectl",
                [
                    Text.assemble(
                        f"kubectl rollout undo would pick revision {k.number} ({k.images}) ",
                        (f"{symbol} {k.health.value}", colour),
                    )
                ],
            )
        )
    if plan.noop is None:
        parts.append(
            _section("images", [c.line for c in plan.image_changes] or ["no image changes"])
        )
        if plan.env_changes:
            parts.append(_section("env", [c.line for c in plan.env_changes]))
        if plan.template_diff.strip():
            parts.append(_section("diff", [diff_text(plan.template_diff)]))
        scaling = plan.scaling
        head = scaling.strategy + (
            f", maxSurge {scaling.max_surge}, maxUnavailable {scaling.max_unavailable}"
            if scaling.max_surge is not None
            else ""
        )
        parts.append(_section("then", [head, *scaling.steps]))
        if plan.annotation_changes:
            parts.append(
                _section(
                    "annot.",
                    [
                        terminal_safe(
                            f"{c.kind} {c.key}" + (f": {c.after}" if c.after is not None else "")
                        )
                        for c in plan.annotation_changes
                    ],
                )
            )
        if plan.kubectl_would_drop:
            parts.append(
                _section(
                    "kept",
                    ["kubectl rollout undo would drop: " + ", ".join(plan.kubectl_would_drop)],
                )
            )
    if plan.not_rolled_back:
        parts.append(
            _section(
                "unchanged",
                [
                    Text("not rolled back:", style="bold"),
                    *[Text(f"· {line}", style="dim") for line in plan.not_rolled_back],
                ],
            )
        )
    return parts


class PreviewPanel(VerticalScroll):
    """Scrollable preview of the plan for the highlighted revision."""

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # As Rendered's: the scrolled height changed in the layout that measured it; laying
        # the screen out again would find the same. (A scrollbar that comes or goes still
        # asks for its layout.)
        return super()._size_updated(size, virtual_size, container_size, layout=False)

    def compose(self):  # type: ignore[no-untyped-def]
        yield Rendered("", id="preview-body")

    def show_plan(
        self,
        plan: RollbackPlan,
        target: Revision | None,
        unavailable: str | None,
        banner: Text | None = None,
        *,
        nothing: str | None = None,
        default_target: int | None = None,
        revisions: Sequence[Revision] = (),
        now: datetime | None = None,
    ) -> None:
        """The preview of ``plan``; with ``revisions`` and ``now``, a timeline of them first."""
        if plan.noop is not None and plan.refusal is None:
            parts = noop_renderables(plan, target, nothing, default_target)
        else:
            picture = (
                RevisionTimeline(
                    revisions,
                    now,
                    target=plan.to_revision.number,
                    becomes=plan.new_revision_number,
                )
                if revisions and now is not None
                else None
            )
            parts = plan_renderables(plan, target, unavailable, picture)
        if banner is not None:
            parts.insert(0, banner)
        self.query_one("#preview-body", Rendered).update(Group(*parts))
        self.scroll_home(animate=False)

    def show_text(self, text: str | Text, style: str = "") -> None:
        self.query_one("#preview-body", Rendered).update(
            text if isinstance(text, Text) else Text(text, style=style)
        )
        self.scroll_home(animate=False)
