"""`kubectl rollback deploy/x --yes --no-wait` against `kubectl rollout undo deploy/x`.

Both run as real commands (fresh processes) against the same simulated cluster, alternating,
with a warm discovery cache for kubectl. Prints the median wall time of each, their ratio,
and how many HTTP requests each sends (the simulated cluster counts them).

    python bench/bench_rollback.py [--runs 15] [--kubectl-version 1.33]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kubectl_rollback.sim import run_cluster  # noqa: E402
from tests.kubectl import binary as kubectl_binary  # noqa: E402


def deployment(name: str, image: str) -> dict[str, object]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--kubectl-version", default="1.33")
    args = parser.parse_args()
    kubectl = kubectl_binary(args.kubectl_version)
    if kubectl is None:
        print(f"kubectl {args.kubectl_version} not found; nothing to compare against")
        return 0
    ours = [str(Path(sys.executable).with_name("kubectl-rollback"))]
    if not Path(ours[0]).exists():
        ours = [sys.executable, "-m", "kubectl_rollback"]

    with run_cluster("empty", time_scale=0) as sim, tempfile.TemporaryDirectory() as cache:
        cluster = sim.cluster
        for name in ("undo-me", "rollback-me"):
            for image in ("nginx:1.25.3", "nginx:1.26.0", "nginx:1.27.0"):
                cluster.apply_object(deployment(name, image))
                cluster.advance(30)
        env = dict(os.environ, KUBECONFIG=sim.kubeconfig, KUBECACHEDIR=cache)
        # As installed from a wheel: bytecode compiled once, not recompiled on every start.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(ROOT / "kubectl_rollback")],
            check=True,
            env=env,
        )
        base_kubectl = [kubectl, "--kubeconfig", sim.kubeconfig, "--cache-dir", cache]
        subprocess.run([*base_kubectl, "get", "deploy"], env=env, check=True, capture_output=True)

        commands = {
            "kubectl rollout undo": [*base_kubectl, "rollout", "undo", "deploy/undo-me"],
            "kubectl rollback --yes --no-wait": [*ours, "deploy/rollback-me", "--yes", "--no-wait"],
        }
        times: dict[str, list[float]] = {k: [] for k in commands}
        requests: dict[str, list[int]] = {k: [] for k in commands}
        paths: dict[str, Counter[str]] = {k: Counter() for k in commands}
        for _ in range(args.runs):
            for label, argv in commands.items():
                cluster.requests.clear()
                cluster.count_requests = True
                start = time.perf_counter()
                proc = subprocess.run(argv, env=env, capture_output=True, text=True)
                elapsed = time.perf_counter() - start
                cluster.count_requests = False
                if proc.returncode != 0:
                    print(f"{label} failed ({proc.returncode}): {proc.stderr.strip()}")
                    return 1
                times[label].append(elapsed)
                requests[label].append(len(cluster.requests))
                paths[label].update(f"{m} {p.split('?')[0]}" for m, p in cluster.requests)
                cluster.advance(30)  # let the rollout finish before the next round

    print(f"{args.runs} runs each, kubectl {args.kubectl_version}, warm discovery cache\n")
    for label in commands:
        med = statistics.median(times[label])
        print(
            f"{label:36s} median {med * 1000:7.1f} ms   requests/run "
            f"{statistics.median(requests[label]):.0f}"
        )
        for path, count in sorted(paths[label].items()):
            print(f"    {count / args.runs:4.1f} x {path}")
    base = statistics.median(times["kubectl rollout undo"])
    mine = statistics.median(times["kubectl rollback --yes --no-wait"])
    print(f"\nwall-time ratio kubectl-rollback / kubectl: {mine / base:.2f}x")
    print(
        "request ratio: "
        f"{statistics.median(requests['kubectl rollback --yes --no-wait'])} vs "
        f"{statistics.median(requests['kubectl rollout undo'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
