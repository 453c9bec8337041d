"""The cluster gateway: kubeconfig, raw JSON requests, retries and watches.

The only package that imports `kubernetes`, and only when it must: kubeconfigs with static
credentials (tokens, client certificates) are resolved by `kubeconfig.py` and served by a
direct keep-alive transport, so a command does not pay for importing the client; exec
credential plugins, auth-provider and proxies go through the kubernetes client's loader
and ApiClient (`client_transport.py`, loaded only then). Either way it reads raw JSON
(never the generated models), maps every failure to the core's error types, retries reads
with backoff on 429/5xx/connection errors and never retries a write blindly. Watches are
read by `watch_stream.py`, loaded with the first one.
"""

from __future__ import annotations

import builtins
import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urlencode

from ..core import errors
from ..core.ports import PatchType, Resource
from . import kubeconfig as kubeconfig_files
from .transport import DirectTransport, ServerError, StreamResponse, Transport

JSON = "application/json"
USER_AGENT = "kubectl-rollback"

# Reads are retried on these (the API server is busy or briefly unavailable).
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_MAX_ATTEMPTS = 10  # as client-go's maximum number of retries
_UNREACHABLE_ATTEMPTS = 4
_BACKOFF_SECONDS = 0.2
_MAX_RETRY_AFTER = 10.0
DEFAULT_REQUEST_TIMEOUT = 30.0
"""Seconds a request may take, retries included (--request-timeout; 0: no limit)."""


def _api_path(
    group: str,
    version: str,
    plural: str,
    namespace: str | None,
    name: str | None = None,
    subresource: str | None = None,
) -> str:
    base = f"/apis/{group}/{version}" if group else f"/api/{version}"
    if namespace is not None:
        base += f"/namespaces/{quote(namespace, safe='')}"
    base += f"/{plural}"
    if name is not None:
        base += f"/{quote(name, safe='')}"
    if subresource:
        base += f"/{subresource}"
    return base


def _status_message(body: bytes | str | None) -> tuple[str, str]:
    """(reason, message) from a Status body, tolerant of anything else (a proxy's HTML page)."""
    if not body:
        return "", ""
    try:
        status = json.loads(body)
    except (ValueError, TypeError):
        text = body.decode(errors="replace") if isinstance(body, bytes) else str(body)
        if "<html" in text.lower() or "<!doctype" in text.lower():
            import re

            title = re.search(r"<title>\s*(.*?)\s*</title>", text, re.IGNORECASE | re.DOTALL)
            said = " ".join(title.group(1).split())[:120] if title else "an HTML page"
            return (
                "",
                f"{said} (an HTML page, not an answer of the Kubernetes API: "
                "a proxy or load balancer in between?)",
            )
        return "", " ".join(text.split())[:300]
    if isinstance(status, dict):
        return str(status.get("reason") or ""), str(status.get("message") or "")
    return "", ""


