"""Benchmark: how fast the terminal UI shows workloads and a revision view, and whether it stays
responsive.

A child process serves a simulated cluster whose namespace is filled straight into the
store (objects shaped as the Deployment controller leaves them: Deployments with a complete
status, ReplicaSets with ownerReferences, revision annotations and pod-template-hash labels;
no controllers run, so nothing changes while measuring). This process runs the app headless
(160x48) and reports, per namespace size, the median of the runs:

- start -> first workloads list on screen, and start -> the revision view of one workload
  (the app is opened on it, so this includes the list);
- the baseline measured in the same run: one raw HTTP LIST of the namespace's Deployments
  plus json.loads, and the ratio of the UI's first list to it;
- the longest gap between two ticks of a 10 ms UI timer while loading (the UI thread never
  waits on the network: a gap is rendering work), and how many cluster calls ran on the UI
  thread (must be 0);
- the peak resident memory of this (UI) process, from getrusage.

Targets (issue 5): first workloads on screen within 1 s for 500 Deployments and 3 s for 5,000.

    python bench/bench_tui.py [--runs 3] [--sizes 500:10,5000:2]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import http.client
import json
import multiprocessing
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NAMESPACE = "bench"
START = "2026-03-02T09:30:00Z"


def _hash(text: str) -> str:
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    digest = hashlib.sha256(text.encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:10])


def fill(cluster: Any, deployments: int, revisions: int) -> None:
    """Write final-state Deployments and their ReplicaSets straight into the store."""
    from kubectl_rollback.sim.resources import BY_KIND

    store = cluster.store
    store.create(
        BY_KIND["Namespace"],
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
    )
    for d in range(deployments):
        name = f"app-{d:05d}"
        image = f"registry.example.com/bench/{name}:1.{revisions - 1}.0"
        labels = {"app": name}
        template = {
            "metadata": {"labels": labels},
            "spec": {
                "containers": [{"name": "app", "image": image, "ports": [{"containerPort": 8080}]}]
            },
        }
        dep = store.create(
            BY_KIND["Deployment"],
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {
                    "name": name,
                    "namespace": NAMESPACE,
                    "labels": labels,
                    "annotations": {"deployment.kubernetes.io/revision": str(revisions)},
                },
                "spec": {
                    "replicas": 2,
                    "selector": {"matchLabels": labels},
                    "template": template,
                    "strategy": {
                        "type": "RollingUpdate",
                        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                    },
                },
            },
        )
        uid = dep["metadata"]["uid"]
        generation = dep["metadata"].get("generation", 1)
        for r in range(1, revisions + 1):
            rs_image = f"registry.example.com/bench/{name}:1.{r - 1}.0"
            pod_hash = _hash(f"{name}-{r}")
            current = r == revisions
            replicas = 2 if current else 0
            store.create(
                BY_KIND["ReplicaSet"],
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "metadata": {
                        "name": f"{name}-{pod_hash}",
                        "namespace": NAMESPACE,
                        "labels": {**labels, "pod-template-hash": pod_hash},
                        "annotations": {
                            "deployment.kubernetes.io/revision": str(r),
                            "deployment.kubernetes.io/desired-replicas": "2",
                            "deployment.kubernetes.io/max-replicas": "3",
                        },
                        "ownerReferences": [
                            {
                                "apiVersion": "apps/v1",
                                "kind": "Deployment",
                                "name": name,
                                "uid": uid,
                                "controller": True,
                                "blockOwnerDeletion": True,
                            }
                        ],
                    },
                    "spec": {
                        "replicas": replicas,
                        "selector": {"matchLabels": {**labels, "pod-template-hash": pod_hash}},
                        "template": {
                            "metadata": {"labels": {**labels, "pod-template-hash": pod_hash}},
                            "spec": {
                                "containers": [
                                    {
                                        "name": "app",
                                        "image": rs_image,
                                        "ports": [{"containerPort": 8080}],
                                    }
                                ]
                            },
                        },
                    },
                    "status": {
                        "replicas": replicas,
                        "readyReplicas": replicas,
                        "availableReplicas": replicas,
                        "fullyLabeledReplicas": replicas,
                        "observedGeneration": 1,
                    },
                },
            )

        def complete(
            obj: dict[str, Any],
            generation: int = generation,
            name: str = name,
            pod_hash: str = _hash(f"{name}-{revisions}"),
        ) -> None:
            obj["status"] = {
                "observedGeneration": generation,
                "replicas": 2,
                "updatedReplicas": 2,
                "readyReplicas": 2,
                "availableReplicas": 2,
                "conditions": [
                    {
                        "type": "Available",
                        "status": "True",
                        "reason": "MinimumReplicasAvailable",
                        "message": "Deployment has minimum availability.",
                        "lastUpdateTime": START,
                        "lastTransitionTime": START,
                    },
                    {
                        "type": "Progressing",
                        "status": "True",
                        "reason": "NewReplicaSetAvailable",
                        "message": f'ReplicaSet "{name}-{pod_hash}" has successfully progressed.',
                        "lastUpdateTime": START,
                        "lastTransitionTime": START,
                    },
                ],
            }

        store.mutate(BY_KIND["Deployment"], NAMESPACE, name, complete)


def serve(deployments: int, revisions: int, conn: Any) -> None:
    """Child process: build, fill and serve a cluster without controllers until told to stop."""
    from kubectl_rollback.sim import build_cluster, write_kubeconfig
    from kubectl_rollback.sim.server import SimServer

    cluster = build_cluster("empty", time_scale=0)
    started = time.perf_counter()
    fill(cluster, deployments, revisions)
    filled = time.perf_counter() - started
    server = SimServer(cluster, 0)
    server.start()
    path = Path(tempfile.mkdtemp(prefix="bench-tui-")) / "kubeconfig"
    write_kubeconfig(path, server.url)
    conn.send((str(path), server.url, filled))
    conn.recv()  # until the parent is done
    server.stop()


class Responsiveness:
    """Longest gap between two ticks of a fast UI timer."""

    def __init__(self) -> None:
        self.last = 0.0
        self.longest = 0.0

    def tick(self) -> None:
        now = time.perf_counter()
        if self.last:
            self.longest = max(self.longest, now - self.last)
        self.last = now


def _count_ui_thread_calls(connector: Any, counter: list[str]) -> Any:
    """Wrap the connector so that every gateway method called on the UI thread is counted."""
    from kubectl_rollback.tui.cluster import Connector

    main = threading.main_thread()

    class Watched:
        def __init__(self, gw: Any) -> None:
            self._gw = gw

        def __getattr__(self, name: str) -> Any:
            attr = getattr(self._gw, name)
            if not callable(attr):
                return attr

            def call(*args: Any, **kwargs: Any) -> Any:
                if threading.current_thread() is main and name != "close":
                    counter.append(name)
                return attr(*args, **kwargs)

            return call

    class CountingConnector(Connector):
        def connect(self, context: str | None, namespace: str | None) -> Any:
            return Watched(super().connect(context, namespace))

    return CountingConnector(connector.kubeconfig)


async def run_app_once(kubeconfig: str, workload: str | None) -> dict[str, float]:
    from kubectl_rollback.tui.app import RollbackApp
    from kubectl_rollback.tui.cluster import Connector

    ui_calls: list[str] = []
    ticks = Responsiveness()
    app = RollbackApp(
        connector=_count_ui_thread_calls(Connector(kubeconfig), ui_calls),
        namespace=NAMESPACE,
        workload=workload,
        live=True,
    )
    app.started_at = time.perf_counter()
    want = f"history:{workload}" if workload else "workloads"
    async with app.run_test(size=(160, 48)) as pilot:
        app.set_interval(0.01, ticks.tick)
        deadline = time.perf_counter() + 60
        while want not in app.timings and time.perf_counter() < deadline:
            await pilot.pause(0.005)
        await pilot.pause(0.05)
    return {
        "workloads": app.timings.get("workloads", float("nan")),
        "history": app.timings.get(want, float("nan")) if workload else float("nan"),
        "gap": ticks.longest,
        "ui_calls": float(len(ui_calls)),
    }


def raw_list_seconds(url: str) -> float:
    parts = urlsplit(url)
    started = time.perf_counter()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    conn.request(
        "GET",
        f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments?limit=500",
        headers={"Authorization": "Bearer sim-token", "Accept": "application/json"},
    )
    items = json.loads(conn.getresponse().read())
    cont = items.get("metadata", {}).get("continue")
    while cont:
        conn.request(
            "GET",
            f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments?limit=500&continue={cont}",
            headers={"Authorization": "Bearer sim-token", "Accept": "application/json"},
        )
        cont = json.loads(conn.getresponse().read()).get("metadata", {}).get("continue")
    conn.close()
    return time.perf_counter() - started


def bench(deployments: int, revisions: int, runs: int) -> None:
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.get_context("fork").Process(
        target=serve, args=(deployments, revisions, child)
    )
    proc.start()
    kubeconfig, url, filled = parent.recv()
    try:
        print(f"\n{deployments} Deployments x {revisions} revisions (filled in {filled:.1f} s)")
        raw = statistics.median(raw_list_seconds(url) for _ in range(runs))
        workload = f"app-{deployments // 2:05d}"
        first = [asyncio.run(run_app_once(kubeconfig, None)) for _ in range(runs)]
        opened = [asyncio.run(run_app_once(kubeconfig, workload)) for _ in range(runs)]
        list_s = statistics.median(r["workloads"] for r in first)
        history_s = statistics.median(r["history"] for r in opened)
        gap = max(r["gap"] for r in first + opened)
        ui_calls = sum(r["ui_calls"] for r in first + opened)
        target = 1.0 if deployments <= 500 else 3.0
        verdict = "ok" if list_s <= target else "SLOWER THAN TARGET"
        print(f"  baseline: raw LIST of the Deployments + json.loads   {raw * 1000:8.0f} ms")
        print(
            f"  start -> first workloads on screen                   {list_s * 1000:8.0f} ms"
            f"   ({list_s / raw:.1f}x baseline; target {target:.0f} s: {verdict})"
        )
        print(f"  start -> revision view of {workload}               {history_s * 1000:8.0f} ms")
        print(f"  longest gap between 10 ms UI ticks while loading     {gap * 1000:8.0f} ms")
        print(f"  cluster calls on the UI thread                       {ui_calls:8.0f}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak RSS of the UI process so far                    {peak:8.0f} MiB")
    finally:
        parent.send("stop")
        proc.join(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--sizes",
        default="500:10,5000:2",
        help="DEPLOYMENTS:REVISIONS pairs, comma-separated (default 500:10,5000:2)",
    )
    args = parser.parse_args()
    print(f"bench_tui: Python {sys.version.split()[0]}, {args.runs} run(s) each, median")
    for pair in args.sizes.split(","):
        deployments, revisions = (int(x) for x in pair.split(":"))
        bench(deployments, revisions, args.runs)


if __name__ == "__main__":
    main()
