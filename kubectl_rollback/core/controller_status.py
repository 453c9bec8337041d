"""Rollout status of StatefulSets and DaemonSets in ``kubectl rollout status`` wording.

The checks and messages follow kubectl's polymorphichelpers/rollout_status.go
(StatefulSetStatusViewer, DaemonSetStatusViewer), in the same order. Neither
kind has a progress deadline: a stuck rollout waits until the caller's timeout.
A workload whose updateStrategy is not RollingUpdate has no rollout to follow:
kubectl answers with an error, here a ``failed`` status carrying its text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .api_objects import as_dict, as_int, dig
from .status import RolloutStatus

JSON = Any

NOT_ROLLING = "rollout status is only available for RollingUpdate strategy type"
"""kubectl's error for an OnDelete StatefulSet or DaemonSet."""


def statefulset_status(statefulset: Mapping[str, JSON]) -> RolloutStatus:
    """The status ``kubectl rollout status statefulset/x`` would print."""
    spec = as_dict(statefulset.get("spec"))
    status = as_dict(statefulset.get("status"))
    strategy = as_dict(spec.get("updateStrategy"))
    if str(strategy.get("type") or "RollingUpdate") != "RollingUpdate":
        return RolloutStatus(False, True, NOT_ROLLING)
    observed = as_int(status.get("observedGeneration"))
    if observed == 0 or as_int(dig(statefulset, "metadata", "generation")) > observed:
        return RolloutStatus(False, False, "Waiting for statefulset spec update to be observed...")
    replicas = spec.get("replicas")
    ready = as_int(status.get("readyReplicas"))
    updated = as_int(status.get("updatedReplicas"))
    if isinstance(replicas, int) and ready < replicas:
        return RolloutStatus(False, False, f"Waiting for {replicas - ready} pods to be ready...")
    rolling = strategy.get("rollingUpdate")
    if isinstance(rolling, dict):
        partition = rolling.get("partition")
        if (
            isinstance(replicas, int)
            and isinstance(partition, int)
            and updated < replicas - partition
        ):
            return RolloutStatus(
                False,
                False,
                "Waiting for partitioned roll out to finish: "
                f"{updated} out of {replicas - partition} new pods have been updated...",
            )
        return RolloutStatus(
            True, False, f"partitioned roll out complete: {updated} new pods have been updated..."
        )
    update_revision = str(status.get("updateRevision") or "")
    if update_revision != str(status.get("currentRevision") or ""):
        return RolloutStatus(
            False,
            False,
            f"waiting for statefulset rolling update to complete {updated} pods "
            f"at revision {update_revision}...",
        )
    return RolloutStatus(
        True,
        False,
        f"statefulset rolling update complete {as_int(status.get('currentReplicas'))} pods "
        f"at revision {status.get('currentRevision') or ''}...",
    )


def daemonset_status(daemonset: Mapping[str, JSON]) -> RolloutStatus:
    """The status ``kubectl rollout status daemonset/x`` would print."""
    name = str(dig(daemonset, "metadata", "name") or "")
    status = as_dict(daemonset.get("status"))
    strategy = as_dict(dig(daemonset, "spec", "updateStrategy"))
    if str(strategy.get("type") or "RollingUpdate") != "RollingUpdate":
        return RolloutStatus(False, True, NOT_ROLLING)
    if as_int(dig(daemonset, "metadata", "generation")) > as_int(status.get("observedGeneration")):
        return RolloutStatus(False, False, "Waiting for daemon set spec update to be observed...")
    desired = as_int(status.get("desiredNumberScheduled"))
    updated = as_int(status.get("updatedNumberScheduled"))
    available = as_int(status.get("numberAvailable"))
    prefix = f'Waiting for daemon set "{name}" rollout to finish: '
    if updated < desired:
        return RolloutStatus(
            False, False, f"{prefix}{updated} out of {desired} new pods have been updated..."
        )
    if available < desired:
        return RolloutStatus(
            False, False, f"{prefix}{available} of {desired} updated pods are available..."
        )
    return RolloutStatus(True, False, f'daemon set "{name}" successfully rolled out')
