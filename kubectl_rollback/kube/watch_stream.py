"""A watch of the API server as the port promises it: events after a resourceVersion as
(type, object), bookmarks included, never raising once called. Loaded with the first
watch (following a rollout, the terminal UI's live lists), not for a one-shot read."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from ..core import errors
from .transport import ServerError, StreamResponse

OpenStream = Callable[[str, dict[str, Any], float], StreamResponse]
"""How the gateway opens a streaming GET: (path, query, timeout) -> a 2xx response."""


class WatchExpired(errors.RollbackError):
    """The watch's resourceVersion is too old (410 Gone): list again and re-watch."""


def events(
    open_stream: OpenStream,
    path: str,
    resource_version: str,
    *,
    name: str | None,
    label_selector: str | None,
    timeout_seconds: int,
    on_open: Callable[[Callable[[], None]], None] | None,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The events of a watch on the collection at `path`.

    Never raises: a 410 Expired ends as an ERROR event with code 410; a stream cut
    mid-way, or a watch that cannot be opened, ends as an ERROR event of another code
    after a pause of a second (so a caller that starts again does not spin). `on_open`
    receives a function that ends the watch from another thread (it shuts the socket
    down, so a blocked read returns at once): how a UI stops watching on exit; a watch
    stopped so ends without an event.
    """
    stopped: list[bool] = []
    try:
        yield from _stream(
            open_stream,
            path,
            resource_version,
            name,
            label_selector,
            timeout_seconds,
            on_open,
            stopped,
        )
    except WatchExpired as exc:
        yield "ERROR", {"kind": "Status", "code": 410, "reason": "Expired", "message": str(exc)}
    except (errors.RollbackError, ConnectionError, ValueError) as exc:
        if stopped:
            return
        time.sleep(1)
        yield (
            "ERROR",
            {
                "kind": "Status",
                "code": getattr(exc, "status", 500),
                "reason": "WatchEnded",
                "message": str(exc),
            },
        )


def _stream(
    open_stream: OpenStream,
    path: str,
    resource_version: str,
    name: str | None,
    label_selector: str | None,
    timeout_seconds: int,
    on_open: Callable[[Callable[[], None]], None] | None,
    stopped: list[bool],
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The watch stream; raises WatchExpired on 410, Unreachable when the connection drops."""
    response = open_stream(
        path,
        {
            "watch": "true",
            "resourceVersion": resource_version or None,
            "labelSelector": label_selector or None,
            "fieldSelector": f"metadata.name={name}" if name else None,
            "timeoutSeconds": max(1, int(timeout_seconds)),
            "allowWatchBookmarks": "true",
        },
        timeout_seconds + 10,
    )

    def stop() -> None:
        stopped.append(True)
        response.close()

    if on_open is not None:
        on_open(stop)
    try:
        for line in response.lines():
            if stopped:
                return
            if not line.strip():
                continue
            event = json.loads(line)
            if event.get("type") == "ERROR":
                status = event.get("object") or {}
                if status.get("code") == 410:
                    raise WatchExpired(str(status.get("message") or "watch expired"))
                raise ServerError(
                    str(status.get("message")),
                    status=int(status.get("code") or 500),
                    reason=str(status.get("reason") or ""),
                )
            yield str(event.get("type")), event.get("object") or {}
    except (OSError, ValueError, AttributeError) as exc:
        # A response closed by stop() from another thread fails its reader in any of these ways.
        if stopped:
            return
        if isinstance(exc, AttributeError):
            raise
        raise errors.Unreachable(f"watch interrupted: {' '.join(str(exc).split())[:200]}") from None
    finally:
        response.close()
