"""A complete simulated cluster: the store with admission, the clock and every controller."""

from __future__ import annotations

from datetime import datetime

from . import controllers, strategy
from .cluster import SimCluster
from .resources import BY_KIND


def new_cluster(*, time_scale: float = 0.0, start: datetime | None = None) -> SimCluster:
    """A SimCluster with the API server's admission and the standard controllers installed.

    time_scale 0 (the default, for tests) stops the clock except for `cluster.advance()`;
    1.0 lets simulated time follow real time.
    """
    cluster = SimCluster(time_scale=time_scale, start=start)
    strategy.install(cluster)
    namespaces = BY_KIND["Namespace"]
    for ns in list(cluster.store.all_of(namespaces)):  # created before admission was installed
        cluster.store.update(namespaces, ns)
    controllers.install(cluster)
    cluster.settle()
    return cluster
