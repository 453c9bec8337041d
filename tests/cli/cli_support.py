"""Builders shared by the command-line tests: Deployments, histories, and a CLI result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubectl_rollback.sim import RunningCluster


def deployment(
    name: str,
    image: str,
    *,
    replicas: int = 3,
    namespace: str = "default",
    annotations: dict[str, str] | None = None,
    env: list[dict[str, Any]] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "app", "image": image}
    if env:
        container["env"] = env
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "annotations": annotations or {}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [container]},
            },
            **spec,
        },
    }


def roll_out(sim: RunningCluster, obj: dict[str, Any], seconds: float = 60) -> None:
    """Create or update a Deployment the way `kubectl apply` would, then let time pass."""
    sim.cluster.apply_object(obj)
    sim.cluster.advance(seconds)


def history_of(
    sim: RunningCluster, name: str, images: list[str], *, namespace: str = "default", **kwargs: Any
) -> None:
    """One revision per image, each given time to roll out (or to fail)."""
    for image in images:
        roll_out(sim, deployment(name, image, namespace=namespace, **kwargs))


@dataclass
class CliResult:
    code: int
    out: str
    err: str
