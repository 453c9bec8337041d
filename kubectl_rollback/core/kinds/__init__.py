"""The workload kinds kubectl rollback rolls back, registered by data (see base.py).

``KINDS`` lists them in the order front ends show them; everything else finds a kind
through ``kind_named`` (its API kind) or ``kind_for`` (what a user typed: ``deploy``,
``statefulsets.apps``...).
"""

from __future__ import annotations

from ..errors import UsageError
from .base import WorkloadHistory, WorkloadKind
from .controllerrevision import DAEMONSET, STATEFULSET
from .deployment import DEPLOYMENT

__all__ = [
    "KINDS",
    "WorkloadHistory",
    "WorkloadKind",
    "kind_for",
    "kind_named",
    "supported",
    "supported_text",
]

KINDS: tuple[WorkloadKind, ...] = (DEPLOYMENT, STATEFULSET, DAEMONSET)

_BY_KIND = {k.kind: k for k in KINDS}
_BY_ALIAS = {alias: k for k in KINDS for alias in (*k.aliases, k.kind.lower())}


def supported(kind: str) -> bool:
    """Whether ``kind`` (an API kind) is one kubectl rollback rolls back."""
    return kind in _BY_KIND


def kind_named(kind: str) -> WorkloadKind:
    """The strategy of an API kind; UsageError (exit 2) for any other kind."""
    try:
        return _BY_KIND[kind]
    except KeyError:
        raise UsageError(
            f"{kind} cannot be rolled back: kubectl rollback handles {supported_text()}"
        ) from None


def supported_text() -> str:
    """``Deployments, StatefulSets and DaemonSets``: the kinds, as messages name them."""
    names = [f"{k.kind}s" for k in KINDS]
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]


def kind_for(text: str) -> WorkloadKind | None:
    """The kind a typed resource type names (``deploy``, ``sts``, ``daemonsets.apps``), if any."""
    return _BY_ALIAS.get(text.lower())
