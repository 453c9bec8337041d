"""Admission the way the API server's registry strategies do it: defaults, generation, validation.

`install(cluster)` registers the hooks on the store. They run on every create and update
(also for `dryRun=All`), as `hook(resource_type, new, old_or_None, subresource_or_None)`:
they mutate `new` in place or raise a 422 `ApiError`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import ApiError, invalid
from .quantity import QuantityError, canonicalize_map
from .quantity import canonical as canonical_quantity
from .resources import ResourceType
from .selectors import match_selector

if TYPE_CHECKING:
    from .cluster import SimCluster

Obj = dict[str, Any]

WORKLOAD_KINDS = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"})
"""Kinds whose spec holds a pod template and whose metadata.generation is maintained."""

_GENERATION_KINDS = WORKLOAD_KINDS | {"HorizontalPodAutoscaler"}

_INITIAL_STATUS: dict[str, Obj] = {
    "ReplicaSet": {"replicas": 0},
    "Namespace": {"phase": "Active"},
    "Pod": {"phase": "Pending", "qosClass": "BestEffort"},
    "Service": {"loadBalancer": {}},
}

SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")


# ------------------------------------------------------------------------------ defaulting
def default_image_pull_policy(image: str) -> str:
    """Always for `:latest` or untagged images, IfNotPresent otherwise (digests included)."""
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "Always"
    return "Always" if last.rsplit(":", 1)[1] == "latest" else "IfNotPresent"


def _default_container(container: Obj) -> None:
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    if "image" in container and not container.get("imagePullPolicy"):
        container["imagePullPolicy"] = default_image_pull_policy(str(container["image"]))
    if container.get("resources") is None:
        container["resources"] = {}
    elif isinstance(container["resources"], dict):
        for key in ("requests", "limits"):
            canonicalize_map(container["resources"].get(key))
    for port in container.get("ports") or ():
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
    for probe_name in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = container.get(probe_name)
        if isinstance(probe, dict):
            for key, value in (
                ("timeoutSeconds", 1),
                ("periodSeconds", 10),
                ("successThreshold", 1),
                ("failureThreshold", 3),
            ):
                if probe.get(key) is None:
                    probe[key] = value
            if isinstance(probe.get("httpGet"), dict):
                probe["httpGet"].setdefault("scheme", "HTTP")


def default_pod_spec(spec: Obj) -> None:
    """The defaults the API server gives every pod spec (also inside workload templates)."""
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = 30
    for field in ("containers", "initContainers", "ephemeralContainers"):
        for container in spec.get(field) or ():
            if isinstance(container, dict):
                _default_container(container)
    canonicalize_map(spec.get("overhead"))
    for volume in spec.get("volumes") or ():
        empty_dir = volume.get("emptyDir") if isinstance(volume, dict) else None
        if isinstance(empty_dir, dict) and "sizeLimit" in empty_dir:
            with contextlib.suppress(
                QuantityError
            ):  # a single quantity: not rounded to milli units
                empty_dir["sizeLimit"] = canonical_quantity(empty_dir["sizeLimit"])


def default_pod_template(template: Obj) -> None:
    """Defaults for `spec.template` of a workload; drops the typed client's `creationTimestamp:
    null`."""
    meta = template.get("metadata")
    if isinstance(meta, dict) and "creationTimestamp" in meta and meta["creationTimestamp"] is None:
        del meta["creationTimestamp"]
    spec = template.get("spec")
    if isinstance(spec, dict):
        default_pod_spec(spec)


def _default_workload(kind: str, spec: Obj) -> None:
    template = spec.get("template")
    if isinstance(template, dict):
        default_pod_template(template)
    if kind != "DaemonSet" and spec.get("replicas") is None:
        spec["replicas"] = 1
    if kind == "Deployment":
        strategy = spec.get("strategy")
        if not isinstance(strategy, dict):
            strategy = spec["strategy"] = {}
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = strategy.get("rollingUpdate")
            if not isinstance(rolling, dict):
                rolling = strategy["rollingUpdate"] = {}
            for key in ("maxSurge", "maxUnavailable"):
                if rolling.get(key) is None:
                    rolling[key] = "25%"
        if spec.get("revisionHistoryLimit") is None:
            spec["revisionHistoryLimit"] = 10
        if spec.get("progressDeadlineSeconds") is None:
            spec["progressDeadlineSeconds"] = 600
    elif kind == "StatefulSet":
        strategy = spec.get("updateStrategy")
        if not isinstance(strategy, dict):
            strategy = spec["updateStrategy"] = {}
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = strategy.get("rollingUpdate")
            if not isinstance(rolling, dict):
                rolling = strategy["rollingUpdate"] = {}
            rolling.setdefault("partition", 0)
            # MaxUnavailableStatefulSet is on by default since Kubernetes 1.35 (see sim/README.md).
            rolling.setdefault("maxUnavailable", 1)
        spec.setdefault("podManagementPolicy", "OrderedReady")
        for claim in spec.get("volumeClaimTemplates") or ():
            claim_spec = claim.get("spec") if isinstance(claim, dict) else None
            resources = claim_spec.get("resources") if isinstance(claim_spec, dict) else None
            if isinstance(resources, dict):
                for key in ("requests", "limits"):
                    canonicalize_map(resources.get(key))
        if spec.get("revisionHistoryLimit") is None:
            spec["revisionHistoryLimit"] = 10
        if spec.get("persistentVolumeClaimRetentionPolicy") is None:
            spec["persistentVolumeClaimRetentionPolicy"] = {
                "whenDeleted": "Retain",
                "whenScaled": "Retain",
            }
    elif kind == "DaemonSet":
        strategy = spec.get("updateStrategy")
        if not isinstance(strategy, dict):
            strategy = spec["updateStrategy"] = {}
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate" and not isinstance(
            strategy.get("rollingUpdate"), dict
        ):
            strategy["rollingUpdate"] = {"maxUnavailable": 1, "maxSurge": 0}
        if spec.get("revisionHistoryLimit") is None:
            spec["revisionHistoryLimit"] = 10


TEMPLATE_GENERATION = "deprecated.daemonset.template.generation"


def _daemonset_template_generation(new: Obj, old: Obj | None) -> None:
    """The API server's DaemonSet templateGeneration, shown in apps/v1 as an annotation:
    1 on create, +1 whenever the pod template changes (the controller copies it to revisions)."""
    generation = 1
    if old is not None:
        try:
            generation = int((old["metadata"].get("annotations") or {}).get(TEMPLATE_GENERATION, 1))
        except ValueError:
            generation = 1
        if (new.get("spec") or {}).get("template") != (old.get("spec") or {}).get("template"):
            generation += 1
    new["metadata"].setdefault("annotations", {})[TEMPLATE_GENERATION] = str(generation)


class ClusterIPAllocator:
    """Hands out Service cluster IPs from 10.96.0.0/12 (10.96.0.1 is the `kubernetes` Service's)."""

    def __init__(self) -> None:
        self._hosts = itertools.islice(SERVICE_CIDR.hosts(), 9, None)
        self._used: set[str] = set()

    def allocate(self) -> str:
        for host in self._hosts:
            ip = str(host)
            if ip not in self._used:
                self._used.add(ip)
                return ip
        raise ApiError(500, "InternalError", "range is full")

    def reserve(self, ip: str) -> None:
        self._used.add(ip)


def _default_service(spec: Obj, old: Obj | None, allocator: ClusterIPAllocator) -> None:
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    old_ip = (old or {}).get("spec", {}).get("clusterIP")
    if old_ip:
        spec["clusterIP"] = old_ip
    elif spec.get("clusterIP") in (None, ""):
        spec["clusterIP"] = allocator.allocate()
    elif spec["clusterIP"] != "None":
        allocator.reserve(spec["clusterIP"])
    spec["clusterIPs"] = [spec["clusterIP"]]
    spec.setdefault("ipFamilies", ["IPv4"])
    spec.setdefault("ipFamilyPolicy", "SingleStack")
    spec.setdefault("internalTrafficPolicy", "Cluster")
    for port in spec.get("ports") or ():
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            if port.get("targetPort") in (None, 0, ""):
                port["targetPort"] = port.get("port")


# ------------------------------------------------------------------------------ validation
def go_string_map(labels: Mapping[str, Any] | None) -> str:
    """A label map as Go's `%#v` prints it in validation messages."""
    if labels is None:
        return "map[string]string(nil)"
    body = ", ".join(f'"{k}":"{v}"' for k, v in sorted(labels.items()))
    return f"map[string]string{{{body}}}"


