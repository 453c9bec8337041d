"""The Releases view's rules, without Textual: list the releases, plan one, roll it back, follow.

A release is every workload deployed together (``core.release``): Harness, Helm, Argo CD
or Flux. ``load`` lists them with their workloads' state and, where the tool keeps
records, the last successful release; ``prepare`` plans the rollback of one release;
``execute`` sends it; ``follow`` follows one rolled-back workload (the screen runs one
worker per workload, all at once). Each is blocking and called from a worker. The
``ReleasesController`` holds what the screen shows between those answers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ...cli.release_text import release_plan_lines
from ...cli.releases import load_yaml
from ...core import errors
from ...core import release as use_case
from ...core.model import WorkloadRef
from ...core.release import ReleaseGroup, ReleasePlan, ReleaseResult, WorkloadOutcome, WorkloadStep
from ...core.status import RolloutStatus
from ...core.values import field, value
from ...core.workloads import summarise
from ..cluster import PLURALS, Gateway, StopSignal
from . import rollback
from .connection import ConnectionController
from .rollback import READ_ONLY, FollowEnd, Notice, Severity

PLAN_LOADING = "the release plan is still loading"
NO_RELEASE = "no release in this namespace"


@value
class ReleaseRow:
    """One release of the namespace as a row: its workloads' state and its records."""

    group: ReleaseGroup
    states: tuple[tuple[WorkloadRef, str], ...]
    """Each workload and its state (``healthy``, ``progressing``, ...; ``?``: not listed)."""
    records: str | None
    """Where the tool keeps its release history (``harness-legacy``...; None: no records)."""
    last_successful: int | None
    """The release a rollback goes back to (None: none recorded, or no records)."""
    note: str | None = None
    """Why the records could not be read."""

    @property
    def key(self) -> str:
        return f"{self.group.source}/{self.group.name}"

    @property
    def last_text(self) -> str:
        if self.note is not None:
            return "unreadable"
        if self.records is None:
            return "no records"
        return str(self.last_successful) if self.last_successful is not None else "none"

    @property
    def workloads_text(self) -> str:
        return ", ".join(f"{ref.kind.lower()}/{ref.name} {state}" for ref, state in self.states)


@value
class ReleaseListing:
    namespace: str
    rows: tuple[ReleaseRow, ...]


def load(gw: Gateway, namespace: str) -> ReleaseListing:
    """Every release of the namespace (blocking; RollbackError: the workloads cannot be listed).

    One LIST per workload kind, then the records of each release that keeps them (a
    release whose records cannot be read is listed with a note)."""
    workloads = use_case.list_workloads(gw, namespace)
    states = {(kind, obj["metadata"]["name"]): summarise(obj, kind) for kind, obj in workloads}
    rows: list[ReleaseRow] = []
    for group in use_case.find_releases(namespace, workloads):
        listed = tuple(
            (
                ref,
                states[(ref.kind, ref.name)].status.value
                if (ref.kind, ref.name) in states
                else "?",
            )
            for ref in group.workloads
        )
        try:
            records = use_case.read_records(gw, group, load_yaml=load_yaml)
        except errors.RollbackError as exc:
            rows.append(ReleaseRow(group, listed, None, None, str(exc)))
            continue
        last = records.last_successful() if records is not None else None
        rows.append(
            ReleaseRow(
                group,
                listed,
                records.source if records is not None else None,
                last.number if last is not None else None,
            )
        )
    return ReleaseListing(namespace, tuple(rows))


@value
class PlanFailed:
    """The release could not be planned (one line: the core's reason)."""

    group: ReleaseGroup
    error: str


def prepare(gw: Gateway, group: ReleaseGroup, *, now: datetime) -> ReleasePlan | PlanFailed:
    """The rollback plan of ``group`` to its last successful release (blocking)."""
    try:
        return use_case.prepare_release(gw, group, now=now, load_yaml=load_yaml)
    except errors.RollbackError as exc:
        return PlanFailed(group, str(exc))


def plan_lines(plan: ReleasePlan) -> list[str]:
    """The plan as the command line prints it (``rollback release/NAME --dry-run``)."""
    return release_plan_lines(plan)


@value
class ExecuteFailed:
    """The release rollback stopped; ``message`` says where every workload stands."""

    plan: ReleasePlan
    message: str
    nothing_applied: bool
    outcomes: tuple[WorkloadOutcome, ...] = ()

    @property
    def head(self) -> str:
        return (
            "release rollback failed: nothing was applied"
            if self.nothing_applied
            else "release rollback failed"
        )


