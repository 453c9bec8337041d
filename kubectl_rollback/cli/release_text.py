"""The plain-text renderings of release plans, records and lists (the release commands and
the terminal UI's Releases screen)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from .text import plan_lines, section, table

if TYPE_CHECKING:  # type names only: the release rules load with the release commands
    from ..core.release import ReleaseGroup, ReleasePlan
    from ..core.release_records import ReleaseHistory
    from ..core.workloads import WorkloadSummary


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
    section(out, "Warnings", [w.message for w in plan.warnings], bullet="!")
    section(out, "Not rolled back", plan.not_rolled_back)
    section(
        out,
        "Canary workloads deleted after the rollback (--delete-canary)",
        [f"{c.ref.display} ({c.pods} pods)" for c in plan.delete_canaries],
    )
    section(out, "Release records updated afterwards", [u.description for u in plan.record_updates])
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
