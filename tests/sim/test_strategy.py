"""Admission: defaults, generation, status handling and validation messages of the API server."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_rollback.sim.cluster import SimCluster
from kubectl_rollback.sim.errors import ApiError
from kubectl_rollback.sim.resources import BY_KIND
from kubectl_rollback.sim.strategy import default_image_pull_policy
from kubectl_rollback.sim.world import new_cluster

DEPLOYMENT = BY_KIND["Deployment"]


@pytest.fixture
def cluster() -> SimCluster:
    return new_cluster()


def web(**spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}, "creationTimestamp": None},
            "spec": {
                "containers": [
                    {"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80}]}
                ]
            },
        },
    }
    body.update(spec)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": body,
    }


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.25", "IfNotPresent"),
        ("localhost:5000/app", "Always"),
        ("localhost:5000/app:1", "IfNotPresent"),
        ("nginx@sha256:abc", "IfNotPresent"),
    ],
)
def test_image_pull_policy_default(image: str, policy: str) -> None:
    assert default_image_pull_policy(image) == policy


def test_deployment_defaults(cluster: SimCluster) -> None:
    d = cluster.store.create(DEPLOYMENT, web())
    spec = d["spec"]
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
    }
    assert spec["revisionHistoryLimit"] == 10 and spec["progressDeadlineSeconds"] == 600
    template = spec["template"]
    assert "creationTimestamp" not in template["metadata"]
    pod = template["spec"]
    assert (pod["restartPolicy"], pod["dnsPolicy"], pod["schedulerName"]) == (
        "Always",
        "ClusterFirst",
        "default-scheduler",
    )
    assert pod["securityContext"] == {} and pod["terminationGracePeriodSeconds"] == 30
    container = pod["containers"][0]
    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert container["terminationMessagePolicy"] == "File"
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["resources"] == {}
    assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert d["metadata"]["generation"] == 1
    assert d["status"] == {}


def test_generation_and_status_preservation(cluster: SimCluster) -> None:
    store = cluster.store
    d = store.create(DEPLOYMENT, web())
    d["status"] = {"observedGeneration": 7}
    d = store.update(DEPLOYMENT, d)
    assert d["status"] == {} and d["metadata"]["generation"] == 1  # main writes keep status
    d["spec"]["replicas"] = 3
    d = store.update(DEPLOYMENT, d)
    assert d["metadata"]["generation"] == 2
    d["metadata"]["annotations"] = {"note": "x"}
    d = store.update(DEPLOYMENT, d)
    assert d["metadata"]["generation"] == 3  # like the real Deployment strategy
    d["spec"]["replicas"] = 9
    d["status"] = {"observedGeneration": 3}
    d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "1"
    d = store.update(DEPLOYMENT, d, subresource="status")
    assert d["spec"]["replicas"] == 3 and d["status"] == {"observedGeneration": 3}
    assert d["metadata"]["generation"] == 3
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"


def test_validation_messages(cluster: SimCluster) -> None:
    store = cluster.store
    body = web()
    del body["spec"]["selector"]
    with pytest.raises(ApiError) as err:
        store.create(DEPLOYMENT, body)
    assert err.value.code == 422 and err.value.reason == "Invalid"
    assert "spec.selector: Required value" in err.value.message

    body = web(selector={"matchLabels": {"app": "other"}})
    with pytest.raises(ApiError) as err:
        store.create(DEPLOYMENT, body)
    assert (
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: '
        "`selector` does not match template `labels`"
    ) in err.value.message

    body = web()
    body["spec"]["template"]["spec"]["containers"] = []
    with pytest.raises(ApiError) as err:
        store.create(DEPLOYMENT, body)
    assert "spec.template.spec.containers: Required value" in err.value.message

    with pytest.raises(ApiError) as err:
        store.create(DEPLOYMENT, web(replicas=-1))
    assert (
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0" in err.value.message
    )

    d = store.create(DEPLOYMENT, web())
    d["spec"]["selector"] = {"matchLabels": {"app": "web", "tier": "x"}}
    d["spec"]["template"]["metadata"]["labels"]["tier"] = "x"
    with pytest.raises(ApiError) as err:
        store.update(DEPLOYMENT, d)
    assert err.value.message.endswith("field is immutable")
    assert err.value.message.startswith(
        'Deployment.apps "web" is invalid: spec.selector: Invalid value: '
        'v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"x"}'
    )


def test_service_namespace_and_replica_set_defaults(cluster: SimCluster) -> None:
    store = cluster.store
    svc = store.create(
        BY_KIND["Service"],
        {
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
        },
    )
    spec = svc["spec"]
    assert spec["type"] == "ClusterIP" and spec["sessionAffinity"] == "None"
    assert spec["clusterIP"].startswith("10.9") and spec["clusterIPs"] == [spec["clusterIP"]]
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    other = store.create(
        BY_KIND["Service"],
        {"metadata": {"name": "api", "namespace": "default"}, "spec": {"ports": [{"port": 80}]}},
    )
    assert other["spec"]["clusterIP"] != spec["clusterIP"]
    allocated = spec["clusterIP"]
    svc["spec"]["clusterIP"] = ""
    assert store.update(BY_KIND["Service"], svc)["spec"]["clusterIP"] == allocated
    assert cluster.get("namespaces", None, "default")["status"] == {"phase": "Active"}
    ns = store.create(BY_KIND["Namespace"], {"metadata": {"name": "shop"}})
    assert ns["status"] == {"phase": "Active"}
    rs = store.create(
        BY_KIND["ReplicaSet"],
        {
            "metadata": {"name": "rs", "namespace": "shop"},
            "spec": {
                "selector": {"matchLabels": {"a": "b"}},
                "template": {
                    "metadata": {"labels": {"a": "b"}},
                    "spec": {"containers": [{"name": "c", "image": "busybox"}]},
                },
            },
        },
    )
    assert rs["status"] == {"replicas": 0} and rs["spec"]["replicas"] == 1
    assert rs["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == "Always"
