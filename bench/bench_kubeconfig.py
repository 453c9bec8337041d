"""Benchmark: read a realistic kubeconfig with certificates (about 27 KB) without PyYAML.

The file has what a developer's merged kubeconfig holds: kind, minikube-style and k3s
clusters with inline certificate authorities, users with inline client certificates and
keys, EKS and GKE-style exec users, one context each, written as kubectl writes (sorted keys,
sequences at their key's level). Times, as medians of interleaved runs:

- in one process (imports done): `kubeconfig_yaml.read` against
  ``yaml.load(text, Loader=yaml.CSafeLoader)``;
- in a fresh interpreter each time (import included): ``python -c`` reading the file either
  way after importing what a one-shot command has imported by then, against that import
  alone (the baseline, subtracted);
- both from a checkout as it is (PYTHONDONTWRITEBYTECODE=1, no bytecode of this project).

Prints the figures and the ratio of PyYAML's to ours. Run:
`python bench/bench_kubeconfig.py [--runs R]`.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from kubectl_rollback.kube import kubeconfig_yaml  # noqa: E402


def _data(rng: random.Random, size: int) -> str:
    """Base64 of a PEM-sized blob (what *-data fields hold)."""
    return base64.b64encode(rng.randbytes(size)).decode()


def realistic_kubeconfig() -> str:
    """About 27 KB: five clusters with certificates, two exec users, kubectl's layout."""
    rng = random.Random(15)
    clusters, users, contexts = [], [], []
    for name in ("kind-kind", "kind-dev", "minikube", "default", "kind-staging"):
        clusters.append(
            {
                "name": name,
                "cluster": {
                    "certificate-authority-data": _data(rng, 1000),
                    "server": f"https://127.0.0.1:{rng.randint(30000, 40000)}",
                },
            }
        )
        users.append(
            {
                "name": name,
                "user": {
                    "client-certificate-data": _data(rng, 1150),
                    "client-key-data": _data(rng, 1500),
                },
            }
        )
        contexts.append({"name": name, "context": {"cluster": name, "user": name}})
    eks = "arn:aws:eks:us-west-2:123456789012:cluster/web"
    clusters.append(
        {
            "name": eks,
            "cluster": {
                "certificate-authority-data": _data(rng, 1000),
                "server": "https://0123456789ABCDEF.gr7.us-west-2.eks.amazonaws.com",
            },
        }
    )
    users.append(
        {
            "name": eks,
            "user": {
                "exec": {
                    "apiVersion": "client.authentication.k8s.io/v1beta1",
                    "args": ["--region", "us-west-2", "eks", "get-token", "--cluster-name", "web"],
                    "command": "aws",
                    "env": None,
                    "interactiveMode": "IfAvailable",
                    "provideClusterInfo": False,
                }
            },
        }
    )
    contexts.append({"name": eks, "context": {"cluster": eks, "user": eks, "namespace": "web"}})
    doc = {
        "apiVersion": "v1",
        "clusters": clusters,
        "contexts": contexts,
        "current-context": "kind-kind",
        "kind": "Config",
        "preferences": {},
        "users": users,
    }
    return yaml.safe_dump(doc, width=10**6)


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def in_process(text: str, runs: int) -> tuple[float, float]:
    ours, theirs = [], []
    assert kubeconfig_yaml.read(text) == yaml.load(text, Loader=yaml.CSafeLoader)
    for _ in range(runs):
        start = time.perf_counter()
        kubeconfig_yaml.read(text)
        middle = time.perf_counter()
        yaml.load(text, Loader=yaml.CSafeLoader)
        end = time.perf_counter()
        ours.append(middle - start)
        theirs.append(end - middle)
    return _median_ms(ours), _median_ms(theirs)


def fresh(path: Path, runs: int, env: dict[str, str]) -> tuple[float, float, float]:
    """Medians (ms) of a fresh interpreter that imports what a one-shot command has imported
    before it reads its kubeconfig (re, typing, json, pathlib), then nothing, ours or
    PyYAML's C loader."""
    before = "import re, typing, json, pathlib\n"
    codes = {
        "baseline": before,
        "ours": before + "from kubectl_rollback.kube import kubeconfig_yaml as m\n"
        f"assert m.read(open({str(path)!r}).read()) is not m.DECLINED",
        "pyyaml": before + "import yaml\n"
        f"yaml.load(open({str(path)!r}).read(), Loader=yaml.CSafeLoader)",
    }
    times: dict[str, list[float]] = {k: [] for k in codes}
    for _ in range(runs):
        for name, code in codes.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True)
            times[name].append(time.perf_counter() - start)
    return tuple(_median_ms(times[k]) for k in codes)  # type: ignore[return-value]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    text = realistic_kubeconfig()
    print(f"kubeconfig: {len(text) / 1024:.1f} KB, {text.count(chr(10))} lines")
    ours, theirs = in_process(text, args.runs * 10)
    print(f"read, imports done:  ours {ours:.3f} ms   PyYAML C loader {theirs:.3f} ms"
          f"   ({theirs / ours:.1f}x)")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config"
        path.write_text(text)
        for label, bytecode in (("compiled", True), ("no bytecode", False)):
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            if not bytecode:
                env["PYTHONDONTWRITEBYTECODE"] = "1"
                for cached in (ROOT / "kubectl_rollback").rglob("__pycache__"):
                    for pyc in cached.glob("*.pyc"):
                        pyc.unlink()
            else:  # write this project's bytecode once, as an install does
                subprocess.run(
                    [sys.executable, "-m", "compileall", "-q", str(ROOT / "kubectl_rollback")],
                    check=True,
                )
            base, mine, pyyaml = fresh(path, args.runs, env)
            print(
                f"import + read, {label}: ours {mine - base:.1f} ms   PyYAML C loader "
                f"{pyyaml - base:.1f} ms   (baseline {base:.1f} ms)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
