"""Rolling back from the TUI: may the key act, execute, follow, and what to tell the user after.

The PATCH and the follow run in workers (``execute``, ``follow``: blocking); the
rest is the screen's answer to each step. ``stopped_line`` is what the process
says on its way out when a signal ends the app while a rollout it started goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from ...core import errors, execution
from ...core.execution import RolloutOutcome
from ...core.kinds import WorkloadHistory, kind_named
from ...core.model import WorkloadRef
from ...core.plan import RollbackPlan
from ...core.ports import REPLICASETS
from ...core.rollback import RollbackResult
from ...core.status import RolloutStatus
from ...core.values import value
from ...core.workloads import WorkloadSummary
from ..cluster import PLURALS, Cancelled, FollowGateway, Gateway, StopSignal
from .connection import ConnectionController

HISTORY_LOADING = "the history is still loading"
"""Why rolling back is not possible for a moment: the key stays enabled (it says so when
pressed)."""
READ_ONLY = "read-only mode (--read-only): nothing can be changed"

Severity = Literal["information", "warning", "error"]


@value
class Notice:
    """A notification for the user."""

    message: str
    title: str = ""
    severity: Severity = "information"
    timeout: float | None = None


@value
class Failed:
    """The rollback PATCH failed; ``nothing_applied`` only where that is certain."""

    plan: RollbackPlan
    error: str
    nothing_applied: bool

    @property
    def head(self) -> str:
        return "rollback failed: nothing was applied" if self.nothing_applied else "rollback failed"


@value
class FollowEnd:
    """Following ended: an outcome, the user stopped watching (``cancelled``), or an error."""

    outcome: RolloutOutcome | None
    cancelled: bool = False
    error: str | None = None


def execute(gw: Gateway, plan: RollbackPlan, *, now: datetime) -> RollbackResult | Failed:
    """Send the rollback (blocking)."""
    try:
        return execution.execute(gw, plan, dry_run=False, now=now)
    except errors.RollbackError as exc:
        # "nothing was applied" only where it is certain and the message does not already say.
        certain = exc.nothing_applied and "applied" not in str(exc)
        return Failed(plan, str(exc), certain)


def follow(
    gw: Gateway,
    plan: RollbackPlan,
    stop: StopSignal,
    timeout_seconds: int,
    *,
    now_fn: Callable[[], datetime],
    on_status: Callable[[RolloutStatus], None],
    on_workload: Callable[[dict[str, Any]], None],
) -> FollowEnd:
    """Follow the rollout until it ends or ``stop`` (blocking); ``on_workload`` sees each state
    of a StatefulSet or DaemonSet (a Deployment's ReplicaSets come from the screen's watch)."""

    # A Deployment's rollout shows its ReplicaSets; other kinds, the workload's own counters.
    by_replicasets = kind_named(plan.ref.kind).revision_resource is REPLICASETS

    def on_object(obj: dict[str, Any]) -> None:
        if not by_replicasets:
            on_workload(obj)

    try:
        outcome = execution.follow(
            FollowGateway(gw, stop, on_object=on_object),
            plan.ref,
            timeout_seconds=timeout_seconds,
            now_fn=now_fn,
            on_status=on_status,
            expect_revision=plan.to_revision.object_name,
            recorder="tui",
        )
    except Cancelled:
        return FollowEnd(None, cancelled=True)
    except errors.RollbackError as exc:
        return FollowEnd(None, error=str(exc))
    return FollowEnd(outcome)


def follow_timeout(history: WorkloadHistory | None) -> int:
    """Seconds to follow: StatefulSets and DaemonSets have no progress deadline, so a stuck
    rollout ends when this runs out."""
    deadline = getattr(history, "progress_deadline_seconds", None) or 300
    return max(600, 2 * deadline)


def rollout_command(plan: RollbackPlan | WorkloadRef) -> str:
    """``kubectl rollout status deployment/web -n shop``: how to follow a rollout."""
    ref = plan.ref if isinstance(plan, RollbackPlan) else plan
    return f"kubectl rollout status {ref.kind.lower()}/{ref.name} -n {ref.namespace}"


def parting_line(rolling: list[WorkloadRef], *, demo: bool) -> str | None:
    """What the terminal says once the UI has closed while rollouts it started go on (None:
    none): which, and the command to follow them; in --demo, that they end with it."""
    if not rolling:
        return None
    names = ", ".join(ref.display for ref in rolling)
    verb = "is" if len(rolling) == 1 else "are"
    if demo:
        return (
            f"{names} {verb} still rolling out: the demo cluster stops with the UI, "
            "so the rollout ends here"
        )
    commands = "; ".join(rollout_command(ref) for ref in rolling)
    return f"{names} {verb} still rolling out in the cluster; follow with: {commands}"


@value(frozen=False)
class RollbackController:
    """A rollback between the confirmation and the end of its rollout."""

    sending: RollbackPlan | None = None
    """The plan whose PATCH is on its way (no answer yet)."""
    applied: RollbackResult | None = None
    """The last rollback applied from this screen."""
    rollout_done: bool = False
    """Its rollout was followed to a successful end."""
    rollout_failed: bool = False
    """Its rollout was followed to a failure (it no longer progresses)."""
    follow_stop: StopSignal | None = None
    pods_stop: StopSignal | None = None
    """Stops the watch on the pods of the rollout shown (it goes on after the rollout ends,
    until the view is left)."""
    following: bool = False
    """A rollback is being sent or followed: the key is disabled meanwhile."""

    def unavailable(
        self,
        *,
        read_only: bool,
        connection: ConnectionController,
        selected: WorkloadSummary | None,
        history_loaded: bool,
    ) -> str | None:
        """Why the roll-back action is disabled now (None: it is enabled)."""
        if read_only:
            return READ_ONLY
        if connection.error is not None:
            return "not connected"
        if self.following:
            return "a rollback is being followed (esc stops watching)"
        if selected is None:
            return "no workload selected"
        if selected.unsupported:
            return selected.unsupported
        plural = PLURALS.get(selected.kind, "deployments")
        refused = connection.refused(plural, f"{plural}.apps")
        if refused:
            return refused
        if not history_loaded:
            return HISTORY_LOADING
        return None

    @staticmethod
    def before_confirming(
        plan: RollbackPlan | None, *, plan_error: str | None, no_default: bool
    ) -> Notice | None:
        """What to say instead of asking for confirmation (None: ask)."""
        if plan is None:
            return Notice(plan_error or "highlight a revision to roll back to", severity="warning")
        if plan.refusal is not None:
            return Notice(plan.refusal, "Refused", "error", 10)
        if plan.noop is not None:
            nothing = plan_error if no_default and plan_error else plan.noop
            return Notice(nothing, "Nothing to roll back")
        return None

    def send(self, plan: RollbackPlan) -> None:
        """Confirmed: the PATCH is being sent (a second rollback is blocked meanwhile)."""
        self.following = True
        self.sending = plan

    def failed(self, failure: Failed) -> Notice:
        self.following = False
        self.sending = None
        return Notice(failure.error, failure.head.capitalize(), "error", 15)

    def applied_now(self, result: RollbackResult) -> bool:
        """The PATCH was answered; True when there is a rollout to follow."""
        self.sending = None
        if result.noop:
            self.following = False
            return False
        self.applied = result
        self.rollout_done = False
        self.rollout_failed = False
        return True

    def start_following(self) -> StopSignal:
        self.follow_stop = StopSignal()
        return self.follow_stop

    def watch_pods(self) -> StopSignal:
        """A new watch on the pods of the rollout shown (the previous one is stopped)."""
        self.stop_pods()
        self.pods_stop = StopSignal()
        return self.pods_stop

    def stop_pods(self) -> None:
        if self.pods_stop is not None:
            self.pods_stop.stop()
            self.pods_stop = None

    def stop_following(self) -> bool:
        """Stop watching the rollout (it goes on); False when nothing was being followed."""
        if self.follow_stop is None:
            return False
        self.follow_stop.stop()
        return True

    def ended(self, end: FollowEnd, *, advice: str | None = None) -> Notice | None:
        """What to say when following ended; ``advice``: what would let a stuck rollout go on
        (which pods to delete), said with a timeout."""
        self.follow_stop = None
        self.following = False
        outcome = end.outcome
        if outcome is None:
            return None
        unrecorded = (
            f"; its {outcome.verdict.value} was not recorded: {outcome.record_error}"
            if outcome.record_error is not None
            else ""
        )
        if outcome.status.done:
            self.rollout_done = True
            if unrecorded:
                return Notice(outcome.status.message + unrecorded, "Rollout complete", "warning")
            return Notice(outcome.status.message, "Rollout complete")
        if outcome.timed_out:
            message = f"timed out: {outcome.status.message}" + (f"; {advice}" if advice else "")
            return Notice(message, "Rollout did not finish", "error", 30)  # it may go on
        self.rollout_failed = True
        return Notice(outcome.status.message + unrecorded, "Rollout failed", "error", 15)

    def crashed(self) -> None:
        """A worker of the rollback or the follow failed unexpectedly."""
        self.following = False
        self.sending = None

    def rolling_out(self) -> WorkloadRef | None:
        """The workload whose rollback was applied from here and whose rollout has not been
        seen to end (None: none)."""
        if self.applied is None or self.rollout_done or self.rollout_failed:
            return None
        return self.applied.plan.ref

    def stopped_line(self) -> str:
        """What was left how, for the line printed when a signal ends the app."""
        result = self.applied
        if self.sending is not None:
            plan = self.sending
            return (
                f"the rollback of {plan.ref.display} was sent and not answered: it may or may not "
                f"have been applied (kubectl rollout history {plan.ref.kind.lower()}/"
                f"{plan.ref.name} -n {plan.ref.namespace})"
            )
        if result is None:
            return "nothing was changed"
        plan = result.plan
        rolled = (
            f"{plan.ref.display} was rolled back to revision {plan.to_revision.number} "
            f"({plan.to_revision.images})"
        )
        if self.rollout_done:
            return f"{rolled} and rolled out"
        return f"{rolled}; the rollout goes on in the cluster ({rollout_command(plan)})"
