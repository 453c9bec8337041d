"""What each command does: connect, call the core, print. No rollback rule lives here."""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..core import errors
from ..core import rollback as use_case
from ..core.kinds import kind_named, supported, supported_text
from ..core.model import WorkloadRef
from ..core.target import TargetChoice, TargetSpec, choose_target, parse_target
from ..interrupts import Stopped, deferred
from . import console
from .args import fail, parse_duration, parse_workload
from .console import confirm as _confirm
from .console import interactive as _interactive
from .console import print_lines as _print
from .console import say as _say
from .text import (
    dump,
    group_lines,
    history_lines,
    plan_lines,
    revision_detail_lines,
    switch_history_lines,
    switch_plan_lines,
)

if TYPE_CHECKING:  # blue/green rules and documents load only for a Service or -o json|yaml
    from ..core import bluegreen_service


@contextlib.contextmanager
def gateway(
    kubeconfig: str | None,
    context: str | None,
    namespace: str | None,
    demo: bool,
    request_timeout: str = "30s",
) -> Iterator[Any]:
    """A connected KubeGateway; with `demo`, against a simulated cluster started for this run."""
    from ..kube.gateway import KubeGateway

    seconds = parse_duration(request_timeout, "--request-timeout")
    if not demo:
        gw = KubeGateway.connect(kubeconfig, context, namespace, request_timeout=seconds)
        try:
            yield gw
        finally:
            gw.close()
        return
    from ..sim import DEMO_NAMESPACE, run_demo

    with run_demo() as sim:
        gw = KubeGateway.connect(
            sim.kubeconfig, None, namespace or DEMO_NAMESPACE, request_timeout=seconds
        )
        try:
            yield gw
        finally:
            gw.close()


def _ref(workload: list[str], namespace: str) -> WorkloadRef:
    kind, name = parse_workload(workload)
    if kind in ("Service", "Release"):
        return WorkloadRef(kind, namespace, name)
    if not supported(kind):
        fail(
            f"{kind}s cannot be rolled back: kubectl rollback handles {supported_text()} "
            "(and blue/green Services)",
            2,
        )
    return WorkloadRef(kind, namespace, name)


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


def check_output(output: str | None) -> None:
    if output not in (None, "json", "yaml"):
        fail(
            f'unable to match a printer suitable for the output format "{output}", '
            "allowed formats are: json,yaml",
            2,
        )


