"""core/v1 Events as client-go's event recorder writes them, repeats aggregated into `count`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .base import EVENTS, now_text

if TYPE_CHECKING:
    from ..cluster import SimCluster


class EventRecorder:
    """Records Events for one controller (`source.component`), like `record.EventRecorder`.

    An event identical to an earlier one (same object, type, reason, message) bumps that
    event's `count` and `lastTimestamp` instead of creating another.
    """

    def __init__(self, component: str) -> None:
        self.component = component
        self._seen: dict[tuple[str, str, str, str, str], str] = {}
        self._serial = 0

    def record(
        self,
        cluster: SimCluster,
        obj: Mapping[str, Any],
        reason: str,
        message: str,
        type_: str = "Normal",
    ) -> None:
        meta = obj["metadata"]
        namespace = meta.get("namespace") or "default"
        key = (namespace, meta["uid"], type_, reason, message)
        now = now_text(cluster)
        store = cluster.store
        existing_name = self._seen.get(key)
        if existing_name and store.peek(EVENTS, namespace, existing_name) is not None:

            def bump(event: dict[str, Any]) -> None:
                event["count"] = int(event.get("count") or 1) + 1
                event["lastTimestamp"] = now

            store.mutate(EVENTS, namespace, existing_name, bump)
            return
        self._serial += 1
        nanos = int(cluster.clock.now().timestamp()) * 1_000_000_000 + self._serial
        event = {
            "metadata": {"name": f"{meta['name']}.{nanos:x}", "namespace": namespace},
            "involvedObject": {
                "kind": obj.get("kind"),
                "namespace": namespace,
                "name": meta["name"],
                "uid": meta["uid"],
                "apiVersion": obj.get("apiVersion"),
                "resourceVersion": meta.get("resourceVersion", ""),
            },
            "reason": reason,
            "message": message,
            "source": {"component": self.component},
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": type_,
            "eventTime": None,
            "reportingComponent": self.component,
            "reportingInstance": "",
        }
        created = store.create(EVENTS, event)
        if len(self._seen) > 50_000:  # only recent repeats need aggregating
            self._seen.clear()
        self._seen[key] = created["metadata"]["name"]
