"""Fixtures for the command line against the simulated cluster: build histories, run the CLI."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from kubectl_rollback.sim import RunningCluster


def deployment(name: str, image: str, *, replicas: int = 3, namespace: str = "default",
               annotations: dict[str, str] | None = None, env: list[dict[str, Any]] | None = None,
               **spec: Any) -> dict[str, Any]:
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
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container]}},
            **spec,
        },
    }


def roll_out(sim: RunningCluster, obj: dict[str, Any], seconds: float = 60) -> None:
    """Create or update a Deployment the way `kubectl apply` would, then let time pass."""
    sim.cluster.apply_object(obj)
    sim.cluster.advance(seconds)


def history_of(sim: RunningCluster, name: str, images: list[str], *, namespace: str = "default",
               **kwargs: Any) -> None:
    """One revision per image, each given time to roll out (or to fail)."""
    for image in images:
        roll_out(sim, deployment(name, image, namespace=namespace, **kwargs))


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(sim: RunningCluster, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run `kubectl rollback ARGS` in-process against `sim` (KUBECONFIG points at it)."""
    from kubectl_rollback.cli import run

    monkeypatch.setenv("KUBECONFIG", sim.kubeconfig)

    def invoke(*args: str) -> CliResult:
        capsys.readouterr()
        code = run(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def ticking(sim: RunningCluster) -> Iterator[Callable[[], None]]:
    """Start moving the simulated clock in the background (for commands that --wait)."""
    stop = threading.Event()
    thread: list[threading.Thread] = []

    def start() -> None:
        def tick() -> None:
            while not stop.is_set():
                sim.cluster.advance(2)
                time.sleep(0.005)

        t = threading.Thread(target=tick, daemon=True)
        t.start()
        thread.append(t)

    yield start
    stop.set()
    for t in thread:
        t.join(timeout=5)
