"""The ReplicaSet controller: keeps `spec.replicas` pods per ReplicaSet and reports their state.

Pods are created with `generateName: <rs>-`, the template's labels and annotations and a
controller ownerReference; surplus pods are deleted least valuable first (unscheduled, then
not Ready, then the newest). Deletion is immediate: the simulated kubelet has no graceful
termination.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import (
    PODS,
    REPLICA_SETS,
    Obj,
    available_after,
    by_namespace,
    earliest,
    group_by_controller,
    owner_reference,
    pod_is_active,
    pod_is_ready,
    selector_matches,
)
from .events import EventRecorder

if TYPE_CHECKING:
    from ..cluster import SimCluster

_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def deletion_rank(pod: Obj) -> tuple[Any, ...]:
    """Sort key putting the pods to delete first (`ActivePodsWithRanks`, simplified)."""
    status = pod.get("status") or {}
    return (
        bool((pod.get("spec") or {}).get("nodeName")),
        _PHASE_RANK.get(status.get("phase", "Pending"), 0),
        pod_is_ready(pod),
        # Newer pods first: invert the timestamp's characters for a descending sort.
        tuple(-ord(c) for c in pod["metadata"].get("creationTimestamp", "")),
        pod["metadata"]["name"],
    )


def new_pod(owner: Obj, template: Obj) -> Obj:
    """A pod for a workload's template (`GetPodFromTemplate`)."""
    meta = template.get("metadata") or {}
    pod_meta: Obj = {
        "generateName": owner["metadata"]["name"] + "-",
        "namespace": owner["metadata"]["namespace"],
        "labels": dict(meta.get("labels") or {}),
        "ownerReferences": [owner_reference(owner)],
    }
    if meta.get("annotations"):
        pod_meta["annotations"] = dict(meta["annotations"])
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": pod_meta,
        "spec": template.get("spec") or {},
    }


class ReplicaSetController:
    """ReplicaSets -> Pods."""

    name = "replicaset"

    def __init__(self) -> None:
        self.events = EventRecorder("replicaset-controller")

    def sync(self, cluster: SimCluster, namespaces: set[str] | None) -> float | None:
        due: float | None = None
        for ns, replica_sets in by_namespace(cluster, REPLICA_SETS, namespaces):
            pods = group_by_controller(cluster.store.all_of(PODS, ns))
            for rs in replica_sets:
                due = earliest(due, self.sync_one(cluster, rs, pods.get(rs["metadata"]["uid"], [])))
        return due

    def sync_one(self, cluster: SimCluster, rs: Obj, owned: list[Obj]) -> float | None:
        if rs["metadata"].get("deletionTimestamp"):
            return None
        store = cluster.store
        spec = rs.get("spec") or {}
        selector = spec.get("selector")
        active = [
            p
            for p in owned
            if pod_is_active(p) and selector_matches(selector, p["metadata"].get("labels") or {})
        ]
        wanted = int(spec.get("replicas") or 0)
        diff = len(active) - wanted
        if diff < 0:
            for _ in range(-diff):
                pod = store.create(PODS, new_pod(rs, spec.get("template") or {}))
                active.append(pod)
                self.events.record(
                    cluster, rs, "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}"
                )
        elif diff > 0:
            doomed = sorted(active, key=deletion_rank)[:diff]
            for pod in doomed:
                store.delete(PODS, pod["metadata"]["namespace"], pod["metadata"]["name"])
                self.events.record(
                    cluster, rs, "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}"
                )
            gone = {id(p) for p in doomed}
            active = [p for p in active if id(p) not in gone]
        status, due = self.calculate_status(cluster, rs, active)
        if status != rs.get("status"):

            def change(obj: Obj) -> None:
                obj["status"] = status

            store.mutate(
                REPLICA_SETS,
                rs["metadata"]["namespace"],
                rs["metadata"]["name"],
                change,
                subresource="status",
            )
        return due

    @staticmethod
    def calculate_status(
        cluster: SimCluster, rs: Obj, active: list[Obj]
    ) -> tuple[Obj, float | None]:
        spec = rs.get("spec") or {}
        template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        min_ready = int(spec.get("minReadySeconds") or 0)
        now = cluster.clock.seconds()
        fully_labeled = ready = available = 0
        due: float | None = None
        for pod in active:
            labels = pod["metadata"].get("labels") or {}
            if all(labels.get(k) == v for k, v in template_labels.items()):
                fully_labeled += 1
            at = available_after(pod, min_ready, cluster.clock)
            if at is None:
                continue
            ready += 1
            if at <= now:
                available += 1
            else:
                due = earliest(due, at)
        status: Obj = {"replicas": len(active)}
        for key, value in (
            ("fullyLabeledReplicas", fully_labeled),
            ("readyReplicas", ready),
            ("availableReplicas", available),
            ("observedGeneration", rs["metadata"].get("generation", 0)),
        ):
            if value:
                status[key] = value
        old_conditions = (rs.get("status") or {}).get("conditions")
        if old_conditions:
            status["conditions"] = old_conditions
        return status, due