class KubeGateway:
    """Talks to one cluster (one kubeconfig context) with raw JSON; implements
    core.ports.ClusterGateway."""

    def __init__(
        self,
        transport: Transport,
        *,
        context: str,
        namespace: str,
        user: str | None,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        self._transport = transport
        self.request_timeout = request_timeout
        self.context = context
        self.namespace = namespace
        self.user = user
        self.server = transport.server
        self.request_count = 0

    # ---------------------------------------------------------------- set-up
    @classmethod
    def connect(
        cls,
        kubeconfig: str | None = None,
        context: str | None = None,
        namespace: str | None = None,
        *,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> KubeGateway:
        """Load a kubeconfig (a path or a KUBECONFIG-style list) as kubectl does."""
        access = kubeconfig_files.resolve(kubeconfig, context)
        if access is not None:
            return cls(
                DirectTransport(access, USER_AGENT),
                context=access.context,
                namespace=namespace or access.namespace or "default",
                user=access.user,
                request_timeout=request_timeout,
            )
        from .client_transport import connect_with_client

        transport, context_name, default_namespace, user = connect_with_client(
            kubeconfig, context, USER_AGENT
        )
        return cls(
            transport,
            context=context_name,
            namespace=namespace or default_namespace,
            user=user,
            request_timeout=request_timeout,
        )

    def close(self) -> None:
        self._transport.close()

    # --------------------------------------------------------------- requests
    def _send(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        body: Any = None,
        content_type: str | None = None,
    ) -> Any:
        """One request, retried as client-go does, within `request_timeout` in all.

        Retried: a connection that could not be made (nothing was sent), a 429 for any verb
        (the server did nothing), and for reads a 500/502/503/504; after the server's
        Retry-After when it gives one, else 0.2 s doubling to 5 s. Never a write that may
        have reached the server (the transport raises OutcomeUnknown for those).
        """
        headers = {"Accept": JSON}
        data = None
        if body is not None:
            headers["Content-Type"] = content_type or JSON
            data = json.dumps(body).encode()
        url = _with_query(path, query)
        budget = self.request_timeout or None
        deadline = time.monotonic() + budget if budget else None
        delay = _BACKOFF_SECONDS
        for attempt in range(_MAX_ATTEMPTS):
            remaining = None if deadline is None else max(0.5, deadline - time.monotonic())
            self.request_count += 1
            wait: float | None
            try:
                status, raw, wait = self._transport.request(method, url, headers, data, remaining)
            except errors.OutcomeUnknown:
                raise
            except errors.Unreachable as exc:
                # Nothing listening is retried briefly (a restarting API server), not for the
                # whole budget: an unreachable cluster is said within about a second and a half.
                if (exc.connected and method != "GET") or attempt >= _UNREACHABLE_ATTEMPTS - 1:
                    raise
                failure: errors.RollbackError = exc
                wait = None
            else:
                if 200 <= status <= 299:
                    return json.loads(raw) if raw else {}
                failure = self._api_error(status, raw, method, path)
                if not (status == 429 or (method == "GET" and status in _RETRY_STATUSES)):
                    raise failure
            pause = min(wait if wait is not None else delay, _MAX_RETRY_AFTER)
            if attempt == _MAX_ATTEMPTS - 1 or (
                deadline is not None and time.monotonic() + pause > deadline
            ):
                raise failure
            time.sleep(pause)
            delay = min(delay * 2, 5.0)
        raise AssertionError("unreachable")

    def _open_stream(self, path: str, query: dict[str, Any], timeout: float) -> StreamResponse:
        self.request_count += 1
        response = self._transport.stream(_with_query(path, query), {"Accept": JSON}, timeout)
        if not 200 <= response.status <= 299:
            raise self._api_error(response.status, response.read_all(), "GET", path)
        return response

    def _api_error(self, status: int, body: Any, method: str, path: str) -> errors.RollbackError:
        reason, message = _status_message(body)
        message = message or f"the server responded with status {status} to {method} {path}"
        if status == 401:
            withheld = (
                (
                    " (the kubeconfig's credentials are not sent over plain http "
                    "to another machine; use https)"
                )
                if getattr(self._transport, "withheld", False)
                else ""
            )
            return errors.Unauthorized(
                "You must be logged in to the server (Unauthorized)"
                + (f": {message}" if message and "Unauthorized" not in message else "")
                + withheld
            )
        if status == 403:
            return errors.Forbidden(message)
        if status == 404:
            return errors.NotFound(message)
        if status == 409:
            return errors.Conflict(message)
        if status == 422 or status == 400:
            return errors.Invalid(message)
        return ServerError(message, status=status, reason=reason)

    def _read(self, path: str, query: dict[str, Any] | None = None) -> Any:
        return self._send("GET", path, query=query)

    def _list(
        self, resource: Resource, namespace: str | None, label_selector: str | None
    ) -> tuple[list[dict[str, Any]], str]:
        """Every page of a LIST, and the first page's resourceVersion."""
        items: list[dict[str, Any]] = []
        cont: str | None = None
        list_rv = ""
        while True:
            out = self._read(
                _api_path(resource.group, resource.version, resource.plural, namespace),
                {"labelSelector": label_selector or None, "limit": 500, "continue": cont},
            )
            meta = out.get("metadata") or {}
            list_rv = list_rv or str(meta.get("resourceVersion") or "")
            for item in out.get("items") or []:
                # Lists omit kind/apiVersion on items; put them back so objects describe themselves.
                item.setdefault("apiVersion", resource.api_version)
                item.setdefault("kind", resource.kind)
                items.append(item)
            cont = meta.get("continue")
            if not cont:
                return items, list_rv

    def _raise_namespace_or(self, namespace: str, message: str) -> None:
        try:
            self._read(_api_path("", "v1", "namespaces", None, namespace))
        except errors.NotFound:
            raise errors.NotFound(f'namespaces "{namespace}" not found') from None
        except errors.RollbackError:
            pass
        raise errors.NotFound(message)

    # ---------------------------------------------------------- ClusterGateway
    def get(self, resource: Resource, namespace: str, name: str) -> dict[str, Any]:
        """GET one object; a 404 says whether the object or its namespace is missing."""
        path = _api_path(resource.group, resource.version, resource.plural, namespace, name)
        try:
            obj: dict[str, Any] = self._read(path)
        except errors.NotFound:
            self._raise_namespace_or(namespace, f'{resource.qualified} "{name}" not found')
            raise
        return obj

    def list_with_version(
        self, resource: Resource, namespace: str | None, *, label_selector: str | None = None
    ) -> tuple[list[dict[str, Any]], str]:
        """(items, the list's resourceVersion): the starting point of a `watch`."""
        return self._list(resource, namespace, label_selector)

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
        out: dict[str, Any] = self._send(
            "PATCH",
            _api_path(resource.group, resource.version, resource.plural, namespace, name),
            query={"dryRun": "All" if dry_run else None, "fieldManager": USER_AGENT},
            body=body,
            content_type=patch_type.value,
        )
        return out

    def create(self, resource: Resource, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = self._send(
            "POST",
            _api_path(resource.group, resource.version, resource.plural, namespace),
            query={"fieldManager": USER_AGENT},
            body=body,
        )
        return out

    def delete(
        self,
        resource: Resource,
        namespace: str,
        name: str,
        *,
        resource_version: str,
        dry_run: bool = False,
    ) -> None:
        self._send(
            "DELETE",
            _api_path(resource.group, resource.version, resource.plural, namespace, name),
            # Under a body the API server reads DeleteOptions from it only (not the query).
            body={
                "apiVersion": "v1",
                "kind": "DeleteOptions",
                "preconditions": {"resourceVersion": resource_version},
                "propagationPolicy": "Background",
                **({"dryRun": ["All"]} if dry_run else {}),
            },
        )

    def whoami(self) -> str | None:
        """The user as the kubeconfig names it (SelfSubjectReview needs newer clusters)."""
        return self.user

    def can_i(
        self, verb: str, resource: Resource, namespace: str | None, name: str | None = None
    ) -> tuple[bool, str]:
        """A SelfSubjectAccessReview: (allowed, reason)."""
        attributes = {
            "verb": verb,
            "group": resource.group,
            "resource": resource.plural,
            "namespace": namespace,
            "name": name,
        }
        review = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {k: v for k, v in attributes.items() if v is not None}},
        }
        out = self._send(
            "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body=review
        )
        status = out.get("status") or {}
        return bool(status.get("allowed")), str(
            status.get("reason") or status.get("evaluationError") or ""
        )

    def watch(
        self,
        resource: Resource,
        namespace: str | None,
        resource_version: str,
        *,
        name: str | None = None,
        label_selector: str | None = None,
        timeout_seconds: int = 300,
        on_open: Callable[[Callable[[], None]], None] | None = None,
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """Events after `resource_version` as (type, object), bookmarks included; never
        raises (see watch_stream.events, loaded with the first watch)."""
        from .watch_stream import events

        return events(
            self._open_stream,
            _api_path(resource.group, resource.version, resource.plural, namespace),
            resource_version,
            name=name,
            label_selector=label_selector,
            timeout_seconds=timeout_seconds,
            on_open=on_open,
        )

    @staticmethod
    def list_contexts(kubeconfig: str | None = None) -> tuple[list[str], str | None]:
        """(context names, current context) of a kubeconfig, as
        `kubectl config get-contexts` lists them."""
        names, current = kubeconfig_files.list_contexts(kubeconfig)
        return sorted(names), current

    # Last in the class: from here on, `list` in an annotation would name this method.
    def list(
        self, resource: Resource, namespace: str | None, *, label_selector: str | None = None
    ) -> builtins.list[dict[str, Any]]:
        return self._list(resource, namespace, label_selector)[0]


def _with_query(path: str, query: dict[str, Any] | None) -> str:
    params = [(k, str(v)) for k, v in (query or {}).items() if v is not None]
    return f"{path}?{urlencode(params)}" if params else path
