"""LISTs by label selector and paged LISTs, on both clusters.

A relabelled or deleted object leaves the selectors it no longer matches (the simulated
cluster indexes labels to answer an equality selector). A paged LIST is one snapshot: every
page carries the first page's resourceVersion and shows the collection as it was then,
whatever changes between pages (as etcd serves a continue token at its revision); kubectl's
raw GET is the client. On the simulated cluster, the pages are cut from that one snapshot
(no page lists again)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from kubectl_rollback.sim import RunningCluster
from tests.clusters import TestCluster
from tests.sim.rawapi import RawApi, configmap


def _names(page: dict[str, Any]) -> list[str]:
    return [o["metadata"]["name"] for o in page["items"]]


def test_the_pages_of_a_list_are_one_snapshot(cluster: TestCluster) -> None:
    kubectl = cluster.kubectl()
    for i in range(5):
        cluster.apply(configmap(f"c{i}", data={"v": "1"}, labels={"set": "paged"}))
    base = f"/api/v1/namespaces/{cluster.namespace}/configmaps"

    def page(query: str, selector: bool = False) -> dict[str, Any]:
        query += "&labelSelector=set%3Dpaged" if selector else ""
        doc: dict[str, Any] = json.loads(kubectl.ok("get", "--raw", f"{base}?{query}"))
        assert doc["kind"] == "ConfigMapList"
        return doc

    # The API server counts what is left only when no selector filters the list (a real
    # namespace also holds kube-root-ca.crt, after our names).
    assert page("limit=2")["metadata"]["remainingItemCount"] == cluster_extra(cluster) + 3
    first = page("limit=2", selector=True)
    assert _names(first) == ["c0", "c1"] and "remainingItemCount" not in first["metadata"]
    version = first["metadata"]["resourceVersion"]
    # The collection changes between the pages: one object modified, one deleted, one created
    # where the pages still to come would show it.
    cluster.apply(configmap("c2", data={"v": "2"}, labels={"set": "paged"}))
    kubectl.ok("delete", "configmap", "c3")
    cluster.apply(configmap("c1a", data={"v": "1"}, labels={"set": "paged"}))

    second = page(f"limit=2&continue={quote(first['metadata']['continue'])}", selector=True)
    third = page(f"limit=2&continue={quote(second['metadata']['continue'])}", selector=True)
    assert [p["metadata"]["resourceVersion"] for p in (second, third)] == [version, version]
    assert _names(second) == ["c2", "c3"]
    assert second["items"][0]["data"] == {"v": "1"}  # as it was at the first page
    assert _names(third) == ["c4"] and not third["metadata"].get("continue")
    # A new list sees the changes.
    now = page("limit=500", selector=True)
    assert _names(now) == ["c0", "c1", "c1a", "c2", "c4"]
    assert int(now["metadata"]["resourceVersion"]) > int(version)


def cluster_extra(cluster: TestCluster) -> int:
    """ConfigMaps a namespace holds before the test writes any (kube-root-ca.crt, on a real
    cluster, whose controller may publish it a moment after the namespace is made)."""
    if cluster.name != "real":
        return 0
    cluster.wait_for(lambda: cluster.get("configmaps", "kube-root-ca.crt"), "kube-root-ca.crt")
    return 1


def test_pages_are_cut_from_the_first_pages_snapshot(sim: RunningCluster, http: RawApi) -> None:
    """Paging lists the collection once, however the store changes between pages (it used
    to sort and filter everything again for every page once anything had changed)."""
    for i in range(40):
        http.post("/api/v1/namespaces/default/configmaps", configmap(f"c{i:02d}"))
    store = sim.cluster.store
    listed: list[str] = []
    real_list = store.list

    def counting_list(*args: Any, **kwargs: Any) -> Any:
        listed.append("list")
        return real_list(*args, **kwargs)

    store.list = counting_list  # type: ignore[method-assign]
    seen: list[str] = []
    token = ""
    for turn in range(20):
        doc = http.get(
            "/api/v1/namespaces/default/configmaps?limit=4"
            + (f"&continue={quote(token)}" if token else "")
        ).json
        seen += _names(doc)
        http.post("/api/v1/namespaces/default/configmaps", configmap(f"new-{turn:02d}"))
        token = doc["metadata"].get("continue", "")
        if not token:
            break
    assert seen == [f"c{i:02d}" for i in range(40)]
    assert listed == ["list"]


def test_a_continue_token_past_compaction_is_expired(sim: RunningCluster, http: RawApi) -> None:
    for i in range(3):
        http.post("/api/v1/namespaces/default/configmaps", configmap(f"c{i}"))
    first = http.get("/api/v1/namespaces/default/configmaps?limit=1").json
    http.post("/api/v1/namespaces/default/configmaps", configmap("later"))
    sim.cluster.store.compact()
    resp = http.get(
        "/api/v1/namespaces/default/configmaps?limit=1&continue="
        + quote(first["metadata"]["continue"])
    )
    assert resp.status == 410 and resp.json["reason"] == "Expired", resp.body
    assert "too old to display a consistent list" in resp.json["message"]


def test_a_relabelled_or_deleted_object_leaves_the_selectors_it_no_longer_matches(
    cluster: TestCluster,
) -> None:
    kubectl = cluster.kubectl()
    for name, labels in (
        ("a1", {"app": "a", "tier": "web"}),
        ("a2", {"app": "a", "tier": "db"}),
        ("b1", {"app": "b", "tier": "web"}),
        ("b2", {"app": "b"}),
        ("n1", {}),
    ):
        cluster.apply(configmap(name, labels=labels))
    cluster.apply(configmap("a2", labels={"app": "b", "tier": "db"}))  # a2 moves from a to b
    cluster.apply(configmap("b1", labels={"app": "b"}))  # b1 loses its tier
    kubectl.ok("delete", "configmap", "a1", "b2")
    cluster.apply(configmap("a1", labels={"app": "c"}))  # made again, another app

    def names(selector: str) -> list[str]:
        out = kubectl.ok("get", "configmaps", "-l", selector, "-o", "name")
        return [line.removeprefix("configmap/") for line in out.split()]

    assert names("app=a") == []
    assert names("app=b") == ["a2", "b1"]
    assert names("app==b,tier=db") == ["a2"]
    assert names("app=b,tier!=db") == ["b1"]
    assert names("tier=web") == []
    assert names("app in (a,c)") == ["a1"]
    assert names("app") == ["a1", "a2", "b1"]
