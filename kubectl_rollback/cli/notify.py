"""``--notify URL``: POST a guard's result to a webhook (JSON, or Slack's text payload).

A webhook that fails (refused, times out, answers an error) is reported on stderr and never
fails the guard. Webhook URLs carry their secret in the query string (and, for Slack, in the
path): only ``scheme://host/…`` is ever printed or put into a document.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from .args import fail
from .console import say

FORMATS = ("json", "slack")
TIMEOUT_SECONDS = 10.0

JSON = Any


def shown_url(url: str) -> str:
    """The part of a webhook URL that may be printed: scheme and host (no user, path, query)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    more = "/…" if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{host}{port}{more}"


def check(url: str | None, fmt: str) -> None:
    """Usage errors (exit 2) before anything is followed."""
    if fmt not in FORMATS:
        fail(f"unknown --notify-format {fmt!r}; known: {', '.join(FORMATS)}", 2)
    if url is None:
        return
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        fail(f"--notify needs an http:// or https:// URL, got {shown_url(url)}", 2)


def payload(document: dict[str, JSON], fmt: str, summary: str) -> bytes:
    """The body sent: the GuardResult document, or ``{"text": ...}`` for Slack."""
    if fmt == "slack":
        body: dict[str, JSON] = {"text": f"kubectl rollback guard: {summary}"}
    else:
        body = document
    return json.dumps(body).encode()


def send(url: str, body: bytes, *, timeout: float = TIMEOUT_SECONDS) -> str | None:
    """POST ``body``; None when the webhook answered 2xx, else one line saying what failed."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "kubectl-rollback"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - http(s) only
            answer.read(65536)
        return None
    except urllib.error.HTTPError as exc:
        return f"the webhook answered HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"the webhook could not be reached ({reason})"


def deliver(url: str, document: dict[str, JSON], fmt: str, summary: str) -> dict[str, JSON]:
    """Send ``document`` (as ``fmt``) to the webhook; a failure is one warning line on stderr,
    never an error. What was done, as GuardResult documents report it (the URL shown only
    as `shown_url` gives it)."""
    error = send(url, payload(document, fmt, summary))
    if error is not None:
        say(f"warning: --notify {shown_url(url)}: {error}; the guard's result stands", sys.stderr)
    return {"url": shown_url(url), "format": fmt, "delivered": error is None, "error": error}
