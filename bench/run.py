"""Every speed figure of issue 15 in one table, each with its target and the ratio to it.

    python bench/run.py [--cluster sim|real] [--runs 9] [--skip tui,paging,scale]

One-shot commands run as real processes, ours and kubectl 1.33's equivalent in turn
(A B A B ...), each ratio the median of the pairs' ratios, so a machine whose speed drifts
during the run moves both. Ours runs twice over: compiled (bytecode written, as a wheel
install leaves it) and from a checkout as it is (no bytecode, PYTHONDONTWRITEBYTECODE=1),
from two temporary copies of the package; the checkout itself is left as it is.

- `--cluster sim` (default): the simulated cluster, in this process (time stopped; it moves
  30 s between rounds so each rollback finishes). Requests are counted by the cluster.
- `--cluster real`: the real control plane (scripts/control_plane.py, kube-apiserver over
  TLS, token auth; both clients pay the same handshake). Requests are not counted there.

The simulated cluster's figures (always measured on it, whatever --cluster says):
- paging: a LIST of 100,000 ConfigMaps read 500 at a time with a write between pages (as
  controllers write while kubectl pages), against one unpaged LIST of the same objects, and
  the cost per object at 100,000 against 10,000 (linear: about 1).
- scale: `history` and `--dry-run` of one Deployment in a namespace of 20,000 Deployments x 5
  ReplicaSets against the same in a namespace of 10 (flat: about 1), and their requests.
- tui: what bench/bench_tui.py measures (key press to preview drawn and the longest UI
  stall while moving at 500; first workloads on screen as a whole process in a pty, with
  `kubectl get deployments` as its baseline, and its peak memory, at 500 and 5,000; the `/`
  filter at 20,000 x 5), run in a child process through its `measure`.

A ratio to target of 1.00 or less meets the target. Takes 3-5 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import compileall
import gc
import http.client
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.kubectl import binary as kubectl_binary  # noqa: E402

NAMESPACE = "bench"
ENTRY = "import sys\nfrom kubectl_rollback.__main__ import main\nsys.exit(main())"
"""What the `kubectl-rollback` console script runs."""


@dataclass
class Row:
    figure: str
    value: str
    target: str
    ratio: float | None  # value / target: <= 1 meets it; None when there is no figure

    def cells(self) -> list[str]:
        ratio = "-" if self.ratio is None else f"{self.ratio:.2f}"
        return [self.figure, self.value, self.target, ratio]


# ------------------------------------------------------------------------- installs
@contextmanager
def installs() -> Iterator[dict[str, tuple[Path, dict[str, str]]]]:
    """Two copies of the package: compiled, and as a checkout is (no bytecode)."""
    with tempfile.TemporaryDirectory(prefix="bench-installs-") as tmp:
        made: dict[str, tuple[Path, dict[str, str]]] = {}
        for mode in ("compiled", "checkout"):
            folder = Path(tmp) / mode
            shutil.copytree(
                ROOT / "kubectl_rollback",
                folder / "kubectl_rollback",
                ignore=shutil.ignore_patterns("__pycache__"),
            )
            env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KUBECONFIG")}
            env["PYTHONPATH"] = str(folder)
            if mode == "compiled":
                compileall.compile_dir(str(folder / "kubectl_rollback"), quiet=1)
                env.pop("PYTHONDONTWRITEBYTECODE", None)
            else:
                env["PYTHONDONTWRITEBYTECODE"] = "1"
            where = subprocess.run(
                [sys.executable, "-c", "import kubectl_rollback; print(kubectl_rollback.__file__)"],
                env=env,
                cwd=folder,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            assert where.startswith(str(folder)), f"{mode} copy not the one imported: {where}"
            made[mode] = (folder, env)
        yield made


def ours(args: Sequence[str]) -> list[str]:
    return [sys.executable, "-c", ENTRY, *args]


def against(kubeconfig: str, words: Sequence[str]) -> list[str]:
    """Our command with --kubeconfig (after the subcommand, which comes first)."""
    head = list(words[:1]) if words and words[0] == "history" else []
    return ours([*head, "--kubeconfig", kubeconfig, *words[len(head) :]])


# ------------------------------------------------------------------------- timing
def run_checked(argv: Sequence[str], env: dict[str, str], cwd: Path | None = None) -> float:
    """Run to completion (exit 0 or the bench stops); its wall seconds. The CPU seconds it
    used are added to CPU_SECONDS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_SECONDS.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(
            f"bench: {' '.join(argv[3:] if argv[:2] == [sys.executable, '-c'] else argv)} "
            f"exited {proc.returncode}: {proc.stderr.strip()[:400]}"
        )
    return elapsed


