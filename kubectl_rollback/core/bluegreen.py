"""Blue/green groups: which Service routes to which side, their detection, and
the traffic switch plan.

A *blue/green group* is one or more Services that select the pods of one of
several *sides* (Deployments told apart by a colour label) and differ only in
the colour they select. Two styles are detected:

- Harness: Services annotated ``harness.io/primary-service: "true"`` and
  ``harness.io/stage-service: "true"`` (or a Service ``X`` whose selector has
  ``harness.io/color`` and a Service ``X-stage``); sides are selected by
  ``harness.io/color`` (workloads are usually ``<name>-blue``/``<name>-green``).
- Generic: a Service whose selector has a colour key (``color``, ``colour``,
  ``slot``, ``track``, ``version``) whose values select different Deployments
  that otherwise match the same selector. Services sharing the same key and
  the same rest of the selector (``api`` and ``api-preview``) form one group.

Nothing is guessed: a Service without a selector, a selector that matches no
Deployment, two Deployments for one colour, two stage Services for one primary
are reported as ``problems`` of the group and block a switch that depends on them.

A *rapid rollback* routes traffic back to the side that is still running: each
Service of the group that routes to the live colour moves to the target
colour, and each that routes to the target colour moves to the live colour
(Harness's "Swap Primary with Stage" undone). Every switch this tool makes
records on the Service (annotations documented below) the selector it had
before, so "back to where it was" is known even with more than two colours:

- ``kubectl-rollback.io/previous-selector``: the selector before the last
  switch made by kubectl-rollback, as compact JSON (``{"app":"web","harness.io/color":"blue"}``).
- ``kubectl-rollback.io/switch-history``: a JSON list of the last
  ``SWITCH_HISTORY_LIMIT`` switches, oldest first:
  ``[{"at": RFC 3339, "from": colour|null, "to": colour, "by": user|null}]``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from .api_objects import (
    annotations_of,
    as_dict,
    as_int,
    dig,
    format_time,
    labels_of,
    name_of,
    str_map,
)
from .colour_keys import COLOR_KEYS as COLOR_KEYS
from .colour_keys import GENERIC_COLOR_KEYS as GENERIC_COLOR_KEYS
from .colour_keys import HARNESS_COLOR_KEY as HARNESS_COLOR_KEY
from .errors import AmbiguousTarget, NotBlueGreen, TargetNotFound
from .evidence import FAILING_WAIT_REASONS, RECORD_PREFIX, summarise_pods
from .history import (
    LAST_APPLIED_ANNOTATION,
    detect_managers,
    find_current_replicaset,
    images_of,
)
from .model import ContainerImage, ManagedBy, PlanWarning
from .plan import manager_warnings
from .values import field, value

JSON = Any


HARNESS_PRIMARY_ANNOTATION = "harness.io/primary-service"
HARNESS_STAGE_ANNOTATION = "harness.io/stage-service"
SECONDARY_SUFFIXES = ("-stage", "-preview", "-idle", "-test", "-canary")
"""Name suffixes of the non-primary Services of a generic group."""

PREVIOUS_SELECTOR_ANNOTATION = RECORD_PREFIX + "previous-selector"
SWITCH_HISTORY_ANNOTATION = RECORD_PREFIX + "switch-history"
SWITCH_HISTORY_LIMIT = 10

STYLE_HARNESS = "harness"
STYLE_GENERIC = "generic"
ROLE_PRIMARY = "primary"
ROLE_STAGE = "stage"


# ---------------------------------------------------------------- model


@value
class SwitchRecord:
    """One switch kubectl-rollback made, as recorded on a Service."""

    service: str
    at: str
    from_color: str | None
    to_color: str
    by: str | None

    def to_dict(self) -> dict[str, JSON]:
        return {
            "service": self.service,
            "at": self.at,
            "from": self.from_color,
            "to": self.to_color,
            "by": self.by,
        }


@value
class ServiceRoute:
    """A Service of a group: its selector (None: it has none), the colour it
    routes to, our records."""

    name: str
    role: str
    resource_version: str
    selector: Mapping[str, str] | None
    color: str | None
    annotations: Mapping[str, str]
    previous_selector: Mapping[str, str] | None = None
    switches: tuple[SwitchRecord, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def display(self) -> str:
        return f"service/{self.name}"

    @property
    def managers(self) -> tuple[ManagedBy, ...]:
        """Helm, Argo CD, Flux or kubectl apply, which would put this Service's selector back."""
        return detect_managers(self.labels, self.annotations)

    @property
    def selector_text(self) -> str:
        return selector_text(self.selector)


