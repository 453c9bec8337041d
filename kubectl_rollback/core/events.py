"""The core/v1 Events this tool records on the objects it changes
(what `kubectl describe` lists)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .api_objects import as_dict, format_time

JSON = Any

EVENT_COMPONENT = "kubectl-rollback"


def workload_event(
    obj: Mapping[str, JSON], *, reason: str, message: str, actor: str | None, now: datetime
) -> dict[str, JSON]:
    """A Normal Event on ``obj`` from this tool."""
    timestamp = format_time(now)
    meta = as_dict(obj.get("metadata"))
    name, namespace = str(meta.get("name") or ""), str(meta.get("namespace") or "")
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"generateName": f"{name}.", "namespace": namespace},
        "involvedObject": {
            "apiVersion": str(obj.get("apiVersion") or ""),
            "kind": str(obj.get("kind") or ""),
            "name": name,
            "namespace": namespace,
            "uid": str(meta.get("uid") or ""),
            "resourceVersion": str(meta.get("resourceVersion") or ""),
        },
        "reason": reason,
        "message": message,
        "type": "Normal",
        "source": {"component": EVENT_COMPONENT},
        "reportingComponent": EVENT_COMPONENT,
        "reportingInstance": actor or "",
        "firstTimestamp": timestamp,
        "lastTimestamp": timestamp,
        "count": 1,
    }
