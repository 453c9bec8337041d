"""Blue/green rapid rollback on the command line: `kubectl rollback svc/NAME` routes a
group's traffic back (preview, dry run, confirm, scale up if asked, switch), and its
history. The rules live in core/bluegreen_service.py; loaded only for a Service."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..core import bluegreen_service, errors
from ..core.model import WorkloadRef
from ..core.values import replace
from ..interrupts import Stopped, deferred
from . import console
from .common import emit_result
from .console import confirm, print_lines, say
from .text import dump, section, table

if TYPE_CHECKING:
    from ..core.bluegreen import BlueGreenGroup, SwitchRecord, TrafficSwitchPlan


def untimed(patch: Any) -> Any:
    """A traffic switch's patch without the time its new switch record carries: the record
    says when the switch is made, which is after the review, not part of what was reviewed."""
    import json

    from ..core.bluegreen import SWITCH_HISTORY_ANNOTATION

    ops = []
    for op in patch or []:
        value = op.get("value") if isinstance(op, dict) else None
        if isinstance(value, dict) and SWITCH_HISTORY_ANNOTATION in value:
            try:
                entries = json.loads(value[SWITCH_HISTORY_ANNOTATION])
            except ValueError:
                entries = value[SWITCH_HISTORY_ANNOTATION]
            if isinstance(entries, list) and entries and isinstance(entries[-1], dict):
                entries = [*entries[:-1], {k: v for k, v in entries[-1].items() if k != "at"}]
            op = {**op, "value": {**value, SWITCH_HISTORY_ANNOTATION: entries}}
        ops.append(op)
    return ops


def rollback_service(
    gw: Any,
    ref: WorkloadRef,
    *,
    to: str | None,
    mode: str | None,
    output: str | None,
    yes: bool,
    timeout_seconds: float,
    force: bool,
    scale_up: bool,
    quiet: bool = False,
) -> None:
    """Blue/green rapid rollback: route a group's traffic back, with the same
    preview/dry-run/execute path."""
    plan = bluegreen_service.prepare_switch(
        gw, ref.namespace, ref.name, to, now=datetime.now(UTC), force=force, scale_up=scale_up
    )
    carry_out_switch(
        gw,
        plan,
        mode=mode,
        output=output,
        yes=yes,
        timeout_seconds=timeout_seconds,
        quiet=quiet,
    )


def carry_out_switch(
    gw: Any,
    plan: Any,
    *,
    mode: str | None,
    output: str | None,
    yes: bool,
    timeout_seconds: float,
    quiet: bool = False,
) -> None:
    """Show, confirm, scale up if planned, and switch (rollback svc/NAME and apply share it);
    ``quiet`` as for a workload (only the result line)."""
    human = output is None
    info = sys.stdout if human else sys.stderr
    brief = quiet and (yes or mode is not None)
    progress = console.SILENT if brief else info
    if human and not brief:
        print_lines(switch_plan_lines(plan, refusal=False))  # the refusal is the error line
    if plan.refusal is not None:
        raise errors.Refused(plan.refusal)
    if plan.noop is not None:
        # Nothing is sent for a noop: a dry run of either kind says so (dryRun true).
        emit_result(
            bluegreen_service.switch_traffic(gw, plan, dry_run=mode is not None), output, info
        )
        return
    if mode == "client":
        lines = [
            f"service/{c.service} switched from {c.from_color} to {c.to_color} (dry run)"
            for c in plan.changes
        ]
        result = bluegreen_service.TrafficSwitchResult(
            plan, applied=False, dry_run=True, noop=False, message="\n".join(lines)
        )
        emit_result(result, output, info, brief)
        return
    if mode is None and not yes:
        confirm(
            f"Route the traffic of {plan.display} from {plan.from_color} to {plan.to_color}?",
            "switch traffic",
            "switch",
        )
    routes = ", ".join(f"service/{c.service} routes to {c.from_color}" for c in plan.changes)
    try:
        scaled = bluegreen_service.scale_up_and_wait(
            gw,
            plan,
            dry_run=mode == "server",
            timeout_seconds=timeout_seconds,
            now_fn=lambda: datetime.now(UTC),
            sleep_fn=time.sleep,
            on_status=lambda line: say(line, progress),
        )
    except Stopped as stop:
        raise stop.saying(
            f"stopped waiting for {plan.to_color} to be Ready (its scale-up stays applied); "
            f"traffic was not switched: {routes}"
        ) from None
    # Every Service of the group is written before a signal is heard: never half a switch.
    with deferred() as signals:
        result = bluegreen_service.switch_traffic(
            gw, plan, dry_run=mode == "server", recheck=plan.scale_up is not None
        )
    if scaled:
        result = replace(result, scaled=True)
    emit_result(result, output, info, brief)
    if signals:
        now_routes = ", ".join(f"service/{c.service} routes to {c.to_color}" for c in plan.changes)
        raise Stopped(signals[0]).saying(f"the switch was finished first: {now_routes}")


def service_history(gw: Any, ref: WorkloadRef, output: str | None) -> None:
    from ..core import documents

    group = bluegreen_service.load_group(gw, ref.namespace, ref.name)
    records = bluegreen_service.switch_history(group)
    if output:
        sys.stdout.write(dump(documents.traffic_switch_history(group, records), output))
    else:
        print_lines(group_lines(group) + [""] + switch_history_lines(records))


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
    section(out, "Problems", group.problems, bullet="!")
    return out


def switch_plan_lines(plan: TrafficSwitchPlan, *, refusal: bool = True) -> list[str]:
    """A traffic switch plan as a person reads it: the group, the selector changes, traffic,
    warnings (and the refusal, unless the caller says it on its own line: `refusal=False`)."""
    out = [
        f"Blue/green rollback plan for service/{plan.group.name} (namespace {plan.group.namespace})"
    ]
    out.append(f"  from  {plan.from_color or '<none>'}   to  {plan.to_color}")
    section(out, "Why", plan.why)
    out.extend(group_lines(plan.group)[1:])
    if plan.scale_up is not None:
        section(out, "Scale up first", [plan.scale_up.line])
    section(
        out,
        "Selector changes (in this order, each with a resourceVersion precondition)",
        [c.line for c in plan.changes],
    )
    traffic = []
    for change in plan.changes:
        pods = ", ".join(change.pods_after) if change.pods_after else "no Ready pods yet"
        traffic.append(f"service/{change.service} -> {change.to_color}: {pods}")
    section(out, "Traffic after the switch", traffic)
    section(out, "Warnings", [w.message for w in plan.warnings], bullet="!")
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
