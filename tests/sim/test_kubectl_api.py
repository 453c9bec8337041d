"""The real kubectl (1.27 and 1.33) against the simulated API server: reads, writes, watch, auth.

Controller-dependent behaviour (rollout status, history, undo) is tested with the controllers.
"""

from __future__ import annotations

import json

from kubectl_rollback.sim import RunningCluster
from tests.kubectl import Kubectl
from tests.sim.rawapi import RawApi, configmap

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
"""


def _header(output: str) -> list[str]:
    return output.splitlines()[0].split()


def test_apply_create_then_update_and_get_tables(kubectl: Kubectl, sim: RunningCluster) -> None:
    out = kubectl.ok("apply", "-f", "-", input=MANIFEST)
    assert "deployment.apps/web created" in out and "service/web created" in out
    out = kubectl.ok("apply", "-f", "-", input=MANIFEST.replace("replicas: 2", "replicas: 3"))
    assert "deployment.apps/web configured" in out and "service/web unchanged" in out
    assert sim.cluster.get("deployments", "default", "web")["spec"]["replicas"] == 3

    sim.cluster.advance(90)
    assert _header(kubectl.ok("get", "deploy")) == [
        "NAME",
        "READY",
        "UP-TO-DATE",
        "AVAILABLE",
        "AGE",
    ]
    wide = kubectl.ok("get", "deploy", "-o", "wide")
    assert _header(wide) == [
        "NAME",
        "READY",
        "UP-TO-DATE",
        "AVAILABLE",
        "AGE",
        "CONTAINERS",
        "IMAGES",
        "SELECTOR",
    ]
    assert wide.splitlines()[1].split()[4:] == ["90s", "nginx", "nginx:1.25", "app=web"]
    assert _header(kubectl.ok("get", "rs")) == ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]
    assert _header(kubectl.ok("get", "pods", "-o", "wide")) == [
        "NAME",
        "READY",
        "STATUS",
        "RESTARTS",
        "AGE",
        "IP",
        "NODE",
        "NOMINATED",
        "NODE",
        "READINESS",
        "GATES",
    ]
    svc = kubectl.ok("get", "svc", "web")
    assert _header(svc) == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert svc.splitlines()[1].split()[1:5:3] == ["ClusterIP", "80/TCP"]
    everything = kubectl.ok("get", "deploy,svc", "-A")
    assert _header(everything)[:2] == ["NAMESPACE", "NAME"]


def test_get_yaml_label_annotate_scale(kubectl: Kubectl, http: RawApi) -> None:
    kubectl.ok("apply", "-f", "-", input=MANIFEST)
    manifest = kubectl.ok("get", "deploy", "web", "-o", "json")
    assert json.loads(manifest)["metadata"]["name"] == "web"
    assert "kind: Deployment" in kubectl.ok("get", "deploy", "web", "-o", "yaml")
    assert "labeled" in kubectl.ok("label", "deploy", "web", "tier=frontend")
    assert "annotate" in kubectl.ok("annotate", "deploy", "web", "team=shop")
    assert "scaled" in kubectl.ok("scale", "deploy", "web", "--replicas=5")
    live = http.get("/apis/apps/v1/namespaces/default/deployments/web").json
    assert live["metadata"]["labels"]["tier"] == "frontend"
    assert live["metadata"]["annotations"]["team"] == "shop"
    assert live["spec"]["replicas"] == 5


def test_replace_with_a_stale_resource_version_is_a_conflict(
    kubectl: Kubectl, http: RawApi
) -> None:
    http.post("/api/v1/namespaces/default/configmaps", configmap("settings"))
    stale = kubectl.ok("get", "cm", "settings", "-o", "json")
    kubectl.ok("label", "cm", "settings", "x=1")
    result = kubectl("replace", "-f", "-", input=stale)
    assert result.returncode != 0
    assert "Error from server (Conflict)" in result.stderr
    assert (
        'Operation cannot be fulfilled on configmaps "settings": the object has been modified'
        in result.stderr
    )


def test_delete_takes_owned_objects_too(kubectl: Kubectl, http: RawApi) -> None:
    cms = "/api/v1/namespaces/default/configmaps"
    parent = http.post(cms, configmap("parent")).json
    owner = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "name": "parent",
        "uid": parent["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }
    http.post(cms, configmap("child", ownerReferences=[owner]))
    assert 'configmap "parent" deleted' in kubectl.ok("delete", "cm", "parent")
    assert http.get(f"{cms}/child").status == 404
    result = kubectl("get", "cm", "parent")
    assert result.returncode != 0 and 'configmaps "parent" not found' in result.stderr


def test_get_watch_streams_a_change(kubectl: Kubectl, http: RawApi) -> None:
    cms = "/api/v1/namespaces/default/configmaps"
    http.post(cms, configmap("first"))
    with kubectl.stream("get", "cm", "-w") as watching:
        assert watching.readline().split()[:3] == ["NAME", "DATA", "AGE"]
        assert watching.readline().split()[0] == "first"
        http.post(cms, configmap("second", {"a": "1", "b": "2"}))
        assert watching.readline().split()[:2] == ["second", "2"]
        http.request("DELETE", f"{cms}/first")
        line = watching.readline()
        assert line.split()[0] == "first" and "NAME" not in line  # no repeated header


def test_auth_can_i_follows_the_authorizer(kubectl: Kubectl, sim: RunningCluster) -> None:
    assert kubectl.ok("auth", "can-i", "patch", "deployments").strip() == "yes"
    sim.cluster.authorizer = lambda verb, group, plural, ns, name: (
        not (verb == "patch" and plural == "deployments")
    )
    result = kubectl("auth", "can-i", "patch", "deployments")
    assert (result.returncode, result.stdout.strip()) == (1, "no")
    assert kubectl.ok("auth", "can-i", "get", "deployments").strip() == "yes"
    result = kubectl("label", "ns", "default", "x=y")
    assert result.returncode == 0
    denied = kubectl("apply", "-f", "-", input=MANIFEST)
    assert denied.returncode == 0  # creating is still allowed
    denied = kubectl("scale", "deploy", "web", "--replicas=1")
    assert denied.returncode == 0  # the scale subresource is a separate RBAC resource
    denied = kubectl("label", "deploy", "web", "x=y")
    assert denied.returncode != 0 and "Error from server (Forbidden)" in denied.stderr
