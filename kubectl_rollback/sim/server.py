"""The simulated cluster's HTTP API server: the Kubernetes REST API over a `SimCluster`.

Serves discovery (legacy, and aggregated v2/v2beta1 when asked), `/version`, a minimal
`/openapi/v3`, CRUD, patch (JSON, merge, strategic merge, apply), the `status` and `scale`
subresources, `dryRun=All`, watch (chunked JSON lines, resume, 410 Expired), Tables for
`kubectl get`, SelfSubjectAccessReviews, authorisation through `cluster.authorizer` and
bearer-token authentication through `cluster.required_token`.

It only reads and writes the store; the controllers react in the cluster's own thread.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import contextlib
import itertools
import json
import socket
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .cluster import SimCluster
from .discovery import JSON_TYPE, KUBERNETES_VERSION, OPENAPI_V2_PROTOBUF, Discovery
from .errors import ApiError, bad_request, conflict, forbidden, gone, not_found
from .faults import Fault
from .patch import PatchError, apply_patch, json_patch, merge_patch, strategic_merge_patch
from .protobuf import PROTOBUF_TYPE, ProtobufError, self_subject_access_review, unwrap
from .resources import ResourceType, lookup
from .selectors import parse_field_selector, parse_label_selector, selector_to_string
from .store import Obj, WatchEvent
from .tables import table

# Kinds whose DELETE answers with the deleted object (ReturnDeletedObject); others with a Status.
RETURNS_DELETED_OBJECT = frozenset({"Pod", "Service", "Namespace"})
PATCH_TYPES = {
    "application/json-patch+json": json_patch,
    "application/merge-patch+json": merge_patch,
    "application/strategic-merge-patch+json": strategic_merge_patch,
    "application/apply-patch+yaml": apply_patch,
}
WATCH_TIMEOUT = 1800.0  # real seconds, when the client sets no timeoutSeconds
_encode = json.JSONEncoder(separators=(",", ":")).encode


def dumps(value: Any) -> bytes:
    return _encode(value).encode()


def parse_bool(text: str | None) -> bool:
    """strconv.ParseBool, as the API server parses boolean query parameters."""
    return (text or "") in ("1", "t", "T", "true", "TRUE", "True")


# ------------------------------------------------------------------- requests, replies
@dataclass
class Reply:
    """A complete answer; `stream` (watch) is written chunked, one JSON line per item."""

    code: int = 200
    body: bytes = b""
    content_type: str = JSON_TYPE
    stream: Iterator[bytes] | None = None
    headers: tuple[tuple[str, str], ...] = ()


def status_reply(error: ApiError) -> Reply:
    return Reply(error.code, dumps(error.status()))


_FAULT_REASONS = {
    409: ("Conflict", "Operation cannot be fulfilled: injected conflict"),
    429: (
        "TooManyRequests",
        "the server has received too many requests and has asked us to try again later",
    ),
    500: ("InternalError", "Internal error occurred: injected failure"),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
    504: (
        "Timeout",
        "the server was unable to return a response in the time allotted, but may "
        "still be processing the request",
    ),
}


def fault_reply(code: int) -> Reply:
    """The answer of an injected status fault: a Status, or a proxy's HTML page for 502."""
    if code == 502:
        page = (
            b"<html><head><title>502 Bad Gateway</title></head>"
            b"<body><h1>502 Bad Gateway</h1></body></html>\n"
        )
        return Reply(502, page, "text/html")
    reason, message = _FAULT_REASONS.get(code, ("InternalError", f"injected status {code}"))
    reply = status_reply(ApiError(code, reason, message))
    if code == 429:
        reply.headers = (("Retry-After", "1"),)
    return reply


@dataclass(frozen=True)
class Target:
    """The resource a request addresses."""

    rt: ResourceType
    namespace: str | None  # None: cluster-scoped, or all namespaces
    name: str | None
    subresource: str | None


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Any  # email.message.Message
    body: bytes
    raw_query: dict[str, list[str]] = field(default_factory=dict)

    @property
    def dry_run(self) -> bool:
        return "All" in self.raw_query.get("dryRun", [])

    def json_body(self) -> Any:
        """The body as JSON (400 BadRequest when it is not)."""
        if not self.body.strip():
            raise bad_request("the body of the request was empty")
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise bad_request(f"couldn't get version/kind; json parse error: {exc}") from exc


@dataclass(frozen=True)
class Negotiated:
    """What the client's Accept header asked for."""

    shape: str = "json"  # json, table, partial, discovery
    version: str = "v1"  # meta.k8s.io or apidiscovery.k8s.io version


