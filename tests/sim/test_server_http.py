"""The simulated API server over raw HTTP: discovery, tables, patches, errors, watch, auth."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from kubectl_rollback.sim import RunningCluster, protobuf, run_cluster
from tests.sim.rawapi import TABLE, RawApi, configmap, deployment

DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"
CMS = "/api/v1/namespaces/default/configmaps"
AGGREGATED = (
    "application/json;g=apidiscovery.k8s.io;v={v};as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
)


def _status(resp: Any, code: int, reason: str) -> dict[str, Any]:
    assert resp.status == code, resp.body
    body = resp.json
    assert (body["kind"], body["status"], body["code"], body["reason"]) == (
        "Status",
        "Failure",
        code,
        reason,
    )
    return body


# ------------------------------------------------------------------------ discovery
def test_version_and_legacy_discovery(http: RawApi) -> None:
    version = http.get("/version")
    assert version.headers["content-type"] == "application/json"
    assert version.json["gitVersion"].startswith("v1.") and version.json["major"] == "1"
    assert http.get("/api").json["versions"] == ["v1"]
    groups = {g["name"]: g for g in http.get("/apis").json["groups"]}
    assert groups["apps"]["preferredVersion"]["groupVersion"] == "apps/v1"
    apps = http.get("/apis/apps/v1")
    assert apps.headers["content-type"] == "application/json"
    resources = {r["name"]: r for r in apps.json["resources"]}
    assert resources["deployments"]["shortNames"] == ["deploy"]
    assert resources["deployments"]["categories"] == ["all"]
    assert resources["deployments"]["namespaced"] is True
    assert resources["deployments/scale"]["kind"] == "Scale"
    assert resources["deployments/scale"]["group"] == "autoscaling"
    assert resources["deployments/status"]["kind"] == "Deployment"
    core = {r["name"]: r for r in http.get("/api/v1").json["resources"]}
    assert core["pods"]["shortNames"] == ["po"] and core["namespaces"]["namespaced"] is False


@pytest.mark.parametrize("version", ["v2", "v2beta1"])
def test_aggregated_discovery_only_when_asked(http: RawApi, version: str) -> None:
    resp = http.get("/apis", headers={"Accept": AGGREGATED.format(v=version)})
    assert resp.headers["content-type"] == (
        f"application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList"
    )
    assert resp.json["apiVersion"] == f"apidiscovery.k8s.io/{version}"
    apps = next(i for i in resp.json["items"] if i["metadata"]["name"] == "apps")
    deploy = next(r for r in apps["versions"][0]["resources"] if r["resource"] == "deployments")
    assert deploy["scope"] == "Namespaced" and deploy["shortNames"] == ["deploy"]
    scale = next(s for s in deploy["subresources"] if s["subresource"] == "scale")
    assert scale["responseKind"] == {"group": "autoscaling", "version": "v1", "kind": "Scale"}
    core = http.get("/api", headers={"Accept": AGGREGATED.format(v=version)}).json
    assert {r["resource"] for r in core["items"][0]["versions"][0]["resources"]} >= {
        "pods",
        "services",
    }
    assert http.get("/apis").json["kind"] == "APIGroupList"


def test_openapi_documents_declare_field_validation(http: RawApi) -> None:
    index = http.get("/openapi/v3").json["paths"]
    doc = http.get(index["apis/apps/v1"]["serverRelativeURL"]).json
    patch_ops = [item["patch"] for item in doc["paths"].values() if "patch" in item]
    deploy = next(
        op for op in patch_ops if op["x-kubernetes-group-version-kind"]["kind"] == "Deployment"
    )
    assert {"name": "fieldValidation", "in": "query"}.items() <= deploy["parameters"][2].items()
    proto = http.get(
        "/openapi/v2",
        headers={"Accept": "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"},
    )
    document = protobuf.fields(proto.body)
    assert protobuf.text(document, 1) == "2.0"
    paths = protobuf.submessage(document, 8) or {}
    names = [protobuf.text(protobuf.fields(p), 1) for p in paths[2]]
    assert "/apis/apps/v1/namespaces/{namespace}/deployments/{name}" in names


# --------------------------------------------------------------------------- tables
def test_tables_with_kubectl_columns_and_simulated_ages(sim: RunningCluster, http: RawApi) -> None:
    assert http.post(DEPLOYS, deployment("web", replicas=2)).status == 201
    sim.cluster.advance(3600)
    table = http.get(DEPLOYS, headers={"Accept": TABLE}).json
    assert (table["kind"], table["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    columns = [(c["name"], c["priority"]) for c in table["columnDefinitions"]]
    assert columns == [
        ("Name", 0),
        ("Ready", 0),
        ("Up-to-date", 0),
        ("Available", 0),
        ("Age", 0),
        ("Containers", 1),
        ("Images", 1),
        ("Selector", 1),
    ]
    row = table["rows"][0]
    assert row["cells"][0] == "web" and row["cells"][1].endswith("/2")
    assert row["cells"][4:] == ["60m", "app", "nginx:1.25", "app=web"]
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["metadata"]["namespace"] == "default"
    one = http.get(f"{DEPLOYS}/web?includeObject=Object", headers={"Accept": TABLE}).json
    assert one["rows"][0]["object"]["spec"]["replicas"] == 2
    none = http.get(f"{DEPLOYS}?includeObject=None", headers={"Accept": TABLE}).json
    assert "object" not in none["rows"][0]
    rs = http.get("/apis/apps/v1/replicasets", headers={"Accept": TABLE}).json
    assert [c["name"] for c in rs["columnDefinitions"]][:5] == [
        "Name",
        "Desired",
        "Current",
        "Ready",
        "Age",
    ]
    v1beta1 = http.get(
        DEPLOYS, headers={"Accept": "application/json;as=Table;v=v1beta1;g=meta.k8s.io"}
    ).json
    assert v1beta1["apiVersion"] == "meta.k8s.io/v1beta1"


# ------------------------------------------------------------------------- patches
def test_every_patch_type(http: RawApi) -> None:
    assert http.post(CMS, configmap("c", {"a": "1", "b": "2"})).status == 201
    url = f"{CMS}/c"
    resp = http.patch(
        url,
        [
            {"op": "test", "path": "/data/a", "value": "1"},
            {"op": "replace", "path": "/data/a", "value": "9"},
        ],
        "application/json-patch+json",
    )
    assert resp.status == 200 and resp.json["data"] == {"a": "9", "b": "2"}
    resp = http.patch(url, {"data": {"b": None, "c": "3"}}, "application/merge-patch+json")
    assert resp.json["data"] == {"a": "9", "c": "3"}
    resp = http.patch(
        url, {"metadata": {"labels": {"x": "y"}}}, "application/strategic-merge-patch+json"
    )
    assert resp.json["metadata"]["labels"] == {"x": "y"}
    resp = http.patch(
        url,
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"d": "4"}},
        "application/apply-patch+yaml",
    )
    assert resp.status == 200 and resp.json["data"]["d"] == "4"
    created = http.patch(
        f"{CMS}/new?fieldManager=kubectl",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "new"}, "data": {"k": "v"}},
        "application/apply-patch+yaml",
    )
    assert created.status == 201 and created.json["metadata"]["namespace"] == "default"
    _status(http.patch(url, {"data": {}}, "text/plain"), 415, "UnsupportedMediaType")


def test_strategic_merge_patch_of_a_deployment_merges_containers(http: RawApi) -> None:
    body = deployment("web")
    body["spec"]["template"]["spec"]["containers"].append({"name": "side", "image": "busybox"})
    http.post(DEPLOYS, body)
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "app"}, {"name": "side"}],
                    "containers": [{"name": "app", "image": "nginx:1.26"}],
                }
            }
        }
    }
    resp = http.patch(
        f"{DEPLOYS}/web?fieldManager=kubectl-set", patch, "application/strategic-merge-patch+json"
    )
    containers = resp.json["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [
        ("app", "nginx:1.26"),
        ("side", "busybox"),
    ]
    assert resp.json["metadata"]["generation"] == 2


def test_patch_with_stale_resource_version_conflicts(http: RawApi) -> None:
    http.post(CMS, configmap("c"))
    resp = http.patch(
        f"{CMS}/c",
        {"metadata": {"resourceVersion": "1"}, "data": {"k": "2"}},
        "application/merge-patch+json",
    )
    body = _status(resp, 409, "Conflict")
    assert "the object has been modified" in body["message"]


def test_scale_and_status_subresources(http: RawApi) -> None:
    http.post(DEPLOYS, deployment("web", replicas=1))
    scale = http.get(f"{DEPLOYS}/web/scale").json
    assert (scale["apiVersion"], scale["kind"], scale["spec"]["replicas"]) == (
        "autoscaling/v1",
        "Scale",
        1,
    )
    assert scale["status"]["selector"] == "app=web"
    patched = http.patch(
        f"{DEPLOYS}/web/scale", {"spec": {"replicas": 3}}, "application/merge-patch+json"
    )
    assert patched.json["kind"] == "Scale" and patched.json["spec"]["replicas"] == 3
    assert http.get(f"{DEPLOYS}/web").json["spec"]["replicas"] == 3
    scale = http.get(f"{DEPLOYS}/web/scale").json
    scale["spec"]["replicas"] = 0
    scale["metadata"].pop("resourceVersion", None)  # the controllers may write meanwhile
    assert http.put(f"{DEPLOYS}/web/scale", scale).json["spec"]["replicas"] == 0
    # A status write changes only the status.
    resp = http.patch(
        f"{DEPLOYS}/web/status",
        {"spec": {"replicas": 7}, "status": {"observedGeneration": 42}},
        "application/merge-patch+json",
    )
    assert resp.status == 200, resp.body
    assert resp.json["status"]["observedGeneration"] == 42 and resp.json["spec"]["replicas"] == 0
    # ... and a write of the object leaves the status alone.
    current = http.get(f"{DEPLOYS}/web").json
    current["status"] = {"observedGeneration": 1}
    # No resourceVersion: the controllers may write the status meanwhile (a 409 is not the point
    # here).
    del current["metadata"]["resourceVersion"]
    replaced = http.put(f"{DEPLOYS}/web", current)
    assert replaced.status == 200, replaced.body
    assert replaced.json["status"]["observedGeneration"] != 1


def test_dry_run_changes_nothing(sim: RunningCluster, http: RawApi) -> None:
    created = http.post(f"{CMS}?dryRun=All", configmap("c"))
    assert created.status == 201 and created.json["metadata"]["name"] == "c"
    _status(http.get(f"{CMS}/c"), 404, "NotFound")
    http.post(CMS, configmap("c", {"k": "v"}))
    rv = sim.cluster.store.resource_version
    assert http.patch(
        f"{CMS}/c?dryRun=All", {"data": {"k": "w"}}, "application/merge-patch+json"
    ).json["data"] == {"k": "w"}
    current = http.get(f"{CMS}/c").json
    current["data"] = {"k": "x"}
    assert http.put(f"{CMS}/c?dryRun=All", current).status == 200
    assert http.delete(f"{CMS}/c", {"dryRun": ["All"]}).status == 200
    assert http.get(f"{CMS}/c").json["data"] == {"k": "v"}
    assert sim.cluster.store.resource_version == rv


# ---------------------------------------------------------------- lists, selectors
def test_selectors_and_pagination(http: RawApi) -> None:
    for i, tier in enumerate(["fe", "fe", "be", "db", "db"]):
        http.post(
            CMS, configmap(f"c{i}", labels={"tier": tier, **({"canary": "y"} if i == 0 else {})})
        )
    http.post("/api/v1/namespaces", {"metadata": {"name": "other"}})
    http.post("/api/v1/namespaces/other/configmaps", configmap("elsewhere", labels={"tier": "fe"}))

    def names(query: str, path: str = CMS) -> list[str]:
        resp = http.get(f"{path}?{query}")
        assert resp.json["kind"] == "ConfigMapList", resp.body
        return [o["metadata"]["name"] for o in resp.json["items"]]

    assert names("labelSelector=tier%3Dfe") == ["c0", "c1"]
    assert names("labelSelector=tier%20in%20(be,db),tier!%3Ddb") == ["c2"]
    assert names("labelSelector=tier%20notin%20(fe),!canary") == ["c2", "c3", "c4"]
    assert names("labelSelector=canary") == ["c0"]
    assert names("fieldSelector=metadata.name%3Dc3") == ["c3"]
    assert names("labelSelector=tier%3Dfe", "/api/v1/configmaps") == ["c0", "c1", "elsewhere"]
    assert names("fieldSelector=metadata.namespace%3Dother", "/api/v1/configmaps") == ["elsewhere"]
    _status(http.get(f"{CMS}?labelSelector=%3D%3Dx"), 400, "BadRequest")

    first = http.get(f"{CMS}?limit=2").json
    assert [o["metadata"]["name"] for o in first["items"]] == ["c0", "c1"]
    assert first["metadata"]["remainingItemCount"] == 3
    second = http.get(f"{CMS}?limit=2&continue={first['metadata']['continue']}").json
    assert [o["metadata"]["name"] for o in second["items"]] == ["c2", "c3"]
    last = http.get(f"{CMS}?limit=2&continue={second['metadata']['continue']}").json
    assert [o["metadata"]["name"] for o in last["items"]] == ["c4"] and "continue" not in last[
        "metadata"
    ]


# --------------------------------------------------------------------------- errors
def test_api_errors_are_status_objects(http: RawApi) -> None:
    body = _status(http.get("/apis/apps/v1/namespaces/default/widgets"), 404, "NotFound")
    assert body["message"] == "the server could not find the requested resource"
    _status(http.get("/nope"), 404, "NotFound")
    body = _status(http.get(f"{DEPLOYS}/ghost"), 404, "NotFound")
    assert body["message"] == 'deployments.apps "ghost" not found'
    assert body["details"] == {"name": "ghost", "group": "apps", "kind": "deployments"}
    _status(http.post(CMS, b"{not json", content_type="application/json"), 400, "BadRequest")
    body = _status(
        http.post("/api/v1/namespaces/nowhere/configmaps", configmap("c")), 404, "NotFound"
    )
    assert body["message"] == 'namespaces "nowhere" not found'
    http.post(CMS, configmap("c"))
    body = _status(http.post(CMS, configmap("c")), 409, "AlreadyExists")
    assert body["message"] == 'configmaps "c" already exists'
    body = _status(
        http.patch(
            f"{CMS}/c",
            [{"op": "test", "path": "/data/k", "value": "other"}],
            "application/json-patch+json",
        ),
        422,
        "Invalid",
    )
    assert body["message"] == "the server rejected our request due to an error in our request"
    _status(
        http.patch(f"{CMS}/c", {"not": "a list"}, "application/json-patch+json"), 400, "BadRequest"
    )
    _status(http.request("PUT", CMS, configmap("c")), 405, "MethodNotAllowed")


def test_stale_replace_conflicts(http: RawApi) -> None:
    http.post(CMS, configmap("c"))
    stale = http.get(f"{CMS}/c").json
    fresh = dict(stale, data={"k": "new"})
    assert http.put(f"{CMS}/c", fresh).status == 200
    stale["data"] = {"k": "stale"}
    body = _status(http.put(f"{CMS}/c", stale), 409, "Conflict")
    assert body["message"] == (
        'Operation cannot be fulfilled on configmaps "c": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )


def test_forbidden_by_the_authorizer(sim: RunningCluster, http: RawApi) -> None:
    http.post(DEPLOYS, deployment("web"))
    sim.cluster.authorizer = lambda verb, group, plural, ns, name: (
        not (verb == "patch" and plural == "deployments")
    )
    body = _status(
        http.patch(
            f"{DEPLOYS}/web", {"metadata": {"labels": {"a": "b"}}}, "application/merge-patch+json"
        ),
        403,
        "Forbidden",
    )
    assert body["message"] == (
        'deployments.apps "web" is forbidden: User "kubernetes-admin" cannot patch '
        'resource "deployments" in API group "apps" in the namespace "default"'
    )
    assert http.get(f"{DEPLOYS}/web").status == 200
    # RBAC rules for deployments do not cover deployments/scale.
    assert (
        http.patch(
            f"{DEPLOYS}/web/scale", {"spec": {"replicas": 2}}, "application/merge-patch+json"
        ).status
        == 200
    )


def test_unauthorized_without_the_required_token(sim: RunningCluster, http: RawApi) -> None:
    sim.cluster.required_token = "sim-token"
    assert http.get("/api/v1/namespaces").status == 200
    http.token = "wrong"
    body = _status(http.get("/api/v1/namespaces"), 401, "Unauthorized")
    assert body["message"] == "Unauthorized"
    http.token = None
    _status(http.get("/version"), 401, "Unauthorized")


def test_self_subject_access_review_json_and_protobuf(sim: RunningCluster, http: RawApi) -> None:
    sim.cluster.authorizer = lambda verb, group, plural, ns, name: (
        (verb, plural) != ("delete", "pods")
    )
    path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {
            "resourceAttributes": {"verb": "delete", "resource": "pods", "namespace": "default"}
        },
    }
    resp = http.post(path, review)
    assert resp.status == 201 and resp.json["status"]["allowed"] is False
    attrs = b"".join(protobuf.string(n, v) for n, v in ((1, "default"), (2, "get"), (5, "pods")))
    raw = protobuf.message(2, protobuf.message(1, attrs))
    envelope = (
        protobuf.K8S_MAGIC
        + protobuf.message(
            1,
            protobuf.string(1, "authorization.k8s.io/v1")
            + protobuf.string(2, "SelfSubjectAccessReview"),
        )
        + protobuf.message(2, raw)
    )
    resp = http.post(path, envelope, content_type="application/vnd.kubernetes.protobuf")
    assert resp.status == 201, resp.body
    assert resp.json["spec"]["resourceAttributes"] == {
        "namespace": "default",
        "verb": "get",
        "resource": "pods",
    }
    assert resp.json["status"]["allowed"] is True


# ------------------------------------------------------------- delete and GC
def test_delete_collects_owned_objects_unless_orphaned(http: RawApi) -> None:
    parent = http.post(CMS, configmap("parent")).json
    owner = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "name": "parent",
        "uid": parent["metadata"]["uid"],
        "controller": True,
    }
    http.post(CMS, configmap("child", ownerReferences=[owner]))
    resp = http.delete(
        f"{CMS}/parent",
        {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"},
    )
    assert resp.json["kind"] == "Status" and resp.json["status"] == "Success"
    assert resp.json["details"]["uid"] == parent["metadata"]["uid"]
    _status(http.get(f"{CMS}/child"), 404, "NotFound")

    parent = http.post(CMS, configmap("parent")).json
    owner["uid"] = parent["metadata"]["uid"]
    http.post(CMS, configmap("child", ownerReferences=[owner]))
    http.delete(f"{CMS}/parent?propagationPolicy=Orphan")
    assert http.get(f"{CMS}/child").status == 200
    body = _status(
        http.delete(f"{CMS}/child", {"preconditions": {"uid": "other"}}), 409, "Conflict"
    )
    assert "Precondition failed: UID in precondition: other" in body["message"]


def test_delete_of_a_pod_returns_the_pod(http: RawApi) -> None:
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    http.post("/api/v1/namespaces/default/pods", pod)
    resp = http.delete("/api/v1/namespaces/default/pods/p")
    assert resp.status == 200 and resp.json["kind"] == "Pod"


# ---------------------------------------------------------------------------- watch
def test_watch_initial_state_resume_and_expiry(sim: RunningCluster, http: RawApi) -> None:
    http.post(CMS, configmap("a"))
    events = http.watch(f"{CMS}?watch=true&timeoutSeconds=5")
    first = next(events)
    assert first["type"] == "ADDED" and first["object"]["metadata"]["name"] == "a"
    rv = first["object"]["metadata"]["resourceVersion"]
    http.patch(f"{CMS}/a", {"data": {"k": "2"}}, "application/merge-patch+json")
    assert next(events)["type"] == "MODIFIED"
    http.delete(f"{CMS}/a")
    assert next(events)["type"] == "DELETED"
    events.close()

    resumed = http.watch(f"{CMS}?watch=1&resourceVersion={rv}&timeoutSeconds=5")
    assert [next(resumed)["type"] for _ in range(2)] == ["MODIFIED", "DELETED"]
    resumed.close()

    sim.cluster.store.compact()
    expired = list(http.watch(f"{CMS}?watch=true&resourceVersion={rv}"))
    assert len(expired) == 1 and expired[0]["type"] == "ERROR"
    assert (expired[0]["object"]["code"], expired[0]["object"]["reason"]) == (410, "Expired")


def test_watch_selectors_timeout_and_tables(http: RawApi) -> None:
    http.post(CMS, configmap("a", labels={"tier": "fe"}))
    events = http.watch(
        f"{CMS}?watch=true&labelSelector=tier%3Dfe&timeoutSeconds=5", headers={"Accept": TABLE}
    )
    added = next(events)
    assert added["type"] == "ADDED" and added["object"]["kind"] == "Table"
    assert added["object"]["rows"][0]["cells"][0] == "a"
    http.post(CMS, configmap("b", labels={"tier": "be"}))
    http.patch(f"{CMS}/a", {"metadata": {"labels": {"tier": "be"}}}, "application/merge-patch+json")
    left = next(events)  # "a" stopped matching: gone from this watch
    assert left["type"] == "DELETED" and left["object"]["rows"][0]["cells"][0] == "a"
    events.close()
    started = time.monotonic()
    assert (
        list(
            http.watch(
                f"{CMS}?watch=true&resourceVersion=0&fieldSelector=metadata.name%3Dzzz&timeoutSeconds=1"
            )
        )
        == []
    )
    assert (
        time.monotonic() - started < 20
    )  # ends by itself (timeoutSeconds=1), not after 30 minutes


def test_stopping_the_server_ends_open_watches_and_threads() -> None:
    before = threading.active_count()
    with run_cluster() as running:
        api = RawApi(running.url)
        events: list[dict[str, Any]] = []
        watcher = threading.Thread(target=lambda: events.extend(api.watch(f"{CMS}?watch=true")))
        watcher.start()
        time.sleep(0.2)
        assert api.get("/version").status == 200
        running.stop()
        watcher.join(timeout=20)
        assert not watcher.is_alive()
    time.sleep(0.1)
    assert threading.active_count() <= before


def test_request_counting(sim: RunningCluster, http: RawApi) -> None:
    sim.cluster.count_requests = True
    http.get(f"{CMS}?limit=5")
    http.post(CMS, configmap("c"))
    assert sim.cluster.requests == [("GET", f"{CMS}?limit=5"), ("POST", CMS)]
