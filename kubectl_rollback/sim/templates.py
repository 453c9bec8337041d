"""Pod templates as the workload controllers compare and name them: semantic equality and hashes.

Real Kubernetes hashes a Go dump of the template with FNV-1a; that dump cannot be reproduced in
Python, so the simulated cluster hashes a canonical JSON rendering instead, and renders the number
in the same alphabet (`rand.SafeEncodeString`) so that names look like the real ones
(`web-7c5ddbdf54`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from typing import Any

POD_TEMPLATE_HASH = "pod-template-hash"
"""The label the Deployment controller adds to its ReplicaSets, their selectors and pods."""

SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
"""Characters Kubernetes uses for generated names: no vowels, no confusable digits."""


def safe_encode(text: str) -> str:
    """`rand.SafeEncodeString`: each character mapped into the safe alphabet."""
    return "".join(SAFE_ALPHABET[ord(c) % len(SAFE_ALPHABET)] for c in text)


def random_suffix(length: int = 5) -> str:
    """A random suffix such as generateName adds (`web-7c5ddbdf54-x2kq9`)."""
    return "".join(random.choice(SAFE_ALPHABET) for _ in range(length))


def _semantic(value: Any) -> Any:
    """Drop what Go's semantic equality cannot see: null, empty maps, empty lists, empty strings."""
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            norm = _semantic(item)
            if norm is None or norm == {} or norm == [] or norm == "":
                continue
            out[key] = norm
        return out
    if isinstance(value, list):
        return [_semantic(item) for item in value]
    return value


def canonical_template(template: Mapping[str, Any] | None) -> str:
    """The pod template without its pod-template-hash label, as canonical JSON.

    Two templates are the same revision exactly when their canonical forms are equal.
    """
    norm = _semantic(template or {})
    labels = norm.get("metadata", {}).get("labels")
    if labels and POD_TEMPLATE_HASH in labels:
        labels = {k: v for k, v in labels.items() if k != POD_TEMPLATE_HASH}
        meta = dict(norm["metadata"])
        if labels:
            meta["labels"] = labels
        else:
            meta.pop("labels")
        if meta:
            norm["metadata"] = meta
        else:
            norm.pop("metadata")
    return json.dumps(norm, sort_keys=True, separators=(",", ":"))


def templates_equal(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    """`EqualIgnoreHash`: semantic equality of two pod templates, ignoring pod-template-hash."""
    return canonical_template(a) == canonical_template(b)


def fnv1a_32(data: bytes) -> int:
    h = 0x811C9DC5
    for byte in data:
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def template_hash(
    template: Mapping[str, Any] | None,
    collision_count: int | None = None,
    *,
    canonical: str | None = None,
) -> str:
    """`controller.ComputeHash`: the template's hash (plus collision count) in safe characters."""
    data = (canonical if canonical is not None else canonical_template(template)).encode()
    if collision_count:
        data += collision_count.to_bytes(4, "little")
    return safe_encode(str(fnv1a_32(data)))
