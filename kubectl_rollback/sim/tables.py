"""Server-side printing: `meta.k8s.io` Tables with the columns `kubectl get` shows.

Column definitions and cell values follow kubernetes/pkg/printers/internalversion/printers.go.
The server always fills the wide (priority 1) cells; kubectl hides them unless `-o wide`.
Ages are measured on the simulated clock.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from datetime import datetime
from typing import Any

from .clock import parse_rfc3339
from .selectors import selector_to_string

Obj = Mapping[str, Any]
Cells = list[Any]
Printer = Callable[[Obj, datetime], Cells]

_NAME_DOC = "Name must be unique within a namespace."
_AGE_DOC = (
    "CreationTimestamp is a timestamp representing the server time when this object was created."
)


def _col(
    name: str, type_: str = "string", priority: int = 0, description: str = "", fmt: str = ""
) -> dict[str, Any]:
    return {
        "name": name,
        "type": type_,
        "format": fmt,
        "description": description,
        "priority": priority,
    }


NAME = _col("Name", fmt="name", description=_NAME_DOC)
AGE = _col("Age", description=_AGE_DOC)
CONTAINERS = _col("Containers", priority=1, description="Names of each container in the template.")
IMAGES = _col(
    "Images", priority=1, description="Images referenced by each container in the template."
)
SELECTOR = _col("Selector", priority=1, description="Label selector for pods.")


# ------------------------------------------------------------------------ formatting
def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rest = s % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if days == 0 else f"{hours // 24 // 365}y{days}d"
    return f"{hours // 24 // 365}y"


@functools.lru_cache(maxsize=65536)
def _parse_time(timestamp: str) -> datetime:
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return parse_rfc3339(timestamp)


def since(timestamp: str | None, now: datetime) -> str:
    """translateTimestampSince: the age of an RFC 3339 timestamp, `<unknown>` when unset."""
    if not timestamp:
        return "<unknown>"
    return human_duration((now - _parse_time(timestamp)).total_seconds())


def _meta(obj: Obj) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def _spec(obj: Obj) -> Mapping[str, Any]:
    return obj.get("spec") or {}


def _status(obj: Obj) -> Mapping[str, Any]:
    return obj.get("status") or {}


def _age(obj: Obj, now: datetime) -> str:
    return since(_meta(obj).get("creationTimestamp"), now)


def _template_cells(obj: Obj) -> tuple[str, str]:
    containers = (((_spec(obj).get("template") or {}).get("spec") or {}).get("containers")) or []
    return (
        ",".join(c.get("name", "") for c in containers),
        ",".join(c.get("image", "") for c in containers),
    )


def _selector(obj: Obj) -> str:
    selector = _spec(obj).get("selector")
    return selector_to_string(selector) or "<none>" if selector is not None else "<none>"


def _labels(labels: Mapping[str, str] | None) -> str:
    """labels.FormatLabels: sorted k=v pairs, `<none>` when empty."""
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items())) or "<none>"


# ------------------------------------------------------------------------- printers
def _deployment(obj: Obj, now: datetime) -> Cells:
    st = _status(obj)
    containers, images = _template_cells(obj)
    return [
        _meta(obj).get("name"),
        f"{st.get('readyReplicas', 0)}/{_spec(obj).get('replicas', 0)}",
        st.get("updatedReplicas", 0),
        st.get("availableReplicas", 0),
        _age(obj, now),
        containers,
        images,
        _selector(obj),
    ]


def _replicaset(obj: Obj, now: datetime) -> Cells:
    st = _status(obj)
    containers, images = _template_cells(obj)
    return [
        _meta(obj).get("name"),
        _spec(obj).get("replicas", 0),
        st.get("replicas", 0),
        st.get("readyReplicas", 0),
        _age(obj, now),
        containers,
        images,
        _selector(obj),
    ]


def _statefulset(obj: Obj, now: datetime) -> Cells:
    containers, images = _template_cells(obj)
    return [
        _meta(obj).get("name"),
        f"{_status(obj).get('readyReplicas', 0)}/{_spec(obj).get('replicas', 0)}",
        _age(obj, now),
        containers,
        images,
    ]


def _daemonset(obj: Obj, now: datetime) -> Cells:
    st = _status(obj)
    containers, images = _template_cells(obj)
    node_selector = ((_spec(obj).get("template") or {}).get("spec") or {}).get("nodeSelector")
    return [
        _meta(obj).get("name"),
        st.get("desiredNumberScheduled", 0),
        st.get("currentNumberScheduled", 0),
        st.get("numberReady", 0),
        st.get("updatedNumberScheduled", 0),
        st.get("numberAvailable", 0),
        _labels(node_selector),
        _age(obj, now),
        containers,
        images,
        _selector(obj),
    ]


def pod_status_reason(pod: Obj) -> tuple[str, int, int, int]:
    """(STATUS column, ready containers, total containers, restarts) as printPod computes them."""
    spec, st = _spec(pod), _status(pod)
    reason = st.get("reason") or st.get("phase") or ""
    total = len(spec.get("containers") or [])
    ready = restarts = 0
    initializing = False
    init_statuses = st.get("initContainerStatuses") or []
    for i, cs in enumerate(init_statuses):
        restarts += cs.get("restartCount", 0)
        state = cs.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated and terminated.get("exitCode", 0) == 0:
            continue
        if terminated:
            reason = "Init:" + (
                terminated.get("reason") or f"ExitCode:{terminated.get('exitCode', 0)}"
            )
        elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(spec.get('initContainers') or [])}"
        initializing = True
        break
    if not initializing:
        restarts = 0
        has_running = False
        for cs in reversed(st.get("containerStatuses") or []):
            restarts += cs.get("restartCount", 0)
            state = cs.get("state") or {}
            waiting, terminated = state.get("waiting"), state.get("terminated")
            if waiting and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated and terminated.get("reason"):
                reason = terminated["reason"]
            elif terminated:
                signal = terminated.get("signal")
                reason = (
                    f"Signal:{signal}" if signal else f"ExitCode:{terminated.get('exitCode', 0)}"
                )
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            conditions = st.get("conditions") or []
            is_ready = any(
                c.get("type") == "Ready" and c.get("status") == "True" for c in conditions
            )
            reason = "Running" if is_ready else "NotReady"
    if _meta(pod).get("deletionTimestamp"):
        if st.get("reason") == "NodeLost":
            reason = "Unknown"
        elif st.get("phase") not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return reason, ready, total, restarts


def _pod(obj: Obj, now: datetime) -> Cells:
    reason, ready, total, restarts = pod_status_reason(obj)
    restart_text = str(restarts)
    if restarts:
        last = None
        for cs in _status(obj).get("containerStatuses") or []:
            finished = ((cs.get("lastState") or {}).get("terminated") or {}).get("finishedAt")
            if finished and (last is None or finished > last):
                last = finished
        if last:
            restart_text = f"{restarts} ({since(last, now)} ago)"
    st, spec = _status(obj), _spec(obj)
    ips = st.get("podIPs") or []
    gates = spec.get("readinessGates") or []
    if gates:
        conditions = {c.get("type"): c.get("status") for c in st.get("conditions") or []}
        passing = sum(1 for g in gates if conditions.get(g.get("conditionType")) == "True")
        gates_text = f"{passing}/{len(gates)}"
    else:
        gates_text = "<none>"
    return [
        _meta(obj).get("name"),
        f"{ready}/{total}",
        reason,
        restart_text,
        _age(obj, now),
        (ips[0].get("ip") if ips else st.get("podIP")) or "<none>",
        spec.get("nodeName") or "<none>",
        st.get("nominatedNodeName") or "<none>",
        gates_text,
    ]


def _pod_conditions(obj: Obj) -> list[dict[str, str]] | None:
    phase = _status(obj).get("phase")
    if phase == "Succeeded":
        return [
            {
                "type": "Completed",
                "status": "True",
                "reason": "Succeeded",
                "message": "The pod has completed successfully.",
            }
        ]
    if phase == "Failed":
        return [
            {
                "type": "Completed",
                "status": "True",
                "reason": "Failed",
                "message": "The pod failed.",
            }
        ]
    return None


def _service_ports(spec: Mapping[str, Any]) -> str:
    parts = []
    for port in spec.get("ports") or []:
        protocol = port.get("protocol", "TCP")
        if port.get("nodePort"):
            parts.append(f"{port.get('port')}:{port['nodePort']}/{protocol}")
        else:
            parts.append(f"{port.get('port')}/{protocol}")
    return ",".join(parts) or "<none>"


def _service_external_ip(obj: Obj) -> str:
    spec = _spec(obj)
    kind = spec.get("type", "ClusterIP")
    external = spec.get("externalIPs") or []
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) or "<none>"
    if kind == "LoadBalancer":
        ingress = ((_status(obj).get("loadBalancer") or {}).get("ingress")) or []
        ips = [i.get("ip") or i.get("hostname") or "" for i in ingress] + list(external)
        return ",".join(ip for ip in ips if ip) or "<pending>"
    if kind == "ExternalName":
        return str(spec.get("externalName", ""))
    return "<unknown>"


def _service(obj: Obj, now: datetime) -> Cells:
    spec = _spec(obj)
    return [
        _meta(obj).get("name"),
        spec.get("type", "ClusterIP"),
        spec.get("clusterIP") or "<none>",
        _service_external_ip(obj),
        _service_ports(spec),
        _age(obj, now),
        _labels(spec.get("selector")),
    ]


def _controllerrevision(obj: Obj, now: datetime) -> Cells:
    owner = next((r for r in _meta(obj).get("ownerReferences") or [] if r.get("controller")), None)
    controller = "<none>"
    if owner:
        group = owner.get("apiVersion", "").rpartition("/")[0]
        kind = owner.get("kind", "").lower()
        controller = (
            f"{kind}.{group}/{owner.get('name')}" if group else f"{kind}/{owner.get('name')}"
        )
    return [_meta(obj).get("name"), controller, obj.get("revision", 0), _age(obj, now)]


def _namespace(obj: Obj, now: datetime) -> Cells:
    return [_meta(obj).get("name"), _status(obj).get("phase", "Active"), _age(obj, now)]


def _configmap(obj: Obj, now: datetime) -> Cells:
    count = len(obj.get("data") or {}) + len(obj.get("binaryData") or {})
    return [_meta(obj).get("name"), count, _age(obj, now)]


def _secret(obj: Obj, now: datetime) -> Cells:
    count = len(obj.get("data") or {}) + len(obj.get("stringData") or {})
    return [_meta(obj).get("name"), obj.get("type", "Opaque"), count, _age(obj, now)]


def _event(obj: Obj, now: datetime) -> Cells:
    first = since(obj.get("firstTimestamp") or obj.get("eventTime"), now)
    last = since(obj["lastTimestamp"], now) if obj.get("lastTimestamp") else first
    count = obj.get("count") or 1
    series = obj.get("series")
    if series:
        last, count = since(series.get("lastObservedTime"), now), series.get("count", count)
    involved = obj.get("involvedObject") or {}
    kind = (involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    source = obj.get("source") or {}
    source_text = ", ".join(p for p in (source.get("component"), source.get("host")) if p)
    if not source_text:
        source_text = ", ".join(
            p for p in (obj.get("reportingComponent"), obj.get("reportingInstance")) if p
        )
    return [
        last,
        obj.get("type", ""),
        obj.get("reason", ""),
        target,
        involved.get("fieldPath", ""),
        source_text,
        (obj.get("message") or "").strip(),
        first,
        count,
        _meta(obj).get("name"),
    ]


def _endpoints(obj: Obj, now: datetime) -> Cells:
    addresses = []
    for subset in obj.get("subsets") or []:
        ports = subset.get("ports") or [{}]
        for address in subset.get("addresses") or []:
            for port in ports:
                ip = address.get("ip", "")
                addresses.append(f"{ip}:{port['port']}" if "port" in port else ip)
    text = ",".join(addresses[:3]) or "<none>"
    if len(addresses) > 3:
        text += f" + {len(addresses) - 3} more..."
    return [_meta(obj).get("name"), text, _age(obj, now)]


def _hpa(obj: Obj, now: datetime) -> Cells:
    spec, st = _spec(obj), _status(obj)
    ref = spec.get("scaleTargetRef") or {}
    targets = []
    current = {m.get("resource", {}).get("name"): m for m in st.get("currentMetrics") or []}
    for metric in spec.get("metrics") or []:
        resource = metric.get("resource") or {}
        target = resource.get("target") or {}
        name = resource.get("name")
        now_value = ((current.get(name) or {}).get("resource") or {}).get("current") or {}
        if "averageUtilization" in target:
            have = (
                f"{now_value['averageUtilization']}%"
                if "averageUtilization" in now_value
                else "<unknown>"
            )
            targets.append(f"{name}: {have}/{target['averageUtilization']}%")
        else:
            targets.append(
                f"{name}: <unknown>/{target.get('averageValue', target.get('value', ''))}"
            )
    min_pods = spec.get("minReplicas")
    return [
        _meta(obj).get("name"),
        f"{ref.get('kind', '')}/{ref.get('name', '')}",
        ", ".join(targets) or "<none>",
        "<unset>" if min_pods is None else min_pods,
        spec.get("maxReplicas", 0),
        st.get("currentReplicas", 0),
        _age(obj, now),
    ]


def _default(obj: Obj, now: datetime) -> Cells:
    return [_meta(obj).get("name"), _meta(obj).get("creationTimestamp")]


COLUMNS: dict[str, tuple[list[dict[str, Any]], Printer]] = {
    "Deployment": (
        [
            NAME,
            _col("Ready", description="Number of the pod with ready state"),
            _col(
                "Up-to-date",
                description="Total number of non-terminated pods targeted by this deployment that "
                "have the desired template spec.",
            ),
            _col(
                "Available",
                description="Total number of available pods (ready for at least minReadySeconds) "
                "targeted by this deployment.",
            ),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ],
        _deployment,
    ),
    "ReplicaSet": (
        [
            NAME,
            _col("Desired", "integer", description="Replicas is the number of desired replicas."),
            _col(
                "Current",
                "integer",
                description="Replicas is the most recently observed number of replicas.",
            ),
            _col(
                "Ready", "integer", description="The number of ready replicas for this replica set."
            ),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ],
        _replicaset,
    ),
    "StatefulSet": (
        [
            NAME,
            _col("Ready", description="Number of the pod with ready state"),
            AGE,
            CONTAINERS,
            IMAGES,
        ],
        _statefulset,
    ),
    "DaemonSet": (
        [
            NAME,
            _col(
                "Desired",
                "integer",
                description="The total number of nodes that should be running the daemon pod.",
            ),
            _col(
                "Current",
                "integer",
                description="The number of nodes that are running at least 1 daemon pod.",
            ),
            _col(
                "Ready",
                "integer",
                description="The number of nodes that should be running the daemon pod and have "
                "one or more of the daemon pod running and ready.",
            ),
            _col(
                "Up-to-date",
                "integer",
                description="The total number of nodes that are running updated daemon pod",
            ),
            _col(
                "Available",
                "integer",
                description="The number of nodes that should be running the daemon pod and have "
                "one or more of the daemon pod running and available.",
            ),
            _col(
                "Node Selector",
                description="NodeSelector is a selector which must be true for the pod to fit on "
                "a node.",
            ),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ],
        _daemonset,
    ),
    "Pod": (
        [
            NAME,
            _col(
                "Ready",
                description="The aggregate readiness state of this pod for accepting traffic.",
            ),
            _col("Status", description="The aggregate status of the containers in this pod."),
            _col(
                "Restarts",
                description="The number of times the containers in this pod have been restarted "
                "and when the last container in this pod has restarted.",
            ),
            AGE,
            _col("IP", priority=1, description="podIP address allocated to the pod."),
            _col(
                "Node",
                priority=1,
                description="NodeName indicates in which node this pod is scheduled.",
            ),
            _col(
                "Nominated Node",
                priority=1,
                description="nominatedNodeName is set only when this pod preempts other pods on "
                "the node.",
            ),
            _col(
                "Readiness Gates",
                priority=1,
                description="If specified, all readiness gates will be evaluated for pod "
                "readiness.",
            ),
        ],
        _pod,
    ),
    "Service": (
        [
            NAME,
            _col("Type", description="type determines how the Service is exposed."),
            _col("Cluster-IP", description="clusterIP is the IP address of the service."),
            _col(
                "External-IP",
                description="externalIPs is a list of IP addresses for which nodes in the cluster "
                "will also accept traffic for this service.",
            ),
            _col("Port(s)", description="The list of ports that are exposed by this service."),
            AGE,
            _col(
                "Selector",
                priority=1,
                description="Route service traffic to pods with label keys and values matching "
                "this selector.",
            ),
        ],
        _service,
    ),
    "ControllerRevision": (
        [
            NAME,
            _col("Controller", description="Controller of the object"),
            _col(
                "Revision",
                description="Revision indicates the revision of the state represented by Data.",
            ),
            AGE,
        ],
        _controllerrevision,
    ),
    "Namespace": (
        [NAME, _col("Status", description="The status of the namespace"), AGE],
        _namespace,
    ),
    "ConfigMap": (
        [NAME, _col("Data", description="Data contains the configuration data."), AGE],
        _configmap,
    ),
    "Secret": (
        [
            NAME,
            _col("Type", description="Used to facilitate programmatic handling of secret data."),
            _col("Data", description="Data contains the secret data."),
            AGE,
        ],
        _secret,
    ),
    "Event": (
        [
            _col(
                "Last Seen",
                description="The time at which the most recent occurrence of this event was "
                "recorded.",
            ),
            _col(
                "Type",
                description="Type of this event (Normal, Warning), new types could be added in "
                "the future",
            ),
            _col(
                "Reason",
                description="This should be a short, machine understandable string that gives the "
                "reason for the transition into the object's current status.",
            ),
            _col("Object", description="The object that this event is about."),
            _col(
                "Subobject",
                priority=1,
                description="If referring to a piece of an object instead of an entire object, "
                "this string should contain a valid JSON/Go-field access statement.",
            ),
            _col("Source", priority=1, description="The component reporting this event."),
            _col(
                "Message",
                description="A human-readable description of the status of this operation.",
            ),
            _col(
                "First Seen",
                priority=1,
                description="The time at which the event was first recorded.",
            ),
            _col("Count", priority=1, description="The number of times this event has occurred."),
            _col("Name", priority=1, fmt="name", description=_NAME_DOC),
        ],
        _event,
    ),
    "Endpoints": (
        [
            NAME,
            _col("Endpoints", description="The set of all endpoints is the union of all subsets."),
            AGE,
        ],
        _endpoints,
    ),
    "HorizontalPodAutoscaler": (
        [
            NAME,
            _col("Reference", description="scaleTargetRef points to the target resource to scale."),
            _col(
                "Targets",
                description="metrics contains the specifications for which to use to calculate "
                "the desired replica count.",
            ),
            _col(
                "MinPods", description="minReplicas is the lower limit for the number of replicas."
            ),
            _col(
                "MaxPods", description="maxReplicas is the upper limit for the number of replicas."
            ),
            _col(
                "Replicas",
                description="currentReplicas is current number of replicas of pods managed by "
                "this autoscaler.",
            ),
            AGE,
        ],
        _hpa,
    ),
}
DEFAULT_COLUMNS = ([NAME, _col("Created At", "date", description=_AGE_DOC)], _default)


# Kinds whose cells, apart from Age, depend only on the object (so rows can be cached).
_CACHEABLE = frozenset(COLUMNS) - {"Pod", "Event"}
RowCache = MutableMapping[tuple[str, str, str], tuple[str, list[Any]]]


def _cells(
    kind: str, printer: Printer, obj: Obj, now: datetime, cache: RowCache | None, age_at: int
) -> list[Any]:
    if cache is None or kind not in _CACHEABLE:
        return printer(obj, now)
    meta = _meta(obj)
    key = (kind, meta.get("namespace", ""), meta.get("name", ""))
    rv = meta.get("resourceVersion", "")
    hit = cache.get(key)
    if hit is not None and hit[0] == rv:
        cells = list(hit[1])
        cells[age_at] = _age(obj, now)
        return cells
    cells = printer(obj, now)
    cache[key] = (rv, cells)
    return list(cells)


def table(
    kind: str,
    objects: Iterable[Obj],
    now: datetime,
    *,
    resource_version: str = "",
    include_object: str = "Metadata",
    api_version: str = "meta.k8s.io/v1",
    list_meta: Mapping[str, Any] | None = None,
    cache: RowCache | None = None,
) -> dict[str, Any]:
    """A Table of `objects` (all of one kind), as the API server answers `as=Table`.

    `cache` (any mutable mapping the caller keeps) remembers the cells of each object per
    resourceVersion, so only the Age cell is recomputed when the object has not changed.
    """
    columns, printer = COLUMNS.get(kind, DEFAULT_COLUMNS)
    age_at = next((i for i, c in enumerate(columns) if c["name"] == "Age"), 0)
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": _cells(kind, printer, obj, now, cache, age_at)}
        if kind == "Pod":
            conditions = _pod_conditions(obj)
            if conditions:
                row["conditions"] = conditions
        if include_object == "Object":
            row["object"] = obj
        elif include_object != "None":
            row["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": api_version,
                "metadata": obj.get("metadata") or {},
            }
        rows.append(row)
    metadata = dict(list_meta or {})
    if resource_version:
        metadata["resourceVersion"] = resource_version
    return {
        "kind": "Table",
        "apiVersion": api_version,
        "metadata": metadata,
        "columnDefinitions": columns,
        "rows": rows,
    }
