"""Serving a simulated cluster: build one from a scenario, serve it on 127.0.0.1, stop it.

`run_cluster` (a `with` block), `start_cluster` (the caller stops it), `serve_forever` (the
`sim` command), and the kubeconfig that points at it. Re-exported by `kubectl_rollback.sim`.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .cluster import SimCluster
from .faults import Fault
from .scenarios import demo as demo_scenario
from .scenarios import load as load_scenario
from .server import SimServer
from .world import new_cluster

TOKEN = "sim-token"
"""The bearer token written into the kubeconfig (see `SimCluster.required_token`)."""

CONTEXT = "sim"


def kubeconfig_text(url: str, token: str = TOKEN, namespace: str = "default") -> str:
    """A kubeconfig whose current context `sim` points at `url` with a bearer token."""
    return (
        "apiVersion: v1\n"
        "kind: Config\n"
        "clusters:\n"
        f"- name: {CONTEXT}\n"
        "  cluster:\n"
        f"    server: {url}\n"
        "users:\n"
        f"- name: {CONTEXT}\n"
        "  user:\n"
        f"    token: {token}\n"
        "contexts:\n"
        f"- name: {CONTEXT}\n"
        "  context:\n"
        f"    cluster: {CONTEXT}\n"
        f"    user: {CONTEXT}\n"
        f"    namespace: {namespace}\n"
        f"current-context: {CONTEXT}\n"
        "preferences: {}\n"
    )


def write_kubeconfig(path: str | os.PathLike[str], url: str) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(kubeconfig_text(url))
    return target


def build_cluster(
    scenario: str = "empty", *, time_scale: float = 0.0, start: datetime | None = None
) -> SimCluster:
    """A SimCluster with admission and controllers installed and `scenario` loaded.

    `start`: the clock's reading when the cluster is created (default: now); a fixed one
    makes every timestamp, and so every age shown, reproducible.
    """
    cluster = new_cluster(time_scale=time_scale, start=start)
    load_scenario(scenario, cluster)
    return cluster


@dataclass
class RunningCluster:
    """A simulated cluster served over HTTP: what `run_cluster` yields."""

    cluster: SimCluster
    server: SimServer
    kubeconfig: str
    _tmpdir: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)
    _stopped: bool = field(default=False, repr=False)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    def stop(self) -> None:
        """Stop the HTTP server (open watches end) and the controllers; idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self.server.stop()
        self.cluster.stop()
        if self._tmpdir is not None:
            self._tmpdir.cleanup()


def start_cluster(
    scenario: str = "empty",
    *,
    time_scale: float = 0.0,
    port: int = 0,
    kubeconfig_path: str | None = None,
    start: datetime | None = None,
) -> RunningCluster:
    """Build, load and serve a cluster; the caller must `stop()` it (see `run_cluster`)."""
    cluster = build_cluster(scenario, time_scale=time_scale, start=start)
    server = SimServer(cluster, port)
    tmpdir = None
    if kubeconfig_path is None:
        tmpdir = tempfile.TemporaryDirectory(prefix="kubectl-rollback-sim-")
        kubeconfig_path = os.path.join(tmpdir.name, "kubeconfig")
    write_kubeconfig(kubeconfig_path, server.url)
    cluster.start()
    server.start()
    return RunningCluster(cluster, server, str(kubeconfig_path), tmpdir)


@contextmanager
def run_cluster(
    scenario: str = "empty",
    *,
    time_scale: float = 0.0,
    port: int = 0,
    start: datetime | None = None,
) -> Iterator[RunningCluster]:
    """Serve a simulated cluster on 127.0.0.1 for the duration of a `with` block.

    Yields a `RunningCluster` with `.url`, `.port`, `.kubeconfig` (a kubeconfig file in a
    temporary folder: context `sim`, namespace default, bearer token `sim-token`),
    `.cluster` (the SimCluster) and `.stop()`. With `time_scale=0` the simulated clock only
    moves when the caller advances it (`cluster.advance(seconds)`).
    """
    running = start_cluster(scenario, time_scale=time_scale, port=port, start=start)
    try:
        yield running
    finally:
        running.stop()


DEMO_NAMESPACE = demo_scenario.NAMESPACE
"""Where `--demo` opens: the demo scenario's namespace."""


@contextmanager
def run_demo() -> Iterator[RunningCluster]:
    """The `--demo` cluster of both front ends: the demo scenario, its clock running at real
    speed, for the duration of a `with` block (it stops with the command or the UI)."""
    with run_cluster("demo", time_scale=1.0) as running:
        yield running


def serve_forever(
    port: int = 0,
    scenario: str = "demo",
    kubeconfig_path: str | None = None,
    time_scale: float = 1.0,
    faults: list[Fault] | None = None,
) -> None:
    """Run a simulated cluster in the foreground until Ctrl-C or SIGTERM (the `sim` command)."""
    running = start_cluster(
        scenario, time_scale=time_scale, port=port, kubeconfig_path=kubeconfig_path
    )
    for fault in faults or ():
        running.cluster.faults.add(fault)
    done = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        done.set()

    # Handle SIGINT explicitly too: a process started in the background inherits it ignored.
    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        print(f"Simulated cluster ({scenario}) serving at {running.url}", flush=True)
        if port == 0:
            print(f"Port: {running.port}", flush=True)
        if kubeconfig_path:
            print(
                f"Kubeconfig: {kubeconfig_path} (kubectl --kubeconfig {kubeconfig_path} get "
                "deploy -A)",
                flush=True,
            )
        for fault in faults or ():
            count = "every time" if fault.remaining == 0 else f"x{fault.remaining}"
            target = fault.plural + (f"/{fault.name}" if fault.name else "")
            effect = fault.status if fault.effect == "status" else fault.effect
            print(f"Fault: {fault.verb} {target} {effect} ({count})", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        while not done.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        running.stop()
        print("Simulated cluster stopped.", file=sys.stderr, flush=True)