CPU_SECONDS: list[float] = []


def paired(
    runs: int,
    a: Callable[[], float],
    b: Callable[[], float],
    between: Callable[[], None] = lambda: None,
) -> tuple[float, float, float]:
    """Median of A, median of B, median of the pairs' A/B (one warm-up pair not counted)."""
    a()
    b()
    between()
    times_a, times_b = [], []
    for _ in range(runs):
        times_a.append(a())
        times_b.append(b())
        between()
    ratios = [x / y for x, y in zip(times_a, times_b, strict=True)]
    return statistics.median(times_a), statistics.median(times_b), statistics.median(ratios)


@dataclass
class Timing:
    a: float
    b: float
    ratio: float
    """Median of the pairs' wall-time ratios."""
    cpu_ratio: float
    """Median of the pairs' CPU-time ratios (user + system): what a busy machine moves less."""

    def text(self) -> str:
        return f"{ms(self.a)} vs {ms(self.b)} = {self.ratio:.2f}x (CPU {self.cpu_ratio:.2f}x)"


def commands(
    runs: int,
    a: tuple[list[str], dict[str, str], Path | None],
    b: tuple[list[str], dict[str, str], Path | None],
    between: Callable[[], None] = lambda: None,
) -> Timing:
    """`paired` for two commands, each (argv, env, cwd), with their CPU times."""
    CPU_SECONDS.clear()
    med_a, med_b, ratio = paired(runs, lambda: run_checked(*a), lambda: run_checked(*b), between)
    cpu = CPU_SECONDS[2:]  # after the warm-up pair: A B A B ...
    cpu_ratio = statistics.median(x / y for x, y in zip(cpu[::2], cpu[1::2], strict=True))
    return Timing(med_a, med_b, ratio, cpu_ratio)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


# ------------------------------------------------------------------------- clusters
class Cluster:
    """Where the one-shot commands run: a kubeconfig, a way to let rollouts finish, and (on
    the simulated cluster) a request counter."""

    kubeconfig: str
    name: str

    def settle(self) -> None: ...

    def count(self, run: Callable[[], Any]) -> int | None:
        run()
        return None


def deployment(name: str, image: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
        },
    }


IMAGES = ("nginx:1.25.3", "nginx:1.26.0", "nginx:1.27.0")


class SimCluster(Cluster):
    name = "simulated cluster"

    def __init__(self, running: Any) -> None:
        self.running = running
        self.sim = running.cluster
        self.kubeconfig = running.kubeconfig
        self.sim.apply_object(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
        )
        for image in IMAGES:
            for name in ("ours", "theirs"):
                self.sim.apply_object(deployment(name, image))
            self.sim.advance(30)

    def settle(self) -> None:
        self.sim.advance(30)

    def count(self, run: Callable[[], Any]) -> int | None:
        self.sim.requests.clear()
        self.sim.count_requests = True
        try:
            run()
        finally:
            self.sim.count_requests = False
        return len(self.sim.requests)


