"""Typed messages the thread workers post to the UI (attributes down, messages up)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.message import Message

from ..core.values import value

if TYPE_CHECKING:
    # Only annotations (not evaluated): the release and rollback modules load when a screen
    # that uses them does, not before the first workloads are on screen.
    from ..core.model import WorkloadRef
    from ..core.release import ReleasePlan, ReleaseResult
    from ..core.rollback import RollbackResult
    from ..core.status import RolloutStatus
    from .bluegreen import BlueGreenRow
    from .cluster import Event, Gateway, WorkloadListing
    from .controllers.connection import Choice
    from .controllers.preview import LoadedHistory
    from .controllers.releases import ExecuteFailed, PlanFailed, ReleaseListing
    from .controllers.rollback import Failed, FollowEnd


@value(frozen=False)
class Connected(Message):
    """A gateway to a context is ready."""

    gateway: Gateway
    generation: int


@value(frozen=False)
class ConnectionFailed(Message):
    """Connecting to a context failed (kubeconfig, unreachable...)."""

    error: str
    generation: int


@value(frozen=False)
class WorkloadsLoaded(Message):
    """The workloads of a namespace were listed."""

    listing: WorkloadListing
    generation: int


@value(frozen=False)
class WorkloadsFailed(Message):
    """Listing the workloads of a namespace failed."""

    ns: str
    error: str
    generation: int


@value(frozen=False)
class ResourceEvents(Message):
    """Watch events of the namespace's Deployments, StatefulSets, DaemonSets or ReplicaSets
    (``plural``)."""

    plural: str
    events: list[Event]
    generation: int


@value(frozen=False)
class WatchTrouble(Message):
    """The live watch is down (``error``) or back up (None)."""

    error: str | None
    generation: int


@value(frozen=False)
class PermissionChecked(Message):
    """SelfSubjectAccessReviews for patching workloads and Services in a namespace, all at once.

    ``answers``: (plural, allowed, reason) for each resource the review could answer.
    """

    ns: str
    answers: tuple[tuple[str, bool, str], ...]
    generation: int


@value(frozen=False)
class HistoryLoaded(Message):
    """A workload's history and the default plan (or why there is none), with its blue/green
    warning (see controllers.preview.LoadedHistory)."""

    loaded: LoadedHistory
    generation: int


@value(frozen=False)
class HistoryFailed(Message):
    """A workload's history could not be loaded."""

    ns: str
    kind: str
    name: str
    error: str
    generation: int


@value(frozen=False)
class BlueGreenLoaded(Message):
    """The blue/green groups of a namespace (empty: none detected)."""

    ns: str
    rows: list[BlueGreenRow]
    note: str | None
    generation: int


@value(frozen=False)
class RollbackApplied(Message):
    """The rollback patch was applied."""

    result: RollbackResult


@value(frozen=False)
class RollbackFailed(Message):
    """The rollback failed; ``failure.nothing_applied`` says whether that is certain (the error's
    message says what is true otherwise: a write without an answer is read back, never resent)."""

    failure: Failed


@value(frozen=False)
class RolloutProgress(Message):
    """A new rollout status line (kubectl's wording)."""

    status: RolloutStatus


@value(frozen=False)
class WorkloadObserved(Message):
    """The followed StatefulSet or DaemonSet as the rollout moves it (its status counters)."""

    obj: dict[str, Any]


@value(frozen=False)
class PodEvents(Message):
    """Watch events of the pods of the workload being rolled out (``trouble``: the watch is
    down, why; ``""`` when it is up again)."""

    events: list[Event]
    stop: Any
    """The StopSignal of the watch that sent them (events of an older watch are dropped)."""
    trouble: str | None = None


@value(frozen=False)
class RolloutEnded(Message):
    """Following the rollout ended: an outcome, the user stopped watching, or an error."""

    end: FollowEnd


@value(frozen=False)
class ChoiceListed(Message):
    """Namespaces or contexts to choose from; ``chosen`` takes the one picked."""

    choice: Choice
    chosen: Callable[[str], object]


@value(frozen=False)
class Problem(Message):
    """An error to show to the user (a notification), from any worker."""

    error: str
    title: str = "Error"
    extra: Any = None


@value(frozen=False)
class SwitchPlanned(Message):
    """The core's plan for a blue/green rapid rollback (traffic switch)."""

    plan: Any


@value(frozen=False)
class SwitchDone(Message):
    """Traffic was switched (``result`` is a TrafficSwitchResult)."""

    result: Any


@value(frozen=False)
class ReleasesLoaded(Message):
    """The releases of a namespace (``error``: the workloads could not be listed)."""

    listing: ReleaseListing | None
    error: str | None
    generation: int


@value(frozen=False)
class ReleasePlanned(Message):
    """The rollback plan of the release ``key`` (or why it cannot be planned)."""

    key: str
    answer: ReleasePlan | PlanFailed
    generation: int


@value(frozen=False)
class ReleaseExecuted(Message):
    """The release rollback was executed (a result) or stopped (where every workload stands)."""

    answer: ReleaseResult | ExecuteFailed


@value(frozen=False)
class ReleaseRolloutProgress(Message):
    """A new rollout status line of one workload of the release being followed."""

    ref: WorkloadRef
    status: RolloutStatus


@value(frozen=False)
class ReleaseRolloutEnded(Message):
    """Following one workload of the release ended."""

    ref: WorkloadRef
    end: FollowEnd
