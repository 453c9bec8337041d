"""The controllers of the simulated cluster, in the order a pass runs them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .daemonset import DaemonSetController
from .deployment import DeploymentController
from .endpoints import EndpointsController
from .kubelet import Kubelet
from .replicaset import ReplicaSetController
from .statefulset import StatefulSetController

if TYPE_CHECKING:
    from ..cluster import Controller, SimCluster

__all__ = [
    "DaemonSetController",
    "DeploymentController",
    "EndpointsController",
    "Kubelet",
    "ReplicaSetController",
    "StatefulSetController",
    "install",
]


def install(cluster: SimCluster) -> None:
    """Add the standard controllers to the cluster (once)."""
    present = {c.name for c in cluster.controllers}
    wanted: list[Controller] = [
        DeploymentController(),
        ReplicaSetController(),
        StatefulSetController(),
        DaemonSetController(),
        Kubelet(),
        EndpointsController(),
    ]
    cluster.controllers.extend(c for c in wanted if c.name not in present)
