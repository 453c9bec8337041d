"""The Endpoints controller: which pod IPs each Service with a selector routes to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import (
    ENDPOINTS,
    PODS,
    SERVICES,
    Obj,
    by_namespace,
    pod_is_active,
    pod_is_ready,
    selector_matches,
)

if TYPE_CHECKING:
    from ..cluster import SimCluster


def _target_port(port: Obj, pod: Obj) -> int | None:
    """A Service port's targetPort on one pod (named ports looked up in its containers)."""
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    for container in pod.get("spec", {}).get("containers") or ():
        for cport in container.get("ports") or ():
            if cport.get("name") == target:
                return int(cport["containerPort"])
    return None


def endpoint_subsets(service: Obj, pods: list[Obj]) -> list[Obj]:
    """`subsets`: one per distinct port set; Ready pods in addresses, the rest notReadyAddresses."""
    grouped: dict[str, dict[str, Any]] = {}
    for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
        ip = (pod.get("status") or {}).get("podIP")
        if not ip:
            continue
        ports = []
        for port in service.get("spec", {}).get("ports") or ():
            number = _target_port(port, pod)
            if number is None:
                continue
            entry = {"port": number, "protocol": port.get("protocol", "TCP")}
            if port.get("name"):
                entry["name"] = port["name"]
            ports.append(entry)
        key = repr(ports)
        subset = grouped.setdefault(key, {"ports": ports})
        address = {
            "ip": ip,
            "nodeName": pod["spec"].get("nodeName", ""),
            "targetRef": {
                "kind": "Pod",
                "namespace": pod["metadata"]["namespace"],
                "name": pod["metadata"]["name"],
                "uid": pod["metadata"]["uid"],
            },
        }
        field = "addresses" if pod_is_ready(pod) else "notReadyAddresses"
        subset.setdefault(field, []).append(address)
    return [{k: v for k, v in s.items() if v} for s in grouped.values()]


class EndpointsController:
    """Services with a selector -> Endpoints of the same name."""

    name = "endpoints"

    def sync(self, cluster: SimCluster, namespaces: set[str] | None) -> float | None:
        store = cluster.store
        for ns, services in by_namespace(cluster, SERVICES, namespaces):
            pods = [p for p in store.all_of(PODS, ns) if pod_is_active(p)]
            for service in services:
                selector = service.get("spec", {}).get("selector")
                if not selector:
                    continue
                matching = [
                    p
                    for p in pods
                    if selector_matches(
                        {"matchLabels": selector}, p["metadata"].get("labels") or {}
                    )
                ]
                self._write(cluster, service, endpoint_subsets(service, matching))
        return None

    @staticmethod
    def _write(cluster: SimCluster, service: Obj, subsets: list[Obj]) -> None:
        store = cluster.store
        meta = service["metadata"]
        existing = store.peek(ENDPOINTS, meta["namespace"], meta["name"])
        body: Obj = {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {
                "name": meta["name"],
                "namespace": meta["namespace"],
                "labels": dict(meta.get("labels") or {}),
            },
        }
        if subsets:
            body["subsets"] = subsets
        if existing is None:
            store.create(ENDPOINTS, body)
        elif (
            existing.get("subsets") != body.get("subsets")
            or (existing["metadata"].get("labels") or {}) != body["metadata"]["labels"]
        ):
            body["metadata"]["resourceVersion"] = existing["metadata"]["resourceVersion"]
            store.update(ENDPOINTS, body)
