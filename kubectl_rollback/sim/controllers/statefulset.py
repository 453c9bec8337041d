"""The StatefulSet controller: ordinal pods, ControllerRevision history, rolling updates.

Simplified from the real one: pods are created in order, one per pass, each only once the
lower ordinals are Running and Ready (OrderedReady; Parallel creates all at once); a rolling
update deletes the highest-ordinal pod not on the update revision (OrderedReady: once all pods
are Ready; Parallel: past a pod that is not Ready but on an older revision, as the real
controller replaces it), and it is recreated from the update revision. No volume claims.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import (
    CONTROLLER_REVISIONS,
    PODS,
    STATEFUL_SETS,
    Obj,
    by_namespace,
    group_by_controller,
    pod_is_active,
    pod_is_ready,
)
from .events import EventRecorder
from .history import revision_template, sync_update_revision, truncate_history
from .replicaset import new_pod

if TYPE_CHECKING:
    from ..cluster import SimCluster

REVISION_HASH = "controller.kubernetes.io/hash"
"""Label of a StatefulSet's ControllerRevisions."""

POD_REVISION = "controller-revision-hash"
"""Label of a StatefulSet's pods: the name of the revision they were created from."""


def ordinal(sts: Obj, pod: Obj) -> int | None:
    prefix = sts["metadata"]["name"] + "-"
    name = pod["metadata"]["name"]
    if name.startswith(prefix) and name[len(prefix) :].isdigit():
        return int(name[len(prefix) :])
    return None


class StatefulSetController:
    """StatefulSets -> ControllerRevisions and pods `<name>-0..N-1`."""

    name = "statefulset"

    def __init__(self) -> None:
        self.events = EventRecorder("statefulset-controller")

    def sync(self, cluster: SimCluster, namespaces: set[str] | None) -> float | None:
        for ns, sets in by_namespace(cluster, STATEFUL_SETS, namespaces):
            revisions = group_by_controller(cluster.store.all_of(CONTROLLER_REVISIONS, ns))
            pods = group_by_controller(cluster.store.all_of(PODS, ns))
            for sts in sets:
                uid = sts["metadata"]["uid"]
                self.sync_one(cluster, sts, revisions.get(uid, []), pods.get(uid, []))
        return None

    def sync_one(
        self, cluster: SimCluster, sts: Obj, revisions: list[Obj], owned: list[Obj]
    ) -> None:
        if sts["metadata"].get("deletionTimestamp"):
            return
        update, revisions = sync_update_revision(cluster, sts, revisions, REVISION_HASH)
        if update is None:
            return
        by_name = {r["metadata"]["name"]: r for r in revisions}
        status = sts.get("status") or {}
        current_name = status.get("currentRevision")
        current = by_name.get(current_name or "", update)
        pods: dict[int, Obj] = {}
        for pod in owned:
            number = ordinal(sts, pod)
            if number is not None and pod_is_active(pod):
                pods[number] = pod
        self.manage_pods(cluster, sts, pods, current, update)
        self.write_status(cluster, sts, pods, current, update)
        live = {current["metadata"]["name"], update["metadata"]["name"]}
        live |= {p["metadata"].get("labels", {}).get(POD_REVISION, "") for p in pods.values()}
        truncate_history(cluster, sts, revisions, live)

    def manage_pods(
        self, cluster: SimCluster, sts: Obj, pods: dict[int, Obj], current: Obj, update: Obj
    ) -> None:
        spec = sts["spec"]
        replicas = int(spec.get("replicas") or 0)
        ordered = spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady"
        strategy = spec.get("updateStrategy") or {}
        partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
        for number in range(replicas):
            if number in pods:
                if ordered and not pod_is_ready(pods[number]):
                    return
                continue
            revision = update if number >= partition else current
            pods[number] = self.create_pod(cluster, sts, number, revision)
            if ordered:
                return
        for number in sorted((n for n in pods if n >= replicas), reverse=True):
            self.delete_pod(cluster, sts, pods.pop(number))
            if ordered:
                return
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        # From the highest ordinal down: a pod not on the update revision is replaced, Ready
        # or not; one on it that is not Ready holds the lower ordinals back. (OrderedReady
        # got no further than the first pod not Ready above: its "forced rollback" case.)
        update_name = update["metadata"]["name"]
        for number in sorted(pods, reverse=True):
            if number < partition:
                break
            if pods[number]["metadata"].get("labels", {}).get(POD_REVISION) != update_name:
                self.delete_pod(cluster, sts, pods.pop(number))
                return
            if not pod_is_ready(pods[number]):
                return

    def create_pod(self, cluster: SimCluster, sts: Obj, number: int, revision: Obj) -> Obj:
        name = f"{sts['metadata']['name']}-{number}"
        pod = new_pod(sts, revision_template(revision))
        meta = pod["metadata"]
        del meta["generateName"]
        meta["name"] = name
        meta["labels"].update(
            {
                POD_REVISION: revision["metadata"]["name"],
                "statefulset.kubernetes.io/pod-name": name,
                "apps.kubernetes.io/pod-index": str(number),
            }
        )
        pod["spec"] = {**pod["spec"], "hostname": name}
        if sts["spec"].get("serviceName"):
            pod["spec"]["subdomain"] = sts["spec"]["serviceName"]
        created = cluster.store.create(PODS, pod)
        self.events.record(
            cluster,
            sts,
            "SuccessfulCreate",
            f"create Pod {name} in StatefulSet {sts['metadata']['name']} successful",
        )
        return created

    def delete_pod(self, cluster: SimCluster, sts: Obj, pod: Obj) -> None:
        name = pod["metadata"]["name"]
        cluster.store.delete(PODS, pod["metadata"]["namespace"], name)
        self.events.record(
            cluster,
            sts,
            "SuccessfulDelete",
            f"delete Pod {name} in StatefulSet {sts['metadata']['name']} successful",
        )

    @staticmethod
    def write_status(
        cluster: SimCluster, sts: Obj, pods: dict[int, Obj], current: Obj, update: Obj
    ) -> None:
        current_name, update_name = current["metadata"]["name"], update["metadata"]["name"]
        revision_of = [p["metadata"].get("labels", {}).get(POD_REVISION) for p in pods.values()]
        ready = sum(1 for p in pods.values() if pod_is_ready(p))
        replicas = len(pods)
        updated = revision_of.count(update_name)
        if updated == replicas == ready == int(sts["spec"].get("replicas") or 0):
            current_name = update_name  # the rolling update is complete
        old = sts.get("status") or {}
        status: Obj = {
            "observedGeneration": sts["metadata"].get("generation", 1),
            "replicas": replicas,
            "readyReplicas": ready,
            "currentReplicas": revision_of.count(current_name),
            "updatedReplicas": updated,
            "currentRevision": current_name,
            "updateRevision": update_name,
            "collisionCount": old.get("collisionCount", 0),
            "availableReplicas": ready,
        }
        status = {
            k: v
            for k, v in status.items()
            if v or k in ("replicas", "availableReplicas", "collisionCount")
        }
        if status != old:

            def change(obj: Obj) -> None:
                obj["status"] = status

            cluster.store.mutate(
                STATEFUL_SETS,
                sts["metadata"]["namespace"],
                sts["metadata"]["name"],
                change,
                subresource="status",
            )