def _go_requirement(e: Mapping[str, Any]) -> str:
    """A match expression as Go's %#v prints a v1.LabelSelectorRequirement."""
    values = ", ".join(chr(34) + v + chr(34) for v in e.get("values") or [])
    return (
        f'v1.LabelSelectorRequirement{{Key:"{e.get("key")}", Operator:"{e.get("operator")}", '
        f"Values:[]string{{{values}}}}}"
    )


def _go_selector(selector: Mapping[str, Any] | None) -> str:
    selector = selector or {}
    exprs = selector.get("matchExpressions")
    exprs_text = (
        "[]v1.LabelSelectorRequirement(nil)"
        if not exprs
        else ("[]v1.LabelSelectorRequirement{" + ", ".join(_go_requirement(e) for e in exprs) + "}")
    )
    return (
        f"v1.LabelSelector{{MatchLabels:{go_string_map(selector.get('matchLabels'))}, "
        f"MatchExpressions:{exprs_text}}}"
    )


def _validate_containers(spec: Mapping[str, Any], path: str, causes: list[tuple[str, str]]) -> None:
    containers = spec.get("containers")
    if not containers:
        causes.append((f"{path}.containers", "Required value"))
        return
    for i, container in enumerate(containers):
        if not isinstance(container, Mapping):
            continue
        if not container.get("name"):
            causes.append((f"{path}.containers[{i}].name", "Required value"))
        if not container.get("image"):
            causes.append((f"{path}.containers[{i}].image", "Required value"))


