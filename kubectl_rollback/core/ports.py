"""The ClusterGateway port: the only way the core (and the TUI) reach a cluster.

A few generic verbs over API resources (get, list, patch, watch, create, who am I, access
review) instead of one method per verb and kind: a new kind needs a new ``Resource``
constant, not a new method. ``kube.gateway.KubeGateway`` implements it for real clusters;
tests implement it in memory.
"""

from __future__ import annotations

import builtins
import enum
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from .errors import Forbidden
from .values import value

JSON = Any
WatchEvent = tuple[str, dict[str, JSON]]
"""(type, object): ADDED, MODIFIED, DELETED, BOOKMARK, or ERROR with a Status object."""


@value
class Resource:
    """An API resource: ``apps/v1 deployments`` (kind Deployment)."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        """``deployments.apps``, ``services``: how kubectl names it in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


DEPLOYMENTS = Resource("apps", "v1", "deployments", "Deployment")
REPLICASETS = Resource("apps", "v1", "replicasets", "ReplicaSet")
STATEFULSETS = Resource("apps", "v1", "statefulsets", "StatefulSet")
DAEMONSETS = Resource("apps", "v1", "daemonsets", "DaemonSet")
CONTROLLERREVISIONS = Resource("apps", "v1", "controllerrevisions", "ControllerRevision")
PODS = Resource("", "v1", "pods", "Pod")
CONFIGMAPS = Resource("", "v1", "configmaps", "ConfigMap")
SECRETS = Resource("", "v1", "secrets", "Secret")
SERVICES = Resource("", "v1", "services", "Service")
EVENTS = Resource("", "v1", "events", "Event")
NAMESPACES = Resource("", "v1", "namespaces", "Namespace", namespaced=False)
HPAS = Resource("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler")


class PatchType(enum.Enum):
    """The PATCH content types the core sends."""

    JSON = "application/json-patch+json"
    MERGE = "application/merge-patch+json"
    STRATEGIC = "application/strategic-merge-patch+json"


class ClusterGateway(Protocol):
    """What kube/ (a real cluster) and test fakes implement. Every method returns raw API JSON.

    Errors are raised as kubectl_rollback.core.errors types (NotFound, Forbidden,
    Unauthorized, Conflict, Invalid, Unreachable, OutcomeUnknown, ConfigError), never as
    a client library's exceptions. Reads may be retried by the implementation; a write is
    never resent once it may have reached the server (OutcomeUnknown says so).
    """

    def get(self, resource: Resource, namespace: str, name: str) -> dict[str, JSON]:
        """GET one object; NotFound names the namespace when that is what is missing."""
        ...

    def list(
        self, resource: Resource, namespace: str | None, *, label_selector: str | None = None
    ) -> list[dict[str, JSON]]:
        """LIST (all pages); every item carries ``apiVersion`` and ``kind``."""
        ...

    def list_with_version(
        self, resource: Resource, namespace: str | None, *, label_selector: str | None = None
    ) -> tuple[builtins.list[dict[str, JSON]], str]:
        """(items, the list's resourceVersion): where a ``watch`` of the collection starts."""
        ...

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
        """PATCH (``dryRun=All`` when dry_run); returns the object.

        A failed JSON-patch ``test`` (422) raises Invalid, a stale resourceVersion (409)
        Conflict, an answer lost after sending OutcomeUnknown.
        """
        ...

    def create(self, resource: Resource, namespace: str, body: dict[str, JSON]) -> dict[str, JSON]:
        """POST a new object (the core creates Events)."""
        ...

    def delete(
        self,
        resource: Resource,
        namespace: str,
        name: str,
        *,
        resource_version: str,
        dry_run: bool = False,
    ) -> None:
        """DELETE one object, only while its resourceVersion is ``resource_version`` (a
        DeleteOptions precondition: a changed object is a Conflict), dependents in the
        background."""
        ...

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
    ) -> Iterator[WatchEvent]:
        """Events after ``resource_version`` (one object when ``name`` is given),
        bookmarks included.

        Never raises once called: a 410 Expired ends the stream with an ERROR event whose
        Status has code 410 (list or GET again, then watch from the new version); a stream
        cut mid-way or a watch that cannot be opened ends with an ERROR event of another
        code (after a short pause, so a caller that starts again does not spin). Ends
        without an ERROR when the server closes the watch (``timeout_seconds``).
        ``on_open`` receives a function that ends the watch from another thread.
        """
        ...

    def whoami(self) -> str | None:
        """The user name for change-causes and Events, when the credentials tell (else None)."""
        ...

    def can_i(
        self, verb: str, resource: Resource, namespace: str | None, name: str | None = None
    ) -> tuple[bool, str]:
        """A SelfSubjectAccessReview: (allowed, the server's reason)."""
        ...


def is_expired(event: WatchEvent) -> bool:
    """An ERROR event that says the watch's resourceVersion is too old (410)."""
    kind, obj = event
    return kind == "ERROR" and obj.get("code") == 410


def optional_read(read: Callable[[], list[dict[str, JSON]]]) -> list[dict[str, JSON]] | None:
    """The list, or None when RBAC forbids it: optional reads degrade to "not checked"."""
    # RBAC often denies listing Secrets or pods; the rollback must still work.
    try:
        return read()
    except Forbidden:
        return None
