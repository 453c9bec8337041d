"""The TUI's side of the cluster, run in worker threads: connect, list, watch, follow, stop.

Nothing here imports Textual; everything here may block. The UI calls these from
thread workers only, and they report back through the callbacks they are given.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from ..core import errors
from ..core.api_objects import dig
from ..core.workloads import WorkloadSummary, ordered, summarise

JSON = Any
Event = tuple[str, dict[str, JSON]]


class Gateway(Protocol):
    """What the TUI needs of kube.gateway.KubeGateway (the core's ClusterGateway and more)."""

    namespace: str
    context: str

    def get_deployment(self, namespace: str, name: str) -> dict[str, JSON]: ...
    def list_replicasets(self, namespace: str, label_selector: str) -> list[dict[str, JSON]]: ...
    def list_namespaces(self) -> list[str]: ...
    def list_with_version(self, group: str, version: str, plural: str, namespace: str | None,
                          label_selector: str | None = None) -> tuple[list[dict[str, JSON]], str]: ...
    def watch(self, group: str, version: str, plural: str, namespace: str | None, resource_version: str,
              timeout_seconds: int = 300, label_selector: str | None = None,
              on_open: Callable[[Callable[[], None]], None] | None = None,
              field_selector: str | None = None) -> Iterator[Event]: ...
    def can_i(self, verb: str, group: str, plural: str, namespace: str | None,
              name: str | None = None) -> tuple[bool, str]: ...
    def whoami(self) -> str | None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class Connector:
    """How to reach clusters: a kubeconfig (None: $KUBECONFIG or ~/.kube/config)."""

    kubeconfig: str | None = None

    def connect(self, context: str | None, namespace: str | None) -> Gateway:
        from ..kube.gateway import KubeGateway

        gateway: Gateway = KubeGateway.connect(self.kubeconfig, context, namespace)
        return gateway

    def contexts(self) -> tuple[list[str], str | None]:
        """(context names, current context) of the kubeconfig."""
        from ..kube.gateway import KubeGateway

        return KubeGateway.list_contexts(self.kubeconfig)


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


LISTED_KINDS: tuple[tuple[str, str], ...] = (
    ("Deployment", "deployments"),
    ("StatefulSet", "statefulsets"),
    ("DaemonSet", "daemonsets"),
)


@dataclass(frozen=True)
class WorkloadListing:
    """The workloads of a namespace and the resourceVersion the Deployments watch starts from."""

    namespace: str
    summaries: tuple[WorkloadSummary, ...]
    deployments_version: str
    notes: tuple[str, ...] = ()


def list_workloads(gw: Gateway, namespace: str) -> WorkloadListing:
    """One LIST per kind (Deployments first; the others are optional: a 403 only adds a note)."""
    summaries: list[WorkloadSummary] = []
    version = ""
    notes: list[str] = []
    for kind, plural in LISTED_KINDS:
        try:
            items, list_version = gw.list_with_version("apps", "v1", plural, namespace)
        except (errors.Forbidden, errors.NotFound) as exc:
            if kind == "Deployment":
                raise
            notes.append(f"{plural} not listed: {exc}")
            continue
        if kind == "Deployment":
            version = list_version
        summaries.extend(summarise(item, kind) for item in items)
    return WorkloadListing(namespace, tuple(ordered(summaries)), version, tuple(notes))


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
    """Follow apps/v1 ``plural`` of a namespace until ``stop``: relist on 410, reconnect on errors.

    ``on_events`` gets batches of (type, object) (a relist comes as ADDED events
    after a ``("RELIST", {})`` marker); ``on_trouble`` gets a message while the
    watch is down and None once it is up again.
    """
    from ..kube.gateway import WatchExpired

    version = resource_version
    backoff = 0.5
    troubled = False
    while not stop.stopped:
        try:
            if not version:
                items, version = gw.list_with_version("apps", "v1", plural, namespace)
                on_events([("RELIST", {})] + [("ADDED", item) for item in items])
            if troubled:
                on_trouble(None)
                troubled = False
            for kind, obj in gw.watch("apps", "v1", plural, namespace, version,
                                      timeout_seconds=timeout_seconds, on_open=stop.register):
                if stop.stopped:
                    return
                version = str(dig(obj, "metadata", "resourceVersion") or version)
                if kind in ("ADDED", "MODIFIED", "DELETED"):
                    on_events([(kind, obj)])
            backoff = 0.5
        except WatchExpired:
            version = ""
        except errors.RollbackError as exc:
            if stop.stopped:
                return
            troubled = True
            on_trouble(f"live updates paused ({plural}): {exc}; retrying")
            if stop.wait(backoff):
                return
            backoff = min(backoff * 2, 15.0)
            version = ""


class FollowGateway:
    """A gateway for core.service.follow whose waiting the user can stop.

    Every call checks the stop signal first, and watches are opened with it, so
    stopping ends ``follow`` at once with Cancelled (nothing is recorded or undone).
    """

    def __init__(self, gw: Gateway, stop: StopSignal, *, watch_seconds: int = 60) -> None:
        self._gw = gw
        self._stop = stop
        self._watch_seconds = watch_seconds

    def _check(self) -> None:
        if self._stop.stopped:
            raise Cancelled()

    def get_deployment(self, namespace: str, name: str) -> dict[str, JSON]:
        self._check()
        return self._gw.get_deployment(namespace, name)

    def list_replicasets(self, namespace: str, label_selector: str) -> list[dict[str, JSON]]:
        self._check()
        return self._gw.list_replicasets(namespace, label_selector)

    def watch_deployment(self, namespace: str, name: str, resource_version: str,
                         timeout_seconds: int) -> Iterator[Event]:
        self._check()
        events = self._gw.watch("apps", "v1", "deployments", namespace, resource_version,
                                timeout_seconds=min(timeout_seconds, self._watch_seconds),
                                on_open=self._stop.register, field_selector=f"metadata.name={name}")
        for event in events:
            self._check()
            yield event
        self._check()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._gw, name)

