"""A complete simulated cluster: the store with admission, the clock and every controller."""

from __future__ import annotations

from datetime import datetime

from .cluster import SimCluster
from .controllers import install as install_controllers
from .resources import BY_KIND
from .strategy import install as install_admission


def new_cluster(*, time_scale: float = 0.0, start: datetime | None = None) -> SimCluster:
    """A SimCluster with the API server's admission and the standard controllers installed.

    time_scale 0 (the default, for tests) stops the clock except for `cluster.advance()`;
    1.0 lets simulated time follow real time.
    """
    cluster = SimCluster(time_scale=time_scale, start=start)
    install_admission(cluster)
    namespaces = BY_KIND["Namespace"]
    for ns in list(cluster.store.all_of(namespaces)):  # created before admission was installed
        cluster.store.update(namespaces, ns)
    install_controllers(cluster)
    cluster.settle()
    return cluster
