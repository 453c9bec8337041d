"""The command line's plain text shared by its commands (ages, symbols, tables, sections),
a workload's rollback plan, and the JSON/YAML dump. What one command alone prints lives
with it: a history in history.py, a blue/green group and switch in services.py, releases
in release_text.py (the terminal UI shows some of these too)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..core.kinds import kind_named
from ..core.model import Verdict

if TYPE_CHECKING:  # a Deployment's plan or history loads no blue/green or release rules
    from ..core.kinds import WorkloadHistory
    from ..core.model import Revision
    from ..core.plan import RollbackPlan

SYMBOL = {Verdict.SUCCESS: "✔", Verdict.FAILURE: "✖", Verdict.UNKNOWN: "?"}


def age(created: datetime | None, now: datetime) -> str:
    """kubectl's short age: 45s, 12m, 5h, 3d, 2y."""
    if created is None:
        return "<unknown>"
    seconds = int(max(0.0, (now - created).total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if days < 730:
        return f"{days}d"
    return f"{days // 365}y"


def revision_label(revision: Revision) -> str:
    """`5` or `5 (was 2)` when the revision carries former numbers."""
    if revision.former_numbers:
        return f"{revision.number} (was {','.join(str(n) for n in revision.former_numbers)})"
    return str(revision.number)


def kept_line(history: WorkloadHistory) -> str:
    """``4 revision(s) kept, revisionHistoryLimit 3`` and, when more are kept than the limit,
    why: the limit counts old revisions only, and a controller never deletes one that still
    runs pods."""
    kept = len(history.revisions)
    limit = history.revision_history_limit
    line = f"{kept} revision(s) kept, revisionHistoryLimit {limit}"
    old = sum(1 for r in history.revisions if not r.current)
    if old > limit:
        line += " (the limit counts old revisions; old ones still running pods are not deleted)"
    elif kept > limit:
        line += " (the limit counts old revisions, not the current one)"
    return line


def table(rows: list[list[str]]) -> list[str]:
    """Left-aligned columns separated by three spaces, like kubectl's printers."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "   ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def plan_lines(plan: RollbackPlan) -> list[str]:
    """The plan as a person reads it: target and why, images, diff, scaling, warnings."""
    out: list[str] = []
    src = plan.from_revision
    dst = plan.to_revision
    out.append(f"Rollback plan for {plan.ref.display} (namespace {plan.ref.namespace})")
    if src is not None:
        out.append(
            f"  from  revision {src.number}  {src.object_name}  {src.images}  [{src.health.value}]"
        )
    out.append(
        f"  to    revision {dst.number}  {dst.object_name}  {dst.images}  [{dst.health.value}]"
        + (f"  (becomes revision {plan.new_revision_number})" if plan.executable else "")
    )
    section(out, "Why", plan.why)
    if plan.kubectl_would_pick is not None:
        k = plan.kubectl_would_pick
        out.append(
            f"  kubectl rollout undo would pick revision {k.number} ({k.images}) [{k.health.value}]"
        )
    section(out, "Images", [c.line for c in plan.image_changes] or ["no image changes"])
    if plan.env_changes:
        section(out, "Environment", [c.line for c in plan.env_changes])
    if plan.template_diff.strip():
        out.append("Pod template diff:")
        out.extend("  " + line for line in plan.template_diff.rstrip("\n").splitlines())
    scaling = plan.scaling
    head = f"{kind_named(plan.ref.kind).update_word} ({scaling.strategy}"
    if scaling.max_surge is not None:
        head += f", maxSurge {scaling.max_surge}, maxUnavailable {scaling.max_unavailable}"
    section(out, head + ")", scaling.steps)
    if plan.annotation_changes:
        section(
            out,
            f"{plan.ref.kind} annotations",
            [
                f"{c.kind} {c.key}"
                + (
                    f": {c.before!r} -> {c.after!r}"
                    if c.kind == "changed"
                    else f": {c.after!r}"
                    if c.kind == "added"
                    else ""
                )
                for c in plan.annotation_changes
            ],
        )
    if plan.kubectl_would_drop:
        out.append(
            "  kept (kubectl rollout undo would drop them): " + ", ".join(plan.kubectl_would_drop)
        )
    section(out, "Warnings", [w.message for w in plan.warnings], bullet="!")
    section(out, "Not rolled back", plan.not_rolled_back)
    return out


def section(out: list[str], title: str, lines: Iterable[str], bullet: str = "-") -> None:
    items = list(lines)
    if items:
        out.append(f"{title}:")
        out.extend(f"  {bullet} {line}" for line in items)


def dump(document: Any, output: str) -> str:
    """A document as `json` or `yaml` text (yaml only imported when asked for)."""
    if output == "json":
        return json.dumps(document, indent=2, sort_keys=False) + "\n"
    import yaml

    return str(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))


# ---------------------------------------------------------------- blue/green


# ---------------------------------------------------------------- releases
