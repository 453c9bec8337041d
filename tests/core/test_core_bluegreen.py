"""Blue/green in the core: detection of each style and each half-configured setup, target, plan,
switch."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_rollback.core import bluegreen_service, documents
from kubectl_rollback.core.bluegreen import (
    PREVIOUS_SELECTOR_ANNOTATION,
    SWITCH_HISTORY_ANNOTATION,
    SWITCH_HISTORY_LIMIT,
    BlueGreenGroup,
    choose_color,
    deployment_group_warning,
    detect_groups,
    find_group,
    plan_switch,
)
from kubectl_rollback.core.errors import (
    AmbiguousTarget,
    Conflict,
    Invalid,
    NotBlueGreen,
    Refused,
    SwitchFailed,
    TargetNotFound,
)
from kubectl_rollback.core.ports import PatchType, Resource
from tests.core.fake_gateway import apply_json_patch

NS = "default"
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
HARNESS = "harness.io/color"

_rv = [100]


def _next_rv() -> str:
    _rv[0] += 1
    return str(_rv[0])


def service(
    name: str, selector: dict[str, str] | None, annotations: dict[str, str] | None = None
) -> dict[str, Any]:
    spec: dict[str, Any] = {"ports": [{"port": 80}]}
    if selector is not None:
        spec["selector"] = dict(selector)
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": NS,
            "resourceVersion": _next_rv(),
            "annotations": dict(annotations or {}),
        },
        "spec": spec,
    }


def deployment(
    name: str,
    labels: dict[str, str],
    *,
    replicas: int = 3,
    ready: int | None = None,
    image: str = "nginx:1.25",
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": NS,
            "uid": f"uid-{name}",
            "resourceVersion": _next_rv(),
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
        },
        "status": {"readyReplicas": replicas if ready is None else ready},
    }


def replicaset(dep: dict[str, Any]) -> dict[str, Any]:
    template = copy.deepcopy(dep["spec"]["template"])
    template["metadata"]["labels"]["pod-template-hash"] = "abc"
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{dep['metadata']['name']}-abc",
            "namespace": NS,
            "labels": template["metadata"]["labels"],
            "creationTimestamp": "2024-05-01T10:00:00Z",
            "ownerReferences": [
                {
                    "kind": "Deployment",
                    "name": dep["metadata"]["name"],
                    "uid": dep["metadata"]["uid"],
                    "controller": True,
                }
            ],
        },
        "spec": {"replicas": dep["spec"]["replicas"], "template": template},
    }


def pods(
    dep: dict[str, Any], ready: int, total: int | None = None, waiting: str | None = None
) -> list[dict[str, Any]]:
    labels = dict(dep["spec"]["template"]["metadata"]["labels"])
    out = []
    for i in range(total if total is not None else ready):
        is_ready = i < ready
        status: dict[str, Any] = {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True" if is_ready else "False"}],
        }
        if not is_ready and waiting:
            status["containerStatuses"] = [
                {"name": "app", "state": {"waiting": {"reason": waiting}}}
            ]
        out.append(
            {
                "metadata": {
                    "name": f"{dep['metadata']['name']}-abc-{i}",
                    "namespace": NS,
                    "labels": labels,
                },
                "status": status,
            }
        )
    return out


def harness_world(
    *, live: str = "green", green_ready: int = 0, blue_ready: int = 3, annotated: bool = True
) -> dict[str, list[dict[str, Any]]]:
    """Harness pair after a swap to green (crashing); blue still runs."""
    idle = "blue" if live == "green" else "green"
    blue = deployment("web-blue", {"app": "web", HARNESS: "blue"}, ready=blue_ready)
    green = deployment(
        "web-green", {"app": "web", HARNESS: "green"}, ready=green_ready, image="nginx:crash-1"
    )
    primary_ann = {"harness.io/primary-service": "true"} if annotated else {}
    stage_ann = {"harness.io/stage-service": "true"} if annotated else {}
    return {
        "services": [
            service("web", {"app": "web", HARNESS: live}, primary_ann),
            service("web-stage", {"app": "web", HARNESS: idle}, stage_ann),
            service("db", {"app": "db"}),
        ],
        "deployments": [blue, green, deployment("db", {"app": "db"})],
        "replicasets": [replicaset(blue), replicaset(green)],
        "pods": pods(blue, blue_ready) + pods(green, green_ready, 3, "CrashLoopBackOff"),
    }


def group_of(world: dict[str, list[dict[str, Any]]], name: str = "web") -> BlueGreenGroup:
    return find_group(
        name, NS, world["services"], world["deployments"], world["replicasets"], world["pods"]
    )


# ---------------------------------------------------------------- detection


@pytest.mark.parametrize("annotated", [True, False], ids=["annotations", "name-stage"])
def test_harness_pair_detected(annotated: bool) -> None:
    group = group_of(harness_world(annotated=annotated))
    assert group.style == "harness" and group.color_key == HARNESS
    assert [(s.name, s.role, s.color) for s in group.services] == [
        ("web", "primary", "green"),
        ("web-stage", "stage", "blue"),
    ]
    assert group.live_color == "green" and [s.color for s in group.idle] == ["blue"]
    blue, green = group.side("blue"), group.side("green")
    assert blue is not None and green is not None
    assert blue.workload == "web-blue" and blue.replicaset == "web-blue-abc"
    assert blue.images[0].image == "nginx:1.25" and green.image_summary == "nginx:crash-1"
    assert (blue.desired, blue.ready, blue.can_take_traffic) == (3, 3, True)
    assert len(blue.ready_pods) == 3
    assert (green.ready, green.can_take_traffic) == (0, False)
    assert green.state == "0/3 Ready (3 CrashLoopBackOff)"
    assert group.problems == ()
    # The stage Service belongs to the same group; the unrelated Service is in none.
    assert find_group("web-stage", NS, *harness_world().values()).name == "web"  # type: ignore[misc]
    with pytest.raises(NotBlueGreen, match="no colour key"):
        group_of(harness_world(), "db")


def test_readiness_from_status_when_pods_not_listed() -> None:
    world = harness_world(blue_ready=2)
    group = find_group("web", NS, world["services"], world["deployments"])
    side = group.side("blue")
    assert side is not None and side.ready == 2 and side.ready_pods == ()


@pytest.mark.parametrize("key", ["color", "slot", "track", "version"])
def test_generic_pair_detected_for_each_key(key: str) -> None:
    a = deployment("api-a", {"app": "api", key: "a"})
    b = deployment("api-b", {"app": "api", key: "b"}, replicas=0, ready=0)
    services = [
        service("api", {"app": "api", key: "a"}),
        service("api-preview", {"app": "api", key: "b"}),
    ]
    groups = detect_groups(NS, services, [a, b])
    assert len(groups) == 1
    group = groups[0]
    assert (group.name, group.style, group.color_key) == ("api", "generic", key)
    assert [(s.name, s.role) for s in group.services] == [
        ("api", "primary"),
        ("api-preview", "stage"),
    ]
    assert group.live_color == "a" and group.colors == ("a", "b")
    assert dict(group.base_selector) == {"app": "api"}


def test_one_deployment_with_a_version_label_is_not_blue_green() -> None:
    services = [service("api", {"app": "api", "version": "v1"})]
    deployments = [
        deployment("api", {"app": "api", "version": "v1"}),
        deployment("other", {"app": "x", "version": "v2"}),
    ]
    assert detect_groups(NS, services, deployments) == ()
    with pytest.raises(NotBlueGreen, match="differs only by version"):
        find_group("api", NS, services, deployments)


def test_selector_matching_nothing_is_reported_never_guessed() -> None:
    services = [service("orders", {"app": "orders", "color": "red"})]
    deployments = [
        deployment("orders-blue", {"app": "orders", "color": "blue"}),
        deployment("orders-green", {"app": "orders", "color": "green"}),
    ]
    group = find_group("orders", NS, services, deployments)
    assert group.problems == (
        "the selector of Service orders (app=orders,color=red) matches no Deployment",
    )
    red = group.side("red")
    assert red is not None and red.workloads == () and not red.can_take_traffic
    with pytest.raises(AmbiguousTarget, match="half-configured"):
        choose_color(group, None)
    # Naming the side is allowed: it repairs the routing.
    plan = plan_switch(group, "blue", actor="alice", now=NOW)
    assert plan.refusal is None and [c.to_color for c in plan.changes] == ["blue"]
    assert "blue-green-config" in plan.warning_codes()


def test_two_workloads_for_one_colour_are_reported_and_refused() -> None:
    world = harness_world()
    world["deployments"].append(
        deployment("web-blue-2", {"app": "web", HARNESS: "blue", "tier": "x"})
    )
    group = group_of(world)
    blue = group.side("blue")
    assert (
        blue is not None and blue.workloads == ("web-blue", "web-blue-2") and blue.workload is None
    )
    assert any("web-blue, web-blue-2" in p and "ambiguous" in p for p in group.problems)
    plan = plan_switch(group, actor="alice", now=NOW)
    assert plan.refusal is not None and "ambiguous" in plan.refusal
    with pytest.raises(Refused):
        bluegreen_service.switch_traffic(RecordingGateway(world), plan, dry_run=False)


def test_service_without_selector() -> None:
    services = [service("legacy", None)]
    with pytest.raises(NotBlueGreen, match="has no selector"):
        find_group("legacy", NS, services, [])
    # A Harness primary without a selector is a group with a problem, not a guess.
    world = harness_world()
    world["services"][0] = service("web", None, {"harness.io/primary-service": "true"})
    group = group_of(world)
    assert any("Service web has no selector" in p for p in group.problems)
    assert group.live_color is None
    with pytest.raises(AmbiguousTarget, match="routes to no colour"):
        choose_color(group, None)
    assert plan_switch(group, "blue", actor=None, now=NOW).refusal is not None


def test_two_stage_services_for_one_primary() -> None:
    world = harness_world()
    world["services"].append(
        service(
            "web-stage-2", {"app": "web", HARNESS: "blue"}, {"harness.io/stage-service": "true"}
        )
    )
    group = group_of(world)
    assert any("are all stage Services of web" in p for p in group.problems)


# ---------------------------------------------------------------- target and plan


def test_default_target_is_the_other_side_then_the_record() -> None:
    group = group_of(harness_world())
    color, why = choose_color(group, None)
    assert color == "blue" and "other side of the two-sided group" in why[0]
    with pytest.raises(TargetNotFound, match="no side purple"):
        choose_color(group, "purple")
    noop = plan_switch(group, "green", actor=None, now=NOW)
    assert noop.noop is not None and noop.changes == ()


def test_plan_swaps_primary_and_stage_with_preconditions_and_records() -> None:
    world = harness_world()
    group = group_of(world)
    plan = plan_switch(group, actor="alice", now=NOW)
    assert plan.refusal is None and plan.noop is None
    assert (plan.from_color, plan.to_color) == ("green", "blue")
    stage, primary = plan.changes  # stage first, primary last
    assert (stage.service, stage.from_color, stage.to_color) == ("web-stage", "blue", "green")
    assert (primary.service, primary.from_color, primary.to_color) == ("web", "green", "blue")
    assert primary.pods_after == group.side("blue").ready_pods  # type: ignore[union-attr]
    assert primary.patch[0] == {
        "op": "test",
        "path": "/metadata/resourceVersion",
        "value": world["services"][0]["metadata"]["resourceVersion"],
    }
    assert primary.patch[1] == {
        "op": "replace",
        "path": "/spec/selector",
        "value": {"app": "web", HARNESS: "blue"},
    }
    annotations = primary.patch[2]["value"]
    assert json.loads(annotations[PREVIOUS_SELECTOR_ANNOTATION]) == {"app": "web", HARNESS: "green"}
    assert json.loads(annotations[SWITCH_HISTORY_ANNOTATION]) == [
        {"at": "2024-05-01T12:00:00Z", "from": "green", "to": "blue", "by": "alice"}
    ]
    assert annotations["harness.io/primary-service"] == "true"  # other annotations kept
    doc = documents.traffic_switch_plan(plan)
    assert doc["kind"] == "TrafficSwitchPlan" and doc["apiVersion"] == "kubectl-rollback.io/v1"
    assert [c["service"] for c in doc["changes"]] == ["web-stage", "web"]
    assert doc["group"]["live"] == "green" and doc["group"]["sides"][0]["canTakeTraffic"] is True


def test_refuses_a_side_without_ready_pods_and_says_why() -> None:
    group = group_of(harness_world(live="blue", green_ready=0))
    plan = plan_switch(group, actor=None, now=NOW)
    assert plan.to_color == "green"
    assert plan.refusal is not None
    assert "no Ready pods" in plan.refusal and "0/3 Ready" in plan.refusal
    # Green already runs as many replicas as blue and its pods crash: more cannot help.
    assert "--scale-up (to" not in plan.refusal
    assert (
        "it already runs 3 replicas and its pods are failing (3 CrashLoopBackOff): "
        "--scale-up does not help; fix deployment.apps/web-green (kubectl logs "
        "deployment/web-green) or name another side with --to COLOR"
    ) in plan.refusal
    forced = plan_switch(group, actor=None, now=NOW, force=True)
    assert forced.refusal is not None and "--force and --scale-up do not help" in forced.refusal


def test_a_scaled_down_side_is_told_to_scale_up() -> None:
    world = harness_world(live="blue", green_ready=0)
    green = next(d for d in world["deployments"] if d["metadata"]["name"] == "web-green")
    green["spec"]["replicas"] = 0
    world["pods"] = [p for p in world["pods"] if not p["metadata"]["name"].startswith("web-green")]
    plan = plan_switch(group_of(world), actor=None, now=NOW)
    assert plan.refusal is not None
    assert plan.refusal.endswith("; scale it up first with --scale-up (to 3 replicas)")


def test_fewer_ready_pods_needs_force() -> None:
    group = group_of(harness_world(live="blue", green_ready=1, blue_ready=3))
    refused = plan_switch(group, actor=None, now=NOW)
    assert (
        refused.refusal is not None and "fewer than the 3 of the live side blue" in refused.refusal
    )
    # At full size already: --scale-up is not offered, waiting for the pods is.
    assert "pass --force to switch anyway, or wait until its 3 pods are Ready" in refused.refusal
    assert "--scale-up" not in refused.refusal
    forced = plan_switch(group, actor=None, now=NOW, force=True)
    assert forced.refusal is None and "fewer-ready" in forced.warning_codes()


def test_scale_up_plans_the_live_sides_replicas() -> None:
    a = deployment("api-blue", {"app": "api", "color": "blue"}, replicas=0, ready=0)
    b = deployment("api-green", {"app": "api", "color": "green"}, replicas=4)
    group = find_group("api", NS, [service("api", {"app": "api", "color": "green"})], [a, b])
    plan = plan_switch(group, actor=None, now=NOW, scale_up=True)
    assert plan.refusal is None and plan.scale_up is not None
    assert (plan.scale_up.workload, plan.scale_up.from_replicas, plan.scale_up.to_replicas) == (
        "api-blue",
        0,
        4,
    )
    assert plan.scale_up.patch[0]["op"] == "test"


def test_three_colours_need_the_record_and_use_it() -> None:
    deps = [deployment(f"api-{c}", {"app": "api", "color": c}) for c in ("blue", "green", "red")]
    svc = service("api", {"app": "api", "color": "red"})
    group = find_group("api", NS, [svc], deps)
    with pytest.raises(AmbiguousTarget, match="name the side with --to"):
        choose_color(group, None)
    # Switch green -> red with the tool: the record says green.
    svc["spec"]["selector"]["color"] = "green"
    first = plan_switch(find_group("api", NS, [svc], deps), "red", actor="bob", now=NOW)
    switched = apply_json_patch(svc, [dict(op) for op in first.changes[0].patch])
    color, why = choose_color(find_group("api", NS, [switched], deps), None)
    assert color == "green" and PREVIOUS_SELECTOR_ANNOTATION in why[0]
    # Someone else (a pipeline) switches to blue: the record is stale and ignored.
    switched["spec"]["selector"]["color"] = "blue"
    with pytest.raises(AmbiguousTarget):
        choose_color(find_group("api", NS, [switched], deps), None)


@settings(max_examples=60, deadline=None)
@given(
    colors=st.lists(
        st.sampled_from(["blue", "green", "red", "black", "white"]),
        min_size=2,
        max_size=4,
        unique=True,
    ),
    data=st.data(),
)
def test_switch_then_default_switch_goes_back(colors: list[str], data: st.DataObject) -> None:
    """For any number of colours: a switch records where it came from, and the next default goes
    back."""
    deps = [deployment(f"app-{c}", {"app": "app", "color": c}) for c in colors]
    start = data.draw(st.sampled_from(colors))
    target = data.draw(st.sampled_from([c for c in colors if c != start]))
    svc = service("app", {"app": "app", "color": start})
    hops = data.draw(st.integers(min_value=1, max_value=SWITCH_HISTORY_LIMIT + 3))
    current, expected_back = svc, start
    for _ in range(hops):
        plan = plan_switch(find_group("app", NS, [current], deps), target, actor="ci", now=NOW)
        assert plan.refusal is None
        change = plan.changes[0]
        assert change.patch[0] == {
            "op": "test",
            "path": "/metadata/resourceVersion",
            "value": current["metadata"]["resourceVersion"],
        }
        current = apply_json_patch(current, [dict(op) for op in change.patch])
        current["metadata"]["resourceVersion"] = _next_rv()
        assert current["spec"]["selector"] == {"app": "app", "color": target}
        history = json.loads(current["metadata"]["annotations"][SWITCH_HISTORY_ANNOTATION])
        assert len(history) <= SWITCH_HISTORY_LIMIT and history[-1]["to"] == target
        back, _why = choose_color(find_group("app", NS, [current], deps), None)
        assert back == expected_back
        expected_back, target = target, back


@settings(max_examples=80, deadline=None)
@given(
    live_ready=st.integers(0, 3),
    target_ready=st.integers(0, 4),
    force=st.booleans(),
    scale=st.booleans(),
)
def test_refusal_rule(live_ready: int, target_ready: int, force: bool, scale: bool) -> None:
    world = harness_world(live="green", green_ready=live_ready, blue_ready=target_ready)
    plan = plan_switch(group_of(world), actor=None, now=NOW, force=force, scale_up=scale)
    should_refuse = not scale and (target_ready == 0 or (target_ready < live_ready and not force))
    assert (plan.refusal is not None) == should_refuse


# ---------------------------------------------------------------- execution


class RecordingGateway:
    """Services in memory; JSON patches applied with their tests; chosen patches fail."""

    def __init__(
        self, world: dict[str, list[dict[str, Any]]], fail: dict[str, int] | None = None
    ) -> None:
        self.services = {s["metadata"]["name"]: copy.deepcopy(s) for s in world["services"]}
        self.deployments = copy.deepcopy(world["deployments"])
        self.replicasets = copy.deepcopy(world["replicasets"])
        self.pods = copy.deepcopy(world["pods"])
        self.fail = dict(fail or {})
        self.patches: list[str] = []
        self.events: list[dict[str, Any]] = []

    def list(
        self, resource: Resource, namespace: str | None, *, label_selector: str | None = None
    ) -> list[dict[str, Any]]:
        if resource.plural == "services":
            return copy.deepcopy(list(self.services.values()))
        if resource.plural == "pods":
            wanted = dict(part.split("=", 1) for part in (label_selector or "").split(",") if part)
            return [
                copy.deepcopy(p)
                for p in self.pods
                if all(p["metadata"]["labels"].get(k) == v for k, v in wanted.items())
            ]
        return copy.deepcopy(
            {"deployments": self.deployments, "replicasets": self.replicasets}[resource.plural]
        )

    def get(self, resource: Resource, namespace: str, name: str) -> dict[str, Any]:
        assert resource.plural == "services"
        return copy.deepcopy(self.services[name])

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
        assert resource.plural == "services" and patch_type is PatchType.JSON
        return self.patch_service(namespace, name, body, dry_run=dry_run)

    def patch_service(
        self, namespace: str, name: str, json_patch: list[dict[str, Any]], *, dry_run: bool
    ) -> dict[str, Any]:
        """The Services' JSON patches (a test may replace this one to make some fail)."""
        self.patches.append(name)
        if self.fail.get(name, 0) > 0:
            self.fail[name] -= 1
            from kubectl_rollback.core.errors import RollbackError

            raise RollbackError("Internal error occurred: injected failure")
        patched = apply_json_patch(self.services[name], json_patch)
        patched["metadata"]["resourceVersion"] = _next_rv()
        if not dry_run:
            self.services[name] = patched
        return copy.deepcopy(patched)

    def create(self, resource: Resource, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        self.events.append(body)
        return body

    def whoami(self) -> str | None:
        return "alice"


def test_switch_applies_every_service_and_records_events() -> None:
    gw = RecordingGateway(harness_world())
    plan = bluegreen_service.prepare_switch(gw, NS, "web", now=NOW)  # type: ignore[arg-type]
    result = bluegreen_service.switch_traffic(gw, plan, dry_run=False)  # type: ignore[arg-type]
    assert result.applied and gw.patches == ["web-stage", "web"]
    assert gw.services["web"]["spec"]["selector"][HARNESS] == "blue"
    assert gw.services["web-stage"]["spec"]["selector"][HARNESS] == "green"
    assert result.message.splitlines() == [
        "service/web-stage switched from blue to green",
        "service/web switched from green to blue",
    ]
    assert result.events_recorded == 2 and gw.events[0]["reason"] == "TrafficSwitched"
    assert documents.traffic_switch_result(result)["kind"] == "TrafficSwitchResult"
    history = bluegreen_service.switch_history(bluegreen_service.load_group(gw, NS, "web"))  # type: ignore[arg-type]
    assert {(r.service, r.from_color, r.to_color, r.by) for r in history} == {
        ("web", "green", "blue", "alice"),
        ("web-stage", "blue", "green", "alice"),
    }


def test_second_service_failure_puts_the_first_back() -> None:
    world = harness_world()
    gw = RecordingGateway(world, fail={"web": 1})
    before = copy.deepcopy(gw.services)
    plan = bluegreen_service.prepare_switch(gw, NS, "web", now=NOW)  # type: ignore[arg-type]
    with pytest.raises(SwitchFailed) as caught:
        bluegreen_service.switch_traffic(gw, plan, dry_run=False)  # type: ignore[arg-type]
    assert gw.patches == ["web-stage", "web", "web-stage"]
    for name in ("web", "web-stage"):
        assert gw.services[name]["spec"] == before[name]["spec"]
        assert (
            gw.services[name]["metadata"]["annotations"] == before[name]["metadata"]["annotations"]
        )
    message = str(caught.value)
    assert "switching service/web from green to blue failed" in message
    assert "service/web-stage was put back, so no traffic was moved" in message
    assert "service/web routes to app=web,harness.io/color=green (unchanged)" in message
    assert "service/web-stage routes to app=web,harness.io/color=blue (unchanged)" in message


def test_when_putting_back_fails_too_the_message_says_how_to_fix_it() -> None:
    gw = RecordingGateway(harness_world(), fail={"web": 1})
    plan = bluegreen_service.prepare_switch(gw, NS, "web", now=NOW)  # type: ignore[arg-type]
    original = gw.patch_service

    def failing_restore(
        namespace: str, name: str, patch: list[dict[str, Any]], *, dry_run: bool
    ) -> dict[str, Any]:
        if len(gw.patches) >= 2:
            gw.patches.append(name)
            raise Invalid("the server rejected our request")
        return original(namespace, name, patch, dry_run=dry_run)

    gw.patch_service = failing_restore  # type: ignore[method-assign]
    with pytest.raises(SwitchFailed) as caught:
        bluegreen_service.switch_traffic(gw, plan, dry_run=False)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "could not put service/web-stage back" in message
    assert "kubectl patch service web-stage" in message
    assert "service/web-stage routes to app=web,harness.io/color=green (changed)" in message


def test_changed_service_is_a_conflict_with_nothing_applied() -> None:
    gw = RecordingGateway(harness_world())
    plan = bluegreen_service.prepare_switch(gw, NS, "web", now=NOW)  # type: ignore[arg-type]
    gw.services["web-stage"]["metadata"]["resourceVersion"] = "999999"
    with pytest.raises(Conflict, match="changed since the plan was made.*nothing was applied"):
        bluegreen_service.switch_traffic(gw, plan, dry_run=False)  # type: ignore[arg-type]
    assert gw.services["web"]["spec"]["selector"][HARNESS] == "green"


# ---------------------------------------------------------------- Deployments


def test_deployment_plan_warning_for_each_side() -> None:
    world = harness_world()
    groups = detect_groups(NS, world["services"], world["deployments"])
    idle = deployment_group_warning("web-blue", groups)
    live = deployment_group_warning("web-green", groups)
    assert idle is not None and idle.code == "blue-green"
    assert idle.message == (
        "web-blue is the idle side of blue/green group web (Services web, web-stage); "
        "to route traffic back use kubectl rollback svc/web"
    )
    assert live is not None and "web-green is the live side" in live.message
    assert deployment_group_warning("db", groups) is None
