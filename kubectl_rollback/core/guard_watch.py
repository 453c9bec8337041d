"""``kubectl rollback guard --watch-namespace NS`` / ``--all``: keep following every rollout
of a namespace (Deployments, StatefulSets and DaemonSets), recording outcomes as rollouts
finish, and with ``--auto-rollback`` rolling failures back.

The front end keeps one LIST + WATCH per workload kind open and hands every event to
``NamespaceGuard.observe``; ``tick`` judges the rollouts in flight with guard.judge (each
one's revision objects read once per generation, its pods by its selector at most once per
TICK_SECONDS). Memory is bounded by what is in flight: a workload whose rollout ended is
forgotten except for the generation it was judged at (one small entry per workload).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from .api_objects import as_dict, as_int, dig, label_selector_string, name_of
from .errors import RollbackError
from .execution import execute, write_record
from .guard import (
    FINAL,
    TICK_SECONDS,
    GuardSettings,
    Judgement,
    Phase,
    Watched,
    delete_waited_for_pod,
    duration_text,
    judge,
    proven_plan,
    settled_seconds,
    timed_out,
)
from .kinds import KINDS, WorkloadKind, kind_named
from .model import Verdict, WorkloadRef
from .ports import PODS, ClusterGateway, optional_read
from .values import field, value

JSON = Any

WATCHED_KINDS = tuple(KINDS)
"""Every workload kind kubectl rollback handles is followed."""


@value(frozen=False)
class _InFlight:
    kind: WorkloadKind
    ref: WorkloadRef
    workload: Mapping[str, JSON]
    started: datetime
    state: Watched = field(default_factory=Watched)
    revisions: list[dict[str, JSON]] = field(default_factory=list)
    listed_at: int | None = None
    looked_at: datetime | None = None
    changed: bool = True
    message: str = ""


@value
class Finished:
    """One rollout that ended while watching: what was judged and what was done."""

    ref: WorkloadRef
    judgement: Judgement
    seconds: float
    recorded: bool
    record_error: str | None
    rolled_back_to: int | None = None
    not_rolled_back: str | None = None

    @property
    def verdict(self) -> Verdict:
        if self.judgement.phase is Phase.HEALTHY:
            return Verdict.SUCCESS
        if self.judgement.phase is Phase.FAILED:
            return Verdict.FAILURE
        return Verdict.UNKNOWN

    @property
    def line(self) -> str:
        state = self.judgement.state
        what = f"{self.ref.display} revision {state.revision_number} ({state.images})"
        verdict = {
            Verdict.SUCCESS: "healthy",
            Verdict.FAILURE: "failed",
            Verdict.UNKNOWN: self.judgement.phase.value,
        }[self.verdict]
        line = f"{what} {verdict} after {duration_text(self.seconds)}: {self.judgement.message}"
        if self.verdict is not Verdict.UNKNOWN:
            line += (
                f"; {'success' if self.verdict is Verdict.SUCCESS else 'failure'} recorded"
                if self.recorded
                else f"; NOT recorded ({self.record_error})"
            )
        if self.rolled_back_to is not None:
            line += f"; rolled back to revision {self.rolled_back_to}"
        elif self.not_rolled_back:
            line += f"; {self.not_rolled_back}"
        return line


def _key(kind: WorkloadKind, obj: Mapping[str, JSON]) -> tuple[str, str, str]:
    return (kind.kind, str(dig(obj, "metadata", "namespace") or ""), name_of(obj))


def _settled(kind: WorkloadKind, workload: Mapping[str, JSON]) -> bool:
    observed = as_int(dig(workload, "status", "observedGeneration"))
    if observed < as_int(dig(workload, "metadata", "generation")):
        return False
    return kind.status(workload).done


@value(frozen=False)
class NamespaceGuard:
    """The rollouts in flight in the watched namespace(s), judged as they change."""

    gw: ClusterGateway
    settings: GuardSettings
    now_fn: Callable[[], datetime]
    auto_rollback: bool = False
    on_progress: Callable[[WorkloadRef, Judgement], None] = lambda ref, j: None
    in_flight: dict[tuple[str, str, str], _InFlight] = field(default_factory=dict)
    judged: dict[tuple[str, str, str], int] = field(default_factory=dict)
    """The generation each workload was last judged (or found settled) at."""
    rollbacks: dict[tuple[str, str, str], int] = field(default_factory=dict)
    """Rollbacks made in a row per workload (forgotten once one of its rollouts is healthy)."""
    forcing: dict[tuple[str, str, str], tuple[int, tuple[str, ...]]] = field(default_factory=dict)
    """A StatefulSet rolled back whose controller waits for pods that will never be Ready:
    the rollback's generation, and those pods (deleted once it is observed: the forced
    rollback)."""
    on_forced: Callable[[WorkloadRef, str], None] = lambda ref, pod: None
    """Told of each pod deleted for a forced rollback."""

    def observe(
        self, kind: WorkloadKind, event_type: str, workload: Mapping[str, JSON], *, initial: bool
    ) -> None:
        """A workload as LISTed (``initial``) or as a watch event reports it."""
        key = _key(kind, workload)
        if event_type == "DELETED":
            self.in_flight.pop(key, None)
            self.judged.pop(key, None)
            self.rollbacks.pop(key, None)
            self.forcing.pop(key, None)
            return
        generation = as_int(dig(workload, "metadata", "generation"))
        if key in self.forcing:
            self._force(key, workload)
        flight = self.in_flight.get(key)
        if flight is not None:
            flight.workload, flight.changed = workload, True
            return
        if self.judged.get(key) == generation:
            return
        if initial and _settled(kind, workload):
            self.judged[key] = generation  # finished before we looked: nothing to judge
            return
        ref = WorkloadRef(kind.kind, key[1], key[2])
        self.in_flight[key] = _InFlight(kind, ref, workload, self.now_fn())

    def _force(self, key: tuple[str, str, str], workload: Mapping[str, JSON]) -> None:
        """Once the controller runs the rollback's template, delete the pods it waits for."""
        generation, pods = self.forcing[key]
        if as_int(dig(workload, "status", "observedGeneration")) < generation:
            return
        del self.forcing[key]
        ref = WorkloadRef(key[0], key[1], key[2])
        update = str(dig(workload, "status", "updateRevision") or "")
        for name in pods:
            try:
                if delete_waited_for_pod(self.gw, ref, name, update):
                    self.on_forced(ref, name)
            except RollbackError:
                continue  # the rollout's own judgement says how it ends

    def tick(self) -> list[Finished]:
        """Judge every rollout in flight that changed or is due a look; the ones that ended."""
        done: list[Finished] = []
        for key, flight in list(self.in_flight.items()):
            now = self.now_fn()
            due = flight.looked_at is None or now - flight.looked_at >= timedelta(
                seconds=TICK_SECONDS
            )
            if not (flight.changed or due or flight.state.complete_since is not None):
                continue
            judgement = self._judge(flight, now)
            if judgement.phase is Phase.SUPERSEDED:
                # Deployed again before this rollout ended: follow the newest one instead.
                flight.state, flight.started, flight.changed = Watched(), now, True
                judgement = self._judge(flight, now)
            if judgement.message != flight.message:
                flight.message = judgement.message
                self.on_progress(flight.ref, judgement)
            if judgement.phase in FINAL:
                del self.in_flight[key]
                self.judged[key] = as_int(dig(flight.workload, "metadata", "generation"))
                done.append(self._finish(key, flight, judgement, now))
        return done

    def _judge(self, flight: _InFlight, now: datetime) -> Judgement:
        kind, ref = flight.kind, flight.ref
        selector = label_selector_string(as_dict(dig(flight.workload, "spec", "selector")))
        generation = as_int(dig(flight.workload, "metadata", "generation"))
        if flight.listed_at != generation or flight.state.revision_object is None:
            flight.revisions = self.gw.list(
                kind.revision_resource, ref.namespace, label_selector=selector
            )
            flight.listed_at = generation
        pods = optional_read(lambda: self.gw.list(PODS, ref.namespace, label_selector=selector))
        flight.looked_at, flight.changed = now, False
        judgement = judge(
            kind, flight.workload, flight.revisions, pods, flight.state, now, self.settings
        )
        flight.state = judgement.state
        if judgement.phase not in FINAL and now - flight.started >= timedelta(
            seconds=self.settings.timeout_seconds
        ):
            judgement = timed_out(judgement, self.settings)
        return judgement

    def _finish(
        self,
        key: tuple[str, str, str],
        flight: _InFlight,
        judgement: Judgement,
        now: datetime,
    ) -> Finished:
        seconds = (now - flight.started).total_seconds()
        state = judgement.state
        verdict = {Phase.HEALTHY: Verdict.SUCCESS, Phase.FAILED: Verdict.FAILURE}.get(
            judgement.phase
        )
        if verdict is None or state.revision_object is None:
            return Finished(flight.ref, judgement, seconds, False, None)
        recorded, error = True, None
        settled = settled_seconds(judgement, now)
        try:
            write_record(
                self.gw,
                flight.ref,
                state.revision_object,
                verdict,
                judgement.message,
                now=now,
                by="guard",
                settled_seconds=settled,
            )
        except RollbackError as exc:
            recorded, error = False, str(exc)
        if verdict is Verdict.SUCCESS:
            self.rollbacks.pop(key, None)
            return Finished(flight.ref, judgement, seconds, recorded, error)
        if not self.auto_rollback:
            return Finished(flight.ref, judgement, seconds, recorded, error)
        made = self.rollbacks.get(key, 0)
        if made >= self.settings.max_rollbacks:
            reason = f"--max-rollbacks {self.settings.max_rollbacks} reached: not rolled back"
            return Finished(flight.ref, judgement, seconds, recorded, error, None, reason)
        try:
            prepared, plan, why = proven_plan(self.gw, flight.ref, now=now)
            if plan is None:
                return Finished(flight.ref, judgement, seconds, recorded, error, None, why)
            result = execute(self.gw, plan, dry_run=False, now=now)
        except RollbackError as exc:
            reason = f"not rolled back: {exc}"
            return Finished(flight.ref, judgement, seconds, recorded, error, None, reason)
        self.rollbacks[key] = made + 1
        stuck = flight.kind.stuck_pods(prepared.history)
        if stuck:
            rolled = as_int(dig(result.workload or {}, "metadata", "generation"))
            self.forcing[key] = (rolled, stuck)
        # The rollback is a rollout of its own: the watch brings its new generation.
        self.judged.pop(key, None)
        return Finished(
            flight.ref, judgement, seconds, recorded, error, plan.to_revision.number, None
        )


def follow_group(
    gw: ClusterGateway,
    refs: Sequence[WorkloadRef],
    settings: GuardSettings,
    *,
    now_fn: Callable[[], datetime],
    sleep_fn: Callable[[float], None],
    on_progress: Callable[[WorkloadRef, Judgement], None] = lambda ref, j: None,
) -> list[Finished]:
    """Guard every workload of a release at once: each judged by the guard's rules (and its
    outcome recorded) until all have ended. The workloads are read again every second."""
    guard = NamespaceGuard(gw, settings, now_fn, on_progress=on_progress)

    def read(ref: WorkloadRef) -> tuple[WorkloadKind, dict[str, JSON]]:
        kind = kind_named(ref.kind)
        return kind, gw.get(kind.resource, ref.namespace, ref.name)

    for ref in refs:
        kind, obj = read(ref)
        guard.observe(kind, "ADDED", obj, initial=False)
    finished: list[Finished] = []
    while True:
        finished.extend(guard.tick())
        if not guard.in_flight:
            return finished
        sleep_fn(1.0)
        for flight in list(guard.in_flight.values()):
            kind, obj = read(flight.ref)
            guard.observe(kind, "MODIFIED", obj, initial=False)