def execute(gw: Gateway, plan: ReleasePlan, *, now: datetime) -> ReleaseResult | ExecuteFailed:
    """Check every patch, then patch in the release's order (blocking; see execute_release)."""
    try:
        return use_case.execute_release(gw, plan, dry_run=False, now=now)
    except use_case.ReleaseFailed as exc:
        return ExecuteFailed(plan, str(exc), exc.nothing_applied, exc.outcomes)
    except errors.RollbackError as exc:
        return ExecuteFailed(plan, str(exc), exc.nothing_applied)


def follow(
    gw: Gateway,
    step: WorkloadStep,
    stop: StopSignal,
    *,
    now_fn: Callable[[], datetime],
    on_status: Callable[[RolloutStatus], None],
) -> FollowEnd:
    """Follow one rolled-back workload of the release until its rollout ends or ``stop``."""
    return rollback.follow(
        gw,
        step.plan,
        stop,
        rollback.follow_timeout(step.history),
        now_fn=now_fn,
        on_status=on_status,
        on_workload=lambda obj: None,
    )


def _end_mark(end: FollowEnd | None) -> str:
    if end is None:
        return "…"
    if end.cancelled:
        return "⏹"
    if end.outcome is not None and end.outcome.status.done:
        return "✔"
    return "✖"


