"""The ClusterGateway protocol: the only way the core's services reach a cluster."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

JSON = Any


class ClusterGateway(Protocol):
    """What kube/ (real cluster) and test fakes implement. Every method returns raw API JSON.

    Errors are raised as kubectl_rollback.core.errors types (NotFound,
    Forbidden, Unauthorized, Conflict, Unreachable, ConfigError, Invalid), never
    as the kubernetes client's exceptions. Reads may be retried by the
    implementation; writes never are.
    """

    def get_deployment(self, namespace: str, name: str) -> dict[str, JSON]:
        """GET apps/v1 Deployment."""
        ...

    def list_replicasets(self, namespace: str, label_selector: str) -> list[dict[str, JSON]]:
        """LIST apps/v1 ReplicaSets with ``labelSelector`` (the items)."""
        ...

    def list_pods(self, namespace: str, label_selector: str) -> list[dict[str, JSON]]:
        """LIST v1 Pods with ``labelSelector`` (the items)."""
        ...

    def list_configmaps(self, namespace: str) -> list[dict[str, JSON]]:
        """LIST v1 ConfigMaps of the namespace."""
        ...

    def list_secrets(self, namespace: str, label_selector: str | None) -> list[dict[str, JSON]]:
        """LIST v1 Secrets, optionally with ``labelSelector``."""
        ...

    def list_hpas(self, namespace: str) -> list[dict[str, JSON]]:
        """LIST HorizontalPodAutoscalers (autoscaling/v2, or v1 where v2 is not served)."""
        ...

    def patch_deployment(
        self, namespace: str, name: str, json_patch: list[dict[str, JSON]], *, dry_run: bool
    ) -> dict[str, JSON]:
        """PATCH application/json-patch+json (``dryRun=All`` when dry_run); returns the object.

        A failed ``test`` op (HTTP 422) or 409 should raise Conflict or Invalid.
        """
        ...

    def patch_replicaset_annotations(
        self, namespace: str, name: str, merge_patch: dict[str, JSON]
    ) -> dict[str, JSON]:
        """PATCH application/merge-patch+json with ``merge_patch`` (a whole merge-patch body,
        ``{"metadata": {"annotations": {...}}}``); returns the object."""
        ...

    def create_event(self, namespace: str, event: dict[str, JSON]) -> None:
        """POST a core/v1 Event."""
        ...

    def watch_deployment(
        self, namespace: str, name: str, resource_version: str, timeout_seconds: int
    ) -> Iterator[tuple[str, dict[str, JSON]]]:
        """WATCH one Deployment (fieldSelector metadata.name) from ``resource_version``.

        Yields (type, object): ADDED, MODIFIED, DELETED, BOOKMARK, ERROR (object a Status).
        Ends when the server closes the watch (timeoutSeconds).
        """
        ...

    # StatefulSets and DaemonSets (workload_service): history in ControllerRevisions.

    def get_statefulset(self, namespace: str, name: str) -> dict[str, JSON]:
        """GET apps/v1 StatefulSet."""
        ...

    def get_daemonset(self, namespace: str, name: str) -> dict[str, JSON]:
        """GET apps/v1 DaemonSet."""
        ...

    def list_controllerrevisions(
        self, namespace: str, label_selector: str
    ) -> list[dict[str, JSON]]:
        """LIST apps/v1 ControllerRevisions with ``labelSelector`` (the items)."""
        ...

    def patch_statefulset(
        self, namespace: str, name: str, strategic_patch: dict[str, JSON], *, dry_run: bool
    ) -> dict[str, JSON]:
        """PATCH application/strategic-merge-patch+json (``dryRun=All`` when dry_run); returns the object.

        A stale ``metadata.resourceVersion`` in the body (HTTP 409) should raise Conflict.
        """
        ...

    def patch_daemonset(
        self, namespace: str, name: str, strategic_patch: dict[str, JSON], *, dry_run: bool
    ) -> dict[str, JSON]:
        """As ``patch_statefulset``, for a DaemonSet."""
        ...

    def patch_controllerrevision_annotations(
        self, namespace: str, name: str, merge_patch: dict[str, JSON]
    ) -> dict[str, JSON]:
        """PATCH a ControllerRevision with application/merge-patch+json; returns the object."""
        ...

    def watch_statefulset(
        self, namespace: str, name: str, resource_version: str, timeout_seconds: int
    ) -> Iterator[tuple[str, dict[str, JSON]]]:
        """WATCH one StatefulSet, as ``watch_deployment``."""
        ...

    def watch_daemonset(
        self, namespace: str, name: str, resource_version: str, timeout_seconds: int
    ) -> Iterator[tuple[str, dict[str, JSON]]]:
        """WATCH one DaemonSet, as ``watch_deployment``."""
        ...

    # Blue/green (bluegreen_service): Services, all Deployments, scaling.

    def get_service(self, namespace: str, name: str) -> dict[str, JSON]:
        """GET v1 Service (NotFound names the namespace when that is what is missing)."""
        ...

    def list_services(self, namespace: str) -> list[dict[str, JSON]]:
        """LIST v1 Services of the namespace."""
        ...

    def list_deployments(self, namespace: str) -> list[dict[str, JSON]]:
        """LIST apps/v1 Deployments of the namespace."""
        ...

    def patch_service(
        self, namespace: str, name: str, json_patch: list[dict[str, JSON]], *, dry_run: bool
    ) -> dict[str, JSON]:
        """PATCH a Service with application/json-patch+json (``dryRun=All`` when dry_run).

        A failed ``test`` op (HTTP 422) or 409 should raise Conflict or Invalid.
        """
        ...

    def scale_deployment(
        self, namespace: str, name: str, replicas: int, resource_version: str, *, dry_run: bool
    ) -> dict[str, JSON]:
        """Set a Deployment's spec.replicas: a JSON patch testing metadata.resourceVersion first."""
        ...

    def whoami(self) -> str | None:
        """The user name for change-cause and Events, when the credentials tell (else None)."""
        ...