def history(
    *,
    workload: list[str],
    namespace: str | None,
    context: str | None,
    kubeconfig: str | None,
    output: str | None,
    revision: int | None,
    show_secrets: bool,
    request_timeout: str = "30s",
    demo: bool = False,
) -> None:
    check_output(output)
    parse_workload(workload)  # usage errors before any connection
    parse_duration(request_timeout, "--request-timeout")
    with gateway(kubeconfig, context, namespace, demo, request_timeout) as gw:
        ref = _ref(workload, gw.namespace)
        now = datetime.now(UTC)
        if ref.kind == "Release":
            from .releases import release_history

            release_history(gw, ref.name, output)
            return
        if ref.kind == "Service":
            if revision is not None:
                fail(
                    "--revision does not apply to a Service: blue/green groups have no revisions", 2
                )
            _service_history(gw, ref, output)
            return
        hist = use_case.load(gw, ref, now=now, pods=True)
        choice: TargetChoice | None
        try:
            choice = choose_target(hist)
        except errors.TargetError:
            choice = None
        if revision is not None:
            rev = hist.revision(revision)
            if rev is None:
                raise errors.TargetNotFound(
                    f"unable to find the specified revision {revision} in history"
                )
            if output:
                from ..core import documents

                doc = documents.revision_history(hist, choice)
                doc["revisions"] = [r for r in doc["revisions"] if r["revision"] == revision]
                sys.stdout.write(dump(doc, output))
            else:
                _print(revision_detail_lines(hist, rev, show_secrets))
            return
        if output:
            from ..core import documents

            sys.stdout.write(dump(documents.revision_history(hist, choice), output))
        else:
            _print(history_lines(hist, choice, now))


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
    interactive = mode is None and not yes and output is None and _interactive()
    if interactive and supported(kind):
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
        ref = _ref(workload, gw.namespace)
        if ref.kind == "Service":
            _rollback_service(
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
        _carry_out(
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


def _carry_out(
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
    if plan.noop is not None:
        result = (
            use_case.client_dry_run(plan)
            if mode == "client"
            else use_case.execute(gw, plan, dry_run=mode == "server")
        )
        _emit_result(result, output, info)
        return
    if human and not brief:
        _print(plan_lines(plan))
    if mode == "client":
        result = use_case.client_dry_run(plan)
        _emit_result(result, output, info)
        return
    if mode is None and not yes:
        _confirm(
            f"Roll back {plan.ref.display} to revision {plan.to_revision.number} "
            f"({plan.to_revision.images})?",
            "roll back",
            "roll back",
        )
    # The PATCH is answered (or read back) before a signal is heard: never a misreport.
    with deferred() as signals:
        result = use_case.execute(gw, plan, dry_run=mode == "server")
    if mode == "server" or not wait or signals:
        _emit_result(result, output, info)
        if signals:
            raise Stopped(signals[0]).saying(
                f"{result.message}; not following the rollout (kubectl rollout status "
                f"{ref.kind.lower()}/{ref.name} -n {ref.namespace})"
            )
        return
    try:
        _say(result.message, progress)
        outcome = use_case.follow(
            gw,
            ref,
            timeout_seconds=max(1, int(timeout_seconds)),
            now_fn=lambda: datetime.now(UTC),
            on_status=lambda s: None if s.failed else _say(s.message, progress),
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
        _say(result.message + (f"; {outcome.status.message}" if done else ""), info)
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


def _untimed(patch: Any) -> Any:
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


def _rollback_service(
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
    from ..core import bluegreen_service

    plan = bluegreen_service.prepare_switch(
        gw, ref.namespace, ref.name, to, now=datetime.now(UTC), force=force, scale_up=scale_up
    )
    _carry_out_switch(
        gw,
        plan,
        mode=mode,
        output=output,
        yes=yes,
        timeout_seconds=timeout_seconds,
        quiet=quiet,
    )


def _carry_out_switch(
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
    from ..core import bluegreen_service

    human = output is None
    info = sys.stdout if human else sys.stderr
    brief = quiet and (yes or mode is not None)
    progress = console.SILENT if brief else info
    if human and not brief:
        _print(switch_plan_lines(plan, refusal=False))  # the refusal is the error line
    if plan.refusal is not None:
        raise errors.Refused(plan.refusal)
    if plan.noop is not None:
        # Nothing is sent for a noop: a dry run of either kind says so (dryRun true).
        _emit_result(
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
        _emit_result(result, output, info, brief)
        return
    if mode is None and not yes:
        _confirm(
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
            on_status=lambda line: _say(line, progress),
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
        result = dataclasses.replace(result, scaled=True)
    _emit_result(result, output, info, brief)
    if signals:
        now_routes = ", ".join(f"service/{c.service} routes to {c.to_color}" for c in plan.changes)
        raise Stopped(signals[0]).saying(f"the switch was finished first: {now_routes}")


def _service_history(gw: Any, ref: WorkloadRef, output: str | None) -> None:
    from ..core import bluegreen_service, documents

    group = bluegreen_service.load_group(gw, ref.namespace, ref.name)
    records = bluegreen_service.switch_history(group)
    if output:
        sys.stdout.write(dump(documents.traffic_switch_history(group, records), output))
    else:
        _print(group_lines(group) + [""] + switch_history_lines(records))


def _emit_result(
    result: use_case.RollbackResult | bluegreen_service.TrafficSwitchResult,
    output: str | None,
    info: Any,
    one_line: bool = False,
) -> None:
    if output:
        from ..core import documents

        doc = (
            documents.rollback_result(result)
            if isinstance(result, use_case.RollbackResult)
            else documents.traffic_switch_result(result)
        )
        sys.stdout.write(dump(doc, output))
    else:
        _say("; ".join(result.message.splitlines()) if one_line else result.message, info)


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
    if not demo and not _interactive():
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


def apply(
    *,
    path: str,
    context: str | None,
    kubeconfig: str | None,
    output: str | None,
    wait: bool,
    timeout: str,
    request_timeout: str,
    quiet: bool = False,
) -> None:
    """Apply exactly a reviewed plan (`--dry-run -o json > plan.json`), or refuse, changing
    nothing."""
    from ..core import documents

    check_output(output)
    timeout_seconds = parse_duration(timeout)
    parse_duration(request_timeout, "--request-timeout")
    reviewed = _read_plan(path)
    if reviewed["kind"] == "TrafficSwitchPlan":
        _apply_switch(
            reviewed, context, kubeconfig, output, request_timeout, timeout_seconds, quiet
        )
        return
    workload = reviewed["workload"]
    kind, namespace, name = str(workload["kind"]), str(workload["namespace"]), str(workload["name"])
    target = reviewed["to"].get(kind_named(kind).revision_json_key)
    with gateway(kubeconfig, context, namespace, False, request_timeout) as gw:
        ref = WorkloadRef(kind, namespace, name)
        now = datetime.now(UTC)
        hist = use_case.load(gw, ref, now=now)
        # Planned again from the cluster as it is now, for the reviewed target and by the
        # reviewed actor: the same plan exactly when nothing it covers has changed.
        plan = use_case.plan(
            hist,
            TargetSpec.replicaset(str(target)),
            actor=reviewed.get("actor"),
            now=now,
            show_secrets=bool(reviewed.get("showSecrets")),
        )
        if plan.resource_version != reviewed.get("resourceVersion"):
            raise errors.Conflict(
                f"{ref.display} changed since the plan was reviewed (resourceVersion "
                f"{reviewed.get('resourceVersion')} -> {plan.resource_version}): "
                "nothing was applied; make and review a new plan"
            )
        fresh = documents.rollback_plan(plan)
        for key, what in (
            ("patch", "the change it makes"),
            ("patchType", "the change it makes"),
            ("newRevisionNumber", "the revision number it creates"),
        ):
            if fresh.get(key) != reviewed.get(key):
                raise errors.Conflict(
                    f"the rollback of {ref.display} would now differ from the reviewed plan "
                    f"({what}): nothing was applied; make and review a new plan"
                )
        _carry_out(
            gw,
            ref,
            plan,
            mode=None,
            output=output,
            yes=True,
            wait=wait,
            timeout_seconds=timeout_seconds,
            quiet=quiet,
        )


def _apply_switch(
    reviewed: dict[str, Any],
    context: str | None,
    kubeconfig: str | None,
    output: str | None,
    request_timeout: str,
    timeout_seconds: float,
    quiet: bool = False,
) -> None:
    """Apply exactly a reviewed traffic switch, or refuse when any Service it covers (or the
    side it scales) changed since the review, changing nothing."""
    from ..core import bluegreen_service, documents

    group = reviewed["group"]
    namespace, name = str(group["namespace"]), str(group["name"])
    with gateway(kubeconfig, context, namespace, False, request_timeout) as gw:
        plan = bluegreen_service.prepare_switch(
            gw,
            namespace,
            name,
            str(reviewed["to"]),
            now=datetime.now(UTC),
            actor=reviewed.get("actor"),
            force=bool(reviewed.get("force")),
            scale_up=reviewed.get("scaleUp") is not None,
        )
        fresh = documents.traffic_switch_plan(plan)

        def covered(doc: dict[str, Any]) -> tuple[Any, ...]:
            # What the switch writes and what it is guarded by; not the Ready pods of the
            # moment (a pod restart since the review is no change to the plan).
            changes = [
                (c.get("service"), c.get("resourceVersion"), _untimed(c.get("patch")), c.get("to"))
                for c in doc.get("changes") or []
            ]
            scale = doc.get("scaleUp") or {}
            return (
                changes,
                (scale.get("workload"), scale.get("color"), scale.get("to")),
                doc.get("refusal"),
            )

        for index, what in enumerate(
            (
                "the Services it changes, their selectors and resourceVersions",
                "the scale-up it makes first",
                "whether it may run",
            )
        ):
            if covered(fresh)[index] != covered(reviewed)[index]:
                raise errors.Conflict(
                    f"the traffic switch of service/{name} would now differ from the reviewed "
                    f"plan ({what}): nothing was applied; make and review a new plan"
                )
        _carry_out_switch(
            gw,
            plan,
            mode=None,
            output=output,
            yes=True,
            timeout_seconds=timeout_seconds,
            quiet=quiet,
        )


def _read_plan(path: str) -> dict[str, Any]:
    """A RollbackPlan document (or the RollbackResult of a dry run holding one); usage errors
    otherwise."""
    import json

    import yaml

    from ..core import documents

    try:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()  # noqa: SIM115
    except OSError as exc:
        fail(f"cannot read the plan {path}: {exc.strerror or exc}", 2)
    except UnicodeDecodeError:
        fail(f"the plan {path} is not UTF-8 text", 2)
    try:
        doc = json.loads(text)
    except ValueError:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError:
            fail(f"the plan {path} is neither JSON nor YAML", 2)
    if isinstance(doc, dict) and doc.get("kind") == "RollbackResult":
        doc = doc.get("plan")
    if (
        not isinstance(doc, dict)
        or doc.get("kind") != "RollbackPlan"
        or doc.get("apiVersion") != documents.API_VERSION
    ):
        if isinstance(doc, dict) and doc.get("kind") == "TrafficSwitchResult":
            doc = doc.get("plan")
        if (
            isinstance(doc, dict)
            and doc.get("kind") == "TrafficSwitchPlan"
            and doc.get("apiVersion") == documents.API_VERSION
        ):
            group = doc.get("group")
            if not (
                isinstance(group, dict)
                and isinstance(group.get("name"), str)
                and isinstance(group.get("namespace"), str)
                and isinstance(doc.get("to"), str)
                and isinstance(doc.get("changes"), list)
            ):
                fail(f"the plan {path} is incomplete (group and target colour are required)", 2)
            return doc
        fail(
            f"the plan {path} is not a kubectl-rollback.io/v1 RollbackPlan "
            "(make one with kubectl rollback TYPE/NAME --dry-run -o json)",
            2,
        )
    workload, to = doc.get("workload"), doc.get("to")
    if not (
        isinstance(workload, dict)
        and all(isinstance(workload.get(k), str) for k in ("kind", "namespace", "name"))
        and isinstance(to, dict)
    ):
        fail(f"the plan {path} is incomplete (workload and target are required)", 2)
    if not supported(workload["kind"]):
        fail(
            f"the plan {path} names a {workload['kind']}: only {supported_text()}",
            2,
        )
    if not to.get(kind_named(workload["kind"]).revision_json_key):
        fail(f"the plan {path} is incomplete (workload and target are required)", 2)
    return doc


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
    from .releases import list_releases

    with gateway(kubeconfig, context, namespace, demo, request_timeout) as gw:
        list_releases(gw, output)
