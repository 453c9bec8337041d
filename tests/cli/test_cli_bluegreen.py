"""`kubectl rollback svc/x ...`: blue/green rapid rollback against the simulated cluster, checked
with kubectl."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import yaml

from kubectl_rollback.sim import RunningCluster
from tests.cli.cli_support import CliResult

BLUEGREEN = pytest.mark.parametrize("sim", ["bluegreen"], indirect=True)
"""The scenario of sim/scenarios/bluegreen.py (Harness pair web, generic api, half-configured
orders)."""

COLOR = "harness.io/color"


def _selector(sim: RunningCluster, name: str) -> dict[str, str]:
    return dict(sim.cluster.get("services", "default", name)["spec"]["selector"])


def _endpoint_pods(sim: RunningCluster, name: str) -> set[str]:
    endpoints = sim.cluster.get("endpoints", "default", name)
    return {
        a["targetRef"]["name"]
        for s in endpoints.get("subsets") or ()
        for a in s.get("addresses") or ()
    }


@BLUEGREEN
def test_rapid_rollback_swaps_primary_and_stage(
    sim: RunningCluster, cli: Callable[..., CliResult], kubectl: object
) -> None:
    assert _selector(sim, "web")[COLOR] == "green" and _endpoint_pods(sim, "web") == set()

    preview = cli("svc/web", "--dry-run")
    assert preview.code == 0, preview.err
    assert (
        "service/web (primary): app=web,harness.io/color=green -> app=web,harness.io/color=blue"
        in preview.out
    )
    assert "blue is the other side of the two-sided group" in preview.out
    assert "service/web switched from green to blue (dry run)" in preview.out
    assert _selector(sim, "web")[COLOR] == "green", "a dry run changed the Service"

    server = cli("svc/web", "--dry-run=server", "-o", "json")
    assert server.code == 0, server.err
    doc = json.loads(server.out)
    assert doc["kind"] == "TrafficSwitchResult" and doc["dryRun"] is True
    assert doc["outcome"] == "ServerDryRun" and doc["applied"] is False
    assert doc["plan"]["kind"] == "TrafficSwitchPlan" and doc["plan"]["to"] == "blue"
    assert _selector(sim, "web")[COLOR] == "green", "a server dry run changed the Service"

    done = cli("svc/web", "--yes")
    assert done.code == 0, done.err
    assert "service/web-stage switched from blue to green" in done.out
    assert "service/web switched from green to blue" in done.out
    sim.cluster.settle()

    # Real kubectl sees the new selectors, our records, and Endpoints that follow them.
    svc = yaml.safe_load(kubectl.ok("get", "svc", "web", "-o", "yaml"))  # type: ignore[attr-defined]
    assert svc["spec"]["selector"] == {"app": "web", COLOR: "blue"}
    annotations = svc["metadata"]["annotations"]
    assert json.loads(annotations["kubectl-rollback.io/previous-selector"]) == {
        "app": "web",
        COLOR: "green",
    }
    history = json.loads(annotations["kubectl-rollback.io/switch-history"])
    assert [(h["from"], h["to"]) for h in history] == [("green", "blue")]
    stage = yaml.safe_load(kubectl.ok("get", "svc", "web-stage", "-o", "yaml"))  # type: ignore[attr-defined]
    assert stage["spec"]["selector"] == {"app": "web", COLOR: "green"}
    endpoints = json.loads(kubectl.ok("get", "endpoints", "web", "-o", "json"))  # type: ignore[attr-defined]
    names = {a["targetRef"]["name"] for s in endpoints["subsets"] for a in s.get("addresses", [])}
    assert len(names) == 3 and all(n.startswith("web-blue-") for n in names)
    table = kubectl.ok("get", "endpoints", "web")  # type: ignore[attr-defined]
    assert "10.244." in table.splitlines()[1]
    events = [
        e for e in sim.cluster.list("events", "default") if e.get("reason") == "TrafficSwitched"
    ]
    assert {e["involvedObject"]["name"] for e in events} == {"web", "web-stage"}

    shown = cli("history", "svc/web")
    assert shown.code == 0, shown.err
    assert "previously live (kubectl-rollback record): green" in shown.out
    assert any(
        line.split()[1:4] == ["web", "green", "blue"]
        for line in shown.out.splitlines()
        if line.strip().startswith("20")
    )
    as_json = json.loads(cli("history", "svc/web", "-o", "json").out)
    assert as_json["kind"] == "TrafficSwitchHistory" and as_json["group"]["live"] == "blue"
    assert {(s["service"], s["to"]) for s in as_json["switches"]} == {
        ("web", "blue"),
        ("web-stage", "green"),
    }

    # Back again is refused: the side the record points to (green) has no Ready pods.
    again = cli("svc/web", "--yes")
    assert again.code == 1
    assert "refusing to route traffic to green: it has no Ready pods" in again.err
    assert _selector(sim, "web")[COLOR] == "blue"


@BLUEGREEN
def test_refuses_a_side_without_ready_pods(
    sim: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    before = sim.cluster.get("services", "default", "api")["metadata"]["resourceVersion"]
    result = cli("svc/api", "--yes")
    assert result.code == 1
    assert (
        "error: refusing to route traffic to blue: it has no Ready pods (api-blue: 0/0 Ready)"
        in result.err
    )
    assert "--scale-up" in result.err
    # Said once: the plan on stdout, the refusal as the one error line.
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert "Refused" not in result.out and "refusing" not in result.out, result.out
    assert "Blue/green rollback plan for service/api" in result.out
    service = sim.cluster.get("services", "default", "api")
    assert service["metadata"]["resourceVersion"] == before
    assert service["spec"]["selector"]["color"] == "green"


@BLUEGREEN
def test_scale_up_then_switch(
    sim: RunningCluster, cli: Callable[..., CliResult], ticking: Callable[[], None]
) -> None:
    ticking()
    result = cli("svc/api", "--scale-up", "--yes", "--timeout", "2m")
    assert result.code == 0, result.err
    assert "deployment.apps/api-blue scaled to 2" in result.out
    assert "Waiting for deployment.apps/api-blue (blue): 2 of 2 pods Ready" in result.out
    assert result.out.index("2 of 2 pods Ready") < result.out.index(
        "service/api switched from green to blue"
    )
    assert sim.cluster.get("deployments", "default", "api-blue")["spec"]["replicas"] == 2
    assert _selector(sim, "api")["color"] == "blue"
    sim.cluster.settle()
    pods = _endpoint_pods(sim, "api")
    assert len(pods) == 2 and all(p.startswith("api-blue-") for p in pods)


@BLUEGREEN
def test_scale_up_that_never_gets_ready_times_out_without_switching(
    sim: RunningCluster, cli: Callable[..., CliResult], ticking: Callable[[], None]
) -> None:
    sim.cluster.store.mutate(
        _rt("deployments"),
        "default",
        "api-blue",
        lambda d: d["spec"]["template"]["spec"]["containers"][0].update(
            image="registry.example.com/api:broken-1"
        ),
    )
    ticking()
    result = cli("svc/api", "--scale-up", "--yes", "--timeout", "1s")
    assert result.code == 4
    assert (
        "timed out waiting for deployment.apps/api-blue (blue) to have 2 Ready pods" in result.err
    )
    assert "traffic was not switched" in result.err
    assert _selector(sim, "api")["color"] == "green"


@BLUEGREEN
def test_second_service_failure_restores_the_first(
    sim: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    before = {name: sim.cluster.get("services", "default", name) for name in ("web", "web-stage")}
    # The stage Service is switched first, the primary last: fail the primary's patch.
    sim.cluster.store.inject_failure(
        "patch", "services", "web", 500, "InternalError", "etcd is on fire"
    )
    result = cli("svc/web", "--yes")
    assert result.code == 1
    err = " ".join(result.err.split())
    assert "switching service/web from green to blue failed: etcd is on fire" in err
    assert "service/web-stage was put back, so no traffic was moved" in err
    assert "service/web routes to app=web,harness.io/color=green (unchanged)" in err
    assert "service/web-stage routes to app=web,harness.io/color=blue (unchanged)" in err
    for name, old in before.items():
        now = sim.cluster.get("services", "default", name)
        assert now["spec"]["selector"] == old["spec"]["selector"]
        assert (now["metadata"].get("annotations") or {}) == (
            old["metadata"].get("annotations") or {}
        )
    sim.cluster.settle()
    assert all(p.startswith("web-blue-") for p in _endpoint_pods(sim, "web-stage"))


@BLUEGREEN
def test_to_colour_and_half_configured_groups(
    sim: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    unknown = cli("svc/web", "--to", "purple", "--dry-run")
    assert unknown.code == 1 and "has no side purple (sides: blue, green)" in unknown.err
    same = cli("svc/web", "--to", "green", "--yes")
    assert same.code == 0 and "service/web already routes to green: nothing to switch" in same.out

    orders = cli("svc/orders", "--dry-run")
    assert orders.code == 1
    assert "matches no Deployment" in orders.err and "--to COLOR" in orders.err
    shown = cli("history", "svc/orders")
    assert (
        "the selector of Service orders (app=orders,color=red) matches no Deployment" in shown.out
    )
    fixed = cli("svc/orders", "--to", "blue", "--yes", "-o", "json")
    assert fixed.code == 0, fixed.err
    assert json.loads(fixed.out)["services"][0]["selector"] == {"app": "orders", "color": "blue"}

    legacy = cli("svc/legacy", "--yes")
    assert legacy.code == 1 and "has no selector" in legacy.err
    missing = cli("svc/nope", "--yes")
    assert missing.code == 1 and 'services "nope" not found' in missing.err
    bad = cli("svc/web", "--to-revision", "2")
    assert bad.code == 2 and "--to-revision does not apply to a Service" in bad.err
    deploy = cli("deploy/web-blue", "--force")
    assert deploy.code == 2


@BLUEGREEN
def test_deployment_plan_mentions_its_group(
    sim: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    for name, image in (("web-green", "nginx:crash-1.27.1"), ("web-blue", "nginx:1.25.4")):
        sim.cluster.store.mutate(
            _rt("deployments"),
            "default",
            name,
            lambda d, image=image: d["spec"]["template"]["spec"]["containers"][0].update(
                image=image
            ),
        )
        sim.cluster.advance(30)
    for name, side in (("web-green", "live"), ("web-blue", "idle")):
        result = cli(f"deploy/{name}", "--to-revision", "1", "--dry-run", "-o", "json")
        assert result.code == 0, result.err
        warnings = {w["code"]: w["message"] for w in json.loads(result.out)["plan"]["warnings"]}
        assert (
            f"{name} is the {side} side of blue/green group web (Services web, web-stage)"
            in warnings["blue-green"]
        )
        assert "kubectl rollback svc/web" in warnings["blue-green"]


def _rt(plural: str):  # type: ignore[no-untyped-def]
    from kubectl_rollback.sim.resources import RESOURCE_TYPES

    return next(rt for rt in RESOURCE_TYPES if rt.plural == plural)


@pytest.mark.parametrize("sim", ["empty"], indirect=True)
def test_demo_shows_blue_green(cli: Callable[..., CliResult]) -> None:
    result = cli("--demo", "svc/storefront", "--dry-run")
    assert result.code == 0, result.err
    assert "from  green   to  blue" in result.out
    assert "service/storefront switched from green to blue (dry run)" in result.out
