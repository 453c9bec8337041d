"""``kubectl rollback guard`` and ``kubectl rollback record``: follow a rollout, record how it
ended, roll a failure back. The rules are in core/guard.py; this module connects, prints and
maps outcomes to exit codes."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from ..core import documents, errors
from ..core.guard import Guard, GuardSettings, Judgement, Outcome, record_revision
from ..core.model import Verdict, WorkloadRef
from ..core.plan import RollbackPlan
from ..core.rollback import RollbackResult
from ..core.values import replace
from ..interrupts import Stopped, deferred
from . import notify
from .args import exit_quietly, fail, parse_duration, parse_workload
from .console import print_lines, say
from .text import dump, plan_lines

EXIT_OF = {
    Outcome.HEALTHY: errors.EXIT_OK,
    Outcome.ROLLED_BACK: errors.EXIT_ROLLED_BACK,
    Outcome.ROLLBACK_FAILED: errors.EXIT_ROLLOUT_FAILED,
    Outcome.FAILED: errors.EXIT_NOT_ROLLED_BACK,
    Outcome.NOT_JUDGED: errors.EXIT_ERROR,
}


def _now() -> datetime:
    return datetime.now(UTC)


@contextlib.contextmanager
def _held_signals() -> Iterator[None]:
    """A write is answered before a signal is heard; the signal then stops the guard."""
    with deferred() as signals:
        yield
    if signals:
        raise Stopped(signals[0])


def workload_ref(workload: list[str], namespace: str) -> WorkloadRef:
    from ..core.kinds import supported, supported_text

    kind, name = parse_workload(workload)
    if kind in ("Service", "Release") or not supported(kind):
        fail(
            f"guard and record follow {supported_text()}; {kind.lower()}/{name} is not one of them",
            2,
        )
    return WorkloadRef(kind, namespace, name)


def settings_from(
    settle: str, grace: str, timeout: str, rollback: bool, max_rollbacks: int
) -> GuardSettings:
    if max_rollbacks < 1:
        fail(f"--max-rollbacks must be 1 or more, got {max_rollbacks} (use --no-rollback)", 2)
    timeout_seconds = parse_duration(timeout, "--timeout")
    if timeout_seconds <= 0:
        fail("--timeout must be above 0: a guard needs time to judge", 2)
    return GuardSettings(
        settle_seconds=parse_duration(settle, "--settle"),
        grace_seconds=parse_duration(grace, "--grace"),
        timeout_seconds=timeout_seconds,
        rollback=rollback,
        max_rollbacks=max_rollbacks,
    )


def summary(guard: Guard, outcome: Outcome) -> str:
    """The one-line ending of a guard run."""
    display = guard.ref.display
    first = guard.followed[0] if guard.followed else None
    last = guard.followed[-1] if guard.followed else None
    if first is None or last is None:
        return f"{display}: nothing followed"
    what = f"{display} revision {first.revision} ({first.images})"
    record = _record_note(first)
    if outcome is Outcome.HEALTHY:
        return f"{what} is healthy: {first.message}; {record}"
    if outcome is Outcome.NOT_JUDGED:
        return f"{display}: {last.message}"
    failed = f"{what} failed: {first.message}; {record}"
    if outcome is Outcome.FAILED:
        return f"{failed}; {guard.not_rolled_back}"
    back = f"rolled back to revision {last.revision} ({last.images})"
    if guard.forced:
        back += f" (forced rollback: deleted stuck pod(s) {', '.join(guard.forced)})"
    if outcome is Outcome.ROLLED_BACK:
        return f"{failed}; {back}, which is healthy: {last.message}"
    more = f"; {guard.not_rolled_back}" if guard.not_rolled_back else ""
    return f"{failed}; {back}, which failed too: {last.message}{more}"


def _record_note(followed: Any) -> str:
    verdict = "success" if followed.verdict is Verdict.SUCCESS else "failure"
    if followed.recorded:
        return f"{verdict} recorded on {followed.revision_object}"
    return f"{verdict} NOT recorded ({followed.record_error})"


def _interrupted(guard: Guard, stop: Stopped) -> str:
    ref = guard.ref
    status = f"kubectl rollout status {ref.kind.lower()}/{ref.name} -n {ref.namespace}"
    if guard.rollbacks:
        last = guard.rollbacks[-1].plan.to_revision
        return (
            f"{ref.display} was rolled back to revision {last.number} ({last.images}) after "
            f"its rollout failed; stopped following, the rollout goes on in the cluster ({status})"
        )
    if guard.followed:
        first = guard.followed[0]
        return (
            f"{ref.display} revision {first.revision} {first.phase.value}, "
            f"{_record_note(first)}; stopped ({stop.word}) before any rollback: nothing else "
            "was changed"
        )
    return f"stopped following {ref.display}: nothing recorded, nothing changed ({status})"


def _notify(
    url: str | None, fmt: str, guard: Guard, outcome: str, code: int, line: str
) -> dict[str, Any] | None:
    if url is None:
        return None
    sent = documents.guard_result(guard, outcome=outcome, exit_code=code, message=line)
    return notify.deliver(url, sent, fmt, line)


def guard(
    *,
    gw: Any,
    ref: WorkloadRef,
    settings: GuardSettings,
    output: str | None,
    notify_url: str | None,
    notify_format: str,
) -> None:
    human = output is None

    def progress(judgement: Judgement) -> None:
        say(f"guard: {ref.display}: {judgement.message}", sys.stderr)

    def show_plan(plan: RollbackPlan) -> None:
        say(f"guard: {ref.display}: the rollout failed; rolling back", sys.stderr)
        if human:
            print_lines(plan_lines(plan))

    def show_result(result: RollbackResult) -> None:
        say(result.message, sys.stdout if human else sys.stderr)

    run = Guard(
        gw,
        ref,
        settings,
        _now,
        on_judgement=progress,
        on_plan=show_plan,
        on_result=show_result,
        critical=_held_signals,
    )
    try:
        outcome = run.run()
    except Stopped as stop:
        line = _interrupted(run, stop)
        note = _notify(notify_url, notify_format, run, "interrupted", stop.exit_code, line)
        if output:
            doc = documents.guard_result(
                run,
                outcome="interrupted",
                exit_code=stop.exit_code,
                message=line,
                notification=note,
            )
            sys.stdout.write(dump(doc, output))
        raise stop.saying(line) from None
    code = EXIT_OF[outcome]
    line = summary(run, outcome)
    note = _notify(notify_url, notify_format, run, outcome.value, code, line)
    if output:
        doc = documents.guard_result(
            run, outcome=outcome.value, exit_code=code, message=line, notification=note
        )
        sys.stdout.write(dump(doc, output))
    if code in (errors.EXIT_OK, errors.EXIT_ROLLED_BACK):
        say(line, sys.stdout if human else sys.stderr)
        if code:
            exit_quietly(code)  # the pipeline fails visibly; the line above says why
        return
    fail(line, code)


def record(
    *,
    gw: Any,
    ref: WorkloadRef,
    verdict: Verdict,
    reason: str,
    revision: int | None,
    output: str | None,
    wait_seconds: float,
) -> None:
    with _held_signals():
        done = record_revision(
            gw, ref, verdict, reason, now_fn=_now, revision=revision, wait_seconds=wait_seconds
        )
    if output:
        doc = documents.record_result(
            ref, done.revision, done.revision_object, done.verdict.value, done.reason
        )
        sys.stdout.write(dump(doc, output))
        return
    say(
        f"{ref.display} revision {done.revision} ({done.revision_object}) recorded as "
        f"{'succeeded' if verdict is Verdict.SUCCESS else 'failed'}: {done.reason}",
        sys.stdout,
    )


def command(
    *,
    workload: list[str],
    namespace: str | None,
    context: str | None,
    kubeconfig: str | None,
    output: str | None,
    settle: str,
    grace: str,
    timeout: str,
    rollback: bool,
    max_rollbacks: int,
    notify_url: str | None,
    notify_format: str,
    watch_namespace: str | None,
    all_namespaces: bool,
    auto_rollback: bool,
    demo: bool,
    request_timeout: str,
    selector: str | None = None,
) -> None:
    """``kubectl rollback guard``: usage errors first (exit 2), then connect and follow."""
    from .common import check_output, gateway

    check_output(output)
    settings = settings_from(settle, grace, timeout, rollback, max_rollbacks)
    notify.check(notify_url, notify_format)
    parse_duration(request_timeout, "--request-timeout")
    watching = watch_namespace is not None or all_namespaces
    if selector is not None:
        if workload:
            fail("-l/--selector picks the workloads itself: name no TYPE/NAME with it", 2)
        if watching:
            fail(
                "-l/--selector guards the workloads it picks now; --watch-namespace/--all "
                "follow every rollout: use one of them",
                2,
            )
        if not selector.strip():
            fail("-l/--selector is empty: give a label selector, e.g. -l app=web", 2)
    if watching:
        if workload:
            fail("--watch-namespace and --all follow every workload: name no TYPE/NAME", 2)
        if watch_namespace is not None and all_namespaces:
            fail("--watch-namespace and --all are mutually exclusive", 2)
        if output:
            fail(
                "-o applies to one guarded workload; --watch-namespace prints one line per outcome",
                2,
            )
        from .watch import watch_namespace as watch

        with gateway(
            kubeconfig, context, watch_namespace or namespace, demo, request_timeout
        ) as gw:
            watch(
                gw,
                None if all_namespaces else (watch_namespace or gw.namespace),
                settings,
                auto_rollback=auto_rollback,
                notify_url=notify_url,
                notify_format=notify_format,
            )
        return
    if auto_rollback:
        fail(
            "--auto-rollback applies to --watch-namespace/--all "
            "(a guarded workload rolls back by default)",
            2,
        )
    if selector is None:
        if not workload:
            fail("name the workload to guard (e.g. kubectl rollback guard deploy/web)", 2)
        kind, name = parse_workload(workload)
    with gateway(kubeconfig, context, namespace, demo, request_timeout) as gw:
        if selector is not None or kind == "Release":
            # Guarded as a whole: a label selector's group, or a release.
            from ..core.release import resolve, selector_group

            guard_release(
                gw=gw,
                group=selector_group(gw, gw.namespace, selector)
                if selector is not None
                else resolve(gw, gw.namespace, name),
                settings=settings,
                output=output,
                notify_url=notify_url,
                notify_format=notify_format,
            )
            return
        ref = workload_ref(workload, gw.namespace)
        guard(
            gw=gw,
            ref=ref,
            settings=settings,
            output=output,
            notify_url=notify_url,
            notify_format=notify_format,
        )


def record_command(
    *,
    workload: list[str],
    success: bool,
    failure: bool,
    reason: str,
    revision: int | None,
    namespace: str | None,
    context: str | None,
    kubeconfig: str | None,
    output: str | None,
    demo: bool,
    request_timeout: str,
) -> None:
    """``kubectl rollback record``: usage errors first (exit 2), then record."""
    from .common import check_output, gateway

    check_output(output)
    if success == failure:
        fail("say how the revision did: --success or --failure (one of them)", 2)
    if revision is not None and revision <= 0:
        fail(f"--revision must be a positive revision number, got {revision}", 2)
    parse_workload(workload)
    seconds = parse_duration(request_timeout, "--request-timeout")
    with gateway(kubeconfig, context, namespace, demo, request_timeout) as gw:
        ref = workload_ref(workload, gw.namespace)
        record(
            gw=gw,
            ref=ref,
            verdict=Verdict.SUCCESS if success else Verdict.FAILURE,
            reason=reason,
            revision=revision,
            output=output,
            wait_seconds=seconds or 30.0,
        )


def guard_release(
    *,
    gw: Any,
    group: Any,
    settings: GuardSettings,
    output: str | None,
    notify_url: str | None,
    notify_format: str,
) -> None:
    """``guard release/NAME`` and ``guard -l SELECTOR``: guard every workload of the group
    (a ReleaseGroup) at once; when one fails, roll the whole group back (``kubectl rollback
    release/NAME --yes``, ``-l SELECTOR --yes``) and guard that."""
    import time

    from ..core import release as releases
    from ..core.guard_watch import Finished, follow_group
    from .release_text import release_plan_lines
    from .releases import load_yaml

    human = output is None
    started = _now()
    proven = proven_before(gw, group.workloads)

    def progress(ref: WorkloadRef, judgement: Judgement) -> None:
        say(f"guard: {ref.display}: {judgement.message}", sys.stderr)

    def follow(refs: Any) -> list[Finished]:
        done = follow_group(
            gw, refs, settings, now_fn=_now, sleep_fn=time.sleep, on_progress=progress
        )
        for item in done:
            say(item.line, sys.stdout if human else sys.stderr)
        return done

    rollouts: list[Finished] = []
    rollback_doc: dict[str, Any] | None = None
    not_rolled_back: str | None = None
    try:
        first = follow(group.workloads)
        rollouts.extend(first)
        failed = [f for f in first if f.verdict is not Verdict.SUCCESS]
        outcome, code = Outcome.HEALTHY, errors.EXIT_OK
        if failed:
            outcome, code = Outcome.FAILED, errors.EXIT_NOT_ROLLED_BACK
            plan = None
            if not settings.rollback:
                not_rolled_back = "--no-rollback: not rolled back"
            else:
                plan = releases.prepare_release(gw, group, now=_now(), load_yaml=load_yaml)
                # A workload this deploy did not change (its revision was proven healthy
                # before, and is so now) is part of the last good release as it is.
                healthy = {f.ref for f in first if f.verdict is Verdict.SUCCESS}
                keep = proven & healthy
                if keep:
                    for ref in sorted(keep, key=lambda r: r.name):
                        say(
                            f"guard: {ref.display}: unchanged since it was last proven healthy: "
                            "stays as it is",
                            sys.stderr,
                        )
                    plan = replace(plan, steps=tuple(st for st in plan.steps if st.ref not in keep))
                if plan.refusal is not None or plan.noop is not None:
                    not_rolled_back = f"not rolled back: {plan.refusal or plan.noop}"
                    plan = None
            if plan is not None:
                if human:
                    print_lines(release_plan_lines(plan))
                with _held_signals():
                    result = releases.execute_release(gw, plan, dry_run=False)
                rollback_doc = documents.release_result(plan, result, None)
                back = [o.ref for o in result.workloads if o.state == "rolled back"]
                again = follow(back)
                rollouts.extend(again)
                good = all(f.verdict is Verdict.SUCCESS for f in again)
                outcome = Outcome.ROLLED_BACK if good else Outcome.ROLLBACK_FAILED
                code = errors.EXIT_ROLLED_BACK if good else errors.EXIT_ROLLOUT_FAILED
    except Stopped as stop:
        raise stop.saying(
            f"stopped guarding {group.display}"
            + ("; its rollback is applied and the rollouts go on" if rollback_doc else "")
        ) from None
    bad = [f.ref.display for f in rollouts if f.verdict is not Verdict.SUCCESS]
    # A selector's group is no release: what went back is every workload it picks.
    what = "every workload it picks" if group.source == "selector" else "the release"
    line = {
        Outcome.HEALTHY: f"{group.display}: every workload is healthy",
        Outcome.FAILED: f"{group.display}: {', '.join(bad)} failed; {not_rolled_back}",
        Outcome.ROLLED_BACK: f"{group.display}: {', '.join(bad)} failed; {what} was rolled "
        "back and is healthy",
        Outcome.ROLLBACK_FAILED: f"{group.display}: {', '.join(bad)} failed; {what} was "
        "rolled back, but not every rollback is healthy",
    }[outcome]
    document = documents.release_guard_result(
        group.display,
        gw.namespace,
        [_finished_doc(f) for f in rollouts],
        rollback_doc,
        outcome=outcome.value,
        exit_code=code,
        message=line,
        not_rolled_back=not_rolled_back,
        started=started,
        finished=_now(),
    )
    if notify_url is not None:
        notify.deliver(notify_url, document, notify_format, line)
    if output:
        sys.stdout.write(dump(document, output))
    if code in (errors.EXIT_OK, errors.EXIT_ROLLED_BACK):
        say(line, sys.stdout if human else sys.stderr)
        if code:
            exit_quietly(code)
        return
    fail(line, code)


def proven_before(gw: Any, refs: Any) -> set[WorkloadRef]:
    """The workloads whose current revision already carries a success record."""
    from ..core.api_objects import dig, label_selector_string
    from ..core.evidence import OUTCOME_ANNOTATION, OUTCOME_SUCCEEDED
    from ..core.kinds import kind_named

    proven = set()
    for ref in refs:
        kind = kind_named(ref.kind)
        workload = gw.get(kind.resource, ref.namespace, ref.name)
        selector = label_selector_string(dig(workload, "spec", "selector") or {})
        revisions = gw.list(kind.revision_resource, ref.namespace, label_selector=selector)
        current = kind.current_revision(workload, revisions)
        annotations = dig(current, "metadata", "annotations") or {} if current else {}
        if annotations.get(OUTCOME_ANNOTATION) == OUTCOME_SUCCEEDED:
            proven.add(ref)
    return proven


def _finished_doc(item: Any) -> dict[str, Any]:
    state = item.judgement.state
    return {
        "workload": {"kind": item.ref.kind, "namespace": item.ref.namespace, "name": item.ref.name},
        "revision": state.revision_number,
        "revisionObject": state.revision_object,
        "images": state.images,
        "phase": item.judgement.phase.value,
        "verdict": item.verdict.value,
        "message": item.judgement.message,
        "seconds": round(item.seconds, 3),
        "recorded": item.recorded,
        "recordError": item.record_error,
    }
