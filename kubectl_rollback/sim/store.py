"""The object store behind the simulated API server: objects, resourceVersions, watch log.

Contract: stored object dicts are never mutated in place; every write stores a fresh dict.
`get()` returns a private copy; `list()` and the watch log hand out the stored dicts
themselves (read-only for callers) so that listing 10,000 objects costs no copying.
"""

from __future__ import annotations

import builtins
import json
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from .clock import SimClock, rfc3339
from .errors import ApiError, already_exists, bad_request, conflict, gone, invalid, not_found
from .resources import BY_KEY, ResourceType, lookup
from .selectors import label_equalities, parse_field_selector, parse_label_selector

Obj = dict[str, Any]
T = TypeVar("T")
Key = tuple[str, str]  # (group, plural)

# (resource type, new object, old object or None, subresource or None).  May mutate the new
# object (defaulting, generation, status preservation) or raise ApiError (validation).
Admission = Callable[[ResourceType, Obj, "Obj | None", "str | None"], None]


def clone(obj: T) -> T:
    """A deep copy of a JSON-shaped value (faster than copy.deepcopy for API objects)."""
    return cast(T, json.loads(json.dumps(obj)))


@dataclass(frozen=True)
class WatchEvent:
    rv: int
    key: Key
    type: str  # ADDED, MODIFIED, DELETED
    object: Obj

    @property
    def namespace(self) -> str:
        return str(self.object.get("metadata", {}).get("namespace", ""))


@dataclass
class InjectedFailure:
    """A request the store will fail on purpose (tests of all-or-nothing behaviour)."""

    verb: str  # create, update, patch, delete, get, list
    plural: str
    name: str | None
    error: ApiError
    times: int = 1


def _first(item: tuple[tuple[str, str], Obj]) -> tuple[str, str]:
    return item[0]