def _validate_workload(kind: str, obj: Obj, old: Obj | None) -> list[tuple[str, str]]:
    causes: list[tuple[str, str]] = []
    spec = obj.get("spec") or {}
    selector = spec.get("selector")
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels")
    replicas = spec.get("replicas")
    if isinstance(replicas, int) and replicas < 0:
        causes.append(
            ("spec.replicas", f"Invalid value: {replicas}: must be greater than or equal to 0")
        )
    if not selector:
        causes.append(("spec.selector", "Required value"))
    elif not (selector.get("matchLabels") or selector.get("matchExpressions")):
        causes.append(
            (
                "spec.selector",
                f"Invalid value: {_go_selector(selector)}: empty selector is invalid for "
                f"{kind.lower()}",
            )
        )
    if selector and not match_selector(selector, labels or {}):
        causes.append(
            (
                "spec.template.metadata.labels",
                f"Invalid value: {go_string_map(labels)}: `selector` does not match template "
                "`labels`",
            )
        )
    _validate_containers(template.get("spec") or {}, "spec.template.spec", causes)
    if old is not None:
        old_selector = (old.get("spec") or {}).get("selector")
        if old_selector is not None and selector != old_selector:
            causes.append(
                ("spec.selector", f"Invalid value: {_go_selector(selector)}: field is immutable")
            )
    if kind == "Deployment":
        strategy = spec.get("strategy") or {}
        if strategy.get("type") == "Recreate" and strategy.get("rollingUpdate"):
            causes.append(
                (
                    "spec.strategy.rollingUpdate",
                    "Forbidden: may not be specified when strategy `type` is 'Recreate'",
                )
            )
    return causes


# ------------------------------------------------------------------------------ the hook
class Admission:
    """The admission chain of one simulated cluster (it owns the Service IP allocator)."""

    def __init__(self) -> None:
        self.cluster_ips = ClusterIPAllocator()

    def __call__(
        self, rt: ResourceType, new: Obj, old: Obj | None, subresource: str | None
    ) -> None:
        kind = rt.kind
        meta = new.setdefault("metadata", {})
        if subresource == "status":
            self._status_write(rt, new, old)
            return
        if "status" in rt.subresources:
            if old is not None and "status" in old:
                new["status"] = old["status"]
            else:
                new["status"] = dict(_INITIAL_STATUS.get(kind, {}))
        spec = new.get("spec")
        causes: list[tuple[str, str]] = []
        if kind in WORKLOAD_KINDS and isinstance(spec, dict):
            _default_workload(kind, spec)
            causes = _validate_workload(kind, new, old)
            if kind == "DaemonSet":
                _daemonset_template_generation(new, old)
        elif kind == "Pod" and isinstance(spec, dict):
            default_pod_spec(spec)
            _validate_containers(spec, "spec", causes)
        elif kind == "Service" and isinstance(spec, dict):
            _default_service(spec, old, self.cluster_ips)
        elif kind == "Namespace":
            new.setdefault("spec", {"finalizers": ["kubernetes"]})
            labels = meta.setdefault("labels", {})
            labels["kubernetes.io/metadata.name"] = meta.get("name", "")
        if causes:
            raise invalid(kind, meta.get("name", ""), rt.group, causes)
        if kind in _GENERATION_KINDS:
            self._generation(kind, new, old)

    @staticmethod
    def _generation(kind: str, new: Obj, old: Obj | None) -> None:
        meta = new["metadata"]
        if old is None:
            meta["generation"] = 1
            return
        old_meta = old.get("metadata", {})
        generation = old_meta.get("generation", 1)
        changed = new.get("spec") != old.get("spec")
        if kind == "Deployment" and (meta.get("annotations") or {}) != (
            old_meta.get("annotations") or {}
        ):
            changed = True
        meta["generation"] = generation + 1 if changed else generation

    @staticmethod
    def _status_write(rt: ResourceType, new: Obj, old: Obj | None) -> None:
        """A status write keeps the old spec and labels (Deployments may change annotations)."""
        if old is None:
            return
        meta = new["metadata"]
        old_meta = old.get("metadata", {})
        if "spec" in old:
            new["spec"] = old["spec"]
        for key in ("generation", "labels", "ownerReferences", "finalizers"):
            if key in old_meta:
                meta[key] = old_meta[key]
            else:
                meta.pop(key, None)
        if rt.kind != "Deployment":
            if "annotations" in old_meta:
                meta["annotations"] = old_meta["annotations"]
            else:
                meta.pop("annotations", None)


def install(cluster: SimCluster) -> Admission:
    """Register the admission chain on the cluster's store (once) and return it."""
    for hook in cluster.store.admission:
        if isinstance(hook, Admission):
            return hook
    admission = Admission()
    cluster.store.admission.append(admission)
    return admission
