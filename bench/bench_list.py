"""Benchmark: list 10,000 ReplicaSets from the simulated cluster.

Fills a running simulated cluster with 10,000 ReplicaSets across 20 namespaces (straight
into the store), then times, as the median of 5 runs:

- a raw HTTP GET of the JSON list and of the Table kubectl asks for (the baseline),
- `kubectl get rs -A` with the real kubectl 1.33 and a warm discovery cache (kubectl pages
  through the list 500 at a time; also timed with `--chunk-size=0`, one request),
- the Python client: `list_replica_set_for_all_namespaces(_preload_content=False)` plus
  `json.loads`, and the same call deserialised into models.

Prints the figures and their ratios to the raw-HTTP baseline measured in the same run.
Run: `python bench/bench_list.py [--count N] [--runs R]`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kubectl_rollback.sim import TOKEN, RunningCluster, run_cluster  # noqa: E402
from kubectl_rollback.sim.resources import lookup  # noqa: E402

TABLE = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,"
    "application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
    "application/json"
)
NAMESPACES = 20


def replicaset(namespace: str, index: int) -> dict[str, Any]:
    app = f"app-{index % 500}"
    name = f"{app}-{index:08x}"
    template = {
        "metadata": {"labels": {"app": app, "pod-template-hash": f"{index:08x}"}},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": f"registry.example.com/{app}:1.{index % 7}",
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                    "env": [{"name": "MODE", "value": "production"}],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                }
            ]
        },
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": dict(template["metadata"]["labels"]),
            "annotations": {
                "deployment.kubernetes.io/revision": str(index % 10 + 1),
                "deployment.kubernetes.io/desired-replicas": "0",
                "deployment.kubernetes.io/max-replicas": "1",
            },
        },
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": dict(template["metadata"]["labels"])},
            "template": template,
        },
    }


def fill(sim: RunningCluster, count: int) -> float:
    started = time.perf_counter()
    store = sim.cluster.store
    namespaces = lookup("", "namespaces")
    replicasets = lookup("apps", "replicasets")
    assert namespaces is not None and replicasets is not None
    for n in range(NAMESPACES):
        store.create(namespaces, {"metadata": {"name": f"bench-{n:02d}"}})
    for i in range(count):
        store.create(replicasets, replicaset(f"bench-{i % NAMESPACES:02d}", i))
    sim.cluster.settle()
    return time.perf_counter() - started


def median_seconds(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def raw_get(sim: RunningCluster, path: str, accept: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=60)
    try:
        conn.request("GET", path, headers={"Accept": accept, "Authorization": f"Bearer {TOKEN}"})
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 200, body[:200]
        return body
    finally:
        conn.close()


def kubectl_binary() -> Path | None:
    found = shutil.which("kubectl")
    if found is None:
        return None
    candidate = Path(os.path.realpath(found)).parent / "kubectl.1.33"
    return candidate if candidate.is_file() else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results: dict[str, float] = {}
    with run_cluster("empty", time_scale=0) as sim:
        print(f"filling {args.count} ReplicaSets in {NAMESPACES} namespaces ...", flush=True)
        print(f"  filled in {fill(sim, args.count):.2f} s")
        path = "/apis/apps/v1/replicasets"
        body = raw_get(sim, path, "application/json")
        assert len(json.loads(body)["items"]) == args.count
        print(
            f"  JSON list: {len(body) / 1e6:.1f} MB, Table: "
            f"{len(raw_get(sim, path, TABLE)) / 1e6:.1f} MB"
        )
        results["raw HTTP JSON list"] = median_seconds(
            lambda: raw_get(sim, path, "application/json"), args.runs
        )
        results["raw HTTP Table list"] = median_seconds(
            lambda: raw_get(sim, path, TABLE), args.runs
        )

        binary = kubectl_binary()
        if binary is None:
            print("kubectl.1.33 not found: skipping the kubectl figures")
        else:
            with tempfile.TemporaryDirectory() as cache:
                command = [
                    str(binary),
                    "--kubeconfig",
                    sim.kubeconfig,
                    "--cache-dir",
                    cache,
                    "get",
                    "rs",
                    "-A",
                ]
                env = {**os.environ, "KUBECACHEDIR": cache}

                def kubectl() -> None:
                    out = subprocess.run(
                        command, capture_output=True, text=True, env=env, timeout=120, check=True
                    )
                    assert out.stdout.count("\n") == args.count + 1

                kubectl()  # warm the discovery cache
                sim.cluster.requests.clear()
                sim.cluster.count_requests = True
                kubectl()
                sim.cluster.count_requests = False
                pages = sum(1 for _, p in sim.cluster.requests if p.startswith(path))
                print(
                    f"  kubectl get rs -A sends {len(sim.cluster.requests)} request(s), {pages} "
                    "of them "
                    f"list pages (limit=500 + continue)"
                )
                results["kubectl 1.33 get rs -A"] = median_seconds(kubectl, args.runs)
                command.append("--chunk-size=0")
                results["kubectl 1.33 get rs -A --chunk-size=0"] = median_seconds(
                    kubectl, args.runs
                )

        try:
            from kubernetes import client, config
        except ImportError:
            print("the kubernetes Python client is not installed: skipping its figures")
        else:
            api = client.AppsV1Api(config.new_client_from_config(config_file=sim.kubeconfig))

            def raw_list() -> None:
                resp = api.list_replica_set_for_all_namespaces(_preload_content=False)
                assert len(json.loads(resp.data)["items"]) == args.count

            def model_list() -> None:
                assert len(api.list_replica_set_for_all_namespaces().items) == args.count

            results["python client raw + json.loads"] = median_seconds(raw_list, args.runs)
            results["python client models"] = median_seconds(model_list, max(1, min(args.runs, 3)))

    baseline = results["raw HTTP JSON list"]
    print(f"\nlisting {args.count} ReplicaSets, median of {args.runs} runs:")
    for label, seconds in results.items():
        print(f"  {label:40s} {seconds * 1000:8.0f} ms   x{seconds / baseline:5.1f} of raw JSON")
    return 0


if __name__ == "__main__":
    sys.exit(main())
