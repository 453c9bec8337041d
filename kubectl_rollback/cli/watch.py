"""``guard --watch-namespace`` / ``--all``: one LIST + WATCH per workload kind, read by a
thread each into one queue; the main thread judges (core/guard_watch.py), records, rolls
back and prints one line per finished rollout until stopped (Ctrl-C / SIGTERM: exit 130 /
143, what is still in flight said in one line)."""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..core import documents
from ..core.guard import TICK_SECONDS, GuardSettings, Judgement
from ..core.guard_watch import WATCHED_KINDS, Finished, NamespaceGuard
from ..core.kinds import WorkloadKind
from ..core.model import WorkloadRef
from ..interrupts import Stopped
from . import notify
from .console import say

IDLE_SECONDS = 300
"""A watch with nothing in flight is reopened this often (the server closes it anyway)."""


class _Watcher:
    """One kind's LIST + WATCH, resumed from the last resourceVersion; a 410 relists."""

    def __init__(self, gw: Any, kind: WorkloadKind, namespace: str | None, events: Any) -> None:
        self.gw, self.kind, self.namespace, self.events = gw, kind, namespace, events
        self.stop_stream: list[Callable[[], None]] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name=f"watch-{kind.kind}")

    def start(self) -> None:
        items, rv = self.gw.list_with_version(self.kind.resource, self.namespace)
        for item in items:
            self.events.put((self.kind, "ADDED", item, True))
        self.rv = rv
        self.thread.start()

    def _run(self) -> None:
        while not self.stopped.is_set():
            relist = False
            for event_type, obj in self.gw.watch(
                self.kind.resource,
                self.namespace,
                self.rv,
                timeout_seconds=IDLE_SECONDS,
                on_open=self.stop_stream.append,
            ):
                if self.stopped.is_set():
                    return
                if event_type == "ERROR":
                    relist = as_code(obj) == 410
                    break
                self.rv = str((obj.get("metadata") or {}).get("resourceVersion") or self.rv)
                if event_type != "BOOKMARK":
                    self.events.put((self.kind, event_type, obj, False))
            if relist and not self.stopped.is_set():
                try:
                    items, self.rv = self.gw.list_with_version(self.kind.resource, self.namespace)
                except Exception:  # noqa: BLE001 - the next watch reports the cluster's state
                    continue
                for item in items:
                    self.events.put((self.kind, "MODIFIED", item, True))

    def stop(self) -> None:
        self.stopped.set()
        for stop in self.stop_stream:
            stop()


def as_code(obj: Any) -> int:
    try:
        return int((obj or {}).get("code") or 0)
    except (TypeError, ValueError):
        return 0


def watch_namespace(
    gw: Any,
    namespace: str | None,
    settings: GuardSettings,
    *,
    auto_rollback: bool,
    notify_url: str | None,
    notify_format: str,
    until: Callable[[list[Finished]], bool] | None = None,
) -> list[Finished]:
    """Follow until stopped (or until ``until(finished so far)`` holds: tests, bounded runs)."""
    where = f"namespace {namespace}" if namespace else "every namespace"

    def progress(ref: WorkloadRef, judgement: Judgement) -> None:
        say(f"guard: {ref.display} -n {ref.namespace}: {judgement.message}", sys.stderr)

    def forced(ref: WorkloadRef, pod: str) -> None:
        say(
            f"{ref.display} -n {ref.namespace}: deleted pod {pod} (not Ready, of the failed "
            "revision: the controller waits for it) for the rollback to go on (Kubernetes' "
            '"forced rollback")',
            sys.stdout,
        )

    guard = NamespaceGuard(
        gw,
        settings,
        lambda: datetime.now(UTC),
        auto_rollback=auto_rollback,
        on_progress=progress,
        on_forced=forced,
    )
    events: queue.Queue[tuple[WorkloadKind, str, dict[str, Any], bool]] = queue.Queue()
    watchers = [_Watcher(gw, kind, namespace, events) for kind in WATCHED_KINDS]
    finished: list[Finished] = []
    try:
        for watcher in watchers:
            watcher.start()
        say(
            f"guard: following every rollout of {where} "
            f"({', '.join(k.resource.plural for k in WATCHED_KINDS)}); Ctrl-C stops",
            sys.stderr,
        )
        while until is None or not until(finished):
            wait = TICK_SECONDS if guard.in_flight else IDLE_SECONDS
            try:
                item = events.get(timeout=wait)
                while True:
                    guard.observe(item[0], item[1], item[2], initial=item[3])
                    item = events.get_nowait()
            except queue.Empty:
                pass
            for done in guard.tick():
                finished.append(done)
                say(done.line, sys.stdout)
                _notify(notify_url, notify_format, done)
            if len(finished) > 1000:
                del finished[:-1000]  # bounded: the lines are printed already
    except Stopped as stop:
        rolling = sorted(f"{f.ref.display} -n {f.ref.namespace}" for f in guard.in_flight.values())
        still = f"; still rolling out: {', '.join(rolling)}" if rolling else ""
        raise stop.saying(f"stopped following {where}{still}") from None
    finally:
        for watcher in watchers:
            watcher.stop()
    return finished


def _notify(url: str | None, fmt: str, done: Finished) -> None:
    if url is None:
        return
    body = {
        "apiVersion": documents.API_VERSION,
        "kind": "GuardEvent",
        "workload": {
            "kind": done.ref.kind,
            "namespace": done.ref.namespace,
            "name": done.ref.name,
        },
        "revision": done.judgement.state.revision_number,
        "images": done.judgement.state.images,
        "phase": done.judgement.phase.value,
        "message": done.judgement.message,
        "recorded": done.recorded,
        "rolledBackTo": done.rolled_back_to,
        "notRolledBack": done.not_rolled_back,
        "line": done.line,
    }
    notify.deliver(url, body, fmt, done.line)
