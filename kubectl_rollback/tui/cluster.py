"""The TUI's side of the cluster, run in worker threads: connect, list, watch, follow, stop.

Nothing here imports Textual; everything here may block. The UI calls these from
thread workers only, and they report back through the callbacks they are given.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from ..core import errors
from ..core.api_objects import dig, uid_of
from ..core.kinds import KINDS as ALL_KINDS
from ..core.kinds import kind_named
from ..core.ports import (
    CONTROLLERREVISIONS,
    REPLICASETS,
    ClusterGateway,
    PatchType,
    Resource,
    WatchEvent,
    is_expired,
)
from ..core.values import field, value
from ..core.workloads import (
    WorkloadSummary,
    newest_revisions,
    ordered,
    search_text,
    summarise,
)

JSON = Any
Event = WatchEvent


class Gateway(ClusterGateway, Protocol):
    """What the TUI needs of kube.gateway.KubeGateway: the core's ClusterGateway, which
    context and namespace it is connected to, and closing it."""

    namespace: str
    context: str

    def close(self) -> None: ...


@value
class Connector:
    """How to reach clusters: a kubeconfig (None: $KUBECONFIG or ~/.kube/config).

    `request_timeout`: how long one request may take, retries included (seconds; 0: no
    limit), from `--request-timeout` (the same default as the command line's 30s).
    """

    kubeconfig: str | None = None
    request_timeout: float = 30.0

    def connect(self, context: str | None, namespace: str | None) -> Gateway:
        from ..kube.gateway import KubeGateway

        gateway: Gateway = KubeGateway.connect(
            self.kubeconfig, context, namespace, request_timeout=self.request_timeout
        )
        return gateway

    def contexts(self) -> tuple[list[str], str | None]:
        """(context names, current context) of the kubeconfig."""
        from ..kube.gateway import KubeGateway

        return KubeGateway.list_contexts(self.kubeconfig)

    def take_listing(self, gw: Gateway, namespace: str) -> WorkloadListing | None:
        """The workloads of ``namespace`` listed ahead of time through ``gw`` (None: list
        them now)."""
        return None

    def ready(self, context: str | None, namespace: str | None) -> bool:
        """Connecting to ``context`` and listing ``namespace`` would answer at once, from what
        was fetched ahead of time (the UI thread may ask then: nothing waits)."""
        return False


class Prefetch:
    """The first connection and the first LIST of the workloads, run in a thread while the
    UI itself loads (importing Textual takes longer than the cluster takes to answer).

    ``run_app`` starts it before importing the UI; the app's connector takes its answers
    once (``PrefetchingConnector``), as the workers would have got them.
    """

    def __init__(self, connector: Connector, context: str | None, namespace: str | None) -> None:
        self.connector = connector
        self.asked = (context, namespace)
        self.gateway: Gateway | None = None
        self.listing: WorkloadListing | None = None
        self.error: BaseException | None = None
        """What connecting (no gateway) or listing (a gateway) raised."""
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="prefetch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.gateway = self.connector.connect(*self.asked)
            self.listing = list_workloads(self.gateway, self.gateway.namespace)
        except BaseException as exc:  # handed to the worker that asks, as if it had run it
            self.error = exc
        finally:
            self._done.set()

    def wait(self) -> None:
        self._done.wait()

    @property
    def done(self) -> bool:
        return self._done.is_set()


@value
class PrefetchingConnector(Connector):
    """A connector whose first connection and listing are the prefetch's (each taken once);
    everything after is asked of the cluster as usual."""

    prefetch: Prefetch | None = None
    _taken: set[str] = field(default_factory=set, init=False, compare=False, repr=False)

    def _take(self, what: str) -> Prefetch | None:
        if self.prefetch is None or what in self._taken:
            return None
        self._taken.add(what)
        self.prefetch.wait()
        return self.prefetch

    def connect(self, context: str | None, namespace: str | None) -> Gateway:
        if self.prefetch is not None and (context, namespace) == self.prefetch.asked:
            prefetch = self._take("gateway")
            if prefetch is not None:
                if prefetch.gateway is None:
                    assert prefetch.error is not None
                    self._taken.add("listing")
                    raise prefetch.error
                return prefetch.gateway
        return super().connect(context, namespace)

    def ready(self, context: str | None, namespace: str | None) -> bool:
        prefetch = self.prefetch
        return (
            prefetch is not None
            and prefetch.done
            and (context, namespace) == prefetch.asked
            and "gateway" not in self._taken
        )

    def take_listing(self, gw: Gateway, namespace: str) -> WorkloadListing | None:
        if self.prefetch is None or self.prefetch.gateway is not gw:
            return None
        prefetch = self._take("listing")
        if prefetch is None:
            return None
        if prefetch.listing is None or prefetch.listing.namespace != namespace:
            if prefetch.error is not None and prefetch.listing is None:
                raise prefetch.error
            return None
        return prefetch.listing


class StopSignal:
    """Stops one worker's blocking calls from the UI thread: sets a flag and shuts open watches."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._stops: list[Callable[[], None]] = []

    @property
    def stopped(self) -> bool:
        return self._event.is_set()

    def register(self, stop: Callable[[], None]) -> None:
        """Remember how to end the watch just opened (ended at once when already stopped)."""
        with self._lock:
            self._stops = [stop]
            already = self._event.is_set()
        if already:
            stop()

    def stop(self) -> None:
        with self._lock:
            self._event.set()
            stops, self._stops = self._stops, []
        for stop in stops:
            stop()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when stopped meanwhile."""
        return self._event.wait(seconds)


class Cancelled(Exception):
    """The user stopped watching (nothing is undone)."""


PLURALS: dict[str, str] = {k.kind: k.resource.plural for k in ALL_KINDS}
"""Workload kind -> its resource (plural)."""
KINDS: dict[str, str] = {k.resource.plural: k.kind for k in ALL_KINDS}
"""Workload resource (plural) -> kind."""
WATCHED: dict[str, Resource] = {
    **{k.resource.plural: k.resource for k in ALL_KINDS},
    REPLICASETS.plural: REPLICASETS,
}
"""What the TUI watches, by plural: the workloads, and the ReplicaSets of a rollout."""


@value
class WorkloadListing:
    """The workloads of a namespace and, per listed resource (plural), the resourceVersion its
    watch starts from.

    A kind that could not be listed (403) has no version: it is not watched.
    """

    namespace: str
    summaries: tuple[WorkloadSummary, ...]
    versions: tuple[tuple[str, str], ...]
    notes: tuple[str, ...] = ()
    searched: tuple[str, ...] = ()
    """What the filter searches in each summary (``search_text``), made by the worker so that
    the first key typed into the filter does not (empty: made when filtering)."""


def list_workloads(gw: Gateway, namespace: str) -> WorkloadListing:
    """One LIST per kind (the first kind, Deployments, is required; the others are optional:
    a 403 only adds a note)."""
    versions: list[tuple[str, str]] = []
    notes: list[str] = []
    listed: list[tuple[str, list[JSON]]] = []
    for kind in ALL_KINDS:
        plural = kind.resource.plural
        try:
            items, list_version = gw.list_with_version(kind.resource, namespace)
        except (errors.Forbidden, errors.NotFound) as exc:
            if kind is ALL_KINDS[0]:
                raise
            notes.append(f"{plural} not listed: {exc}")
            continue
        versions.append((plural, list_version))
        listed.append((kind.kind, items))
    # Kinds whose revision is not on the object: one LIST of their ControllerRevisions.
    newest: dict[str, int] = {}
    if any(items and kind_named(k).revision_resource is CONTROLLERREVISIONS for k, items in listed):
        try:
            newest = newest_revisions(gw.list(CONTROLLERREVISIONS, namespace))
        except (errors.Forbidden, errors.NotFound) as exc:
            notes.append(f"controllerrevisions not listed (no REV for sts/ds): {exc}")
    summaries = [
        summarise(item, kind, revision=newest.get(uid_of(item)))
        for kind, items in listed
        for item in items
    ]
    listed_in_order = tuple(ordered(summaries))
    return WorkloadListing(
        namespace,
        listed_in_order,
        tuple(versions),
        tuple(notes),
        tuple(search_text(s) for s in listed_in_order),
    )


def watch_resource(
    gw: Gateway,
    plural: str,
    namespace: str,
    resource_version: str,
    stop: StopSignal,
    on_events: Callable[[list[Event]], object],
    on_trouble: Callable[[str | None], object],
    *,
    timeout_seconds: int = 240,
) -> None:
    """Follow ``plural`` (see WATCHED) of a namespace until ``stop``: relist on 410, reconnect on
    errors.

    ``on_events`` gets batches of (type, object) (a relist comes as ADDED events
    after a ``("RELIST", {})`` marker); ``on_trouble`` gets a message while the
    watch is down and None once it is up again.
    """
    follow_resource(
        gw,
        WATCHED[plural],
        namespace,
        resource_version,
        stop,
        on_events,
        on_trouble,
        timeout_seconds=timeout_seconds,
    )


def follow_resource(
    gw: ClusterGateway,
    resource: Resource,
    namespace: str,
    resource_version: str,
    stop: StopSignal,
    on_events: Callable[[list[Event]], object],
    on_trouble: Callable[[str | None], object],
    *,
    label_selector: str | None = None,
    timeout_seconds: int = 240,
) -> None:
    """``watch_resource`` for any resource, optionally by label selector (the pods of one
    workload): resumes from the last resourceVersion, lists again on 410 (an empty
    ``resource_version`` starts with a LIST), waits at most 15 s between attempts, ends on
    ``stop``."""
    plural = resource.plural
    version = resource_version
    backoff = 0.5
    troubled = False
    while not stop.stopped:
        trouble: str | None = None
        try:
            if not version:
                items, version = gw.list_with_version(
                    resource, namespace, label_selector=label_selector
                )
                on_events([("RELIST", {})] + [("ADDED", item) for item in items])
            if troubled:
                on_trouble(None)
                troubled = False
            for event in gw.watch(
                resource,
                namespace,
                version,
                label_selector=label_selector,
                timeout_seconds=timeout_seconds,
                on_open=stop.register,
            ):
                kind, obj = event
                if stop.stopped:
                    return
                if kind == "ERROR":
                    if is_expired(event):
                        version = ""  # list again, then watch from the new version
                    else:
                        trouble = str(obj.get("message") or "the watch ended")
                    break
                version = str(dig(obj, "metadata", "resourceVersion") or version)
                if kind in ("ADDED", "MODIFIED", "DELETED"):
                    on_events([(kind, obj)])
            else:
                backoff = 0.5
        except errors.RollbackError as exc:
            trouble = str(exc)
        if trouble is not None:
            if stop.stopped:
                return
            troubled = True
            on_trouble(f"live updates paused ({plural}): {trouble}; retrying")
            if stop.wait(backoff):
                return
            backoff = min(backoff * 2, 15.0)
            version = ""


class FollowGateway:
    """A ClusterGateway for the core's follow whose waiting the user can stop.

    Every call checks the stop signal first, and watches are opened with it, so stopping
    ends ``follow`` at once with Cancelled (nothing is recorded or undone). ``on_object``
    sees every state of a workload that follow reads (GET or watch event), for the
    rollout view.
    """

    def __init__(
        self,
        gw: ClusterGateway,
        stop: StopSignal,
        *,
        watch_seconds: int = 60,
        on_object: Callable[[dict[str, JSON]], object] | None = None,
    ) -> None:
        self._gw = gw
        self._stop = stop
        self._watch_seconds = watch_seconds
        self._on_object = on_object

    def _check(self) -> None:
        if self._stop.stopped:
            raise Cancelled()

    def _seen(self, obj: dict[str, JSON]) -> dict[str, JSON]:
        if self._on_object is not None and obj:
            self._on_object(obj)
        return obj

    def get(self, resource: Resource, namespace: str, name: str) -> dict[str, JSON]:
        self._check()
        return self._seen(self._gw.get(resource, namespace, name))

    def list_with_version(
        self, resource: Resource, namespace: str | None, *, label_selector: str | None = None
    ) -> tuple[list[dict[str, JSON]], str]:
        self._check()
        return self._gw.list_with_version(resource, namespace, label_selector=label_selector)

    def patch(
        self,
        resource: Resource,
        namespace: str,
        name: str,
        body: JSON,
        patch_type: PatchType,
        *,
        dry_run: bool = False,
    ) -> dict[str, JSON]:
        # Never stopped half-way: a write the core decided to send (an outcome record) is sent.
        return self._gw.patch(resource, namespace, name, body, patch_type, dry_run=dry_run)

    def create(self, resource: Resource, namespace: str, body: dict[str, JSON]) -> dict[str, JSON]:
        return self._gw.create(resource, namespace, body)

    def watch(
        self,
        resource: Resource,
        namespace: str | None,
        resource_version: str,
        *,
        name: str | None = None,
        label_selector: str | None = None,
        timeout_seconds: int = 300,
        on_open: Callable[[Callable[[], None]], None] | None = None,
    ) -> Iterator[Event]:
        self._check()
        events = self._gw.watch(
            resource,
            namespace,
            resource_version,
            name=name,
            label_selector=label_selector,
            timeout_seconds=min(timeout_seconds, self._watch_seconds),
            on_open=self._stop.register,
        )
        for kind, obj in events:
            self._check()
            if kind in ("ADDED", "MODIFIED"):
                self._seen(obj)
            yield kind, obj
        self._check()

    def delete(
        self,
        resource: Resource,
        namespace: str,
        name: str,
        *,
        resource_version: str,
        dry_run: bool = False,
    ) -> None:
        self._gw.delete(
            resource, namespace, name, resource_version=resource_version, dry_run=dry_run
        )

    def whoami(self) -> str | None:
        return self._gw.whoami()

    def can_i(
        self, verb: str, resource: Resource, namespace: str | None, name: str | None = None
    ) -> tuple[bool, str]:
        return self._gw.can_i(verb, resource, namespace, name)

    # Last in the class: from here on, `list` in an annotation would name this method.
    def list(
        self, resource: Resource, namespace: str | None, *, label_selector: str | None = None
    ) -> builtins.list[dict[str, JSON]]:
        self._check()
        return self._gw.list(resource, namespace, label_selector=label_selector)
