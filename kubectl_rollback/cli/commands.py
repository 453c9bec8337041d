"""`kubectl rollback`: roll a workload back (plan, preview, confirm, execute, follow), or
open the terminal UI when no workload is named. Blue/green Services go to services.py,
releases to releases.py; the other commands have their own modules (history.py,
apply.py, guard.py). No rollback rule lives here."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

from ..core import errors
from ..core import rollback as use_case
from ..core.kinds import supported
from ..core.model import WorkloadRef
from ..core.target import TargetSpec, parse_target
from ..interrupts import Stopped, deferred
from . import console
from .args import fail, parse_duration, parse_workload
from .common import check_output, emit_result, gateway, unrecorded_warning, workload_ref
from .console import confirm, interactive, print_lines, say
from .text import dump, plan_lines


def _target(to_revision: int | None, to: str | None, name: str) -> TargetSpec | None:
    if to_revision is not None and to is not None:
        fail("--to-revision and --to are mutually exclusive", 2)
    if to_revision is not None:
        if to_revision <= 0:
            fail(f"--to-revision must be a positive revision number, got {to_revision}", 2)
        return TargetSpec.revision(to_revision)
    if to is not None:
        if not to.strip():
            # An unset variable in a script must not roll production back to the default target.
            fail(
                "--to is empty: name a revision, ReplicaSet, pod-template-hash or image "
                "(leave --to out for the default target)",
                2,
            )
        try:
            return parse_target(to, deployment=name)
        except errors.RollbackError as exc:
            fail(str(exc), 2)
    return None


def rollback(
    *,
    workload: list[str],
    namespace: str | None,
    context: str | None,
    kubeconfig: str | None,
    to_revision: int | None,
    to: str | None,
    dry_run: str | None,
    output: str | None,
    yes: bool,
    wait: bool,
    timeout: str,
    require_healthy: bool,
    show_secrets: bool,
    demo: bool,
    read_only: bool,
    force: bool = False,
    scale_up: bool = False,
    request_timeout: str = "30s",
    selector: str | None = None,
    to_release: int | None = None,
    restore: bool = True,
    delete_canary: bool = False,
    quiet: bool = False,
) -> None:
    check_output(output)
    if dry_run not in (None, "none", "client", "server"):
        fail(f'Invalid dry-run value ({dry_run}). Must be "none", "server", or "client".', 2)
    mode = None if dry_run == "none" else dry_run
    release_only = [
        flag
        for flag, given in (
            ("--to-release", to_release is not None),
            ("--no-restore", not restore),
            ("--delete-canary", delete_canary),
        )
        if given
    ]
    kind, name = parse_workload(workload) if workload else ("", "")  # usage errors first
    if selector is not None or kind == "Release":
        if selector is not None and workload:
            fail("-l/--selector picks the workloads itself: name no TYPE/NAME with it", 2)
        if selector is not None and not selector.strip():
            fail("-l/--selector is empty: give a label selector, e.g. -l app=web", 2)
        if to_revision is not None or to is not None or force or scale_up:
            fail(
                "--to-revision, --to, --force and --scale-up apply to one workload or Service; "
                "a release goes back to its last successful release (or --to-release N)",
                2,
            )
        if to_release is not None and to_release <= 0:
            fail(f"--to-release must be a positive release number, got {to_release}", 2)
        if read_only and mode is None:
            fail("--read-only: refusing to change anything (use --dry-run to see the plan)", 2)
        timeout_seconds = parse_duration(timeout)
        parse_duration(request_timeout, "--request-timeout")
        from .releases import rollback_release

        with gateway(kubeconfig, context, namespace, demo, request_timeout) as gw:
            rollback_release(
                gw,
                name=name or None,
                selector=selector,
                to_release=to_release,
                restore=restore,
                delete_canary=delete_canary,
                mode=mode,
                output=output,
                yes=yes,
                wait=wait,
                timeout_seconds=timeout_seconds,
                quiet=quiet,
            )
        return
    if release_only:
        verb = "apply" if len(release_only) > 1 else "applies"
        fail(f"{' and '.join(release_only)} {verb} to release/NAME or -l SELECTOR only", 2)
    if not workload:
        _open_tui(
            namespace=namespace,
            context=context,
            kubeconfig=kubeconfig,
            demo=demo,
            read_only=read_only,
            request_timeout=parse_duration(request_timeout, "--request-timeout"),
        )
        return
    in_terminal = mode is None and not yes and output is None and interactive()
    if in_terminal and supported(kind):
        # In a terminal, without --yes/--dry-run/-o: the UI, on this workload, its target previewed.
        _open_tui(
            namespace=namespace,
            context=context,
            kubeconfig=kubeconfig,
            demo=demo,
            read_only=read_only,
            workload=name,
            target=_target(to_revision, to, name),
            workload_kind=kind,
            request_timeout=parse_duration(request_timeout, "--request-timeout"),
        )
        return
    timeout_seconds = parse_duration(timeout)
    if read_only and mode is None:
        fail("--read-only: refusing to change anything (use --dry-run to see the plan)", 2)
    if kind != "Service" and (force or scale_up):
        fail("--force and --scale-up apply to blue/green Services (e.g. svc/web) only", 2)
    if kind == "Service":
        if to_revision is not None:
            fail("--to-revision does not apply to a Service: name the colour with --to COLOR", 2)
        if scale_up and not wait:
            fail(
                "--scale-up waits until the side is Ready before switching; "
                "it cannot be used with --no-wait",
                2,
            )
    parse_duration(request_timeout, "--request-timeout")  # usage errors before any connection
    with gateway(kubeconfig, context, namespace, demo, request_timeout) as gw:
        ref = workload_ref(workload, gw.namespace)
        if ref.kind == "Service":
            from .services import rollback_service

            rollback_service(
                gw,
                ref,
                to=to,
                mode=mode,
                output=output,
                yes=yes,
                timeout_seconds=timeout_seconds,
                force=force,
                scale_up=scale_up,
                quiet=quiet,
            )
            return
        spec = _target(to_revision, to, ref.name)
        now = datetime.now(UTC)
        plan = use_case.prepare(gw, ref, now=now).plan(
            spec, now=now, require_healthy=require_healthy, show_secrets=show_secrets
        )
        carry_out(
            gw,
            ref,
            plan,
            mode=mode,
            output=output,
            yes=yes,
            wait=wait,
            timeout_seconds=timeout_seconds,
            quiet=quiet,
        )


def carry_out(
    gw: Any,
    ref: WorkloadRef,
    plan: Any,
    *,
    mode: str | None,
    output: str | None,
    yes: bool,
    wait: bool,
    timeout_seconds: float,
    quiet: bool = False,
) -> None:
    """Show, confirm, execute and follow a workload rollback plan (rollback and apply share it).

    ``quiet`` (-q) with --yes or --dry-run: no plan and no progress, only the result line
    (a question on a terminal still shows the whole plan first)."""
    human = output is None
    info = sys.stdout if human else sys.stderr
    brief = quiet and (yes or mode is not None)
    progress = console.SILENT if brief else info
    if plan.refusal is not None:
        raise errors.Refused(plan.refusal)
    if mode == "client":  # nothing sent: the carrying-out half of the use case stays unloaded
        if plan.noop is None and human and not brief:
            print_lines(plan_lines(plan))
        emit_result(use_case.client_dry_run(plan), output, info)
        return
    from ..core import execution

    if plan.noop is not None:
        emit_result(execution.execute(gw, plan, dry_run=mode == "server"), output, info)
        return
    if human and not brief:
        print_lines(plan_lines(plan))
    if mode is None and not yes:
        confirm(
            f"Roll back {plan.ref.display} to revision {plan.to_revision.number} "
            f"({plan.to_revision.images})?",
            "roll back",
            "roll back",
        )
    # The PATCH is answered (or read back) before a signal is heard: never a misreport.
    with deferred() as signals:
        result = execution.execute(gw, plan, dry_run=mode == "server")
    if mode == "server" or not wait or signals:
        emit_result(result, output, info)
        if signals:
            raise Stopped(signals[0]).saying(
                f"{result.message}; not following the rollout (kubectl rollout status "
                f"{ref.kind.lower()}/{ref.name} -n {ref.namespace})"
            )
        return
    try:
        say(result.message, progress)
        outcome = execution.follow(
            gw,
            ref,
            timeout_seconds=max(1, int(timeout_seconds)),
            now_fn=lambda: datetime.now(UTC),
            on_status=lambda s: None if s.failed else say(s.message, progress),
            expect_revision=plan.to_revision.object_name,
        )
    except Stopped as stop:
        if output:
            from ..core import documents

            doc = documents.rollback_result(result, documents.interrupted_rollout(stop.word))
            sys.stdout.write(dump(doc, output))
        raise stop.saying(
            f"{ref.display} was rolled back to revision {plan.to_revision.number} "
            f"({plan.to_revision.images}); stopped following, the rollout goes on in the cluster "
            f"(kubectl rollout status {ref.kind.lower()}/{ref.name} -n {ref.namespace})"
        ) from None
    if output:
        from ..core import documents

        doc = documents.rollback_result(result, documents.rollout(outcome))
        sys.stdout.write(dump(doc, output))
    elif brief:  # the one result line: what was applied, and how the rollout ended if it did
        done = not outcome.timed_out and not outcome.status.failed
        say(result.message + (f"; {outcome.status.message}" if done else ""), info)
    warning = unrecorded_warning(outcome)
    if warning is not None:
        say(warning, sys.stderr if brief else info)
    if outcome.timed_out:
        from ..core import pods

        advice = pods.read_stuck_advice(gw, ref)  # a StatefulSet stuck on a pod: which to delete
        fail(
            "timed out waiting for the condition: "
            + outcome.status.message
            + (f"; {advice}" if advice else ""),
            errors.EXIT_ROLLOUT_FAILED,
        )
    if outcome.status.failed:
        fail(outcome.status.message, errors.EXIT_ROLLOUT_FAILED)


def _open_tui(
    *,
    namespace: str | None,
    context: str | None,
    kubeconfig: str | None,
    demo: bool,
    read_only: bool,
    workload: str | None = None,
    target: TargetSpec | None = None,
    workload_kind: str = "Deployment",
    request_timeout: float,
) -> None:
    """Run the terminal UI (usage errors, such as a bad --request-timeout, come before: exit 2)."""
    try:
        from ..tui import run_app
    except ImportError:
        fail(
            "the terminal UI is not available in this build; name a workload, e.g. "
            "kubectl rollback deploy/web --dry-run",
            2,
        )
    if not demo and not interactive():
        fail(
            "no workload given and not running in a terminal: name a workload, e.g. "
            "kubectl rollback deploy/web --yes",
            2,
        )
    run_app(
        namespace=namespace,
        context=context,
        kubeconfig=kubeconfig,
        demo=demo,
        read_only=read_only,
        workload=workload,
        target=target,
        workload_kind=workload_kind,
        request_timeout=request_timeout,
    )