class RealCluster(Cluster):
    name = "real control plane (TLS)"

    def __init__(self, cp: Any, kubectl: Path, cache: str) -> None:
        self.cp = cp
        self.kubeconfig = str(cp.kubeconfig)
        base = [str(kubectl), "--kubeconfig", self.kubeconfig, "--cache-dir", cache]

        def k(*args: str, stdin: str | None = None) -> str:
            return subprocess.run(
                [*base, *args], input=stdin, capture_output=True, text=True, check=True
            ).stdout

        self._k = k

        k("create", "namespace", NAMESPACE)
        for image in IMAGES:
            for name in ("ours", "theirs"):
                k("apply", "-f", "-", stdin=json.dumps(deployment(name, image)))
            self._wait(k, len(IMAGES[: IMAGES.index(image) + 1]))

    @staticmethod
    def _wait(k: Callable[..., str], revisions: int) -> None:
        """Until the Deployment controller has made each Deployment's ReplicaSets."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            found = json.loads(k("get", "rs", "-n", NAMESPACE, "-o", "json"))["items"]
            if len(found) >= 2 * revisions:
                return
            time.sleep(0.2)
        raise SystemExit("bench: the real control plane made no ReplicaSets in 120 s")

    def settle(self) -> None:
        """Until both rollouts are complete: a rollback planned while the Deployment
        controller still writes the last one's status is (rightly) refused as changed."""
        for name in ("ours", "theirs"):
            self._k("rollout", "status", f"deploy/{name}", "-n", NAMESPACE, "--timeout=120s")


@contextmanager
def cluster(kind: str, kubectl: Path, cache: str) -> Iterator[Cluster]:
    if kind == "sim":
        from kubectl_rollback.sim import run_cluster

        with run_cluster("empty", time_scale=0) as running:
            yield SimCluster(running)
        return
    from tests.clusters import control_plane

    if not control_plane.is_built(control_plane.DEFAULT_VERSION):
        raise SystemExit("bench: the real control plane is not built (scripts/control-plane build)")
    cp = control_plane.start(control_plane.DEFAULT_VERSION)
    try:
        yield RealCluster(cp, kubectl, cache)
    finally:
        cp.stop()


# ------------------------------------------------------------------------- one-shot
ONE_SHOT = (
    # (label, our arguments, kubectl's, what kubectl's is)
    (
        "rollback --yes --no-wait",
        ["-n", NAMESPACE, "deploy/ours", "--yes", "--no-wait"],
        ["-n", NAMESPACE, "rollout", "undo", "deploy/theirs"],
        "rollout undo",
    ),
    (
        "--dry-run",
        ["-n", NAMESPACE, "deploy/ours", "--dry-run"],
        ["-n", NAMESPACE, "rollout", "undo", "deploy/theirs", "--dry-run=client"],
        "rollout undo --dry-run=client",
    ),
    (
        "history",
        ["history", "-n", NAMESPACE, "deploy/ours"],
        ["-n", NAMESPACE, "rollout", "history", "deploy/theirs"],
        "rollout history",
    ),
)


def one_shot(
    where: Cluster, kubectl: Path, cache: str, runs: int, made: dict[str, Any]
) -> list[Row]:
    rows: list[Row] = []
    base = [str(kubectl), "--kubeconfig", where.kubeconfig, "--cache-dir", cache]
    kenv = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    kenv["KUBECACHEDIR"] = cache
    subprocess.run([*base, "get", "deploy", "-n", NAMESPACE], env=kenv, capture_output=True)
    for mode, target in (("compiled", 2.0), ("checkout", 2.5)):
        folder, env = made[mode]
        for label, mine, theirs, what in ONE_SHOT:
            timing = commands(
                runs,
                (against(where.kubeconfig, mine), env, folder),
                ([*base, *theirs], kenv, None),
                where.settle,
            )
            rows.append(
                Row(
                    f"{label} vs kubectl {what} ({mode})",
                    timing.text(),
                    f"<= {target}x",
                    timing.ratio / target,
                )
            )
    for mode in ("compiled", "checkout"):
        folder, env = made[mode]
        for flag, theirs in (
            ("--help", ["rollout", "undo", "--help"]),
            ("--version", ["version", "--client"]),
        ):
            timing = commands(runs, (ours([flag]), env, folder), ([*base, *theirs], kenv, None))
            rows.append(
                Row(
                    f"{flag} ({mode}; kubectl {' '.join(theirs)}: {ms(timing.b)})",
                    ms(timing.a),
                    "< 100 ms",
                    timing.a / 0.100,
                )
            )
    folder, env = made["compiled"]
    if isinstance(where, SimCluster):
        mine = where.count(
            lambda: run_checked(against(where.kubeconfig, ONE_SHOT[0][1]), env, folder)
        )
        where.settle()
        theirs_n = where.count(lambda: run_checked([*base, *ONE_SHOT[0][2]], kenv))
        where.settle()
        assert mine is not None and theirs_n is not None
        rows.append(
            Row(
                "requests: rollback --yes --no-wait vs rollout undo",
                f"{mine} vs {theirs_n}",
                f"<= {theirs_n + 1} (kubectl's + the Event)",
                mine / (theirs_n + 1),
            )
        )
    else:
        rows.append(
            Row("requests: rollback vs rollout undo", "counted on the simulated cluster", "-", None)
        )
    return rows


