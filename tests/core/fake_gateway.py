"""An in-memory ClusterGateway for service tests: records every call, applies JSON patches, checks
tests."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from kubectl_rollback.core.errors import Conflict, Forbidden, Invalid, NotFound
from kubectl_rollback.core.ports import PatchType, Resource


def _pointer(path: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")]


def apply_json_patch(obj: dict[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any]:
    """RFC 6902 test/replace/add/remove on a copy; a failed test raises Invalid (as a 422)."""
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
        elif op["op"] == "remove":
            if last not in node:
                raise Invalid(f"remove of missing path {op['path']}")
            del node[last]
        else:
            raise Invalid(f"unsupported op {op['op']}")
    return result


class FakeGateway:
    """One namespace's objects as raw dicts behind the core's generic verbs.

    ``calls`` lists ("VERB plural", args) in order (``"get deployments"``, ``"list pods"``);
    a name in ``forbidden`` answers 403. Deployments take JSON patches (tests checked),
    revision objects merge patches; ``watch_script`` holds the event batches successive
    watches of the Deployment return.
    """

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
        self.objects: dict[str, list[dict[str, Any]]] = {
            "replicasets": copy.deepcopy(replicasets),
            "pods": copy.deepcopy(pods or []),
            "configmaps": copy.deepcopy(configmaps or []),
            "secrets": copy.deepcopy(secrets or []),
            "horizontalpodautoscalers": copy.deepcopy(hpas or []),
        }
        self.user = user
        self.forbidden = forbidden
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.events: list[dict[str, Any]] = []
        self.watch_script: list[list[tuple[str, dict[str, Any]]]] = []
        self.rs_patches: list[tuple[str, dict[str, Any]]] = []
        self.rs_conflicts = 0
        """How many ReplicaSet merge patches to come lose their precondition (409) to a
        controller's status write."""

    @property
    def replicasets(self) -> list[dict[str, Any]]:
        return self.objects["replicasets"]

    def _call(self, method: str, *args: Any) -> None:
        self.calls.append((method, args))
        if method in self.forbidden:
            raise Forbidden(f"{method} is forbidden")

    def methods(self) -> list[str]:
        return [m for m, _ in self.calls]

    def get(self, resource: Resource, namespace: str, name: str) -> dict[str, Any]:
        self._call(f"get {resource.plural}", namespace, name)
        if resource.plural != "deployments":
            for obj in self.objects.get(resource.plural, []):
                if obj["metadata"]["name"] == name:
                    return copy.deepcopy(obj)
            raise NotFound(f'{resource.qualified} "{name}" not found')
        if name != self.deployment["metadata"]["name"]:
            raise NotFound(f'{resource.qualified} "{name}" not found')
        return copy.deepcopy(self.deployment)

    def list(
        self, resource: Resource, namespace: str | None, *, label_selector: str | None = None
    ) -> list[dict[str, Any]]:
        self._call(f"list {resource.plural}", namespace, label_selector)
        items = self.objects.get(resource.plural, [])
        if resource.plural == "secrets" and label_selector == "owner=harness":
            items = [s for s in items if s["metadata"].get("labels", {}).get("owner") == "harness"]
        return copy.deepcopy(items)

    def list_with_version(
        self, resource: Resource, namespace: str | None, *, label_selector: str | None = None
    ) -> tuple[list[dict[str, Any]], str]:
        return self.list(resource, namespace, label_selector=label_selector), "1"

    def patch(
        self,
        resource: Resource,
        namespace: str,
        name: str,
        body: Any,
        patch_type: PatchType,
        *,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        self._call(f"patch {resource.plural}", namespace, name, copy.deepcopy(body), dry_run)
        if resource.plural == "deployments" and patch_type is PatchType.JSON:
            patched = apply_json_patch(self.deployment, body)
            if dry_run:
                return patched
            patched["metadata"]["resourceVersion"] = str(
                int(patched["metadata"]["resourceVersion"]) + 1
            )
            patched["metadata"]["generation"] = patched["metadata"].get("generation", 1) + 1
            self.deployment = patched
            return copy.deepcopy(patched)
        if resource.plural == "replicasets" and patch_type is PatchType.MERGE:
            if self.rs_conflicts > 0:
                self.rs_conflicts -= 1
                raise Conflict(
                    f'Operation cannot be fulfilled on replicasets.apps "{name}": the object '
                    "has been modified; please apply your changes to the latest version and try "
                    "again"
                )
            self.rs_patches.append((name, body))
            for rs in self.replicasets:
                if rs["metadata"]["name"] == name:
                    annotations = rs["metadata"].setdefault("annotations", {})
                    for key, value in body["metadata"]["annotations"].items():
                        if value is None:  # a merge patch removes a key set to null
                            annotations.pop(key, None)
                        else:
                            annotations[key] = value
                    return copy.deepcopy(rs)
            raise NotFound(f'replicasets.apps "{name}" not found')
        raise Invalid(f"the fake does not patch {resource.plural} with {patch_type.value}")

    def create(self, resource: Resource, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        self._call(f"create {resource.plural}", namespace, body)
        self.events.append(body)
        return copy.deepcopy(body)

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
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        self._call(f"watch {resource.plural}", namespace, name, resource_version, timeout_seconds)
        batch = self.watch_script.pop(0) if self.watch_script else []
        for kind, obj in batch:
            if kind in ("ADDED", "MODIFIED"):
                self.deployment = copy.deepcopy(obj)
            yield kind, copy.deepcopy(obj)

    def delete(
        self,
        resource: Resource,
        namespace: str,
        name: str,
        *,
        resource_version: str,
        dry_run: bool = False,
    ) -> None:
        self._call(f"delete {resource.plural}", namespace, name, resource_version, dry_run)
        raise Invalid(f"the fake does not delete {resource.plural}")

    def whoami(self) -> str | None:
        self._call("whoami")
        return self.user

    def can_i(
        self, verb: str, resource: Resource, namespace: str | None, name: str | None = None
    ) -> tuple[bool, str]:
        self._call("can_i", verb, resource.plural, namespace, name)
        return f"{verb} {resource.plural}" not in self.forbidden, ""