class Store:
    """Thread-safe in-memory objects with monotonically increasing resourceVersions."""

    def __init__(self, clock: SimClock, *, log_limit: int = 100_000) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._rv = 1000
        self._objects: dict[Key, dict[tuple[str, str], Obj]] = {k: {} for k in BY_KEY}
        # The same objects indexed by namespace, so controllers read one namespace cheaply.
        self._by_namespace: dict[Key, dict[str, dict[str, Obj]]] = {k: {} for k in BY_KEY}
        # And by label (key, value), so a LIST by an equality selector (app=web, as a
        # Deployment's ReplicaSets are read) costs what it finds, not the size of the namespace.
        self._by_label: dict[Key, dict[tuple[str, str], set[tuple[str, str]]]] = {
            k: {} for k in BY_KEY
        }
        self._log: deque[WatchEvent] = deque(maxlen=log_limit)
        self._compacted_rv = self._rv
        self.admission: list[Admission] = []
        self.failures: list[InjectedFailure] = []
        self.writes = 0

    # ------------------------------------------------------------------ reads
    @property
    def resource_version(self) -> int:
        return self._rv

    @property
    def compacted_resource_version(self) -> int:
        """The resourceVersion of the last compaction (older ones are gone, 410)."""
        return self._compacted_rv

    def get(self, rt: ResourceType, namespace: str | None, name: str) -> Obj:
        with self.lock:
            self._maybe_fail("get", rt, name)
            obj = self._objects[rt.key].get((namespace or "", name))
            if obj is None:
                raise not_found(rt.qualified, name, rt.group, rt.plural)
            return clone(obj)

    def peek(self, rt: ResourceType, namespace: str | None, name: str) -> Obj | None:
        """The stored object itself (read-only) or None: for controllers and the server."""
        return self._objects[rt.key].get((namespace or "", name))

    def list(
        self,
        rt: ResourceType,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> tuple[list[Obj], str]:
        """Matching stored objects (read-only), sorted by namespace and name, and the list RV."""
        labels_match = parse_label_selector(label_selector)
        fields_match = parse_field_selector(field_selector)
        required = label_equalities(label_selector)
        with self.lock:
            self._maybe_fail("list", rt, None)
            objects = self._objects[rt.key]
            candidates: Iterable[tuple[tuple[str, str], Obj]]
            if required:  # only objects carrying every required label (filtered below)
                indexed = [self._by_label[rt.key].get(pair, set()) for pair in required]
                smallest = min(indexed, key=len)
                candidates = [(k, objects[k]) for k in smallest if all(k in i for i in indexed)]
            elif namespace is not None:
                in_namespace = self._by_namespace[rt.key].get(namespace, {})
                candidates = [((namespace, n), obj) for n, obj in in_namespace.items()]
            else:
                candidates = objects.items()
            items = [
                obj
                for (ns, _), obj in sorted(
                    (c for c in candidates if namespace is None or c[0][0] == namespace),
                    key=_first,
                )
                if labels_match(obj.get("metadata", {}).get("labels") or {}) and fields_match(obj)
            ]
            return items, str(self._rv)

    def check_list(self, rt: ResourceType) -> None:
        """Raise the injected LIST failure a list would raise (for a page served from a
        snapshot, which reads nothing here)."""
        with self.lock:
            self._maybe_fail("list", rt, None)

    def all_of(self, rt: ResourceType, namespace: str | None = None) -> Iterable[Obj]:
        """Stored objects of a type without filtering or sorting (controllers' fast path)."""
        with self.lock:
            if namespace is None:
                return list(self._objects[rt.key].values())
            return list(self._by_namespace[rt.key].get(namespace, {}).values())

    # ----------------------------------------------------------------- writes
    def create(self, rt: ResourceType, obj: Obj, *, dry_run: bool = False) -> Obj:
        with self.lock:
            self._maybe_fail("create", rt, obj.get("metadata", {}).get("name"))
            obj = clone(obj)
            meta = obj.setdefault("metadata", {})
            obj["apiVersion"] = rt.api_version
            obj["kind"] = rt.kind
            if rt.namespaced:
                ns = meta.get("namespace") or "default"
                meta["namespace"] = ns
                if ("", ns) not in self._objects[("", "namespaces")]:
                    raise not_found("namespaces", ns, "", "namespaces")
            else:
                meta.pop("namespace", None)
                ns = ""
            if not meta.get("name"):
                if meta.get("generateName"):
                    meta["name"] = self._generate_name(rt, ns, meta["generateName"])
                else:
                    raise invalid(
                        rt.kind,
                        "",
                        rt.group,
                        [("metadata.name", "Required value: name or generateName is required")],
                    )
            name = meta["name"]
            if (ns, name) in self._objects[rt.key]:
                raise already_exists(rt.qualified, name, rt.group, rt.plural)
            if meta.get("resourceVersion"):
                raise bad_request("resourceVersion should not be set on objects to be created")
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = rfc3339(self.clock.now())
            for hook in self.admission:
                hook(rt, obj, None, None)
            if dry_run:
                meta["resourceVersion"] = ""
                return obj
            self._store(rt, obj, "ADDED")
            return clone(obj)

    def update(
        self,
        rt: ResourceType,
        obj: Obj,
        *,
        subresource: str | None = None,
        dry_run: bool = False,
        verb: str = "update",
    ) -> Obj:
        """Replace an object. A resourceVersion in `obj` is a precondition (409 if stale)."""
        with self.lock:
            meta = obj.get("metadata") or {}
            name = meta.get("name") or ""
            ns = (meta.get("namespace") or "") if rt.namespaced else ""
            self._maybe_fail(verb, rt, name)
            old = self._objects[rt.key].get((ns, name))
            if old is None:
                raise not_found(rt.qualified, name, rt.group, rt.plural)
            obj = clone(obj)
            meta = obj.setdefault("metadata", {})
            rv = meta.get("resourceVersion")
            if rv and rv != old["metadata"]["resourceVersion"]:
                raise conflict(rt.qualified, name, rt.group, rt.plural)
            obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
            for immutable in ("uid", "creationTimestamp", "namespace", "name"):
                if immutable in old["metadata"]:
                    meta[immutable] = old["metadata"][immutable]
            if "deletionTimestamp" in old["metadata"]:
                meta["deletionTimestamp"] = old["metadata"]["deletionTimestamp"]
            meta["resourceVersion"] = old["metadata"]["resourceVersion"]
            for hook in self.admission:
                hook(rt, obj, old, subresource)
            if obj == old or dry_run:
                return clone(obj)
            self._store(rt, obj, "MODIFIED")
            return clone(obj)

    def mutate(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        change: Callable[[Obj], None],
        *,
        subresource: str | None = None,
    ) -> Obj:
        """Read-modify-write under the lock (controllers' path: never conflicts)."""
        with self.lock:
            obj = self.get(rt, namespace, name)
            change(obj)
            return self.update(rt, obj, subresource=subresource)

    def delete(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        *,
        dry_run: bool = False,
        precondition_uid: str | None = None,
        propagation: str = "Background",
    ) -> Obj:
        """Delete an object and (unless propagation is Orphan) everything it owns."""
        with self.lock:
            self._maybe_fail("delete", rt, name)
            ns = (namespace or "") if rt.namespaced else ""
            old = self._objects[rt.key].get((ns, name))
            if old is None:
                raise not_found(rt.qualified, name, rt.group, rt.plural)
            if precondition_uid and precondition_uid != old["metadata"]["uid"]:
                raise conflict(rt.qualified, name, rt.group, rt.plural)
            if dry_run:
                return clone(old)
            self._remove(rt, ns, name, propagation)
            return clone(old)

    def _index_labels(self, rt: ResourceType, key: tuple[str, str], obj: Obj, add: bool) -> None:
        index = self._by_label[rt.key]
        labels = obj["metadata"].get("labels") or {}
        for pair in labels.items() if isinstance(labels, dict) else ():
            if not isinstance(pair[1], str):
                continue  # no selector matches it
            if add:
                index.setdefault(pair, set()).add(key)
            else:
                keys = index.get(pair)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[pair]

    def _remove(self, rt: ResourceType, ns: str, name: str, propagation: str) -> None:
        old = self._objects[rt.key].pop((ns, name))
        self._index_labels(rt, (ns, name), old, add=False)
        in_namespace = self._by_namespace[rt.key].get(ns)
        if in_namespace is not None:
            in_namespace.pop(name, None)
            if not in_namespace:
                del self._by_namespace[rt.key][ns]
        gone_obj = clone(old)
        self._rv += 1
        gone_obj["metadata"]["resourceVersion"] = str(self._rv)
        self._log.append(WatchEvent(self._rv, rt.key, "DELETED", gone_obj))
        self.writes += 1
        uid = old["metadata"]["uid"]
        if rt.kind == "Namespace":
            for key, objs in self._objects.items():
                for ons, oname in [k for k in objs if k[0] == name]:
                    if (ons, oname) in objs:
                        self._remove(BY_KEY[key], ons, oname, "Background")
        elif propagation != "Orphan":
            for key, objs in self._objects.items():
                for (ons, oname), dep in list(objs.items()):
                    owned = any(
                        r.get("uid") == uid for r in dep["metadata"].get("ownerReferences") or ()
                    )
                    if owned and (ons, oname) in objs:
                        self._remove(BY_KEY[key], ons, oname, propagation)
        self.changed.notify_all()

    def _store(self, rt: ResourceType, obj: Obj, event: str) -> None:
        self._rv += 1
        obj["metadata"]["resourceVersion"] = str(self._rv)
        ns = obj["metadata"].get("namespace", "") if rt.namespaced else ""
        key = (ns, obj["metadata"]["name"])
        old = self._objects[rt.key].get(key)
        if old is not None:
            self._index_labels(rt, key, old, add=False)
        self._index_labels(rt, key, obj, add=True)
        self._objects[rt.key][key] = obj
        self._by_namespace[rt.key].setdefault(ns, {})[obj["metadata"]["name"]] = obj
        self._log.append(WatchEvent(self._rv, rt.key, event, obj))
        self.writes += 1
        self.changed.notify_all()

    def _generate_name(self, rt: ResourceType, ns: str, prefix: str) -> str:
        import random

        alphabet = "bcdfghjklmnpqrstvwxz2456789"
        while True:
            name = prefix + "".join(random.choice(alphabet) for _ in range(5))
            if (ns, name) not in self._objects[rt.key]:
                return name

    # ------------------------------------------------------------------ watch
    def events_after(self, rv: int, key: Key) -> builtins.list[WatchEvent]:
        """Changes to one resource type after `rv`; 410 Expired when the log no longer has them."""
        with self.lock:
            oldest = self._log[0].rv - 1 if self._log else self._rv
            if rv < min(oldest, self._compacted_rv) and rv < self._rv:
                raise gone(f"too old resource version: {rv} ({oldest})")
            return [e for e in self._log if e.rv > rv and e.key == key]

    def compact(self) -> None:
        """Forget the watch log (as etcd compaction does): older resourceVersions become 410."""
        with self.lock:
            self._log.clear()
            self._compacted_rv = self._rv

    def wait_for_change(self, after_rv: int, timeout: float) -> bool:
        with self.changed:
            if self._rv > after_rv:
                return True
            self.changed.wait(timeout)
            return self._rv > after_rv

    # -------------------------------------------------------- failure injection
    def inject_failure(
        self,
        verb: str,
        plural: str,
        name: str | None,
        code: int = 500,
        reason: str = "InternalError",
        message: str = "injected failure",
        times: int = 1,
    ) -> None:
        """Make the next `times` matching requests fail with the given Status."""
        with self.lock:
            self.failures.append(
                InjectedFailure(verb, plural, name, ApiError(code, reason, message), times)
            )

    def _maybe_fail(self, verb: str, rt: ResourceType, name: str | None) -> None:
        for f in self.failures:
            if f.times > 0 and f.verb == verb and f.plural == rt.plural and f.name in (None, name):
                f.times -= 1
                raise f.error


def resource(group: str, plural: str) -> ResourceType:
    rt = lookup(group, plural)
    if rt is None:
        raise KeyError((group, plural))
    return rt
