"""The simulated cluster: store + clock + controllers, reconciled in a background thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol

from .clock import SimClock
from .faults import Faults
from .store import Obj, Store, resource


class Controller(Protocol):
    """A level-triggered controller.

    `sync` reconciles the given namespaces (all of them when None) and returns the
    simulated second (as `SimClock.seconds()` counts) at which it next needs to run
    even if nothing changes (a pod becoming Ready, a progress deadline), or None.
    """

    name: str

    def sync(self, cluster: SimCluster, namespaces: set[str] | None) -> float | None: ...


class SimCluster:
    """Everything the simulated API server serves, and the controllers that act on it."""

    def __init__(
        self, *, time_scale: float = 1.0, start: datetime | None = None, log_limit: int = 100_000
    ) -> None:
        self.clock = SimClock(time_scale, start)
        self.store = Store(self.clock, log_limit=log_limit)
        self.controllers: list[Controller] = []
        # Policy for SelfSubjectAccessReview and request authorisation:
        # (verb, group, plural, namespace, name) -> allowed.  Default: allow everything.
        self.authorizer: Callable[[str, str, str, str | None, str | None], bool] = (
            lambda verb, group, plural, namespace, name: True
        )
        self.user = "kubernetes-admin"
        # When set, the API server answers 401 to requests without `Authorization: Bearer <it>`.
        self.required_token: str | None = None
        self.requests: list[tuple[str, str]] = []  # (method, path?query) as served, for benchmarks
        self.count_requests = False
        # Network and server faults the HTTP server injects (sim/faults.py, `sim --fault`).
        self.faults = Faults()
        self._ctl_lock = threading.RLock()
        self._synced_rv = 0
        self._due: dict[
            str, float
        ] = {}  # namespace ("" = all) -> sim second when a controller wants to run
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.store.create(resource("", "namespaces"), {"metadata": {"name": ns}})

    # ------------------------------------------------------------ reconciling
    def settle(self, max_passes: int = 1000) -> None:
        """Run the controllers until a pass changes nothing (synchronously, in this thread)."""
        with self._ctl_lock:
            full = self._synced_rv == 0
            for _ in range(max_passes):
                before = self.store.resource_version
                namespaces = None if full else self._dirty_namespaces()
                if namespaces is not None and not namespaces:
                    return
                self._synced_rv = before
                self._run_pass(namespaces)
                full = False
                if self.store.resource_version == before and not self._overdue():
                    return
            raise RuntimeError("simulated controllers did not settle")

    def _dirty_namespaces(self) -> set[str] | None:
        now = self.clock.seconds()
        dirty: set[str] = set()
        for ns, at in list(self._due.items()):
            if at <= now:
                if ns == "":
                    return None
                dirty.add(ns)
        if self.store.resource_version > self._synced_rv:
            with self.store.lock:
                for event in self.store._log:
                    if event.rv > self._synced_rv:
                        ns = event.namespace
                        if not ns:
                            if event.key == ("", "namespaces"):
                                ns = event.object["metadata"]["name"]
                            else:
                                return None
                        dirty.add(ns)
                if self.store._log and self.store._log[0].rv > self._synced_rv + 1:
                    return None
        return dirty

    def _overdue(self) -> bool:
        now = self.clock.seconds()
        return any(at <= now for at in self._due.values())

    def _run_pass(self, namespaces: set[str] | None) -> None:
        keys: Iterable[str] = [""] if namespaces is None else namespaces
        for ns in keys:
            self._due.pop(ns, None)
        if namespaces is None:
            self._due.clear()
        for controller in self.controllers:
            due = controller.sync(self, namespaces)
            if due is not None:
                # Only the namespaces that were synced can have asked; when a controller
                # syncs several, it reports the earliest, so re-run all of them then.
                for ns in keys:
                    self._due[ns] = min(self._due.get(ns, due), due)

    def request_at(self, namespace: str, sim_seconds: float) -> None:
        """Ask for a pass over `namespace` at a simulated time (controllers may call this)."""
        self._due[namespace] = min(self._due.get(namespace, sim_seconds), sim_seconds)

    def advance(self, seconds: float) -> None:
        """Move the simulated clock forward in steps and let the controllers catch up."""
        step = 1.0
        remaining = seconds
        while remaining > 0:
            self.settle()
            delta = min(step, remaining)
            next_due = min(self._due.values(), default=None)
            if next_due is None:
                delta = remaining  # nothing is waiting for time: jump
            else:
                gap = next_due - self.clock.seconds()
                if gap > step:
                    delta = min(remaining, gap)
            self.clock.advance(delta)
            remaining -= delta
        self.settle()

    def run_until(
        self, predicate: Callable[[], bool], max_seconds: float = 3600, step: float = 1.0
    ) -> bool:
        """Advance the clock until `predicate()` holds (True) or `max_seconds` pass (False)."""
        waited = 0.0
        self.settle()
        while not predicate():
            if waited >= max_seconds:
                return False
            self.advance(step)
            waited += step
        return True

    # ------------------------------------------------------- background thread
    def start(self) -> None:
        """Run the controllers in a background thread, reacting to writes and to time."""
        if self._thread:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="sim-controllers", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self.store.changed:
            self.store.changed.notify_all()
        if self._thread:
            self._thread.join(timeout=5)
        self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.settle()
            except Exception:  # a controller bug must not kill the cluster; keep serving
                import traceback

                traceback.print_exc()
            wait = 0.25
            next_due = min(self._due.values(), default=None)
            if next_due is not None:
                real = self.clock.real_seconds_until(next_due)
                if real is not None:
                    wait = min(wait, max(real, 0.001))
            self.store.wait_for_change(self._synced_rv, wait)

    # ------------------------------------------------------------ convenience
    def get(self, plural: str, namespace: str | None, name: str, group: str | None = None) -> Obj:
        return self.store.get(_rt(plural, group), namespace, name)

    def list(
        self,
        plural: str,
        namespace: str | None = None,
        selector: str | None = None,
        group: str | None = None,
    ) -> list[Obj]:
        items, _ = self.store.list(_rt(plural, group), namespace, selector)
        return items

    def apply_object(self, obj: dict[str, Any]) -> Obj:
        """Create or replace an object (scenarios and tests), then let the controllers act."""
        from .resources import BY_KIND

        rt = BY_KIND[obj["kind"]]
        meta = obj["metadata"]
        existing = self.store.peek(
            rt, meta.get("namespace", "default") if rt.namespaced else None, meta["name"]
        )
        if existing is None:
            out = self.store.create(rt, obj)
        else:
            merged = dict(obj)
            merged_meta = dict(meta)
            merged_meta.pop("resourceVersion", None)
            merged["metadata"] = merged_meta
            if "status" in existing:
                merged["status"] = existing["status"]
            out = self.store.update(rt, merged)
        self.settle()
        return out


def _rt(plural: str, group: str | None):  # type: ignore[no-untyped-def]
    from .resources import RESOURCE_TYPES

    for rt in RESOURCE_TYPES:
        if rt.plural == plural and (group is None or rt.group == group):
            return rt
    raise KeyError(plural)