def frozen() -> None:
    """Keep the garbage collector off the objects filled so far: the simulated cluster serves
    from this process, and a full collection over a million dicts would land in a request."""
    gc.collect()
    gc.freeze()


# ------------------------------------------------------------------------- paging
def _page_through(url: str, path: str, touch: Callable[[int], None] | None) -> float:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
    headers = {"Authorization": "Bearer sim-token", "Accept": "application/json"}
    started = time.perf_counter()
    cont, page = "", 0
    while True:
        query = "?limit=500" + (f"&continue={quote(cont)}" if cont else "") if touch else ""
        conn.request("GET", path + query, headers=headers)
        doc = json.loads(conn.getresponse().read())
        cont = (doc.get("metadata") or {}).get("continue") or ""
        if not cont or touch is None:
            break
        touch(page)
        page += 1
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


@contextmanager
def _filled_for_paging(count: int) -> Iterator[tuple[Callable[[], float], Callable[[], float]]]:
    """A simulated cluster of `count` ConfigMaps: (a paged LIST with a write between pages,
    an unpaged LIST), each run once per call, its seconds."""
    from kubectl_rollback.sim import run_cluster
    from kubectl_rollback.sim.resources import BY_KIND

    with run_cluster("empty", time_scale=0) as running:
        store = running.cluster.store
        store.create(
            BY_KIND["Namespace"],
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "paging"}},
        )
        for i in range(count):
            store.create(
                BY_KIND["ConfigMap"],
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": f"cm-{i:06d}", "namespace": "paging"},
                    "data": {"index": str(i), "payload": "x" * 200},
                },
            )

        def touch(page: int) -> None:
            # A write between pages, as controllers write while kubectl pages through.
            store.mutate(
                BY_KIND["ConfigMap"],
                "paging",
                f"cm-{page:06d}",
                lambda o: o["data"].update(touched="yes"),
            )

        path = "/api/v1/namespaces/paging/configmaps"
        frozen()
        _page_through(running.url, path, None)  # every object encoded once
        yield (
            lambda: _page_through(running.url, path, touch),
            lambda: _page_through(running.url, path, None),
        )


