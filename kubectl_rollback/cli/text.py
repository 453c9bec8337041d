"""Plain-text and JSON/YAML renderings of histories, plans and results for the command line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..core.kinds import kind_named
from ..core.model import Verdict

if TYPE_CHECKING:  # a Deployment's plan or history loads no blue/green or release rules
    from ..core.bluegreen import BlueGreenGroup, SwitchRecord, TrafficSwitchPlan
    from ..core.kinds import WorkloadHistory
    from ..core.model import Revision
    from ..core.plan import RollbackPlan
    from ..core.release import ReleaseGroup, ReleasePlan
    from ..core.release_records import ReleaseHistory
    from ..core.target import TargetChoice
    from ..core.workloads import WorkloadSummary

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


def history_lines(
    history: WorkloadHistory, choice: TargetChoice | None, now: datetime
) -> list[str]:
    """The `history` command's table, markers for the current revision and the default target."""
    target = choice.revision.number if choice else None
    rows = [
        [
            "",
            "REVISION",
            _object_column(history),
            "IMAGES",
            "AGE",
            "READY",
            "HEALTH",
            "CHANGE-CAUSE",
            "EVIDENCE",
        ]
    ]
    for rev in history.revisions:
        mark = "●" if rev.current else ("★" if rev.number == target else "")
        evidence = "; ".join(e.line for e in rev.evidence) or "no evidence"
        rows.append(
            [
                mark,
                revision_label(rev),
                rev.object_name,
                rev.image_summary,
                age(rev.created, now),
                f"{rev.ready}/{rev.desired}",
                f"{SYMBOL[rev.health]} {rev.health.value}",
                rev.change_cause or "<none>",  # as kubectl rollout history prints it
                evidence,
            ]
        )
    lines = [f"{history.ref.display} (namespace {history.ref.namespace})", *table(rows)]
    lines.append(f"● current  ★ default rollback target   {kept_line(history)}")
    if choice is not None:
        if choice.kubectl_would_pick is not None:
            lines.append(
                f"kubectl rollout undo would pick revision {choice.kubectl_would_pick.number}; "
                f"kubectl rollback picks revision {choice.revision.number}"
            )
        lines.extend(f"warning: {w.message}" for w in choice.warnings)
    return lines


def _object_column(history: WorkloadHistory) -> str:
    """The history table's column of revision objects: REPLICASET or CONTROLLERREVISION."""
    return kind_named(history.ref.kind).revision_resource.kind.upper()