@value
class Side:
    """One colour of a group: the Deployment(s) whose pods carry it, and how many pods are Ready.

    ``ready`` counts the Ready pods a Service selecting this colour would route
    to (``ready_pods`` names them when pods were listed). ``problem`` says why
    the side cannot be routed to whatever its pods (no Deployment, two of them).
    """

    color: str
    workloads: tuple[str, ...]
    replicaset: str | None
    images: tuple[ContainerImage, ...]
    desired: int
    ready: int
    ready_pods: tuple[str, ...]
    resource_version: str
    waiting: Mapping[str, int] = field(default_factory=dict)
    problem: str | None = None
    managers: tuple[ManagedBy, ...] = ()
    applied_replicas: int | None = None
    """``spec.replicas`` in the side's last-applied-configuration (what a later ``kubectl
    apply`` of its manifest sets), when the manifest has it."""

    @property
    def workload(self) -> str | None:
        return self.workloads[0] if len(self.workloads) == 1 else None

    @property
    def image_summary(self) -> str:
        main = [i for i in self.images if not i.init]
        if len(main) == 1:
            return main[0].image
        return ", ".join(f"{i.container}={i.image}" for i in main) or "-"

    @property
    def can_take_traffic(self) -> bool:
        return self.problem is None and self.ready > 0

    @property
    def state(self) -> str:
        """``3/3 Ready`` or ``0/3 Ready (3 CrashLoopBackOff)``."""
        text = f"{self.ready}/{self.desired} Ready"
        if self.waiting:
            text += (
                " ("
                + ", ".join(f"{n} {reason}" for reason, n in sorted(self.waiting.items()))
                + ")"
            )
        return text

    def to_dict(self) -> dict[str, JSON]:
        return {
            "color": self.color,
            "workload": self.workload,
            "workloads": list(self.workloads),
            "replicaSet": self.replicaset,
            "images": [
                {"container": i.container, "image": i.image, "init": i.init} for i in self.images
            ],
            "desiredReplicas": self.desired,
            "readyReplicas": self.ready,
            "readyPods": list(self.ready_pods),
            "canTakeTraffic": self.can_take_traffic,
            "problem": self.problem,
        }


@value
class BlueGreenGroup:
    """Services that route to one of several sides; ``services[0]`` is the
    primary (it decides "live")."""

    name: str
    namespace: str
    style: str
    color_key: str
    base_selector: Mapping[str, str]
    services: tuple[ServiceRoute, ...]
    sides: tuple[Side, ...]
    problems: tuple[str, ...] = ()

    @property
    def primary(self) -> ServiceRoute:
        return self.services[0]

    @property
    def live_color(self) -> str | None:
        return self.primary.color

    @property
    def colors(self) -> tuple[str, ...]:
        return tuple(s.color for s in self.sides)

    def side(self, color: str | None) -> Side | None:
        return next((s for s in self.sides if s.color == color), None)

    @property
    def live(self) -> Side | None:
        return self.side(self.live_color)

    @property
    def idle(self) -> tuple[Side, ...]:
        return tuple(s for s in self.sides if s.color != self.live_color)

    @property
    def previous_color(self) -> str | None:
        """The colour the primary routed to before kubectl-rollback's last switch,
        if still valid."""
        return _recorded_previous(self)[0]

    @property
    def service_names(self) -> str:
        return ", ".join(s.name for s in self.services)

    def side_of_workload(self, workload: str) -> Side | None:
        return next((s for s in self.sides if workload in s.workloads), None)

    def selector_for(self, color: str) -> dict[str, str]:
        return {**self.base_selector, self.color_key: color}

    def to_dict(self) -> dict[str, JSON]:
        return {
            "name": self.name,
            "namespace": self.namespace,
            "style": self.style,
            "colorKey": self.color_key,
            "baseSelector": dict(self.base_selector),
            "live": self.live_color,
            "idle": [s.color for s in self.idle],
            "previous": self.previous_color,
            "services": [
                {
                    "name": s.name,
                    "role": s.role,
                    "selector": dict(s.selector) if s.selector is not None else None,
                    "color": s.color,
                    "resourceVersion": s.resource_version,
                    "previousSelector": dict(s.previous_selector)
                    if s.previous_selector is not None
                    else None,
                }
                for s in self.services
            ],
            "sides": [s.to_dict() for s in self.sides],
            "problems": list(self.problems),
        }


# ---------------------------------------------------------------- helpers


def selector_text(selector: Mapping[str, str] | None) -> str:
    """``app=web,harness.io/color=blue`` (keys sorted); ``<none>`` for no selector."""
    if not selector:
        return "<none>"
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))


def _compact(value: JSON) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _service_selector(service: Mapping[str, JSON]) -> dict[str, str] | None:
    selector = str_map(dig(service, "spec", "selector"))
    return selector or None


def _template_labels(deployment: Mapping[str, JSON]) -> dict[str, str]:
    return str_map(dig(deployment, "spec", "template", "metadata", "labels"))


