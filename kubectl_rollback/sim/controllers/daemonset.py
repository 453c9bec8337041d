"""The DaemonSet controller: one pod per simulated node, ControllerRevision history, rolling update.

Simplified: every node is eligible (no node selectors, taints or affinity), pods are bound to
their node directly, and a rolling update replaces up to maxUnavailable pods at a time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import (
    CONTROLLER_REVISIONS,
    DAEMON_SETS,
    PODS,
    Obj,
    by_namespace,
    group_by_controller,
    int_or_percent,
    pod_is_active,
    pod_is_ready,
)
from .events import EventRecorder
from .history import sync_update_revision, truncate_history
from .kubelet import NODES
from .replicaset import deletion_rank, new_pod

if TYPE_CHECKING:
    from ..cluster import SimCluster

REVISION_HASH = "controller-revision-hash"
"""Label of a DaemonSet's ControllerRevisions and pods: the template hash."""


class DaemonSetController:
    """DaemonSets -> ControllerRevisions and one pod per node."""

    name = "daemonset"

    def __init__(self) -> None:
        self.events = EventRecorder("daemonset-controller")

    def sync(self, cluster: SimCluster, namespaces: set[str] | None) -> float | None:
        for ns, sets in by_namespace(cluster, DAEMON_SETS, namespaces):
            revisions = group_by_controller(cluster.store.all_of(CONTROLLER_REVISIONS, ns))
            pods = group_by_controller(cluster.store.all_of(PODS, ns))
            for ds in sets:
                uid = ds["metadata"]["uid"]
                self.sync_one(cluster, ds, revisions.get(uid, []), pods.get(uid, []))
        return None

    def sync_one(
        self, cluster: SimCluster, ds: Obj, revisions: list[Obj], owned: list[Obj]
    ) -> None:
        if ds["metadata"].get("deletionTimestamp"):
            return
        update, revisions = sync_update_revision(cluster, ds, revisions, REVISION_HASH)
        if update is None:
            return
        update_hash = update["metadata"]["labels"][REVISION_HASH]
        on_node: dict[str, list[Obj]] = {node: [] for node in NODES}
        for pod in owned:
            node = (pod.get("spec") or {}).get("nodeName", "")
            if pod_is_active(pod) and node in on_node:
                on_node[node].append(pod)
        for node, pods in on_node.items():
            if not pods:
                pods.append(self.create_pod(cluster, ds, node, update_hash))
            for extra in sorted(pods, key=deletion_rank)[: len(pods) - 1]:
                self.delete_pod(cluster, ds, extra)
                pods.remove(extra)
        self.rolling_update(cluster, ds, on_node, update_hash)
        self.write_status(cluster, ds, on_node, update_hash)
        live = {update["metadata"]["name"]}
        hashes = {
            p["metadata"].get("labels", {}).get(REVISION_HASH)
            for ps in on_node.values()
            for p in ps
        }
        live |= {
            r["metadata"]["name"]
            for r in revisions
            if r["metadata"].get("labels", {}).get(REVISION_HASH) in hashes
        }
        truncate_history(cluster, ds, revisions, live)

    def rolling_update(
        self, cluster: SimCluster, ds: Obj, on_node: dict[str, list[Obj]], update_hash: str
    ) -> None:
        strategy = ds["spec"].get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        max_unavailable = max(
            1,
            int_or_percent(
                (strategy.get("rollingUpdate") or {}).get("maxUnavailable", 1), len(NODES), False
            ),
        )
        pods = [p for ps in on_node.values() for p in ps]
        unavailable = sum(1 for p in pods if not pod_is_ready(p))
        old = sorted(
            (p for p in pods if p["metadata"].get("labels", {}).get(REVISION_HASH) != update_hash),
            key=deletion_rank,
        )
        for pod in old:
            if pod_is_ready(pod):
                if unavailable >= max_unavailable:
                    return
                unavailable += 1
            self.delete_pod(cluster, ds, pod)
            on_node[pod["spec"]["nodeName"]].remove(pod)

    def create_pod(self, cluster: SimCluster, ds: Obj, node: str, update_hash: str) -> Obj:
        template = ds["spec"].get("template") or {}
        pod = new_pod(ds, template)
        pod["metadata"]["labels"][REVISION_HASH] = update_hash
        pod["spec"] = {**pod["spec"], "nodeName": node}
        created = cluster.store.create(PODS, pod)
        self.events.record(
            cluster, ds, "SuccessfulCreate", f"Created pod: {created['metadata']['name']}"
        )
        return created

    def delete_pod(self, cluster: SimCluster, ds: Obj, pod: Obj) -> None:
        cluster.store.delete(PODS, pod["metadata"]["namespace"], pod["metadata"]["name"])
        self.events.record(
            cluster, ds, "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}"
        )

    @staticmethod
    def write_status(
        cluster: SimCluster, ds: Obj, on_node: dict[str, list[Obj]], update_hash: str
    ) -> None:
        pods = [p for ps in on_node.values() for p in ps]
        ready = sum(1 for p in pods if pod_is_ready(p))
        updated = sum(
            1 for p in pods if p["metadata"].get("labels", {}).get(REVISION_HASH) == update_hash
        )
        status: Obj = {
            "currentNumberScheduled": sum(1 for ps in on_node.values() if ps),
            "numberMisscheduled": 0,
            "desiredNumberScheduled": len(NODES),
            "numberReady": ready,
            "observedGeneration": ds["metadata"].get("generation", 1),
            "updatedNumberScheduled": updated,
            "numberAvailable": ready,
            "numberUnavailable": len(NODES) - ready,
        }
        status = {
            k: v
            for k, v in status.items()
            if v
            or k
            in (
                "currentNumberScheduled",
                "numberMisscheduled",
                "desiredNumberScheduled",
                "numberReady",
            )
        }
        old = ds.get("status") or {}
        if "collisionCount" in old:
            status["collisionCount"] = old["collisionCount"]
        if status != old:

            def change(obj: Obj) -> None:
                obj["status"] = status

            cluster.store.mutate(
                DAEMON_SETS,
                ds["metadata"]["namespace"],
                ds["metadata"]["name"],
                change,
                subresource="status",
            )