def revision_detail_lines(
    history: WorkloadHistory, revision: Revision, show_secrets: bool = False
) -> list[str]:
    """`history --revision N`: kubectl's heading, then the template and evidence."""
    from ..core.rendering import mask_template, to_yaml

    lines = [f"{history.ref.display} with revision #{revision.number}"]
    if revision.former_numbers:
        lines.append(f"Formerly revision(s): {', '.join(str(n) for n in revision.former_numbers)}")
    lines.append(f"{revision.object_kind + ':':<13} {revision.object_name}")
    lines.append(f"Change-cause: {revision.change_cause or '<none>'}")
    lines.append(f"Health:       {SYMBOL[revision.health]} {revision.health.value}")
    lines.extend(f"  - {e.line}" for e in revision.evidence)
    lines.append("Pod Template:")
    template = dict(revision.template) if show_secrets else mask_template(dict(revision.template))
    lines.extend("  " + line for line in to_yaml(template).splitlines())
    return lines


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
    _section(out, "Why", plan.why)
    if plan.kubectl_would_pick is not None:
        k = plan.kubectl_would_pick
        out.append(
            f"  kubectl rollout undo would pick revision {k.number} ({k.images}) [{k.health.value}]"
        )
    _section(out, "Images", [c.line for c in plan.image_changes] or ["no image changes"])
    if plan.env_changes:
        _section(out, "Environment", [c.line for c in plan.env_changes])
    if plan.template_diff.strip():
        out.append("Pod template diff:")
        out.extend("  " + line for line in plan.template_diff.rstrip("\n").splitlines())
    scaling = plan.scaling
    head = f"{kind_named(plan.ref.kind).update_word} ({scaling.strategy}"
    if scaling.max_surge is not None:
        head += f", maxSurge {scaling.max_surge}, maxUnavailable {scaling.max_unavailable}"
    _section(out, head + ")", scaling.steps)
    if plan.annotation_changes:
        _section(
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
    _section(out, "Warnings", [w.message for w in plan.warnings], bullet="!")
    _section(out, "Not rolled back", plan.not_rolled_back)
    return out


def _section(out: list[str], title: str, lines: Iterable[str], bullet: str = "-") -> None:
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


def group_lines(group: BlueGreenGroup) -> list[str]:
    """A blue/green group: where each Service routes, and each side's workload, images and Ready
    pods."""
    style = "Harness" if group.style == "harness" else f"generic ({group.color_key})"
    out = [f"Blue/green group {group.name} (namespace {group.namespace}, {style})"]
    rows = [["SERVICE", "ROLE", "SELECTOR", "ROUTES TO"]]
    for svc in group.services:
        rows.append([svc.name, svc.role, svc.selector_text, svc.color or "-"])
    out.extend("  " + line for line in table(rows))
    rows = [["", "SIDE", "WORKLOAD", "REPLICASET", "IMAGES", "READY", "TRAFFIC"]]
    for side in group.sides:
        mark = "●" if side.color == group.live_color else ""
        if side.problem is not None:
            traffic = "cannot take traffic: " + side.problem
        elif side.can_take_traffic:
            traffic = "can take traffic"
        else:
            traffic = "cannot take traffic: no Ready pods"
        rows.append(
            [
                mark,
                side.color,
                ", ".join(side.workloads) or "<none>",
                side.replicaset or "-",
                side.image_summary,
                side.state,
                traffic,
            ]
        )
    out.extend("  " + line for line in table(rows))
    previous = group.previous_color
    if group.live is not None:
        out.append(
            "  ● live"
            + (f"   previously live (kubectl-rollback record): {previous}" if previous else "")
        )
    _section(out, "Problems", group.problems, bullet="!")
    return out


def switch_plan_lines(plan: TrafficSwitchPlan, *, refusal: bool = True) -> list[str]:
    """A traffic switch plan as a person reads it: the group, the selector changes, traffic,
    warnings (and the refusal, unless the caller says it on its own line: `refusal=False`)."""
    out = [
        f"Blue/green rollback plan for service/{plan.group.name} (namespace {plan.group.namespace})"
    ]
    out.append(f"  from  {plan.from_color or '<none>'}   to  {plan.to_color}")
    _section(out, "Why", plan.why)
    out.extend(group_lines(plan.group)[1:])
    if plan.scale_up is not None:
        _section(out, "Scale up first", [plan.scale_up.line])
    _section(
        out,
        "Selector changes (in this order, each with a resourceVersion precondition)",
        [c.line for c in plan.changes],
    )
    traffic = []
    for change in plan.changes:
        pods = ", ".join(change.pods_after) if change.pods_after else "no Ready pods yet"
        traffic.append(f"service/{change.service} -> {change.to_color}: {pods}")
    _section(out, "Traffic after the switch", traffic)
    _section(out, "Warnings", [w.message for w in plan.warnings], bullet="!")
    if plan.refusal and refusal:
        out.append(f"Refused: {plan.refusal}")
    return out


def switch_history_lines(records: Iterable[SwitchRecord]) -> list[str]:
    """The switches kubectl-rollback recorded on a group's Services, newest first."""
    items = list(records)
    if not items:
        return [
            "No switches recorded by kubectl-rollback "
            "(annotation kubectl-rollback.io/switch-history)."
        ]
    rows = [["AT", "SERVICE", "FROM", "TO", "BY"]]
    rows += [[r.at, r.service, r.from_color or "-", r.to_color, r.by or "-"] for r in items]
    return ["Switches recorded by kubectl-rollback:", *("  " + line for line in table(rows))]


# ---------------------------------------------------------------- releases


def release_plan_lines(plan: ReleasePlan, *, refusal: bool = True) -> list[str]:
    """A release rollback plan: the release, from/to, then every workload's plan in order
    (and the refusal, unless the caller says it on its own line: `refusal=False`)."""
    group = plan.group
    out = [f"Release rollback plan for {group.display} (namespace {group.namespace})"]
    out.append(f"  found by: {group.clue}")
    if plan.records is not None:
        src, dst = plan.from_release, plan.to_release
        out.append(
            f"  records: {plan.records.source}"
            + (f"; from release {src.number} ({src.status})" if src else "")
            + (f" to release {dst.number} ({dst.status}, {dst.record})" if dst else "")
        )
    changing = {s.ref for s in plan.changing}
    rows = [["", "WORKLOAD", "FROM", "TO", "HOW"]]
    for index, step in enumerate(plan.steps, 1):
        src_rev = step.plan.from_revision
        rows.append(
            [
                str(index) if step.ref in changing else "-",
                step.ref.display,
                f"{src_rev.number} {src_rev.images}" if src_rev else "-",
                f"{step.plan.to_revision.number} {step.plan.to_revision.images}"
                if step.ref in changing
                else "already there",
                step.how,
            ]
        )
    out.append("Workloads (patched in this order, each with its resourceVersion precondition):")
    out.extend("  " + line for line in table(rows))
    _section(out, "Warnings", [w.message for w in plan.warnings], bullet="!")
    _section(out, "Not rolled back", plan.not_rolled_back)
    _section(
        out,
        "Canary workloads deleted after the rollback (--delete-canary)",
        [f"{c.ref.display} ({c.pods} pods)" for c in plan.delete_canaries],
    )
    _section(
        out, "Release records updated afterwards", [u.description for u in plan.record_updates]
    )
    for step in plan.changing:
        out.append("")
        out.extend(plan_lines(step.plan))
    if plan.refusal and refusal:
        out.append(f"Refused: {plan.refusal}")
    return out


def release_records_lines(group: ReleaseGroup, records: ReleaseHistory | None) -> list[str]:
    """`history release/NAME`: the recorded releases, newest first, with their workloads."""
    out = [f"{group.display} (namespace {group.namespace}), found by {group.clue}"]
    if records is None:
        out.append(
            "No release records (only Harness and Helm keep them): "
            "each workload goes back to its own last successful revision."
        )
        out.append("Workloads: " + ", ".join(r.display for r in group.workloads))
        return out
    last = records.last_successful()
    rows = [["", "RELEASE", "STATUS", "RECORD", "WORKLOADS"]]
    for revision in records.revisions:
        mark = "●" if revision is records.current else ("★" if revision is last else "")
        workloads = ", ".join(
            f"{w.kind.lower()}/{w.name}" + (f"@{w.revision}" if w.revision is not None else "")
            for w in revision.workloads
        )
        rows.append([mark, str(revision.number), revision.status, revision.record, workloads])
    out.append(f"Records: {records.source}")
    out.extend("  " + line for line in table(rows))
    out.append("  ● current   ★ the release a rollback goes back to")
    return out


def release_list_lines(
    groups: Iterable[ReleaseGroup], rows: Mapping[tuple[str, str], WorkloadSummary]
) -> list[str]:
    """`releases`: each release, where it was found, its workloads and their state."""
    table_rows = [["RELEASE", "SOURCE", "WORKLOADS"]]
    for group in groups:
        states = []
        for ref in group.workloads:
            summary = rows.get((ref.kind, ref.name))
            states.append(f"{ref.display} ({summary.status.value if summary else '?'})")
        table_rows.append([group.name, group.source, ", ".join(states)])
    return table(table_rows)
