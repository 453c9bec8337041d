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
    def get_statefulset(self, namespace: str, name: str) -> dict[str, JSON]: ...
    def get_daemonset(self, namespace: str, name: str) -> dict[str, JSON]: ...
    def list_replicasets(self, namespace: str, label_selector: str) -> list[dict[str, JSON]]: ...
    def list_controllerrevisions(
        self, namespace: str, label_selector: str
    ) -> list[dict[str, JSON]]: ...
    def list_namespaces(self) -> list[str]: ...
    def list_with_version(
        self,
        group: str,
        version: str,
        plural: str,
        namespace: str | None,
        label_selector: str | None = None,
    ) -> tuple[list[dict[str, JSON]], str]: ...
    def watch(
        self,
        group: str,
        version: str,
        plural: str,
        namespace: str | None,
        resource_version: str,
        timeout_seconds: int = 300,
        label_selector: str | None = None,
        on_open: Callable[[Callable[[], None]], None] | None = None,
        field_selector: str | None = None,
    ) -> Iterator[Event]: ...
    def can_i(
        self, verb: str, group: str, plural: str, namespace: str | None, name: str | None = None
    ) -> tuple[bool, str]: ...
    def whoami(self) -> str | None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
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


PLURALS: dict[str, str] = dict(LISTED_KINDS)
"""Workload kind -> its apps/v1 resource (plural)."""
KINDS: dict[str, str] = {plural: kind for kind, plural in LISTED_KINDS}
"""apps/v1 workload resource (plural) -> kind."""


@dataclass(frozen=True)
class WorkloadListing:
    """The workloads of a namespace and, per listed resource (plural), the resourceVersion its watch starts from.

    A kind that could not be listed (403) has no version: it is not watched.
    """

    namespace: str
    summaries: tuple[WorkloadSummary, ...]
    versions: tuple[tuple[str, str], ...]
    notes: tuple[str, ...] = ()

    @property
    def deployments_version(self) -> str:
        return dict(self.versions).get("deployments", "")


def list_workloads(gw: Gateway, namespace: str) -> WorkloadListing:
    """One LIST per kind (Deployments first; the others are optional: a 403 only adds a note)."""
    summaries: list[WorkloadSummary] = []
    versions: list[tuple[str, str]] = []
    notes: list[str] = []
    for kind, plural in LISTED_KINDS:
        try:
            items, list_version = gw.list_with_version("apps", "v1", plural, namespace)
        except (errors.Forbidden, errors.NotFound) as exc:
            if kind == "Deployment":
                raise
            notes.append(f"{plural} not listed: {exc}")
            continue
        versions.append((plural, list_version))
        summaries.extend(summarise(item, kind) for item in items)
    return WorkloadListing(namespace, tuple(ordered(summaries)), tuple(versions), tuple(notes))


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
            for kind, obj in gw.watch(
                "apps",
                "v1",
                plural,
                namespace,
                version,
                timeout_seconds=timeout_seconds,
                on_open=stop.register,
            ):
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
    """A gateway for core.service.follow (any workload kind) whose waiting the user can stop.

    Every call follow makes checks the stop signal first, and watches are opened
    with it, so stopping ends ``follow`` at once with Cancelled (nothing is
    recorded or undone). ``on_object`` sees every state of the followed
    workload that follow reads (GET or watch event), for the rollout view.
    """

    def __init__(
        self,
        gw: Gateway,
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

    def _get(self, plural: str, namespace: str, name: str) -> dict[str, JSON]:
        self._check()
        getter = {
            "deployments": "get_deployment",
            "statefulsets": "get_statefulset",
            "daemonsets": "get_daemonset",
        }[plural]
        return self._seen(getattr(self._gw, getter)(namespace, name))

    def _watch(
        self, plural: str, namespace: str, name: str, resource_version: str, timeout_seconds: int
    ) -> Iterator[Event]:
        self._check()
        events = self._gw.watch(
            "apps",
            "v1",
            plural,
            namespace,
            resource_version,
            timeout_seconds=min(timeout_seconds, self._watch_seconds),
            on_open=self._stop.register,
            field_selector=f"metadata.name={name}",
        )
        for kind, obj in events:
            self._check()
            if kind in ("ADDED", "MODIFIED"):
                self._seen(obj)
            yield kind, obj
        self._check()

    def get_deployment(self, namespace: str, name: str) -> dict[str, JSON]:
        return self._get("deployments", namespace, name)

    def get_statefulset(self, namespace: str, name: str) -> dict[str, JSON]:
        return self._get("statefulsets", namespace, name)

    def get_daemonset(self, namespace: str, name: str) -> dict[str, JSON]:
        return self._get("daemonsets", namespace, name)

    def list_replicasets(self, namespace: str, label_selector: str) -> list[dict[str, JSON]]:
        self._check()
        return self._gw.list_replicasets(namespace, label_selector)

    def list_controllerrevisions(
        self, namespace: str, label_selector: str
    ) -> list[dict[str, JSON]]:
        self._check()
        return self._gw.list_controllerrevisions(namespace, label_selector)

    def watch_deployment(
        self, namespace: str, name: str, resource_version: str, timeout_seconds: int
    ) -> Iterator[Event]:
        return self._watch("deployments", namespace, name, resource_version, timeout_seconds)

    def watch_statefulset(
        self, namespace: str, name: str, resource_version: str, timeout_seconds: int
    ) -> Iterator[Event]:
        return self._watch("statefulsets", namespace, name, resource_version, timeout_seconds)

    def watch_daemonset(
        self, namespace: str, name: str, resource_version: str, timeout_seconds: int
    ) -> Iterator[Event]:
        return self._watch("daemonsets", namespace, name, resource_version, timeout_seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._gw, name)