def negotiate(accept: str | None) -> Negotiated:
    """Pick the first acceptable representation in the Accept header (protobuf is skipped)."""
    for entry in (accept or "").split(","):
        parts = [p.strip() for p in entry.split(";")]
        base = parts[0].lower()
        params = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
        if base not in (JSON_TYPE, "*/*", "application/*", "application/yaml"):
            continue
        group, version, as_ = params.get("g"), params.get("v", "v1"), params.get("as")
        if as_ is None:
            return Negotiated()
        if group == "meta.k8s.io" and as_ == "Table" and version in ("v1", "v1beta1"):
            return Negotiated("table", version)
        if (
            group == "meta.k8s.io"
            and as_ in ("PartialObjectMetadata", "PartialObjectMetadataList")
            and version in ("v1", "v1beta1")
        ):
            return Negotiated("partial", version)
        if (
            group == "apidiscovery.k8s.io"
            and as_ == "APIGroupDiscoveryList"
            and version in ("v2", "v2beta1")
        ):
            return Negotiated("discovery", version)
    return Negotiated()


# ------------------------------------------------------------------------- the API
class ApiServer:
    """Request handling, independent of the HTTP plumbing (`handle(Request) -> Reply`)."""

    def __init__(self, cluster: SimCluster, address: str) -> None:
        self.cluster = cluster
        self.store = cluster.store
        self.discovery = Discovery(address)
        self.stopping = threading.Event()
        # Caches keyed by object and checked against its resourceVersion (stored objects are
        # never mutated in place): JSON text, Table cells, and recent list results.
        self._encoded: dict[tuple[Any, ...], tuple[str, str]] = {}
        self._rows: dict[tuple[str, str, str], tuple[str, list[Any]]] = {}
        self._lists: dict[tuple[Any, ...], tuple[int, list[Obj], list[tuple[str, str]], str]] = {}
        # Paged lists as their first page saw them, by (listing, resourceVersion): every page
        # of one list comes from the same snapshot (as etcd serves a continue token at its
        # revision), found by bisection, so paging through N objects is linear, not N^2.
        self._snapshots: dict[tuple[Any, ...], tuple[list[Obj], list[tuple[str, str]]]] = {}
        self._snapshots_lock = threading.Lock()

    # ---------------------------------------------------------------- entry point
    def handle(self, req: Request) -> Reply:
        try:
            self._authenticate(req)
            return self._route(req)
        except ApiError as exc:
            return status_reply(exc)
        except Exception as exc:  # a bug must answer 500, not drop the connection
            traceback.print_exc(file=sys.stderr)
            return status_reply(ApiError(500, "InternalError", f"Internal error occurred: {exc}"))

    def fault_for(self, req: Request) -> Fault | None:
        """The injected fault this request meets, if any (see faults.py)."""
        target = self._target((req.path.rstrip("/") or "/").strip("/").split("/"))
        if target is None:
            return None
        verb = req.method
        if verb == "GET":
            verb = (
                "WATCH"
                if parse_bool(req.query.get("watch"))
                else ("GET" if target.name else "LIST")
            )
        name = target.name
        if name is None:  # a list or watch of one object: fieldSelector=metadata.name=NAME
            for term in (req.query.get("fieldSelector") or "").split(","):
                key, _, value = term.partition("=")
                if key.strip() == "metadata.name":
                    name = value.strip().lstrip("=")
        return self.cluster.faults.take(verb, target.rt.plural, name)

    def _authenticate(self, req: Request) -> None:
        token = self.cluster.required_token
        if token is not None and req.headers.get("Authorization", "") != f"Bearer {token}":
            raise ApiError(401, "Unauthorized", "Unauthorized")

    def _route(self, req: Request) -> Reply:
        path = req.path.rstrip("/") or "/"
        parts = path.strip("/").split("/")
        wanted = negotiate(req.headers.get("Accept"))
        if req.method == "GET":
            static = self._static(path, parts, wanted, req.headers.get("Accept"))
            if static is not None:
                return static
        target = self._target(parts)
        if target is None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if target.rt.plural == "selfsubjectaccessreviews":
            if req.method != "POST" or target.name:
                raise _method_not_allowed()
            return self._access_review(req)
        return self._resource(req, target, wanted)

    def _static(
        self, path: str, parts: list[str], wanted: Negotiated, accept: str | None
    ) -> Reply | None:
        d = self.discovery
        if path == "/version":
            return Reply(body=dumps(KUBERNETES_VERSION))
        if path in ("/healthz", "/livez", "/readyz"):
            return Reply(body=b"ok", content_type="text/plain; charset=utf-8")
        if path in ("/api", "/apis"):
            if wanted.shape == "discovery":
                return Reply(
                    body=d.aggregated[(wanted.version, parts[0])],
                    content_type=f"{JSON_TYPE};g=apidiscovery.k8s.io;v={wanted.version};as=APIGroupDiscoveryList",
                )
            return Reply(body=d.api_versions if path == "/api" else d.api_groups)
        if parts[0] == "api" and len(parts) == 2 and parts[1] in d.resource_lists:
            return Reply(body=d.resource_lists[parts[1]])
        if parts[0] == "apis" and len(parts) == 2 and parts[1] in d.group_docs:
            return Reply(body=dumps(d.group_docs[parts[1]]))
        if parts[0] == "apis" and len(parts) == 3 and f"{parts[1]}/{parts[2]}" in d.resource_lists:
            return Reply(body=d.resource_lists[f"{parts[1]}/{parts[2]}"])
        if path == "/openapi/v2":
            if "proto-openapi.spec.v2" in (accept or ""):
                return Reply(body=d.openapi_v2_protobuf, content_type=OPENAPI_V2_PROTOBUF)
            return Reply(body=d.openapi_v2_json)
        if path == "/openapi/v3":
            return Reply(body=d.openapi_index)
        if parts[:2] == ["openapi", "v3"] and "/".join(parts[2:]) in d.openapi_docs:
            return Reply(body=d.openapi_docs["/".join(parts[2:])])
        return None

    @staticmethod
    def _target(parts: list[str]) -> Target | None:
        if parts[0] == "api" and len(parts) >= 3:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[0] == "apis" and len(parts) >= 4:
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            return None
        if len(rest) >= 3 and rest[0] == "namespaces":
            rt = lookup(group, rest[2])
            if rt is not None and rt.namespaced and rt.version == version and len(rest) <= 5:
                sub = rest[4] if len(rest) == 5 else None
                if sub is not None and sub not in rt.subresources:
                    return None
                return Target(rt, rest[1], rest[3] if len(rest) >= 4 else None, sub)
        rt = lookup(group, rest[0])
        if rt is None or rt.version != version or len(rest) > 3:
            return None
        name = rest[1] if len(rest) >= 2 else None
        sub = rest[2] if len(rest) == 3 else None
        if (sub is not None and sub not in rt.subresources) or (name and rt.namespaced):
            return None
        return Target(rt, None, name, sub)

    # -------------------------------------------------------------- authorisation
    def _authorize(self, verb: str, target: Target) -> None:
        rt = target.rt
        plural = f"{rt.plural}/{target.subresource}" if target.subresource else rt.plural
        if not self.cluster.authorizer(verb, rt.group, plural, target.namespace, target.name):
            raise forbidden(
                self.cluster.user,
                verb,
                rt.plural,
                rt.group,
                target.namespace,
                target.name or "",
                target.subresource or "",
            )

    def _access_review(self, req: Request) -> Reply:
        if _content_type(req) == PROTOBUF_TYPE:  # kubectl 1.33 `auth can-i`
            try:
                review = self_subject_access_review(unwrap(req.body)[2])
            except ProtobufError as exc:
                raise bad_request(f"invalid protobuf SelfSubjectAccessReview: {exc}") from exc
        else:
            review = req.json_body()
        if not isinstance(review, dict):
            raise bad_request("the body of a SelfSubjectAccessReview must be an object")
        spec = review.get("spec") or {}
        attrs = spec.get("resourceAttributes")
        if attrs is not None:
            resource = attrs.get("resource", "")
            if attrs.get("subresource"):
                resource = f"{resource}/{attrs['subresource']}"
            allowed = self.cluster.authorizer(
                attrs.get("verb", ""),
                attrs.get("group", ""),
                resource,
                attrs.get("namespace") or None,
                attrs.get("name") or None,
            )
        else:
            allowed = True  # non-resource URLs (/healthz, /version, ...) are open
        status: dict[str, Any] = {"allowed": bool(allowed)}
        if allowed:
            status["reason"] = "allowed by the simulated cluster's access policy"
        review.update(
            apiVersion="authorization.k8s.io/v1", kind="SelfSubjectAccessReview", status=status
        )
        review.setdefault("metadata", {})["creationTimestamp"] = None
        return Reply(201, dumps(review))

    # ----------------------------------------------------------------- resources
    def _resource(self, req: Request, target: Target, wanted: Negotiated) -> Reply:
        method, sub = req.method, target.subresource
        if method == "GET":
            watching = parse_bool(req.query.get("watch"))
            verb = "watch" if watching else ("get" if target.name else "list")
            self._authorize(verb, target)
            if watching:
                return self._watch(req, target, wanted)
            if target.name is None:
                return self._list(req, target, wanted)
            obj = self.store.get(target.rt, target.namespace, target.name)
            if sub == "scale":
                return Reply(body=dumps(scale_of(target.rt, obj)))
            return Reply(body=self._render_one(target.rt, obj, wanted, req))
        if method == "POST":
            if target.name is not None or (target.rt.namespaced and target.namespace is None):
                raise _method_not_allowed()
            self._authorize("create", target)
            return self._create(req, target)
        if method == "DELETE":
            self._authorize("deletecollection" if target.name is None else "delete", target)
            if sub is not None:
                raise _method_not_allowed()
            return self._delete(req, target)
        if method in ("PUT", "PATCH"):
            if target.name is None:
                raise _method_not_allowed()
            self._authorize("update" if method == "PUT" else "patch", target)
            return self._write(req, target)
        raise _method_not_allowed()

    def _object_bytes(self, rt: ResourceType, obj: Obj) -> str:
        """The JSON text of a stored object, cached per resourceVersion (lists re-use it)."""
        meta = obj["metadata"]
        key = (rt.key, meta.get("namespace", ""), meta["name"])
        rv = meta.get("resourceVersion", "")
        hit = self._encoded.get(key)
        if hit is not None and hit[0] == rv:
            return hit[1]
        text = _encode(obj)
        if len(self._encoded) > 500_000:
            self._encoded.clear()
            self._rows.clear()
        self._encoded[key] = (rv, text)
        return text

    def _render_one(self, rt: ResourceType, obj: Obj, wanted: Negotiated, req: Request) -> bytes:
        if wanted.shape == "table":
            return dumps(
                table(
                    rt.kind,
                    [obj],
                    self.cluster.clock.now(),
                    resource_version=obj["metadata"].get("resourceVersion", ""),
                    include_object=req.query.get("includeObject", "Metadata"),
                    api_version=f"meta.k8s.io/{wanted.version}",
                    cache=self._rows,
                )
            )
        if wanted.shape == "partial":
            return dumps(
                {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": f"meta.k8s.io/{wanted.version}",
                    "metadata": obj.get("metadata", {}),
                }
            )
        return dumps(obj)

    def _list(self, req: Request, target: Target, wanted: Negotiated) -> Reply:
        rt = target.rt
        q = req.query
        listing = (rt.key, target.namespace, q.get("labelSelector"), q.get("fieldSelector"))
        token = q.get("continue")
        start = 0
        if token:
            rv, after = _decode_continue(token)
            self.store.check_list(rt)
            items, keys = self._snapshot(listing, rv)
            start = bisect.bisect_right(keys, after)
        else:
            items, keys, rv = self._listing(rt, *listing[1:])
        list_meta: dict[str, Any] = {"resourceVersion": rv}
        limit = int(q.get("limit") or 0)
        end = start + limit if 0 < limit < len(items) - start else len(items)
        if end < len(items):
            if not token:
                self._keep_snapshot(listing, rv, items, keys)
            list_meta["continue"] = _encode_continue(rv, keys[end - 1])
            if not (q.get("labelSelector") or q.get("fieldSelector")):
                # As the API server: with a selector, how many are left is unknown.
                list_meta["remainingItemCount"] = len(items) - end
        items = items[start:end]
        if wanted.shape == "table":
            return Reply(
                body=dumps(
                    table(
                        rt.kind,
                        items,
                        self.cluster.clock.now(),
                        list_meta=list_meta,
                        include_object=q.get("includeObject", "Metadata"),
                        api_version=f"meta.k8s.io/{wanted.version}",
                        cache=self._rows,
                    )
                )
            )
        if wanted.shape == "partial":
            api_version = f"meta.k8s.io/{wanted.version}"
            return Reply(
                body=dumps(
                    {
                        "kind": "PartialObjectMetadataList",
                        "apiVersion": api_version,
                        "metadata": list_meta,
                        "items": [
                            {
                                "kind": "PartialObjectMetadata",
                                "apiVersion": api_version,
                                "metadata": o.get("metadata", {}),
                            }
                            for o in items
                        ],
                    }
                )
            )
        head = _encode({"kind": rt.list_kind, "apiVersion": rt.api_version, "metadata": list_meta})
        body = head[:-1] + ',"items":[' + ",".join(self._object_bytes(rt, o) for o in items) + "]}"
        return Reply(body=body.encode())

    def _listing(
        self, rt: ResourceType, namespace: str | None, labels: str | None, fields: str | None
    ) -> tuple[list[Obj], list[tuple[str, str]], str]:
        """Matching objects sorted by (namespace, name), their keys, and the list's resourceVersion.

        The result is reused while the store is unchanged, so that paging through a big list
        (kubectl asks 500 at a time) does not sort and filter everything for every page.
        """
        key = (rt.key, namespace, labels, fields)
        current = self.store.resource_version
        failing = any(f.times > 0 and f.verb == "list" for f in self.store.failures)
        hit = self._lists.get(key)
        if hit is not None and hit[0] == current and not failing:
            return hit[1], hit[2], hit[3]
        items, rv = self.store.list(rt, namespace, labels, fields)
        keys = [_sort_key(o) for o in items]
        if len(self._lists) > 32:
            self._lists.clear()
        self._lists[key] = (current, items, keys, rv)
        return items, keys, rv

    def _keep_snapshot(
        self, listing: tuple[Any, ...], rv: str, items: list[Obj], keys: list[tuple[str, str]]
    ) -> None:
        with self._snapshots_lock:
            self._snapshots.pop((*listing, rv), None)
            self._snapshots[(*listing, rv)] = (items, keys)
            while len(self._snapshots) > SNAPSHOTS_KEPT:  # the oldest first (insertion order)
                del self._snapshots[next(iter(self._snapshots))]

    def _snapshot(
        self, listing: tuple[Any, ...], rv: str
    ) -> tuple[list[Obj], list[tuple[str, str]]]:
        """The list a continue token goes on with; 410 Expired, as the API server answers a
        token older than etcd's compaction, once it is no longer kept."""
        with self._snapshots_lock:
            kept = self._snapshots.get((*listing, rv))
        if kept is None or not rv.isdigit() or int(rv) < self.store.compacted_resource_version:
            raise gone(
                "The provided continue parameter is too old to display a consistent list "
                "result. You can start a new list without the continue parameter."
            )
        return kept

    def _create(self, req: Request, target: Target) -> Reply:
        rt = target.rt
        obj = req.json_body()
        _check_object(rt, obj)
        meta = obj.setdefault("metadata", {})
        if rt.namespaced:
            if meta.get("namespace") and meta["namespace"] != target.namespace:
                raise bad_request(
                    "the namespace of the provided object does not match the namespace "
                    "sent on the request"
                )
            meta["namespace"] = target.namespace
        created = self.store.create(rt, obj, dry_run=req.dry_run)
        return Reply(201, dumps(created))

    def _write(self, req: Request, target: Target) -> Reply:
        """PUT and PATCH of an object or of its status / scale subresource."""
        rt, name = target.rt, target.name or ""
        body = req.json_body() if req.method == "PUT" else self._patch_body(req)
        with self.store.lock:  # read-modify-write as one step, as GuaranteedUpdate retries would
            current = self.store.peek(rt, target.namespace, name)
            if current is None:
                if (
                    req.method == "PATCH"
                    and _content_type(req) == "application/apply-patch+yaml"
                    and target.subresource is None
                ):
                    return self._apply_create(req, target, body)
                raise not_found(rt.qualified, name, rt.group, rt.plural)
            if target.subresource == "scale":
                return self._write_scale(req, target, current, body)
            if req.method == "PUT":
                _check_object(rt, body)
                new = body
            else:
                new = _apply_patch(req, current, body)
            if not isinstance(new, dict):
                raise bad_request("the patched object is not a JSON object")
            meta = new.setdefault("metadata", {})
            if meta.get("name", name) != name:
                raise bad_request(
                    f"the name of the object ({meta['name']}) does not match the name on "
                    f"the URL ({name})"
                )
            if rt.namespaced and meta.get("namespace", target.namespace) != target.namespace:
                raise bad_request(
                    "the namespace of the provided object does not match the namespace "
                    "sent on the request"
                )
            meta["name"] = name
            if rt.namespaced:
                meta["namespace"] = target.namespace
            updated = self.store.update(
                rt,
                new,
                subresource=target.subresource,
                dry_run=req.dry_run,
                verb="update" if req.method == "PUT" else "patch",
            )
        return Reply(body=dumps(updated))

    def _apply_create(self, req: Request, target: Target, body: Any) -> Reply:
        obj = apply_patch({}, body)
        obj.setdefault("metadata", {})["name"] = target.name
        if target.rt.namespaced:
            obj["metadata"]["namespace"] = target.namespace
        created = self.store.create(target.rt, obj, dry_run=req.dry_run)
        return Reply(201, dumps(created))

    def _write_scale(self, req: Request, target: Target, current: Obj, body: Any) -> Reply:
        rt = target.rt
        scale = scale_of(rt, current)
        new_scale = body if req.method == "PUT" else _apply_patch(req, scale, body)
        if not isinstance(new_scale, dict):
            raise bad_request("the Scale is not a JSON object")
        replicas = (new_scale.get("spec") or {}).get("replicas", 0)
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise ApiError(
                422,
                "Invalid",
                f'Scale.autoscaling "{target.name}" is invalid: spec.replicas: '
                f"Invalid value: {replicas}: must be greater than or equal to 0",
                {"name": target.name, "group": "autoscaling", "kind": "Scale"},
            )
        rv = (new_scale.get("metadata") or {}).get("resourceVersion")
        if rv and rv != current["metadata"].get("resourceVersion"):
            raise conflict(rt.qualified, target.name or "", rt.group, rt.plural)
        new = dict(current)
        new["spec"] = {**current.get("spec", {}), "replicas": replicas}
        updated = self.store.update(
            rt,
            new,
            subresource="scale",
            dry_run=req.dry_run,
            verb="update" if req.method == "PUT" else "patch",
        )
        return Reply(body=dumps(scale_of(rt, updated)))

    def _patch_body(self, req: Request) -> Any:
        if _content_type(req) not in PATCH_TYPES:
            raise ApiError(
                415,
                "UnsupportedMediaType",
                f"the body of the request was in an unknown format - accepted media types "
                f"include: {', '.join(PATCH_TYPES)}",
            )
        try:
            return json.loads(req.body)
        except ValueError as exc:
            if _content_type(req) == "application/apply-patch+yaml":
                raise bad_request(
                    "error decoding YAML: the simulated cluster accepts only the JSON "
                    f"subset of YAML in apply patches: {exc}"
                ) from exc
            raise bad_request(f"invalid JSON in patch body: {exc}") from exc

    def _delete(self, req: Request, target: Target) -> Reply:
        rt = target.rt
        # As kube-apiserver: DeleteOptions come from the body when there is one, else from
        # the query (dryRun, propagationPolicy in the query are ignored under a body).
        if req.body.strip():
            options = req.json_body()
            if not isinstance(options, dict):
                raise bad_request("the body of a DELETE must be DeleteOptions")
            propagation = options.get("propagationPolicy") or "Background"
            dry_run = "All" in (options.get("dryRun") or [])
        else:
            options = {}
            propagation = req.query.get("propagationPolicy") or "Background"
            dry_run = req.dry_run
        if target.name is None:
            items, _ = self.store.list(
                rt, target.namespace, req.query.get("labelSelector"), req.query.get("fieldSelector")
            )
            deleted = [
                self.store.delete(
                    rt,
                    o["metadata"].get("namespace"),
                    o["metadata"]["name"],
                    dry_run=dry_run,
                    propagation=propagation,
                )
                for o in list(items)
            ]
            return Reply(
                body=dumps(
                    {
                        "kind": rt.list_kind,
                        "apiVersion": rt.api_version,
                        "metadata": {"resourceVersion": str(self.store.resource_version)},
                        "items": deleted,
                    }
                )
            )
        name = target.name
        preconditions = options.get("preconditions") or {}
        with self.store.lock:
            current = self.store.peek(rt, target.namespace, name)
            if current is None:
                raise not_found(rt.qualified, name, rt.group, rt.plural)
            for field_name in ("uid", "resourceVersion"):
                want, have = preconditions.get(field_name), current["metadata"].get(field_name)
                if want and want != have:
                    label = "UID" if field_name == "uid" else "ResourceVersion"
                    raise ApiError(
                        409,
                        "Conflict",
                        f'Operation cannot be fulfilled on {rt.qualified} "{name}": Precondition '
                        f"failed: {label} in precondition: {want}, {label} in object meta: {have}",
                        {"name": name, "group": rt.group, "kind": rt.plural},
                    )
            old = self.store.delete(
                rt, target.namespace, name, dry_run=dry_run, propagation=propagation
            )
        if rt.kind in RETURNS_DELETED_OBJECT:
            return Reply(body=dumps(old))
        return Reply(
            body=dumps(
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "metadata": {},
                    "status": "Success",
                    "details": {
                        "name": name,
                        "group": rt.group,
                        "kind": rt.plural,
                        "uid": old["metadata"].get("uid"),
                    },
                }
            )
        )

    # ---------------------------------------------------------------------- watch
    def _watch(self, req: Request, target: Target, wanted: Negotiated) -> Reply:
        q = req.query
        rt = target.rt
        label_match = parse_label_selector(q.get("labelSelector"))
        field_match = parse_field_selector(q.get("fieldSelector"))
        if target.name:
            by_name = parse_field_selector(f"metadata.name={target.name}")
            field_match = (lambda f, n: lambda o: f(o) and n(o))(field_match, by_name)
        rv_text = q.get("resourceVersion", "")
        send_initial = parse_bool(q.get("sendInitialEvents"))
        if rv_text not in ("", "0"):
            try:
                start_rv = int(rv_text)
            except ValueError as exc:
                raise bad_request(
                    f'invalid resource version: strconv.ParseUint: parsing "{rv_text}": '
                    "invalid syntax"
                ) from exc
        timeout = float(q.get("timeoutSeconds") or WATCH_TIMEOUT)

        def matches(obj: Obj) -> bool:
            meta = obj.get("metadata") or {}
            if target.namespace is not None and meta.get("namespace") != target.namespace:
                return False
            return label_match(meta.get("labels") or {}) and field_match(obj)

        def encode(kind: str, obj: Obj) -> bytes:
            if wanted.shape == "table" and kind in ("ADDED", "MODIFIED", "DELETED"):
                obj = table(
                    rt.kind,
                    [obj],
                    self.cluster.clock.now(),
                    resource_version=obj["metadata"].get("resourceVersion", ""),
                    include_object=q.get("includeObject", "Metadata"),
                    api_version=f"meta.k8s.io/{wanted.version}",
                    cache=self._rows,
                )
            elif wanted.shape == "partial" and kind != "ERROR":
                obj = {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": f"meta.k8s.io/{wanted.version}",
                    "metadata": obj.get("metadata", {}),
                }
            return dumps({"type": kind, "object": obj}) + b"\n"

        def bookmark(rv: int, annotations: dict[str, str] | None = None) -> bytes:
            meta: dict[str, Any] = {"resourceVersion": str(rv)}
            if annotations:
                meta["annotations"] = annotations
            return encode(
                "BOOKMARK", {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": meta}
            )

        def stream() -> Iterator[bytes]:
            deadline = time.monotonic() + timeout
            known: set[tuple[str, str]] = set()
            initial = rv_text in ("", "0") or send_initial
            if initial:
                items, list_rv = self.store.list(rt, target.namespace)
                last = int(list_rv)
                for obj in items:
                    if matches(obj):
                        known.add(_sort_key(obj))
                        yield encode("ADDED", obj)
                if send_initial:
                    yield bookmark(last, {"k8s.io/initial-events-end": "true"})
            else:
                last = start_rv
            while not self.stopping.is_set():
                with self.store.lock:
                    seen = self.store.resource_version
                    try:
                        events: list[WatchEvent] = list(self.store.events_after(last, rt.key))
                    except ApiError as exc:
                        yield dumps({"type": "ERROR", "object": exc.status()}) + b"\n"
                        return
                for event in events:
                    last = event.rv
                    obj, key = event.object, _sort_key(event.object)
                    if event.type == "DELETED":
                        if key in known or matches(obj):
                            known.discard(key)
                            yield encode("DELETED", obj)
                    elif matches(obj):
                        kind = (
                            "ADDED"
                            if event.type == "ADDED" or (initial and key not in known)
                            else "MODIFIED"
                        )
                        known.add(key)
                        yield encode(kind, obj)
                    elif key in known:  # stopped matching the selectors: gone from this watch
                        known.discard(key)
                        yield encode("DELETED", obj)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self.store.wait_for_change(seen, min(remaining, 1.0))

        return Reply(stream=stream())

    def stop(self) -> None:
        """End every open watch stream (they notice within their next wake-up)."""
        self.stopping.set()
        with self.store.changed:
            self.store.changed.notify_all()


# ----------------------------------------------------------------------------- helpers
def _method_not_allowed() -> ApiError:
    return ApiError(
        405, "MethodNotAllowed", "the server does not allow this method on the requested resource"
    )


def _content_type(req: Request) -> str:
    return (req.headers.get("Content-Type") or JSON_TYPE).split(";")[0].strip().lower()


def _apply_patch(req: Request, doc: Obj, body: Any) -> Any:
    algorithm: Callable[[Any, Any], Any] = PATCH_TYPES[_content_type(req)]
    try:
        return algorithm(doc, body)
    except PatchError as exc:
        if exc.bad_request:
            raise bad_request(exc.message) from exc
        # As the API server reports a failed JSON patch (NewGenericServerResponse(422, ...)).
        raise ApiError(
            422, "Invalid", "the server rejected our request due to an error in our request", {}
        ) from exc


def _check_object(rt: ResourceType, obj: Any) -> None:
    if not isinstance(obj, dict):
        raise bad_request("Object 'Kind' is missing in the request body: it is not a JSON object")
    if obj.get("kind") and obj["kind"] != rt.kind:
        raise bad_request(
            f"the kind of the provided object ({obj['kind']}) does not match the resource "
            f"{rt.qualified} ({rt.kind})"
        )
    if obj.get("apiVersion") and obj["apiVersion"] != rt.api_version:
        raise bad_request(
            f"the API version in the data ({obj['apiVersion']}) does not match the expected "
            f"API version ({rt.api_version})"
        )


SNAPSHOTS_KEPT = 16
"""Paged lists whose continue tokens stay valid at once (older ones answer 410 Expired)."""


def _sort_key(obj: Obj) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return (meta.get("namespace", ""), meta.get("name", ""))


def _encode_continue(rv: str, after: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps([rv, *after]).encode()).decode()


def _decode_continue(token: str) -> tuple[str, tuple[str, str]]:
    try:
        rv, ns, name = json.loads(base64.urlsafe_b64decode(token.encode()))
        return str(rv), (str(ns), str(name))
    except (ValueError, binascii.Error, TypeError) as exc:
        raise bad_request(f"continue key is not valid: {exc}") from exc


def scale_of(rt: ResourceType, obj: Obj) -> dict[str, Any]:
    """The autoscaling/v1 Scale of a Deployment, ReplicaSet or StatefulSet."""
    meta = obj["metadata"]
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in meta
        },
        "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 0)},
        "status": {
            "replicas": (obj.get("status") or {}).get("replicas", 0),
            "selector": selector_to_string((obj.get("spec") or {}).get("selector")),
        },
    }