def paging(runs: int) -> list[Row]:
    """Both sizes filled side by side, their runs interleaved: the machine's speed drifts
    over a run, and a per-object figure taken minutes apart moved with it (0.64x to 1.53x
    over one day's runs)."""
    small, big = 10_000, 100_000
    with (
        _filled_for_paging(small) as (small_paged, _),
        _filled_for_paging(big) as (
            big_paged,
            big_whole,
        ),
    ):
        med_paged, med_whole, ratio = paired(max(3, runs // 3), big_paged, big_whole)
        # As many objects on each side of a pair: ten passes through 10,000 against one
        # through 100,000 (one pass of 10,000 takes ~0.06 s: one slow moment decided it).
        passes = big // small
        big_s, small_s, growth = paired(
            max(3, runs // 3), big_paged, lambda: sum(small_paged() for _ in range(passes))
        )
    return [
        Row(
            "sim: LIST 100,000 paged 500 at a time (a write between pages) vs one unpaged LIST",
            f"{med_paged:.2f} s vs {med_whole:.2f} s = {ratio:.2f}x",
            "<= 2x",
            ratio / 2,
        ),
        Row(
            "sim: paged LIST cost per object, 100,000 vs 10,000 (linear: 1; one pass through "
            "100,000 vs ten through 10,000, interleaved)",
            f"{growth:.2f}x ({big_s:.2f} s vs {small_s:.2f} s)",
            "<= 1.5x",
            growth / 1.5,
        ),
    ]


# ------------------------------------------------------------------------- scale
def _scale_command(running: Any, app: str, args: list[str]) -> list[str]:
    return against(running.kubeconfig, [a.format(app=app) for a in args])


def scale(runs: int, made: dict[str, Any]) -> list[Row]:
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_tui import NAMESPACE as FILLED
    from bench_tui import fill

    from kubectl_rollback.sim import run_cluster

    folder, env = made["compiled"]
    rows: list[Row] = []
    with run_cluster("empty", time_scale=0) as small, run_cluster("empty", time_scale=0) as big:
        fill(small.cluster, 10, 5)
        started = time.perf_counter()
        fill(big.cluster, 20_000, 5)
        filled = time.perf_counter() - started
        frozen()
        for label, args in (
            ("history", ["history", "-n", FILLED, "deploy/{app}"]),
            ("--dry-run", ["-n", FILLED, "deploy/{app}", "--dry-run"]),
        ):
            a_argv = _scale_command(big, "app-10000", args)
            b_argv = _scale_command(small, "app-00005", args)
            timing = commands(runs, (a_argv, env, folder), (b_argv, env, folder))
            counts = []
            for running, argv in ((big, a_argv), (small, b_argv)):
                running.cluster.requests.clear()
                running.cluster.count_requests = True
                run_checked(argv, env, folder)
                running.cluster.count_requests = False
                counts.append(len(running.cluster.requests))
            rows.append(
                Row(
                    f"sim: {label} at 20,000 Deployments x 5 ReplicaSets vs at 10 "
                    f"(filled in {filled:.0f} s)",
                    f"{timing.text()}, requests {counts[0]} vs {counts[1]}",
                    "<= 1.25x",
                    timing.ratio / 1.25,
                )
            )
    return rows


# ------------------------------------------------------------------------- terminal UI
TUI_DRIVER = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[1] + "/bench")
import bench_tui
ui_env, ui_cwd, kubectl, kubectl_env = json.loads(sys.argv[2])
print(json.dumps(bench_tui.measure(2, ui_env, kubectl, kubectl_env, ui_cwd=ui_cwd)))
"""


def tui(kubectl: Path, cache: str, made: dict[str, Any]) -> list[Row]:
    """bench/bench_tui.py's figures, in a child process; the whole-process runs use the
    compiled copy of the package, the baseline kubectl 1.33's `get deployments`."""
    folder, ui_env = made["compiled"]
    kenv = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    kenv["KUBECACHEDIR"] = cache
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            TUI_DRIVER,
            str(ROOT),
            json.dumps([ui_env, str(folder), str(kubectl), kenv]),
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        reason = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return [Row("terminal UI (bench/bench_tui.py)", f"not measured: {reason}", "-", None)]
    return tui_rows(json.loads(proc.stdout.strip().splitlines()[-1]))


def tui_rows(found: dict[str, Any]) -> list[Row]:
    """The table's rows of what ``bench_tui.measure`` found."""
    rows = []
    keys = found["500"]["keys"]
    rows.append(
        Row(
            f"TUI: key press to preview drawn, 500 Deployments (down key sent -> first frame "
            f"written after the new workload's preview was set; {keys['count']} keys, headless)",
            f"{ms(keys['median'])}, p90 {ms(keys['p90'])}",
            "median < 100 ms, p90 < 150 ms",
            max(keys["median"] / 0.100, keys["p90"] / 0.150),
        )
    )
    rows.append(
        Row(
            "TUI: key press to preview drawn, back over workloads just seen (median)",
            ms(keys["back"]),
            "< 100 ms",
            keys["back"] / 0.100,
        )
    )
    rows.append(
        Row(
            f"TUI: a burst of {keys['burst_keys']} keys 30 ms apart: last key -> its preview "
            "drawn (histories loaded)",
            f"{ms(keys['burst'])} ({keys['burst_loaded']} of {keys['burst_keys']} loaded)",
            "-",
            None,
        )
    )
    rows.append(
        Row(
            "TUI: longest UI stall while moving through 500 (10 ms timer)",
            ms(keys["gap"]),
            "< 50 ms",
            keys["gap"] / 0.050,
        )
    )
    for size, target in ((500, 0.5), (5000, 1.0)):
        f = found[str(size)]
        baseline = (
            f"; after each, kubectl get deployments: {ms(f['kubectl'])}, {f['whole_ratio']:.2f}x"
            if f.get("kubectl")
            else ""
        )
        low, high = f["whole_range"]
        rows.append(
            Row(
                f"TUI: first workloads on screen, whole process, {size:,} Deployments (spawned "
                f"in a pty -> first row written; median of {f['whole_runs']}{baseline})",
                f"{ms(f['whole'])} ({low * 1000:.0f}-{high * 1000:.0f})",
                f"< {ms(target)}",
                f["whole"] / target,
            )
        )
    if "bare" in found["500"]:
        f = found["500"]
        rows.append(
            Row(
                "TUI: first workloads at 500 vs a bare Textual app's first frame (one Static; "
                "whole process, run after each of ours: Textual's own start on this machine)",
                f"{ms(f['whole'])} vs {ms(f['bare'])} = {f['bare_ratio']:.2f}x",
                "-",
                None,
            )
        )
    rows.append(
        Row(
            "TUI: peak memory of the UI process (whole process) at 5,000",
            f"{found['5000']['whole_rss']:.0f} MiB",
            "< 150 MiB",
            found["5000"]["whole_rss"] / 150,
        )
    )
    for size in (500, 5000):
        f = found[str(size)]
        rows.append(
            Row(
                f"TUI: in process, app start -> first workloads, {size:,} (raw LIST "
                f"{ms(f['raw'])}); -> revision view {ms(f['history'])}",
                ms(f["workloads"]),
                "-",
                None,
            )
        )
    rows.append(
        Row(
            "TUI: longest UI stall while loading 5,000 (10 ms timer); cluster calls on the UI "
            f"thread: {found['5000']['ui_calls'] + found['500']['ui_calls']:.0f}",
            ms(found["5000"]["gap"]),
            "-",
            None,
        )
    )
    if "20000" in found:
        f = found["20000"]
        rows.append(
            Row(
                f"TUI: / filter at 20,000 Deployments x 5 ReplicaSets, key -> list drawn "
                f"(median, slowest of {len(f['keys'])} keys; listed in {ms(f['listed'])})",
                f"{ms(statistics.median(f['keys']))}, max {ms(max(f['keys']))}",
                "< 100 ms per key",
                max(f["keys"]) / 0.100,
            )
        )
    return rows


# ------------------------------------------------------------------------- report
def machine() -> str:
    model = platform.processor() or "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{model}, {cores} cores, Python {platform.python_version()}, {platform.system()}"


def table(rows: list[Row]) -> str:
    head = ["figure", "measured", "target", "ratio to target"]
    cells = [head, *(r.cells() for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cluster", choices=("sim", "real"), default="sim")
    parser.add_argument("--runs", type=int, default=9, help="pairs per one-shot figure")
    parser.add_argument("--skip", default="", help="comma-separated: oneshot, tui, paging, scale")
    parser.add_argument("--kubectl-version", default="1.33")
    args = parser.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    kubectl = kubectl_binary(args.kubectl_version)
    if kubectl is None:
        print(f"bench: kubectl {args.kubectl_version} not found", file=sys.stderr)
        return 1
    started = time.perf_counter()
    load = os.getloadavg()[0]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-kubectl-") as cache, installs() as made:
        with cluster(args.cluster, kubectl, cache) as where:
            if "oneshot" not in skip:
                rows += one_shot(where, kubectl, cache, args.runs, made)
        if "tui" not in skip:
            rows += tui(kubectl, cache, made)
        if "paging" not in skip:
            rows += paging(args.runs)
        if "scale" not in skip:
            rows += scale(args.runs, made)
    took = time.perf_counter() - started
    print(
        f"kubectl-rollback speed (issue 15) on the {where.name}, kubectl {args.kubectl_version}, "
        f"{time.strftime('%Y-%m-%d', time.gmtime())}\n"
        f"machine: {machine()}; load average {load:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end; {took:.0f} s\n"
    )
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
