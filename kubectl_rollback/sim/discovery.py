"""Discovery and OpenAPI documents of the simulated API server, rendered once per server.

- legacy discovery: `/api`, `/apis`, `/api/v1`, `/apis/<group>[/<version>]`;
- aggregated discovery (`apidiscovery.k8s.io` v2 and v2beta1) for `/api` and `/apis`;
- `/openapi/v3`: an index and one permissive document per group-version;
- `/openapi/v2`: a minimal document, as JSON or as the gnostic protobuf that client-go
  (kubectl 1.27) insists on.

The OpenAPI documents declare, per kind, a `patch` operation with
`x-kubernetes-group-version-kind` and a `fieldValidation` query parameter, so kubectl leaves
validation to the server, and no schemas with patch strategies, so `kubectl apply` builds
its strategic merge patches from its built-in types, as it does against a real server.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .protobuf import message as _message
from .protobuf import string as _string
from .resources import ResourceType, groups

JSON_TYPE = "application/json"
# client-go asks for "...spec.v2@v1.0+protobuf"; the API server answers with this media type.
OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
SUBRESOURCE_VERBS = ["get", "patch", "update"]
_PATCH_QUERY_PARAMETERS = ("dryRun", "fieldManager", "fieldValidation", "force")


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


KUBERNETES_VERSION = {
    "major": "1",
    "minor": "30",
    "gitVersion": "v1.30.0",
    "gitCommit": "7c48c2bd72b9bf5c44d21d7338cc7bea77d0ad2a",
    "gitTreeState": "clean",
    "buildDate": "2024-04-17T17:27:08Z",
    "goVersion": "go1.22.2",
    "compiler": "gc",
    "platform": "linux/amd64",
}


def _resource_entries(rts: list[ResourceType]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for rt in rts:
        entry: dict[str, Any] = {
            "name": rt.plural,
            "singularName": rt.singular,
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": list(rt.verbs),
        }
        if rt.short_names:
            entry["shortNames"] = list(rt.short_names)
        if rt.categories:
            entry["categories"] = list(rt.categories)
        out.append(entry)
        for sub in rt.subresources:
            sub_entry: dict[str, Any] = {
                "name": f"{rt.plural}/{sub}",
                "singularName": "",
                "namespaced": rt.namespaced,
                "kind": rt.kind,
                "verbs": SUBRESOURCE_VERBS,
            }
            if sub == "scale":
                sub_entry.update(group="autoscaling", version="v1", kind="Scale")
            out.append(sub_entry)
    return out


def _aggregated_resources(rts: list[ResourceType]) -> list[dict[str, Any]]:
    out = []
    for rt in rts:
        entry: dict[str, Any] = {
            "resource": rt.plural,
            "responseKind": {"group": rt.group, "version": rt.version, "kind": rt.kind},
            "scope": "Namespaced" if rt.namespaced else "Cluster",
            "singularResource": rt.singular,
            "verbs": list(rt.verbs),
        }
        if rt.short_names:
            entry["shortNames"] = list(rt.short_names)
        if rt.categories:
            entry["categories"] = list(rt.categories)
        subs = []
        for sub in rt.subresources:
            kind = (
                {"group": "autoscaling", "version": "v1", "kind": "Scale"}
                if sub == "scale"
                else {"group": rt.group, "version": rt.version, "kind": rt.kind}
            )
            subs.append({"subresource": sub, "responseKind": kind, "verbs": SUBRESOURCE_VERBS})
        if subs:
            entry["subresources"] = subs
        out.append(entry)
    return out


def _versions(rts: list[ResourceType]) -> dict[str, list[ResourceType]]:
    by_version: dict[str, list[ResourceType]] = {}
    for rt in rts:
        by_version.setdefault(rt.version, []).append(rt)
    return by_version


class Discovery:
    """The discovery and OpenAPI documents, rendered once per server."""

    def __init__(self, address: str) -> None:
        grouped = groups()
        self.api_versions = _dumps(
            {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": address}
                ],
            }
        )
        named = {g: rts for g, rts in grouped.items() if g}
        self.group_docs: dict[str, dict[str, Any]] = {}
        for group, rts in named.items():
            versions = [{"groupVersion": f"{group}/{v}", "version": v} for v in _versions(rts)]
            self.group_docs[group] = {
                "kind": "APIGroup",
                "apiVersion": "v1",
                "name": group,
                "versions": versions,
                "preferredVersion": versions[0],
            }
        self.api_groups = _dumps(
            {"kind": "APIGroupList", "apiVersion": "v1", "groups": list(self.group_docs.values())}
        )
        self.resource_lists: dict[str, bytes] = {}
        for group, rts in grouped.items():
            for version, vrts in _versions(rts).items():
                gv = f"{group}/{version}" if group else version
                self.resource_lists[gv] = _dumps(
                    {
                        "kind": "APIResourceList",
                        "apiVersion": "v1",
                        "groupVersion": gv,
                        "resources": _resource_entries(vrts),
                    }
                )
        self.aggregated: dict[tuple[str, str], bytes] = {}
        for disc_version in ("v2", "v2beta1"):
            for legacy in (True, False):
                items = []
                for group, rts in grouped.items():
                    if (group == "") != legacy:
                        continue
                    metadata: dict[str, Any] = {"creationTimestamp": None}
                    if group:
                        metadata["name"] = group
                    items.append(
                        {
                            "metadata": metadata,
                            "versions": [
                                {
                                    "version": v,
                                    "resources": _aggregated_resources(vrts),
                                    "freshness": "Current",
                                }
                                for v, vrts in _versions(rts).items()
                            ],
                        }
                    )
                self.aggregated[(disc_version, "api" if legacy else "apis")] = _dumps(
                    {
                        "kind": "APIGroupDiscoveryList",
                        "apiVersion": f"apidiscovery.k8s.io/{disc_version}",
                        "metadata": {},
                        "items": items,
                    }
                )
        self.openapi_docs: dict[str, bytes] = {}
        for group, rts in grouped.items():
            for version, vrts in _versions(rts).items():
                prefix = f"apis/{group}/{version}" if group else f"api/{version}"
                self.openapi_docs[prefix] = _dumps(_openapi_document(prefix, vrts))
        self.openapi_index = _dumps(
            {
                "paths": {
                    prefix: {
                        "serverRelativeURL": f"/openapi/v3/{prefix}?hash="
                        + hashlib.sha256(doc).hexdigest()[:32].upper()
                    }
                    for prefix, doc in self.openapi_docs.items()
                }
            }
        )
        every = [rt for rts in grouped.values() for rt in rts]
        self.openapi_v2_json = _dumps(_openapi_v2(every))
        self.openapi_v2_protobuf = _openapi_v2_protobuf(every)


def _schema_name(rt: ResourceType) -> str:
    group = {"": "core", "authorization.k8s.io": "authorization"}.get(rt.group, rt.group)
    return f"io.k8s.api.{group}.{rt.version}.{rt.kind}"


def _openapi_document(prefix: str, rts: list[ResourceType]) -> dict[str, Any]:
    """A permissive OpenAPI v3 document for one group-version (see the module docstring)."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    query = [
        {"name": n, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
        for n in _PATCH_QUERY_PARAMETERS
    ]
    for rt in rts:
        gvk = {"group": rt.group, "kind": rt.kind, "version": rt.version}
        item = (
            f"/{prefix}/namespaces/{{namespace}}/{rt.plural}/{{name}}"
            if rt.namespaced
            else f"/{prefix}/{rt.plural}/{{name}}"
        )
        ref = {"$ref": f"#/components/schemas/{_schema_name(rt)}"}
        ok = {"200": {"description": "OK", "content": {JSON_TYPE: {"schema": ref}}}}
        paths[item] = {
            "get": {
                "operationId": f"read{rt.kind}",
                "x-kubernetes-action": "get",
                "x-kubernetes-group-version-kind": gvk,
                "responses": ok,
            },
            "patch": {
                "operationId": f"patch{rt.kind}",
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": gvk,
                "parameters": query,
                "responses": ok,
            },
        }
        schemas[_schema_name(rt)] = {
            "type": "object",
            "x-kubernetes-preserve-unknown-fields": True,
            "x-kubernetes-group-version-kind": [gvk],
        }
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION["gitVersion"]},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _item_path(rt: ResourceType) -> str:
    prefix = f"/apis/{rt.group}/{rt.version}" if rt.group else f"/api/{rt.version}"
    if rt.namespaced:
        return f"{prefix}/namespaces/{{namespace}}/{rt.plural}/{{name}}"
    return f"{prefix}/{rt.plural}/{{name}}"


