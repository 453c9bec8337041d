"""What the simulated controllers share: owner references, pod state, timestamps, scoping.

Controllers read the store's own dicts (read-only, never copied) and write through
`Store.create/update/mutate/delete`, so a pass over an unchanged namespace costs no copying.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..clock import SimClock, parse_rfc3339, rfc3339
from ..resources import BY_KIND, ResourceType
from ..selectors import Matcher, parse_label_selector, selector_to_string

if TYPE_CHECKING:
    from ..cluster import SimCluster

Obj = dict[str, Any]

DEPLOYMENTS = BY_KIND["Deployment"]
REPLICA_SETS = BY_KIND["ReplicaSet"]
STATEFUL_SETS = BY_KIND["StatefulSet"]
DAEMON_SETS = BY_KIND["DaemonSet"]
CONTROLLER_REVISIONS = BY_KIND["ControllerRevision"]
PODS = BY_KIND["Pod"]
SERVICES = BY_KIND["Service"]
ENDPOINTS = BY_KIND["Endpoints"]
EVENTS = BY_KIND["Event"]


# ------------------------------------------------------------------------------ scoping
def by_namespace(
    cluster: SimCluster, rt: ResourceType, namespaces: set[str] | None
) -> Iterator[tuple[str, list[Obj]]]:
    """(namespace, its stored objects of `rt`) for the namespaces a pass covers (None = all)."""
    store = cluster.store
    if namespaces is not None:
        for ns in sorted(namespaces):
            objs = store.all_of(rt, ns)
            if objs:
                yield ns, list(objs)
        return
    grouped: dict[str, list[Obj]] = defaultdict(list)
    for obj in store.all_of(rt):
        grouped[obj["metadata"].get("namespace", "")].append(obj)
    yield from sorted(grouped.items())


@lru_cache(maxsize=4096)
def _label_matcher(text: str) -> Matcher:
    return parse_label_selector(text)


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """`match_selector` with the parsed selector cached (controllers match the same ones often)."""
    return _label_matcher(selector_to_string(selector))(labels)


def earliest(*times: float | None) -> float | None:
    """The earliest of several due times (None = not due)."""
    due = [t for t in times if t is not None]
    return min(due) if due else None


# ------------------------------------------------------------------------------ ownership
def owner_reference(owner: Mapping[str, Any]) -> Obj:
    """A controller ownerReference to `owner` (`metav1.NewControllerRef`)."""
    return {
        "apiVersion": owner.get("apiVersion", ""),
        "kind": owner.get("kind", ""),
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def controller_uid(obj: Mapping[str, Any]) -> str | None:
    """The uid of the object's controller (the ownerReference with `controller: true`)."""
    for ref in obj["metadata"].get("ownerReferences") or ():
        if ref.get("controller"):
            uid = ref.get("uid")
            return str(uid) if uid else None
    return None


def group_by_controller(objs: Iterable[Obj]) -> dict[str, list[Obj]]:
    """Objects grouped by their controller's uid (objects without one are left out)."""
    out: dict[str, list[Obj]] = defaultdict(list)
    for obj in objs:
        uid = controller_uid(obj)
        if uid:
            out[uid].append(obj)
    return out


def created_order(obj: Mapping[str, Any]) -> tuple[str, str]:
    """Sort key of `ReplicaSetsByCreationTimestamp`: creationTimestamp, then name."""
    meta = obj["metadata"]
    return meta.get("creationTimestamp", ""), meta.get("name", "")


# ------------------------------------------------------------------------------ pods
def pod_is_active(pod: Mapping[str, Any]) -> bool:
    """Counted by its controller: not Succeeded/Failed and not being deleted."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not pod["metadata"].get("deletionTimestamp")


def pod_ready_since(pod: Mapping[str, Any]) -> str | None:
    """lastTransitionTime of the pod's Ready=True condition, None when not Ready."""
    for cond in (pod.get("status") or {}).get("conditions") or ():
        if cond.get("type") == "Ready":
            if cond.get("status") != "True":
                return None
            return cond.get("lastTransitionTime") or ""
    return None


def pod_is_ready(pod: Mapping[str, Any]) -> bool:
    return pod_ready_since(pod) is not None


def available_after(
    pod: Mapping[str, Any], min_ready_seconds: int, clock: SimClock
) -> float | None:
    """When (sim seconds) a Ready pod counts as available; None when it is not Ready."""
    since = pod_ready_since(pod)
    if since is None:
        return None
    if min_ready_seconds <= 0 or not since:
        return -math.inf
    return sim_seconds_at(clock, since) + min_ready_seconds


# ------------------------------------------------------------------------------ time
def now_text(cluster: SimCluster) -> str:
    return rfc3339(cluster.clock.now())


@lru_cache(maxsize=65536)
def _parse_timestamp(timestamp: str) -> datetime:
    return parse_rfc3339(timestamp)


def sim_seconds_at(clock: SimClock, timestamp: str) -> float:
    """A timestamp written by the simulated cluster, in `SimClock.seconds()` terms."""
    return clock.seconds() - (clock.now() - _parse_timestamp(timestamp)).total_seconds()


def set_annotation(obj: Obj, key: str, value: str) -> None:
    obj["metadata"].setdefault("annotations", {})[key] = value


def int_or_percent(value: Any, total: int, round_up: bool) -> int:
    """`intstr.GetScaledValueFromIntOrPercent`."""
    if isinstance(value, str) and value.endswith("%"):
        scaled = int(value[:-1]) * total
        return -(-scaled // 100) if round_up else scaled // 100
    if isinstance(value, str):
        return int(value)
    return int(value or 0)