def _matches(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def _is_true(annotations: Mapping[str, str], key: str) -> bool:
    return annotations.get(key, "").strip().lower() == "true"


def _parse_previous(annotations: Mapping[str, str]) -> dict[str, str] | None:
    text = annotations.get(PREVIOUS_SELECTOR_ANNOTATION)
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return str_map(value) if isinstance(value, dict) else None


def _parse_switches(name: str, annotations: Mapping[str, str]) -> tuple[SwitchRecord, ...]:
    text = annotations.get(SWITCH_HISTORY_ANNOTATION)
    if not text:
        return ()
    try:
        value = json.loads(text)
    except ValueError:
        return ()
    records = []
    for item in value if isinstance(value, list) else []:
        item = as_dict(item)
        to = item.get("to")
        if not isinstance(to, str):
            continue
        frm, by = item.get("from"), item.get("by")
        records.append(
            SwitchRecord(
                name,
                str(item.get("at") or ""),
                frm if isinstance(frm, str) else None,
                to,
                by if isinstance(by, str) else None,
            )
        )
    return tuple(records)


def _route(service: Mapping[str, JSON], role: str, color_key: str) -> ServiceRoute:
    annotations = annotations_of(service)
    selector = _service_selector(service)
    return ServiceRoute(
        name=name_of(service),
        role=role,
        resource_version=str(dig(service, "metadata", "resourceVersion") or ""),
        selector=selector,
        color=selector.get(color_key) if selector else None,
        annotations=annotations,
        previous_selector=_parse_previous(annotations),
        switches=_parse_switches(name_of(service), annotations),
        labels=labels_of(service),
    )


def _base(selector: Mapping[str, str] | None, key: str) -> dict[str, str]:
    return {k: v for k, v in (selector or {}).items() if k != key}


def _is_secondary_name(name: str) -> bool:
    return name.endswith(SECONDARY_SUFFIXES)


def _recorded_previous(group: BlueGreenGroup) -> tuple[str | None, str | None]:
    """(previous colour, why it is ignored) from the primary's records.

    The record is ignored when the primary no longer routes where our last
    switch put it (someone else, e.g. a Harness pipeline, switched it since).
    """
    primary = group.primary
    if primary.previous_selector is None:
        return None, None
    previous = primary.previous_selector.get(group.color_key)
    if previous is None:
        return None, None
    last = primary.switches[-1] if primary.switches else None
    if last is not None and last.to_color != primary.color:
        return None, (
            f"the kubectl-rollback record on Service {primary.name} is stale: it was switched to "
            f"{last.to_color} at {last.at}, but now routes to {primary.color}"
        )
    if previous == primary.color:
        return None, None
    return previous, None


# ---------------------------------------------------------------- detection


def _sides(
    namespace: str,
    color_key: str,
    base: Mapping[str, str],
    colors_wanted: Sequence[str],
    deployments: Sequence[Mapping[str, JSON]],
    replicasets: Sequence[Mapping[str, JSON]],
    pods: Sequence[Mapping[str, JSON]] | None,
) -> tuple[Side, ...]:
    by_color: dict[str, list[Mapping[str, JSON]]] = {}
    for deployment in deployments:
        labels = _template_labels(deployment)
        if color_key in labels and _matches(base, labels):
            by_color.setdefault(labels[color_key], []).append(deployment)
    for color in colors_wanted:
        by_color.setdefault(color, [])
    sides = []
    for color in sorted(by_color):
        found = sorted(by_color[color], key=name_of)
        names = tuple(name_of(d) for d in found)
        selector = {**base, color_key: color}
        if pods is not None:
            mine = [p for p in pods if _matches(selector, str_map(dig(p, "metadata", "labels")))]
            summary = summarise_pods(mine)
            ready_pods = tuple(sorted(name_of(p) for p in mine if _pod_is_ready(p)))
            ready, waiting = summary.ready, dict(summary.waiting)
        else:
            ready_pods, waiting = (), {}
            ready = sum(as_int(dig(d, "status", "readyReplicas")) for d in found)
        problem = None
        if not found:
            problem = f"no Deployment runs pods labelled {selector_text(selector)}"
        elif len(found) > 1:
            problem = (
                f"Deployments {', '.join(names)} all run pods labelled {selector_text(selector)}: "
                "ambiguous, which one is this side?"
            )
        single = found[0] if len(found) == 1 else None
        current = find_current_replicaset(single, replicasets) if single is not None else None
        sides.append(
            Side(
                color=color,
                workloads=names,
                replicaset=name_of(current) if current is not None else None,
                images=images_of(as_dict(dig(single, "spec", "template")))
                if single is not None
                else (),
                desired=sum(as_int(dig(d, "spec", "replicas"), 1) for d in found),
                ready=ready,
                ready_pods=ready_pods,
                resource_version=str(dig(single, "metadata", "resourceVersion") or "")
                if single is not None
                else "",
                waiting=waiting,
                problem=problem,
                managers=detect_managers(labels_of(single), annotations_of(single))
                if single is not None
                else (),
                applied_replicas=_applied_replicas(single) if single is not None else None,
            )
        )
    return tuple(sides)


def _applied(annotations: Mapping[str, str], *path: str) -> JSON:
    """A field of the manifest a ``kubectl apply`` recorded (last-applied-configuration);
    None when there is none or the manifest does not set it."""
    text = annotations.get(LAST_APPLIED_ANNOTATION)
    try:
        return dig(json.loads(text), *path) if text else None
    except ValueError:
        return None


def _applied_replicas(deployment: Mapping[str, JSON]) -> int | None:
    """``spec.replicas`` of the manifest a ``kubectl apply`` recorded, if it set one."""
    replicas = _applied(annotations_of(deployment), "spec", "replicas")
    return replicas if isinstance(replicas, int) else None


def _pod_is_ready(pod: Mapping[str, JSON]) -> bool:
    if dig(pod, "metadata", "deletionTimestamp"):
        return False
    return summarise_pods([pod]).ready == 1


def _group(
    namespace: str,
    style: str,
    color_key: str,
    routes: list[ServiceRoute],
    deployments: Sequence[Mapping[str, JSON]],
    replicasets: Sequence[Mapping[str, JSON]],
    pods: Sequence[Mapping[str, JSON]] | None,
    problems: list[str],
) -> BlueGreenGroup:
    primary = routes[0]
    base = _base(primary.selector, color_key)
    wanted = [r.color for r in routes if r.color is not None]
    sides = _sides(namespace, color_key, base, wanted, deployments, replicasets, pods)
    for route in routes:
        if route.selector is None:
            problems.append(
                f"Service {route.name} has no selector: its Endpoints are not chosen by labels"
            )
        elif route.color is None:
            problems.append(
                f"the selector of Service {route.name} ({route.selector_text}) "
                f"has no {color_key} key"
            )
        elif _base(route.selector, color_key) != base:
            problems.append(
                f"Service {route.name} selects {route.selector_text}, which differs from "
                f"{primary.name} by more than {color_key}"
            )
    for side in sides:
        if side.problem is None:
            continue
        users = [r.name for r in routes if r.color == side.color]
        if not side.workloads and users:
            problems.append(
                f"the selector of Service {', '.join(users)} "
                f"({selector_text({**base, color_key: side.color})}) "
                "matches no Deployment"
            )
        elif side.workloads:
            problems.append(side.problem)
    return BlueGreenGroup(
        name=primary.name,
        namespace=namespace,
        style=style,
        color_key=color_key,
        base_selector=base,
        services=tuple(routes),
        sides=sides,
        problems=tuple(dict.fromkeys(problems)),
    )


def detect_groups(
    namespace: str,
    services: Sequence[Mapping[str, JSON]],
    deployments: Sequence[Mapping[str, JSON]],
    replicasets: Sequence[Mapping[str, JSON]] = (),
    pods: Sequence[Mapping[str, JSON]] | None = None,
) -> tuple[BlueGreenGroup, ...]:
    """Every blue/green group of one namespace (Harness style first, then generic), by name.

    ``replicasets`` give each side its current ReplicaSet; ``pods`` (None: not
    listed) give Ready pod names, else readiness comes from Deployment status.
    """
    by_name = {name_of(s): s for s in services}
    claimed: set[str] = set()
    groups: list[BlueGreenGroup] = []

    # Harness: annotated primaries, or X (selecting harness.io/color) with an X-stage.
    primaries = [
        name
        for name, s in sorted(by_name.items())
        if _is_true(annotations_of(s), HARNESS_PRIMARY_ANNOTATION)
        or (
            not _is_true(annotations_of(s), HARNESS_STAGE_ANNOTATION)
            and HARNESS_COLOR_KEY in (_service_selector(s) or {})
            and f"{name}-stage" in by_name
        )
    ]
    stages = {
        name
        for name, s in by_name.items()
        if _is_true(annotations_of(s), HARNESS_STAGE_ANNOTATION)
        or (name.endswith("-stage") and name.removesuffix("-stage") in primaries)
    }
    for name in primaries:
        primary = _route(by_name[name], ROLE_PRIMARY, HARNESS_COLOR_KEY)
        base = _base(primary.selector, HARNESS_COLOR_KEY)
        paired = sorted(
            stage
            for stage in stages - claimed
            if stage == f"{name}-stage"
            or (base and _base(_service_selector(by_name[stage]), HARNESS_COLOR_KEY) == base)
        )
        problems: list[str] = []
        if len(paired) > 1:
            problems.append(
                f"Services {', '.join(paired)} are all stage Services of {name}: ambiguous"
            )
        routes = [primary] + [_route(by_name[s], ROLE_STAGE, HARNESS_COLOR_KEY) for s in paired]
        claimed.update(r.name for r in routes)
        groups.append(
            _group(
                namespace,
                STYLE_HARNESS,
                HARNESS_COLOR_KEY,
                routes,
                deployments,
                replicasets,
                pods,
                problems,
            )
        )
    for stage in sorted(stages - claimed):
        route = _route(by_name[stage], ROLE_STAGE, HARNESS_COLOR_KEY)
        claimed.add(stage)
        groups.append(
            _group(
                namespace,
                STYLE_HARNESS,
                HARNESS_COLOR_KEY,
                [route],
                deployments,
                replicasets,
                pods,
                [f"stage Service {stage} has no primary Service"],
            )
        )

    # Generic: a colour key whose values select different Deployments matching the rest.
    candidates: dict[tuple[str, str], list[str]] = {}
    for name, service in sorted(by_name.items()):
        if name in claimed:
            continue
        selector = _service_selector(service)
        if not selector:
            continue
        for key in COLOR_KEYS:
            if key not in selector:
                continue
            base = _base(selector, key)
            colors = {
                _template_labels(d)[key]
                for d in deployments
                if key in _template_labels(d) and _matches(base, _template_labels(d))
            }
            if colors and len(colors | {selector[key]}) >= 2:
                candidates.setdefault((key, _compact(base)), []).append(name)
                break
    for (key, _), names in sorted(candidates.items(), key=lambda item: item[1][0]):
        ordered = sorted(names, key=lambda n: (_is_secondary_name(n), len(n), n))
        routes = [_route(by_name[ordered[0]], ROLE_PRIMARY, key)]
        routes += [_route(by_name[n], ROLE_STAGE, key) for n in ordered[1:]]
        claimed.update(names)
        groups.append(
            _group(namespace, STYLE_GENERIC, key, routes, deployments, replicasets, pods, [])
        )
    return tuple(sorted(groups, key=lambda g: g.name))


def find_group(
    service: str,
    namespace: str,
    services: Sequence[Mapping[str, JSON]],
    deployments: Sequence[Mapping[str, JSON]],
    replicasets: Sequence[Mapping[str, JSON]] = (),
    pods: Sequence[Mapping[str, JSON]] | None = None,
) -> BlueGreenGroup:
    """The group Service ``service`` belongs to; NotBlueGreen saying why when there is none."""
    for group in detect_groups(namespace, services, deployments, replicasets, pods):
        if any(r.name == service for r in group.services):
            return group
    obj = next((s for s in services if name_of(s) == service), None)
    selector = _service_selector(obj) if obj is not None else None
    if obj is not None and selector is None:
        raise NotBlueGreen(
            f"service/{service} has no selector (its Endpoints are managed by hand or by another "
            "controller): there is no blue/green traffic to switch"
        )
    keys = [k for k in COLOR_KEYS if k in (selector or {})]
    if not keys:
        raise NotBlueGreen(
            f"service/{service} is not blue/green: its selector ({selector_text(selector)}) "
            f"has no colour key ({', '.join(COLOR_KEYS)})"
        )
    raise NotBlueGreen(
        f"service/{service} is not blue/green: no Deployment other than the one it selects "
        f"({selector_text(selector)}) differs only by {keys[0]}"
    )


# ---------------------------------------------------------------- the plan


@value
class SelectorChange:
    """One Service's selector change and the JSON patch that makes it
    (resourceVersion tested first)."""

    service: str
    role: str
    resource_version: str
    before: Mapping[str, str]
    after: Mapping[str, str]
    from_color: str | None
    to_color: str
    annotations_before: Mapping[str, str]
    annotations_after: Mapping[str, str]
    pods_before: tuple[str, ...]
    pods_after: tuple[str, ...]
    patch: tuple[dict[str, JSON], ...]

    @property
    def line(self) -> str:
        return (
            f"service/{self.service} ({self.role}): {selector_text(self.before)} -> "
            f"{selector_text(self.after)}"
        )

    def restore_patch(self, resource_version: str) -> list[dict[str, JSON]]:
        """The patch that puts the Service back as it was, if nobody touched it
        since ``resource_version``."""
        return [
            {"op": "test", "path": "/metadata/resourceVersion", "value": resource_version},
            {"op": "replace", "path": "/spec/selector", "value": dict(self.before)},
            {"op": "add", "path": "/metadata/annotations", "value": dict(self.annotations_before)},
        ]

    def to_dict(self) -> dict[str, JSON]:
        return {
            "service": self.service,
            "role": self.role,
            "resourceVersion": self.resource_version,
            "from": {"selector": dict(self.before), "color": self.from_color},
            "to": {"selector": dict(self.after), "color": self.to_color},
            "podsBefore": list(self.pods_before),
            "podsAfter": list(self.pods_after),
            "patch": [dict(op) for op in self.patch],
        }


@value
class ScaleUp:
    """``--scale-up``: the target side's Deployment is scaled to ``to_replicas``
    and waited for first."""

    workload: str
    color: str
    resource_version: str
    from_replicas: int
    to_replicas: int

    @property
    def patch(self) -> tuple[dict[str, JSON], ...]:
        return (
            {"op": "test", "path": "/metadata/resourceVersion", "value": self.resource_version},
            {"op": "replace", "path": "/spec/replicas", "value": self.to_replicas},
        )

    @property
    def line(self) -> str:
        if self.to_replicas == self.from_replicas:
            return (
                f"deployment.apps/{self.workload} ({self.color}) keeps "
                f"{self.to_replicas} replicas; wait until {self.to_replicas} pods are Ready"
            )
        return (
            f"deployment.apps/{self.workload} ({self.color}) scales from {self.from_replicas} to "
            f"{self.to_replicas} replicas; wait until {self.to_replicas} pods are Ready"
        )

    def to_dict(self) -> dict[str, JSON]:
        return {
            "workload": self.workload,
            "color": self.color,
            "resourceVersion": self.resource_version,
            "from": self.from_replicas,
            "to": self.to_replicas,
            "patch": [dict(op) for op in self.patch],
        }


@value
class TrafficSwitchPlan:
    """A rapid rollback of a blue/green group: which selectors change, and which pods get traffic.

    ``changes`` are in execution order: secondary (stage) Services first, the
    primary last, so the change that moves production traffic is the last one
    and a failure before it leaves production traffic where it was.
    """

    group: BlueGreenGroup
    from_color: str | None
    to_color: str
    why: tuple[str, ...]
    changes: tuple[SelectorChange, ...]
    scale_up: ScaleUp | None
    warnings: tuple[PlanWarning, ...]
    refusal: str | None
    noop: str | None
    actor: str | None
    created_at: datetime
    force: bool = False

    @property
    def executable(self) -> bool:
        return self.refusal is None and self.noop is None

    @property
    def display(self) -> str:
        return f"service/{self.group.name}"

    def warning_codes(self) -> tuple[str, ...]:
        return tuple(w.code for w in self.warnings)


def choose_color(group: BlueGreenGroup, requested: str | None) -> tuple[str, tuple[str, ...]]:
    """The colour to route to and why: ``requested``, else the recorded previous
    one, else the other side.

    Raises TargetNotFound for an unknown colour and AmbiguousTarget when the
    previous side cannot be known (no record and not exactly two sides).
    """
    live = group.live_color
    if requested is not None:
        if group.side(requested) is None:
            raise TargetNotFound(
                f"blue/green group {group.name} has no side {requested} "
                f"(sides: {', '.join(group.colors) or 'none'})"
            )
        return requested, (f"{requested} was asked for (--to {requested})",)
    if live is None:
        raise AmbiguousTarget(
            f"Service {group.primary.name} routes to no colour ({group.primary.selector_text}): "
            "name the side to route to with --to COLOR"
        )
    previous, stale = _recorded_previous(group)
    why: list[str] = [stale] if stale else []
    if previous is not None and group.side(previous) is not None:
        last = group.primary.switches[-1] if group.primary.switches else None
        when = f" at {last.at}" if last is not None and last.at else ""
        why.append(
            f"Service {group.primary.name} routed to {previous} before kubectl-rollback "
            f"switched it to {live}{when} ({PREVIOUS_SELECTOR_ANNOTATION})"
        )
        return previous, tuple(why)
    others = [c for c in group.colors if c != live]
    live_side = group.live
    if len(group.sides) == 2 and live_side is not None and live_side.workloads:
        why.append(
            f"{others[0]} is the other side of the two-sided group "
            "(no kubectl-rollback record says otherwise)"
        )
        return others[0], tuple(why)
    real = [s.color for s in group.sides if s.workloads]
    if live_side is None or not live_side.workloads:
        raise AmbiguousTarget(
            f"Service {group.primary.name} routes to {live} ({group.primary.selector_text}), "
            f"which matches no Deployment: blue/green group {group.name} is half-configured "
            "and the side that was live before is unknown "
            f"(sides with a Deployment: {', '.join(real) or 'none'}); "
            "name the side with --to COLOR"
        )
    raise AmbiguousTarget(
        f"cannot tell which side of blue/green group {group.name} was live before {live}: sides "
        f"{', '.join(group.colors)} and no {PREVIOUS_SELECTOR_ANNOTATION} record on Service "
        f"{group.primary.name}; name the side with --to COLOR"
    )


def _switch_annotations(
    route: ServiceRoute, to_color: str, actor: str | None, now: datetime
) -> dict[str, str]:
    result = dict(route.annotations)
    result[PREVIOUS_SELECTOR_ANNOTATION] = _compact(dict(route.selector or {}))
    entries = [
        {"at": r.at, "from": r.from_color, "to": r.to_color, "by": r.by} for r in route.switches
    ]
    entries.append({"at": format_time(now), "from": route.color, "to": to_color, "by": actor})
    result[SWITCH_HISTORY_ANNOTATION] = _compact(entries[-SWITCH_HISTORY_LIMIT:])
    return result


def _pods_of(group: BlueGreenGroup, color: str | None) -> tuple[str, ...]:
    side = group.side(color)
    return side.ready_pods if side is not None else ()


def _change(
    group: BlueGreenGroup, route: ServiceRoute, to_color: str, actor: str | None, now: datetime
) -> SelectorChange:
    before = dict(route.selector or {})
    after = {**before, group.color_key: to_color}
    annotations = _switch_annotations(route, to_color, actor, now)
    patch = (
        {"op": "test", "path": "/metadata/resourceVersion", "value": route.resource_version},
        {"op": "replace", "path": "/spec/selector", "value": after},
        {"op": "add", "path": "/metadata/annotations", "value": annotations},
    )
    return SelectorChange(
        service=route.name,
        role=route.role,
        resource_version=route.resource_version,
        before=before,
        after=after,
        from_color=route.color,
        to_color=to_color,
        annotations_before=dict(route.annotations),
        annotations_after=annotations,
        pods_before=_pods_of(group, route.color),
        pods_after=_pods_of(group, to_color),
        patch=patch,
    )


def _pods(n: int) -> str:
    return f"{n} Ready pod" if n == 1 else f"{n} Ready pods"


def plan_switch(
    group: BlueGreenGroup,
    to: str | None = None,
    *,
    actor: str | None,
    now: datetime,
    force: bool = False,
    scale_up: bool = False,
) -> TrafficSwitchPlan:
    """Plan routing ``group``'s traffic to ``to`` (default: see choose_color).

    Refuses (``refusal``) to route to a side with a configuration problem or no
    Ready pods, or fewer Ready pods than the live side unless ``force``; with
    ``scale_up`` the target is first scaled to the live side's replicas (and
    waited for), so readiness is checked again after the wait instead.
    """
    to_color, why = choose_color(group, to)
    live = group.live_color
    target = group.side(to_color)
    assert target is not None  # choose_color only returns known sides
    live_side = group.live
    display = f"service/{group.name}"
    warnings: list[PlanWarning] = []
    noop = None
    if to_color == live:
        noop = f"{display} already routes to {to_color}: nothing to switch"

    routes = [r for r in group.services if r.color is not None and r.color in (live, to_color)]
    changes = [
        _change(group, r, to_color if r.color == live else str(live), actor, now)
        for r in routes
        if noop is None and live is not None
    ]
    changes.sort(key=lambda c: c.role == ROLE_PRIMARY)  # stage first, primary last
    for r in group.services:
        if r.color not in (live, to_color) and r.role != ROLE_PRIMARY:
            warnings.append(
                PlanWarning(
                    "unchanged-service", f"Service {r.name} routes to {r.color} and is not changed"
                )
            )

    refusal = None
    planned_scale: ScaleUp | None = None
    live_ready = live_side.ready if live_side is not None else 0
    if live is None:
        refusal = (
            f"refusing to switch: Service {group.primary.name} routes to no colour "
            f"({group.primary.selector_text}); fix its selector by hand"
        )
    elif target.problem is not None:
        refusal = f"refusing to route traffic to {to_color}: {target.problem}"
    elif noop is None and scale_up:
        goal = max(target.desired, live_side.desired if live_side is not None else 0, 1)
        planned_scale = ScaleUp(
            str(target.workload), to_color, target.resource_version, target.desired, goal
        )
        if target.ready < goal:
            why += (
                f"{to_color} has {_pods(target.ready)}: --scale-up brings it to {goal} and waits "
                "until they are Ready before switching",
            )
    elif noop is None and target.ready == 0:
        refusal = (
            f"refusing to route traffic to {to_color}: it has no Ready pods "
            f"({target.workload}: {target.state})" + _no_ready_advice(target, live_side, force)
        )
    elif noop is None and target.ready < live_ready:
        if force:
            warnings.append(
                PlanWarning(
                    "fewer-ready",
                    f"{to_color} has {_pods(target.ready)}, fewer than the {live_ready} "
                    f"of the live side {live} (--force)",
                )
            )
        else:
            goal = live_side.desired if live_side else target.desired
            refusal = (
                f"refusing to route traffic to {to_color}: it has {_pods(target.ready)}, "
                f"fewer than the {live_ready} of the live side {live}; "
                "pass --force to switch anyway, or "
                + (
                    f"--scale-up to scale {target.workload} to {goal} first"
                    if target.desired < goal
                    else f"wait until its {target.desired} pods are Ready ({target.state})"
                )
            )
    for problem in group.problems:
        if target.problem is None or problem != target.problem:
            warnings.append(PlanWarning("blue-green-config", problem))
    if noop is None and live_side is not None and live_side.ready == 0:
        warnings.append(
            PlanWarning(
                "live-unready",
                f"the live side {live} has no Ready pods ({live_side.state}): "
                "traffic is failing now",
            )
        )
    if noop is None and group.style == STYLE_HARNESS:
        warnings.append(
            PlanWarning(
                "harness",
                "Harness keeps no Blue/Green state: its next deployment goes to the side "
                "the stage Service routes to after this switch, then swaps again",
            )
        )
    warnings.extend(_revert_warnings(group, changes, planned_scale, target))
    if noop is None and live_side is not None and live_side.workload:
        warnings.append(
            PlanWarning(
                "not-scaled-down",
                f"deployment.apps/{live_side.workload} ({live}) keeps running; "
                "scale it down yourself once traffic is back",
            )
        )
    return TrafficSwitchPlan(
        group=group,
        from_color=live,
        to_color=to_color,
        why=why,
        changes=tuple(changes),
        scale_up=planned_scale,
        warnings=tuple(warnings),
        refusal=refusal,
        noop=noop,
        actor=actor,
        created_at=now,
        force=force,
    )


def _no_ready_advice(target: Side, live_side: Side | None, force: bool) -> str:
    """What can help a side without Ready pods, from the evidence: more replicas only when
    it runs fewer than the live side; otherwise its pods are the problem."""
    goal = max(live_side.desired if live_side is not None else target.desired, 1)
    if target.desired < goal:
        return f"; scale it up first with --scale-up (to {goal} replicas)"
    failing = {r: n for r, n in target.waiting.items() if r in FAILING_WAIT_REASONS}
    flags = "--force and --scale-up do" if force else "--scale-up does"
    if failing:
        reasons = ", ".join(f"{n} {r}" for r, n in sorted(failing.items()))
        return (
            f"; it already runs {target.desired} replicas and its pods are failing ({reasons}): "
            f"{flags} not help; fix deployment.apps/{target.workload} (kubectl logs "
            f"deployment/{target.workload}) or name another side with --to COLOR"
        )
    return (
        f"; it already runs {target.desired} replicas: {flags} not help; wait until its "
        "pods are Ready (kubectl rollout status "
        f"deployment/{target.workload}) and run again"
    )


def _revert_warnings(
    group: BlueGreenGroup,
    changes: Sequence[SelectorChange],
    scale: ScaleUp | None,
    target: Side,
) -> list[PlanWarning]:
    """The tools that would put back what the switch changes, as a Deployment plan warns:
    each Service's selector (Helm, Argo CD, Flux, a later ``kubectl apply`` of a manifest
    with last-applied-configuration) and the scaled side's replicas."""
    warnings = []
    routes = {r.name: r for r in group.services}
    for change in changes:
        route = routes[change.service]
        applied = _applied(route.annotations, "spec", "selector")
        colour = applied.get(group.color_key) if isinstance(applied, dict) else None
        tools = [m for m in route.managers if m.tool != "kubectl apply"]
        warnings.extend(
            manager_warnings(
                route.display,
                tools,
                undone="the switch (its selector goes back to the one in its manifest)",
            )
        )
        if colour is not None and colour != change.to_color:
            # Only when the applied manifest names another colour: applying it moves traffic.
            applier = [m for m in route.managers if m.tool == "kubectl apply"]
            undone = f"the switch (its manifest's selector routes traffic to {colour} again)"
            warnings.extend(manager_warnings(route.display, applier, undone=undone))
    if scale is not None and scale.to_replicas != scale.from_replicas:
        managers = tuple(
            m
            for m in target.managers
            if m.tool != "kubectl apply"
            or (
                target.applied_replicas is not None and target.applied_replicas != scale.to_replicas
            )
        )
        undone = (
            f"the scale-up (replicas back to {target.applied_replicas})"
            if target.applied_replicas is not None
            else "the scale-up"
        )
        warnings.extend(
            manager_warnings(f"deployment.apps/{scale.workload}", managers, undone=undone)
        )
    return warnings


def readiness_refusal(plan: TrafficSwitchPlan, group: BlueGreenGroup) -> str | None:
    """After ``--scale-up`` waited: the refusal that still applies with ``group``
    as it is now, if any."""
    target = group.side(plan.to_color)
    live = group.side(plan.from_color)
    if target is None or target.problem is not None:
        return (
            f"refusing to route traffic to {plan.to_color}: "
            f"{target.problem if target else 'side is gone'}"
        )
    if target.ready == 0:
        return (
            f"refusing to route traffic to {plan.to_color}: it has no Ready pods ({target.state})"
        )
    if live is not None and target.ready < live.ready and not plan.force:
        return (
            f"refusing to route traffic to {plan.to_color}: it has {_pods(target.ready)}, "
            f"fewer than the {live.ready} of the live side {plan.from_color}; "
            "pass --force to switch anyway"
        )
    return None


# ---------------------------------------------------------------- Deployments


def membership_candidates(
    deployment: Mapping[str, JSON], services: Sequence[Mapping[str, JSON]]
) -> bool:
    """Cheap test: could this Deployment be a side of a group of ``services``?
    (a colour key in common)."""
    labels = _template_labels(deployment)
    for service in services:
        selector = _service_selector(service) or {}
        for key in COLOR_KEYS:
            if key in selector and key in labels and _matches(_base(selector, key), labels):
                return True
    return False


@value
class GroupWarning(PlanWarning):
    """The ``blue-green`` warning, with the group and the side the Deployment is."""

    group: str = ""
    side: str = ""
    """``live`` or ``idle``."""
    where: str = ""

    @property
    def no_history_hint(self) -> str:
        """What to do instead when the side has no older revision: switch the traffic."""
        return (
            f"it is the {self.side} side of {self.where}, rolled back by switching the "
            f"Service's traffic to a side, not by a redeploy: kubectl rollback svc/{self.group}"
        )


def deployment_group_warning(
    deployment_name: str, groups: Sequence[BlueGreenGroup]
) -> GroupWarning | None:
    """The ``blue-green`` warning of a Deployment rollback plan when the
    Deployment is a side of a group."""
    for group in groups:
        side = group.side_of_workload(deployment_name)
        if side is None:
            continue
        plural = "Service" if len(group.services) == 1 else "Services"
        where = f"blue/green group {group.name} ({plural} {group.service_names})"
        if side.color == group.live_color:
            return GroupWarning(
                "blue-green",
                f"{deployment_name} is the live side of {where}: rolling it back redeploys "
                f"the side that serves traffic; kubectl rollback svc/{group.name} routes "
                "traffic to the other side instead, with no redeploy",
                group.name,
                "live",
                where,
            )
        return GroupWarning(
            "blue-green",
            f"{deployment_name} is the idle side of {where}; to route traffic back use "
            f"kubectl rollback svc/{group.name}",
            group.name,
            "idle",
            where,
        )
    return None