def _gvk(rt: ResourceType) -> dict[str, str]:
    return {"group": rt.group, "kind": rt.kind, "version": rt.version}


def _openapi_v2(rts: list[ResourceType]) -> dict[str, Any]:
    """The Swagger 2.0 twin of the v3 documents (patch operations only)."""
    paths = {}
    for rt in rts:
        paths[_item_path(rt)] = {
            "patch": {
                "operationId": f"patch{rt.kind}",
                "parameters": [
                    {"name": n, "in": "query", "type": "string", "uniqueItems": True}
                    for n in _PATCH_QUERY_PARAMETERS
                ],
                "responses": {"200": {"description": "OK"}},
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": _gvk(rt),
            }
        }
    return {
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION["gitVersion"]},
        "paths": paths,
    }


# gnostic openapi_v2 protobuf (github.com/google/gnostic openapiv2/OpenAPIv2.proto), the
# handful of fields client-go reads: Document.swagger=1, info=2, paths=8; Info.title=1,
# version=2; Paths.path=2; NamedPathItem.name=1, value=2; PathItem.patch=8;
# Operation.operation_id=5, parameters=8, responses=9, vendor_extension=13;
# ParametersItem.parameter=1; Parameter.non_body_parameter=2;
# NonBodyParameter.query_parameter_sub_schema=3; QueryParameterSubSchema.in=2, name=4,
# type=6; Responses.response_code=1; NamedResponseValue.name=1, value=2;
# ResponseValue.response=1; Response.description=1; NamedAny.name=1, value=2; Any.yaml=2.
def _openapi_v2_protobuf(rts: list[ResourceType]) -> bytes:
    paths = b""
    for rt in rts:
        gvk = _gvk(rt)
        gvk_yaml = "".join(f"{k}: {json.dumps(v)}\n" for k, v in gvk.items())
        params = b"".join(
            _message(
                8,
                _message(
                    1,
                    _message(
                        2,
                        _message(3, _string(2, "query") + _string(4, name) + _string(6, "string")),
                    ),
                ),
            )
            for name in _PATCH_QUERY_PARAMETERS
        )
        responses = _message(
            9, _message(1, _string(1, "200") + _message(2, _message(1, _string(1, "OK"))))
        )
        extension = _message(
            13, _string(1, "x-kubernetes-group-version-kind") + _message(2, _string(2, gvk_yaml))
        )
        operation = _string(5, f"patch{rt.kind}") + params + responses + extension
        paths += _message(2, _string(1, _item_path(rt)) + _message(2, _message(8, operation)))
    info = _string(1, "Kubernetes") + _string(2, KUBERNETES_VERSION["gitVersion"])
    return _string(1, "2.0") + _message(2, info) + _message(8, paths)
