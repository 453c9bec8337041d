"""The blue/green scenarios: Harness pair after a bad swap, generic pair, half-configured Services;
Endpoints follow."""

from __future__ import annotations

import pytest

from kubectl_rollback.sim import scenarios
from kubectl_rollback.sim.cluster import SimCluster
from kubectl_rollback.sim.resources import BY_KIND
from kubectl_rollback.sim.world import new_cluster

COLOR = "harness.io/color"


@pytest.fixture(scope="module")
def cluster() -> SimCluster:
    built = new_cluster()
    scenarios.load("bluegreen", built)
    return built


def addresses(
    cluster: SimCluster, name: str, field: str = "addresses", ns: str = "default"
) -> set[str]:
    endpoints = cluster.get("endpoints", ns, name)
    return {
        a["targetRef"]["name"] for s in endpoints.get("subsets") or () for a in s.get(field) or ()
    }


def test_listed_with_a_description() -> None:
    assert "bluegreen" in scenarios.names()
    assert "Harness-style" in scenarios.description("bluegreen")


def test_harness_pair_after_the_swap_to_a_bad_green(cluster: SimCluster) -> None:
    web, stage = (
        cluster.get("services", "default", "web"),
        cluster.get("services", "default", "web-stage"),
    )
    assert web["metadata"]["annotations"] == {"harness.io/primary-service": "true"}
    assert stage["metadata"]["annotations"] == {"harness.io/stage-service": "true"}
    assert web["spec"]["selector"] == {"app": "web", COLOR: "green"}
    assert stage["spec"]["selector"] == {"app": "web", COLOR: "blue"}
    assert addresses(cluster, "web") == set()
    assert len(addresses(cluster, "web", "notReadyAddresses")) == 3
    assert {p.rsplit("-", 2)[0] for p in addresses(cluster, "web-stage")} == {"web-blue"}
    assert cluster.get("deployments", "default", "web-blue")["status"]["readyReplicas"] == 3


def test_generic_pair_and_half_configured_services(cluster: SimCluster) -> None:
    assert cluster.get("services", "default", "api")["spec"]["selector"] == {
        "app": "api",
        "color": "green",
    }
    assert cluster.get("deployments", "default", "api-blue")["spec"]["replicas"] == 0
    assert {p.rsplit("-", 2)[0] for p in addresses(cluster, "api")} == {"api-green"}
    assert addresses(cluster, "orders") == set()  # color=red matches nothing
    assert "selector" not in cluster.get("services", "default", "legacy")["spec"]


def test_endpoints_follow_a_selector_change() -> None:
    fresh = new_cluster()
    scenarios.load("bluegreen", fresh)
    fresh.store.mutate(
        BY_KIND["Service"],
        "default",
        "web",
        lambda s: s["spec"]["selector"].update({COLOR: "blue"}),
    )
    fresh.settle()
    ready = addresses(fresh, "web")
    assert len(ready) == 3 and all(p.startswith("web-blue-") for p in ready)


def test_demo_has_a_harness_pair_in_shop() -> None:
    demo = new_cluster()
    scenarios.load("demo", demo)
    assert demo.get("services", "shop", "storefront")["spec"]["selector"][COLOR] == "green"
    assert demo.get("services", "shop", "storefront-stage")["spec"]["selector"][COLOR] == "blue"
    assert {p.rsplit("-", 2)[0] for p in addresses(demo, "storefront-stage", ns="shop")} == {
        "storefront-blue"
    }
    assert addresses(demo, "storefront", ns="shop") == set()


def test_every_description_is_its_docstrings_first_paragraph_on_one_line() -> None:
    assert {name: scenarios.description(name) for name in scenarios.names()} == {
        "bluegreen": "Blue/green groups in namespace `default`: a Harness-style pair after a bad "
        "swap, a generic pair, a broken one.",
        "demo": "A shop in namespace `shop` whose workloads show every history rollback cares "
        "about.",
        "empty": "An empty cluster: only the default namespaces (default, kube-system, "
        "kube-public, kube-node-lease).",
        "releases": "Releases in namespace `shop` with their tools' own records: a Harness "
        "release of three workloads whose last deploy failed, and a Helm release after two "
        "upgrades.",
    }