@value(frozen=False)
class ReleasesController:
    """The releases listed, the plan previewed, and a release rollback until its rollouts end."""

    rows: tuple[ReleaseRow, ...] = ()
    listed: bool = False
    highlighted: str | None = None
    """The key of the highlighted release."""
    plan: ReleasePlan | None = None
    """The plan of the highlighted release (None: loading, or it failed: ``plan_error``)."""
    plan_error: str | None = None
    sending: ReleasePlan | None = None
    """The plan being executed (no answer yet)."""
    result: ReleaseResult | None = None
    """The last release rollback applied from this view."""
    stops: dict[WorkloadRef, StopSignal] = field(default_factory=dict)
    statuses: dict[WorkloadRef, str] = field(default_factory=dict)
    ends: dict[WorkloadRef, FollowEnd] = field(default_factory=dict)

    # -------------------------------------------------------------- the list
    def listed_now(self, listing: ReleaseListing) -> ReleaseRow | None:
        """The releases arrived; the row to highlight (the one highlighted before, else the
        first)."""
        self.rows = listing.rows
        self.listed = True
        self.plan, self.plan_error = None, None  # planned again: the release may have changed
        keep = next((r for r in self.rows if r.key == self.highlighted), None)
        return keep or (self.rows[0] if self.rows else None)

    def row(self, key: str | None) -> ReleaseRow | None:
        return next((r for r in self.rows if r.key == key), None)

    def highlight(self, key: str) -> ReleaseRow | None:
        """A release was highlighted: its plan is to be loaded (None: unknown key)."""
        self.highlighted = key
        self.plan = None
        self.plan_error = None
        return self.row(key)

    def planned(self, key: str, answer: ReleasePlan | PlanFailed) -> bool:
        """A plan arrived; True when it is the highlighted release's (to be shown)."""
        if key != self.highlighted:
            return False
        if isinstance(answer, PlanFailed):
            self.plan, self.plan_error = None, answer.error
        else:
            self.plan, self.plan_error = answer, None
        return True

    # ------------------------------------------------------------ the action
    @property
    def following(self) -> bool:
        return self.sending is not None or any(ref not in self.ends for ref in self.stops)

    def unavailable(self, *, read_only: bool, connection: ConnectionController) -> str | None:
        """Why rolling the highlighted release back is not possible now (None: it is)."""
        if read_only:
            return READ_ONLY
        if connection.error is not None:
            return "not connected"
        if self.following:
            return "a release rollback is being sent or followed (esc stops watching)"
        if self.listed and not self.rows:
            return NO_RELEASE
        if self.plan is None:
            return self.plan_error or PLAN_LOADING
        for kind in sorted({s.ref.kind for s in self.plan.changing}):
            plural = PLURALS.get(kind, "deployments")
            refused = connection.refused(plural, f"{plural}.apps")
            if refused:
                return refused
        return None

    @staticmethod
    def before_confirming(plan: ReleasePlan) -> Notice | None:
        """What to say instead of asking for confirmation (None: ask)."""
        if plan.refusal is not None:
            return Notice(plan.refusal, "Refused", "error", 10)
        if plan.noop is not None:
            return Notice(plan.noop, "Nothing to roll back")
        return None

    def send(self, plan: ReleasePlan) -> None:
        """Confirmed: the release rollback is being executed."""
        self.sending = plan
        self.result = None
        self.stops, self.statuses, self.ends = {}, {}, {}

    def failed(self, failure: ExecuteFailed) -> Notice:
        self.sending = None
        return Notice(failure.message, failure.head.capitalize(), "error", 20)

    def applied(self, result: ReleaseResult) -> list[tuple[WorkloadStep, StopSignal]]:
        """Executed: every rolled-back workload and the signal that stops following it."""
        self.sending = None
        self.result = result
        rolled = {o.ref for o in result.workloads if o.state == "rolled back"}
        steps = [s for s in result.plan.steps if s.ref in rolled]
        self.stops = {s.ref: StopSignal() for s in steps}
        self.statuses = {s.ref: "waiting for the rollout to start..." for s in steps}
        self.ends = {}
        return [(s, self.stops[s.ref]) for s in steps]

    def progress(self, ref: WorkloadRef, status: RolloutStatus) -> None:
        if ref in self.stops and ref not in self.ends:
            self.statuses[ref] = status.message

    def ended(self, ref: WorkloadRef, end: FollowEnd) -> Notice | None:
        """One workload's follow ended; a notice once all of them have."""
        if ref not in self.stops:
            return None
        self.ends[ref] = end
        if end.outcome is not None:
            self.statuses[ref] = end.outcome.status.message
        elif end.error is not None:
            self.statuses[ref] = f"lost track of the rollout: {end.error}"
        elif end.cancelled:
            self.statuses[ref] = "stopped watching (the rollout goes on)"
        if self.following:
            return None
        head, severity = self.outcome()
        return Notice(head, "Release rollback", severity, 10 if severity != "information" else None)

    def stop_following(self) -> bool:
        """Stop watching every rollout (they go on); False when nothing was being followed."""
        running = [stop for ref, stop in self.stops.items() if ref not in self.ends]
        for stop in running:
            stop.stop()
        return bool(running)

    def stop_everything(self) -> None:
        for stop in self.stops.values():
            stop.stop()

    def crashed(self, error: str) -> None:
        """A worker of the rollback or of a follow failed unexpectedly: nothing is followed."""
        self.sending = None
        self.stop_everything()
        for ref in self.stops:
            self.ends.setdefault(ref, FollowEnd(None, error=error))

    def rolling_out(self) -> list[WorkloadRef]:
        """The workloads rolled back from here whose rollout has not been seen to end."""
        return [ref for ref in self.stops if ref not in self.ends or self.ends[ref].cancelled]

    def stopped_line(self) -> str | None:
        """What was left how, when a signal ends the app (None: no release rollback here)."""
        if self.sending is not None:
            return (
                f"the rollback of {self.sending.group.display} was sent and not answered: its "
                f"workloads may or may not have been rolled back (kubectl rollback history "
                f"{self.sending.group.display} -n {self.sending.group.namespace})"
            )
        if self.result is None:
            return None
        display = self.result.plan.group.display
        if self.following or any(end.cancelled for end in self.ends.values()):
            return f"{display} was rolled back; its rollouts go on in the cluster"
        return self.outcome()[0]

    # ----------------------------------------------------------- what to show
    def follow_lines(self) -> list[tuple[str, str]]:
        """(mark, line) per rolled-back workload, in the release's order."""
        return [
            (_end_mark(self.ends.get(ref)), f"{ref.display}: {self.statuses.get(ref, '')}")
            for ref in self.stops
        ]

    def outcome(self) -> tuple[str, Severity]:
        """The release rollback's outcome line once every follow has ended."""
        result = self.result
        display = result.plan.group.display if result else "the release"
        if self.following:
            return f"following {len(self.stops)} rollout(s) of {display}...", "information"
        cancelled = [ref for ref, end in self.ends.items() if end.cancelled]
        failed = [
            ref
            for ref, end in self.ends.items()
            if not end.cancelled and (end.outcome is None or not end.outcome.status.done)
        ]
        if failed:
            names = ", ".join(ref.display for ref in failed)
            return f"{display} was rolled back, but the rollout of {names} did not succeed", "error"
        if cancelled:
            return (
                f"{display} was rolled back; stopped watching: the rollouts go on in the "
                "cluster, nothing was undone",
                "warning",
            )
        target = result.plan.to_release if result else None
        to = f" to release {target.number}" if target is not None else ""
        return f"{display} rolled back{to} and rolled out", "information"