# ------------------------------------------------------------------------ HTTP plumbing
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by default
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._serve("PUT")

    def do_PATCH(self) -> None:  # noqa: N802
        self._serve("PATCH")

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve("DELETE")

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self, method: str) -> None:
        api = self.server.api
        if api.cluster.count_requests:
            api.cluster.requests.append((method, self.path))
        split = urlsplit(self.path)
        raw = parse_qs(split.query, keep_blank_values=True)
        req = Request(
            method,
            split.path,
            {k: v[-1] for k, v in raw.items()},
            self.headers,
            self._read_body(),
            raw,
        )
        fault = api.fault_for(req)
        if fault is not None and fault.effect == "reset":
            self._drop()  # before anything is applied
            return
        if fault is not None and fault.effect == "delay":
            time.sleep(fault.seconds)
        if fault is not None and fault.effect == "status":
            self._send(fault_reply(fault.status))
            return
        if fault is not None and fault.effect == "expire":
            expired = ApiError(410, "Expired", "too old resource version: injected expiry")
            self._write_stream(iter([dumps({"type": "ERROR", "object": expired.status()}) + b"\n"]))
            return
        reply = api.handle(req)
        if fault is not None and fault.effect == "lost":
            if reply.stream is not None:
                close = getattr(reply.stream, "close", None)
                if close is not None:
                    close()
            self._drop()  # applied, never answered
            return
        if reply.stream is not None:
            stream = reply.stream
            if fault is not None and fault.effect == "cut":
                stream = itertools.islice(stream, 1)
            self._write_stream(stream)
            return
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.code)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def _drop(self) -> None:
        """Close the connection at once (a reset), without a response."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _write_stream(self, stream: Iterator[bytes]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", JSON_TYPE)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for line in stream:
                self.wfile.write(b"%X\r\n" % len(line) + line + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client went away
            self.close_connection = True
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        if self.server.api.stopping.is_set():
            self.close_connection = True


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api_factory: Callable[[str], ApiServer]) -> None:
        super().__init__(address, _Handler)
        self.api = api_factory(f"{address[0]}:{self.server_address[1]}")
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._connections_lock:
            self._connections.add(sock)
        return sock, addr

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handler threads blocked on idle keep-alive connections so they can exit."""
        with self._connections_lock:
            connections = list(self._connections)
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class SimServer:
    """The HTTP API server of one SimCluster, on 127.0.0.1, served from a background thread."""

    def __init__(self, cluster: SimCluster, port: int = 0) -> None:
        self.cluster = cluster
        self._httpd = _HTTPServer(("127.0.0.1", port), lambda address: ApiServer(cluster, address))
        self.port: int = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread: threading.Thread | None = None

    @property
    def api(self) -> ApiServer:
        return self._httpd.api

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"sim-apiserver-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def serve_forever(self) -> None:
        """Serve in the calling thread until `stop()` is called from another thread."""
        self._httpd.serve_forever(poll_interval=0.1)

    def stop(self) -> None:
        """Stop accepting, end watch streams, close idle connections, join every thread."""
        self.api.stop()
        self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()  # joins the handler threads
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


__all__ = ["ApiServer", "Reply", "Request", "SimServer", "negotiate", "scale_of"]
