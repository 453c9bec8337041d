"""An empty cluster: only the default namespaces (default, kube-system, kube-public,
kube-node-lease).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..cluster import SimCluster


def build(cluster: SimCluster) -> None:
    """Nothing to add: `world.new_cluster()` already holds the default namespaces."""
