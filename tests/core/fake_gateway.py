"""An in-memory ClusterGateway for service tests: records every call, applies JSON patches, checks
tests."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from kubectl_rollback.core.errors import Forbidden, Invalid, NotFound


def _pointer(path: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")]


def apply_json_patch(obj: dict[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any]:
    """RFC 6902 test/replace/add on a copy; a failed test raises Invalid (the API answers 422)."""
    result = copy.deepcopy(obj)
    for op in ops:
        *parents, last = _pointer(op["path"])
        node = result
        for part in parents:
            node = node[part]
        if op["op"] == "test":
            if node.get(last) != op["value"]:
                raise Invalid(f"the server rejected our request: test failed at {op['path']}")
        elif op["op"] in ("replace", "add"):
            if op["op"] == "replace" and last not in node:
                raise Invalid(f"replace of missing path {op['path']}")
            node[last] = copy.deepcopy(op["value"])
        else:
            raise Invalid(f"unsupported op {op['op']}")
    return result


class FakeGateway:
    """Holds one namespace's objects as raw dicts; ``calls`` lists (method, args) in order."""

    def __init__(
        self,
        deployment: dict[str, Any],
        replicasets: list[dict[str, Any]],
        pods: list[dict[str, Any]] | None = None,
        *,
        configmaps: list[dict[str, Any]] | None = None,
        secrets: list[dict[str, Any]] | None = None,
        hpas: list[dict[str, Any]] | None = None,
        user: str | None = "alice",
        forbidden: frozenset[str] = frozenset(),
    ) -> None:
        self.deployment = copy.deepcopy(deployment)
        self.replicasets = copy.deepcopy(replicasets)
        self.pods = copy.deepcopy(pods or [])
        self.configmaps = copy.deepcopy(configmaps or [])
        self.secrets = copy.deepcopy(secrets or [])
        self.hpas = copy.deepcopy(hpas or [])
        self.user = user
        self.forbidden = forbidden
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.events: list[dict[str, Any]] = []
        self.watch_script: list[list[tuple[str, dict[str, Any]]]] = []
        self.rs_patches: list[tuple[str, dict[str, Any]]] = []

    def _call(self, method: str, *args: Any) -> None:
        self.calls.append((method, args))
        if method in self.forbidden:
            raise Forbidden(f"{method} is forbidden")

    def methods(self) -> list[str]:
        return [m for m, _ in self.calls]

    def get_deployment(self, namespace: str, name: str) -> dict[str, Any]:
        self._call("get_deployment", namespace, name)
        if name != self.deployment["metadata"]["name"]:
            raise NotFound(f'deployments.apps "{name}" not found')
        return copy.deepcopy(self.deployment)

    def list_replicasets(self, namespace: str, label_selector: str) -> list[dict[str, Any]]:
        self._call("list_replicasets", namespace, label_selector)
        return copy.deepcopy(self.replicasets)

    def list_pods(self, namespace: str, label_selector: str) -> list[dict[str, Any]]:
        self._call("list_pods", namespace, label_selector)
        return copy.deepcopy(self.pods)

    def list_configmaps(self, namespace: str) -> list[dict[str, Any]]:
        self._call("list_configmaps", namespace)
        return copy.deepcopy(self.configmaps)

    def list_secrets(self, namespace: str, label_selector: str | None) -> list[dict[str, Any]]:
        self._call("list_secrets", namespace, label_selector)
        items = self.secrets
        if label_selector == "owner=harness":
            items = [s for s in items if s["metadata"].get("labels", {}).get("owner") == "harness"]
        return copy.deepcopy(items)

    def list_hpas(self, namespace: str) -> list[dict[str, Any]]:
        self._call("list_hpas", namespace)
        return copy.deepcopy(self.hpas)

    def patch_deployment(
        self, namespace: str, name: str, json_patch: list[dict[str, Any]], *, dry_run: bool
    ) -> dict[str, Any]:
        self._call("patch_deployment", namespace, name, copy.deepcopy(json_patch), dry_run)
        patched = apply_json_patch(self.deployment, json_patch)
        if dry_run:
            return patched
        patched["metadata"]["resourceVersion"] = str(
            int(patched["metadata"]["resourceVersion"]) + 1
        )
        patched["metadata"]["generation"] = patched["metadata"].get("generation", 1) + 1
        self.deployment = patched
        return copy.deepcopy(patched)

    def patch_replicaset_annotations(
        self, namespace: str, name: str, merge_patch: dict[str, Any]
    ) -> dict[str, Any]:
        self._call("patch_replicaset_annotations", namespace, name, merge_patch)
        self.rs_patches.append((name, merge_patch))
        for rs in self.replicasets:
            if rs["metadata"]["name"] == name:
                rs["metadata"].setdefault("annotations", {}).update(
                    merge_patch["metadata"]["annotations"]
                )
                return copy.deepcopy(rs)
        raise NotFound(f'replicasets.apps "{name}" not found')

    def create_event(self, namespace: str, event: dict[str, Any]) -> None:
        self._call("create_event", namespace, event)
        self.events.append(event)

    def watch_deployment(
        self, namespace: str, name: str, resource_version: str, timeout_seconds: int
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        self._call("watch_deployment", namespace, name, resource_version, timeout_seconds)
        batch = self.watch_script.pop(0) if self.watch_script else []
        for kind, obj in batch:
            if kind in ("ADDED", "MODIFIED"):
                self.deployment = copy.deepcopy(obj)
            yield kind, copy.deepcopy(obj)

    def whoami(self) -> str | None:
        self._call("whoami")
        return self.user
