"""The kubernetes Python client (typed API classes, errors, watch) against the simulated cluster."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from kubectl_rollback.sim import RunningCluster
from tests.sim.rawapi import configmap, deployment


def test_typed_crud_and_patches(api_client: Any) -> None:
    apps = client.AppsV1Api(api_client)
    core = client.CoreV1Api(api_client)
    created = apps.create_namespaced_deployment("default", deployment("web", replicas=2))
    assert created.metadata.generation == 1 and created.spec.replicas == 2
    read = apps.read_namespaced_deployment("web", "default")
    assert read.spec.template.spec.containers[0].image == "nginx:1.25"
    listed = apps.list_namespaced_deployment("default", label_selector="app=web")
    assert [d.metadata.name for d in listed.items] == ["web"]
    # A dict body is sent as a strategic merge patch, a list as a JSON patch.
    patched = apps.patch_namespaced_deployment(
        "web",
        "default",
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.26"}]}}}},
    )
    assert patched.spec.template.spec.containers[0].image == "nginx:1.26"
    patched = apps.patch_namespaced_deployment(
        "web", "default", [{"op": "replace", "path": "/spec/replicas", "value": 3}]
    )
    assert patched.spec.replicas == 3
    scale = apps.patch_namespaced_deployment_scale("web", "default", {"spec": {"replicas": 1}})
    assert scale.spec.replicas == 1 and scale.status.selector == "app=web"
    read.spec.replicas = 5
    with pytest.raises(ApiException) as stale:
        apps.replace_namespaced_deployment("web", "default", read)
    assert (stale.value.status, stale.value.reason) == (409, "Conflict")
    assert json.loads(stale.value.body)["reason"] == "Conflict"
    for _ in range(
        10
    ):  # read-modify-write, retried on conflict as clients do: the controllers write too
        fresh = apps.read_namespaced_deployment("web", "default")
        fresh.spec.replicas = 4
        try:
            replaced = apps.replace_namespaced_deployment("web", "default", fresh)
            break
        except ApiException as exc:
            assert exc.status == 409
    assert replaced.spec.replicas == 4
    status = apps.delete_namespaced_deployment("web", "default", propagation_policy="Foreground")
    assert status["status"] == "Success"  # delete_* returns the raw Status
    assert core.list_namespace().items[0].metadata.name == "default"


def test_errors_arrive_as_api_exceptions(api_client: Any) -> None:
    apps = client.AppsV1Api(api_client)
    core = client.CoreV1Api(api_client)
    with pytest.raises(ApiException) as missing:
        apps.read_namespaced_deployment("ghost", "default")
    assert (missing.value.status, missing.value.reason) == (404, "Not Found")
    assert json.loads(missing.value.body)["reason"] == "NotFound"
    core.create_namespaced_config_map("default", configmap("c"))
    with pytest.raises(ApiException) as exists:
        core.create_namespaced_config_map("default", configmap("c"))
    assert exists.value.status == 409 and json.loads(exists.value.body)["reason"] == "AlreadyExists"
    with pytest.raises(ApiException) as invalid:
        core.patch_namespaced_config_map(
            "c", "default", [{"op": "test", "path": "/data/k", "value": "x"}]
        )
    assert invalid.value.status == 422 and json.loads(invalid.value.body)["reason"] == "Invalid"


def test_forbidden_and_unauthorized(sim: RunningCluster, api_client: Any) -> None:
    core = client.CoreV1Api(api_client)
    sim.cluster.authorizer = lambda verb, group, plural, ns, name: verb != "list"
    with pytest.raises(ApiException) as forbidden:
        core.list_namespaced_pod("default")
    assert (
        forbidden.value.status == 403 and json.loads(forbidden.value.body)["reason"] == "Forbidden"
    )
    sim.cluster.authorizer = lambda *args: True
    sim.cluster.required_token = "another-token"
    with pytest.raises(ApiException) as unauthorized:
        core.list_namespaced_pod("default")
    assert unauthorized.value.status == 401


def test_watch_stream(sim: RunningCluster, api_client: Any) -> None:
    core = client.CoreV1Api(api_client)
    core.create_namespaced_config_map("default", configmap("a"))
    seen: list[tuple[str, str]] = []
    ready = threading.Event()

    def writer() -> None:
        ready.wait(5)
        core.patch_namespaced_config_map("a", "default", {"data": {"k": "2"}})
        core.delete_namespaced_config_map("a", "default")

    thread = threading.Thread(target=writer)
    thread.start()
    w = watch.Watch()
    for event in w.stream(core.list_namespaced_config_map, "default", timeout_seconds=5):
        seen.append((event["type"], event["object"].metadata.name))
        ready.set()
        if event["type"] == "DELETED":
            w.stop()
    thread.join()
    assert seen == [("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a")]


def test_raw_list_for_all_namespaces(api_client: Any) -> None:
    core = client.CoreV1Api(api_client)
    core.create_namespace({"metadata": {"name": "other"}})
    core.create_namespaced_config_map("other", configmap("x"))
    core.create_namespaced_config_map("default", configmap("y"))
    resp = core.list_config_map_for_all_namespaces(_preload_content=False)
    body = json.loads(resp.data)
    assert body["kind"] == "ConfigMapList" and body["apiVersion"] == "v1"
    assert [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in body["items"]] == [
        ("default", "y"),
        ("other", "x"),
    ]
