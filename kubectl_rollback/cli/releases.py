"""The release commands: `rollback release/NAME` (or `-l SELECTOR`), `history release/NAME`,
`releases`. Connect, call core.release, print; the rules live in the core."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime
from typing import Any

from ..core import documents, errors, execution
from ..core import release as release_rules
from ..core.execution import RolloutOutcome
from ..core.workloads import summarise
from ..interrupts import Stopped, deferred
from .args import fail, parse_duration
from .common import check_output, gateway, unrecorded_warning
from .console import SILENT, confirm, print_lines, say
from .release_text import release_list_lines, release_plan_lines, release_records_lines
from .text import dump


def load_yaml(text: str) -> list[Any]:
    """Every YAML document of ``text`` (the core's ``LoadYaml``); PyYAML is imported only here,
    when release records are read. The terminal UI reads records with it too."""
    import yaml

    return list(yaml.safe_load_all(text))


def rollback_release(
    gw: Any,
    *,
    name: str | None,
    selector: str | None,
    to_release: int | None,
    restore: bool,
    delete_canary: bool,
    mode: str | None,
    output: str | None,
    yes: bool,
    wait: bool,
    timeout_seconds: float,
    quiet: bool = False,
) -> None:
    """Plan, confirm, execute and follow the rollback of a whole release (``quiet`` with
    --yes or --dry-run: only the result line, as for one workload)."""
    now = datetime.now(UTC)
    group = (
        release_rules.selector_group(gw, gw.namespace, selector)
        if selector is not None
        else release_rules.resolve(gw, gw.namespace, str(name))
    )
    plan = release_rules.prepare_release(
        gw,
        group,
        now=now,
        load_yaml=load_yaml,
        to_release=to_release,
        delete_canaries=delete_canary,
    )
    human = output is None
    out = sys.stdout if human else sys.stderr
    brief = quiet and (yes or mode is not None)
    info = SILENT if brief else out
    if human and not brief:
        print_lines(release_plan_lines(plan, refusal=False))  # the refusal is the error line
    if plan.refusal is not None:
        raise errors.Refused(plan.refusal)
    if plan.noop is not None:
        _emit(None, plan, output, out, plan.noop)
        return
    if mode == "client":
        _emit(None, plan, output, out, f"{group.display} rolled back (dry run)")
        return
    if mode is None and not yes:
        confirm(
            f"Roll back {len(plan.changing)} workload(s) of {group.display}"
            + (f" to release {plan.to_release.number}" if plan.to_release else "")
            + "?",
            "roll back",
            "roll back",
        )
    # Every patch of the release is sent (or put back) before a signal is heard.
    with deferred() as signals:
        try:
            result = release_rules.execute_release(
                gw,
                plan,
                dry_run=mode == "server",
                restore=restore,
                on_step=lambda o: None if output else say(f"{o.ref.display}: {o.message}", info),
            )
        except release_rules.ReleaseFailed as stopped:
            if output:
                sys.stdout.write(dump(documents.release_failure(plan, stopped), output))
            raise
    if mode == "server":
        _emit(
            result,
            plan,
            output,
            out,
            "; ".join(result.message.splitlines()) if brief else result.message,
        )
        return
    for line in result.records_written:
        say(f"release record updated: {line}", info)
    for line in result.record_errors:
        say(f"warning: {line}", sys.stderr if brief else info)
    if signals or not wait:
        _emit(result, plan, output, out, _summary(result) if brief else None)
        if signals:
            raise Stopped(signals[0]).saying(
                f"{group.display} was rolled back; not following the rollouts"
            )
        return
    outcomes = _follow_all(gw, result, timeout_seconds, info, sys.stderr if brief else out)
    _emit(result, plan, output, out, _summary(result) if brief else None, outcomes)
    failed = [ref for ref, o in outcomes.items() if o is None or o.verdict.value != "success"]
    if failed:
        fail(
            f"{group.display} was rolled back, but the rollout of "
            + ", ".join(ref.display for ref in failed)
            + " did not succeed",
            errors.EXIT_ROLLOUT_FAILED,
        )


def _summary(result: release_rules.ReleaseResult) -> str:
    """The one result line of a quiet release rollback: where each workload stands."""
    states = ", ".join(f"{o.ref.display} {o.state}" for o in result.workloads)
    return f"{result.plan.group.display}: {states}"


def _follow_all(
    gw: Any, result: release_rules.ReleaseResult, timeout_seconds: float, info: Any, warn: Any
) -> dict[Any, RolloutOutcome | None]:
    """Follow every rolled-back workload at once (one watch each); a signal stops following.
    ``warn``: where a rollout whose outcome could not be recorded is said."""
    outcomes: dict[Any, RolloutOutcome | None] = {}
    lock = threading.Lock()

    def follow(step: Any) -> None:
        try:
            outcome = execution.follow(
                gw,
                step.ref,
                timeout_seconds=max(1, int(timeout_seconds)),
                now_fn=lambda: datetime.now(UTC),
                on_status=lambda s: say(f"{step.ref.display}: {s.message}", info),
                expect_revision=step.plan.to_revision.object_name,
            )
        except errors.RollbackError as exc:
            say(f"{step.ref.display}: {exc}", info)
            outcome = None
        warning = unrecorded_warning(outcome, step.ref.display)
        if warning is not None:
            say(warning, warn)
        with lock:
            outcomes[step.ref] = outcome

    changed = {o.ref for o in result.workloads if o.state == "rolled back"}
    threads = [
        threading.Thread(target=follow, args=(step,), daemon=True)
        for step in result.plan.steps
        if step.ref in changed
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)
    except Stopped as stop:
        raise stop.saying(
            f"{result.plan.group.display} was rolled back; stopped following, the rollouts go "
            "on in the cluster"
        ) from None
    return outcomes


def _emit(
    result: release_rules.ReleaseResult | None,
    plan: release_rules.ReleasePlan,
    output: str | None,
    info: Any,
    message: str | None,
    outcomes: dict[Any, RolloutOutcome | None] | None = None,
) -> None:
    if output:
        doc = documents.release_result(plan, result, outcomes)
        sys.stdout.write(dump(doc, output))
    elif message:
        say(message, info)


def release_history(gw: Any, name: str, output: str | None) -> None:
    """`history release/NAME`: the release's recorded revisions and their workloads."""
    group = release_rules.resolve(gw, gw.namespace, name)
    records = release_rules.read_records(gw, group, load_yaml=load_yaml)
    if output:
        sys.stdout.write(dump(documents.release_history(group, records), output))
    else:
        print_lines(release_records_lines(group, records))


def list_releases(gw: Any, output: str | None) -> None:
    """`releases`: every release of the namespace with its workloads and their state."""
    workloads = release_rules.list_workloads(gw, gw.namespace)
    groups = release_rules.find_releases(gw.namespace, workloads)
    rows = {(kind, obj["metadata"]["name"]): summarise(obj, kind) for kind, obj in workloads}
    if output:
        sys.stdout.write(dump(documents.release_list(gw.namespace, groups, rows), output))
    elif not groups:
        print_lines([f"No releases found in namespace {gw.namespace}."])
    else:
        print_lines(release_list_lines(groups, rows))


def releases(
    *,
    namespace: str | None,
    context: str | None,
    kubeconfig: str | None,
    output: str | None,
    request_timeout: str,
    demo: bool = False,
) -> None:
    check_output(output)
    parse_duration(request_timeout, "--request-timeout")
    with gateway(kubeconfig, context, namespace, demo, request_timeout) as gw:
        list_releases(gw, output)
